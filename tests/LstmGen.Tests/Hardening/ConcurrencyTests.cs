namespace LstmGen.Tests.Hardening;

/// <summary>
/// Inference on one shared, read-only parameter set from many threads at once: each thread has its own state and
/// buffers, and must get bit for bit what a single thread gets.
/// </summary>
public class ConcurrencyTests
{
    private const int Threads = 8;
    private const int Steps = 10_000;

    public static IEnumerable<object[]> Networks()
    {
        var config = new RecurrentConfig(CellKind.Lstm, 3, 8, numLayers: 2);
        var shared = new RecurrentNetwork<float>(config, seed: 5);
        yield return ["generic LSTM, one shared instance", (Func<IRecurrentNetwork<float>>)(() => shared)];
        var gruParams = new RecurrentNetwork<float>(new RecurrentConfig(CellKind.Gru, 3, 8), seed: 6).Parameters;
        yield return ["generic GRU, instances over one ParameterSet", (Func<IRecurrentNetwork<float>>)(() => new RecurrentNetwork<float>(gruParams))];
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Streaming_from_eight_threads_matches_one_thread_bit_for_bit(string name, Func<IRecurrentNetwork<float>> network)
    {
        Assert.NotEmpty(name);
        uint[] reference = Stream(network(), threadSeed: 0);
        var results = new uint[Threads][];
        using var start = new Barrier(Threads);
        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            // Every thread streams the same input as the reference, so every result must equal it.
            results[t] = Stream(network(), threadSeed: 0);
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        for (int t = 0; t < Threads; t++)
        {
            Assert.Equal(reference, results[t]);
        }
    }

    /// <summary>Streams <see cref="Steps"/> steps and returns a digest of the outputs: the bits of every 100th output row.</summary>
    private static uint[] Stream(IRecurrentNetwork<float> net, ulong threadSeed)
    {
        RecurrentConfig c = net.Config;
        const int batch = 2;
        var rng = new SeededRandom(99 + threadSeed);
        float[] x = new float[batch * c.InputSize];
        float[] h = new float[c.StateRows * batch * c.OutputHidden];
        float[] cell = c.HasCellState ? new float[c.StateRows * batch * c.HiddenSize] : [];
        float[] y = new float[batch * c.OutputHidden];
        var digest = new List<uint>();
        for (int step = 0; step < Steps; step++)
        {
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (float)rng.NextNormal();
            }

            net.Step(x, batch, h, cell, y);
            if (step % 100 == 0)
            {
                digest.AddRange(y.Select(BitConverter.SingleToUInt32Bits));
            }
        }

        digest.AddRange(h.Select(BitConverter.SingleToUInt32Bits));
        return digest.ToArray();
    }
}
