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
    /// Runs the network over a whole sequence.
    /// </summary>
    /// <param name="input">seqLen*batch*InputSize values.</param>
    /// <param name="seqLen">Time steps, at least 1.</param>
    /// <param name="batch">Batch size, at least 1.</param>
    /// <param name="output">seqLen*batch*OutputSize values: the top layer's h at every step, directions concatenated.</param>
    /// <param name="hN">StateRows*batch*OutputHidden values receiving h_n, or empty to skip.</param>
    /// <param name="cN">LSTM: StateRows*batch*HiddenSize values receiving c_n, or empty to skip. Must be empty for GRU and RNN.</param>
    /// <param name="h0">Initial h (StateRows*batch*OutputHidden), or empty for zeros.</param>
    /// <param name="c0">LSTM: initial c (StateRows*batch*HiddenSize), or empty for zeros. Must be empty for GRU and RNN.</param>
    /// <param name="training">When true, records what <see cref="Backward"/> needs. Recording uses a buffer owned by this
    /// instance, so training calls must not run concurrently on one instance; inference calls may.</param>
    void Forward(ReadOnlySpan<T> input, int seqLen, int batch, Span<T> output, Span<T> hN, Span<T> cN,
        ReadOnlySpan<T> h0, ReadOnlySpan<T> c0, bool training);

    /// <summary>
    /// Backpropagates through the last training <see cref="Forward"/>. Parameter gradients are added to
    /// <see cref="ParameterSet{T}.Gradients"/> (so several calls accumulate); input and state gradients are overwritten.
    /// </summary>
    /// <param name="gradOutput">dL/d(output), same shape as output, or empty for zeros.</param>
    /// <param name="gradHN">dL/d(h_n), or empty for zeros.</param>
    /// <param name="gradCN">dL/d(c_n) (LSTM), or empty for zeros.</param>
    /// <param name="gradInput">Receives dL/d(input), or empty to skip.</param>
    /// <param name="gradH0">Receives dL/d(h0), or empty to skip.</param>
    /// <param name="gradC0">Receives dL/d(c0) (LSTM), or empty to skip.</param>
    void Backward(ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> gradHN, ReadOnlySpan<T> gradCN,
        Span<T> gradInput, Span<T> gradH0, Span<T> gradC0);

    /// <summary>
    /// Streaming: advances a unidirectional network by one time step, carrying the state in place.
    /// </summary>
    /// <param name="input">batch*InputSize values for this step.</param>
    /// <param name="batch">Batch size, at least 1.</param>
    /// <param name="h">StateRows*batch*OutputHidden values: h before the step on entry, after it on return.</param>
    /// <param name="c">LSTM: StateRows*batch*HiddenSize values, updated in place. Must be empty for GRU and RNN.</param>
    /// <param name="output">batch*OutputHidden values receiving the top layer's new h, or empty to skip.</param>
    void Step(ReadOnlySpan<T> input, int batch, Span<T> h, Span<T> c, Span<T> output);
}

/// <summary>Shorter calls for the common cases.</summary>
public static class RecurrentNetworkExtensions
{
    /// <summary>Inference from zero initial state.</summary>
    public static void Forward<T>(this IRecurrentNetwork<T> net, ReadOnlySpan<T> input, int seqLen, int batch,
        Span<T> output, Span<T> hN = default, Span<T> cN = default)
        where T : unmanaged, IFloatingPointIeee754<T>
        => net.Forward(input, seqLen, batch, output, hN, cN, default, default, training: false);
}
