using System.Numerics;

namespace LstmGen.Training;

/// <summary>
/// Computes the loss of one window and its gradient with respect to the window's output.
/// </summary>
/// <param name="start">First time step of the window in the whole sequence.</param>
/// <param name="steps">Steps in the window.</param>
/// <param name="output">The network's output for the window, (steps, batch, OutputSize).</param>
/// <param name="gradOutput">Receives dLoss/dOutput, same shape.</param>
/// <returns>The window's loss.</returns>
public delegate T WindowLoss<T>(int start, int steps, ReadOnlySpan<T> output, Span<T> gradOutput);

/// <summary>
/// Truncated backpropagation through time: a long sequence is processed in windows of <see cref="Window"/> steps.
/// Each window runs forward from the state the previous window ended in, and backpropagates only within itself: the
/// carried h and c are treated as constants, as with <c>h.detach()</c> in PyTorch.
/// Buffers are allocated once for the largest window and reused.
/// </summary>
public sealed class TruncatedBptt<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IRecurrentNetwork<T> _net;
    private readonly T[] _h, _c, _hNext, _cNext, _output, _gradOutput;

    /// <summary>Prepares windows of <paramref name="window"/> steps for a batch of <paramref name="batch"/> sequences.</summary>
    public TruncatedBptt(IRecurrentNetwork<T> network, int window, int batch)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        RecurrentConfig config = network.Config;
        if (config.BatchFirst)
        {
            throw new ArgumentException("Truncated BPTT slices the sequence into windows along time, so the network must be sequence-first (BatchFirst = false).", nameof(network));
        }

        _net = network;
        Window = window;
        Batch = batch;
        int hLength = config.StateRows * batch * config.OutputHidden;
        int cLength = config.HasCellState ? config.StateRows * batch * config.HiddenSize : 0;
        _h = new T[hLength];
        _c = new T[cLength];
        _hNext = new T[hLength];
        _cNext = new T[cLength];
        _output = new T[window * batch * config.OutputSize];
        _gradOutput = new T[_output.Length];
    }

    /// <summary>Steps per window.</summary>
    public int Window { get; }
    /// <summary>Sequences per batch.</summary>
    public int Batch { get; }
    /// <summary>The carried h, (layers*directions, batch, OutputHidden).</summary>
    public Span<T> H => _h;
    /// <summary>The carried c (LSTM), (layers*directions, batch, HiddenSize).</summary>
    public Span<T> C => _c;

    /// <summary>Zeroes the carried state (start of a new, unrelated sequence).</summary>
    public void ResetState()
    {
        Array.Clear(_h);
        Array.Clear(_c);
    }

    /// <summary>
    /// Runs the whole sequence window by window. After each window's backward pass, <paramref name="afterWindow"/>
    /// runs (typically clipping and an optimizer step, then zeroing the gradients). Returns the mean window loss.
    /// </summary>
    /// <param name="input">(seqLen, batch, InputSize), sequence-first.</param>
    /// <param name="seqLen">Total steps; the last window may be shorter.</param>
    /// <param name="loss">The loss of each window.</param>
    /// <param name="afterWindow">Called with the window's index after its gradients were accumulated; may be null.</param>
    public T Run(ReadOnlySpan<T> input, int seqLen, WindowLoss<T> loss, Action<int>? afterWindow = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        RecurrentConfig config = _net.Config;
        int stepSize = Batch * config.InputSize;
        if (seqLen < 1 || input.Length != (long)seqLen * stepSize)
        {
            throw new ArgumentException(FormattableString.Invariant($"input must have seqLen*batch*inputSize = {seqLen}*{Batch}*{config.InputSize} elements with seqLen >= 1, but has {input.Length}."), nameof(input));
        }

        T total = T.Zero;
        int windows = 0;
        for (int start = 0; start < seqLen; start += Window)
        {
            int steps = Math.Min(Window, seqLen - start);
            Span<T> output = _output.AsSpan(0, steps * Batch * config.OutputSize);
            Span<T> gradOutput = _gradOutput.AsSpan(0, output.Length);
            _net.Forward(input.Slice(start * stepSize, steps * stepSize), output, Batch, initial: new(_h, _c), final: new(_hNext, _cNext), training: true);
            gradOutput.Clear();
            total += loss(start, steps, output, gradOutput);

            // The carried state is a constant for this window: no gradient flows into h_n/c_n from later windows.
            _net.Backward(gradOutput);
            _hNext.CopyTo(_h, 0);
            _cNext.CopyTo(_c, 0);
            afterWindow?.Invoke(windows);
            windows++;
        }

        return total / T.CreateChecked(windows);
    }
}
