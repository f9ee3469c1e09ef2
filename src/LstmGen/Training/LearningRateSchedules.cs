namespace LstmGen.Training;

/// <summary>
/// A learning-rate schedule with the semantics of PyTorch's <c>torch.optim.lr_scheduler</c>: bound to an optimizer,
/// stepped once per epoch with <see cref="Step"/> (after that epoch's optimizer steps, as <c>scheduler.step()</c>),
/// it sets the optimizer's <see cref="ILearningRateController.LearningRate"/> for the next epoch.
/// </summary>
/// <remarks>
/// <para>
/// Creating a schedule is PyTorch's constructor with <c>last_epoch=-1</c>: it takes the optimizer's current rate as the
/// base rate (<c>initial_lr</c>) and takes epoch 0, which leaves the rate as it is, so <see cref="LastEpoch"/> is 0.
/// </para>
/// <para>
/// Each step computes the new rate from the optimizer's <i>current</i> rate, as PyTorch's <c>get_lr</c> does (its
/// recursive, "chainable" form; the closed form <c>_get_closed_form_lr</c> serves only the deprecated
/// <c>step(epoch)</c>). The two agree up to rounding while only the schedule changes the rate; when the caller changes
/// <see cref="ILearningRateController.LearningRate"/> between steps, the schedule carries on from the changed rate,
/// exactly as in PyTorch. The arithmetic is PyTorch's Python-float arithmetic, operation for operation, in double.
/// </para>
/// <para>Resuming from a saved epoch (PyTorch's <c>last_epoch</c> argument) is not supported yet.</para>
/// </remarks>
public abstract class LearningRateSchedule
{
    /// <summary>Binds the schedule to an optimizer and takes epoch 0.</summary>
    /// <param name="optimizer">The optimizer whose rate the schedule sets; its current rate is the base rate.</param>
    protected LearningRateSchedule(ILearningRateController optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        BaseLearningRate = optimizer.LearningRate;
        LearningRate = optimizer.LearningRate;
    }

    /// <summary>The optimizer whose rate this schedule sets.</summary>
    public ILearningRateController Optimizer { get; }

    /// <summary>The optimizer's rate when the schedule was created (PyTorch's <c>base_lrs[0]</c>).</summary>
    public double BaseLearningRate { get; }

    /// <summary>The epoch of the last <see cref="Step"/>: 0 after creation, 1 after the first step (PyTorch's <c>last_epoch</c>).</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The rate the last step set (PyTorch's <c>get_last_lr()[0]</c>); the base rate before any step.</summary>
    public double LearningRate { get; private set; }

    /// <summary>Ends an epoch: computes the rate of the next one from the optimizer's current rate and sets it.</summary>
    /// <exception cref="InvalidOperationException">The new rate would be negative, NaN or infinite (nothing changes).</exception>
    public void Step()
    {
        int epoch = checked(LastEpoch + 1);
        double current = Optimizer.LearningRate;
        double next = Next(current, epoch);
        if (!(next >= 0) || double.IsInfinity(next))
        {
            throw new InvalidOperationException(FormattableString.Invariant(
                $"{GetType().Name} at epoch {epoch} gives the learning rate {next} (from {current}); a learning rate is a finite number >= 0."));
        }

        Optimizer.LearningRate = next;
        LearningRate = next;
        LastEpoch = epoch;
    }

    /// <summary>The rate of <paramref name="epoch"/> (at least 1) from the rate of the epoch before it.</summary>
    protected abstract double Next(double current, int epoch);

    /// <summary>Rejects a count below 1, naming it.</summary>
    private protected static void CheckPositive(int value, string name, string meaning)
    {
        if (value < 1)
        {
            throw new ArgumentOutOfRangeException(name, value, FormattableString.Invariant($"{name} ({meaning}) must be at least 1, but was {value}."));
        }
    }

    /// <summary>Rejects a non-finite value, or one below 0 (or at 0 unless <paramref name="allowZero"/>), naming it.</summary>
    private protected static void CheckFinite(double value, string name, bool allowZero)
    {
        if (!(allowZero ? value >= 0 : value > 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, FormattableString.Invariant(
                $"{name} must be a finite number {(allowZero ? ">=" : ">")} 0, but was {value}."));
        }
    }
}

/// <summary>
/// <c>torch.optim.lr_scheduler.StepLR</c>: the rate is multiplied by <see cref="Gamma"/> every <see cref="StepSize"/>
/// epochs, so it is base · gammaⁿ with n = ⌊epoch / stepSize⌋.
/// </summary>
public sealed class StepSchedule : LearningRateSchedule
{
    /// <summary>Binds the schedule to an optimizer; the arguments are StepLR's.</summary>
    /// <param name="optimizer">The optimizer; its current rate is the base rate.</param>
    /// <param name="stepSize">Epochs between two decays, at least 1.</param>
    /// <param name="gamma">The factor of each decay: finite and &gt; 0 (above 1 the rate grows).</param>
    public StepSchedule(ILearningRateController optimizer, int stepSize, double gamma = 0.1)
        : base(optimizer)
    {
        CheckPositive(stepSize, nameof(stepSize), "epochs between decays");
        CheckFinite(gamma, nameof(gamma), allowZero: false);
        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>Epochs between two decays.</summary>
    public int StepSize { get; }

    /// <summary>The factor of each decay.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override double Next(double current, int epoch) => epoch % StepSize == 0 ? current * Gamma : current;
}

/// <summary>
/// <c>torch.optim.lr_scheduler.ExponentialLR</c>: the rate is multiplied by <see cref="Gamma"/> every epoch, so it is
/// base · gamma^epoch.
/// </summary>
public sealed class ExponentialSchedule : LearningRateSchedule
{
    /// <summary>Binds the schedule to an optimizer; the arguments are ExponentialLR's.</summary>
    /// <param name="optimizer">The optimizer; its current rate is the base rate.</param>
    /// <param name="gamma">The factor per epoch: finite and &gt; 0.</param>
    public ExponentialSchedule(ILearningRateController optimizer, double gamma)
        : base(optimizer)
    {
        CheckFinite(gamma, nameof(gamma), allowZero: false);
        Gamma = gamma;
    }

    /// <summary>The factor per epoch.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    protected override double Next(double current, int epoch) => current * Gamma;
}

/// <summary>
/// <c>torch.optim.lr_scheduler.CosineAnnealingLR</c>: the rate follows
/// η = η_min + (η_base − η_min)(1 + cos(π·epoch/T_max))/2, down to <see cref="EtaMin"/> at epoch T_max and back up
/// to the base rate at 2·T_max (PyTorch's schedule is periodic; it has no restarts).
/// </summary>
/// <remarks>
/// As in PyTorch's <c>get_lr</c>, the rate is computed recursively from the current one:
/// η ← (1 + cos(π·e/T))/(1 + cos(π·(e−1)/T))·(η − η_min) + η_min, except at the epochs e = (2k+1)·T + 1 just past a
/// minimum, where that ratio would divide by zero and η ← η + (η_base − η_min)(1 − cos(π/T))/2 instead.
/// </remarks>
public sealed class CosineAnnealingSchedule : LearningRateSchedule
{
    /// <summary>Binds the schedule to an optimizer; the arguments are CosineAnnealingLR's.</summary>
    /// <param name="optimizer">The optimizer; its current rate is the base rate (η_max).</param>
    /// <param name="tMax">Epochs from the base rate down to <paramref name="etaMin"/>, at least 1 (T_max).</param>
    /// <param name="etaMin">The smallest rate: finite and &gt;= 0.</param>
    public CosineAnnealingSchedule(ILearningRateController optimizer, int tMax, double etaMin = 0)
        : base(optimizer)
    {
        CheckPositive(tMax, nameof(tMax), "epochs of half a period");
        CheckFinite(etaMin, nameof(etaMin), allowZero: true);
        TMax = tMax;
        EtaMin = etaMin;
    }

    /// <summary>Epochs from the base rate down to <see cref="EtaMin"/>.</summary>
    public int TMax { get; }

    /// <summary>The smallest rate.</summary>
    public double EtaMin { get; }

    /// <inheritdoc/>
    protected override double Next(double current, int epoch)
    {
        // PyTorch's expressions, in its order of operations; long, so that 2*T_max cannot overflow.
        if ((epoch - 1L - TMax) % (2L * TMax) == 0)
        {
            return current + ((BaseLearningRate - EtaMin) * (1 - Math.Cos(Math.PI / TMax)) / 2);
        }

        return ((1 + Math.Cos(Math.PI * epoch / TMax)) / (1 + Math.Cos(Math.PI * (epoch - 1) / TMax)) * (current - EtaMin)) + EtaMin;
    }
}
