namespace CoroNetGAN.Engine.Training;

/// <summary>
/// The reference's "linear" policy in steps: the base rate until <c>decayStart</c>, then a straight line to 0 at the
/// last step. A pure function of the step, so a resumed run needs no scheduler state. Immutable.
/// </summary>
public sealed record LearningRateSchedule(float BaseRate, int DecayStart, int TotalSteps)
{
    /// <summary>The rate of (0-based) step <paramref name="step"/>.</summary>
    public float At(long step)
    {
        if (step < DecayStart) return BaseRate;
        // Over the final TotalSteps - DecayStart steps the factor goes 1, ..., 1/(span) so the last step still trains.
        int span = Math.Max(1, TotalSteps - DecayStart);
        return BaseRate * (float)Math.Max(0.0, 1.0 - (double)(step - DecayStart) / span);
    }
}
