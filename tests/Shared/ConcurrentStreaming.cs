namespace LstmGen.Testing;

/// <summary>
/// Streams one network from many threads at once, each with its own state and buffers, and checks every thread gets
/// bit for bit what a single thread gets.
/// </summary>
public static class ConcurrentStreaming
{
    public static void AssertThreadsMatchOneThread(Func<IRecurrentNetwork<float>> network, int threads, int steps)
    {
        uint[] reference = Stream(network(), steps);
        var results = new uint[threads][];
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            // Every thread streams the same input as the reference, so every result must equal it.
            results[t] = Stream(network(), steps);
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        for (int t = 0; t < threads; t++)
        {
            Assert.Equal(reference, results[t]);
        }
    }

    /// <summary>Streams the steps and returns a digest: the bits of every 100th output row and of the final h.</summary>
    private static uint[] Stream(IRecurrentNetwork<float> net, int steps)
    {
        RecurrentConfig c = net.Config;
        const int batch = 2;
        var rng = new SeededRandom(99);
        float[] x = new float[batch * c.InputSize];
        float[] h = new float[c.StateRows * batch * c.OutputHidden];
        float[] cell = c.HasCellState ? new float[c.StateRows * batch * c.HiddenSize] : [];
        float[] y = new float[batch * c.OutputHidden];
        var digest = new List<uint>();
        for (int step = 0; step < steps; step++)
        {
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (float)rng.NextNormal();
            }

            net.Step(x, y, new(h, cell));
            if (step % 100 == 0)
            {
                digest.AddRange(y.Select(BitConverter.SingleToUInt32Bits));
            }
        }

        digest.AddRange(h.Select(BitConverter.SingleToUInt32Bits));
        return digest.ToArray();
    }
}
