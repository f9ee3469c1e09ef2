using System.Numerics;

namespace LstmGen;

/// <summary>
/// Argument checks shared by the generic network and every generated one, so both reject bad input with the same
/// message before any kernel runs. Each failure is an <see cref="ArgumentException"/> that names the argument and the
/// expected size.
/// </summary>
public static class NetworkArguments
{
    /// <summary>Checks that <paramref name="parameters"/> has the layout of <paramref name="config"/>, the shape of <paramref name="network"/>.</summary>
    public static void CheckParameters<T>(ParameterSet<T> parameters, RecurrentConfig config, string network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!config.Equals(parameters.Layout.Config))
        {
            throw new ArgumentException($"parameters have the layout of {parameters.Layout.Config}, but {network} is {config}.", nameof(parameters));
        }
    }

    /// <summary>Checks the arguments of <see cref="IRecurrentNetwork{T}.Forward"/>; returns the sequence length.</summary>
    public static int CheckForward<T>(RecurrentConfig config, ReadOnlySpan<T> input, Span<T> output, int batch,
        ReadOnlyStateSpan<T> initial, StateSpan<T> final)
    {
        CheckBatch(batch);
        int seqLen = Multiple(input.Length, batch, config.InputSize, "input", "seqLen*batch*inputSize", "batch*inputSize");
        CheckLength(output.Length, (long)seqLen * batch * config.OutputSize, "output", null, "seqLen*batch*directions*outputHidden", new(seqLen, batch, config.OutputSize));
        CheckState(config, final.H, final.C, initial.H, initial.C, batch, "final", "initial");
        return seqLen;
    }

    /// <summary>Checks the arguments of <see cref="IRecurrentNetwork{T}.Backward"/> against the recorded forward shape.</summary>
    public static void CheckBackward<T>(RecurrentConfig config, int seqLen, int batch, ReadOnlySpan<T> gradOutput,
        Span<T> gradInput, ReadOnlyStateSpan<T> gradFinal, StateSpan<T> gradInitial)
    {
        if (seqLen <= 0)
        {
            throw new InvalidOperationException("Backward needs a preceding Forward call with training: true.");
        }

        CheckOptional(gradOutput.Length, (long)seqLen * batch * config.OutputSize, "gradOutput", null, "seqLen*batch*directions*outputHidden", new(seqLen, batch, config.OutputSize));
        CheckOptional(gradInput.Length, (long)seqLen * batch * config.InputSize, "gradInput", null, "seqLen*batch*inputSize", new(seqLen, batch, config.InputSize));
        CheckState(config, gradInitial.H, gradInitial.C, gradFinal.H, gradFinal.C, batch, "gradInitial", "gradFinal");
    }

    /// <summary>Checks the arguments of <see cref="IRecurrentNetwork{T}.Step"/>; returns the batch size.</summary>
    public static int CheckStep<T>(RecurrentConfig config, ReadOnlySpan<T> input, Span<T> output, StateSpan<T> state)
    {
        if (config.Bidirectional)
        {
            throw new NotSupportedException("Step streams one time step forward; a bidirectional network needs the whole sequence (use Forward).");
        }

        int batch = Multiple(input.Length, 1, config.InputSize, "input", "batch*inputSize", "inputSize");
        CheckLength(state.H.Length, (long)config.StateRows * batch * config.OutputHidden, "state", "H", "layers*batch*outputHidden", new(config.StateRows, batch, config.OutputHidden));
        if (config.HasCellState)
        {
            CheckLength(state.C.Length, (long)config.StateRows * batch * config.HiddenSize, "state", "C", "layers*batch*hiddenSize", new(config.StateRows, batch, config.HiddenSize));
        }
        else if (!state.C.IsEmpty)
        {
            throw NoCellState(config, "state");
        }

        CheckOptional(output.Length, (long)batch * config.OutputHidden, "output", null, "batch*outputHidden", new(batch, config.OutputHidden));
        return batch;
    }

    private static void CheckBatch(int batch)
    {
        if (batch <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, FormattableString.Invariant($"batch must be at least 1, but was {batch}."));
        }
    }

    // A length that must be a non-zero multiple of rows*width; returns the multiple.
    private static int Multiple(int length, int rows, int width, string name, string formula, string unit)
    {
        long step = (long)rows * width;
        if (length == 0 || length % step != 0)
        {
            string factors = rows == 1 ? FormattableString.Invariant($"{width}") : FormattableString.Invariant($"{rows}*{width} = {step}");
            throw new ArgumentException(FormattableString.Invariant(
                $"{name} must have {formula} elements, a non-zero multiple of {unit} = {factors}, but has {length}."), name);
        }

        return (int)(length / step);
    }

    // Checks a state the call writes (final, gradInitial) and one it reads (initial, gradFinal); all parts optional.
    private static void CheckState<T>(RecurrentConfig config, Span<T> hOut, Span<T> cOut, ReadOnlySpan<T> hIn, ReadOnlySpan<T> cIn,
        int batch, string outName, string inName)
    {
        long hLength = (long)config.StateRows * batch * config.OutputHidden;
        long cLength = (long)config.StateRows * batch * config.HiddenSize;
        CheckOptional(hOut.Length, hLength, outName, "H", "layers*directions*batch*outputHidden", new(config.StateRows, batch, config.OutputHidden));
        CheckOptional(hIn.Length, hLength, inName, "H", "layers*directions*batch*outputHidden", new(config.StateRows, batch, config.OutputHidden));
        if (config.HasCellState)
        {
            CheckOptional(cOut.Length, cLength, outName, "C", "layers*directions*batch*hiddenSize", new(config.StateRows, batch, config.HiddenSize));
            CheckOptional(cIn.Length, cLength, inName, "C", "layers*directions*batch*hiddenSize", new(config.StateRows, batch, config.HiddenSize));
        }
        else if (!cIn.IsEmpty)
        {
            throw NoCellState(config, inName);
        }
        else if (!cOut.IsEmpty)
        {
            throw NoCellState(config, outName);
        }
    }

    private static ArgumentException NoCellState(RecurrentConfig config, string parameter) =>
        new(FormattableString.Invariant($"{parameter}.C must be empty: a {config.Kind} has no cell state (only the LSTM has c)."), parameter);

    // The factors of an expected length, for the message: two or three sizes, passed as ints (a params span would be an
    // array allocated on every call, and these checks run on every call).
    private readonly record struct Factors(int A, int B, int C = -1)
    {
        public override string ToString() => C < 0 ? FormattableString.Invariant($"{A}*{B}") : FormattableString.Invariant($"{A}*{B}*{C}");
    }

    // part: "H" or "C" of a state argument, named "initial.H" in messages; null for a plain argument.
    private static void CheckOptional(int actual, long expected, string parameter, string? part, string formula, Factors factors)
    {
        if (actual != 0)
        {
            CheckLength(actual, expected, parameter, part, formula, factors, optional: true);
        }
    }

    private static void CheckLength(int actual, long expected, string parameter, string? part, string formula, Factors factors, bool optional = false)
    {
        if (actual != expected)
        {
            // The message is built only on failure, so the check allocates nothing on the hot path.
            throw new ArgumentException(
                FormattableString.Invariant($"{(part is null ? parameter : parameter + "." + part)} must have {formula} = {factors} = {expected} elements{(optional ? " (or be empty)" : "")}, but has {actual}."), parameter);
        }
    }
}
