namespace HiPO.ModelHub.Progress;

/// <summary>
/// Draws progress for the <c>convert</c> command: a bar redrawn in place on a terminal, or a
/// line every few seconds when the output is redirected to a file or a pipe.
/// </summary>
public sealed class ConsoleProgressBar(TextWriter output, bool interactive) : IProgress<ModelProgress>
{
    private const int BarWidth = 30;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private (ModelStage Stage, string Item) _current;
    private TimeSpan _lastDrawn;
    private bool _lineOpen;

    public void Report(ModelProgress value)
    {
        lock (_gate)
        {
            bool started = (value.Stage, value.Item) != _current;
            if (started && _lineOpen)
            {
                output.WriteLine();
                _lineOpen = false;
            }

            if (!started && !value.IsComplete && value.Elapsed - _lastDrawn < (interactive ? RedrawInterval : LineInterval))
            {
                return;
            }

            _current = (value.Stage, value.Item);
            _lastDrawn = value.Elapsed;
            string text = $"{value.Stage,-8} {value.Item}  {Bar(value)}{value}";
            if (interactive)
            {
                // Pad so a shorter line fully covers the previous one.
                output.Write("\r" + text.PadRight(Math.Max(text.Length, 110)));
                _lineOpen = !value.IsComplete;
                if (value.IsComplete)
                {
                    output.WriteLine();
                }
            }
            else
            {
                output.WriteLine(text);
            }

            output.Flush();
        }
    }

    private static string Bar(ModelProgress value)
    {
        if (value.Fraction is not { } fraction)
        {
            return "";
        }

        int filled = (int)Math.Round(fraction * BarWidth);
        return "[" + new string('#', filled) + new string('.', BarWidth - filled) + "] ";
    }
}
