using LstmGen.Training;

namespace LstmGen.Testing;

/// <summary>
/// Checks of <see cref="RecurrentStream{T}"/> over a generated network: blocks of drawn sizes equal one Forward over the
/// whole signal, the head and residual equal the generic composition, and Reset equals a fresh stream.
/// </summary>
public static class StreamChecks
{
    /// <summary>
    /// A signal in blocks of 1 to 37 frames through a stream (from a drawn state) equals Forward over the whole signal
    /// with that initial state, on the same network: bit for bit, since every block runs the same kernels, row for row,
    /// as the whole-signal Forward.
    /// </summary>
    public static void BlocksEqualForward(IRecurrentNetwork<float> net, int frames, int streams, ulong seed, string name)
    {
        RecurrentConfig c = net.Config;
        var rng = new Random((int)seed);
        net.Parameters.InitializeUniform(seed);
        float[] input = GeneratedVsGeneric.Random(rng, frames * streams * c.InputSize);
        var stream = new RecurrentStream<float>(net, streams: streams);
        float[] h0 = GeneratedVsGeneric.Random(rng, stream.StateHLength), c0 = GeneratedVsGeneric.Random(rng, stream.StateCLength);
        stream.SetState(new(h0, c0));
        float[] actual = RunInBlocks(stream, input, rng);
        float[] hActual = new float[h0.Length], cActual = new float[c0.Length];
        stream.GetState(new(hActual, cActual));

        float[] expected = new float[frames * streams * c.OutputHidden];
        float[] hExpected = new float[h0.Length], cExpected = new float[c0.Length];
        net.Forward(input, expected, streams, new(h0, c0), new(hExpected, cExpected));
        string where = $"{name} {c} frames={frames} streams={streams}";
        Identical(where, "output", expected, actual);
        Identical(where, "h", hExpected, hActual);
        Identical(where, "c", cExpected, cActual);
    }

    /// <summary>
    /// A stream with a head (and, when the shape allows, the residual) over <paramref name="generated"/> equals the generic
    /// composition: the oracle's Forward over the whole signal, then <see cref="Linear{T}.Forward"/>, then the input
    /// added. Returns the largest error as a fraction of the bound.
    /// </summary>
    public static double HeadEqualsComposition(IRecurrentNetwork<float> generated, int frames, int streams, int outputs, bool residual,
        ulong seed, string name)
    {
        RecurrentConfig c = generated.Config;
        var rng = new Random((int)seed);
        generated.Parameters.InitializeUniform(seed);
        var oracleParameters = new ParameterSet<float>(generated.Parameters.Layout);
        oracleParameters.Set(generated.Parameters.Values);
        var oracle = new RecurrentNetwork<float>(oracleParameters);
        var head = new Linear<float>(c.OutputHidden, outputs, seed: seed + 1);
        float[] input = GeneratedVsGeneric.Random(rng, frames * streams * c.InputSize);
        float[] actual = RunInBlocks(new RecurrentStream<float>(generated, head, residual, streams), input, rng);

        float[] hidden = new float[frames * streams * c.OutputHidden];
        oracle.Forward(input, hidden, streams);
        float[] expected = new float[frames * streams * outputs];
        head.Forward(hidden, frames * streams, expected);
        for (int r = 0; residual && r < frames * streams; r++)
        {
            for (int j = 0; j < outputs; j++)
            {
                expected[(r * outputs) + j] += input[(r * c.InputSize) + j];
            }
        }

        // h differs from the oracle's by rounding only, within GeneratedVsGeneric's relative tolerance of max |h|; the
        // head sums OutputHidden products of it, so its error is at most max_o sum_j |W_oj| times that, plus the head's
        // and the residual's own rounding: eps x (OutputHidden + 2) x the largest term, for each implementation.
        double hBound = GeneratedVsGeneric.Tolerance(c, frames) * TensorAssert.MaxAbs(Array.ConvertAll(hidden, v => (double)v));
        double rowSum = 0, largest = 1;
        for (int o = 0; o < outputs; o++)
        {
            rowSum = Math.Max(rowSum, head.Weight.Slice(o * c.OutputHidden, c.OutputHidden).ToArray().Sum(w => Math.Abs(w)));
        }

        largest = Math.Max(largest, TensorAssert.MaxAbs(Array.ConvertAll(expected, v => (double)v)));
        double bound = (rowSum * hBound) + (2 * 1.1920928955078125e-7 * (c.OutputHidden + 2) * largest);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= bound))
            {
                throw new Xunit.Sdk.XunitException($"{name} {c} frames={frames} streams={streams} outputs={outputs} residual={residual}: output[{i}] is {actual[i]}, the composition gives {expected[i]} (|diff| {error:G3} > bound {bound:G3}).");
            }

            worst = Math.Max(worst, error / bound);
        }

        return worst;
    }

    /// <summary>After Reset a used stream gives what a fresh stream gives, bit for bit.</summary>
    public static void ResetEqualsFresh(IRecurrentNetwork<float> net, int frames, ulong seed, string name)
    {
        RecurrentConfig c = net.Config;
        var rng = new Random((int)seed);
        net.Parameters.InitializeUniform(seed);
        var head = new Linear<float>(c.OutputHidden, 1, seed: seed);
        float[] warmup = GeneratedVsGeneric.Random(rng, frames * c.InputSize), input = GeneratedVsGeneric.Random(rng, frames * c.InputSize);
        var used = new RecurrentStream<float>(net, head);
        used.Process(warmup, new float[frames]);
        used.Reset();
        float[] afterReset = new float[frames], fresh = new float[frames];
        used.Process(input, afterReset);
        new RecurrentStream<float>(net, head).Process(input, fresh);
        Identical($"{name} {c} frames={frames}", "output after Reset", fresh, afterReset);
        Assert.Contains(fresh, v => v != 0);
    }

    // Processes the signal in blocks of drawn sizes (1 to 37 frames, and an empty block once).
    private static float[] RunInBlocks(RecurrentStream<float> stream, float[] input, Random rng)
    {
        int frame = stream.Streams * stream.InputSize, outFrame = stream.Streams * stream.OutputSize;
        int frames = input.Length / frame;
        float[] output = new float[frames * outFrame];
        stream.Process(default, default);
        for (int f = 0; f < frames;)
        {
            int n = Math.Min(rng.Next(1, 38), frames - f);
            stream.Process(input.AsSpan(f * frame, n * frame), output.AsSpan(f * outFrame, n * outFrame));
            f += n;
        }

        return output;
    }

    /// <summary>Asserts the same bits in every element; <paramref name="against"/> names where the expected values came from.</summary>
    internal static void Identical(string where, string what, float[] expected, float[] actual,
        string against = "through the stream, {0} from Forward over the whole signal")
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                string from = string.Format(System.Globalization.CultureInfo.InvariantCulture, against, expected[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture));
                throw new Xunit.Sdk.XunitException($"{where}: {what}[{i}] is {actual[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)} {from}.");
            }
        }
    }
}
