using HiPO.Inference.Hosting;

namespace HiPO.Server.Tests.Scheduling;

/// <summary>The load-adaptive thinking policy's levels, hysteresis and decisions, on a clock the test moves.</summary>
public sealed class AdaptiveThinkingTests
{
    private readonly ManualTime _clock = new();

    private static AdaptiveThinkingOptions Options(double dwell = 0) => new()
    {
        Enabled = true,
        CapReasoningTokens = 64,
        CapQueueDepth = 4,
        CapQueueWaitMs = null,
        CapKvUsage = null,
        ThinkOffQueueDepth = 10,
        ThinkOffQueueWaitMs = null,
        ExitFraction = 0.5,
        MinDwellSeconds = dwell,
    };

    /// <summary>A policy on the test's clock with <see cref="Options"/>, changed as the test says.</summary>
    private AdaptiveThinking Policy(double dwell = 0, Action<AdaptiveThinkingOptions>? change = null)
    {
        var options = Options(dwell);
        change?.Invoke(options);
        return new AdaptiveThinking(options, _clock);
    }

    private static SchedulerSnapshot Queued(int depth, TimeSpan wait = default, int kvUsed = 0, int kvCached = 0) =>
        new(1, 1, depth, 0, kvUsed, kvCached, 1000, wait);

    private const PressureLevel Normal = PressureLevel.Normal;
    private const PressureLevel Cap = PressureLevel.CapReasoning;
    private const PressureLevel Off = PressureLevel.ThinkOff;

    /// <summary>The level after each observation of a queue this deep, each made after the clock moved on by the given seconds.</summary>
    private List<PressureLevel> Levels(AdaptiveThinking policy, params (double Seconds, int Depth)[] observations)
    {
        List<PressureLevel> levels = [];
        foreach (var (seconds, depth) in observations)
        {
            _clock.Advance(TimeSpan.FromSeconds(seconds));
            policy.Observe(Queued(depth));
            levels.Add(policy.Level);
        }
        return levels;
    }

    [Fact]
    public void Rising_load_enters_each_level_at_its_threshold() =>
        Assert.Equal([Normal, Normal, Cap, Cap, Off, Off], Levels(Policy(), (0, 0), (0, 3), (0, 4), (0, 9), (0, 10), (0, 20)));

    [Fact]
    public void A_jump_past_both_thresholds_goes_straight_to_think_off() =>
        Assert.Equal([Off], Levels(Policy(), (0, 12)));

    [Fact]
    public void Falling_load_leaves_a_level_only_below_its_exit_fraction() =>
        // Think-off is left below 5 (half of 10); the cap below 2 (half of 4).
        Assert.Equal([Off, Off, Off, Cap, Cap, Normal, Normal],
            Levels(Policy(), (0, 10), (0, 9), (0, 5), (0, 4), (0, 2), (0, 1), (0, 0)));

    [Fact]
    public void Load_hovering_at_a_threshold_does_not_flap()
    {
        var levels = Levels(Policy(), [.. Enumerable.Range(0, 100).Select(i => (0.0, i % 2 == 0 ? 4 : 3))]);

        Assert.Equal([Cap], levels.Distinct());
    }

    [Fact]
    public void A_level_is_held_for_the_minimum_dwell_after_load_falls() =>
        Assert.Equal([Cap, Cap, Normal], Levels(Policy(dwell: 5), (0, 4), (4.9, 0), (0.2, 0)));

    [Fact]
    public void Rising_is_not_delayed_by_the_dwell() =>
        Assert.Equal([Cap, Off], Levels(Policy(dwell: 60), (0, 4), (0, 10)));

    [Fact]
    public void Stepping_down_restarts_the_dwell() =>
        Assert.Equal([Off, Cap, Cap, Normal], Levels(Policy(dwell: 5), (0, 10), (6, 3), (1, 0), (5, 0)));

    [Fact]
    public void Queue_wait_and_running_kv_use_are_signals_too_and_cached_prefixes_do_not_count()
    {
        var policy = Policy(change: options =>
        {
            options.CapQueueDepth = null;
            options.ThinkOffQueueDepth = null;
            options.CapQueueWaitMs = 1000;
            options.ThinkOffKvUsage = 0.8;
        });

        policy.Observe(Queued(1, TimeSpan.FromMilliseconds(1000)));
        Assert.Equal(PressureLevel.CapReasoning, policy.Level);
        policy.Observe(Queued(0, kvUsed: 900, kvCached: 500));
        Assert.Equal(PressureLevel.Normal, policy.Level);
        policy.Observe(Queued(0, kvUsed: 900, kvCached: 100));
        Assert.Equal(PressureLevel.ThinkOff, policy.Level);
    }

    [Fact]
    public void A_disabled_policy_never_leaves_normal_and_changes_nothing()
    {
        var policy = Policy(change: options => options.Enabled = false);
        policy.Observe(Queued(100));

        Assert.Equal(PressureLevel.Normal, policy.Level);
        Assert.Equal(new AdaptiveDecision(ThinkModeRequest.Auto, null, PressureLevel.Normal), policy.Decide(ThinkModeRequest.Auto, null, null, optedOut: false));
    }

    [Fact]
    public void Under_pressure_only_auto_requests_without_their_own_budget_are_changed()
    {
        var policy = Policy();
        policy.Observe(Queued(4));

        Assert.Equal(new AdaptiveDecision(ThinkModeRequest.Auto, 64, PressureLevel.CapReasoning), policy.Decide(ThinkModeRequest.Auto, null, null, optedOut: false));
        Assert.Equal(new AdaptiveDecision(ThinkModeRequest.On, null, PressureLevel.Normal), policy.Decide(ThinkModeRequest.On, null, null, optedOut: false));
        Assert.Equal(new AdaptiveDecision(ThinkModeRequest.Auto, 500, PressureLevel.Normal), policy.Decide(ThinkModeRequest.Auto, 500, null, optedOut: false));
        Assert.Equal(new AdaptiveDecision(ThinkModeRequest.Auto, null, PressureLevel.Normal), policy.Decide(ThinkModeRequest.Auto, null, null, optedOut: true));
        // A server default budget already below the cap is left alone; one above it is capped.
        Assert.Equal(new AdaptiveDecision(ThinkModeRequest.Auto, 32, PressureLevel.Normal), policy.Decide(ThinkModeRequest.Auto, null, 32, optedOut: false));
        Assert.Equal(new AdaptiveDecision(ThinkModeRequest.Auto, 64, PressureLevel.CapReasoning), policy.Decide(ThinkModeRequest.Auto, null, 1000, optedOut: false));

        policy.Observe(Queued(10));
        Assert.Equal(new AdaptiveDecision(ThinkModeRequest.Off, null, PressureLevel.ThinkOff), policy.Decide(ThinkModeRequest.Auto, null, null, optedOut: false));
        Assert.Equal(new AdaptiveDecision(ThinkModeRequest.Off, null, PressureLevel.Normal), policy.Decide(ThinkModeRequest.Off, null, null, optedOut: false));
    }

    [Fact]
    public void An_opt_out_is_ignored_when_the_operator_forbids_it()
    {
        var policy = Policy(change: options => options.AllowOptOut = false);
        policy.Observe(Queued(10));

        Assert.Equal(PressureLevel.ThinkOff, policy.Decide(ThinkModeRequest.Auto, null, null, optedOut: true).Action);
    }
}
