using System.Diagnostics;

namespace HiPO.Server.Tests.Deploy;

/// <summary>
/// Runs deploy/validate/validate.mjs: the Kubernetes objects against the Kubernetes API schemas (unknown fields
/// included), the Compose file against the Compose Specification, and the Dockerfile through a linter, all offline.
/// Needs <c>npm ci</c> in deploy/validate first (.ci/run does it).
/// </summary>
public sealed class DeployValidationTests
{
    [Fact]
    public async Task Manifests_compose_file_and_dockerfile_pass_schema_validation_and_lint()
    {
        var folder = DeployFiles.PathOf("deploy/validate");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules")),
            "Install the validators first: (cd deploy/validate && npm ci --no-audit --no-fund)");
        var start = new ProcessStartInfo("node", ["validate.mjs"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(node.ExitCode == 0, await errors + await output);
        Assert.Contains("deploy/ is valid", await output);
    }
}
