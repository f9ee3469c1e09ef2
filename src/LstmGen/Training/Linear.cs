using System.Buffers;
using System.Numerics;
using LstmGen.Kernels;

namespace LstmGen.Training;

/// <summary>
/// A fully connected output head, <c>torch.nn.Linear</c>: y = W x + b for each row, W of shape (out, in).
/// Apply it to every time step (rows = seq*batch) or to the last step only (rows = batch).
/// Values are stored as [W row-major, then b] in one buffer; gradients in the same layout.
/// </summary>
public sealed class Linear<T> : IParameterBuffer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _values;
    private readonly T[] _gradients;

    /// <summary>Creates the head with PyTorch's default initialisation: W and b uniform in ±1/sqrt(in), from a seed.</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        HasBias = bias;
        int length = checked((outFeatures * inFeatures) + (bias ? outFeatures : 0));
        _values = new T[length];
        _gradients = new T[length];
        double bound = 1.0 / Math.Sqrt(inFeatures);
        var rng = new SeededRandom(seed);
        for (int i = 0; i < length; i++)
        {
            _values[i] = T.CreateTruncating(rng.NextUniform(-bound, bound));
        }
    }

    /// <summary>Features per input row.</summary>
    public int InFeatures { get; }
    /// <summary>Features per output row.</summary>
    public int OutFeatures { get; }
    /// <summary>Whether b exists.</summary>
    public bool HasBias { get; }

    /// <inheritdoc/>
    public ReadOnlySpan<T> Values => _values;
    /// <inheritdoc/>
    public Span<T> Gradients => _gradients;
    /// <summary>W, (out, in) row-major.</summary>
    public Span<T> Weight => _values.AsSpan(0, OutFeatures * InFeatures);
    /// <summary>b, (out); empty without bias.</summary>
    public Span<T> Bias => HasBias ? _values.AsSpan(OutFeatures * InFeatures) : default;

    /// <summary>Copies <paramref name="values"/> into W and b, in the layout of <see cref="Values"/>.</summary>
    /// <exception cref="ArgumentException">The length differs from that of <see cref="Values"/>.</exception>
    public void Set(ReadOnlySpan<T> values)
    {
        if (values.Length != _values.Length)
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"values must have the {_values.Length} elements of W ({OutFeatures}x{InFeatures}){(HasBias ? " and b" : "")}, but has {values.Length}."), nameof(values));
        }

        values.CopyTo(_values);
    }

    /// <inheritdoc/>
    public void ZeroGradients() => Array.Clear(_gradients);

    /// <inheritdoc/>
    public void Update<TState>(TState state, SpanAction<T, TState> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        update(_values, state);
    }

    /// <summary>y = x Wᵀ + b for <paramref name="rows"/> rows.</summary>
    public void Forward(ReadOnlySpan<T> x, int rows, Span<T> y)
    {
        CheckRows(x, rows, y, nameof(x), nameof(y));
        ReadOnlySpan<T> w = Weight;
        ReadOnlySpan<T> bias = Bias;
        int n = InFeatures, m = OutFeatures;
        for (int o = 0; o < m; o++)
        {
            // Output o of every row, several rows per pass over W's row o; then + b, as W x + b row by row would add.
            Span<T> yo = y[o..];
            LinearAlgebra<T>.DotRows(x, rows, w.Slice(o * n, n), yo, m);
            if (HasBias)
            {
                for (int r = 0; r < rows; r++)
                {
                    yo[r * m] += bias[o];
                }
            }
        }
    }

    /// <summary>
    /// Adds dL/dW and dL/db to <see cref="Gradients"/> and writes dL/dx (or skips it when <paramref name="gradX"/> is empty).
    /// </summary>
    public void Backward(ReadOnlySpan<T> x, int rows, ReadOnlySpan<T> gradY, Span<T> gradX)
    {
        CheckRows(x, rows, gradY, nameof(x), nameof(gradY));
        if (!gradX.IsEmpty && gradX.Length != rows * InFeatures)
        {
            throw new ArgumentException(FormattableString.Invariant($"gradX must have rows*inFeatures = {rows}*{InFeatures} elements (or be empty), but has {gradX.Length}."), nameof(gradX));
        }

        Span<T> gw = _gradients.AsSpan(0, OutFeatures * InFeatures);
        Span<T> gb = HasBias ? _gradients.AsSpan(OutFeatures * InFeatures) : default;
        gradX.Clear();
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> gy = gradY.Slice(r * OutFeatures, OutFeatures);
            LinearAlgebra<T>.AddOuter(gw, gy, x.Slice(r * InFeatures, InFeatures));
            if (HasBias)
            {
                LinearAlgebra<T>.Add(gb, gy);
            }

            if (!gradX.IsEmpty)
            {
                LinearAlgebra<T>.MatTransposeVecAdd(Weight, gy, gradX.Slice(r * InFeatures, InFeatures));
            }
        }
    }

    /// <summary>The shape, as messages name the head: <c>Linear(inFeatures=5, outFeatures=2, bias=True)</c>.</summary>
    public override string ToString() =>
        FormattableString.Invariant($"Linear(inFeatures={InFeatures}, outFeatures={OutFeatures}, bias={HasBias})");

    private void CheckRows(ReadOnlySpan<T> x, int rows, ReadOnlySpan<T> y, string xName, string yName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        if (x.Length != (long)rows * InFeatures)
        {
            throw new ArgumentException(FormattableString.Invariant($"{xName} must have rows*inFeatures = {rows}*{InFeatures} elements, but has {x.Length}."), xName);
        }

        if (y.Length != (long)rows * OutFeatures)
        {
            throw new ArgumentException(FormattableString.Invariant($"{yName} must have rows*outFeatures = {rows}*{OutFeatures} elements, but has {y.Length}."), yName);
        }
    }
}
