using System.Numerics;

namespace LstmGen.Training;

/// <summary>
/// Something with a learning rate that may change between steps: what a <see cref="LearningRateSchedule"/> drives
/// (every <see cref="Optimizer{T}"/>, whatever its element type).
/// </summary>
public interface ILearningRateController
{
    /// <summary>The learning rate the next step uses: finite and &gt;= 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value set is negative, NaN or infinite.</exception>
    double LearningRate { get; set; }
}

/// <summary>
/// Base of the optimizers: a list of parameter buffers, a learning rate, and per-buffer state in the same flat layout
/// as the values.
/// </summary>
public abstract class Optimizer<T> : ILearningRateController
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private double _learningRate;

    /// <summary>Binds the optimizer to parameter buffers (a network's parameters, a head, ...).</summary>
    /// <param name="parameters">The buffers to update.</param>
    /// <param name="lr">The initial <see cref="LearningRate"/>: finite and &gt;= 0.</param>
    protected Optimizer(IReadOnlyList<IParameterBuffer<T>> parameters, double lr)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count == 0)
        {
            throw new ArgumentException("parameters must name at least one parameter buffer.", nameof(parameters));
        }

        CheckNonNegative(lr, nameof(lr));
        Parameters = parameters;
        _learningRate = lr;
    }

    /// <summary>The buffers this optimizer updates.</summary>
    public IReadOnlyList<IParameterBuffer<T>> Parameters { get; }

    /// <summary>
    /// The learning rate of the next <see cref="Step"/> (PyTorch's <c>param_groups[0]["lr"]</c>); a schedule or the
    /// caller may change it between steps. Finite and &gt;= 0.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value set is negative, NaN or infinite.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            CheckNonNegative(value, nameof(value), nameof(LearningRate));
            _learningRate = value;
        }
    }

    /// <summary>Number of <see cref="Step"/> calls so far.</summary>
    public int StepCount { get; internal set; }

    /// <summary>
    /// The state a checkpoint saves, by PyTorch's <c>state_dict</c> slot names (<c>momentum_buffer</c>, <c>exp_avg</c>,
    /// <c>exp_avg_sq</c>): one array per parameter buffer, as long as it.
    /// </summary>
    internal virtual IEnumerable<(string Slot, T[][] Buffers)> StateSlots => [];

    /// <summary>Applies one update from the current gradients.</summary>
    public void Step()
    {
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            Parameters[i].Update((Optimizer: this, Index: i), static (values, s) => s.Optimizer.Update(s.Index, values, s.Optimizer.Parameters[s.Index].Gradients));
        }
    }

    /// <summary>Zeroes every gradient.</summary>
    public void ZeroGradients()
    {
        foreach (IParameterBuffer<T> p in Parameters)
        {
            p.ZeroGradients();
        }
    }

    /// <summary>Updates buffer <paramref name="index"/>.</summary>
    protected abstract void Update(int index, Span<T> values, ReadOnlySpan<T> gradients);

    /// <summary>One state array per buffer, each as long as that buffer.</summary>
    protected T[][] NewState() => Parameters.Select(p => new T[p.Values.Length]).ToArray();

    /// <summary>Rejects a negative or non-finite hyper-parameter with its name.</summary>
    /// <param name="value">The value.</param>
    /// <param name="name">The argument's name.</param>
    /// <param name="what">What the message calls it (a property set through <c>value</c>); null for <paramref name="name"/>.</param>
    protected static void CheckNonNegative(double value, string name, string? what = null)
    {
        if (!(value >= 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, FormattableString.Invariant($"{what ?? name} must be a finite number >= 0, but was {value}."));
        }
    }
}

/// <summary>
/// <c>torch.optim.SGD</c>: with momentum μ, dampening τ and weight decay λ,
/// g = ∇ + λp; b = g on the first step, else μb + (1-τ)g; the update is g + μb (Nesterov) or b; p -= lr · update.
/// </summary>
public sealed class Sgd<T> : Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[][] _momentum;
    private readonly T _mu, _dampening, _decay;
    private readonly bool _nesterov;

    /// <summary>Creates the optimizer; the arguments are torch.optim.SGD's.</summary>
    public Sgd(IReadOnlyList<IParameterBuffer<T>> parameters, double lr, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false)
        : base(parameters, lr)
    {
        CheckNonNegative(momentum, nameof(momentum));
        CheckNonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && (momentum <= 0 || dampening != 0))
        {
            throw new ArgumentException("Nesterov momentum requires a momentum > 0 and zero dampening (as in PyTorch).", nameof(nesterov));
        }

        _mu = T.CreateChecked(momentum);
        _dampening = T.CreateChecked(dampening);
        _decay = T.CreateChecked(weightDecay);
        _nesterov = nesterov;
        _momentum = NewState();
    }

    internal override IEnumerable<(string Slot, T[][] Buffers)> StateSlots => [("momentum_buffer", _momentum)];

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> values, ReadOnlySpan<T> gradients)
    {
        Span<T> buffer = _momentum[index];
        bool first = StepCount == 1;
        T lr = T.CreateChecked(LearningRate);
        for (int i = 0; i < values.Length; i++)
        {
            T g = gradients[i] + (_decay * values[i]);
            if (_mu != T.Zero)
            {
                buffer[i] = first ? g : (_mu * buffer[i]) + ((T.One - _dampening) * g);
                g = _nesterov ? g + (_mu * buffer[i]) : buffer[i];
            }

            values[i] -= lr * g;
        }
    }
}

/// <summary>
/// <c>torch.optim.Adam</c> (amsgrad off): m = β1 m + (1-β1) g, v = β2 v + (1-β2) g²,
/// p -= (lr / (1-β1ᵗ)) · m / (sqrt(v) / sqrt(1-β2ᵗ) + ε), with g = ∇ + λp.
/// </summary>
public sealed class Adam<T> : Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[][] _m;
    private readonly T[][] _v;
    private readonly double _beta1, _beta2;
    private readonly T _eps, _decay;

    /// <summary>Creates the optimizer; the arguments are torch.optim.Adam's.</summary>
    public Adam(IReadOnlyList<IParameterBuffer<T>> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0)
        : base(parameters, lr)
    {
        CheckNonNegative(eps, nameof(eps));
        CheckNonNegative(weightDecay, nameof(weightDecay));
        if (!(beta1 >= 0 && beta1 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        }

        if (!(beta2 >= 0 && beta2 < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        }

        _beta1 = beta1;
        _beta2 = beta2;
        _eps = T.CreateChecked(eps);
        _decay = T.CreateChecked(weightDecay);
        _m = NewState();
        _v = NewState();
    }

    internal override IEnumerable<(string Slot, T[][] Buffers)> StateSlots => [("exp_avg", _m), ("exp_avg_sq", _v)];

    /// <inheritdoc/>
    protected override void Update(int index, Span<T> values, ReadOnlySpan<T> gradients)
    {
        Span<T> m = _m[index];
        Span<T> v = _v[index];
        T b1 = T.CreateChecked(_beta1);
        T b2 = T.CreateChecked(_beta2);
        // Bias corrections in double, as PyTorch computes them as Python floats.
        T stepSize = T.CreateChecked(LearningRate / (1 - Math.Pow(_beta1, StepCount)));
        T correction2Sqrt = T.CreateChecked(Math.Sqrt(1 - Math.Pow(_beta2, StepCount)));
        for (int i = 0; i < values.Length; i++)
        {
            T g = gradients[i] + (_decay * values[i]);
            m[i] = (m[i] * b1) + (g * (T.One - b1));
            v[i] = (v[i] * b2) + (g * g * (T.One - b2));
            T denom = (T.Sqrt(v[i]) / correction2Sqrt) + _eps;
            values[i] -= stepSize * (m[i] / denom);
        }
    }
}
