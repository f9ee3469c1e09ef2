using LstmGen.Testing;
using LstmGen.Training;

namespace LstmGen.Specialized.Tests;

/// <summary>The stream object over every unidirectional declared cell.</summary>
public class StreamTests
{
    public static TheoryData<string> Unidirectional() =>
        new(Declared.All.Select(f => f()).Where(n => !n.Config.Bidirectional).Select(n => n.GetType().Name));

    [Theory]
    [MemberData(nameof(Unidirectional))]
    public void Blocks_equal_Forward_over_the_whole_signal(string cell)
    {
        IRecurrentNetwork<float> net = Declared.ByName(cell);
        StreamChecks.BlocksEqualForward(net, frames: 120, streams: 1, seed: 21, cell);
        if (!net.Config.BatchFirst)
        {
            StreamChecks.BlocksEqualForward(net, frames: 60, streams: 3, seed: 22, cell);
            StreamChecks.BlocksEqualForward(net, frames: 20, streams: 9, seed: 23, cell);
        }
    }

    [Theory]
    [MemberData(nameof(Unidirectional))]
    public void Head_and_residual_equal_the_generic_composition(string cell)
    {
        IRecurrentNetwork<float> net = Declared.ByName(cell);
        int streams = net.Config.BatchFirst ? 1 : 2;
        StreamChecks.HeadEqualsComposition(net, frames: 80, streams: 1, outputs: 1, residual: true, seed: 31, cell);
        StreamChecks.HeadEqualsComposition(net, frames: 50, streams, outputs: Math.Min(net.Config.InputSize, 3), residual: true, seed: 32, cell);
        StreamChecks.HeadEqualsComposition(net, frames: 40, streams, outputs: 4, residual: false, seed: 33, cell);
    }

    [Theory]
    [MemberData(nameof(Unidirectional))]
    public void Reset_equals_a_fresh_stream(string cell) =>
        StreamChecks.ResetEqualsFresh(Declared.ByName(cell), frames: 30, seed: 41, cell);

    [Theory]
    [MemberData(nameof(Unidirectional))]
    public void Process_allocates_nothing(string cell)
    {
        IRecurrentNetwork<float> net = Declared.ByName(cell);
        RecurrentConfig c = net.Config;
        int streams = c.BatchFirst ? 1 : 2;
        var stream = new RecurrentStream<float>(net, new Linear<float>(c.OutputHidden, 1), residual: true, streams);
        var bare = new RecurrentStream<float>(net, streams: streams);
        float[] input = new float[256 * streams * c.InputSize], output = new float[256 * streams], hidden = new float[256 * streams * c.OutputHidden];
        for (int i = 0; i < 50; i++)
        {
            stream.Process(input, output);
            bare.Process(input, hidden);
        }

        // The least of five rounds, as in AllocationTests: a per-call allocation shows in every round.
        long withHead = long.MaxValue, without = long.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            stream.Process(input, output);
            long middle = GC.GetAllocatedBytesForCurrentThread();
            bare.Process(input, hidden);
            long after = GC.GetAllocatedBytesForCurrentThread();
            withHead = Math.Min(withHead, middle - before);
            without = Math.Min(without, after - middle);
        }

        Assert.True(withHead == 0 && without == 0, $"{cell}: Process allocated {withHead} bytes with a head, {without} without (least of 5 rounds).");
    }
}
