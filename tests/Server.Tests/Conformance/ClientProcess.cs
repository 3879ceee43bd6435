using System.Diagnostics;

namespace HiPO.Server.Tests.Conformance;

/// <summary>What a client program printed and how it exited.</summary>
public sealed record ClientRun(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Everything it printed, for a failure message.</summary>
    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}

/// <summary>Runs a client program (node, bash with curl) against the server to its end, as a user would from a shell.</summary>
public static class ClientProcess
{
    public static async Task<ClientRun> RunAsync(string program, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Could not start '{program}' (is it installed and on PATH?): {e.Message}", e);
        }
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"'{program} {string.Join(' ', start.ArgumentList)}' ran past {timeout}.\n{new ClientRun(-1, await output, await error)}");
        }
        return new ClientRun(process.ExitCode, await output, await error);
    }
}
