using System.Diagnostics;

namespace HiPO.ModelHub.Progress;

/// <summary>Times one step and turns byte counts into <see cref="ModelProgress"/> reports with a rate.</summary>
internal sealed class ProgressClock(IProgress<ModelProgress>? sink, ModelStage stage, string item, long total, long startingBytes = 0)
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();

    public void Report(long done) => Report(done, total);

    /// <summary>Reports the step as complete with <paramref name="size"/> bytes, for a step whose total was not known.</summary>
    public void Finish(long size) => Report(size, size);

    private void Report(long done, long of)
    {
        if (sink is null)
        {
            return;
        }

        double seconds = _watch.Elapsed.TotalSeconds;
        double rate = seconds > 0 ? Math.Max(0, done - startingBytes) / seconds : 0;
        sink.Report(new ModelProgress(stage, item, done, of, rate, _watch.Elapsed));
    }
}
