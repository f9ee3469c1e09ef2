extern alias gen;

using System.Reflection;
using System.Runtime.Loader;
using gen::LstmGen.Generators;
using gen::LstmGen.Generators.Model;
using LstmGen.Testing;
using Xunit.Abstractions;

namespace LstmGen.Generators.Tests;

/// <summary>
/// Generated equals generic for shapes nobody wrote down: configurations drawn from a fixed seed are generated, compiled
/// (many classes per compilation), loaded into a collectible context and compared with the generic float path.
/// </summary>
public class RandomShapeTests(ITestOutputHelper log)
{
    private const int Seed = 20261123;
    private const int Count = 210;
    private const int PerCompilation = 35;

    /// <summary>The drawn configurations: every kind, sizes 1..70 (every remainder mod 8), 1-4 layers, all flags.</summary>
    public static List<RecurrentConfig> Draw()
    {
        var rng = new Random(Seed);
        var configs = new List<RecurrentConfig>();
        for (int i = 0; i < Count; i++)
        {
            var kind = (CellKind)(i % 4);
            // The j-th config of a kind gets Input remainder j mod 8 and Hidden remainder (j + j/8) mod 8, so every
            // remainder appears for both sizes in every kind, in varying pairs.
            int j = i / 4;
            int input = Size(rng, j % 8);
            int hidden = Size(rng, (j + (j / 8)) % 8);
            int layers = rng.Next(10) switch { < 5 => 1, < 8 => 2, 8 => 3, _ => 4 };
            bool bidirectional = rng.Next(2) == 0;
            bool bias = rng.Next(5) != 0;
            bool batchFirst = rng.Next(3) == 0;
            int proj = kind == CellKind.Lstm && hidden > 1 && rng.Next(3) == 0 ? rng.Next(1, hidden) : 0;
            configs.Add(new RecurrentConfig(kind, input, hidden, layers, bidirectional, bias, batchFirst, proj));
        }

        return configs;
    }

    // A size in 1..70 with the given remainder mod 8 (0 means a multiple of 8).
    private static int Size(Random rng, int remainder)
    {
        int size = (8 * rng.Next(0, 9)) + remainder;
        return size == 0 ? 8 : size > 70 ? size - 8 : size;
    }

    public static TheoryData<int> Batches() => new(Enumerable.Range(0, (Count + PerCompilation - 1) / PerCompilation));

    [Fact]
    public void Draw_covers_every_kind_remainder_and_flag()
    {
        List<RecurrentConfig> configs = Draw();
        Assert.True(configs.Count >= 200);
        foreach (CellKind kind in Enum.GetValues<CellKind>())
        {
            Assert.Equal(8, configs.Where(c => c.Kind == kind).Select(c => c.InputSize % 8).Distinct().Count());
            Assert.Equal(8, configs.Where(c => c.Kind == kind).Select(c => c.HiddenSize % 8).Distinct().Count());
        }

        Assert.All(configs, c => Assert.InRange(c.InputSize, 1, 70));
        Assert.All(configs, c => Assert.InRange(c.HiddenSize, 1, 70));
        Assert.Equal([1, 2, 3, 4], configs.Select(c => c.NumLayers).Distinct().Order());
        Assert.Contains(configs, c => c.Bidirectional);
        Assert.Contains(configs, c => c.ProjSize > 0);
        Assert.Contains(configs, c => c.BatchFirst);
        Assert.Contains(configs, c => !c.Bias);
        Assert.Contains(configs, c => !Planner.Plan(Model(c)).UnrollStep);
        Assert.Contains(configs, c => Planner.Plan(Model(c)).UnrollStep);
    }

    [Theory]
    [MemberData(nameof(Batches))]
    public void Generated_equals_generic(int batchIndex)
    {
        List<RecurrentConfig> configs = Draw().Skip(batchIndex * PerCompilation).Take(PerCompilation).ToList();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        (Assembly assembly, AssemblyLoadContext context) = GeneratorHarness.Build(GeneratorHarness.CellsSource(configs));
        log.WriteLine($"generate + compile {configs.Count} classes: {clock.ElapsedMilliseconds} ms");
        clock.Restart();
        try
        {
            var rng = new Random(Seed + batchIndex);
            double worst = 0;
            for (int i = 0; i < configs.Count; i++)
            {
                Type type = assembly.GetType($"Drawn.Cell{i}")!;
                var net = (IRecurrentNetwork<float>)Activator.CreateInstance(type, 0UL)!;
                Assert.Equal(configs[i], net.Config);
                CheckMethodSizes(type, configs[i]);
                worst = Math.Max(worst, GeneratedVsGeneric.Check(net, seqLen: rng.Next(1, 7), batch: rng.Next(1, 10), seed: (ulong)(i + 1),
                    withStates: rng.Next(2) == 0, $"Cell{(batchIndex * PerCompilation) + i}"));
                if (!configs[i].Bidirectional)
                {
                    // Streaming too, for the unidirectional ones.
                    worst = Math.Max(worst, GeneratedVsGeneric.CheckStep(net, steps: 3, batch: rng.Next(1, 4), seed: (ulong)(i + 100),
                        $"Cell{(batchIndex * PerCompilation) + i}"));

                    // The stream object: blocks equal Forward bit for bit, and the head and residual the generic composition.
                    int streams = configs[i].BatchFirst ? 1 : rng.Next(1, 4);
                    StreamChecks.BlocksEqualForward(net, frames: rng.Next(1, 40), streams, seed: (ulong)(i + 200), $"Cell{(batchIndex * PerCompilation) + i}");
                    worst = Math.Max(worst, StreamChecks.HeadEqualsComposition(net, frames: rng.Next(1, 40), streams, outputs: rng.Next(1, configs[i].InputSize + 1),
                        residual: true, seed: (ulong)(i + 300), $"Cell{(batchIndex * PerCompilation) + i}"));
                }
            }

            log.WriteLine($"largest error: {worst:P1} of the tolerance");

            // Wiring, not math: the scalar path (taken without AVX) delegates to the oracle, so it must agree exactly; this checks
            // that a drawn class's switch routes Forward there over its own parameters.
            Type first = assembly.GetType("Drawn.Cell0")!;
            PropertyInfo force = first.GetProperty("ForceScalarPath", BindingFlags.NonPublic | BindingFlags.Static)!;
            force.SetValue(null, true);
            var scalar = (IRecurrentNetwork<float>)Activator.CreateInstance(first, 7UL)!;
            var oracle = new RecurrentNetwork<float>(scalar.Parameters);
            float[] input = GeneratedVsGeneric.Random(rng, 3 * scalar.Config.InputSize);
            float[] expected = new float[3 * scalar.Config.OutputSize];
            float[] actual = new float[expected.Length];
            oracle.Forward(input, expected, 1);
            scalar.Forward(input, actual, 1);
            Assert.Equal(expected, actual);
            log.WriteLine($"run and compare: {clock.ElapsedMilliseconds} ms");
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>
    /// Every emitted method stays well under the JIT's limits (it stops optimising past about 60 KB of IL), and the
    /// planner's IL estimate of the step method, which decides unrolling, is within 15% of the real size (512 bytes when small).
    /// </summary>
    private static void CheckMethodSizes(Type type, RecurrentConfig config)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        Type kernel = type.GetNestedType("Kernel", BindingFlags.NonPublic)!;
        foreach (MethodInfo method in type.GetMethods(all).Concat(kernel.GetMethods(all)))
        {
            int il = method.GetMethodBody()!.GetILAsByteArray()!.Length;
            Assert.True(il < 40_000, $"{config}: {method.Name} has {il} bytes of IL.");
        }

        KernelPlan plan = Planner.Plan(Model(config));
        int cell = kernel.GetMethod("Cell", all)!.GetMethodBody()!.GetILAsByteArray()!.Length;
        if (plan.UnrollStep)
        {
            // Within 15%, or 512 bytes for small steps where the fixed prologue dominates.
            double slack = Math.Max(0.15 * cell, 512);
            Assert.InRange(plan.EstimatedStepIl, cell - slack, cell + slack);
        }
        else
        {
            Assert.True(cell < 4_000, $"{config}: the looped step has {cell} bytes of IL.");
        }
    }

    internal static CellModel Model(RecurrentConfig c) => new("", EquatableArray<ContainingType>.Empty,
        "X", "LstmCell", (gen::LstmGen.CellKind)(int)c.Kind, c.InputSize, c.HiddenSize, c.NumLayers, c.Bidirectional, c.Bias, c.BatchFirst, c.ProjSize);
}
