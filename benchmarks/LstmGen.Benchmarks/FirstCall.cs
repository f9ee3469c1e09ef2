using System.Diagnostics;
using System.Globalization;

namespace LstmGen.Benchmarks;

/// <summary>
/// `first-call [--prepare]`: the latency of the very first Step and Forward of a fresh process (JIT and packing
/// included), with or without <see cref="IRecurrentNetwork{T}.Prepare"/> before them, against the steady state. Run it
/// once per process: only the first calls of a process measure what it is for.
/// </summary>
public static class FirstCall
{
    public static int Run(string[] args)
    {
        bool prepare = args.Contains("--prepare");
        const int seqLen = 64;
        var net = new StreamH16(seed: 7);
        float[] frame = new float[StreamH16.InputSize], output = new float[StreamH16.OutputHidden];
        float[] h = new float[StreamH16.OutputHidden], c = new float[StreamH16.HiddenSize];
        float[] input = new float[seqLen * StreamH16.InputSize], sequence = new float[seqLen * StreamH16.OutputSize];
        frame[0] = 0.5f;

        double prepareUs = 0;
        if (prepare)
        {
            long p0 = Stopwatch.GetTimestamp();
            net.Prepare();
            prepareUs = Stopwatch.GetElapsedTime(p0).TotalMicroseconds;
        }

        long t0 = Stopwatch.GetTimestamp();
        net.Step(frame, output, new(h, c));
        double firstStep = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        long t1 = Stopwatch.GetTimestamp();
        net.Forward(input, sequence, batch: 1);
        double firstForward = Stopwatch.GetElapsedTime(t1).TotalMicroseconds;

        // Steady state: half a second of calls lets tiered compilation finish, then the medians of short batches.
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 500)
        {
            net.Step(frame, output, new(h, c));
            net.Forward(input, sequence, batch: 1);
        }

        double steadyStep = Median(() => net.Step(frame, output, new(h, c)), 100);
        double steadyForward = Median(() => net.Forward(input, sequence, batch: 1), 1);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"first call ({net.KernelPath}, StreamH16, {(prepare ? $"after Prepare(), which took {prepareUs:0} us" : "no Prepare()")}): Step {firstStep:0.0} us (steady {steadyStep:0.000} us, {firstStep / steadyStep:0.0}x), Forward of {seqLen} steps {firstForward:0.0} us (steady {steadyForward:0.0} us, {firstForward / steadyForward:0.0}x)"));
        return 0;
    }

    // Median over 31 timings of `calls` calls each, in microseconds per call.
    private static double Median(Action call, int calls)
    {
        double[] samples = new double[31];
        for (int s = 0; s < samples.Length; s++)
        {
            long t = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++)
            {
                call();
            }

            samples[s] = Stopwatch.GetElapsedTime(t).TotalMicroseconds / calls;
        }

        Array.Sort(samples);
        return samples[samples.Length / 2];
    }
}
