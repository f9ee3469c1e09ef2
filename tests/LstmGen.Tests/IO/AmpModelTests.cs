using System.Text.Json;
using System.Text.Json.Nodes;
using LstmGen.IO;
using LstmGen.Testing;
using LstmGen.Training;
using Xunit.Abstractions;

namespace LstmGen.Tests.IO;

/// <summary>The four real amp models: they import with the architecture their README gives, and run as their plugins do.</summary>
public class AmpModelTests(ITestOutputHelper log)
{
    public static TheoryData<string, CellKind, int, int, bool, AmpModelFormat> Models => new()
    {
        { SharedModels.NeuralPi, CellKind.Lstm, 2, 20, true, AmpModelFormat.GuitarML },
        { SharedModels.Proteus, CellKind.Lstm, 1, 40, true, AmpModelFormat.GuitarML },
        { SharedModels.NeuralSeed, CellKind.Gru, 1, 8, true, AmpModelFormat.GuitarML },
        { SharedModels.AidaX, CellKind.Lstm, 1, 12, false, AmpModelFormat.AidaX },
    };

    public static TheoryData<string> GuitarMLModels => [SharedModels.NeuralPi, SharedModels.Proteus, SharedModels.NeuralSeed];

    [SharedModelTheory(SharedModels.NeuralPi, SharedModels.Proteus, SharedModels.NeuralSeed, SharedModels.AidaX)]
    [MemberData(nameof(Models))]
    public void Imports_and_runs(string file, CellKind kind, int input, int hidden, bool residual, AmpModelFormat format)
    {
        AmpModel model = AmpModelFile.Load(SharedModels.PathOf(file));
        Assert.Equal(new RecurrentConfig(kind, input, hidden), model.Config);
        Assert.Equal(format, model.Format);
        Assert.Equal(residual, model.Residual);
        Assert.Equal(1, model.OutputSize);
        Assert.Equal((1f, 1f), (model.InputGain, model.OutputGain));

        float[] x = TestSignal.Pluck(input, frames: 24_000);
        float[] y = new float[24_000];
        model.Process(x, y);
        Assert.All(y, v => Assert.True(float.IsFinite(v)));
        // A guitar signal of peak 0.6 through an amp model: not silent, and within a few full scales (the models clip softly).
        double rms = Math.Sqrt(y.Average(v => (double)v * v));
        log.WriteLine(FormattableString.Invariant($"{file}: min {y.Min()}, max {y.Max()}, RMS {rms}"));
        Assert.InRange(y.Max(Math.Abs), 0.01, 4.0);
        Assert.InRange(rms, 1e-3, 2.0);
    }

    [SharedModelFact(SharedModels.AidaX)]
    public void AidaX_reproduces_its_own_output_batch()
    {
        AmpModel model = AmpModelFile.Load(SharedModels.PathOf(SharedModels.AidaX));
        Assert.Equal(2048, model.ReferenceInput.Length);
        Assert.Equal(2048, model.ReferenceOutput.Length);
        Assert.Equal("deer ink studios", model.Metadata["author"]);
        float[] y = new float[model.ReferenceOutput.Length];
        model.Process(model.ReferenceInput.Span, y);

        // RTNeural reproduces output_batch to 2.4e-7 and torch float32 to 2.0e-7 (the README of the models): that is
        // float32 rounding of outputs below 1 (ulp 6e-8) through 12-term sums, different activation code and summation
        // orders. Our sigmoid/tanh are within 2.4 ulp, so a few 1e-7 is expected; 1e-5 leaves a factor of 40 and still
        // catches any wrong weight (a swapped gate block is off by more than 1e-2).
        float worst = MaxAbsDiff(model.ReferenceOutput.Span, y);
        log.WriteLine(FormattableString.Invariant($"max |y - output_batch| = {worst}"));
        Assert.True(worst <= 1e-5f, $"max |y - output_batch| = {worst}");
    }

    [SharedModelTheory(SharedModels.NeuralPi, SharedModels.Proteus, SharedModels.NeuralSeed)]
    [MemberData(nameof(GuitarMLModels))]
    public void GuitarML_parameters_are_the_json_values(string file)
    {
        string path = SharedModels.PathOf(file);
        AmpModel model = AmpModelFile.Load(path);
        using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement stateDict = json.RootElement.GetProperty("state_dict");
        int checkedTensors = 0;
        foreach (JsonProperty tensor in stateDict.EnumerateObject())
        {
            float[] expected = Flatten(tensor.Value);
            ReadOnlySpan<float> actual = tensor.Name switch
            {
                "lin.weight" => model.Head.Weight,
                "lin.bias" => model.Head.Bias,
                _ => model.Network.Parameters[tensor.Name["rec.".Length..]],
            };
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{file}: {tensor.Name} differs from the JSON.");
            checkedTensors++;
        }

        Assert.Equal(model.Network.Parameters.Layout.Parameters.Count + 2, checkedTensors);
    }

    [SharedModelTheory(SharedModels.NeuralPi, SharedModels.Proteus, SharedModels.NeuralSeed)]
    [MemberData(nameof(GuitarMLModels))]
    public void GuitarML_equals_the_composition_by_hand(string file)
    {
        // y = lin(rnn(x)) + x[0], composed by hand from the generic network's Forward over the whole signal, the head
        // over every step and the residual: what the plugins compute, without the processor and its stream.
        AmpModel model = AmpModelFile.Load(SharedModels.PathOf(file));
        const int frames = 6000;
        int input = model.InputSize, hidden = model.Config.HiddenSize;
        float[] x = TestSignal.Pluck(input, frames);
        float[] h = new float[frames * hidden];
        model.Network.Forward(x, h, batch: 1);
        float[] expected = new float[frames];
        model.Head.Forward(h, frames, expected);
        for (int t = 0; t < frames; t++)
        {
            expected[t] += x[t * input];
        }

        float[] y = new float[frames];
        AmpProcessor processor = model.CreateProcessor();
        for (int start = 0; start < frames; start += 128)
        {
            int n = Math.Min(128, frames - start);
            processor.Process(x.AsSpan(start * input, n * input), y.AsSpan(start, n));
        }

        // The stream runs each block as Forward with the state carried, in the same float operations as one Forward over
        // the whole signal, and the head and residual row by row as here: equal to the bit.
        Assert.Equal(expected, y);
    }

    [SharedModelFact(SharedModels.Proteus)]
    public void Blocks_of_any_size_equal_one_call_and_reset_starts_again()
    {
        AmpModel model = AmpModelFile.Load(SharedModels.PathOf(SharedModels.Proteus));
        float[] x = TestSignal.Pluck(1, 3000);
        float[] whole = new float[x.Length];
        AmpProcessor processor = model.CreateProcessor();
        processor.Process(x, whole);
        foreach (int block in new[] { 1, 7, 128, 1000 })
        {
            processor.Reset();
            float[] y = new float[x.Length];
            for (int start = 0; start < x.Length; start += block)
            {
                int n = Math.Min(block, x.Length - start);
                processor.Process(x.AsSpan(start, n), y.AsSpan(start, n));
            }

            Assert.Equal(whole, y);
        }
    }

    [SharedModelFact(SharedModels.NeuralSeed)]
    public void A_Keras_GRU_converted_as_RTNeural_does_equals_the_PyTorch_GRU()
    {
        // NeuralSeed's GRU written as a Keras-style file the way RTNeural's torch_helpers::loadGRU / the NeuralSeed
        // converter read PyTorch: kernels transposed, PyTorch's r, z blocks swapped into Keras's z, r order, the bias
        // as the rows [bias_ih, bias_hh] with the same swap. Read back, it must be the same PyTorch GRU, bit for bit.
        string path = SharedModels.PathOf(SharedModels.NeuralSeed);
        AmpModel pytorch = AmpModelFile.Load(path);
        JsonObject stateDict = JsonNode.Parse(File.ReadAllText(path))!["state_dict"]!.AsObject();
        int hidden = pytorch.Config.HiddenSize;
        JsonArray Keras(string name) => KerasGruColumns(stateDict[name]!.AsArray(), hidden);
        var file = new JsonObject
        {
            ["in_shape"] = new JsonArray(null, null, 1),
            ["in_skip"] = 1,
            ["layers"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "gru", ["activation"] = "", ["shape"] = new JsonArray(null, null, hidden),
                    ["weights"] = new JsonArray(Keras("rec.weight_ih_l0"), Keras("rec.weight_hh_l0"),
                        new JsonArray(KerasGruBias(stateDict["rec.bias_ih_l0"]!.AsArray(), hidden), KerasGruBias(stateDict["rec.bias_hh_l0"]!.AsArray(), hidden))),
                },
                new JsonObject
                {
                    ["type"] = "dense", ["activation"] = "", ["shape"] = new JsonArray(null, null, 1),
                    ["weights"] = new JsonArray(Transposed(stateDict["lin.weight"]!.AsArray()), stateDict["lin.bias"]!.DeepClone()),
                }),
        };
        AmpModel keras = AmpModelFile.Parse(JsonSerializer.SerializeToUtf8Bytes(file));

        Assert.Equal(AmpModelFormat.AidaX, keras.Format);
        Assert.Equal(pytorch.Config, keras.Config);
        Assert.True(pytorch.Network.Parameters.Values.SequenceEqual(keras.Network.Parameters.Values), "the GRU parameters differ");
        Assert.True(pytorch.Head.Values.SequenceEqual(keras.Head.Values), "the heads differ");
        float[] x = TestSignal.Pluck(1, 2000);
        float[] a = new float[x.Length], b = new float[x.Length];
        pytorch.Process(x, a);
        keras.Process(x, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void AidaX_gains_and_skip_apply_around_the_model()
    {
        // out = (u + model(u)) * out_gain with u = x * in_gain, the gains in dB.
        JsonObject plain = SyntheticModels.AidaX(hidden: 3);
        JsonObject gained = (JsonObject)plain.DeepClone();
        gained["in_skip"] = 1;
        gained["in_gain"] = 6.0;
        gained["out_gain"] = -3.5;
        AmpModel bare = AmpModelFile.Parse(JsonSerializer.SerializeToUtf8Bytes(plain));
        AmpModel model = AmpModelFile.Parse(JsonSerializer.SerializeToUtf8Bytes(gained));
        Assert.Equal((float)Math.Pow(10, 6.0 / 20), model.InputGain);
        Assert.Equal((float)Math.Pow(10, -3.5 / 20), model.OutputGain);
        Assert.Equal((6.0, -3.5, true), (model.InputGainDecibels, model.OutputGainDecibels, model.Residual));

        float[] x = TestSignal.Pluck(1, 700);
        float[] u = Array.ConvertAll(x, v => v * model.InputGain);
        float[] expected = new float[x.Length];
        bare.Process(u, expected);
        for (int t = 0; t < expected.Length; t++)
        {
            expected[t] = (u[t] + expected[t]) * model.OutputGain;
        }

        float[] y = new float[x.Length];
        model.Process(x, y);
        Assert.Equal(expected, y);
    }

    [Fact]
    public void A_generated_network_of_the_shape_runs_the_model()
    {
        JsonObject file = SyntheticModels.AidaX(hidden: 3);
        AmpModel model = AmpModelFile.Parse(JsonSerializer.SerializeToUtf8Bytes(file));
        var other = new RecurrentNetwork<float>(new RecurrentConfig(CellKind.Lstm, 1, 3), seed: 5);
        model.CopyParametersTo(other.Parameters);
        float[] x = TestSignal.Pluck(1, 300), a = new float[300], b = new float[300];
        model.Process(x, a);
        model.CreateProcessor(other).Process(x, b);
        Assert.Equal(a, b);

        var wrong = new RecurrentNetwork<float>(new RecurrentConfig(CellKind.Gru, 1, 3));
        ArgumentException e = Assert.Throws<ArgumentException>(() => model.CreateProcessor(wrong));
        Assert.Contains("network must have the model's shape Lstm(input=1, hidden=3", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => model.CopyParametersTo(wrong.Parameters));
    }

    [Fact]
    public void Process_rejects_partial_frames_and_wrong_output_lengths()
    {
        AmpModel model = AmpModelFile.Parse(JsonSerializer.SerializeToUtf8Bytes(SyntheticModels.GuitarML(input: 2, hidden: 2)));
        AmpProcessor processor = model.CreateProcessor();
        ArgumentException partial = Assert.Throws<ArgumentException>(() => processor.Process(new float[5], new float[2]));
        Assert.Equal("input", partial.ParamName);
        Assert.Contains("whole frames of 2 values, but has 5", partial.Message, StringComparison.Ordinal);
        ArgumentException output = Assert.Throws<ArgumentException>(() => processor.Process(new float[6], new float[2]));
        Assert.Equal("output", output.ParamName);
        Assert.Contains("frames*OutputSize = 3*1 = 3 elements, but has 2", output.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_block_allocates_nothing()
    {
        // With an input gain, so the staging of the gained input is on the path too.
        JsonObject file = SyntheticModels.AidaX(hidden: 5);
        file["in_gain"] = 3.0;
        file["out_gain"] = -1.0;
        AmpProcessor processor = AmpModelFile.Parse(JsonSerializer.SerializeToUtf8Bytes(file)).CreateProcessor();
        float[] x = TestSignal.Pluck(1, 1000), y = new float[1000];
        processor.Process(x, y);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int start = 0; start < 1000; start += 100)
        {
            processor.Process(x.AsSpan(start, 100), y.AsSpan(start, 100));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void GuitarML_without_bias_and_with_two_layers()
    {
        // bias_fl false: no rec.bias_* and no lin.bias; num_layers 2: rec.*_l1 of the second layer, as torch.nn.LSTM names them.
        JsonObject file = SyntheticModels.GuitarML(hidden: 3);
        JsonObject stateDict = file["state_dict"]!.AsObject();
        file["model_data"]!["bias_fl"] = false;
        file["model_data"]!["num_layers"] = 2;
        foreach (string name in new[] { "rec.bias_ih_l0", "rec.bias_hh_l0", "lin.bias" })
        {
            stateDict.Remove(name);
        }

        stateDict["rec.weight_ih_l1"] = SyntheticModels.Matrix(new Random(3), 12, 3);
        stateDict["rec.weight_hh_l1"] = SyntheticModels.Matrix(new Random(4), 12, 3);
        AmpModel model = AmpModelFile.Parse(JsonSerializer.SerializeToUtf8Bytes(file));
        Assert.Equal(new RecurrentConfig(CellKind.Lstm, 1, 3, numLayers: 2, bias: false), model.Config);
        Assert.False(model.Head.HasBias);
        Assert.Equal(stateDict["rec.weight_hh_l1"]![11]![2]!.GetValue<float>(), model.Network.Parameters["weight_hh_l1"][(11 * 3) + 2]);
        float[] y = new float[50];
        model.Process(TestSignal.Pluck(1, 50), y);
        Assert.All(y, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Saved_as_a_whole_model_it_loads_and_predicts_the_same()
    {
        // The GuitarML model as a RecurrentModel, saved under GuitarML's own prefixes and loaded back: Predict over the
        // signal (one Forward, the head at every step, + x[0]) gives the processor's bits.
        AmpModel model = AmpModelFile.Parse(JsonSerializer.SerializeToUtf8Bytes(SyntheticModels.GuitarML("GRU", input: 2, hidden: 4)));
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-amp-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Model.Save(path, networkPrefix: "rec.", headPrefix: "lin.");
            RecurrentModel<float> loaded = RecurrentModel<float>.Load(path);
            Assert.Equal(model.Config, loaded.Network.Config);
            Assert.True(loaded.Residual);
            float[] x = TestSignal.Pluck(2, 500), expected = new float[500], y = new float[500];
            model.Process(x, expected);
            loaded.Predict(x, y, batch: 1);
            Assert.Equal(expected, y);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        }

        return worst;
    }

    private static float[] Flatten(JsonElement e) => e.ValueKind == JsonValueKind.Array
        ? e.EnumerateArray().SelectMany(Flatten).ToArray()
        : [e.GetSingle()];

    // A PyTorch (3H × n) GRU matrix as a Keras (n × 3H) kernel with the gate blocks z, r, n.
    private static JsonArray KerasGruColumns(JsonArray rows, int hidden)
    {
        JsonArray swapped = KerasGruBias(rows, hidden);
        return Transposed(swapped);
    }

    // PyTorch's gate blocks r, z, n reordered as z, r, n.
    private static JsonArray KerasGruBias(JsonArray blocks, int hidden)
    {
        var result = new JsonArray();
        foreach (int block in new[] { 1, 0, 2 })
        {
            for (int u = 0; u < hidden; u++)
            {
                result.Add(blocks[(block * hidden) + u]!.DeepClone());
            }
        }

        return result;
    }

    private static JsonArray Transposed(JsonArray rows)
    {
        int columns = rows[0]!.AsArray().Count;
        var result = new JsonArray();
        for (int c = 0; c < columns; c++)
        {
            result.Add(new JsonArray(rows.Select(r => r![c]!.DeepClone()).ToArray()));
        }

        return result;
    }
}
