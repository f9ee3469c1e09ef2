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

    /// <summary>Checks the arguments of <see cref="IRecurrentNetwork{T}.Forward"/>.</summary>
    public static void CheckForward<T>(RecurrentConfig config, ReadOnlySpan<T> input, int seqLen, int batch, Span<T> output,
        Span<T> hN, Span<T> cN, ReadOnlySpan<T> h0, ReadOnlySpan<T> c0)
    {
        CheckCounts(seqLen, batch);
        CheckLength(input.Length, (long)seqLen * batch * config.InputSize, "input", "seqLen*batch*inputSize", seqLen, batch, config.InputSize);
        CheckLength(output.Length, (long)seqLen * batch * config.OutputSize, "output", "seqLen*batch*directions*outputHidden", seqLen, batch, config.OutputSize);
        CheckState(config, hN, cN, h0, c0, batch, "hN", "cN", "h0", "c0");
    }

    /// <summary>Checks the arguments of <see cref="IRecurrentNetwork{T}.Backward"/> against the recorded forward shape.</summary>
    public static void CheckBackward<T>(RecurrentConfig config, int seqLen, int batch, ReadOnlySpan<T> gradOutput,
        ReadOnlySpan<T> gradHN, ReadOnlySpan<T> gradCN, Span<T> gradInput, Span<T> gradH0, Span<T> gradC0)
    {
        if (seqLen <= 0)
        {
            throw new InvalidOperationException("Backward needs a preceding Forward call with training: true.");
        }

        CheckOptional(gradOutput.Length, (long)seqLen * batch * config.OutputSize, "gradOutput", "seqLen*batch*directions*outputHidden", seqLen, batch, config.OutputSize);
        CheckOptional(gradInput.Length, (long)seqLen * batch * config.InputSize, "gradInput", "seqLen*batch*inputSize", seqLen, batch, config.InputSize);
        CheckState(config, gradH0, gradC0, gradHN, gradCN, batch, "gradH0", "gradC0", "gradHN", "gradCN");
    }

    /// <summary>Checks the arguments of <see cref="IRecurrentNetwork{T}.Step"/>.</summary>
    public static void CheckStep<T>(RecurrentConfig config, ReadOnlySpan<T> input, int batch, Span<T> h, Span<T> c, Span<T> output)
    {
        if (config.Bidirectional)
        {
            throw new NotSupportedException("Step streams one time step forward; a bidirectional network needs the whole sequence (use Forward).");
        }

        CheckCounts(1, batch);
        CheckLength(input.Length, (long)batch * config.InputSize, "input", "batch*inputSize", batch, config.InputSize);
        CheckLength(h.Length, (long)config.StateRows * batch * config.OutputHidden, "h", "layers*batch*outputHidden", config.StateRows, batch, config.OutputHidden);
        if (config.HasCellState)
        {
            CheckLength(c.Length, (long)config.StateRows * batch * config.HiddenSize, "c", "layers*batch*hiddenSize", config.StateRows, batch, config.HiddenSize);
        }
        else if (!c.IsEmpty)
        {
            throw NoCellState(config, "c");
        }

        CheckOptional(output.Length, (long)batch * config.OutputHidden, "output", "batch*outputHidden", batch, config.OutputHidden);
    }

    private static void CheckCounts(int seqLen, int batch)
    {
        if (seqLen <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(seqLen), seqLen, FormattableString.Invariant($"seqLen must be at least 1, but was {seqLen}."));
        }

        if (batch <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, FormattableString.Invariant($"batch must be at least 1, but was {batch}."));
        }
    }

    // Checks two state outputs (hN/cN or gradH0/gradC0) and two state inputs (h0/c0 or gradHN/gradCN); all optional.
    private static void CheckState<T>(RecurrentConfig config, Span<T> hOut, Span<T> cOut, ReadOnlySpan<T> hIn, ReadOnlySpan<T> cIn,
        int batch, string hOutName, string cOutName, string hInName, string cInName)
    {
        long hLength = (long)config.StateRows * batch * config.OutputHidden;
        long cLength = (long)config.StateRows * batch * config.HiddenSize;
        CheckOptional(hOut.Length, hLength, hOutName, "layers*directions*batch*outputHidden", config.StateRows, batch, config.OutputHidden);
        CheckOptional(hIn.Length, hLength, hInName, "layers*directions*batch*outputHidden", config.StateRows, batch, config.OutputHidden);
        if (config.HasCellState)
        {
            CheckOptional(cOut.Length, cLength, cOutName, "layers*directions*batch*hiddenSize", config.StateRows, batch, config.HiddenSize);
            CheckOptional(cIn.Length, cLength, cInName, "layers*directions*batch*hiddenSize", config.StateRows, batch, config.HiddenSize);
        }
        else if (!cIn.IsEmpty)
        {
            throw NoCellState(config, cInName);
        }
        else if (!cOut.IsEmpty)
        {
            throw NoCellState(config, cOutName);
        }
    }

    private static ArgumentException NoCellState(RecurrentConfig config, string name) =>
        new(FormattableString.Invariant($"{name} must be empty: a {config.Kind} has no cell state (only the LSTM has c)."), name);

    private static void CheckOptional(int actual, long expected, string name, string formula, params ReadOnlySpan<int> factors)
    {
        if (actual != 0)
        {
            CheckLength(actual, expected, name, formula, factors, optional: true);
        }
    }

    private static void CheckLength(int actual, long expected, string name, string formula, params ReadOnlySpan<int> factors) =>
        CheckLength(actual, expected, name, formula, factors, optional: false);

    private static void CheckLength(int actual, long expected, string name, string formula, ReadOnlySpan<int> factors, bool optional)
    {
        if (actual != expected)
        {
            // The message is built only on failure, so the check allocates nothing on the hot path.
            throw new ArgumentException(
                FormattableString.Invariant($"{name} must have {formula} = {string.Join("*", factors.ToArray())} = {expected} elements{(optional ? " (or be empty)" : "")}, but has {actual}."), name);
        }
    }
}
