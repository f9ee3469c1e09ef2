using System.Diagnostics;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LstmGen.Generators.Tests;

/// <summary>
/// Random attribute usages drawn from a seed: random values (zero, negative, huge, the int extremes), random
/// combinations, and random syntax around them (missing partial, generic, nested in generic or non-partial types, two
/// cell attributes, records, undefined enum values). The generator must never throw, must report an error at each invalid
/// usage, and must generate code that compiles for each valid one.
/// </summary>
public class GeneratorFuzzTests
{
    private const int Usages = 2000;
    private const int UsagesPerCompilation = 100;

    [Fact]
    public void Random_usages_never_throw_and_are_either_diagnosed_or_compile()
    {
        var rng = new SeededRandom(0xF022);
        int valid = 0, invalid = 0;
        for (int batchStart = 0; batchStart < Usages; batchStart += UsagesPerCompilation)
        {
            var usages = Enumerable.Range(batchStart, UsagesPerCompilation).Select(i => Usage.Draw(ref rng, i)).ToList();
            string source = "using LstmGen;\n\nnamespace Fuzz;\n\n" + string.Concat(usages.Select(u => u.Source));
            CSharpCompilation compilation = GeneratorHarness.Compilation(source);
            (Compilation output, GeneratorDriverRunResult result) = GeneratorHarness.Run(compilation);

            // Never throws: no exception in the driver and no internal-failure diagnostic.
            Assert.All(result.Results, r => Assert.Null(r.Exception));
            Assert.DoesNotContain(result.Diagnostics, d => d.Id == "LSTMGEN012");

            string text = compilation.SyntaxTrees[0].ToString();
            foreach (Usage u in usages)
            {
                int start = text.IndexOf(u.Marker, StringComparison.Ordinal);
                int end = start + u.Source.Length;
                List<Diagnostic> errors = result.Diagnostics
                    .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceSpan.Start >= start && d.Location.SourceSpan.End <= end)
                    .ToList();
                if (u.ExpectedError is null)
                {
                    Assert.True(errors.Count == 0, $"{u.Marker}: valid usage got {string.Join("; ", errors)}\n{u.Source}");
                    Assert.Contains(result.GeneratedTrees, t => t.FilePath.Contains("." + u.ClassName + ".", StringComparison.Ordinal));
                    valid++;
                }
                else
                {
                    Assert.True(errors.Count > 0, $"{u.Marker}: invalid usage ({u.ExpectedError}) got no error\n{u.Source}");
                    Assert.Contains(errors, e => e.Id == u.ExpectedError || u.ExpectedError == "any");
                    invalid++;
                }
            }

            // Everything generated for the valid usages compiles, without warnings, together with the invalid ones.
            Diagnostic[] problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
            Assert.True(problems.Length == 0, string.Join("\n", problems.Take(10)));
        }

        Assert.True(valid > 300 && invalid > 300, $"{valid} valid, {invalid} invalid usages: both must be well exercised");
    }

    [Theory]
    [InlineData("LstmCell", 4096, 4096, 4)]
    [InlineData("GruCell", 1, 4096, 1)]
    [InlineData("RnnCell", 4096, 8000, 2)]
    public void Huge_valid_sizes_generate_bounded_code_quickly(string attribute, int input, int hidden, int layers)
    {
        string source = $"using LstmGen;\n[{attribute}(Input = {input}, Hidden = {hidden}, Layers = {layers})]\npublic partial class Huge {{ }}\n";
        CSharpCompilation compilation = GeneratorHarness.Compilation(source);
        // JIT the generator's paths first (a small looped cell), so the timing is of the generation itself.
        GeneratorHarness.Run(GeneratorHarness.Compilation($"using LstmGen;\n[{attribute}(Input = 70, Hidden = 70, Layers = 2)]\npublic partial class Warm {{ }}\n"));
        var clock = Stopwatch.StartNew();
        (Compilation output, GeneratorDriverRunResult result) = GeneratorHarness.Run(compilation);
        clock.Stop();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"generation took {clock.Elapsed.TotalMilliseconds:0} ms");
        SyntaxTree tree = Assert.Single(result.GeneratedTrees);
        // Over the unroll budget the step is a loop with constant bounds, so the code does not grow with the size.
        int length = tree.GetText().Length;
        Assert.True(length < MaxGeneratedChars, $"{length} characters of generated code");
        Assert.Contains(result.Diagnostics, d => d.Id == "LSTMGEN008");
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    /// <summary>The bound on generated code for any size: 200,000 characters (looped kernels are size-independent).</summary>
    private const int MaxGeneratedChars = 200_000;

    /// <summary>One drawn usage: its source text and the error it must produce (null when valid).</summary>
    private sealed record Usage(string Source, string ClassName, string Marker, string? ExpectedError)
    {
        private static readonly int[] Special = [int.MinValue, int.MinValue + 1, -1000, -1, 0, int.MaxValue, int.MaxValue - 1, 1 << 20, 100_000, 4096];

        public static Usage Draw(ref SeededRandom rng, int index)
        {
            string className = $"C{index}";
            string marker = $"// usage {index}\n";
            CellKind kind = (CellKind)rng.NextInt(3 == rng.NextInt(4) ? 4 : 3); // RnnRelu via Nonlinearity below
            string attribute = kind switch { CellKind.Lstm => "LstmCell", CellKind.Gru => "GruCell", _ => "RnnCell" };
            int input = Size(ref rng), hidden = Size(ref rng);
            int layers = rng.NextInt(4) == 0 ? Size(ref rng) : 1 + rng.NextInt(3);
            int proj = kind == CellKind.Lstm && rng.NextInt(3) == 0 ? (rng.NextInt(2) == 0 ? Size(ref rng) : Math.Max(0, hidden - 1 - rng.NextInt(3))) : 0;
            bool bidirectional = rng.NextInt(3) == 0, bias = rng.NextInt(4) != 0, batchFirst = rng.NextInt(4) == 0;
            bool omitInput = rng.NextInt(25) == 0;
            var args = new List<string>();
            if (!omitInput)
            {
                args.Add($"Input = {Literal(input)}");
            }

            args.Add($"Hidden = {Literal(hidden)}");
            args.Add($"Layers = {Literal(layers)}");
            if (bidirectional) args.Add("Bidirectional = true");
            if (!bias) args.Add("Bias = false");
            if (batchFirst) args.Add("BatchFirst = true");
            if (proj != 0) args.Add($"ProjSize = {Literal(proj)}");
            bool badEnum = false;
            if (kind is CellKind.RnnTanh or CellKind.RnnRelu)
            {
                int choice = rng.NextInt(6);
                badEnum = choice == 0;
                if (badEnum) args.Add("Nonlinearity = (Nonlinearity)7");
                else if (choice <= 2) args.Add("Nonlinearity = Nonlinearity.Relu");
            }

            // The syntax around the attribute.
            int shape = rng.NextInt(14);
            bool partial = shape != 0;
            bool generic = shape == 1;
            string container = shape switch { 2 => "generic", 3 => "nonpartial", 4 or 5 => "partial", _ => "" };
            bool twoCells = shape == 6;
            bool record = shape == 7;

            string? expected = null;
            if (twoCells) expected = "LSTMGEN003";
            else if (record) expected = "LSTMGEN010";
            else if (generic || container == "generic") expected = "LSTMGEN002";
            else if (!partial) expected = "LSTMGEN001";
            else if (container == "nonpartial") expected = "LSTMGEN009";
            else if (badEnum) expected = "LSTMGEN011";
            else
            {
                List<ConfigError> errors = RecurrentConfig.Validate(kind, omitInput ? 0 : input, hidden, layers, bidirectional, bias, proj);
                if (errors.Count > 0)
                {
                    expected = errors[0].Kind switch
                    {
                        ConfigErrorKind.NotPositive => "LSTMGEN004",
                        ConfigErrorKind.BadProjection => "LSTMGEN005",
                        ConfigErrorKind.ProjectionNotLstm => "LSTMGEN006",
                        ConfigErrorKind.TooLarge => "LSTMGEN007",
                        _ => "any",
                    };
                }
            }

            var s = new StringBuilder(marker);
            string typeParameters = generic ? "<T>" : "";
            string keyword = record ? "partial record" : partial ? "partial class" : "class";
            string second = attribute == "GruCell" ? "LstmCell" : "GruCell";
            string declaration = $"/// <summary>Drawn.</summary>\n[{attribute}({string.Join(", ", args)})]\n" + (twoCells ? $"[{second}(Input = 2, Hidden = 3)]\n" : "")
                + $"public {keyword} {className}{typeParameters} {{ }}\n";
            switch (container)
            {
                case "generic":
                    s.Append($"/// <summary>Outer.</summary>\npublic partial class Outer{index}<T>\n{{\n{declaration}}}\n\n");
                    break;
                case "nonpartial":
                    s.Append($"/// <summary>Outer.</summary>\npublic class Outer{index}\n{{\n{declaration}}}\n\n");
                    break;
                case "partial":
                    s.Append($"/// <summary>Outer.</summary>\npublic static partial class Outer{index}\n{{\n{declaration}}}\n\n");
                    break;
                default:
                    s.Append(declaration).Append('\n');
                    break;
            }

            return new Usage(s.ToString(), className, marker, expected);
        }

        // Mostly small valid sizes (so valid usages compile quickly), sometimes a special value.
        private static int Size(ref SeededRandom rng) => rng.NextInt(4) == 0 ? Special[rng.NextInt(Special.Length)] : 1 + rng.NextInt(16);

        private static string Literal(int value) => value == int.MinValue ? "int.MinValue" : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
