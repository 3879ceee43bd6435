namespace HiPO.Inference.Scheduling;

/// <summary>Why the server cannot take a request now.</summary>
public enum BusyReason { QueueFull, QueueTimeout, ShuttingDown, EngineFailed }

/// <summary>The server cannot take the request now (queue full, queue wait expired, shutting down, engine failed); the client should retry.</summary>
public sealed class ServerBusyException(string message, BusyReason reason, TimeSpan retryAfter) : Exception(message)
{
    public BusyReason Reason { get; } = reason;
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>Which part of a request makes it too large for the context.</summary>
public enum RequestPart { Prompt, MaxTokens, Choices }

/// <summary>The request can never fit the model's context; <see cref="Part"/> says what to reduce.</summary>
public sealed class ContextLengthExceededException(string message, RequestPart part) : Exception(message)
{
    public RequestPart Part { get; } = part;
}

/// <summary>A request asks for more choices than the server decodes at once.</summary>
public sealed class TooManyChoicesException(string message) : Exception(message);
