using Microsoft.Extensions.Logging;

namespace HiPO.ModelHub.Progress;

/// <summary>
/// Writes progress to a log: the start of each step, then at most one line per
/// <see cref="Interval"/>, then its completion, so a multi-gigabyte download leaves a short log.
/// </summary>
public sealed class LoggedProgress(ILogger logger) : IProgress<ModelProgress>
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private (ModelStage Stage, string Item) _current;
    private TimeSpan _lastLogged;

    public void Report(ModelProgress value)
    {
        lock (_gate)
        {
            bool started = (value.Stage, value.Item) != _current;
            if (!started && !value.IsComplete && value.Elapsed - _lastLogged < Interval)
            {
                return;
            }

            _current = (value.Stage, value.Item);
            _lastLogged = value.Elapsed;
        }

        logger.LogInformation("{Stage} {Item}: {Progress}", value.Stage, value.Item, value);
    }
}
