using System.ClientModel;
using OpenAI;
using OpenAI.Chat;

namespace HiPO.Server.Tests.Security;

/// <summary>API keys on the real server: missing, wrong and right keys, the open paths, and the ways to configure keys.</summary>
public sealed class ApiKeyTests : IAsyncLifetime
{
    private const string Key = "sk-test-123";
    private RunningServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff), $"--Security:ApiKeys:0={Key}");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_request_without_a_key_gets_401_with_an_OpenAI_error()
    {
        var response = await _server.Http.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var error = (await Sse.JsonAsync(response))["error"]!;
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Equal("invalid_api_key", (string?)error["code"]);
        Assert.Contains("Authorization: Bearer", (string?)error["message"]);
    }

    [Theory]
    [InlineData("Bearer sk-test-124")]
    [InlineData("Bearer sk-test-12")]
    [InlineData("Bearer sk-test-1234")]
    [InlineData("Basic sk-test-123")]
    [InlineData("sk-test-123")]
    [InlineData("Bearer ")]
    public async Task A_wrong_key_gets_401(string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("{}") };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        var response = await _server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_api_key", (string?)(await Sse.JsonAsync(response))["error"]!["code"]);
    }

    [Fact]
    public async Task An_incorrect_key_is_told_apart_from_a_missing_one()
    {
        var response = await SendAsync(HttpMethod.Get, "/v1/models", "sk-wrong");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("Incorrect API key provided.", (string?)(await Sse.JsonAsync(response))["error"]!["message"]);
    }

    [Fact]
    public async Task The_right_key_is_served()
    {
        var models = await SendAsync(HttpMethod.Get, "/v1/models", Key);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.TryAddWithoutValidation("Authorization", $"bearer  {Key} ");
        var lowerCaseScheme = await _server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        Assert.Equal(HttpStatusCode.OK, lowerCaseScheme.StatusCode);
    }

    [Fact]
    public async Task The_OpenAI_SDK_authenticates_with_its_api_key()
    {
        var right = await Client(Key).CompleteChatAsync([new UserChatMessage("Capital of France?")]);
        var wrong = await Assert.ThrowsAsync<ClientResultException>(() => Client("sk-wrong").CompleteChatAsync([new UserChatMessage("Capital of France?")]));

        Assert.Equal(ScriptedModels.ThinkOff.Answer, right.Value.Content[0].Text);
        Assert.Equal(401, wrong.Status);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/metrics")]
    public async Task Health_OpenAPI_and_metrics_need_no_key(string path) =>
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.GetAsync(path)).StatusCode);

    [Theory]
    [InlineData("/no/such/endpoint")]
    [InlineData("/healthz")]
    [InlineData("/v1/health")]
    public async Task Any_other_path_needs_a_key_even_when_it_does_not_exist(string path) =>
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Http.GetAsync(path)).StatusCode);

    private ChatClient Client(string key) =>
        new(_server.Engine.ModelId, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(_server.BaseAddress, "/v1") });

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string key)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return _server.Http.SendAsync(request);
    }
}
