using System.Globalization;
using System.Text.Json;
using LstmGen.Demo;
using LstmGen.IO;
using LstmGen.Testing;

namespace LstmGen.Tests.IO;

/// <summary>The demo's <c>amp</c> command: its output is the library's own run, and bad arguments and files are named.</summary>
public sealed class AmpCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lstmgen-amp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SharedModelTheory(SharedModels.NeuralPi, SharedModels.AidaX)]
    [InlineData(SharedModels.NeuralPi)]
    [InlineData(SharedModels.AidaX)]
    public void Output_is_the_library_run_to_the_bit(string file)
    {
        string modelPath = SharedModels.PathOf(file);
        AmpModel model = AmpModelFile.Load(modelPath);
        float[] x = TestSignal.Pluck(model.InputSize, 3000);
        string input = WriteFrames(x, model.InputSize);
        string output = Path.Combine(_dir, "out.json");

        (int code, string stdout, string stderr) = Run("--model", modelPath, "--input", input, "--output", output);

        Assert.True(code == 0, stderr);
        Assert.Contains("3000 frames", stdout, StringComparison.Ordinal);
        float[] expected = new float[3000];
        model.Process(x, expected);
        using JsonDocument written = JsonDocument.Parse(File.ReadAllBytes(output));
        float[] actual = written.RootElement.EnumerateArray().Select(e => float.Parse(e.GetRawText(), CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Writes_round_trip_text_in_the_invariant_culture()
    {
        string output = Path.Combine(_dir, "out.json");
        float[] y = [0.1f, -1.0000001f, 3.4028235e38f, 1e-45f, 0f];
        AmpCommand.WriteOutput(output, y, 1);
        Assert.Equal("[0.1,-1.0000001,3.4028235E+38,1E-45,0]", File.ReadAllText(output));
    }

    [Theory]
    [InlineData(new[] { "--input", "in.json", "--output", "out.json" }, "amp needs --model FILE.")]
    [InlineData(new[] { "--model", "m.json", "--output", "out.json" }, "amp needs --input FILE.")]
    [InlineData(new[] { "--model", "m.json", "--input", "in.json" }, "amp needs --output FILE.")]
    [InlineData(new[] { "--model", "--input", "in.json" }, "--model needs a file name.")]
    [InlineData(new[] { "--model", "m.json", "--gain", "2" }, "amp: unknown option '--gain'.")]
    public void Bad_arguments_exit_2_naming_them(string[] args, string message)
    {
        (int code, _, string stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith(message, stderr, StringComparison.Ordinal);
        Assert.Contains("Try amp --help.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_exits_0()
    {
        (int code, string stdout, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("--model FILE", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_model_file_is_named()
    {
        string missing = Path.Combine(_dir, "nope.json");
        (int code, _, string stderr) = Run("--model", missing, "--input", WriteFrames([0.1f], 1), "--output", Path.Combine(_dir, "o.json"));
        Assert.Equal(1, code);
        Assert.StartsWith($"--model '{missing}': ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_model_is_named()
    {
        string model = Path.Combine(_dir, "m.json");
        File.WriteAllText(model, "{\"in_shape\": [null, null, 1], \"layers\": []}");
        (int code, _, string stderr) = Run("--model", model, "--input", WriteFrames([0.1f], 1), "--output", Path.Combine(_dir, "o.json"));
        Assert.Equal(1, code);
        Assert.StartsWith($"amp model file '{model}': layers: is empty", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[[0.1], [0.2, 0.3]]", "frame 1 has 2 numbers, but each frame must be an array of the model's 1 input numbers, like [0.1].")]
    [InlineData("[0.1, 0.2]", "frame 0 is 0.1, but each frame must be an array")]
    [InlineData("[[0.1], [\"x\"]]", "frame 1, value 0 is \"x\", but must be a finite number")]
    [InlineData("[[1e39]]", "frame 0, value 0 is 1e39, but must be a finite number within float32's range.")]
    [InlineData("{\"frames\": []}", "must be a JSON array of frames, but is object.")]
    [InlineData("[[0.1],", "is not valid JSON")]
    public void A_bad_input_file_is_named_with_the_frame(string text, string message)
    {
        string input = Path.Combine(_dir, "in.json");
        File.WriteAllText(input, text);
        (int code, _, string stderr) = Run("--model", SyntheticModel(), "--input", input, "--output", Path.Combine(_dir, "o.json"));
        Assert.Equal(1, code);
        Assert.StartsWith($"--input '{input}'", stderr, StringComparison.Ordinal);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_folder_that_does_not_exist_is_named()
    {
        string output = Path.Combine(_dir, "no", "such", "o.json");
        (int code, _, string stderr) = Run("--model", SyntheticModel(), "--input", WriteFrames([0.1f, 0.2f], 1), "--output", output);
        Assert.Equal(1, code);
        Assert.StartsWith($"--output '{output}': ", stderr, StringComparison.Ordinal);
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter(CultureInfo.InvariantCulture);
        var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int code = AmpCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string SyntheticModel()
    {
        string path = Path.Combine(_dir, "synthetic.json");
        File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(SyntheticModels.GuitarML()));
        return path;
    }

    private string WriteFrames(float[] x, int inputSize)
    {
        string path = Path.Combine(_dir, $"in-{Guid.NewGuid():N}.json");
        float[][] frames = Enumerable.Range(0, x.Length / inputSize).Select(t => x[(t * inputSize)..((t + 1) * inputSize)]).ToArray();
        File.WriteAllText(path, "[" + string.Join(",", frames.Select(f => "[" + string.Join(",", f.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]")) + "]");
        return path;
    }
}
