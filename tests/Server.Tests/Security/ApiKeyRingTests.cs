using HiPO.Server.Security;
using Microsoft.Extensions.Options;

namespace HiPO.Server.Tests.Security;

/// <summary>Matching a presented key against the configured ones.</summary>
public sealed class ApiKeyRingTests
{
    private static ApiKeyRing Ring(params string[] keys) => new(Options.Create(new SecurityOptions { ApiKeys = keys }));

    [Fact]
    public void Only_an_exact_key_matches()
    {
        var ring = Ring("sk-one", "sk-two");

        Assert.Equal(0, ring.Match("sk-one"));
        Assert.Equal(1, ring.Match("sk-two"));
        Assert.Null(ring.Match("sk-on"));
        Assert.Null(ring.Match("sk-one "));
        Assert.Null(ring.Match("SK-ONE"));
        Assert.Null(ring.Match(""));
    }

    [Fact]
    public void Comma_separated_entries_and_repeats_make_one_set()
    {
        var ring = Ring("sk-one, sk-two", "sk-two");

        Assert.Equal(2, ring.Count);
        Assert.NotNull(ring.Match("sk-one"));
        Assert.NotNull(ring.Match("sk-two"));
    }

    [Fact]
    public void No_keys_means_an_open_server() => Assert.True(Ring().IsEmpty);
}
