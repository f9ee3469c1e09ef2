using BenchmarkDotNet.Attributes;

namespace LstmGen.Benchmarks;

/// <summary>
/// BenchmarkDotNet over every scenario: the generic network is the baseline, the generated kernel is compared to it.
/// [MemoryDiagnoser] shows the inference and streaming paths allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class ScenarioBenchmarks
{
    private ScenarioRunner _generic = null!;
    private ScenarioRunner? _generated;

    /// <summary>Every scenario, or those whose name contains LSTMGEN_BENCH_SCENARIOS (BenchmarkDotNet filters methods, not parameters).</summary>
    public static IEnumerable<string> Names => LstmGen.Benchmarks.Scenario.All.Select(s => s.Name)
        .Where(n => n.Contains(Environment.GetEnvironmentVariable("LSTMGEN_BENCH_SCENARIOS") ?? "", StringComparison.Ordinal));

    [ParamsSource(nameof(Names))]
    public string Scenario { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        Scenario s = LstmGen.Benchmarks.Scenario.All.Single(x => x.Name == Scenario);
        _generic = new ScenarioRunner(s, Implementations.Create(Implementations.Generic, s.Config));
        IRecurrentNetwork<float>? generated = GeneratedCells.Create(s.Config, 7);
        _generated = generated is null ? null : new ScenarioRunner(s, generated);
    }

    [Benchmark(Baseline = true)]
    public void Generic() => _generic.Run();

    [Benchmark]
    public void Generated() => (_generated ?? throw new InvalidOperationException($"no generated cell for {Scenario}")).Run();
}
