using System.Numerics;

namespace LstmGen;

/// <summary>
/// The operations every recurrent network offers, generic (<see cref="RecurrentNetwork{T}"/>) and generated
/// (<c>[LstmCell]</c>, <c>[GruCell]</c>, <c>[RnnCell]</c> classes) alike, so code written against it can swap one for the other.
/// Shapes and semantics are PyTorch's. Sequence tensors are (seq, batch, feature), or (batch, seq, feature) when
/// <see cref="RecurrentConfig.BatchFirst"/>; state tensors are always (layers*directions, batch, size).
/// </summary>
/// <typeparam name="T">Element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
public interface IRecurrentNetwork<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The shape of the network.</summary>
    RecurrentConfig Config { get; }

    /// <summary>Parameters and their gradients, in PyTorch <c>named_parameters()</c> layout.</summary>
    ParameterSet<T> Parameters { get; }

    /// <summary>
    /// The code the calls run on: <see cref="LstmGen.KernelPath.Scalar"/> for the generic network; for a generated class
    /// the widest vectors the CPU accelerates, decided once per process (see the README's table of CPUs and settings).
    /// </summary>
    KernelPath KernelPath { get; }

    /// <summary>
    /// Runs the network over a whole sequence: PyTorch's <c>output, (h_n, c_n) = lstm(input, (h_0, c_0))</c>.
    /// </summary>
    /// <param name="input">seqLen*batch*InputSize values, (seq, batch, feature) or batch-first; seqLen is its length
    /// divided by batch*InputSize.</param>
    /// <param name="output">seqLen*batch*OutputSize values: the top layer's h at every step, directions concatenated.</param>
    /// <param name="batch">Batch size, at least 1.</param>
    /// <param name="initial">h_0 and (LSTM) c_0, or empty for zeros.</param>
    /// <param name="final">Receives h_n and (LSTM) c_n; either may be empty to skip it. It may be the same memory as
    /// <paramref name="initial"/>, to carry a state in place from one call to the next.</param>
    /// <param name="training">When true, records what <see cref="Backward"/> needs. Recording uses a buffer owned by this
    /// instance, so training calls must not run concurrently on one instance; inference calls may.</param>
    void Forward(ReadOnlySpan<T> input, Span<T> output, int batch, ReadOnlyStateSpan<T> initial = default,
        StateSpan<T> final = default, bool training = false);

    /// <summary>
    /// Backpropagates through the last training <see cref="Forward"/>. Parameter gradients are added to
    /// <see cref="ParameterSet{T}.Gradients"/> (so several calls accumulate); input and state gradients are overwritten.
    /// </summary>
    /// <param name="gradOutput">dL/d(output), same shape as output, or empty for zeros.</param>
    /// <param name="gradInput">Receives dL/d(input), or empty to skip.</param>
    /// <param name="gradFinal">dL/d(h_n) and dL/d(c_n), or empty for zeros.</param>
    /// <param name="gradInitial">Receives dL/d(h_0) and dL/d(c_0); either may be empty to skip it.</param>
    void Backward(ReadOnlySpan<T> gradOutput, Span<T> gradInput = default, ReadOnlyStateSpan<T> gradFinal = default,
        StateSpan<T> gradInitial = default);

    /// <summary>
    /// Streaming: advances a unidirectional network by one time step, carrying the state in place.
    /// </summary>
    /// <param name="input">batch*InputSize values for this step; batch is its length divided by InputSize.</param>
    /// <param name="output">batch*OutputHidden values receiving the top layer's new h, or empty to skip.</param>
    /// <param name="state">h (layers, batch, OutputHidden) and (LSTM) c (layers, batch, HiddenSize): the state before
    /// the step on entry, after it on return.</param>
    void Step(ReadOnlySpan<T> input, Span<T> output, StateSpan<T> state);

    /// <summary>
    /// Gets the network ready for its first real call, for code that must not pay the start-up cost then (a real-time
    /// audio callback, say): packs the weights (generated classes) and compiles the hot paths by running inference
    /// Forward (batch 1 and 2, and from the batch size where products are batched) and Step (unidirectional networks)
    /// once on zeros, with inputs, outputs and state of its own. Nothing the caller can see changes: not the parameters,
    /// their gradients, nor what <see cref="Backward"/> would backpropagate. Optional; safe to call again, and from
    /// several threads.
    /// </summary>
    void Prepare();
}
