namespace LstmGen.Specialized.Tests;

/// <summary>The driver's hot paths allocate nothing once warm: Forward (inference and training), Backward and Step.</summary>
public class AllocationTests
{
    [Theory]
    [MemberData(nameof(Declared.Names), MemberType = typeof(Declared))]
    public void Warm_calls_allocate_nothing(string cell)
    {
        IRecurrentNetwork<float> net = Declared.ByName(cell);
        RecurrentConfig c = net.Config;
        const int seqLen = 4, batch = 3;
        float[] input = new float[seqLen * batch * c.InputSize], output = new float[seqLen * batch * c.OutputSize];
        float[] h = new float[c.StateRows * batch * c.OutputHidden], cs = new float[c.HasCellState ? h.Length / c.OutputHidden * c.HiddenSize : 0];
        float[] gradInput = new float[input.Length], step = new float[batch * c.OutputHidden];
        long[] Calls()
        {
            long a = GC.GetAllocatedBytesForCurrentThread();
            net.Forward(input, output, batch, final: new(h, cs));
            long b = GC.GetAllocatedBytesForCurrentThread();
            net.Forward(input, output, batch, training: true);
            long d = GC.GetAllocatedBytesForCurrentThread();
            net.Backward(output, gradInput, gradInitial: new(h, cs));
            long e = GC.GetAllocatedBytesForCurrentThread();
            if (!c.Bidirectional)
            {
                net.Step(input.AsSpan(0, batch * c.InputSize), step, new(h, cs));
            }

            long f = GC.GetAllocatedBytesForCurrentThread();
            return [b - a, d - b, e - d, f - e];
        }

        // Warm: the packed copy, the tape and the pooled scratch exist after the first calls.
        for (int i = 0; i < 200; i++)
        {
            Calls();
        }

        // The least of five rounds: an allocation per call shows in every round, while a one-off of the runtime's (a
        // method's optimised code installed on this thread mid-round, on a loaded machine) does not.
        long[] bytes = Enumerable.Range(0, 5).Select(_ => Calls()).Aggregate((a, b) => a.Zip(b, Math.Min).ToArray());
        Assert.True(bytes.All(x => x == 0), $"{cell}: bytes allocated by Forward, training Forward, Backward, Step (least of 5 rounds): {string.Join(", ", bytes)}");
    }
}
