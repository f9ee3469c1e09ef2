using System.Reflection;
using LstmGen.Testing;

namespace LstmGen.Generators.Tests;

/// <summary>
/// Every PyTorch fixture (bundled, and those in LSTMGEN_FIXTURES_DIR) through generated code: one compilation holds a
/// class for each distinct configuration, whatever shapes the fixtures bring.
/// </summary>
public class FixtureTests
{
    private static readonly Lazy<(List<RecurrentConfig> Configs, Assembly Assembly)> s_generated = new(() =>
    {
        List<RecurrentConfig> configs = PyTorchFixture.CaseIds().Select(id => PyTorchFixture.Load(id).Config).Distinct().ToList();
        // Kept loaded for the whole run (all fixture cases share it), so not unloaded.
        return (configs, GeneratorHarness.Build(GeneratorHarness.CellsSource(configs)).Assembly);
    });

    public static TheoryData<string> Cases() => new(PyTorchFixture.CaseIds());

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generated_code_matches_PyTorch(string fixture)
    {
        PyTorchFixture f = PyTorchFixture.Load(fixture);
        (List<RecurrentConfig> configs, Assembly assembly) = s_generated.Value;
        Type type = assembly.GetType($"Drawn.Cell{configs.IndexOf(f.Config)}")!;
        FixtureRunner.Run(f, (IRecurrentNetwork<float>)Activator.CreateInstance(type, 0UL)!, FixtureRunner.FloatRelative);
    }
}
