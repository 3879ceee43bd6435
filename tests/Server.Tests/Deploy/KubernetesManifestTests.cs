namespace HiPO.Server.Tests.Deploy;

/// <summary>deploy/k8s: the objects fit together and match the server's endpoints, settings and shutdown.</summary>
public sealed class KubernetesManifestTests
{
    private static readonly JsonNode Deployment = DeployFiles.KubernetesObject("Deployment");

    private static readonly JsonNode PodSpec = Deployment["spec"]!["template"]!["spec"]!;

    private static readonly JsonNode Server = PodSpec["containers"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "hipo-server")!;

    private static readonly JsonNode FetchModel = PodSpec["initContainers"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "fetch-model")!;

    private static readonly JsonObject PodLabels = Deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();

    private static IEnumerable<JsonNode> AllContainers => [.. PodSpec["initContainers"]!.AsArray()!, .. PodSpec["containers"]!.AsArray()!];

    /// <summary>
    /// The server container's environment: the ConfigMap it loads, then its own <c>env</c> entries; one taken from a
    /// Secret stands for any key the Secret could hold.
    /// </summary>
    private static Dictionary<string, string> ServerEnvironment()
    {
        var configMapName = Assert.Single(Server["envFrom"]!.AsArray())!["configMapRef"]!["name"]!.GetValue<string>();
        var configMap = DeployFiles.KubernetesObjects.Single(o => o["kind"]!.GetValue<string>() == "ConfigMap" && Name(o) == configMapName);
        var environment = configMap["data"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
        foreach (var variable in Server["env"]!.AsArray())
            environment[variable!["name"]!.GetValue<string>()] = variable["value"]?.GetValue<string>() ?? "secret-value";
        return environment;
    }

    private static string Name(JsonNode o) => o["metadata"]!["name"]!.GetValue<string>();

    private static int Seconds(JsonNode? value) => int.Parse(value!.GetValue<string>());

    private static int HttpPort()
    {
        var port = Assert.Single(Server["ports"]!.AsArray())!;
        Assert.Equal("http", port["name"]!.GetValue<string>());
        return Seconds(port["containerPort"]);
    }

    [Fact]
    public void Kustomization_applies_every_manifest_in_the_folder()
    {
        var listed = YamlDocuments.Load(DeployFiles.PathOf("deploy/k8s/kustomization.yaml")).Single()["resources"]!.AsArray()
            .Select(r => r!.GetValue<string>()).Order();
        var files = Directory.EnumerateFiles(DeployFiles.PathOf("deploy/k8s"), "*.yaml").Select(Path.GetFileName)
            .Where(f => f is not ("kustomization.yaml" or "prometheus-adapter-values.yaml")).Order();
        Assert.Equal(files, listed);
        Assert.Equal(
            ["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PersistentVolumeClaim", "PodDisruptionBudget", "Service"],
            DeployFiles.KubernetesObjects.Select(o => o["kind"]!.GetValue<string>()).Order());
    }

    [Fact]
    public void Server_requests_one_whole_gpu()
    {
        var resources = Server["resources"]!;
        Assert.Equal("1", resources["requests"]!["nvidia.com/gpu"]!.GetValue<string>());
        Assert.Equal("1", resources["limits"]!["nvidia.com/gpu"]!.GetValue<string>());
        Assert.Contains(PodSpec["tolerations"]!.AsArray(), t => t!["key"]!.GetValue<string>() == "nvidia.com/gpu");
    }

    [Fact]
    public void Every_container_has_resource_requests_and_a_memory_limit()
    {
        Assert.All(AllContainers, container =>
        {
            Assert.NotNull(container["resources"]!["requests"]!["cpu"]);
            Assert.NotNull(container["resources"]!["requests"]!["memory"]);
            Assert.NotNull(container["resources"]!["limits"]!["memory"]);
        });
    }

    [Fact]
    public void Probes_hit_the_server_health_endpoints_on_the_port_it_listens_on()
    {
        var port = HttpPort();
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), HipoSettings.Effective(ServerEnvironment(), "Server:Port"));
        foreach (var (probe, path) in new[] { ("startupProbe", "/health/ready"), ("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready") })
        {
            var httpGet = Server[probe]!["httpGet"]!;
            Assert.Equal(path, httpGet["path"]!.GetValue<string>());
            Assert.Equal("http", httpGet["port"]!.GetValue<string>());
            Assert.Contains(path, DeployFiles.ServerRoutes);
        }
    }

    [Fact]
    public void Startup_probe_allows_minutes_for_the_model_load()
    {
        var startup = Server["startupProbe"]!;
        Assert.True(Seconds(startup["periodSeconds"]) * Seconds(startup["failureThreshold"]) >= 600);
    }

    [Fact]
    public void Termination_grace_outlasts_the_pre_stop_delay_and_the_host_stop_which_outlasts_the_drain()
    {
        var environment = ServerEnvironment();
        var drain = int.Parse(HipoSettings.Effective(environment, "Inference:DrainTimeoutSeconds")!);
        var hostStop = int.Parse(environment["DOTNET_SHUTDOWNTIMEOUTSECONDS"]);
        var preStop = Server["lifecycle"]!["preStop"]!["exec"]!["command"]!.AsArray().Select(c => c!.GetValue<string>()).ToArray();
        Assert.Equal("sleep", preStop[0]);
        var grace = Seconds(PodSpec["terminationGracePeriodSeconds"]);
        Assert.True(drain < hostStop, $"drain {drain} s < host stop {hostStop} s");
        Assert.True(int.Parse(preStop[1]) + hostStop < grace, $"preStop {preStop[1]} s + host stop {hostStop} s < grace {grace} s");
    }

    [Fact]
    public void Every_HIPO_variable_is_a_setting_the_server_reads_with_a_valid_value()
    {
        var environment = ServerEnvironment();
        Assert.Empty(HipoSettings.Problems(environment));
        Assert.Equal("true", environment["HIPO_Model__RequireGpu"]);
        Assert.Equal("-1", environment["HIPO_Model__GpuLayers"]);
    }

    [Fact]
    public void Pods_run_as_the_image_user_with_read_only_roots_and_no_privileges()
    {
        var pod = PodSpec["securityContext"]!;
        Assert.Equal("true", pod["runAsNonRoot"]!.GetValue<string>());
        Assert.Equal(DeployFiles.Dockerfile.Stages[^1].Arguments("USER").Last(), pod["runAsUser"]!.GetValue<string>());
        Assert.Equal("RuntimeDefault", pod["seccompProfile"]!["type"]!.GetValue<string>());
        Assert.All(AllContainers, container =>
        {
            var security = container["securityContext"]!;
            Assert.Equal("true", security["readOnlyRootFilesystem"]!.GetValue<string>());
            Assert.Equal("false", security["allowPrivilegeEscalation"]!.GetValue<string>());
            Assert.Equal(["ALL"], security["capabilities"]!["drop"]!.AsArray().Select(c => c!.GetValue<string>()));
        });
        Assert.Contains(Server["volumeMounts"]!.AsArray(), m => m!["mountPath"]!.GetValue<string>() == "/tmp");
    }

    [Fact]
    public void Model_volume_is_the_claim_prepared_by_the_init_container_and_read_only_to_the_server()
    {
        var claim = DeployFiles.KubernetesObject("PersistentVolumeClaim");
        var volume = PodSpec["volumes"]!.AsArray().Single(v => v!["persistentVolumeClaim"] is not null)!;
        Assert.Equal(Name(claim), volume["persistentVolumeClaim"]!["claimName"]!.GetValue<string>());
        Assert.Equal(["ReadWriteMany"], claim["spec"]!["accessModes"]!.AsArray().Select(m => m!.GetValue<string>()));

        var modelDirectory = Path.GetDirectoryName(ServerEnvironment()["HIPO_Model__Path"]);
        var serverMount = Server["volumeMounts"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == volume["name"]!.GetValue<string>())!;
        Assert.Equal(modelDirectory, serverMount["mountPath"]!.GetValue<string>());
        Assert.Equal("true", serverMount["readOnly"]!.GetValue<string>());
        var initMount = FetchModel["volumeMounts"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == volume["name"]!.GetValue<string>())!;
        Assert.Equal(modelDirectory, initMount["mountPath"]!.GetValue<string>());
        Assert.Null(initMount["readOnly"]);

        // The init container prepares the very file the server loads.
        var modelPath = FetchModel["env"]!.AsArray().Single(e => e!["name"]!.GetValue<string>() == "HIPO_Model__Path")!;
        Assert.Equal(Server["envFrom"]![0]!["configMapRef"]!["name"]!.GetValue<string>(), modelPath["valueFrom"]!["configMapKeyRef"]!["name"]!.GetValue<string>());
        Assert.Equal(Server["image"]!.GetValue<string>(), FetchModel["image"]!.GetValue<string>());
    }

    [Fact]
    public void Service_routes_to_the_server_port_of_the_deployment_pods()
    {
        var service = DeployFiles.KubernetesObject("Service");
        Assert.Equal(PodLabels.ToJsonString(), service["spec"]!["selector"]!.ToJsonString());
        Assert.Equal(Deployment["spec"]!["selector"]!["matchLabels"]!.ToJsonString(), PodLabels.ToJsonString());
        var targetPort = Assert.Single(service["spec"]!["ports"]!.AsArray())!["targetPort"]!.GetValue<string>();
        Assert.Equal(targetPort, Assert.Single(Server["ports"]!.AsArray())!["name"]!.GetValue<string>());
    }

    [Fact]
    public void Disruption_budget_covers_the_deployment_pods_one_at_a_time()
    {
        var budget = DeployFiles.KubernetesObject("PodDisruptionBudget")["spec"]!;
        Assert.Equal(PodLabels.ToJsonString(), budget["selector"]!["matchLabels"]!.ToJsonString());
        Assert.Equal("1", budget["maxUnavailable"]!.GetValue<string>());
    }

    [Fact]
    public void Autoscaler_scales_the_deployment_on_the_queue_depth_the_adapter_exposes()
    {
        var spec = DeployFiles.KubernetesObject("HorizontalPodAutoscaler")["spec"]!;
        Assert.Equal("Deployment", spec["scaleTargetRef"]!["kind"]!.GetValue<string>());
        Assert.Equal(Name(Deployment), spec["scaleTargetRef"]!["name"]!.GetValue<string>());
        var metric = Assert.Single(spec["metrics"]!.AsArray())!;
        Assert.Equal("Pods", metric["type"]!.GetValue<string>());
        var name = metric["pods"]!["metric"]!["name"]!.GetValue<string>();

        var rule = Assert.Single(YamlDocuments.Load(DeployFiles.PathOf("deploy/k8s/prometheus-adapter-values.yaml")).Single()["rules"]!["custom"]!.AsArray())!;
        Assert.Equal(name, rule["name"]!["as"]!.GetValue<string>());
        Assert.StartsWith(name + "{", rule["seriesQuery"]!.GetValue<string>());
        Assert.Contains(name + "{<<.LabelMatchers>>}", rule["metricsQuery"]!.GetValue<string>());
    }

    [Fact]
    public void Autoscaled_metric_and_scraped_path_are_ones_the_server_exports()
    {
        var annotations = Deployment["spec"]!["template"]!["metadata"]!["annotations"]!;
        Assert.Equal(HttpPort().ToString(System.Globalization.CultureInfo.InvariantCulture), annotations["prometheus.io/port"]!.GetValue<string>());
        var path = annotations["prometheus.io/path"]!.GetValue<string>();
        Assert.True(DeployFiles.ServerRoutes.Contains(path) || (path == "/metrics" && DeployFiles.ServerSourcesMention("MapPrometheusScrapingEndpoint")),
            $"The server maps no {path} endpoint.");
        var metric = DeployFiles.KubernetesObject("HorizontalPodAutoscaler")["spec"]!["metrics"]![0]!["pods"]!["metric"]!["name"]!.GetValue<string>();
        // OpenTelemetry's Prometheus exporter writes hipo.requests.waiting as hipo_requests_waiting.
        Assert.True(DeployFiles.ServerSourcesMention($"\"{metric}\"") || DeployFiles.ServerSourcesMention($"\"{metric.Replace('_', '.')}\""),
            $"No server source defines the metric {metric}.");
    }
}
