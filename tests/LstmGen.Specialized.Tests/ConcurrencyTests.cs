using LstmGen.Testing;

namespace LstmGen.Specialized.Tests;

/// <summary>Generated cells streamed from 8 threads at once, 10,000 steps each, equal one thread bit for bit.</summary>
public class ConcurrencyTests
{
    [Fact]
    public void One_shared_generated_lstm()
    {
        var net = new StackedLstm(seed: 5);
        ConcurrentStreaming.AssertThreadsMatchOneThread(() => net, 8, 10_000);
    }

    [Fact]
    public void Generated_gru_instances_over_one_parameter_set()
    {
        ParameterSet<float> parameters = new SmallGru(seed: 6).Parameters;
        ConcurrentStreaming.AssertThreadsMatchOneThread(() => new SmallGru(parameters), 8, 10_000);
    }
}
