using LstmGen.Testing;

namespace LstmGen.Specialized.Tests;

/// <summary>
/// NaN and ±∞ through generated code: in the input, in h0/c0 and in the weights, through Forward (training), Backward and
/// Step of every generated kind, compared element by element with the generic oracle on a copy of the same parameters:
/// NaN exactly where the oracle has NaN, the same infinities, finite values within <see cref="GeneratedVsGeneric.Tolerance"/>.
/// A poison confined to one batch row leaves every other row bit for bit as in the clean run.
/// </summary>
/// <remarks>
/// Why those expectations hold whatever the order of summation: a sum holding +∞ (and no −∞) is +∞ in any order, one
/// holding both is NaN in any order, and NaN absorbs everything; FMA changes none of that. So where an IEEE 754
/// implementation of the same formulas has a non-finite value, so must the other; the finite values are the clean
/// computation's (rows are independent and saturated activations have exact values), hence the ordinary tolerance.
/// </remarks>
public class NonFiniteTests
{
    private const int SeqLen = 4, Row = 1;

    // Unrolled one-row and two-row cells (batch 3: a pair, then a single row) and the batched-products cell (batch 9),
    // every kind: LSTM with and without projection, GRU, both RNNs, bidirectional ones, and a looped shape.
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string cell in new[] { nameof(TinyLstm), nameof(StackedLstm), nameof(ProjectedLstm), nameof(SmallGru), nameof(BiGru),
            nameof(ReluRnn), nameof(TanhRnn), nameof(BiTanhRnn), nameof(Models.LargeLstm) })
        {
            data.Add(cell, 3);
            data.Add(cell, 9);
        }

        return data;
    }

    /// <summary>
    /// A poison: where it goes, whether it stays in batch row <see cref="Row"/>, and whether it enters a product with the
    /// zero-padded packed weights (an infinity in the input, in h0 or in W_hh), checked on its own by
    /// <see cref="Backward_after_an_infinity_in_a_padded_product_matches_the_oracle"/>.
    /// </summary>
    private sealed record Poison(string Name, bool RowLocal, Action<Data> Apply, bool PaddedProduct = false);

    private sealed class Data(float[] input, float[] h0, float[] c0)
    {
        public float[] Input { get; } = input;
        public float[] H0 { get; } = h0;
        public float[] C0 { get; } = c0;
        public Dictionary<string, (int Index, float Value)> Weights { get; } = [];
    }

    private static IEnumerable<Poison> Poisons(RecurrentConfig c, int batch)
    {
        // Input (t, Row, feature), states (state row, Row, unit) in PyTorch's layouts; weights in named parameters.
        int InputAt(int t, int feature) => (((t * batch) + Row) * c.InputSize) + feature;
        int StateAt(int stateRow, int unit, int width) => (((stateRow * batch) + Row) * width) + unit;
        yield return new("NaN in the input at t=1", true, d => d.Input[InputAt(1, 0)] = float.NaN);
        yield return new("+inf in the input at t=0", true, d => d.Input[InputAt(0, c.InputSize - 1)] = float.PositiveInfinity, PaddedProduct: true);
        yield return new("-inf in the input at t=2", true, d => d.Input[InputAt(2, 0)] = float.NegativeInfinity, PaddedProduct: true);
        yield return new("NaN in h0", true, d => d.H0[StateAt(c.StateRows - 1, 0, c.OutputHidden)] = float.NaN);
        yield return new("+inf in h0", true, d => d.H0[StateAt(0, c.OutputHidden - 1, c.OutputHidden)] = float.PositiveInfinity, PaddedProduct: true);
        if (c.HasCellState)
        {
            yield return new("NaN in c0", true, d => d.C0[StateAt(0, 0, c.HiddenSize)] = float.NaN);
            yield return new("-inf in c0", true, d => d.C0[StateAt(c.StateRows - 1, c.HiddenSize - 1, c.HiddenSize)] = float.NegativeInfinity);
        }

        string last = c.Bidirectional ? $"_l{c.NumLayers - 1}_reverse" : $"_l{c.NumLayers - 1}";
        yield return new("NaN in weight_ih_l0", false, d => d.Weights["weight_ih_l0"] = (3, float.NaN));
        yield return new($"+inf in weight_hh{last}", false, d => d.Weights["weight_hh" + last] = (c.OutputHidden, float.PositiveInfinity), PaddedProduct: true);
        if (c.Bias)
        {
            yield return new("-inf in bias_hh_l0", false, d => d.Weights["bias_hh_l0"] = (c.HiddenSize - 1, float.NegativeInfinity));
        }

        if (c.ProjSize > 0)
        {
            yield return new("NaN in weight_hr_l0", false, d => d.Weights["weight_hr_l0"] = (1, float.NaN));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_Backward_propagate_NaN_and_infinity_like_the_oracle(string cell, int batch) =>
        CheckForwardAndBackward(cell, batch, paddedBackward: false);

    /// <summary>
    /// The backward pass after an infinity entered a product with the zero-padded weights. This test found a defect (issue
    /// 11): where Hidden is not a multiple of 8, inf * 0 made the padding lanes of the gate gradients NaN, and the products
    /// over packed columns (dh_prev, the input gradient) carried it into real units, where PyTorch 1.13 and the oracle are
    /// finite. The driver now zeroes those lanes (PackedNetwork.ClearPaddingGates).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_after_an_infinity_in_a_padded_product_matches_the_oracle(string cell, int batch) =>
        CheckForwardAndBackward(cell, batch, paddedBackward: true);

    // Every tensor of every poison, except the gradients of the PaddedProduct poisons on padded shapes, which alone are
    // checked when paddedBackward is set. Batch rows other than the poisoned one are compared with the clean run in every
    // tensor.
    private static void CheckForwardAndBackward(string cell, int batch, bool paddedBackward)
    {
        IRecurrentNetwork<float> net = Declared.ByName(cell);
        RecurrentConfig c = net.Config;
        double tolerance = GeneratedVsGeneric.Tolerance(c, SeqLen);
        Data clean = Draw(c, batch);
        Result cleanRun = Run(Poisoned(net, clean), clean, batch);
        var failures = new List<string>();
        // The defect needs padding lanes: a hidden size that is not a multiple of 8.
        bool padded = c.HiddenSize % 8 != 0;
        foreach (Poison poison in Poisons(c, batch).Where(p => !paddedBackward || (padded && p.PaddedProduct)))
        {
            bool defect = padded && poison.PaddedProduct;
            string where = $"{cell} batch={batch}, {poison.Name}";
            Data poisoned = Draw(c, batch);
            poison.Apply(poisoned);
            Result expected = Run(Oracle(net, poisoned), poisoned, batch);
            Result actual = Run(Poisoned(net, poisoned), poisoned, batch);
            Collect(failures, () =>
            {
                // The poison changes the oracle's results (else this case would test nothing).
                Assert.True(expected.Tensors(cleanRun).Any(x => !Bitwise(x.Expected, x.Actual)), $"{where}: the poison changes nothing");
                foreach ((string what, float[] e, float[] a, bool gradient) in expected.Tensors(actual))
                {
                    if (paddedBackward ? gradient : !(defect && gradient))
                    {
                        Collect(failures, () => SameValues($"{where}: {what}", e, a, tolerance));
                    }
                }

                if (poison.RowLocal)
                {
                    OtherRowsUnchanged(where, c, batch, cleanRun, actual);
                }
            });
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_propagates_NaN_and_infinity_like_the_oracle(string cell, int batch)
    {
        IRecurrentNetwork<float> net = Declared.ByName(cell);
        RecurrentConfig c = net.Config;
        if (c.Bidirectional)
        {
            return; // Step streams forward only; Forward covers these cells.
        }

        double tolerance = GeneratedVsGeneric.Tolerance(c, SeqLen);
        Data clean = Draw(c, batch);
        List<float[]> cleanSteps = Steps(Poisoned(net, clean), clean, batch);
        var failures = new List<string>();
        foreach (Poison poison in Poisons(c, batch))
        {
            string where = $"{cell} Step batch={batch}, {poison.Name}";
            Data poisoned = Draw(c, batch);
            poison.Apply(poisoned);
            List<float[]> expected = Steps(Oracle(net, poisoned), poisoned, batch);
            List<float[]> actual = Steps(Poisoned(net, poisoned), poisoned, batch);
            Collect(failures, () =>
            {
                Assert.True(expected.Zip(cleanSteps).Any(x => !Bitwise(x.First, x.Second)), $"{where}: the poison changes nothing");
                for (int i = 0; i < expected.Count; i++)
                {
                    // Per step: output, h, c (see Steps).
                    (string what, int blocks, int width) = (i % 3) switch
                    {
                        0 => ("output", 1, c.OutputHidden),
                        1 => ("h", c.StateRows, c.OutputHidden),
                        _ => ("c", c.StateRows, c.HiddenSize),
                    };
                    SameValues($"{where} t={i / 3}: {what}", expected[i], actual[i], tolerance);
                    if (poison.RowLocal)
                    {
                        OtherRowsUnchanged($"{where} t={i / 3}: {what}", cleanSteps[i], actual[i], blocks, batch, width);
                    }
                }
            });
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // Every poison is checked, and all the failures reported together.
    private static void Collect(List<string> failures, Action check)
    {
        try
        {
            check();
        }
        catch (Xunit.Sdk.XunitException e)
        {
            failures.Add(e.Message);
        }
    }

    private static bool Bitwise(float[] a, float[] b) =>
        a.Length == b.Length && a.Zip(b).All(x => BitConverter.SingleToInt32Bits(x.First) == BitConverter.SingleToInt32Bits(x.Second));

    // SeqLen Step calls carrying h and c: output, h and c after each step, in that order.
    private static List<float[]> Steps(IRecurrentNetwork<float> net, Data data, int batch)
    {
        RecurrentConfig c = net.Config;
        float[] h = (float[])data.H0.Clone(), state = (float[])data.C0.Clone(), output = new float[batch * c.OutputHidden];
        var results = new List<float[]>();
        for (int t = 0; t < SeqLen; t++)
        {
            net.Step(data.Input.AsSpan(t * batch * c.InputSize, batch * c.InputSize), output, new(h, state));
            results.AddRange([(float[])output.Clone(), (float[])h.Clone(), (float[])state.Clone()]);
        }

        return results;
    }

    // The same random data for the clean and the poisoned run (the poison is applied afterwards).
    private static Data Draw(RecurrentConfig c, int batch)
    {
        var rng = new Random(31);
        return new Data(GeneratedVsGeneric.Random(rng, SeqLen * batch * c.InputSize), GeneratedVsGeneric.Random(rng, c.StateRows * batch * c.OutputHidden),
            c.HasCellState ? GeneratedVsGeneric.Random(rng, c.StateRows * batch * c.HiddenSize) : []);
    }

    // The generated network with seeded weights and the data's weight poisons (set through the named views, so it repacks).
    private static IRecurrentNetwork<float> Poisoned(IRecurrentNetwork<float> net, Data data)
    {
        net.Parameters.InitializeUniform(41);
        foreach ((string name, (int index, float value)) in data.Weights)
        {
            net.Parameters.Update(name, w => w[index] = value);
        }

        return net;
    }

    // The oracle on a copy of the same (poisoned) parameters, with gradients of its own.
    private static RecurrentNetwork<float> Oracle(IRecurrentNetwork<float> net, Data data)
    {
        var parameters = new ParameterSet<float>(new ParameterLayout(net.Config));
        parameters.Set(Poisoned(net, data).Parameters.Values);
        return new RecurrentNetwork<float>(parameters);
    }

    private sealed record Result(float[] Output, float[] HN, float[] CN, float[] GradInput, float[] GradH0, float[] GradC0, float[] Gradients)
    {
        public IEnumerable<(string What, float[] Expected, float[] Actual, bool Gradient)> Tensors(Result actual) =>
        [
            ("output", Output, actual.Output, false), ("h_n", HN, actual.HN, false), ("c_n", CN, actual.CN, false),
            ("grad input", GradInput, actual.GradInput, true), ("grad h0", GradH0, actual.GradH0, true), ("grad c0", GradC0, actual.GradC0, true),
            ("parameter gradients", Gradients, actual.Gradients, true),
        ];
    }

    // Training forward, then backward with finite upstream gradients for output, h_n and c_n.
    private static Result Run(IRecurrentNetwork<float> net, Data data, int batch)
    {
        RecurrentConfig c = net.Config;
        var rng = new Random(47);
        float[] upOut = GeneratedVsGeneric.Random(rng, SeqLen * batch * c.OutputSize);
        float[] upH = GeneratedVsGeneric.Random(rng, data.H0.Length), upC = GeneratedVsGeneric.Random(rng, data.C0.Length);
        var r = new Result(new float[upOut.Length], new float[upH.Length], new float[upC.Length], new float[data.Input.Length],
            new float[upH.Length], new float[upC.Length], []);
        net.Parameters.ZeroGradients();
        net.Forward(data.Input, r.Output, batch, initial: new(data.H0, data.C0), final: new(r.HN, r.CN), training: true);
        net.Backward(upOut, gradInput: r.GradInput, gradFinal: new(upH, upC), gradInitial: new(r.GradH0, r.GradC0));
        return r with { Gradients = net.Parameters.Gradients.ToArray() };
    }

    // NaN where the oracle has NaN, the same infinities, finite values within the tolerance relative to the largest
    // finite magnitude of the tensor.
    private static void SameValues(string what, float[] expected, float[] actual, double relative)
    {
        Assert.Equal(expected.Length, actual.Length);
        double magnitude = expected.Where(float.IsFinite).Select(v => Math.Abs((double)v)).DefaultIfEmpty(0).Max();
        double allowed = Math.Max(relative * magnitude, 1e-12);
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            bool same = float.IsNaN(e) ? float.IsNaN(a) : float.IsInfinity(e) ? a == e : float.IsFinite(a) && Math.Abs((double)a - e) <= allowed;
            Assert.True(same, $"{what}: element {i} is {a:R}, the oracle has {e:R} (finite tolerance {allowed:E2})");
        }
    }

    private static void OtherRowsUnchanged(string where, RecurrentConfig c, int batch, Result clean, Result poisoned)
    {
        OtherRowsUnchanged($"{where}: output", clean.Output, poisoned.Output, SeqLen, batch, c.OutputSize);
        OtherRowsUnchanged($"{where}: h_n", clean.HN, poisoned.HN, c.StateRows, batch, c.OutputHidden);
        OtherRowsUnchanged($"{where}: c_n", clean.CN, poisoned.CN, c.StateRows, batch, c.HiddenSize);
        OtherRowsUnchanged($"{where}: grad input", clean.GradInput, poisoned.GradInput, SeqLen, batch, c.InputSize);
        OtherRowsUnchanged($"{where}: grad h0", clean.GradH0, poisoned.GradH0, c.StateRows, batch, c.OutputHidden);
        OtherRowsUnchanged($"{where}: grad c0", clean.GradC0, poisoned.GradC0, c.StateRows, batch, c.HiddenSize);
    }

    // A (blocks, batch, width) tensor: every row but Row bit for bit as in the clean run.
    private static void OtherRowsUnchanged(string what, float[] clean, float[] poisoned, int blocks, int batch, int width)
    {
        Assert.Equal(clean.Length, poisoned.Length);
        if (clean.Length == 0)
        {
            return; // c of a network without a cell state
        }

        for (int block = 0; block < blocks; block++)
        {
            for (int b = 0; b < batch; b++)
            {
                if (b == Row)
                {
                    continue;
                }

                int start = ((block * batch) + b) * width;
                Assert.True(clean.AsSpan(start, width).SequenceEqual(poisoned.AsSpan(start, width)),
                    $"{what}: batch row {b} (block {block}) differs from the clean run; the poison was in row {Row}");
            }
        }
    }
}
