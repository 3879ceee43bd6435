using System.Text.Json;
using HiPO.Bench;
using HiPO.Bench.Reporting;

// dotnet run -c Release --project bench/HiPO.Bench -- [--quick] [--only shape,overhead,proxy] [--model PATH] [--quant Q8_0|Q4_K_M] [--waves N] [--out FOLDER]
var root = RepositoryRoot();
var options = CommandLineOptions.Parse(args, root);
if (options is null)
{
    Console.Error.WriteLine(CommandLineOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

BenchmarkReport report;
try
{
    report = await BenchmarkRunner.RunAsync(options.Settings, Console.Out, cancel.Token);
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}
var markdown = MarkdownReport.Render(report);
Console.WriteLine();
Console.WriteLine(markdown);

Directory.CreateDirectory(options.OutputFolder);
var name = Path.Combine(options.OutputFolder, $"bench-{report.Mode}-{report.StartedAt:yyyyMMdd-HHmmss}");
await File.WriteAllTextAsync(name + ".json", JsonSerializer.Serialize(report, ReportJsonContext.Default.BenchmarkReport));
await File.WriteAllTextAsync(name + ".md", markdown);
Console.WriteLine($"Wrote {name}.json and {name}.md");
return 0;

// Models and results go under the repository's bench/ folder wherever the command is run from.
static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "HiPO.Server.sln")))
            return dir.FullName;
    }
    return Directory.GetCurrentDirectory();
}
