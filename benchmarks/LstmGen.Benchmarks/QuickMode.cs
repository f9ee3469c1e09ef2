using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace LstmGen.Benchmarks;

/// <summary>
/// The quick ratio mode: for each scenario, warm both implementations up, then time them in alternating rounds
/// (generic, generated, generated, generic, ...) so machine noise hits both alike, and report medians.
/// </summary>
public static class QuickMode
{
    public static int Run(string[] args)
    {
        string? jsonPath = null;
        string? torchPath = null;
        string filter = "";
        int rounds = 11;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json": jsonPath = args[++i]; break;
                case "--filter": filter = args[++i]; break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--torch": torchPath = args[++i]; break;
                default: throw new ArgumentException($"Unknown quick-mode option '{args[i]}' (options: --json FILE, --filter TEXT, --rounds N, --torch TORCH_BENCH_JSON).");
            }
        }

        var results = new List<Result>();
        var clock = Stopwatch.StartNew();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"scenario",-18} {"unit",-8} {"generic",12} {"generated",12} {"ratio",8}  agreement"));
        foreach (Scenario s in Scenario.All.Where(s => s.Name.Contains(filter, StringComparison.Ordinal)))
        {
            var runners = new List<(string Impl, ScenarioRunner Runner)> { (Implementations.Generic, new ScenarioRunner(s, Implementations.Create(Implementations.Generic, s.Config))) };
            IRecurrentNetwork<float>? generated = GeneratedCells.Create(s.Config, 7);
            if (generated is not null)
            {
                runners.Add((Implementations.Generated, new ScenarioRunner(s, generated)));
            }

            double[][] samples = Measure(runners.Select(r => (Action)r.Runner.Run).ToArray(), rounds);
            double scale = s.Unit == "us" ? 1e-3 : 1.0 / s.StepsPerCall;
            double[] medians = samples.Select(x => Median(x) * scale).ToArray();
            for (int i = 0; i < runners.Count; i++)
            {
                results.Add(new Result(s.Name, runners[i].Impl, s.Unit, Math.Round(medians[i], 3)));
            }

            string agreement = runners.Count > 1 ? MaxDifference(runners[0].Runner, runners[1].Runner) : "";
            string gen = runners.Count > 1 ? medians[1].ToString("0.0", CultureInfo.InvariantCulture) : "-";
            string ratio = runners.Count > 1 ? (medians[0] / medians[1]).ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.Name,-18} {s.Unit,-8} {medians[0],12:0.0} {gen,12} {ratio,8}  {agreement}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"quick mode: {rounds} interleaved rounds per scenario, medians; {clock.Elapsed.TotalSeconds:0} s in all"));
        if (torchPath is not null)
        {
            results.AddRange(TorchResults(torchPath).Where(t => results.Any(r => r.Scenario == t.Scenario)));
            Console.WriteLine();
            Console.WriteLine(MarkdownTable(results));
        }

        if (jsonPath is not null)
        {
            var doc = new
            {
                machine = $"{RuntimeInformation.OSArchitecture}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}",
                date = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
                pytorch = torchPath is null ? null : "medians from " + Path.GetFileName(torchPath) + " (torch_bench.py, one thread), impl \"pytorch\"",
                results,
            };
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            Console.WriteLine($"wrote {jsonPath}");
        }

        return 0;
    }

    /// <summary>Per-call nanoseconds of each runner in each round.</summary>
    internal static double[][] Measure(Action[] runners, int rounds)
    {
        // Warm-up long enough for tiered compilation to reach optimised code, and calibrate calls per round (~20 ms).
        int[] calls = new int[runners.Length];
        for (int i = 0; i < runners.Length; i++)
        {
            var warm = Stopwatch.StartNew();
            int n = 0;
            while (warm.ElapsedMilliseconds < 250 || n < 50)
            {
                runners[i]();
                n++;
                if (n >= 50 && warm.ElapsedMilliseconds > 2000)
                {
                    break;
                }
            }

            double perCall = warm.Elapsed.TotalMilliseconds / n;
            calls[i] = Math.Max(1, (int)(20 / perCall));
        }

        var samples = new double[runners.Length][];
        for (int i = 0; i < runners.Length; i++)
        {
            samples[i] = new double[rounds];
        }

        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < runners.Length; k++)
            {
                // Alternate the order each round.
                int i = (r & 1) == 0 ? k : runners.Length - 1 - k;
                long start = Stopwatch.GetTimestamp();
                for (int c = 0; c < calls[i]; c++)
                {
                    runners[i]();
                }

                samples[i][r] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls[i];
            }
        }

        return samples;
    }

    internal static double Median(double[] values)
    {
        double[] sorted = values.Order().ToArray();
        int n = sorted.Length;
        return (n & 1) == 1 ? sorted[n / 2] : 0.5 * (sorted[(n / 2) - 1] + sorted[n / 2]);
    }

    /// <summary>Runs both once more from identical parameters and reports how far their outputs differ.</summary>
    private static string MaxDifference(ScenarioRunner a, ScenarioRunner b)
    {
        b.Network.Parameters.Set(a.Network.Parameters.Values);
        a.Reset();
        b.Reset();
        a.Run();
        b.Run();
        ReadOnlySpan<float> x = a.LastOutput, y = b.LastOutput;
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(x[i] - y[i]));
        }

        return string.Create(CultureInfo.InvariantCulture, $"max |diff| {worst:0.0e0}");
    }

    /// <summary>
    /// PyTorch's medians for the same scenarios from a torch_bench.py JSON file (one thread; the OpenBLAS run when there
    /// is one), as results with impl "pytorch".
    /// </summary>
    private static List<Result> TorchResults(string path)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement[] runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToArray();
        JsonElement run = runs.FirstOrDefault(r => r.GetProperty("meta").GetProperty("blas_variant").GetString() == "openblas");
        run = run.ValueKind == JsonValueKind.Undefined ? runs[0] : run;
        var list = new List<Result>();
        foreach (JsonElement r in run.GetProperty("results").EnumerateArray().Where(r => r.GetProperty("threads").GetInt32() == 1))
        {
            var key = (r.GetProperty("scenario").GetString(), r.GetProperty("variant").GetString());
            if (Scenario.All.FirstOrDefault(s => s.TorchKey == key) is { } s)
            {
                list.Add(new Result(s.Name, "pytorch", s.Unit, Math.Round(r.GetProperty("median").GetDouble(), 3)));
            }
        }

        return list;
    }

    /// <summary>The README's results table: generic, generated and PyTorch medians side by side, with the targets.</summary>
    private static string MarkdownTable(List<Result> results)
    {
        string Cell(string scenario, string impl) =>
            results.FirstOrDefault(r => r.Scenario == scenario && r.Impl == impl) is { } r ? r.Median.ToString("0.0", CultureInfo.InvariantCulture) : "-";
        string Ratio(string scenario, string over, string under) =>
            results.FirstOrDefault(r => r.Scenario == scenario && r.Impl == over) is { } a && results.FirstOrDefault(r => r.Scenario == scenario && r.Impl == under) is { } b
                ? (a.Median / b.Median).ToString("0.0", CultureInfo.InvariantCulture) + "×" : "-";
        var text = new System.Text.StringBuilder();
        text.AppendLine("| scenario | unit | generic | generated | PyTorch | generic ÷ generated | PyTorch ÷ generated | target (generated) |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (Scenario s in Scenario.All.Where(s => results.Any(r => r.Scenario == s.Name)))
        {
            string unit = s.Unit == "us" ? "µs" : s.Unit;
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Name} | {unit} | {Cell(s.Name, "generic")} | {Cell(s.Name, "generated")} | {Cell(s.Name, "pytorch")} | {Ratio(s.Name, "generic", "generated")} | {Ratio(s.Name, "pytorch", "generated")} | {s.Target} |"));
        }

        return text.ToString();
    }

    private sealed record Result(string Scenario, string Impl, string Unit, double Median);
}
