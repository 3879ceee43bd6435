using HiPO.Server.OpenAI;
using HiPO.Server.Responses;

namespace HiPO.Server.Tests.Responses;

public sealed class ResponseStoreTests
{
    private static ResponseObject Response(string id) => new()
    {
        Id = id,
        CreatedAt = 0,
        Status = "completed",
        Model = "m",
        Output = [],
        Reasoning = new ReasoningConfiguration(null, null),
        Text = default,
        ToolChoice = default,
        Tools = default,
    };

    [Fact]
    public void A_response_expires_after_the_ttl()
    {
        var time = new ManualTime();
        var store = new ResponseStore(new ResponseStoreOptions { TtlSeconds = 60 }, time);
        store.Add(Response("resp_1"), [], null);

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.NotNull(store.Find("resp_1", null));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(store.Find("resp_1", null));
    }

    [Fact]
    public void The_oldest_response_goes_first_when_the_store_is_full()
    {
        var store = new ResponseStore(new ResponseStoreOptions { MaxStored = 2 }, new ManualTime());
        foreach (var id in new[] { "resp_1", "resp_2", "resp_3" })
            store.Add(Response(id), [], null);

        Assert.Null(store.Find("resp_1", null));
        Assert.NotNull(store.Find("resp_2", null));
        Assert.NotNull(store.Find("resp_3", null));
    }

    [Fact]
    public void A_response_belongs_to_the_key_that_stored_it()
    {
        var store = new ResponseStore(new ResponseStoreOptions(), new ManualTime());
        store.Add(Response("resp_1"), [], "key:0");

        Assert.Null(store.Find("resp_1", "key:1"));
        Assert.Null(store.Find("resp_1", null));
        Assert.False(store.Remove("resp_1", "key:1"));
        Assert.True(store.Remove("resp_1", "key:0"));
        Assert.Null(store.Find("resp_1", "key:0"));
    }

    [Fact]
    public void MaxStored_zero_stores_nothing()
    {
        var store = new ResponseStore(new ResponseStoreOptions { MaxStored = 0 }, new ManualTime());
        store.Add(Response("resp_1"), [], null);
        Assert.Null(store.Find("resp_1", null));
    }
}
