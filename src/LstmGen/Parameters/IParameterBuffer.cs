using System.Numerics;

namespace LstmGen;

/// <summary>
/// A flat block of trainable values with a gradient buffer of the same layout. Optimizers and gradient clipping work on
/// a list of these (a recurrent network's <see cref="ParameterSet{T}"/>, a <see cref="Training.Linear{T}"/> head, ...).
/// </summary>
public interface IParameterBuffer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The values, writable (writing marks them modified, so packed kernel copies are rebuilt).</summary>
    Span<T> Values { get; }

    /// <summary>Gradients, same length and layout as <see cref="Values"/>.</summary>
    Span<T> Gradients { get; }

    /// <summary>Sets every gradient to zero.</summary>
    void ZeroGradients();
}
