using LstmGen.Training;

namespace LstmGen.Tests.Streaming;

/// <summary>The stream object over the generic network (the oracle for the generated streams).</summary>
public class RecurrentStreamTests
{
    public static TheoryData<RecurrentConfig> Shapes() => new(
        new RecurrentConfig(CellKind.Lstm, 3, 5, numLayers: 2),
        new RecurrentConfig(CellKind.Lstm, 2, 6, projSize: 3),
        new RecurrentConfig(CellKind.Gru, 1, 4),
        new RecurrentConfig(CellKind.RnnRelu, 2, 3, numLayers: 3),
        new RecurrentConfig(CellKind.Lstm, 2, 4, batchFirst: true));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Blocks_equal_Forward_over_the_whole_signal(RecurrentConfig config)
    {
        var net = new RecurrentNetwork<double>(config, seed: 5);
        int streams = config.BatchFirst ? 1 : 3;
        const int frames = 50;
        var rng = new Random(7);
        double[] input = Draw(rng, frames * streams * config.InputSize);
        var stream = new RecurrentStream<double>(net, streams: streams);
        double[] h0 = Draw(rng, stream.StateHLength), c0 = Draw(rng, stream.StateCLength);
        stream.SetState(new(h0, c0));
        double[] actual = new double[frames * streams * config.OutputHidden];
        int frame = streams * config.InputSize, outFrame = streams * config.OutputHidden;
        for (int f = 0, n = 1; f < frames; f += n, n = (n % 7) + 1)
        {
            n = Math.Min(n, frames - f);
            stream.Process(input.AsSpan(f * frame, n * frame), actual.AsSpan(f * outFrame, n * outFrame));
        }

        double[] expected = new double[actual.Length], hN = new double[h0.Length], cN = new double[c0.Length];
        net.Forward(input, expected, streams, new(h0, c0), new(hN, cN));
        double[] h = new double[h0.Length], c = new double[c0.Length];
        stream.GetState(new(h, c));
        Assert.Equal(expected, actual);
        Assert.Equal(hN, h);
        Assert.Equal(cN, c);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, false)]
    public void Head_and_residual_equal_network_then_Linear_then_addition(int outputs, bool residual)
    {
        RecurrentConfig config = new RecurrentConfig(CellKind.Lstm, 2, 5);
        var net = new RecurrentNetwork<double>(config, seed: 9);
        var head = new Linear<double>(5, outputs, seed: 3);
        const int frames = 9000, streams = 2; // more rows than one chunk of the head's buffer
        double[] input = Draw(new Random(1), frames * streams * 2);
        double[] actual = new double[frames * streams * outputs];
        new RecurrentStream<double>(net, head, residual, streams).Process(input, actual);

        double[] hidden = new double[frames * streams * 5], expected = new double[actual.Length];
        net.Forward(input, hidden, streams);
        head.Forward(hidden, frames * streams, expected);
        for (int r = 0; residual && r < frames * streams; r++)
        {
            expected[r * outputs] += input[r * 2];
        }

        Assert.Equal(expected, actual); // the same operations in the same order
    }

    [Fact]
    public void State_goes_out_and_back_in()
    {
        var net = new RecurrentNetwork<float>(new RecurrentConfig(CellKind.Gru, 2, 3, numLayers: 2), seed: 2);
        var stream = new RecurrentStream<float>(net, streams: 2);
        float[] input = Draw(new Random(3), 10 * 2 * 2).Select(v => (float)v).ToArray(), first = new float[10 * 2 * 3];
        stream.Process(input, first);
        float[] h = new float[stream.StateHLength];
        stream.GetState(new(h));
        Assert.Contains(h, v => v != 0);

        // A second stream set to that state continues exactly as the first does.
        var copy = new RecurrentStream<float>(net, streams: 2);
        copy.SetState(new(h));
        float[] a = new float[first.Length], b = new float[first.Length];
        stream.Process(input, a);
        copy.Process(input, b);
        Assert.Equal(a, b);
        stream.Reset();
        stream.GetState(new(h));
        Assert.All(h, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Prepare_leaves_the_state_and_the_output_as_they_were()
    {
        var net = new RecurrentNetwork<float>(new RecurrentConfig(CellKind.Lstm, 1, 4), seed: 8);
        var prepared = new RecurrentStream<float>(net, new Linear<float>(4, 1, seed: 2), residual: true);
        var plain = new RecurrentStream<float>(net, new Linear<float>(4, 1, seed: 2), residual: true);
        float[] input = Enumerable.Range(0, 40).Select(i => MathF.Sin(i)).ToArray(), a = new float[40], b = new float[40];
        prepared.Process(input, a);
        plain.Process(input, b);
        prepared.Prepare(frames: 64);
        prepared.Process(input, a);
        plain.Process(input, b);
        Assert.Equal(b, a);
        Assert.Throws<ArgumentOutOfRangeException>("frames", () => prepared.Prepare(0));
    }

    [Fact]
    public void Bad_arguments_name_what_was_expected()
    {
        var lstm = new RecurrentNetwork<float>(new RecurrentConfig(CellKind.Lstm, 2, 4), seed: 1);
        Check<ArgumentException>("network", "unidirectional", () => new RecurrentStream<float>(new RecurrentNetwork<float>(new RecurrentConfig(CellKind.Lstm, 2, 4, bidirectional: true))));
        Check<ArgumentOutOfRangeException>("streams", "streams", () => new RecurrentStream<float>(lstm, streams: 0));
        Check<ArgumentException>("streams", "batch-first", () => new RecurrentStream<float>(new RecurrentNetwork<float>(new RecurrentConfig(CellKind.Lstm, 2, 4, batchFirst: true)), streams: 2));
        Check<ArgumentException>("head", "4 features, but takes 3", () => new RecurrentStream<float>(lstm, new Linear<float>(3, 1)));
        Check<ArgumentException>("residual", "only 2 input features", () => new RecurrentStream<float>(lstm, new Linear<float>(4, 3), residual: true));
        Check<ArgumentException>("network", "null", () => new RecurrentStream<float>(null!));

        var stream = new RecurrentStream<float>(lstm, new Linear<float>(4, 1), residual: true, streams: 3);
        Check<ArgumentException>("input", "frames*3*2", () => stream.Process(new float[7], new float[1]));
        Check<ArgumentException>("output", "2*3*1", () => stream.Process(new float[12], new float[5]));
        Check<ArgumentException>("destination", "H of layers*streams*outputHidden = 1*3*4 = 12", () => stream.GetState(new(new float[11], new float[12])));
        Check<ArgumentException>("source", "C (layers*streams*hiddenSize = 1*3*4 = 12)", () => stream.SetState(new(new float[12])));
    }

    private static void Check<TException>(string param, string text, Action call)
        where TException : ArgumentException
    {
        TException e = Assert.ThrowsAny<TException>(call);
        Assert.Equal(param, e.ParamName);
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
    }

    private static double[] Draw(Random rng, int length) => Enumerable.Range(0, length).Select(_ => (rng.NextDouble() * 2) - 1).ToArray();
}
