using System.Diagnostics;
using System.Globalization;

namespace LstmGen.Benchmarks;

/// <summary>
/// `first-block SCENARIO [--generic] [--prepare]`: the latency of the first block a fresh process processes (weights
/// packed, code compiled and scratch rented on the way, unless Prepare did it), against the median of the next 500
/// blocks. Run it in a fresh process per measurement: a warm process has nothing left to show.
/// </summary>
public static class FirstBlock
{
    public static int Run(string[] args)
    {
        string name = args.Length > 0 ? args[0] : throw new ArgumentException("first-block needs a scenario name, e.g. A-model-h40-block.");
        Scenario s = Scenario.All.SingleOrDefault(x => x.Name == name && x.Workload is Workload.Block or Workload.ModelBlock)
            ?? throw new ArgumentException($"'{name}' is not a block scenario (one of: {string.Join(", ", Scenario.All.Where(x => x.Workload is Workload.Block or Workload.ModelBlock).Select(x => x.Name))}).");
        bool generic = args.Contains("--generic"), prepare = args.Contains("--prepare");
        var clock = Stopwatch.StartNew();
        IRecurrentNetwork<float> net = Implementations.Create(generic ? Implementations.Generic : Implementations.Generated, s.Config);
        bool model = s.Workload == Workload.ModelBlock;
        var stream = new RecurrentStream<float>(net, model ? new Training.Linear<float>(s.Config.OutputHidden, 1, seed: 3) : null, residual: model);
        float[] input = new float[s.SeqLen * s.Config.InputSize], output = new float[s.SeqLen * stream.OutputSize];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = MathF.Sin(i * 0.05f);
        }

        double loadMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        if (prepare)
        {
            stream.Prepare(s.SeqLen);
        }

        double prepareMs = clock.Elapsed.TotalMilliseconds;
        long start = Stopwatch.GetTimestamp();
        stream.Process(input, output);
        double first = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        double[] steady = new double[500];
        for (int i = 0; i < steady.Length; i++)
        {
            start = Stopwatch.GetTimestamp();
            stream.Process(input, output);
            steady[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(steady);
        double median = steady[steady.Length / 2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{s.Name} {(generic ? "generic" : "generated")}{(prepare ? " after Prepare" : "")}: first block {first:0.0} µs, steady median {median:0.0} µs ({first / median:0.0}x); construction {loadMs:0.0} ms, Prepare {prepareMs:0.0} ms"));
        return 0;
    }
}
