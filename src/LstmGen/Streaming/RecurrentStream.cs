using System.Numerics;
using LstmGen.Training;

namespace LstmGen;

/// <summary>
/// A stateful stream over a unidirectional network, for real-time audio, sensor and control loops: it holds the
/// recurrent state between calls and processes one block of frames per <see cref="Process"/>, optionally through an
/// output head (<c>torch.nn.Linear</c>) and the residual <c>y = head(rnn(x)) + x</c> that amp models use. Generic and
/// generated networks alike; the lengths are checked once per block, and a block allocates nothing.
/// </summary>
/// <remarks>
/// A block runs as <see cref="IRecurrentNetwork{T}.Forward"/> over its frames, with the stream's state as both the
/// initial and the final state, so a stream gives exactly what Forward over the whole signal gives. With
/// <c>streams</c> above 1 it is a bank of independent streams of one model (voices, channels, sensors), stepped together
/// as one batch. One stream object must not be used from two threads at once; several streams may share one network.
/// </remarks>
/// <typeparam name="T">Element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class RecurrentStream<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // Rows of the network's output buffered for the head at a time: blocks are processed in chunks of this many
    // frames*streams rows (and at least one frame), so the buffer is made once, at construction.
    private const int HeadRows = 4096;

    private readonly T[] _h;
    private readonly T[] _c;
    private readonly T[] _hidden;
    private readonly int _chunkFrames;

    /// <summary>Creates a stream (or a bank of <paramref name="streams"/> streams) at zero state.</summary>
    /// <param name="network">A unidirectional network. Frames are time-major, so a batch-first network needs
    /// <paramref name="streams"/> = 1.</param>
    /// <param name="head">An output head applied to the top layer's h at every frame, or null for h itself. Its weights
    /// are read at every block, so updates to it are seen at the next block.</param>
    /// <param name="residual">Adds each frame's first <see cref="OutputSize"/> input features to its output (amp models'
    /// <c>+ x</c>, where the audio is the first feature).</param>
    /// <param name="streams">Independent streams stepped together, at least 1.</param>
    public RecurrentStream(IRecurrentNetwork<T> network, Linear<T>? head = null, bool residual = false, int streams = 1)
    {
        ArgumentNullException.ThrowIfNull(network);
        RecurrentConfig config = network.Config;
        if (config.Bidirectional)
        {
            throw new ArgumentException($"network must be unidirectional to stream (a backward direction needs the whole sequence), but is {config}.", nameof(network));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(streams, 1);
        if (config.BatchFirst && streams > 1)
        {
            throw new ArgumentException(FormattableString.Invariant($"streams must be 1 for a batch-first network: a block's frames are time-major (frame, stream, feature), which a batch-first network reads as (stream, frame, feature). Use a network with BatchFirst = false for {streams} streams."), nameof(streams));
        }

        if (head is not null && head.InFeatures != config.OutputHidden)
        {
            throw new ArgumentException(FormattableString.Invariant($"head must take the network's h of {config.OutputHidden} features, but takes {head.InFeatures}."), nameof(head));
        }

        int outputSize = head?.OutFeatures ?? config.OutputHidden;
        if (residual && outputSize > config.InputSize)
        {
            throw new ArgumentException(FormattableString.Invariant($"residual adds the first {outputSize} input features to the {outputSize} outputs, but a frame has only {config.InputSize} input features."), nameof(residual));
        }

        Network = network;
        Head = head;
        Residual = residual;
        Streams = streams;
        InputSize = config.InputSize;
        OutputSize = outputSize;
        _h = new T[(long)config.StateRows * streams * config.OutputHidden];
        _c = new T[config.HasCellState ? (long)config.StateRows * streams * config.HiddenSize : 0];
        _chunkFrames = Math.Max(1, HeadRows / streams);
        _hidden = head is null ? [] : new T[(long)_chunkFrames * streams * config.OutputHidden];
    }

    /// <summary>The network that steps the state.</summary>
    public IRecurrentNetwork<T> Network { get; }

    /// <summary>The output head, or null.</summary>
    public Linear<T>? Head { get; }

    /// <summary>Whether each frame's first <see cref="OutputSize"/> input features are added to its output.</summary>
    public bool Residual { get; }

    /// <summary>Independent streams stepped together.</summary>
    public int Streams { get; }

    /// <summary>Features per frame and stream going in: the network's input size.</summary>
    public int InputSize { get; }

    /// <summary>Features per frame and stream coming out: the head's outputs, or the network's h size without a head.</summary>
    public int OutputSize { get; }

    /// <summary>Elements of h in <see cref="GetState"/>/<see cref="SetState"/>: (layers, streams, outputHidden).</summary>
    public int StateHLength => _h.Length;

    /// <summary>Elements of c (LSTM) in <see cref="GetState"/>/<see cref="SetState"/>: (layers, streams, hiddenSize); 0 otherwise.</summary>
    public int StateCLength => _c.Length;

    /// <summary>
    /// Processes one block: <paramref name="input"/> is frames*streams*InputSize values, (frame, stream, feature), and
    /// <paramref name="output"/> receives frames*streams*OutputSize. The state carries over to the next block.
    /// </summary>
    public void Process(ReadOnlySpan<T> input, Span<T> output)
    {
        int frame = Streams * InputSize;
        if (input.Length % frame != 0)
        {
            throw new ArgumentException(FormattableString.Invariant($"input must have frames*streams*inputSize = frames*{Streams}*{InputSize} elements, but has {input.Length}, which is not a multiple of {frame}."), nameof(input));
        }

        int frames = input.Length / frame;
        if (output.Length != (long)frames * Streams * OutputSize)
        {
            throw new ArgumentException(FormattableString.Invariant($"output must have frames*streams*outputSize = {frames}*{Streams}*{OutputSize} elements, but has {output.Length}."), nameof(output));
        }

        if (Head is null)
        {
            // The network writes the output directly, the whole block at once.
            if (frames > 0)
            {
                Advance(input, output);
            }
        }
        else
        {
            for (int f0 = 0; f0 < frames; f0 += _chunkFrames)
            {
                int n = Math.Min(_chunkFrames, frames - f0);
                int rows = n * Streams;
                Span<T> hidden = _hidden.AsSpan(0, rows * Network.Config.OutputHidden);
                Advance(input.Slice(f0 * frame, n * frame), hidden);
                Head.Forward(hidden, rows, output.Slice(f0 * Streams * OutputSize, rows * OutputSize));
            }
        }

        if (Residual)
        {
            AddResidual(input, InputSize, output, OutputSize, frames * Streams);
        }
    }

    /// <summary>
    /// Pays before the first real block what it would otherwise pay: packs the weights, compiles the block's code and
    /// rents its scratch, by processing <paramref name="frames"/> frames of zeros. The state is left as it was. It
    /// allocates, so call it when the model is loaded, not in the audio callback.
    /// </summary>
    /// <param name="frames">Frames per block that the stream will see (the callback's block size).</param>
    public void Prepare(int frames = 256)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        T[] h = (T[])_h.Clone(), c = (T[])_c.Clone();
        T[] input = new T[(long)frames * Streams * InputSize], output = new T[(long)frames * Streams * OutputSize];
        for (int i = 0; i < PrepareBlocks; i++)
        {
            Process(input, output);
        }

        h.CopyTo(_h, 0);
        c.CopyTo(_c, 0);
    }

    // Blocks that Prepare runs: enough calls for tiered compilation to queue the optimised code (30 calls).
    private const int PrepareBlocks = 32;

    /// <summary>Sets the state to zero, as at construction.</summary>
    public void Reset()
    {
        Array.Clear(_h);
        Array.Clear(_c);
    }

    /// <summary>Copies the state to <paramref name="destination"/>: h of <see cref="StateHLength"/> and (LSTM) c of
    /// <see cref="StateCLength"/> elements, as PyTorch's <c>h_n</c>/<c>c_n</c>.</summary>
    public void GetState(StateSpan<T> destination)
    {
        CheckState(destination.H.Length, destination.C.Length, nameof(destination));
        _h.CopyTo(destination.H);
        _c.CopyTo(destination.C);
    }

    /// <summary>Sets the state from <paramref name="source"/>, laid out as <see cref="GetState"/> writes it.</summary>
    public void SetState(ReadOnlyStateSpan<T> source)
    {
        CheckState(source.H.Length, source.C.Length, nameof(source));
        source.H.CopyTo(_h);
        source.C.CopyTo(_c);
    }

    private void CheckState(int hLength, int cLength, string argument)
    {
        if (hLength != _h.Length || cLength != _c.Length)
        {
            RecurrentConfig config = Network.Config;
            string c = config.HasCellState
                ? FormattableString.Invariant($" and C (layers*streams*hiddenSize = {config.StateRows}*{Streams}*{config.HiddenSize} = {_c.Length})")
                : " and an empty C";
            throw new ArgumentException(FormattableString.Invariant($"{argument} must have H of layers*streams*outputHidden = {config.StateRows}*{Streams}*{config.OutputHidden} = {_h.Length} elements{c}, but has H of {hLength} and C of {cLength}."), argument);
        }
    }

    // The network over the frames, carrying the state in place: Forward reads each layer's initial state before it
    // writes that layer's final state.
    private void Advance(ReadOnlySpan<T> input, Span<T> hidden) =>
        Network.Forward(input, hidden, Streams, new ReadOnlyStateSpan<T>(_h, _c), new StateSpan<T>(_h, _c));

    /// <summary>y[r, j] += x[r, j] for j &lt; outSize in each of <paramref name="rows"/> rows: the residual of amp models,
    /// the first outSize input features added to the outputs (shared with <see cref="RecurrentModel{T}"/>).</summary>
    internal static void AddResidual(ReadOnlySpan<T> input, int inSize, Span<T> output, int outSize, int rows)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> x = input.Slice(r * inSize, outSize);
            Span<T> y = output.Slice(r * outSize, outSize);
            for (int j = 0; j < outSize; j++)
            {
                y[j] += x[j];
            }
        }
    }
}
