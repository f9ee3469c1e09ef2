using System.Buffers;
using System.Numerics;

namespace LstmGen;

/// <summary>
/// A flat block of trainable values with a gradient buffer of the same layout. Optimizers and gradient clipping work on
/// a list of these (a recurrent network's <see cref="ParameterSet{T}"/>, a <see cref="Training.Linear{T}"/> head, ...).
/// </summary>
public interface IParameterBuffer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The values, read-only.</summary>
    ReadOnlySpan<T> Values { get; }

    /// <summary>Gradients, same length and layout as <see cref="Values"/>.</summary>
    Span<T> Gradients { get; }

    /// <summary>Sets every gradient to zero.</summary>
    void ZeroGradients();

    /// <summary>
    /// Lets <paramref name="update"/> write every value in place, with <paramref name="state"/> (a struct, so a static
    /// lambda allocates nothing). The writable span exists only during the call, so every write is seen by kernels that
    /// keep a packed copy.
    /// </summary>
    void Update<TState>(TState state, SpanAction<T, TState> update);
}

/// <summary>Writes values in place (see <see cref="ParameterSet{T}.Update(SpanUpdate{T})"/>).</summary>
public delegate void SpanUpdate<T>(Span<T> values);
