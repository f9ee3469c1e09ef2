using System.Runtime.Intrinsics;

namespace LstmGen.Testing;

/// <summary>
/// Runs a generated network and the generic float oracle on identical parameters and random data (training forward,
/// then backward) and compares output, h_n, c_n and every gradient.
/// </summary>
public static class GeneratedVsGeneric
{
    /// <summary>
    /// Relative tolerance (to each tensor's largest magnitude) for float kernels that differ from the oracle in rounding only.
    /// A pre-activation is a sum of (layer input + H_out) products, so each implementation's worst-case rounding error
    /// is about eps x that length; BPTT chains it through seqLen steps (and sums seqLen*batch rows into the weight
    /// gradients), and the layers stack it. Hence eps x (max layer input + hidden) x (seqLen + layers), times 2 for the
    /// two implementations and a small factor 2 for the activations' few-ulp difference (VectorMath vs MathF).
    /// A wrong index or a missing term gives errors of order 1, far above this. Over the 210 drawn shapes the largest error
    /// seen is 60% of this tolerance (RandomShapeTests logs it per batch): a bias gradient of 1.7e-3 that is the cancelled
    /// sum of three terms of order 0.5 (RNN, hidden 1, one step), off by 6e-8, i.e. half an ulp of the terms. Elsewhere
    /// the errors stay below 30%.
    /// </summary>
    public static double Tolerance(RecurrentConfig c, int seqLen) =>
        4 * FloatEpsilon * (Math.Max(c.InputSize, c.OutputSize) + c.HiddenSize) * (seqLen + c.NumLayers);

    /// <summary>
    /// The path a generated class must take in this process: the widest vectors the CPU accelerates, as the README's
    /// table says (Vector512 with AVX-512, Vector256 with AVX2, Vector128 with SSE or AdvSimd only, else Scalar).
    /// </summary>
    public static KernelPath ExpectedPath =>
        Vector512.IsHardwareAccelerated ? KernelPath.Vector512
        : Vector256.IsHardwareAccelerated ? KernelPath.Vector256
        : Vector128.IsHardwareAccelerated ? KernelPath.Vector128
        : KernelPath.Scalar;

    /// <summary>Fails unless <paramref name="generated"/> runs on <see cref="ExpectedPath"/>, so no check silently runs another path.</summary>
    public static void AssertPath(IRecurrentNetwork<float> generated, string name)
    {
        if (generated.KernelPath != ExpectedPath)
        {
            throw new InvalidOperationException($"{name} runs on {generated.KernelPath}, but this process accelerates {ExpectedPath}.");
        }
    }

    private const double FloatEpsilon = 1.1920928955078125e-7; // 2^-23

    /// <summary>
    /// Asserts that <paramref name="generated"/> matches the oracle on identical parameters and random data; returns the
    /// largest error seen as a fraction of what the tolerance allows (how much headroom the tolerance has).
    /// </summary>
    public static double Check(IRecurrentNetwork<float> generated, int seqLen, int batch, ulong seed, bool withStates, string name)
    {
        AssertPath(generated, name);
        RecurrentConfig c = generated.Config;
        var rng = new Random((int)seed);
        RecurrentNetwork<float> oracle = SeededOracle(generated, seed);

        int stateH = c.StateRows * batch * c.OutputHidden;
        int stateC = c.HasCellState ? c.StateRows * batch * c.HiddenSize : 0;
        // Optional arguments vary with the seed: c0 alone may be missing, and any upstream gradient may be empty.
        float[] input = Random(rng, seqLen * batch * c.InputSize);
        float[] h0 = withStates ? Random(rng, stateH) : [];
        float[] c0 = withStates && seed % 2 == 0 ? Random(rng, stateC) : [];
        float[] upOut = seed % 5 == 4 ? [] : Random(rng, seqLen * batch * c.OutputSize);
        float[] upH = seed % 3 == 2 ? [] : Random(rng, stateH);
        float[] upC = seed % 3 == 1 ? [] : Random(rng, stateC);
        double tolerance = Tolerance(c, seqLen);

        Result expected = Run(oracle, input, seqLen, batch, h0, c0, upOut, upH, upC, stateH, stateC);
        Result actual = Run(generated, input, seqLen, batch, h0, c0, upOut, upH, upC, stateH, stateC);
        string where = $"{name} {c} seq={seqLen} batch={batch} states={withStates}";

        // Inference runs the same kernels as the recorded pass (only where the records go differs): the same bits.
        float[] output = new float[actual.Output.Length], hN = new float[stateH], cN = new float[stateC];
        generated.Forward(input, output, batch, initial: new(h0, c0), final: new(hN, cN));
        const string against = "in inference, {0} in the recorded pass";
        StreamChecks.Identical(where, "output", actual.Output, output, against);
        StreamChecks.Identical(where, "h_n", actual.HN, hN, against);
        StreamChecks.Identical(where, "c_n", actual.CN, cN, against);

        double worst = 0;
        worst = Math.Max(worst, Close(where, "output", expected.Output, actual.Output, tolerance));
        worst = Math.Max(worst, Close(where, "h_n", expected.HN, actual.HN, tolerance));
        worst = Math.Max(worst, Close(where, "c_n", expected.CN, actual.CN, tolerance));
        worst = Math.Max(worst, Close(where, "grad input", expected.GradInput, actual.GradInput, tolerance));
        worst = Math.Max(worst, Close(where, "grad h0", expected.GradH0, actual.GradH0, tolerance));
        worst = Math.Max(worst, Close(where, "grad c0", expected.GradC0, actual.GradC0, tolerance));
        foreach (ParameterInfo p in c.ToLayout().Parameters)
        {
            worst = Math.Max(worst, Close(where, "grad " + p.Name, expected.Gradients.AsSpan(p.Offset, p.Length), actual.Gradients.AsSpan(p.Offset, p.Length), tolerance));
        }

        return worst;
    }

    /// <summary>
    /// Streaming: a few Step calls carrying h (and c) on the generated network and on the oracle over a copy of its
    /// parameters; returns the largest error as a fraction of the tolerance.
    /// </summary>
    public static double CheckStep(IRecurrentNetwork<float> generated, int steps, int batch, ulong seed, string name)
    {
        AssertPath(generated, name);
        RecurrentConfig c = generated.Config;
        var rng = new Random((int)seed);
        RecurrentNetwork<float> oracle = SeededOracle(generated, seed);
        float[] h = Random(rng, c.StateRows * batch * c.OutputHidden);
        float[] state = c.HasCellState ? Random(rng, c.StateRows * batch * c.HiddenSize) : [];
        float[] hExpected = (float[])h.Clone(), cExpected = (float[])state.Clone();
        float[] output = new float[batch * c.OutputHidden], outputExpected = new float[output.Length];
        double tolerance = Tolerance(c, steps), worst = 0;
        for (int t = 0; t < steps; t++)
        {
            float[] input = Random(rng, batch * c.InputSize);
            oracle.Step(input, outputExpected, new(hExpected, cExpected));
            generated.Step(input, output, new(h, state));
            string where = $"{name} {c} step {t} batch={batch}";
            worst = Math.Max(worst, Close(where, "output", outputExpected, output, tolerance));
            worst = Math.Max(worst, Close(where, "h", hExpected, h, tolerance));
            worst = Math.Max(worst, Close(where, "c", cExpected, state, tolerance));
        }

        return worst;
    }

    // Seeds the generated network's parameters and returns the oracle over a copy of them (its own gradients).
    private static RecurrentNetwork<float> SeededOracle(IRecurrentNetwork<float> generated, ulong seed)
    {
        generated.Parameters.InitializeUniform(seed);
        var oracleParameters = new ParameterSet<float>(generated.Parameters.Layout);
        oracleParameters.Set(generated.Parameters.Values);
        return new RecurrentNetwork<float>(oracleParameters);
    }

    private static ParameterLayout ToLayout(this RecurrentConfig c) => new(c);

    private sealed record Result(float[] Output, float[] HN, float[] CN, float[] GradInput, float[] GradH0, float[] GradC0, float[] Gradients);

    private static Result Run(IRecurrentNetwork<float> net, float[] input, int seqLen, int batch, float[] h0, float[] c0,
        float[] upOut, float[] upH, float[] upC, int stateH, int stateC)
    {
        RecurrentConfig c = net.Config;
        var r = new Result(new float[seqLen * batch * c.OutputSize], new float[stateH], new float[stateC],
            new float[input.Length], new float[stateH], new float[stateC], null!);
        net.Parameters.ZeroGradients();
        net.Forward(input, r.Output, batch, initial: new(h0, c0), final: new(r.HN, r.CN), training: true);
        net.Backward(upOut, gradInput: r.GradInput, gradFinal: new(upH, upC), gradInitial: new(r.GradH0, r.GradC0));
        return r with { Gradients = net.Parameters.Gradients.ToArray() };
    }

    private static double Close(string where, string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative)
    {
        double[] e = new double[expected.Length];
        double error = 0;
        for (int i = 0; i < e.Length; i++)
        {
            e[i] = expected[i];
            error = Math.Max(error, Math.Abs((double)actual[i] - e[i]));
        }

        TensorAssert.Close($"{where}: {what}", e, actual, relative, 1e-12);
        return error / Math.Max(relative * TensorAssert.MaxAbs(e), 1e-12);
    }

    public static float[] Random(Random rng, int length)
    {
        float[] values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return values;
    }
}
