using LstmGen.Testing;

namespace LstmGen.Tests.Hardening;

/// <summary>
/// Inference on one shared, read-only parameter set from 8 threads at once, 10,000 steps each: each thread has its own
/// state and buffers, and must get bit for bit what a single thread gets. (The generated cells: LstmGen.Specialized.Tests.)
/// </summary>
public class ConcurrencyTests
{
    [Fact]
    public void Generic_lstm_one_shared_instance() =>
        ConcurrentStreaming.AssertThreadsMatchOneThread(Shared(new RecurrentNetwork<float>(new RecurrentConfig(CellKind.Lstm, 3, 8, numLayers: 2), seed: 5)), 8, 10_000);

    [Fact]
    public void Generic_gru_instances_over_one_parameter_set()
    {
        ParameterSet<float> parameters = new RecurrentNetwork<float>(new RecurrentConfig(CellKind.Gru, 3, 8), seed: 6).Parameters;
        ConcurrentStreaming.AssertThreadsMatchOneThread(() => new RecurrentNetwork<float>(parameters), 8, 10_000);
    }

    private static Func<IRecurrentNetwork<float>> Shared(IRecurrentNetwork<float> net) => () => net;
}
