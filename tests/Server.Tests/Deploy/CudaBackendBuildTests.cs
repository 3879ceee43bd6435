using System.Diagnostics;

namespace HiPO.Server.Tests.Deploy;

/// <summary>
/// The GPU image builds with <c>-p:LlamaBackend=Cuda12</c>. LLamaSharp.Backend.Cuda12 is not served to this
/// project's machines, so these tests go as far as that allows: the property selects the CUDA package at the
/// central version, and a restore with it either succeeds or fails for no other reason than that package's absence.
/// </summary>
public sealed class CudaBackendBuildTests
{
    private static IEnumerable<string> BackendProjects => Directory
        .EnumerateFiles(DeployFiles.PathOf("src"), "*.csproj", SearchOption.AllDirectories)
        .Where(p => File.ReadAllText(p).Contains("LLamaSharp.Backend.$(LlamaBackend)", StringComparison.Ordinal));

    [Theory]
    [InlineData(null, "LLamaSharp.Backend.Cpu")]
    [InlineData("Cuda12", "LLamaSharp.Backend.Cuda12")]
    public async Task Backend_property_selects_the_backend_package_at_the_central_llamasharp_version(string? backend, string package)
    {
        Assert.NotEmpty(BackendProjects);
        foreach (var project in BackendProjects)
        {
            string[] arguments = ["msbuild", project, "-getItem:PackageReference", "-getItem:PackageVersion", .. backend is null ? Array.Empty<string>() : [$"-p:LlamaBackend={backend}"]];
            var (exitCode, output) = await DotnetAsync(DeployFiles.RepositoryRoot, arguments);
            Assert.True(exitCode == 0, output);
            var items = JsonNode.Parse(output)!["Items"]!;
            var references = items["PackageReference"]!.AsArray().Select(i => i!["Identity"]!.GetValue<string>()).ToList();
            Assert.Contains(package, references);
            Assert.Single(references, r => r.StartsWith("LLamaSharp.Backend.", StringComparison.Ordinal));
            var versions = items["PackageVersion"]!.AsArray().ToDictionary(i => i!["Identity"]!.GetValue<string>(), i => i!["Version"]!.GetValue<string>());
            Assert.Equal(versions["LLamaSharp"], versions[package]);
        }
    }

    [Fact]
    public async Task Cuda12_restore_fails_only_because_the_cuda_package_is_not_served_here()
    {
        // A copy of the project files alone: a restore writes obj/ folders, which must not touch the working tree.
        var copy = Directory.CreateTempSubdirectory("hipo-cuda-restore-");
        try
        {
            foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props" })
                File.Copy(DeployFiles.PathOf(file), Path.Combine(copy.FullName, file));
            foreach (var project in Directory.EnumerateFiles(DeployFiles.PathOf("src"), "*.csproj", SearchOption.AllDirectories))
            {
                var target = Path.Combine(copy.FullName, Path.GetRelativePath(DeployFiles.RepositoryRoot, project));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(project, target);
            }

            var (exitCode, output) = await DotnetAsync(copy.FullName, ["restore", "src/Inference/HiPO.Inference.csproj", "-p:LlamaBackend=Cuda12"]);
            if (exitCode == 0)
            {
                Assert.Contains("LLamaSharp.Backend.Cuda12", File.ReadAllText(Path.Combine(copy.FullName, "src/Inference/obj/project.assets.json")));
                return;
            }
            var errors = output.Split('\n').Where(l => l.Contains(": error ", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(errors);
            Assert.All(errors, e => Assert.Matches("error NU1101: Unable to find package LLamaSharp.Backend.Cuda12", e));
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> DotnetAsync(string folder, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The test host's own MSBuild variables would steer the child build.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var dotnet = Process.Start(start)!;
        var output = dotnet.StandardOutput.ReadToEndAsync();
        var errors = dotnet.StandardError.ReadToEndAsync();
        await dotnet.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (dotnet.ExitCode, await output + await errors);
    }
}
