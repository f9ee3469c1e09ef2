using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;

namespace LstmGen.Benchmarks;

/// <summary>
/// `ab OTHER_BUILD_DIR`: this build's generated kernels against another build's, in one process. The other build's
/// benchmark assembly (and its own LstmGen) is loaded into a separate AssemblyLoadContext, and the same scenario from
/// each build is timed in alternating rounds, as the quick mode alternates generic and generated. Separate processes
/// cannot settle a few per cent on a shared machine: a process's speed drifts by more than that (both builds' generic
/// paths move together between processes), while rounds alternated 20 ms apart see the same machine.
/// </summary>
public static class BuildComparison
{
    public static int Run(string[] args)
    {
        if (args.Length == 0 || !Directory.Exists(args[0]))
        {
            throw new ArgumentException("usage: ab OTHER_BUILD_DIR [--filter TEXT] [--rounds N] [--json FILE]: OTHER_BUILD_DIR is another build's benchmarks output folder (with LstmGen.Benchmarks.dll).");
        }

        string otherDir = Path.GetFullPath(args[0]);
        string filter = "";
        string? jsonPath = null;
        int rounds = 21;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--filter": filter = args[++i]; break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--json": jsonPath = args[++i]; break;
                default: throw new ArgumentException($"Unknown ab option '{args[i]}' (options: --filter TEXT, --rounds N, --json FILE).");
            }
        }

        var other = new OtherBuild(otherDir);
        _ = other.Runner(Scenario.All[0].Name); // loads the other build's LstmGen, to say where from
        foreach (Assembly a in other.Assemblies.Where(a => a.GetName().Name!.StartsWith("LstmGen", StringComparison.Ordinal)))
        {
            Console.WriteLine($"other build: {a.GetName().Name} from {a.Location}");
        }

        var results = new List<object>();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"scenario",-18} {"unit",-8} {"other",10} {"this",10} {"this/other",11} {"paired",8}"));
        foreach (Scenario s in Scenario.All.Where(s => s.Name.Contains(filter, StringComparison.Ordinal)))
        {
            IRecurrentNetwork<float>? mine = GeneratedCells.Create(s.Config, 7);
            Action? theirs = other.Runner(s.Name);
            if (mine is null || theirs is null)
            {
                Console.WriteLine($"{s.Name,-18} (not generated in both builds)");
                continue;
            }

            double[][] samples = QuickMode.Measure([theirs, new ScenarioRunner(s, mine).Run], rounds);
            double scale = s.Unit == "us" ? 1e-3 : 1.0 / s.StepsPerCall;
            double otherMedian = QuickMode.Median(samples[0]) * scale, thisMedian = QuickMode.Median(samples[1]) * scale;
            // The ratio of each round's pair: the two runs of a round are 20 ms apart, so drift between rounds cancels.
            double paired = QuickMode.Median(samples[1].Zip(samples[0], (a, b) => a / b).ToArray());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Name,-18} {s.Unit,-8} {otherMedian,10:0.0} {thisMedian,10:0.0} {thisMedian / otherMedian,11:0.000} {paired,8:0.000}"));
            results.Add(new { scenario = s.Name, unit = s.Unit, other = Math.Round(otherMedian, 3), @this = Math.Round(thisMedian, 3), paired = Math.Round(paired, 4) });
        }

        Console.WriteLine($"ab: {rounds} alternated rounds per scenario, medians; other build: {otherDir}");
        if (jsonPath is not null)
        {
            var doc = new { other = otherDir, date = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture), rounds, results };
            File.WriteAllText(jsonPath, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    /// <summary>The other build's benchmark assembly and its dependencies, in a load context of their own.</summary>
    private sealed class OtherBuild : AssemblyLoadContext
    {
        private readonly AssemblyDependencyResolver _resolver;
        private readonly Assembly _benchmarks;

        public OtherBuild(string dir)
            : base("other-build")
        {
            string path = Path.Combine(dir, "LstmGen.Benchmarks.dll");
            _resolver = new AssemblyDependencyResolver(path);
            _benchmarks = LoadFromAssemblyPath(path);
        }

        /// <summary>The other build's generated network for the scenario named, as a timed call; null when it has none.</summary>
        public Action? Runner(string scenarioName)
        {
            Type scenarioType = Type("Scenario");
            object? scenario = ((System.Collections.IEnumerable)scenarioType.GetProperty("All")!.GetValue(null)!).Cast<object>()
                .FirstOrDefault(o => (string)scenarioType.GetProperty("Name")!.GetValue(o)! == scenarioName);
            if (scenario is null)
            {
                return null;
            }

            object config = scenarioType.GetProperty("Config")!.GetValue(scenario)!;
            object? network = Type("GeneratedCells").GetMethod("Create")!.Invoke(null, [config, 7UL]);
            if (network is null)
            {
                return null;
            }

            Type runnerType = Type("ScenarioRunner");
            object runner = Activator.CreateInstance(runnerType, scenario, network)!;
            return runnerType.GetMethod("Run")!.CreateDelegate<Action>(runner);
        }

        protected override Assembly? Load(AssemblyName name) =>
            _resolver.ResolveAssemblyToPath(name) is string path ? LoadFromAssemblyPath(path) : null;

        private Type Type(string name) => _benchmarks.GetType("LstmGen.Benchmarks." + name, throwOnError: true)!;
    }
}
