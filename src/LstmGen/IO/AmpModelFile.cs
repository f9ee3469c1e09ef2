using System.Text.Json;
using LstmGen.Training;

namespace LstmGen.IO;

/// <summary>
/// Reads the recurrent amp models that guitar plugins share as JSON: GuitarML's "PyTorch state_dict JSON" (NeuralPi,
/// Proteus, NeuralSeed) and AIDA-X's RTNeural Keras-style JSON, into an <see cref="AmpModel"/> with PyTorch-named
/// parameters.
/// </summary>
/// <remarks>
/// <para>
/// <b>GuitarML</b>: <c>{"model_data": {"unit_type": "LSTM"|"GRU", "input_size", "hidden_size", "output_size", "skip",
/// "num_layers"?, "bias_fl"?, "model"?: "SimpleRNN"}, "state_dict": {...}}</c>. The <c>state_dict</c> holds exactly the
/// <c>torch.nn.LSTM</c>/<c>GRU</c> parameters under the prefix <c>rec.</c> and the head <c>lin.weight</c>,
/// <c>lin.bias</c>, with PyTorch's shapes; <c>skip</c> adds the audio channel <c>x[0]</c> to the output.
/// </para>
/// <para>
/// <b>AIDA-X</b>: <c>{"in_shape": [null, null, in], "layers": [recurrent, dense], "in_skip"?, "in_gain"?, "out_gain"?,
/// "input_batch"?, "output_batch"?, "metadata"?}</c>. The recurrent layer is <c>lstm</c> (weights: kernel in×4H,
/// recurrent_kernel H×4H, bias 4H; gate columns i, f, c, o, which are PyTorch's i, f, g, o) or <c>gru</c> (kernel in×3H,
/// recurrent_kernel H×3H, bias 2×3H of input and recurrent rows; gate columns z, r, n, PyTorch's r, z, n with r and z
/// swapped, as RTNeural's <c>GRULayer::setWVals</c>/<c>setBVals</c> read them). PyTorch's parameters are the transposes:
/// <c>weight_ih = kernelᵀ</c>, <c>weight_hh = recurrent_kernelᵀ</c>, <c>bias_ih = bias</c> and <c>bias_hh = 0</c> for the
/// LSTM (Keras has one bias), the two bias rows for the GRU. The dense layer (no activation) is the head, weight = kernelᵀ.
/// <c>in_skip</c> (default 0) adds the gained input; <c>in_gain</c>/<c>out_gain</c> are dB (default 0).
/// </para>
/// <para>
/// <b>Validation</b> is strict and happens before anything is built: the text is UTF-8 JSON without duplicate keys;
/// every key the format needs is present; every tensor has exactly the shape the declared sizes need and holds finite
/// numbers that fit a float32; no unknown tensor is in a <c>state_dict</c>. Any failure throws
/// <see cref="AmpModelFormatException"/> naming the file, the place (<c>state_dict["rec.weight_hh_l0"]</c>,
/// <c>layers[0].weights[1]</c>, ...) and what was expected.
/// </para>
/// </remarks>
public static class AmpModelFile
{
    private const string RecurrentPrefix = "rec.";

    /// <summary>Reads an amp model file of either format.</summary>
    /// <param name="path">The JSON file.</param>
    /// <exception cref="AmpModelFormatException">The file is malformed or describes a model this library cannot run.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static AmpModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllBytes(path), $"amp model file '{path}'");
    }

    /// <summary>Reads an amp model of either format from its UTF-8 JSON text.</summary>
    /// <param name="json">The whole file.</param>
    /// <exception cref="AmpModelFormatException">The text is malformed or describes a model this library cannot run.</exception>
    public static AmpModel Parse(ReadOnlySpan<byte> json) => Parse(json, "amp model JSON");

    private static AmpModel Parse(ReadOnlySpan<byte> json, string source)
    {
        var reader = new AmpJson(source);
        using JsonDocument document = reader.Parse(json);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw reader.Error(null, $"the file must hold a JSON object, but holds {(root.ValueKind == JsonValueKind.Array ? "an array" : root.GetRawText())}.");
        }

        if (root.TryGetProperty("model_data", out _) || root.TryGetProperty("state_dict", out _))
        {
            return ReadGuitarML(reader, root);
        }

        if (root.TryGetProperty("layers", out _) || root.TryGetProperty("in_shape", out _))
        {
            return ReadAidaX(reader, root);
        }

        string keys = string.Join(", ", root.EnumerateObject().Take(8).Select(p => "'" + p.Name + "'"));
        throw reader.Error(null, $"neither a GuitarML model (keys 'model_data' and 'state_dict') nor an AIDA-X/RTNeural model (keys 'in_shape' and 'layers'); the file has {(keys.Length == 0 ? "no keys" : "the keys " + keys)}.");
    }

    private static AmpModel ReadGuitarML(AmpJson reader, JsonElement root)
    {
        const string Where = "model_data";
        JsonElement data = reader.Object(reader.Require(root, null, "model_data", "the model's sizes"), Where);
        JsonElement stateDict = reader.Object(reader.Require(root, null, "state_dict", "the weights under PyTorch's names"), "state_dict");
        if (data.TryGetProperty("model", out JsonElement modelName) && reader.String(modelName, "model_data.model") != "SimpleRNN")
        {
            throw reader.Error("model_data.model", $"is '{modelName.GetString()}', but only 'SimpleRNN' (a recurrent layer, a linear head and the skip) is supported.");
        }

        string unit = reader.String(reader.Require(data, Where, "unit_type", "LSTM or GRU"), "model_data.unit_type");
        CellKind kind = unit switch
        {
            "LSTM" => CellKind.Lstm,
            "GRU" => CellKind.Gru,
            _ => throw reader.Error("model_data.unit_type", $"is '{unit}', but only LSTM and GRU are supported."),
        };
        int inputSize = reader.Int(reader.Require(data, Where, "input_size", "features per frame"), "model_data.input_size", 1);
        int hiddenSize = reader.Int(reader.Require(data, Where, "hidden_size", "units of the recurrent layer"), "model_data.hidden_size", 1);
        int outputSize = reader.Int(reader.Require(data, Where, "output_size", "outputs per frame"), "model_data.output_size", 1);
        bool skip = reader.Flag(reader.Require(data, Where, "skip", "whether the input is added to the output"), "model_data.skip");
        int numLayers = data.TryGetProperty("num_layers", out JsonElement layersElement) ? reader.Int(layersElement, "model_data.num_layers", 1) : 1;
        bool bias = !data.TryGetProperty("bias_fl", out JsonElement biasElement) || reader.Flag(biasElement, "model_data.bias_fl");

        // Every layer has at least two tensors; a larger count cannot be backed by the state_dict (and would only allocate).
        int tensors = stateDict.EnumerateObject().Count();
        if (numLayers > tensors)
        {
            throw reader.Error("model_data.num_layers", FormattableString.Invariant($"is {numLayers}, but state_dict holds only {tensors} tensors."));
        }

        RecurrentConfig config = NewConfig(reader, Where, kind, inputSize, hiddenSize, numLayers, bias);
        string needs = FormattableString.Invariant($"model_data ({unit}, input_size {inputSize}, hidden_size {hiddenSize}, num_layers {numLayers})");
        var layout = new ParameterLayout(config);
        var expected = new List<(string Name, int[] Shape, string Needs)>();
        foreach (ParameterInfo p in layout.Parameters)
        {
            expected.Add((RecurrentPrefix + p.Name, p.Shape, needs));
        }

        string headNeeds = FormattableString.Invariant($"the head Linear(hidden_size {config.OutputHidden}, output_size {outputSize})");
        expected.Add(("lin.weight", [outputSize, config.OutputHidden], headNeeds));
        if (bias)
        {
            expected.Add(("lin.bias", [outputSize], headNeeds));
        }

        foreach (JsonProperty tensor in stateDict.EnumerateObject())
        {
            if (!expected.Exists(e => e.Name == tensor.Name))
            {
                throw reader.Error(StateDictPath(tensor.Name), $"unexpected tensor '{tensor.Name}': {needs} with bias_fl {(bias ? "true" : "false")} has exactly {string.Join(", ", expected.Select(e => "'" + e.Name + "'"))}.");
            }
        }

        var values = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach ((string name, int[] shape, string who) in expected)
        {
            if (!stateDict.TryGetProperty(name, out JsonElement tensor))
            {
                throw reader.Error("state_dict", $"missing tensor '{name}' of shape {AmpJson.ShapeText(shape)}, which {who} needs.");
            }

            values[name] = reader.Tensor(tensor, StateDictPath(name), shape, who);
        }

        if (skip && outputSize != 1)
        {
            throw reader.Error("model_data.skip", FormattableString.Invariant($"is set, but the skip adds the audio channel x[0] to a single output and output_size is {outputSize}."));
        }

        var parameters = new ParameterSet<float>(layout);
        foreach (ParameterInfo p in layout.Parameters)
        {
            parameters.Set(p.Name, values[RecurrentPrefix + p.Name]);
        }

        Linear<float> head = NewHead(config.OutputHidden, outputSize, values["lin.weight"], bias ? values["lin.bias"] : null);
        return new AmpModel(AmpModelFormat.GuitarML, new RecurrentNetwork<float>(parameters), head, skip, 0, 0, [], [],
            new Dictionary<string, string>(StringComparer.Ordinal));
    }

    private static AmpModel ReadAidaX(AmpJson reader, JsonElement root)
    {
        int inputSize = reader.LastDimension(reader.Require(root, null, "in_shape", "the input shape [null, null, features]"), "in_shape");
        JsonElement layers = reader.Array(reader.Require(root, null, "layers", "a recurrent layer and a dense layer"), "layers");
        const string Supported = "an AIDA-X model is one recurrent layer (lstm or gru) followed by one dense layer";
        int count = layers.GetArrayLength();
        if (count == 0)
        {
            throw reader.Error("layers", $"is empty; {Supported}.");
        }

        var types = new string[count];
        for (int i = 0; i < count; i++)
        {
            string where = FormattableString.Invariant($"layers[{i}]");
            JsonElement layer = reader.Object(layers[i], where);
            types[i] = reader.String(reader.Require(layer, where, "type", "lstm, gru or dense"), where + ".type");
            if (types[i] is not ("lstm" or "gru" or "dense" or "time-distributed-dense"))
            {
                throw reader.Error(where + ".type", $"is '{types[i]}', an unknown or unsupported layer type; {Supported}.");
            }
        }

        if (count != 2 || types[0] is not ("lstm" or "gru") || types[1] is not ("dense" or "time-distributed-dense"))
        {
            throw reader.Error("layers", FormattableString.Invariant($"are [{string.Join(", ", types)}] ({count} layers), but {Supported}."));
        }

        CellKind kind = types[0] == "lstm" ? CellKind.Lstm : CellKind.Gru;
        JsonElement recurrent = layers[0];
        int hiddenSize = reader.LastDimension(reader.Require(recurrent, "layers[0]", "shape", "[null, null, hidden size]"), "layers[0].shape");
        RecurrentConfig config = NewConfig(reader, "layers[0]", kind, inputSize, hiddenSize, 1, bias: true);
        int gates = config.GateRows;
        string needs = FormattableString.Invariant($"{types[0]} with in_shape {inputSize} and shape {hiddenSize}");
        JsonElement weights = Weights(reader, recurrent, "layers[0]", 3, "kernel, recurrent_kernel and bias");
        float[] kernel = reader.Tensor(weights[0], "layers[0].weights[0]", [inputSize, gates], $"the kernel of an {needs}");
        float[] recurrentKernel = reader.Tensor(weights[1], "layers[0].weights[1]", [hiddenSize, gates], $"the recurrent_kernel of an {needs}");
        bool biasRowsApart = KerasLayout.BiasRows(kind) == 2;
        float[] bias = reader.Tensor(weights[2], "layers[0].weights[2]", biasRowsApart ? [2, gates] : [gates],
            biasRowsApart ? $"the bias (input and recurrent rows) of a {needs}" : $"the bias of an {needs}");

        JsonElement dense = layers[1];
        if (dense.TryGetProperty("activation", out JsonElement activation) && reader.String(activation, "layers[1].activation").Length > 0)
        {
            throw reader.Error("layers[1].activation", $"is '{activation.GetString()}', but the head is linear: only \"\" (no activation) is supported.");
        }

        int outputSize = reader.LastDimension(reader.Require(dense, "layers[1]", "shape", "[null, null, outputs]"), "layers[1].shape");
        string denseNeeds = FormattableString.Invariant($"a dense layer from {hiddenSize} to shape {outputSize}");
        JsonElement denseWeights = Weights(reader, dense, "layers[1]", 2, "kernel and bias");
        float[] denseKernel = reader.Tensor(denseWeights[0], "layers[1].weights[0]", [hiddenSize, outputSize], $"the kernel of {denseNeeds}");
        float[] denseBias = reader.Tensor(denseWeights[1], "layers[1].weights[1]", [outputSize], $"the bias of {denseNeeds}");

        bool inSkip = root.TryGetProperty("in_skip", out JsonElement skipElement) && reader.Flag(skipElement, "in_skip");
        double inGain = root.TryGetProperty("in_gain", out JsonElement inGainElement) ? reader.Number(inGainElement, "in_gain") : 0;
        double outGain = root.TryGetProperty("out_gain", out JsonElement outGainElement) ? reader.Number(outGainElement, "out_gain") : 0;
        if (inSkip && outputSize != 1)
        {
            throw reader.Error("in_skip", FormattableString.Invariant($"is set, but the skip adds the input to a single output and layers[1].shape gives {outputSize} outputs."));
        }

        (float[] referenceInput, float[] referenceOutput) = References(reader, root, inputSize, outputSize);
        var parameters = new ParameterSet<float>(new ParameterLayout(config));
        KerasToPyTorch(parameters, kernel, recurrentKernel, bias);
        Linear<float> head = NewHead(hiddenSize, outputSize, Transpose(denseKernel, hiddenSize, outputSize), denseBias);
        return new AmpModel(AmpModelFormat.AidaX, new RecurrentNetwork<float>(parameters), head, inSkip, inGain, outGain,
            referenceInput, referenceOutput, Metadata(reader, root));
    }

    // PyTorch's gate blocks from Keras columns: the LSTM's order is the same (i, f, g, o); the GRU's Keras z, r, n
    // are PyTorch's r, z, n with the first two swapped.
    private static void KerasToPyTorch(ParameterSet<float> target, float[] kernel, float[] recurrentKernel, float[] bias)
    {
        RecurrentConfig config = target.Layout.Config;
        int h = config.HiddenSize, gates = config.GateRows, input = config.InputSize;
        float[] weightIh = new float[gates * input], weightHh = new float[gates * h], biasIh = new float[gates], biasHh = new float[gates];
        for (int row = 0; row < gates; row++)
        {
            int column = KerasLayout.Column(config.Kind, row, h);
            for (int k = 0; k < input; k++)
            {
                weightIh[(row * input) + k] = kernel[(k * gates) + column];
            }

            for (int k = 0; k < h; k++)
            {
                weightHh[(row * h) + k] = recurrentKernel[(k * gates) + column];
            }

            // The LSTM's one Keras bias is bias_ih (bias_hh stays 0); the GRU has an input row and a recurrent row.
            biasIh[row] = bias[column];
            biasHh[row] = KerasLayout.BiasRows(config.Kind) == 2 ? bias[gates + column] : 0;
        }

        target.Set("weight_ih_l0", weightIh);
        target.Set("weight_hh_l0", weightHh);
        target.Set("bias_ih_l0", biasIh);
        target.Set("bias_hh_l0", biasHh);
    }

    private static JsonElement Weights(AmpJson reader, JsonElement layer, string where, int count, string what)
    {
        JsonElement weights = reader.Array(reader.Require(layer, where, "weights", what), where + ".weights");
        if (weights.GetArrayLength() != count)
        {
            throw reader.Error(where + ".weights", FormattableString.Invariant($"must hold {count} arrays ({what}), but holds {weights.GetArrayLength()}."));
        }

        return weights;
    }

    private static (float[] Input, float[] Output) References(AmpJson reader, JsonElement root, int inputSize, int outputSize)
    {
        bool hasInput = root.TryGetProperty("input_batch", out JsonElement input);
        bool hasOutput = root.TryGetProperty("output_batch", out JsonElement output);
        if (hasInput != hasOutput)
        {
            throw reader.Error(hasInput ? "input_batch" : "output_batch", $"is given without {(hasInput ? "output_batch" : "input_batch")}; the reference is the pair.");
        }

        if (!hasInput)
        {
            return ([], []);
        }

        float[] x = reader.Numbers(input, "input_batch"), y = reader.Numbers(output, "output_batch");
        if (x.Length % inputSize != 0 || y.Length != x.Length / inputSize * outputSize)
        {
            throw reader.Error("output_batch", FormattableString.Invariant(
                $"has {y.Length} numbers, but input_batch's {x.Length} numbers are {x.Length / inputSize} frames of {inputSize}, which give {x.Length / inputSize * outputSize} outputs{(x.Length % inputSize != 0 ? " (and a partial frame)" : "")}."));
        }

        return (x, y);
    }

    private static Dictionary<string, string> Metadata(AmpJson reader, JsonElement root)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("metadata", out JsonElement element))
        {
            foreach (JsonProperty p in reader.Object(element, "metadata").EnumerateObject())
            {
                metadata[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            }
        }

        return metadata;
    }

    private static RecurrentConfig NewConfig(AmpJson reader, string where, CellKind kind, int inputSize, int hiddenSize, int numLayers, bool bias)
    {
        List<ConfigError> errors = RecurrentConfig.Validate(kind, inputSize, hiddenSize, numLayers, bidirectional: false, bias, projSize: 0);
        return errors.Count > 0
            ? throw reader.Error(where, "the sizes do not make a network: " + errors[0].Message)
            : new RecurrentConfig(kind, inputSize, hiddenSize, numLayers, bias: bias);
    }

    private static Linear<float> NewHead(int inFeatures, int outFeatures, float[] weight, float[]? bias)
    {
        var head = new Linear<float>(inFeatures, outFeatures, bias: bias is not null);
        weight.CopyTo(head.Weight);
        bias?.CopyTo(head.Bias);
        return head;
    }

    private static float[] Transpose(float[] matrix, int rows, int columns)
    {
        float[] result = new float[matrix.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                result[(c * rows) + r] = matrix[(r * columns) + c];
            }
        }

        return result;
    }

    private static string StateDictPath(string name) => $"state_dict[\"{name}\"]";
}
