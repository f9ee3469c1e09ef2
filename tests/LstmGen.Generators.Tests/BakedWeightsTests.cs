extern alias gen;

using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using LstmGen.IO;
using LstmGen.Testing;
using LstmGen.Training;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Steps = gen::LstmGen.Generators.LstmGenerator.Steps;

namespace LstmGen.Generators.Tests;

/// <summary>
/// Weights baked in at build time (<c>Weights = "file.json"</c> with the file as AdditionalFiles): the class constructs with
/// exactly the file's float32 values, every problem with the file is a diagnostic, and the file's step is incremental.
/// </summary>
public class BakedWeightsTests
{
    // Values drawn here and written with round-trip precision: what the baked class must hold, bit for bit.
    private static float[] Draw(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1) * (random.Next(4) == 0 ? 1e-3f : 1f)).ToArray();
    }

    private static string Number(float value) => ((double)value).ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A tensor as nested JSON arrays: rows of <paramref name="columns"/>, or a flat vector when it is 0.</summary>
    private static string Tensor(float[] values, int columns)
    {
        if (columns == 0)
        {
            return "[" + string.Join(", ", values.Select(Number)) + "]";
        }

        return "[" + string.Join(", ", values.Chunk(columns).Select(row => "[" + string.Join(", ", row.Select(Number)) + "]")) + "]";
    }

    /// <summary>A state_dict as JSON, the network under <paramref name="prefix"/>; returns the JSON members and the flat values.</summary>
    private static (List<string> Members, float[] Values) StateDict(RecurrentConfig config, string prefix, int seed)
    {
        var layout = new ParameterLayout(config);
        float[] values = Draw(layout.TotalLength, seed);
        var members = layout.Parameters
            .Select(p => $"\"{prefix}{p.Name}\": {Tensor(values.AsSpan(p.Offset, p.Length).ToArray(), p.IsVector ? 0 : p.Columns)}")
            .ToList();
        return (members, values);
    }

    private static string Source(string attribute, string name = "Baked") =>
        $"using LstmGen;\n\nnamespace App;\n\n/// <summary>Baked.</summary>\n{attribute}\npublic partial class {name} {{ }}\n";

    private static object? Call(Type type, string method, params object?[] arguments) =>
        type.GetMethod(method, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, arguments);

    /// <summary>Bakes <paramref name="json"/> into the class of <paramref name="attribute"/> and checks its CreateBakedModel().</summary>
    private static void WithBakedModel(string path, string json, string attribute, Action<RecurrentModel<float>> check)
    {
        (Assembly assembly, AssemblyLoadContext context) = GeneratorHarness.Build([new GeneratorHarness.InMemoryText(path, json)], Source(attribute));
        try
        {
            check((RecurrentModel<float>)Call(assembly.GetType("App.Baked")!, "CreateBakedModel", HeadInput.EachStep, Type.Missing)!);
        }
        finally
        {
            context.Unload();
        }
    }

    private static void AssertBitwise(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}] is {actual[i]:R}, the file has {expected[i]:R}");
        }
    }

    [Fact]
    public void A_state_dict_with_a_head_is_baked_bit_for_bit()
    {
        var config = new RecurrentConfig(CellKind.Lstm, 2, 3, 2);
        (List<string> members, float[] values) = StateDict(config, "lstm.", 1);
        float[] weight = Draw(2 * 3, 2), bias = Draw(2, 3);
        members.Add($"\"fc.weight\": {Tensor(weight, 3)}");
        members.Add($"\"fc.bias\": {Tensor(bias, 0)}");
        var file = new GeneratorHarness.InMemoryText("/project/weights/tagger.json", "{" + string.Join(",\n", members) + "}");

        (Assembly assembly, AssemblyLoadContext context) = GeneratorHarness.Build([file],
            Source("[LstmCell(Input = 2, Hidden = 3, Layers = 2, Weights = \"weights/tagger.json\", HeadPrefix = \"fc.\")]"));
        try
        {
            Type type = assembly.GetType("App.Baked")!;
            var network = (IRecurrentNetwork<float>)Activator.CreateInstance(type)!;
            AssertBitwise(values, network.Parameters.Values, "parameters");
            var head = (Linear<float>)Call(type, "CreateBakedHead")!;
            Assert.Equal((3, 2, true), (head.InFeatures, head.OutFeatures, head.HasBias));
            AssertBitwise([.. weight, .. bias], head.Values, "head");
            var model = (RecurrentModel<float>)Call(type, "CreateBakedModel", HeadInput.LastStep, false)!;
            Assert.Equal(type, model.Network.GetType());
            AssertBitwise(values, model.Network.Parameters.Values, "model parameters");

            // The seed constructor is still there, and now needs its argument.
            var seeded = (IRecurrentNetwork<float>)Activator.CreateInstance(type, 7UL)!;
            Assert.NotEqual(values[0], seeded.Parameters.Values[0]);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void A_GuitarML_model_brings_its_head_and_residual()
    {
        var config = new RecurrentConfig(CellKind.Gru, 1, 4);
        (List<string> members, float[] values) = StateDict(config, "rec.", 4);
        float[] weight = Draw(4, 5), bias = Draw(1, 6);
        members.Add($"\"lin.weight\": {Tensor(weight, 4)}");
        members.Add($"\"lin.bias\": {Tensor(bias, 0)}");
        string json = "{\"model_data\": {\"model\": \"SimpleRNN\", \"input_size\": 1, \"skip\": 1, \"output_size\": 1, \"unit_type\": \"GRU\", "
            + "\"num_layers\": 1, \"hidden_size\": 4, \"bias_fl\": true}, \"state_dict\": {" + string.Join(", ", members) + "}}";

        WithBakedModel("C:\\amps\\gru.json", json, "[GruCell(Input = 1, Hidden = 4, Weights = \"gru.json\")]", model =>
        {
            Assert.True(model.Residual);
            AssertBitwise(values, model.Network.Parameters.Values, "parameters");
            AssertBitwise([.. weight, .. bias], model.Head.Values, "head");
        });
    }

    [Fact]
    public void A_model_saved_as_JSON_bakes_back_exactly()
    {
        var config = new RecurrentConfig(CellKind.Lstm, 3, 5);
        var saved = new RecurrentModel<float>(new RecurrentNetwork<float>(config, seed: 11), new Linear<float>(5, 2, seed: 12), HeadInput.EachStep, residual: true);
        string path = Path.Combine(Path.GetTempPath(), "lstmgen-baked-" + Guid.NewGuid().ToString("N") + ".json");
        string json;
        try
        {
            saved.SaveJson(path, "rnn.", "head.");
            json = File.ReadAllText(path);
        }
        finally
        {
            File.Delete(path);
        }

        WithBakedModel("/p/model.json", json, "[LstmCell(Input = 3, Hidden = 5, Weights = \"model.json\")]", model =>
        {
            Assert.True(model.Residual);
            AssertBitwise(saved.Network.Parameters.Values, model.Network.Parameters.Values, "parameters");
            AssertBitwise(saved.Head.Values, model.Head.Values, "head");
        });
    }

    [Theory]
    [InlineData(CellKind.Lstm, 1, 6)]
    [InlineData(CellKind.Gru, 2, 5)]
    public void An_AIDA_X_model_is_baked_as_the_runtime_reads_it(CellKind kind, int input, int hidden)
    {
        // Keras-shaped tensors (kernel in x G, recurrent_kernel H x G, bias G or 2 x G, dense kernel H x 1); the runtime's
        // AmpModelFile, whose GRU order was checked against RTNeural's source, is the reference.
        int gates = RecurrentConfig.GatesOf(kind) * hidden;
        string Tensor2(int rows, int columns, int seed) => Tensor(Draw(rows * columns, seed), columns);
        string bias = kind == CellKind.Gru ? Tensor2(2, gates, 3) : Tensor(Draw(gates, 3), 0);
        string type = kind == CellKind.Gru ? "gru" : "lstm";
        string json = $"{{\"in_shape\": [null, null, {input}], \"layers\": ["
            + $"{{\"type\": \"{type}\", \"activation\": \"\", \"shape\": [null, null, {hidden}], \"weights\": [{Tensor2(input, gates, 1)}, {Tensor2(hidden, gates, 2)}, {bias}]}}, "
            + $"{{\"type\": \"dense\", \"activation\": \"\", \"shape\": [null, null, 1], \"weights\": [{Tensor2(hidden, 1, 4)}, {Tensor(Draw(1, 5), 0)}]}}]}}";
        AmpModel reference = AmpModelFile.Parse(Encoding.UTF8.GetBytes(json));
        string attribute = $"[{(kind == CellKind.Gru ? "GruCell" : "LstmCell")}(Input = {input}, Hidden = {hidden}, Weights = \"aidax.json\")]";
        WithBakedModel("/p/aidax.json", json, attribute, model =>
        {
            Assert.False(model.Residual);
            AssertBitwise(reference.Network.Parameters.Values, model.Network.Parameters.Values, "parameters");
            AssertBitwise(reference.Head.Values, model.Head.Values, "head");
        });
    }

    /// <summary>The four real amp models: each baked equals the file loaded at run time, and AIDA-X reproduces its own output_batch.</summary>
    [SharedModelTheory(SharedModels.NeuralPi, SharedModels.Proteus, SharedModels.NeuralSeed, SharedModels.AidaX)]
    [InlineData(SharedModels.NeuralPi, "[LstmCell(Input = 2, Hidden = 20, Weights = \"m.json\")]")]
    [InlineData(SharedModels.Proteus, "[LstmCell(Input = 1, Hidden = 40, Weights = \"m.json\")]")]
    [InlineData(SharedModels.NeuralSeed, "[GruCell(Input = 1, Hidden = 8, Weights = \"m.json\")]")]
    [InlineData(SharedModels.AidaX, "[LstmCell(Input = 1, Hidden = 12, Weights = \"m.json\")]")]
    public void A_real_amp_model_bakes_to_what_the_runtime_loads(string file, string attribute)
    {
        string path = SharedModels.PathOf(file);
        AmpModel loaded = AmpModelFile.Load(path);
        WithBakedModel("/models/m.json", File.ReadAllText(path), attribute, model =>
        {
            Assert.Equal(loaded.Residual, model.Residual);
            AssertBitwise(loaded.Network.Parameters.Values, model.Network.Parameters.Values, "parameters");
            AssertBitwise(loaded.Head.Values, model.Head.Values, "head");
            if (loaded.ReferenceInput.Length > 0)
            {
                // The generated kernels against RTNeural's own output for the file's input: the bound of the runtime test.
                float[] output = new float[loaded.ReferenceOutput.Length];
                model.OpenStream().Process(loaded.ReferenceInput.Span, output);
                double worst = output.Zip(loaded.ReferenceOutput.ToArray(), (a, b) => Math.Abs(a - b)).Max();
                Assert.True(worst <= 1e-5, $"max |diff| to output_batch {worst:0.00e0}");
            }
        });
    }

    [Fact]
    public void The_weights_file_matches_its_golden_file()
    {
        // Exact binary fractions (-0.75 to 0.625 in steps of 1/8), so the golden's bytes can be read off by hand.
        string json = "{\"model_data\": {\"unit_type\": \"GRU\", \"input_size\": 1, \"hidden_size\": 1, \"output_size\": 1, \"skip\": 1}, "
            + "\"state_dict\": {\"rec.weight_ih_l0\": [[-0.75], [-0.625], [-0.5]], \"rec.weight_hh_l0\": [[-0.375], [-0.25], [-0.125]], "
            + "\"rec.bias_ih_l0\": [0, 0.125, 0.25], \"rec.bias_hh_l0\": [0.375, 0.5, 0.625], \"lin.weight\": [[2]], \"lin.bias\": [-1]}}";
        (Compilation _, GeneratorDriverRunResult result) = GeneratorHarness.Run(
            GeneratorHarness.Compilation(Source("[GruCell(Input = 1, Hidden = 1, Weights = \"amp.json\")]", "BakedGru").Replace("App", "Golden", StringComparison.Ordinal)),
            new GeneratorHarness.InMemoryText("/p/amp.json", json));
        Assert.Empty(result.Diagnostics);
        PipelineTests.AssertGolden(GoldenName, result.GeneratedTrees.Single(t => t.FilePath.EndsWith(".Weights.g.cs", StringComparison.Ordinal)).GetText().ToString());
    }

    internal const string GoldenName = "BakedGru.Weights";

    /// <summary>A file that is wrong in one way, the diagnostic it must give, and words its message must contain.</summary>
    public static TheoryData<string, string, string, string, string> BadFiles()
    {
        var lstm = new RecurrentConfig(CellKind.Lstm, 1, 2);
        string Dict(RecurrentConfig c, string prefix, Func<List<string>, List<string>>? edit = null)
        {
            List<string> members = StateDict(c, prefix, 9).Members;
            return "{" + string.Join(", ", edit is null ? members : edit(members)) + "}";
        }

        string good = Dict(lstm, "rnn.");
        string wrongShape = Dict(lstm, "rnn.", m => [.. m.Select(x => x.StartsWith("\"rnn.weight_hh_l0\"", StringComparison.Ordinal) ? "\"rnn.weight_hh_l0\": [[1, 2, 3]]" : x)]);
        return new()
        {
            // file path, file text, attribute arguments after the sizes, expected id, expected words
            { "/p/other.json", good, "Weights = \"model.json\"", "LSTMGEN016", "'model.json' is not among the project's AdditionalFiles" },
            { "/p/a/model.json|/p/b/model.json", good, "Weights = \"model.json\"", "LSTMGEN017", "matches 2 AdditionalFiles" },
            { "/p/model.json", good.Substring(0, good.Length / 2), "Weights = \"model.json\"", "LSTMGEN018", "is not valid JSON: the text ends" },
            { "/p/model.json", "{\"rnn.weight_ih_l0\": [1,], }", "Weights = \"model.json\"", "LSTMGEN018", "is not valid JSON: unexpected character ']'" },
            { "/p/model.json", "{\"a\": 1, \"a\": 2}", "Weights = \"model.json\"", "LSTMGEN018", "duplicate key \"a\"" },
            { "/p/model.safetensors", "\u0010\0\0\0\0\0\0\0{}", "Weights = \"model.safetensors\"", "LSTMGEN018", "binary (safetensors?)" },
            { "/p/model.json", "[1, 2]", "Weights = \"model.json\"", "LSTMGEN018", "must hold a JSON object of tensors, but holds an array" },
            { "/p/model.json", "{\"in_shape\": [null, null, 1], \"layers\": []}", "Weights = \"model.json\"", "LSTMGEN018", "AIDA-X model, but not one recurrent layer followed by one dense layer" },
            { "/p/model.json", "{\"in_shape\": [null, null, 1], \"in_gain\": 3, \"layers\": []}", "Weights = \"model.json\"", "LSTMGEN018", "in_gain the number 3, which a baked RecurrentModel cannot apply" },
            { "/p/model.json", "{\"in_shape\": [null, null, 1], \"layers\": [{\"type\": \"gru\"}, {\"type\": \"dense\"}]}", "Weights = \"model.json\"", "LSTMGEN018", "layers[0] is 'gru', but the class is [LstmCell]" },
            { "/p/model.json", "{\"in_shape\": [null, null, 1], \"layers\": [{\"type\": \"lstm\", \"weights\": [[[1]], [[1]], [1]]}, {\"type\": \"dense\", \"weights\": [[[1]], [1]]}]}", "Weights = \"model.json\"", "LSTMGEN019", "'layers[0].weights[0]' has shape [1, 1], but the kernel of the [LstmCell] class (input 1, hidden 2, 1 layer(s)) needs [1, 8]" },
            { "/p/model.json", Dict(lstm, "rnn.", m => m.Skip(1).ToList()), "Weights = \"model.json\", WeightsPrefix = \"rnn.\"", "LSTMGEN019", "'rnn.weight_ih_l0' of shape [8, 1] is missing" },
            { "/p/model.json", wrongShape, "Weights = \"model.json\"", "LSTMGEN019", "'rnn.weight_hh_l0' has shape [1, 3], but the [LstmCell] class (input 1, hidden 2, 1 layer(s)) needs [8, 2]" },
            { "/p/model.json", Dict(new RecurrentConfig(CellKind.Lstm, 1, 2, 2), "rnn."), "Weights = \"model.json\"", "LSTMGEN019", "'rnn.weight_ih_l1' has no place in the [LstmCell] class" },
            { "/p/model.json", Dict(lstm, "rnn.", m => [.. m.Select(x => x.StartsWith("\"rnn.weight_hh_l0\"", StringComparison.Ordinal) ? "\"rnn.weight_hh_l0\": [[1, 2], [3, 4], [5], [1, 2], [1, 2], [1, 2], [1, 2], [1, 2]]" : x)]), "Weights = \"model.json\"", "LSTMGEN019", "ragged: rnn.weight_hh_l0[2]" },
            { "/p/model.json", good, "Weights = \"model.json\", HeadPrefix = \"fc.\"", "LSTMGEN019", "no head tensor 'fc.weight'" },
            { "/p/model.json", "{\"w\": [1]}", "Weights = \"model.json\"", "LSTMGEN019", "no tensor is named 'weight_ih_l0'" },
            { "/p/model.json", "{\"a.weight_ih_l0\": [[1]], \"b.weight_ih_l0\": [[1]]}", "Weights = \"model.json\"", "LSTMGEN019", "set WeightsPrefix" },
            { "/p/model.json", good.Replace("\"rnn.bias_hh_l0\": [", "\"rnn.bias_hh_l0\": [\"x\", ", StringComparison.Ordinal), "Weights = \"model.json\"", "LSTMGEN019", "'rnn.bias_hh_l0' has shape [9]" },
            { "/p/model.json", ReplaceFirstNumber(good, "rnn.bias_hh_l0", "\"x\""), "Weights = \"model.json\"", "LSTMGEN020", "'rnn.bias_hh_l0' holds the string \"x\" at rnn.bias_hh_l0[0]" },
            { "/p/model.json", ReplaceFirstNumber(good, "rnn.weight_hh_l0", "1e39"), "Weights = \"model.json\"", "LSTMGEN020", "holds 1E+39, beyond float32's range at rnn.weight_hh_l0[0][0]" },
            { "/p/model.json", ReplaceFirstNumber(good, "rnn.bias_ih_l0", "null"), "Weights = \"model.json\"", "LSTMGEN020", "holds null" },
        };
    }

    private static string ReplaceFirstNumber(string json, string tensor, string replacement)
    {
        int start = json.IndexOf('"' + tensor + '"', StringComparison.Ordinal);
        int number = json.IndexOfAny("-0123456789".ToCharArray(), json.IndexOf('[', start));
        int end = json.IndexOfAny(",]".ToCharArray(), number);
        return json.Substring(0, number) + replacement + json.Substring(end);
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_bad_weights_file_is_a_diagnostic_naming_what_is_wrong(string paths, string text, string arguments, string id, string words)
    {
        AdditionalText[] files = [.. paths.Split('|').Select(p => new GeneratorHarness.InMemoryText(p, text))];
        // The class is used as a baked class would be: the diagnostic must come alone, with no knock-on error.
        string source = Source($"[LstmCell(Input = 1, Hidden = 2, {arguments})]")
            + "\ninternal static class Use { public static IRecurrentNetwork<float> Make() => new Baked(); }\n";
        (Compilation output, GeneratorDriverRunResult result) = GeneratorHarness.Run(GeneratorHarness.Compilation(source), files);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(words, diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        // It points at the attribute (line 6 of the source).
        Assert.Equal(("Source0.cs", 5), (diagnostic.Location.GetLineSpan().Path, diagnostic.Location.GetLineSpan().StartLinePosition.Line));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void The_weights_step_reruns_for_a_changed_file_only()
    {
        var config = new RecurrentConfig(CellKind.Lstm, 1, 2);
        string json = "{" + string.Join(", ", StateDict(config, "rnn.", 1).Members) + "}";
        var file = new GeneratorHarness.InMemoryText("/p/model.json", json);
        var unrelated = new GeneratorHarness.InMemoryText("/p/appsettings.json", "{}");
        CSharpCompilation compilation = GeneratorHarness.Compilation(Source("[LstmCell(Input = 1, Hidden = 2, Weights = \"model.json\")]"),
            "namespace App; internal static class Helper { }");
        GeneratorDriver driver = GeneratorHarness.Driver(file, unrelated).RunGenerators(compilation);
        string first = WeightsSource(driver);

        // An unrelated source edit: the weights step is not run again.
        SyntaxTree helper = compilation.SyntaxTrees[1];
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(helper, helper.WithChangedText(helper.GetText().Replace(0, 0, "// edited\n"))));
        Assert.All(Reasons(driver), r => Assert.Equal(IncrementalStepRunReason.Cached, r));

        // Another JSON file changes: the step reruns and finds the same weights, so nothing downstream is emitted again.
        driver = driver.ReplaceAdditionalText(unrelated, new GeneratorHarness.InMemoryText("/p/appsettings.json", "{\"x\": 1}")).RunGenerators(compilation);
        Assert.All(Reasons(driver), r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));

        // The weights file changes: the step's output is modified and the generated data follows the file.
        string changed = ReplaceFirstNumber(json, "rnn.weight_ih_l0", "0.5");
        driver = driver.ReplaceAdditionalText(file, new GeneratorHarness.InMemoryText("/p/model.json", changed)).RunGenerators(compilation);
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(driver));
        string second = WeightsSource(driver);
        Assert.NotEqual(first, second);
        Assert.Contains("0x00, 0x00, 0x00, 0x3F", second, StringComparison.Ordinal); // 0.5f, little-endian
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorDriver driver) =>
        driver.GetRunResult().Results[0].TrackedSteps[Steps.Weights].SelectMany(s => s.Outputs).Select(o => o.Reason);

    private static string WeightsSource(GeneratorDriver driver) =>
        driver.GetRunResult().GeneratedTrees.Single(t => t.FilePath.EndsWith(".Weights.g.cs", StringComparison.Ordinal)).GetText().ToString();
}
