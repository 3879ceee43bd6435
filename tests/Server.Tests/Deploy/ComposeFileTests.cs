using System.Text.RegularExpressions;

namespace HiPO.Server.Tests.Deploy;

/// <summary>deploy/docker/compose.yaml runs the image the Dockerfile builds, as the server expects to be run.</summary>
public sealed partial class ComposeFileTests
{
    private static readonly JsonNode Compose = DeployFiles.Compose;

    private static readonly string[] ServerServices = ["hipo-server", "hipo-server-cpu"];

    private static JsonNode Service(string name) => Compose["services"]![name]!;

    /// <summary>A value as Compose interpolates it with no variables set: <c>${NAME:-default}</c> is the default.</summary>
    private static string Interpolated(JsonNode? value) =>
        Interpolation().Replace(value!.GetValue<string>(), m => m.Groups["default"].Value);

    private static Dictionary<string, string> Environment(string service) =>
        Service(service)["environment"]!.AsObject().ToDictionary(p => p.Key, p => Interpolated(p.Value));

    private static string ContainerPort(string service) =>
        Interpolated(Assert.Single(Service(service)["ports"]!.AsArray())).Split(':')[^1];

    [Fact]
    public void Gpu_service_builds_the_cuda_variant_and_reserves_nvidia_gpus()
    {
        var service = Service("hipo-server");
        Assert.Equal("cuda", service["build"]!["args"]!["VARIANT"]!.GetValue<string>());
        Assert.Null(service["profiles"]);
        var device = Assert.Single(service["deploy"]!["resources"]!["reservations"]!["devices"]!.AsArray())!;
        Assert.Equal("nvidia", device["driver"]!.GetValue<string>());
        Assert.Equal("all", device["count"]!.GetValue<string>());
        Assert.Equal(["gpu"], device["capabilities"]!.AsArray().Select(c => c!.GetValue<string>()));
    }

    [Fact]
    public void Cpu_service_builds_the_cpu_variant_behind_its_own_profile_without_gpus()
    {
        var service = Service("hipo-server-cpu");
        Assert.Equal("cpu", service["build"]!["args"]!["VARIANT"]!.GetValue<string>());
        Assert.Equal(["cpu"], service["profiles"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Null(service["deploy"]);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Service_builds_the_repository_dockerfile_from_the_repository_root(string name)
    {
        var build = Service(name)["build"]!;
        var context = Path.GetFullPath(Path.Combine(DeployFiles.PathOf("deploy/docker"), build["context"]!.GetValue<string>()));
        Assert.Equal(DeployFiles.RepositoryRoot.TrimEnd('/'), context.TrimEnd('/'));
        Assert.Equal("deploy/docker/Dockerfile", build["dockerfile"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Model_volume_holds_the_configured_model_read_only(string name)
    {
        var volume = Assert.Single(Service(name)["volumes"]!.AsArray())!;
        Assert.Equal("bind", volume["type"]!.GetValue<string>());
        Assert.Equal("true", volume["read_only"]!.GetValue<string>());
        Assert.Equal(volume["target"]!.GetValue<string>(), Path.GetDirectoryName(Environment(name)["HIPO_Model__Path"]));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Health_check_polls_readiness_on_the_port_the_server_listens_on(string name)
    {
        var port = ContainerPort(name);
        Assert.Equal(DeployFiles.Dockerfile.ImageEnvironment("cuda")["HIPO_Server__Port"], port);
        Assert.DoesNotContain("HIPO_Server__Port", Environment(name).Keys);
        var healthCheck = Service(name)["healthcheck"]!;
        Assert.Contains($"http://127.0.0.1:{port}/health/ready", healthCheck["test"]!.AsArray().Select(t => t!.GetValue<string>()).Last());
        Assert.Contains("/health/ready", DeployFiles.ServerRoutes);
        Assert.EndsWith("m", healthCheck["start_period"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Service_restarts_unless_stopped(string name)
    {
        Assert.Equal("unless-stopped", Service(name)["restart"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Stop_grace_period_outlasts_the_host_stop_which_outlasts_the_drain(string name)
    {
        var environment = Environment(name);
        var drain = int.Parse(environment["HIPO_Inference__DrainTimeoutSeconds"]);
        var hostStop = int.Parse(environment["DOTNET_SHUTDOWNTIMEOUTSECONDS"]);
        var grace = Service(name)["stop_grace_period"]!.GetValue<string>();
        Assert.EndsWith("s", grace);
        Assert.True(drain < hostStop && hostStop < int.Parse(grace[..^1]), $"drain {drain} s < host stop {hostStop} s < grace {grace}");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Service_runs_with_a_read_only_root_and_no_capabilities(string name)
    {
        var service = Service(name);
        Assert.Equal("true", service["read_only"]!.GetValue<string>());
        Assert.Equal(["/tmp"], service["tmpfs"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(["ALL"], service["cap_drop"]!.AsArray().Select(c => c!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Every_HIPO_variable_is_a_setting_the_server_reads_with_a_valid_value(string name)
    {
        Assert.Empty(HipoSettings.Problems(Environment(name)));
    }

    [Fact]
    public void Gpu_settings_are_surfaced_with_defaults_that_offload_every_layer()
    {
        var environment = Environment("hipo-server");
        Assert.Equal("-1", environment["HIPO_Model__GpuLayers"]);
        Assert.Subset(environment.Keys.ToHashSet(),
            new HashSet<string> { "HIPO_Model__FlashAttention", "HIPO_Model__KvCacheType", "HIPO_Model__MainGpu", "HIPO_Model__SplitMode" });
    }

    [Fact]
    public void Prometheus_is_optional_and_scrapes_the_metrics_path_of_every_server_service()
    {
        var prometheus = Service("prometheus");
        Assert.Equal(["metrics"], prometheus["profiles"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal("./prometheus.yml", prometheus["volumes"]![0]!["source"]!.GetValue<string>());

        var job = Assert.Single(YamlDocuments.Load(DeployFiles.PathOf("deploy/docker/prometheus.yml")).Single()["scrape_configs"]!.AsArray())!;
        Assert.Equal("/metrics", job["metrics_path"]!.GetValue<string>());
        Assert.Equal(ServerServices.Select(s => $"{s}:{ContainerPort(s)}"),
            job["static_configs"]![0]!["targets"]!.AsArray().Select(t => t!.GetValue<string>()));
    }

    public static TheoryData<string> Services() => [.. ServerServices];

    [GeneratedRegex(@"\$\{(?<name>\w+)(?::?-(?<default>[^}]*))?\}")]
    private static partial Regex Interpolation();
}
