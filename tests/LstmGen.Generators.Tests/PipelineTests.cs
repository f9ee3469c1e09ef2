extern alias gen;

using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Steps = gen::LstmGen.Generators.LstmGenerator.Steps;

namespace LstmGen.Generators.Tests;

/// <summary>Incremental caching, model hygiene, golden output and culture independence.</summary>
public class PipelineTests
{
    private const string Cells = """
        using LstmGen;

        namespace App;

        /// <summary>A tagger.</summary>
        [LstmCell(Input = 5, Hidden = 6, Layers = 2, Bidirectional = true)]
        public partial class Tagger { }

        /// <summary>A GRU.</summary>
        [GruCell(Input = 3, Hidden = 4)]
        public partial class Small { }

        /// <summary>Not a cell.</summary>
        public class Other { }
        """;

    private static readonly string[] TrackedSteps = [Steps.Parse, Steps.Model, Steps.Plan];

    private static GeneratorDriver FirstRun(CSharpCompilation compilation) => GeneratorHarness.Driver().RunGenerators(compilation);

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorDriver driver, string step) =>
        driver.GetRunResult().Results[0].TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    [Fact]
    public void Rerun_is_cached_or_unchanged_on_every_tracked_step()
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(Cells);
        GeneratorDriver driver = FirstRun(compilation).RunGenerators(compilation.Clone());
        foreach (string step in TrackedSteps)
        {
            Assert.NotEmpty(Reasons(driver, step));
            Assert.All(Reasons(driver, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }
    }

    [Fact]
    public void Unrelated_edits_leave_models_unchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(Cells, "namespace App; internal static class Helper { }");
        GeneratorDriver driver = FirstRun(compilation);

        // An edit in another file, and an edit in the same file that does not touch the attributes.
        SyntaxTree helper = compilation.SyntaxTrees[1];
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(helper,
            helper.WithChangedText(helper.GetText().Replace(0, 0, "// edited\n")));
        SyntaxTree cells = edited.SyntaxTrees[0];
        edited = edited.ReplaceSyntaxTree(cells, CSharpSyntaxTree.ParseText(
            Cells.Replace("public class Other { }", "public class Other { public int X => 1; }", StringComparison.Ordinal),
            GeneratorHarness.ParseOptions, cells.FilePath));
        driver = driver.RunGenerators(edited);
        foreach (string step in TrackedSteps)
        {
            Assert.NotEmpty(Reasons(driver, step));
            Assert.All(Reasons(driver, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }
    }

    [Fact]
    public void A_dimension_change_modifies_the_model_and_plan()
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(Cells);
        GeneratorDriver driver = FirstRun(compilation);
        SyntaxTree cells = compilation.SyntaxTrees[0];
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(cells, CSharpSyntaxTree.ParseText(
            Cells.Replace("Input = 3, Hidden = 4", "Input = 3, Hidden = 5", StringComparison.Ordinal), GeneratorHarness.ParseOptions, cells.FilePath));
        driver = driver.RunGenerators(edited);
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(driver, Steps.Model));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(driver, Steps.Plan));
        // The other cell's model is untouched.
        Assert.Contains(Reasons(driver, Steps.Model), r => r is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached);
    }

    [Fact]
    public void No_symbol_syntax_or_compilation_is_reachable_from_the_models()
    {
        string source = Cells + "\n[LstmCell(Input = 0, Hidden = 3)]\npublic partial class Bad { }\n";
        GeneratorDriver driver = FirstRun(GeneratorHarness.Compilation(source));
        List<object> roots = TrackedSteps.Append(Steps.Diagnostics)
            .SelectMany(step => driver.GetRunResult().Results[0].TrackedSteps[step])
            .SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
        Assert.True(roots.Count >= 7);
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>(roots);
        while (pending.Count > 0)
        {
            object value = pending.Pop();
            if (!seen.Add(value))
            {
                continue;
            }

            Type type = value.GetType();
            Assert.False(value is ISymbol or SyntaxNode or SyntaxTree or Compilation or Location or SemanticModel or SyntaxReference,
                $"{type} is reachable from a model");
            Assert.False(type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true,
                $"{type} is reachable from a model");
            if (type.IsPrimitive || type.IsEnum || value is string)
            {
                continue;
            }

            if (value is IEnumerable items)
            {
                foreach (object? item in items)
                {
                    if (item is not null) pending.Push(item);
                }
            }

            for (Type? t = type; t is not null; t = t.BaseType)
            {
                foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (field.GetValue(value) is { } child) pending.Push(child);
                }
            }
        }
    }

    /// <summary>
    /// The golden shapes, one line each: the class name and its attribute. Golden/{name}.g.cs holds the exact expected output;
    /// a new shape is a new line here plus one run with LSTMGEN_UPDATE_GOLDEN=1 to write its file (then review it).
    /// </summary>
    public static TheoryData<string, string> GoldenShapes() => new()
    {
        { "TinyLstm", "[LstmCell(Input = 3, Hidden = 2)]" },
        { "SmallGru", "[GruCell(Input = 2, Hidden = 5, Bias = false)]" },
        { "Tagger", "[LstmCell(Input = 5, Hidden = 6, Layers = 2, Bidirectional = true)]" },
        { "LoopedLstm", "[LstmCell(Input = 1, Hidden = 64)]" },
        { "ProjectedBiLstm", "[LstmCell(Input = 4, Hidden = 8, Bidirectional = true, ProjSize = 3)]" },
        { "ReluRnn", "[RnnCell(Input = 3, Hidden = 4, Nonlinearity = Nonlinearity.Relu)]" },
        { "BatchFirstGru", "[GruCell(Input = 3, Hidden = 10, Layers = 2, BatchFirst = true)]" },
        // The amp-capture size: five blocks, so tiles of two and a partial one, and Cell512's whole step in one tile.
        { "AmpLstm", "[LstmCell(Input = 1, Hidden = 40)]" },
    };

    private const string UpdateGoldenVariable = "LSTMGEN_UPDATE_GOLDEN";

    /// <summary>
    /// Compares the output with its golden file. With LSTMGEN_UPDATE_GOLDEN=1 a differing (or missing) file is rewritten and
    /// the test still fails, saying so: updating is a separate action, and a run that changed a golden never passes.
    /// </summary>
    [Theory]
    [MemberData(nameof(GoldenShapes))]
    public void Output_matches_the_golden_file(string name, string attribute) => AssertGolden(name, GenerateSingle(name, attribute));

    /// <summary>Compares generated text with Golden/{name}.g.cs, or rewrites it under LSTMGEN_UPDATE_GOLDEN=1 (and fails).</summary>
    internal static void AssertGolden(string name, string generated)
    {
        string path = GoldenPath(name);
        string? golden = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : null;
        if (golden == generated)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable(UpdateGoldenVariable) == "1")
        {
            File.WriteAllText(path, generated);
            Assert.Fail($"{path} was {(golden is null ? "created" : "updated")} because {UpdateGoldenVariable}=1: review the diff, then run again without it.");
        }

        Assert.True(golden is not null, $"{path} is missing; run with {UpdateGoldenVariable}=1 to create it, then review it.");
        Assert.Equal(golden, generated);
    }

    [Theory]
    [InlineData("TinyLstm")]
    [InlineData("SmallGru")]
    [InlineData("Tagger")]
    [InlineData("LoopedLstm")]
    public void Small_golden_shapes_are_unrolled_FMA_code_and_large_ones_loops(string name)
    {
        string generated = GenerateSingle(name, (string)GoldenShapes().Single(row => (string)row[0] == name)[1]);
        string cells = generated[generated.IndexOf("public static void Cell(", StringComparison.Ordinal)..generated.IndexOf("public static void CellBackward(", StringComparison.Ordinal)];
        Assert.Contains("Vector256.FusedMultiplyAdd(hk", cells, StringComparison.Ordinal);
        if (name == "LoopedLstm")
        {
            // Hidden 64 is over the unroll budget: constant-bound loops.
            Assert.Contains("looped (over the unroll budget)", generated, StringComparison.Ordinal);
            Assert.Contains("for (int k = 0; k < 64; k += 2)", cells, StringComparison.Ordinal);
        }
        else
        {
            // Small shapes are unrolled straight-line Vector256 code with FMA.
            Assert.Contains("fully unrolled", generated, StringComparison.Ordinal);
            Assert.Contains("Vector256.LoadUnsafe(ref wh, 8), a", cells, StringComparison.Ordinal);
            Assert.DoesNotContain("for (int k = 0; k < ", cells, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_golden_file_has_a_row_in_the_table()
    {
        // A file without a row would never be compared again. The one golden weights file has its own test (BakedWeightsTests).
        string[] files = Directory.EnumerateFiles(Path.Combine(SourceDirectory(), "Golden"), "*.g.cs")
            .Select(f => Path.GetFileName(f)[..^".g.cs".Length]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(files, GoldenShapes().Select(row => (string)row[0]).Append(BakedWeightsTests.GoldenName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Output_is_identical_under_a_culture_with_a_unicode_minus_sign()
    {
        // No bias: the offset tables hold -1, which a culture-sensitive formatter would print as U+2212.
        const string attribute = "[LstmCell(Input = 3, Hidden = 2, Bias = false)]";
        string invariant = GenerateSingle("Minus", attribute);
        Assert.Contains("-1", invariant, StringComparison.Ordinal);

        CultureInfo previous = CultureInfo.CurrentCulture;
        CultureInfo previousUi = CultureInfo.CurrentUICulture;
        var minus = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        minus.NumberFormat.NegativeSign = "\u2212";
        minus.NumberFormat.NumberDecimalSeparator = ",";
        try
        {
            CultureInfo.CurrentCulture = minus;
            CultureInfo.CurrentUICulture = minus;
            Assert.Equal("\u22121", (-1).ToString(CultureInfo.CurrentCulture));
            string underMinus = GenerateSingle("Minus", attribute);
            Assert.Equal(invariant, underMinus);
            Assert.DoesNotContain("\u2212", underMinus, StringComparison.Ordinal);

            // Diagnostics format their numbers invariantly too.
            (Compilation _, GeneratorDriverRunResult bad) = GeneratorHarness.Run(GeneratorHarness.Compilation(
                "using LstmGen;\n[LstmCell(Input = 2, Hidden = -3)]\npublic partial class Bad { }"));
            Assert.Contains("but was -3", Assert.Single(bad.Diagnostics).GetMessage(CultureInfo.CurrentCulture), StringComparison.Ordinal);

            // And the output compiles.
            GeneratorHarness.Build($"using LstmGen;\n/// <summary>x</summary>\n{attribute}\npublic partial class Minus {{ }}").Context.Unload();
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
            CultureInfo.CurrentUICulture = previousUi;
        }
    }

    [Fact]
    public void The_reserved_member_list_is_exactly_what_the_emitter_adds()
    {
        // Shapes that between them use every helper (projection, GRU, RNN, bias, no bias, a small shape with the two-row cell,
        // a looped step).
        (Assembly assembly, System.Runtime.Loader.AssemblyLoadContext context) = GeneratorHarness.Build(GeneratorHarness.CellsSource(
        [
            new RecurrentConfig(CellKind.Lstm, 3, 5, projSize: 2), new RecurrentConfig(CellKind.Gru, 2, 3, bias: false),
            new RecurrentConfig(CellKind.RnnRelu, 2, 3, 2, bidirectional: true), new RecurrentConfig(CellKind.Lstm, 1, 64),
        ]));
        try
        {
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
            HashSet<string> emitted = assembly.GetTypes().Where(t => t.Namespace == "Drawn" && !t.IsNested)
                .SelectMany(t => t.GetMembers(all))
                .Where(m => m is not ConstructorInfo && !(m is MethodBase { IsSpecialName: true }) && !m.Name.Contains('<', StringComparison.Ordinal))
                .Select(m => m.Name).ToHashSet();
            string[] reserved = [.. gen::LstmGen.Generators.GeneratedMembers.Methods, .. gen::LstmGen.Generators.GeneratedMembers.Others];
            Assert.Equal(reserved.Order(StringComparer.Ordinal), emitted.Order(StringComparer.Ordinal));
        }
        finally
        {
            context.Unload();
        }
    }

    private static string GenerateSingle(string name, string attribute)
    {
        (Compilation _, GeneratorDriverRunResult result) = GeneratorHarness.Run(GeneratorHarness.Compilation(
            $"using LstmGen;\n\nnamespace Golden;\n\n/// <summary>{name}.</summary>\n{attribute}\npublic partial class {name} {{ }}\n"));
        // Only the Info that a shape is looped may accompany the output.
        Assert.All(result.Diagnostics, d => Assert.Equal("LSTMGEN008", d.Id));
        return Assert.Single(result.GeneratedTrees).GetText().ToString();
    }

    private static string GoldenPath(string name) => Path.Combine(SourceDirectory(), "Golden", name + ".g.cs");

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
