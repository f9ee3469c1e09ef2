using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LstmGen.IO;

namespace LstmGen.Tests.IO;

/// <summary>
/// Malformed or unsupported amp model files, each a small synthetic file of one format with one thing wrong. Every case
/// must throw <see cref="AmpModelFormatException"/> whose message names the problem (and <see cref="AmpModelFormatException.Location"/>
/// the place), from text and from a file alike.
/// </summary>
public class MalformedAmpModelTests
{
    [Fact]
    public void The_unedited_files_load()
    {
        Assert.Equal(AmpModelFormat.GuitarML, AmpModelFile.Parse(Bytes(SyntheticModels.GuitarML())).Format);
        Assert.Equal(AmpModelFormat.GuitarML, AmpModelFile.Parse(Bytes(SyntheticModels.GuitarML("GRU", input: 2, hidden: 3))).Format);
        Assert.Equal(AmpModelFormat.AidaX, AmpModelFile.Parse(Bytes(SyntheticModels.AidaX())).Format);
        Assert.Equal(AmpModelFormat.AidaX, AmpModelFile.Parse(Bytes(SyntheticModels.AidaX("gru", input: 2, hidden: 3))).Format);
    }

    // The whole file.

    [Fact]
    public void Empty_file() => AssertRejected([], null, "the file is empty");

    [Fact]
    public void Not_JSON() => AssertRejected("model: lstm"u8.ToArray(), null, "not valid JSON", "(line 1, byte 1)");

    [Fact]
    public void Truncated()
    {
        byte[] file = Bytes(SyntheticModels.GuitarML());
        AssertRejected(file[..(file.Length / 2)], null, "not valid JSON", "it ends early (is it truncated?)");
    }

    [Fact]
    public void Content_after_the_object() => AssertRejected([.. Bytes(SyntheticModels.AidaX()), .. "{}"u8], null, "not valid JSON");

    [Fact]
    public void Not_an_object() => AssertRejected("[1, 2]"u8.ToArray(), null, "must hold a JSON object, but holds an array");

    [Fact]
    public void Neither_format() =>
        AssertRejected("{\"weights\": [], \"name\": \"x\"}"u8.ToArray(), null, "neither a GuitarML model", "AIDA-X", "the keys 'weights', 'name'");

    [Fact]
    public void Duplicate_key() =>
        AssertRejected(EditText(SyntheticModels.GuitarML(), "\"skip\":1", "\"skip\":1,\"skip\":0"), null, "has a key twice", "'skip'");

    [Fact]
    public void NaN_weight_as_Python_writes_it() =>
        AssertRejected(EditText(SyntheticModels.GuitarML(), "\"lin.bias\":[", "\"lin.bias\":[NaN,"), null, "NaN or Infinity", "every weight must be a finite number");

    [Fact]
    public void Infinity_weight_as_Python_writes_it() =>
        AssertRejected(EditText(SyntheticModels.AidaX(), "\"output_batch\":[", "\"output_batch\":[-Infinity,"), null, "NaN or Infinity");

    // GuitarML.

    [Fact]
    public void Unknown_unit_type() =>
        AssertRejected(Edit(SyntheticModels.GuitarML(), f => f["model_data"]!["unit_type"] = "LSTMP"), "model_data.unit_type", "is 'LSTMP'", "only LSTM and GRU");

    [Fact]
    public void Other_model_than_SimpleRNN() =>
        AssertRejected(Edit(SyntheticModels.GuitarML(), f => f["model_data"]!["model"] = "WaveNet"), "model_data.model", "'WaveNet'", "only 'SimpleRNN'");

    [Theory]
    [InlineData("hidden_size")]
    [InlineData("input_size")]
    [InlineData("unit_type")]
    [InlineData("skip")]
    public void Missing_model_data_key(string key) =>
        AssertRejected(Edit(SyntheticModels.GuitarML(), f => f["model_data"]!.AsObject().Remove(key)), "model_data", $"missing key '{key}'");

    [Fact]
    public void Missing_state_dict() =>
        AssertRejected(Edit(SyntheticModels.GuitarML(), f => f.Remove("state_dict")), null, "missing key 'state_dict'");

    [Fact]
    public void Hidden_size_disagrees_with_the_tensors() =>
        AssertRejected(Edit(SyntheticModels.GuitarML(hidden: 2), f => f["model_data"]!["hidden_size"] = 3), "state_dict[\"rec.weight_ih_l0\"]",
            "has shape [8, 1]", "(LSTM, input_size 1, hidden_size 3, num_layers 1) needs [12, 1]");

    [Fact]
    public void Zero_hidden_size() =>
        AssertRejected(Edit(SyntheticModels.GuitarML(), f => f["model_data"]!["hidden_size"] = 0), "model_data.hidden_size", "at least 1, but is the number 0");

    [Fact]
    public void Transposed_recurrent_weight() =>
        AssertRejected(Edit(SyntheticModels.GuitarML("GRU", input: 2, hidden: 3), f => f["state_dict"]!["rec.weight_ih_l0"] = SyntheticModels.Matrix(new Random(1), 2, 9)),
            "state_dict[\"rec.weight_ih_l0\"]", "has shape [2, 9]", "(GRU, input_size 2, hidden_size 3, num_layers 1) needs [9, 2]");

    [Fact]
    public void Bias_as_a_matrix() =>
        AssertRejected(Edit(SyntheticModels.GuitarML(), f => f["state_dict"]!["lin.bias"] = new JsonArray(new JsonArray(0.5))),
            "state_dict[\"lin.bias\"]", "has shape [1, 1]", "the head Linear(hidden_size 2, output_size 1) needs [1]");

    [Fact]
    public void Missing_tensor() =>
        AssertRejected(Edit(SyntheticModels.GuitarML(), f => f["state_dict"]!.AsObject().Remove("rec.bias_hh_l0")), "state_dict",
            "missing tensor 'rec.bias_hh_l0' of shape [8]");

    [Fact]
    public void Unexpected_tensor() =>
        AssertRejected(Edit(SyntheticModels.GuitarML(), f => f["state_dict"]!["rec.weight_ih_l1"] = SyntheticModels.Matrix(new Random(1), 8, 2)),
            "state_dict[\"rec.weight_ih_l1\"]", "unexpected tensor 'rec.weight_ih_l1'", "num_layers 1", "'rec.weight_ih_l0'");

    [Fact]
    public void More_layers_than_the_tensors_hold() =>
        AssertRejected(Edit(SyntheticModels.GuitarML(), f => f["model_data"]!["num_layers"] = 2), "state_dict", "missing tensor 'rec.weight_ih_l1' of shape [8, 2]", "num_layers 2");

    [Fact]
    public void Absurd_layer_count() =>
        AssertRejected(Edit(SyntheticModels.GuitarML(), f => f["model_data"]!["num_layers"] = 100_000_000), "model_data.num_layers", "is 100000000, but state_dict holds only 6 tensors");

    [Fact]
    public void Weight_as_a_string() =>
        AssertRejected(Edit(SyntheticModels.GuitarML(), f => f["state_dict"]!["rec.weight_hh_l0"]![3]![1] = "0.25"),
            "state_dict[\"rec.weight_hh_l0\"][3][1]", "must be a finite number, but is the string \"0.25\"");

    [Fact]
    public void Ragged_rows() =>
        AssertRejected(Edit(SyntheticModels.GuitarML(), f => f["state_dict"]!["rec.weight_hh_l0"]![5]!.AsArray().Add(0.5)),
            "state_dict[\"rec.weight_hh_l0\"][5]", "must be an array of 2 numbers", "an array of 3 elements");

    [Fact]
    public void Weight_beyond_float32() =>
        AssertRejected(Edit(SyntheticModels.GuitarML(), f => f["state_dict"]!["lin.weight"]![0]![1] = 1e39),
            "state_dict[\"lin.weight\"][0][1]", "1E+39", "does not fit a float32");

    [Fact]
    public void Skip_flag_not_0_or_1() =>
        AssertRejected(Edit(SyntheticModels.GuitarML(), f => f["model_data"]!["skip"] = 2), "model_data.skip", "true, false, 1 or 0", "the number 2");

    [Fact]
    public void Skip_with_two_outputs() =>
        AssertRejected(Bytes(SyntheticModels.GuitarML(output: 2)), "model_data.skip", "single output and output_size is 2");

    // AIDA-X.

    [Fact]
    public void Empty_layers() =>
        AssertRejected(Edit(SyntheticModels.AidaX(), f => f["layers"] = new JsonArray()), "layers", "is empty", "one recurrent layer (lstm or gru) followed by one dense layer");

    [Fact]
    public void Too_many_layers() =>
        AssertRejected(Edit(SyntheticModels.AidaX(), f => f["layers"]!.AsArray().Insert(1, f["layers"]![0]!.DeepClone())), "layers",
            "are [lstm, lstm, dense] (3 layers)", "one recurrent layer");

    [Fact]
    public void Dense_first() =>
        AssertRejected(Edit(SyntheticModels.AidaX(), f => f["layers"] = new JsonArray(f["layers"]![1]!.DeepClone(), f["layers"]![0]!.DeepClone())), "layers", "are [dense, lstm]");

    [Fact]
    public void Unknown_layer_type() =>
        AssertRejected(Edit(SyntheticModels.AidaX(), f => f["layers"]![0]!["type"] = "conv1d"), "layers[0].type", "is 'conv1d', an unknown or unsupported layer type");

    [Fact]
    public void In_shape_disagrees_with_the_kernel() =>
        AssertRejected(Edit(SyntheticModels.AidaX(input: 1), f => f["in_shape"] = new JsonArray(null, null, 2)), "layers[0].weights[0]",
            "has shape [1, 8]", "the kernel of an lstm with in_shape 2 and shape 2 needs [2, 8]");

    [Fact]
    public void Layer_shape_disagrees_with_the_recurrent_kernel() =>
        AssertRejected(Edit(SyntheticModels.AidaX(hidden: 2), f => f["layers"]![0]!["shape"] = new JsonArray(null, null, 3)), "layers[0].weights[0]",
            "has shape [1, 8]", "needs [1, 12]");

    [Fact]
    public void In_shape_missing() =>
        AssertRejected(Edit(SyntheticModels.AidaX(), f => f.Remove("in_shape")), null, "missing key 'in_shape'");

    [Fact]
    public void In_shape_empty() =>
        AssertRejected(Edit(SyntheticModels.AidaX(), f => f["in_shape"] = new JsonArray()), "in_shape", "shape like [null, null, N], but is an empty array");

    [Fact]
    public void Layer_without_weights() =>
        AssertRejected(Edit(SyntheticModels.AidaX(), f => f["layers"]![1]!.AsObject().Remove("weights")), "layers[1]", "missing key 'weights' (kernel and bias)");

    [Fact]
    public void Lstm_with_two_weight_arrays() =>
        AssertRejected(Edit(SyntheticModels.AidaX(), f => f["layers"]![0]!["weights"]!.AsArray().RemoveAt(2)), "layers[0].weights",
            "must hold 3 arrays (kernel, recurrent_kernel and bias), but holds 2");

    [Fact]
    public void Gru_bias_of_one_row() =>
        AssertRejected(Edit(SyntheticModels.AidaX("gru", hidden: 4), f => f["layers"]![0]!["weights"]![2] = SyntheticModels.Vector(new Random(1), 12)),
            "layers[0].weights[2]", "has shape [12]", "the bias (input and recurrent rows) of a gru with in_shape 1 and shape 4 needs [2, 12]");

    [Fact]
    public void Dense_activation() =>
        AssertRejected(Edit(SyntheticModels.AidaX(), f => f["layers"]![1]!["activation"] = "tanh"), "layers[1].activation", "is 'tanh'", "only \"\" (no activation)");

    [Fact]
    public void Dense_kernel_of_the_wrong_width() =>
        AssertRejected(Edit(SyntheticModels.AidaX(), f => f["layers"]![1]!["shape"] = new JsonArray(null, null, 2)), "layers[1].weights[0]",
            "has shape [2, 1]", "the kernel of a dense layer from 2 to shape 2 needs [2, 2]");

    [Fact]
    public void Gain_not_a_number() =>
        AssertRejected(Edit(SyntheticModels.AidaX(), f => f["in_gain"] = "6dB"), "in_gain", "must be a finite number, but is the string \"6dB\"");

    [Fact]
    public void Output_batch_of_another_length() =>
        AssertRejected(Edit(SyntheticModels.AidaX(), f => f["output_batch"]!.AsArray().RemoveAt(0)), "output_batch",
            "has 3 numbers, but input_batch's 4 numbers are 4 frames of 1, which give 4 outputs");

    [Fact]
    public void Input_batch_without_output_batch() =>
        AssertRejected(Edit(SyntheticModels.AidaX(), f => f.Remove("output_batch")), "input_batch", "without output_batch");

    [Fact]
    public void A_missing_file_is_an_IO_error_naming_it()
    {
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-missing-{Guid.NewGuid():N}.json");
        FileNotFoundException e = Assert.Throws<FileNotFoundException>(() => AmpModelFile.Load(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    private static byte[] Bytes(JsonObject file) => JsonSerializer.SerializeToUtf8Bytes(file);

    private static byte[] Edit(JsonObject file, Action<JsonObject> edit)
    {
        edit(file);
        return Bytes(file);
    }

    private static byte[] EditText(JsonObject file, string find, string replace)
    {
        string text = file.ToJsonString();
        Assert.Contains(find, text, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text.Replace(find, replace, StringComparison.Ordinal));
    }

    private static void AssertRejected(byte[] file, string? location, params string[] fragments)
    {
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-{Guid.NewGuid():N}.json");
        File.WriteAllBytes(path, file);
        try
        {
            foreach ((string mode, Func<AmpModel> load) in new (string, Func<AmpModel>)[] { ("text", () => AmpModelFile.Parse(file)), ("file", () => AmpModelFile.Load(path)) })
            {
                AmpModelFormatException e = Assert.Throws<AmpModelFormatException>(() => load());
                foreach (string fragment in fragments)
                {
                    Assert.True(e.Message.Contains(fragment, StringComparison.Ordinal), $"{mode}: the message lacks \"{fragment}\": {e.Message}");
                }

                Assert.True(location == e.Location, $"{mode}: Location is '{e.Location}', expected '{location}': {e.Message}");
                if (location is not null)
                {
                    Assert.Contains(": " + location + ": ", e.Message, StringComparison.Ordinal);
                }

                Assert.StartsWith(mode == "file" ? $"amp model file '{path}': " : "amp model JSON: ", e.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
