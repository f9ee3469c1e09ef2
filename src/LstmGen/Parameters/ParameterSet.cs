using System.Buffers;
using System.Numerics;
using System.Threading;

namespace LstmGen;

/// <summary>
/// All parameters of a network in one contiguous buffer, in PyTorch <c>named_parameters()</c> order, with named views,
/// plus a gradient buffer of the same layout.
/// </summary>
/// <remarks>
/// One family of accessors: values are read through <see cref="Values"/> and the indexers (read-only, no side effect),
/// written through <see cref="Set(string, ReadOnlySpan{T})"/> and <see cref="Update(SpanUpdate{T})"/>, and gradients are
/// <see cref="Gradients"/> and <see cref="Gradient(string)"/>. Specialised kernels keep a packed copy of the weights and
/// repack when <see cref="Version"/> changes; every write goes through a method that bumps it when the write is done,
/// and the writable span an update gets cannot outlive the update, so no write is ever missed by a kernel.
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

    /// <summary>Changes whenever the values were written.</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>Every parameter, read-only, in PyTorch order.</summary>
    public ReadOnlySpan<T> Values => _values;

    /// <summary>Gradients, same layout as <see cref="Values"/>.</summary>
    public Span<T> Gradients => _gradients;

    /// <summary>One parameter by PyTorch name, e.g. <c>weight_hh_l1_reverse</c>, read-only.</summary>
    /// <exception cref="ArgumentException">No parameter has that name.</exception>
    public ReadOnlySpan<T> this[string name]
    {
        get
        {
            ParameterInfo info = Find(name);
            return _values.AsSpan(info.Offset, info.Length);
        }
    }

    /// <summary>One parameter by (layer, direction, role), read-only; empty when that parameter does not exist.</summary>
    public ReadOnlySpan<T> this[int layer, int direction, ParameterRole role]
    {
        get
        {
            ParameterInfo? info = Layout.Find(layer, direction, role);
            return info is null ? default : _values.AsSpan(info.Offset, info.Length);
        }
    }

    /// <summary>The gradient of one parameter by PyTorch name.</summary>
    /// <exception cref="ArgumentException">No parameter has that name.</exception>
    public Span<T> Gradient(string name)
    {
        ParameterInfo info = Find(name);
        return _gradients.AsSpan(info.Offset, info.Length);
    }

    /// <summary>The gradient of one parameter by (layer, direction, role); empty when that parameter does not exist.</summary>
    public Span<T> Gradient(int layer, int direction, ParameterRole role)
    {
        ParameterInfo? info = Layout.Find(layer, direction, role);
        return info is null ? default : _gradients.AsSpan(info.Offset, info.Length);
    }

    /// <summary>Copies <paramref name="values"/> into the parameter <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No parameter has that name, or the length differs from its element count.</exception>
    public void Set(string name, ReadOnlySpan<T> values)
    {
        ParameterInfo info = Find(name);
        if (values.Length != info.Length)
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"values must have the {info.Length} elements of {name} [{string.Join(", ", info.Shape)}], but has {values.Length}."), nameof(values));
        }

        values.CopyTo(_values.AsSpan(info.Offset, info.Length));
        MarkModified();
    }

    /// <summary>Copies <paramref name="values"/> into every parameter (PyTorch order).</summary>
    /// <exception cref="ArgumentException">The length differs from <see cref="Length"/>.</exception>
    public void Set(ReadOnlySpan<T> values)
    {
        if (values.Length != _values.Length)
        {
            throw new ArgumentException(FormattableString.Invariant($"values must have the {_values.Length} elements of every parameter, but has {values.Length}."), nameof(values));
        }

        values.CopyTo(_values);
        MarkModified();
    }

    /// <summary>Lets <paramref name="update"/> write every value in place; kernels see the writes from the next call on.</summary>
    public void Update(SpanUpdate<T> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        update(_values);
        MarkModified();
    }

    /// <summary>Lets <paramref name="update"/> write the parameter <paramref name="name"/> in place.</summary>
    /// <exception cref="ArgumentException">No parameter has that name.</exception>
    public void Update(string name, SpanUpdate<T> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        ParameterInfo info = Find(name);
        update(_values.AsSpan(info.Offset, info.Length));
        MarkModified();
    }

    /// <inheritdoc/>
    public void Update<TState>(TState state, SpanAction<T, TState> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        update(_values, state);
        MarkModified();
    }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGradients() => Array.Clear(_gradients);

    // Tells specialised kernels that the values changed: after every write, never before it.
    internal void MarkModified() => Interlocked.Increment(ref _version);

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
