using HiPO.Server.Tests.Conformance;

namespace HiPO.Server.Tests.Operations;

/// <summary><c>--help</c> on the server and on <c>convert</c>, run as the real program from a shell: usage on stdout, exit code 0.</summary>
public sealed class CommandLineHelpTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--port", "9999", "--help")]
    public Task Server_help_prints_usage_and_exits_0(params string[] arguments) =>
        AssertPrintsUsageAsync(arguments, "usage: hipo-server", "--model", "convert");

    [Theory]
    [InlineData("convert", "--help")]
    [InlineData("convert", "-h")]
    [InlineData("convert", "hf:owner/repo", "--help")]
    public Task Convert_help_prints_usage_and_exits_0(params string[] arguments) =>
        AssertPrintsUsageAsync(arguments, "usage: hipo-server convert", "--quant");

    [Fact]
    public async Task An_unknown_convert_argument_is_still_an_error()
    {
        var run = await RunServerAsync(["convert", "--bogus"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("unexpected argument '--bogus'", run.StandardError);
    }

    private static async Task AssertPrintsUsageAsync(string[] arguments, params string[] usageParts)
    {
        var run = await RunServerAsync(arguments);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.All(usageParts, part => Assert.Contains(part, run.StandardOutput));
    }

    private static Task<ClientRun> RunServerAsync(string[] arguments) =>
        ClientProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "hipo-server.dll"), .. arguments], AppContext.BaseDirectory,
            new Dictionary<string, string>(), TimeSpan.FromMinutes(1));
}
