namespace LstmGen.Tests.Hardening;

/// <summary>NaN and infinity propagate as IEEE 754 says and never leak into other batch rows.</summary>
public class NonFiniteTests
{
    public static TheoryData<CellKind, bool> Kinds() => new()
    {
        { CellKind.Lstm, false }, { CellKind.Lstm, true }, { CellKind.Gru, false }, { CellKind.RnnTanh, true }, { CellKind.RnnRelu, false },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_NaN_in_one_batch_row_stays_in_that_row(CellKind kind, bool bidirectional)
    {
        var config = new RecurrentConfig(kind, 3, 5, numLayers: 2, bidirectional: bidirectional);
        var net = new RecurrentNetwork<float>(config, seed: 3);
        const int seqLen = 4, batch = 3;
        var rng = new SeededRandom(4);
        float[] input = Enumerable.Range(0, seqLen * batch * 3).Select(_ => (float)rng.NextNormal()).ToArray();
        float[] clean = Run(net, input, seqLen, batch);

        // Poison row 1 at time 2 with NaN and row 1 at time 0 with +infinity.
        input[((2 * batch) + 1) * 3] = float.NaN;
        input[((0 * batch) + 1) * 3 + 1] = float.PositiveInfinity;
        float[] poisoned = Run(net, input, seqLen, batch);
        int width = config.OutputSize;
        for (int t = 0; t < seqLen; t++)
        {
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> p = poisoned.AsSpan(((t * batch) + b) * width, width);
                ReadOnlySpan<float> c = clean.AsSpan(((t * batch) + b) * width, width);
                if (b != 1)
                {
                    // Other rows are bit-identical to the clean run.
                    Assert.True(p.SequenceEqual(c), $"row {b} at t={t} changed");
                }
            }
        }

        // The poisoned row carries NaN from t=2 on in the forward direction (a NaN input reaches every unit).
        Assert.Contains(poisoned.AsSpan(((2 * batch) + 1) * width, config.OutputHidden).ToArray(), float.IsNaN);
    }

    [Fact]
    public void ReLU_backward_is_PyTorchs_threshold_backward()
    {
        // nn.RNN(1, 1, nonlinearity='relu') with every weight 1 and every bias 0, input [NaN, -1], loss output.sum():
        // PyTorch 1.13 gives output [NaN, NaN] and input gradient [2, 1]. Its ReLU backward passes dh where h is NaN
        // (NaN <= 0 is false) and gives 0 where h <= 0 however large dh is; dh * relu'(h) would give NaN for both.
        var net = new RecurrentNetwork<double>(new RecurrentConfig(CellKind.RnnRelu, 1, 1));
        net.Parameters.Set(new double[net.Parameters.Length]);
        net.Parameters.Set("weight_ih_l0", [1.0]);
        net.Parameters.Set("weight_hh_l0", [1.0]);
        double[] output = new double[2];
        net.Forward([double.NaN, -1], output, 1, training: true);
        Assert.All(output, o => Assert.True(double.IsNaN(o)));
        double[] gradInput = new double[2];
        net.Backward([1, 1], gradInput: gradInput);
        Assert.Equal([2.0, 1.0], gradInput);
    }

    private static float[] Run(RecurrentNetwork<float> net, float[] input, int seqLen, int batch)
    {
        float[] output = new float[seqLen * batch * net.Config.OutputSize];
        net.Forward(input, output, batch);
        return output;
    }
}
