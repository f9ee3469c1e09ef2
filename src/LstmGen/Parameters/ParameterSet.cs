using System.Numerics;
using System.Threading;

namespace LstmGen;

/// <summary>
/// All parameters of a network in one contiguous buffer, in PyTorch <c>named_parameters()</c> order, with named views,
/// plus a gradient buffer of the same layout.
/// </summary>
/// <remarks>
/// Specialised kernels keep a packed copy of the weights. Every writable view bumps <see cref="Version"/>, and a kernel
/// repacks when the version changed. Writing through a span obtained before a forward call after that call is not seen:
/// call <see cref="MarkModified"/> then.
/// </remarks>
public sealed class ParameterSet<T> : IParameterBuffer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _values;
    private readonly T[] _gradients;
    private int _version;

    /// <summary>Creates zeroed parameters for a layout.</summary>
    public ParameterSet(ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Layout = layout;
        _values = new T[layout.TotalLength];
        _gradients = new T[layout.TotalLength];
    }

    /// <summary>Names, shapes and offsets.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>Element count.</summary>
    public int Length => _values.Length;

    /// <summary>Changes whenever the values may have been written.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>Every parameter, writable. Obtaining it marks the values modified.</summary>
    public Span<T> Values
    {
        get
        {
            MarkModified();
            return _values;
        }
    }

    /// <summary>Every parameter, read-only (does not mark anything modified).</summary>
    public ReadOnlySpan<T> ReadOnlyValues => _values;

    /// <summary>Gradients, same layout as <see cref="Values"/>.</summary>
    public Span<T> Gradients => _gradients;

    /// <summary>The writable view of one parameter by PyTorch name, e.g. <c>weight_hh_l1_reverse</c>.</summary>
    public Span<T> this[string name]
    {
        get
        {
            ParameterInfo info = Find(name);
            MarkModified();
            return _values.AsSpan(info.Offset, info.Length);
        }
    }

    /// <summary>The gradient of one parameter by PyTorch name.</summary>
    public Span<T> GradientOf(string name)
    {
        ParameterInfo info = Find(name);
        return _gradients.AsSpan(info.Offset, info.Length);
    }

    /// <summary>Read-only view of a (layer, direction, role); empty when that parameter does not exist.</summary>
    public ReadOnlySpan<T> View(int layer, int direction, ParameterRole role)
    {
        ParameterInfo? info = Layout.Find(layer, direction, role);
        return info is null ? default : _values.AsSpan(info.Offset, info.Length);
    }

    /// <summary>Gradient view of a (layer, direction, role); empty when that parameter does not exist.</summary>
    public Span<T> GradientView(int layer, int direction, ParameterRole role)
    {
        ParameterInfo? info = Layout.Find(layer, direction, role);
        return info is null ? default : _gradients.AsSpan(info.Offset, info.Length);
    }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGradients() => Array.Clear(_gradients);

    /// <summary>Tells specialised kernels that values changed through a span obtained earlier.</summary>
    public void MarkModified() => Interlocked.Increment(ref _version);

    /// <summary>
    /// PyTorch's <c>reset_parameters()</c>: every parameter uniform in [-1/sqrt(hidden_size), 1/sqrt(hidden_size)],
    /// drawn from a seeded generator (the same seed gives the same values on every machine).
    /// </summary>
    public void InitializeUniform(ulong seed)
    {
        double bound = 1.0 / Math.Sqrt(Layout.Config.HiddenSize);
        var rng = new SeededRandom(seed);
        for (int i = 0; i < _values.Length; i++)
        {
            _values[i] = T.CreateTruncating(rng.NextUniform(-bound, bound));
        }

        MarkModified();
    }

    private ParameterInfo Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Layout.Find(name) ?? throw new ArgumentException(
            $"No parameter named '{name}' in {Layout.Config}; expected one of: {string.Join(", ", Layout.Parameters.Select(p => p.Name))}.", nameof(name));
    }
}
