extern alias gen;

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Generators.Tests;

/// <summary>One test per diagnostic: id, severity, and the location of the cell attribute.</summary>
public class DiagnosticTests
{
    private static Diagnostic Single(string source, string id, DiagnosticSeverity severity, bool generatesCode = false,
        IEnumerable<MetadataReference>? references = null)
    {
        CSharpCompilation compilation = references is null
            ? GeneratorHarness.Compilation(source)
            : GeneratorHarness.Compilation(references, source);
        (Compilation _, GeneratorDriverRunResult result) = GeneratorHarness.Run(compilation);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);

        // It points at the (first) cell attribute: same file, same span.
        AttributeSyntax attribute = compilation.SyntaxTrees[0].GetRoot().DescendantNodes().OfType<AttributeSyntax>()
            .First(a => a.Name.ToString().Replace("LstmGen.", "", StringComparison.Ordinal) is "LstmCell" or "GruCell" or "RnnCell");
        Assert.Equal(compilation.SyntaxTrees[0].FilePath, diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(attribute.Span, diagnostic.Location.SourceSpan);
        Assert.Equal(attribute.GetLocation().GetLineSpan().Span, diagnostic.Location.GetLineSpan().Span);
        Assert.Equal(generatesCode, result.GeneratedTrees.Length > 0);
        return diagnostic;
    }

    [Fact]
    public void LSTMGEN014_Step_on_a_bidirectional_class_is_a_compile_time_error()
    {
        const string source = "#pragma warning disable CS1591\nusing LstmGen;\n[LstmCell(Input = 2, Hidden = 3, Bidirectional = true)]\npublic partial class Bi { }\n"
            + "[LstmCell(Input = 2, Hidden = 3)]\npublic partial class Uni { }\n"
            + "public static class Use\n{\n"
            + "    public static void Bad(float[] x, float[] h, float[] c) => new Bi().Step(x, default, new(h, c));\n"
            + "    public static void Good(float[] x, float[] h, float[] c) => new Uni().Step(x, default, new(h, c));\n"
            + "    public static void Interface(float[] x, float[] h, float[] c) => ((IRecurrentNetwork<float>)new Bi()).Step(x, default, new(h, c));\n}\n";
        (Compilation output, GeneratorDriverRunResult result) = GeneratorHarness.Run(GeneratorHarness.Compilation(source));
        Assert.Empty(result.Diagnostics);
        Diagnostic error = Assert.Single(output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("LSTMGEN014", error.Id);
        Assert.Contains("Bi is bidirectional and needs the whole sequence: use Forward", error.GetMessage(), StringComparison.Ordinal);
        // At the call in Bad, not at Good's or the interface's.
        Assert.Contains("new Bi().Step", error.Location.SourceTree!.GetText().ToString(error.Location.SourceSpan), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Hidden = 3", "Input is required (the features per time step, input_size)")]
    [InlineData("Input = 2", "Hidden is required (the units per gate, hidden_size)")]
    public void LSTMGEN015_required_size_missing(string arguments, string message)
    {
        Diagnostic d = Single($"using LstmGen;\n[LstmCell({arguments})]\npublic partial class A {{ }}", "LSTMGEN015", DiagnosticSeverity.Error, generatesCode: true);
        Assert.Contains(message, d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[LstmCell(Input = 2, Hidden = 0)]", "LSTMGEN004")]
    [InlineData("[LstmCell(Hidden = 3)]", "LSTMGEN015")]
    [InlineData("[LstmCell(Input = 2, Hidden = 3, ProjSize = 3)]", "LSTMGEN005")]
    [InlineData("[RnnCell(Input = 2, Hidden = 3, Nonlinearity = (Nonlinearity)7)]", "LSTMGEN011")]
    [InlineData("[GruCell(Input = 2147483647, Hidden = 2147483647, Layers = 2147483647, Bidirectional = true)]", "LSTMGEN007")]
    public void Invalid_values_give_their_error_alone_with_no_knock_on_errors(string attribute, string id)
    {
        // Code that uses the class: its members exist (declared only), so the attribute's error is the only one.
        string source = "#pragma warning disable CS1591\nusing System;\nusing LstmGen;\n" + attribute + "\npublic partial class A { }\n"
            + "public static class Use\n{\n    public static float[] Run()\n    {\n        var net = new A(seed: 1);\n"
            + "        float[] x = new float[A.InputSize], y = new float[A.OutputSize];\n        net.Forward(x, y, 1);\n"
            + "        IRecurrentNetwork<float> i = net;\n        _ = i.Config.HiddenSize + A.HiddenSize + A.StateRows;\n        return y;\n    }\n}\n";
        (Compilation output, GeneratorDriverRunResult result) = GeneratorHarness.Run(GeneratorHarness.Compilation(source));
        Assert.Equal(id, Assert.Single(result.Diagnostics).Id);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void LSTMGEN001_class_not_partial() =>
        Single("using LstmGen;\n[LstmCell(Input = 2, Hidden = 3)]\npublic class A { }", "LSTMGEN001", DiagnosticSeverity.Error);

    [Fact]
    public void LSTMGEN002_generic_class() =>
        Single("using LstmGen;\n[LstmCell(Input = 2, Hidden = 3)]\npublic partial class A<T> { }", "LSTMGEN002", DiagnosticSeverity.Error);

    [Fact]
    public void LSTMGEN002_nested_in_generic_type() =>
        Single("using LstmGen;\npublic partial class O<T>\n{\n    [GruCell(Input = 2, Hidden = 3)]\n    public partial class A { }\n}",
            "LSTMGEN002", DiagnosticSeverity.Error);

    [Fact]
    public void LSTMGEN003_more_than_one_cell_attribute()
    {
        Diagnostic d = Single("using LstmGen;\n[LstmCell(Input = 2, Hidden = 3)]\n[GruCell(Input = 2, Hidden = 3)]\npublic partial class A { }",
            "LSTMGEN003", DiagnosticSeverity.Error);
        Assert.Contains("GruCellAttribute", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Input = 0, Hidden = 3", "Input", "0")]
    [InlineData("Input = 2, Hidden = -4", "Hidden", "-4")]
    [InlineData("Input = 2, Hidden = 3, Layers = 0", "Layers", "0")]
    public void LSTMGEN004_size_not_positive(string arguments, string property, string value)
    {
        Diagnostic d = Single($"using LstmGen;\n[RnnCell({arguments})]\npublic partial class A {{ }}", "LSTMGEN004", DiagnosticSeverity.Error, generatesCode: true);
        Assert.Contains($"{property} must be at least 1, but was {value}", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(9)]
    [InlineData(-1)]
    public void LSTMGEN005_bad_projection(int proj) =>
        Single($"using LstmGen;\n[LstmCell(Input = 2, Hidden = 6, ProjSize = {proj})]\npublic partial class A {{ }}", "LSTMGEN005", DiagnosticSeverity.Error, generatesCode: true);

    [Fact]
    public void LSTMGEN006_projection_on_a_GRU()
    {
        // The real GruCellAttribute has no ProjSize; a look-alike attribute with one reaches this check.
        string source = """
            namespace LstmGen
            {
                public sealed class GruCellAttribute : System.Attribute
                {
                    public int Input { get; set; }
                    public int Hidden { get; set; }
                    public int ProjSize { get; set; }
                }
            }

            [LstmGen.GruCell(Input = 2, Hidden = 6, ProjSize = 3)]
            public partial class A { }
            """;
        IEnumerable<MetadataReference> withoutRuntime = GeneratorHarness.Compilation().References
            .Where(r => !Path.GetFileName(r.Display ?? "").Equals("LstmGen.dll", StringComparison.Ordinal));
        Single(source, "LSTMGEN006", DiagnosticSeverity.Error, generatesCode: true,
            references: withoutRuntime);
    }

    [Fact]
    public void LSTMGEN007_too_large() =>
        Single("using LstmGen;\n[LstmCell(Input = 100000, Hidden = 100000)]\npublic partial class A { }", "LSTMGEN007", DiagnosticSeverity.Error, generatesCode: true);

    [Fact]
    public void LSTMGEN008_info_over_unroll_budget_still_generates_code()
    {
        Diagnostic d = Single("using LstmGen;\n[LstmCell(Input = 2, Hidden = 70)]\npublic partial class A { }", "LSTMGEN008",
            DiagnosticSeverity.Info, generatesCode: true);
        Assert.Contains("looped", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void LSTMGEN013_info_when_the_packed_copy_is_too_large_delegates_to_generic()
    {
        // Hidden 1 pads 8-fold: 12 million layers are a valid 192M-parameter network but over 2^30 packed floats.
        Diagnostic d = Single("using LstmGen;\n/// <summary>x</summary>\n[LstmCell(Input = 1, Hidden = 1, Layers = 12000000)]\npublic partial class A { }",
            "LSTMGEN013", DiagnosticSeverity.Info, generatesCode: true);
        Assert.Contains("delegates to the generic implementation", d.GetMessage(), StringComparison.Ordinal);
        (Compilation output, _) = GeneratorHarness.Run(GeneratorHarness.Compilation(
            "using LstmGen;\n/// <summary>x</summary>\n[LstmCell(Input = 1, Hidden = 1, Layers = 12000000)]\npublic partial class A { }"));
        Assert.Empty(output.GetDiagnostics().Where(x => x.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void LSTMGEN009_containing_type_not_partial() =>
        Single("using LstmGen;\npublic class O\n{\n    [LstmCell(Input = 2, Hidden = 3)]\n    public partial class A { }\n}",
            "LSTMGEN009", DiagnosticSeverity.Error);

    [Theory]
    [InlineData("public static partial class A { }", "static")]
    [InlineData("public partial record A { }", "record")]
    [InlineData("public partial class A : B { }\npublic class B { }", "derives from 'B'")]
    [InlineData("public partial class Kernel { }", "named like the generated member 'Kernel'")]
    [InlineData("public partial class A { private int _network; }", "declares '_network'")]
    [InlineData("public partial class A { public int Forward => 1; }", "declares 'Forward'")]
    public void LSTMGEN010_unsupported_class(string declaration, string reason)
    {
        Diagnostic d = Single($"using LstmGen;\n[LstmCell(Input = 2, Hidden = 3)]\n{declaration}", "LSTMGEN010", DiagnosticSeverity.Error);
        Assert.Contains(reason, d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void LSTMGEN011_unknown_nonlinearity() =>
        Single("using LstmGen;\n[RnnCell(Input = 2, Hidden = 3, Nonlinearity = (Nonlinearity)7)]\npublic partial class A { }",
            "LSTMGEN011", DiagnosticSeverity.Error, generatesCode: true);

    [Fact]
    public void A_method_overload_with_a_generated_name_is_allowed()
    {
        (Compilation output, GeneratorDriverRunResult result) = GeneratorHarness.Run(GeneratorHarness.Compilation(
            "using LstmGen;\n/// <summary>x</summary>\n[LstmCell(Input = 2, Hidden = 3)]\npublic partial class A\n{\n    /// <summary>x</summary>\n    public void Step(float[] input) { }\n}"));
        Assert.Empty(result.Diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void The_generator_never_throws_on_broken_code()
    {
        string[] sources =
        [
            "using LstmGen;\n[LstmCell(Input = \"x\", Hidden = 3)]\npublic partial class A { }",
            "using LstmGen;\n[LstmCell(Input = 2, Hidden = 3)]\npublic partial struct A { }",
            "using LstmGen;\n[LstmCell(Input = 2, Hidden = 3)]\npublic partial class A { }\npublic partial class A { }",
            "using LstmGen;\n[LstmCell(Input = 2, Hidden = 3)]\n[LstmCell(Input = 2, Hidden = 3)]\npublic partial class A { }",
            "using LstmGen;\n[LstmCell(Input = 2, Hidden = Missing.Value)]\npublic partial class A { }",
            "using LstmGen;\n[LstmCell(Input = int.MaxValue, Hidden = int.MaxValue, Layers = int.MaxValue, Bidirectional = true)]\npublic partial class A { }",
            "using LstmGen;\npublic partial class O { [LstmCell(Input = 2, Hidden = 3)] partial class A { } }\npublic class O { }",
            "using LstmGen;\n[LstmCell(Input = 2, Hidden = 3)]\npublic partial class",
        ];
        foreach (string source in sources)
        {
            GeneratorDriverRunResult result = GeneratorHarness.Driver().RunGenerators(GeneratorHarness.Compilation(source)).GetRunResult();
            Assert.Null(result.Results[0].Exception);
            Assert.DoesNotContain(result.Diagnostics, d => d.Id == "LSTMGEN012");
        }
    }

    [Fact]
    public void LSTMGEN012_internal_failure_is_reported_not_thrown()
    {
        // A model the parser would never produce (Hidden = 0) makes the emitter fail inside; the failure becomes a diagnostic.
        var model = RandomShapeTests.Model(new RecurrentConfig(CellKind.Lstm, 2, 3)) with { Hidden = 0 };
        string? source = gen::LstmGen.Generators.LstmGenerator.TryEmit(gen::LstmGen.Generators.Planner.Plan(model), out Diagnostic? error);
        Assert.Null(source);
        Assert.Equal("LSTMGEN012", error!.Id);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Contains("'X'", error.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("namespace N;\npublic partial struct S\n{\n    /// <summary>x</summary>\n    [LstmCell(Input = 2, Hidden = 3)]\n    public partial class A { }\n}")]
    [InlineData("namespace N;\npublic partial record R\n{\n    /// <summary>x</summary>\n    [RnnCell(Input = 2, Hidden = 3)]\n    internal sealed partial class A { }\n}")]
    [InlineData("namespace @event.@class;\n/// <summary>x</summary>\n[GruCell(Input = 2, Hidden = 3)]\npublic partial class @record { }")]
    [InlineData("/// <summary>x</summary>\n[LstmCell(Input = 2, Hidden = 3, ProjSize = 1)]\npublic abstract partial class InGlobalNamespace { }")]
    public void Unusual_but_valid_declarations_compile_without_warnings(string declaration)
    {
        (Compilation output, GeneratorDriverRunResult result) = GeneratorHarness.Run(GeneratorHarness.Compilation(
            "#pragma warning disable CS1591\nusing LstmGen;\n" + declaration));
        Assert.Empty(result.Diagnostics);
        Assert.Single(result.GeneratedTrees);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void Valid_attributes_give_no_diagnostics()
    {
        (Compilation output, GeneratorDriverRunResult result) = GeneratorHarness.Run(GeneratorHarness.Compilation(
            "using LstmGen;\nnamespace N;\n/// <summary>x</summary>\npublic static partial class O\n{\n    /// <summary>x</summary>\n    [GruCell(Input = 2, Hidden = 3, Layers = 2)]\n    public partial class A { }\n}"));
        Assert.Empty(result.Diagnostics);
        Assert.Single(result.GeneratedTrees);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void Every_descriptor_has_a_unique_id_and_the_lookup_finds_it()
    {
        var descriptors = typeof(gen::LstmGen.Generators.LstmGenerator).Assembly.GetType("LstmGen.Generators.Diagnostics")!
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!).ToList();
        Assert.Equal(19, descriptors.Select(d => d.Id).Distinct().Count());
        Assert.All(descriptors, d => Assert.StartsWith("LSTMGEN0", d.Id, StringComparison.Ordinal));
    }
}
