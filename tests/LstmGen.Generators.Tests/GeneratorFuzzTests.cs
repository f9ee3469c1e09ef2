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
        var broken = new Dictionary<string, int>();
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
                // Exactly the expected diagnostics: none for a valid usage, each broken rule's for an invalid one.
                string[] ids = errors.Select(e => e.Id).Distinct().Order(StringComparer.Ordinal).ToArray();
                Assert.True(u.ExpectedErrors.SequenceEqual(ids),
                    $"{u.Marker}: expected [{string.Join(", ", u.ExpectedErrors)}] ({string.Join("; ", u.BrokenRules)}), got [{string.Join("; ", errors)}]\n{u.Source}");
                if (u.ExpectedErrors.Length == 0)
                {
                    Assert.Contains(result.GeneratedTrees, t => t.FilePath.Contains("." + u.ClassName + ".", StringComparison.Ordinal));
                    valid++;
                }
                else
                {
                    invalid++;
                }

                foreach (string rule in u.BrokenRules)
                {
                    broken[rule] = broken.GetValueOrDefault(rule) + 1;
                }
            }

            // Everything generated for the valid usages compiles, without warnings, together with the invalid ones.
            Diagnostic[] problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
            Assert.True(problems.Length == 0, string.Join("\n", problems.Take(10)));
        }

        Assert.True(valid > 300 && invalid > 300, $"{valid} valid, {invalid} invalid usages: both must be well exercised");
        // Every rule of the table, and the boundary ProjSize == Hidden, is broken by enough usages to be tested.
        foreach (string rule in ConfigRules.Select(r => r.Rule).Append(TooLargeRule).Append(ProjEqualsHidden))
        {
            Assert.True(broken.GetValueOrDefault(rule) >= 10, $"rule '{rule}' broken by {broken.GetValueOrDefault(rule)} usages: draw it more often");
        }
    }

    /// <summary>
    /// The configuration rules and the diagnostic each must give, written here from PyTorch's constructor checks and the
    /// diagnostics' documentation, independently of <see cref="RecurrentConfig.Validate"/> (which is the code under test:
    /// the generator maps its errors to diagnostics, so expecting what it says would pass a wrong rule). Every broken rule
    /// is reported. ProjSize is compared with Hidden only when Hidden itself is valid. (ProjSize on a GRU or RNN, LSTMGEN006,
    /// cannot be written with the real attributes, which have no such property; DiagnosticTests reaches it with a look-alike.)
    /// </summary>
    private static readonly (string Rule, string Id, Func<DrawnConfig, bool> IsBroken)[] ConfigRules =
    [
        ("Input given", "LSTMGEN015", d => d.InputOmitted),
        ("Input >= 1", "LSTMGEN004", d => !d.InputOmitted && d.Input < 1),
        ("Hidden >= 1", "LSTMGEN004", d => d.Hidden < 1),
        ("Layers >= 1", "LSTMGEN004", d => d.Layers < 1),
        ("ProjSize >= 0", "LSTMGEN005", d => d.Kind == CellKind.Lstm && d.Proj < 0),
        ("ProjSize < Hidden", "LSTMGEN005", d => d.Kind == CellKind.Lstm && d.Proj > 0 && d.Hidden >= 1 && d.Proj >= d.Hidden),
    ];

    /// <summary>Checked only when no rule above is broken: the parameters must fit one buffer of 2^30 floats.</summary>
    private const string TooLargeRule = "at most 2^30 parameters";

    /// <summary>Not a rule of its own but its boundary, counted so the draw is known to reach it.</summary>
    private const string ProjEqualsHidden = "ProjSize == Hidden";

    private sealed record DrawnConfig(CellKind Kind, int Input, int Hidden, int Layers, bool Bidirectional, bool Bias, int Proj, bool InputOmitted)
    {
        /// <summary>
        /// PyTorch's parameter count, from its tensor shapes: per layer and direction weight_ih [G*H, in], weight_hh
        /// [G*H, H_out], two biases [G*H], weight_hr [P, H]; in = Input for layer 0, else D*H_out. In double: no overflow.
        /// </summary>
        public double ParameterCount()
        {
            double gates = Kind switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
            double d = Bidirectional ? 2 : 1, h = Hidden, hOut = Proj > 0 ? Proj : h;
            double count = 0;
            for (int layer = 0; layer < Math.Min(Layers, 2); layer++)
            {
                double inputs = layer == 0 ? Input : d * hOut;
                double perDirection = (gates * h * (inputs + hOut)) + (Bias ? 2 * gates * h : 0) + ((double)Proj * h);
                count += d * perDirection * (layer == 0 ? 1 : Layers - 1.0); // layers after the first are alike
            }

            return count;
        }

        public (string[] Ids, string[] Broken) Expected()
        {
            var broken = ConfigRules.Where(r => r.IsBroken(this)).ToList();
            string[] rules = [.. broken.Select(r => r.Rule), .. Kind == CellKind.Lstm && Proj == Hidden ? [ProjEqualsHidden] : Array.Empty<string>()];
            if (broken.Count == 0 && ParameterCount() > (1L << 30))
            {
                return (["LSTMGEN007"], [.. rules, TooLargeRule]);
            }

            return (broken.Select(r => r.Id).Distinct().Order(StringComparer.Ordinal).ToArray(), rules);
        }
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

    /// <summary>One drawn usage: its source text, the errors it must produce (none when valid) and the rules it breaks.</summary>
    private sealed record Usage(string Source, string ClassName, string Marker, string[] ExpectedErrors, string[] BrokenRules)
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
            // ProjSize (the LSTM's attribute alone has it): any size, around Hidden (Hidden + 1 down to Hidden - 2, both sides of
            // the boundary), or slightly negative.
            int proj = kind != CellKind.Lstm || rng.NextInt(3) != 0 ? 0 : rng.NextInt(3) switch
            {
                0 => Size(ref rng),
                1 => Math.Max(0, hidden + 1 - rng.NextInt(4)),
                _ => -1 - rng.NextInt(2),
            };
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

            // A problem with the declaration is reported alone, before the values are looked at (in this order).
            string? declarationError = twoCells ? "LSTMGEN003" : record ? "LSTMGEN010" : generic || container == "generic" ? "LSTMGEN002"
                : !partial ? "LSTMGEN001" : container == "nonpartial" ? "LSTMGEN009" : badEnum ? "LSTMGEN011" : null;
            (string[] expected, string[] brokenRules) = declarationError is not null
                ? ([declarationError], [])
                : new DrawnConfig(kind, omitInput ? 0 : input, hidden, layers, bidirectional, bias, proj, omitInput).Expected();

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

            return new Usage(s.ToString(), className, marker, expected, brokenRules);
        }

        // Mostly small valid sizes (so valid usages compile quickly), sometimes a special value.
        private static int Size(ref SeededRandom rng) => rng.NextInt(4) == 0 ? Special[rng.NextInt(Special.Length)] : 1 + rng.NextInt(16);

        private static string Literal(int value) => value == int.MinValue ? "int.MinValue" : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
