using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace HiPO.Server.Tests.Deploy;

/// <summary>deploy/docker/Dockerfile agrees with the projects it builds and the settings the server reads.</summary>
public sealed partial class DockerfileTests
{
    private const string CudaLibrary = "/app/runtimes/linux-x64/native/cuda12/libllama.so";

    private static readonly Dockerfile Docker = DeployFiles.Dockerfile;

    private static DockerStage Final => Docker.Stages[^1];

    private static IReadOnlyList<string> Variants =>
        [.. VariantCase().Matches(Docker.Stage("build").Arguments("RUN").Single(r => r.Contains("dotnet publish", StringComparison.Ordinal))).Select(m => m.Groups["variant"].Value)];

    [Fact]
    public void Variant_argument_selects_the_runtime_stage_and_defaults_to_cuda()
    {
        Assert.Contains("VARIANT=cuda", Docker.Global.Where(i => i.Keyword == "ARG").Select(i => i.Arguments));
        Assert.Equal("runtime-${VARIANT}", Final.Base);
        Assert.StartsWith("nvidia/cuda", Docker.Global.Single(i => i.Arguments.StartsWith("CUDA_IMAGE=", StringComparison.Ordinal)).Arguments["CUDA_IMAGE=".Length..]);
        Assert.Equal("${CUDA_IMAGE}", Docker.Stage("runtime-cuda").Base);
        Assert.Equal("aspnet", Docker.Stage("runtime-cpu").Base);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", Docker.Stage("aspnet").Base);
    }

    [Fact]
    public void Build_stage_publishes_the_server_with_the_backend_package_the_variant_names()
    {
        var build = Docker.Stage("build");
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", build.Base);
        var publish = Assert.Single(build.Arguments("RUN"), r => r.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("dotnet publish src/Server/HiPO.Server.csproj", publish);
        Assert.Contains("-p:LlamaBackend=\"$backend\"", publish);
        Assert.Contains("-o /app", publish);

        var backends = VariantCase().Matches(publish).ToDictionary(m => m.Groups["variant"].Value, m => m.Groups["backend"].Value);
        Assert.Equal(new Dictionary<string, string> { ["cuda"] = "Cuda12", ["cpu"] = "Cpu" }, backends);
        var versions = XDocument.Load(DeployFiles.PathOf("Directory.Packages.props")).Descendants("PackageVersion")
            .Select(p => (string)p.Attribute("Include")!).ToHashSet();
        Assert.All(backends.Values, backend => Assert.Contains($"LLamaSharp.Backend.{backend}", versions));
        Assert.Contains("LLamaSharp.Backend.$(LlamaBackend)", DeployFiles.Read("src/Inference/HiPO.Inference.csproj"));
    }

    [Fact]
    public void Build_fails_when_the_backend_native_library_is_not_where_the_image_loads_it_from()
    {
        var publish = Assert.Single(Docker.Stage("build").Arguments("RUN"), r => r.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("test -f \"/app/runtimes/linux-x64/native/$native/libllama.so\"", publish);
        Assert.Contains("cuda) backend=Cuda12; native=cuda12", publish);
        Assert.Equal(CudaLibrary, Docker.ImageEnvironment("cuda")["HIPO_Model__NativeLibraryPath"]);
    }

    [Fact]
    public void Cuda_image_loads_the_cuda12_library_explicitly_and_refuses_to_run_on_cpu()
    {
        var environment = Docker.ImageEnvironment("cuda");
        Assert.StartsWith(Path.GetDirectoryName(CudaLibrary) + ":", environment["LD_LIBRARY_PATH"]);
        Assert.Equal("true", environment["HIPO_Model__RequireGpu"]);
        Assert.DoesNotContain("HIPO_Model__RequireGpu", Docker.ImageEnvironment("cpu").Keys);
    }

    [Fact]
    public void Both_runtime_variants_install_what_the_native_libraries_and_the_health_check_need()
    {
        foreach (var stage in new[] { "runtime-cuda", "runtime-cpu" })
        {
            var install = string.Join(" ", Docker.Stage(stage).Arguments("RUN"));
            Assert.Contains("libgomp1", install);
            Assert.Contains("curl", install);
        }
        Assert.Contains("COPY --from=aspnet /usr/share/dotnet /usr/share/dotnet", Docker.Stage("runtime-cuda").Arguments("COPY").Select(a => "COPY " + a));
    }

    [Fact]
    public void Server_runs_as_a_non_root_user()
    {
        var user = Final.Arguments("USER").Last();
        Assert.True(int.TryParse(user, out var uid) && uid > 0, $"USER {user} must be a numeric non-root id (Kubernetes runAsNonRoot checks it).");
        Assert.Contains("--uid \"$APP_UID\"", string.Join(" ", Docker.Stage("runtime-cuda").Arguments("RUN")));
        Assert.Equal(user, Docker.ImageEnvironment("cuda")["APP_UID"]);
    }

    [Fact]
    public void Entry_point_is_the_published_server_assembly()
    {
        var assemblyName = XDocument.Load(DeployFiles.PathOf("src/Server/HiPO.Server.csproj")).Descendants("AssemblyName").Single().Value;
        Assert.Equal($"""["dotnet", "/app/{assemblyName}.dll"]""", Final.Arguments("ENTRYPOINT").Single());
        Assert.Equal("/app", Final.Arguments("WORKDIR").Single());
        Assert.Equal("--from=build /app .", Final.Arguments("COPY").Single());
    }

    [Fact]
    public void Exposed_port_is_the_port_the_server_is_configured_to_listen_on()
    {
        var environment = Docker.ImageEnvironment("cuda");
        Assert.Equal(environment["HIPO_Server__Port"], Final.Arguments("EXPOSE").Single());
        Assert.Equal("0.0.0.0", environment["HIPO_Server__Host"]);
    }

    [Fact]
    public void Health_check_polls_readiness_on_the_configured_port_and_allows_for_the_model_load()
    {
        var check = Final.Arguments("HEALTHCHECK").Single();
        Assert.Contains("CMD curl -fsS -o /dev/null \"http://127.0.0.1:${HIPO_Server__Port}/health/ready\"", check);
        Assert.Contains("/health/ready", DeployFiles.ServerRoutes);
        var startPeriod = StartPeriod().Match(check);
        Assert.True(startPeriod.Success && int.Parse(startPeriod.Groups[1].Value) >= 5, "The start period must allow minutes for the model load.");
    }

    [Fact]
    public void Model_directory_is_a_volume_that_holds_the_default_model_path()
    {
        Assert.Equal("""["/models"]""", Final.Arguments("VOLUME").Single());
        Assert.StartsWith("/models/", Docker.ImageEnvironment("cuda")["HIPO_Model__Path"]);
    }

    [Fact]
    public void Host_stop_timeout_outlasts_the_drain()
    {
        var environment = Docker.ImageEnvironment("cuda");
        Assert.True(int.Parse(environment["DOTNET_SHUTDOWNTIMEOUTSECONDS"]) > int.Parse(environment["HIPO_Inference__DrainTimeoutSeconds"]));
    }

    [Fact]
    public void Every_HIPO_variable_is_a_setting_the_server_reads_with_a_valid_value()
    {
        Assert.All(Variants, variant => Assert.Empty(HipoSettings.Problems(Docker.ImageEnvironment(variant))));
    }

    [Fact]
    public void Build_context_sends_only_the_sources_the_publish_needs()
    {
        var rules = DeployFiles.Read("deploy/docker/Dockerfile.dockerignore").Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Equal("*", rules[0]);
        Assert.Equal(["!Directory.Build.props", "!Directory.Packages.props", "!appsettings.json", "!src/", "**/bin/", "**/obj/"], rules[1..]);
    }

    [GeneratedRegex(@"(?<variant>\w+)\) backend=(?<backend>\w+);")]
    private static partial Regex VariantCase();

    [GeneratedRegex(@"--start-period=(\d+)m")]
    private static partial Regex StartPeriod();
}
