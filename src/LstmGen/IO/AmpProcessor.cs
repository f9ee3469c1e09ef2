namespace LstmGen.IO;

/// <summary>
/// Runs an <see cref="AmpModel"/> over a signal in blocks of any size, carrying the state from block to block, as an
/// audio callback does: per frame <c>u = x</c> with <c>u[0] = x[0]·InputGain</c>, then
/// <c>y = (Head(rnn(u)) + (Residual ? u[0] : 0))·OutputGain</c>. Starts from a zero state; nothing is allocated per block.
/// Not for concurrent use: one processor per audio stream. The network, head and residual run in a
/// <see cref="RecurrentStream{T}"/>; the processor adds the gains.
/// </summary>
public sealed class AmpProcessor
{
    // The gained input is staged in chunks of this many frames, so a block of any length needs no allocation.
    private const int ChunkFrames = 256;

    private readonly RecurrentStream<float> _stream;
    private readonly float _inputGain;
    private readonly float _outputGain;
    private readonly float[] _scaled;

    internal AmpProcessor(AmpModel model, IRecurrentNetwork<float> network)
    {
        _stream = new RecurrentStream<float>(network, model.Head, model.Residual);
        _inputGain = model.InputGain;
        _outputGain = model.OutputGain;
        InputSize = model.InputSize;
        OutputSize = model.OutputSize;
        _scaled = _inputGain == 1 ? [] : new float[ChunkFrames * InputSize];
    }

    /// <summary>Features per input frame (the audio sample first).</summary>
    public int InputSize { get; }

    /// <summary>Values per output frame.</summary>
    public int OutputSize { get; }

    /// <summary>Processes a block: <paramref name="input"/> holds frames × <see cref="InputSize"/> values, <paramref name="output"/> receives frames × <see cref="OutputSize"/>.</summary>
    /// <exception cref="ArgumentException">The lengths are not whole frames, or do not agree.</exception>
    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length % InputSize != 0)
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"input must hold whole frames of {InputSize} values, but has {input.Length} values."), nameof(input));
        }

        int frames = input.Length / InputSize;
        if (output.Length != (long)frames * OutputSize)
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"output must have frames*OutputSize = {frames}*{OutputSize} = {frames * OutputSize} elements, but has {output.Length}."), nameof(output));
        }

        for (int start = 0; start < frames; start += ChunkFrames)
        {
            int count = Math.Min(ChunkFrames, frames - start);
            ReadOnlySpan<float> x = input.Slice(start * InputSize, count * InputSize);
            Span<float> y = output.Slice(start * OutputSize, count * OutputSize);
            _stream.Process(Gained(x), y);
            if (_outputGain != 1)
            {
                foreach (ref float v in y)
                {
                    v *= _outputGain;
                }
            }
        }
    }

    /// <summary>Sets the state back to zero, as after loading.</summary>
    public void Reset() => _stream.Reset();

    // u: the input with its audio channel multiplied by the input gain (staged only when the gain is not 1).
    private ReadOnlySpan<float> Gained(ReadOnlySpan<float> x)
    {
        if (_inputGain == 1)
        {
            return x;
        }

        Span<float> u = _scaled.AsSpan(0, x.Length);
        x.CopyTo(u);
        for (int i = 0; i < u.Length; i += InputSize)
        {
            u[i] *= _inputGain;
        }

        return u;
    }
}
