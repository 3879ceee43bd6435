namespace HiPO.Server.Tests.Deploy;

/// <summary>The check the deployment tests rely on catches what a deployment could get wrong.</summary>
public sealed class HipoSettingsTests
{
    [Fact]
    public void Settings_of_options_classes_and_of_appsettings_json_are_accepted()
    {
        Assert.Empty(HipoSettings.Problems(new Dictionary<string, string>
        {
            ["HIPO_Model__GpuLayers"] = "-1",
            ["HIPO_Model__FlashAttention"] = "",
            ["HIPO_Inference__DrainTimeoutSeconds"] = "120",
            ["HIPO_Reasoning__DefaultMode"] = "auto",
            ["HIPO_Reasoning__Adaptive__Enabled"] = "true",
            ["HIPO_Reasoning__Adaptive__CapQueueWaitMs"] = "500",
            ["HIPO_Server__Port"] = "8080",
            ["DOTNET_SHUTDOWNTIMEOUTSECONDS"] = "135",
        }));
    }

    [Theory]
    // Misspelt settings.
    [InlineData("HIPO_Model__GpuLayer=-1")]
    [InlineData("HIPO_Modle__Path=/models/hipo.gguf")]
    [InlineData("HIPO_Server__Adress=0.0.0.0")]
    // Values the server would refuse.
    [InlineData("HIPO_Model__KvCacheType=q8")]
    [InlineData("HIPO_Model__RequireGpu=yes")]
    [InlineData("HIPO_Inference__MaxParallel=0")]
    [InlineData("HIPO_Reasoning__Adaptive__ExitFraction=0")]
    [InlineData("HIPO_Reasoning__Adaptive__CapQueDepth=4")]
    public void Misspelt_setting_or_value_the_server_would_refuse_is_reported(string assignment)
    {
        var (variable, value) = (assignment[..assignment.IndexOf('=')], assignment[(assignment.IndexOf('=') + 1)..]);
        Assert.NotEmpty(HipoSettings.Problems(new Dictionary<string, string> { [variable] = value }));
    }
}
