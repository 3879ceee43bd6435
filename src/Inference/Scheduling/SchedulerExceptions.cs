namespace HiPO.Inference.Scheduling;

/// <summary>The server cannot take the request now (queue full, queue wait expired, shutting down); the client should retry.</summary>
public sealed class ServerBusyException(string message, string code, TimeSpan retryAfter) : Exception(message)
{
    public string Code { get; } = code;
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The request can never fit the model's context; <see cref="Param"/> names the request field to change.</summary>
public sealed class ContextLengthExceededException(string message, string param) : Exception(message)
{
    public string Param { get; } = param;
}
