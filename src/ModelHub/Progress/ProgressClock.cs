using System.Diagnostics;

namespace HiPO.ModelHub.Progress;

/// <summary>Times one step and turns byte counts into <see cref="ModelProgress"/> reports with a rate.</summary>
internal sealed class ProgressClock(IProgress<ModelProgress>? sink, ModelStage stage, string item, long total, long startingBytes = 0)
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();

    public void Report(long done)
    {
        if (sink is null)
        {
            return;
        }

        double seconds = _watch.Elapsed.TotalSeconds;
        double rate = seconds > 0 ? Math.Max(0, done - startingBytes) / seconds : 0;
        sink.Report(new ModelProgress(stage, item, done, total, rate, _watch.Elapsed));
    }
}
