using System.Globalization;
using System.Numerics;
using System.Text.Json;
using LstmGen.IO;
using LstmGen.Training;

namespace LstmGen;

public sealed partial class RecurrentModel<T>
{
    /// <summary>The metadata key that marks a file written by <see cref="Save"/>, and its format version.</summary>
    public const string FormatKey = "lstmgen.model", FormatVersion = "1";

    /// <summary>
    /// Saves the whole model as one safetensors file: the network under <paramref name="networkPrefix"/> and the head
    /// under <paramref name="headPrefix"/> with PyTorch's names (what <c>state_dict()</c> of a module
    /// <c>{rnn, fc}</c> holds), and the configuration, head input, residual and prefixes in the metadata. The file is
    /// written beside the path first and then moved over it, so a failed save never leaves half a file.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="networkPrefix">E.g. <c>"rnn."</c>, <c>"lstm."</c> or <c>"rec."</c>.</param>
    /// <param name="headPrefix">E.g. <c>"fc."</c>, <c>"lin."</c> or <c>"head."</c>.</param>
    public void Save(string path, string networkPrefix = "rnn.", string headPrefix = "fc.") =>
        Writer(networkPrefix, headPrefix).Save(path);

    /// <summary>
    /// Saves the whole model as JSON text: <c>{"metadata": {...}, "state_dict": {"rnn.weight_ih_l0": [[...]], ...}}</c>, the
    /// tensors as nested arrays under PyTorch's names and the same metadata as <see cref="Save"/>. This is the form a
    /// source generator can bake into a class (<c>[LstmCell(..., Weights = "model.json")]</c>; the generator reads the
    /// prefixes and the residual from the metadata), since it receives additional files only as text. Numbers are written
    /// with round-trip precision, so the weights come back bit for bit. Written atomically, like <see cref="Save"/>.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="networkPrefix">E.g. <c>"rnn."</c>.</param>
    /// <param name="headPrefix">E.g. <c>"fc."</c>.</param>
    public void SaveJson(string path, string networkPrefix = "rnn.", string headPrefix = "fc.")
    {
        ArgumentNullException.ThrowIfNull(networkPrefix);
        ArgumentNullException.ThrowIfNull(headPrefix);
        SortedDictionary<string, string> metadata = Metadata(networkPrefix, headPrefix);
        AtomicFile.Write(path, file =>
        {
            using var json = new Utf8JsonWriter(file);
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            foreach (KeyValuePair<string, string> entry in metadata)
            {
                json.WriteString(entry.Key, entry.Value);
            }

            json.WriteEndObject();
            json.WriteStartObject("state_dict");
            foreach (ParameterInfo p in Network.Parameters.Layout.Parameters)
            {
                WriteTensor(json, networkPrefix + p.Name, Network.Parameters.Values.Slice(p.Offset, p.Length), p.IsVector ? 0 : p.Columns);
            }

            WriteTensor(json, headPrefix + "weight", Head.Weight, Head.InFeatures);
            if (Head.HasBias)
            {
                WriteTensor(json, headPrefix + "bias", Head.Bias, 0);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        });
    }

    // A vector (columns 0) or a row-major matrix as nested arrays; each value through double, exact for float32.
    private static void WriteTensor(Utf8JsonWriter json, string name, ReadOnlySpan<T> values, int columns)
    {
        json.WriteStartArray(name);
        for (int i = 0; i < values.Length; i++)
        {
            if (columns > 0 && i % columns == 0)
            {
                if (i > 0)
                {
                    json.WriteEndArray();
                }

                json.WriteStartArray();
            }

            json.WriteNumberValue(double.CreateChecked(values[i]));
        }

        if (columns > 0 && values.Length > 0)
        {
            json.WriteEndArray();
        }

        json.WriteEndArray();
    }

    /// <summary>A writer holding this model's tensors and metadata, to add more (a checkpoint's) before writing.</summary>
    internal SafetensorsWriter Writer(string networkPrefix, string headPrefix)
    {
        ArgumentNullException.ThrowIfNull(networkPrefix);
        ArgumentNullException.ThrowIfNull(headPrefix);
        var writer = new SafetensorsWriter().Add(Network.Parameters, networkPrefix).Add(Head, headPrefix);
        foreach (KeyValuePair<string, string> entry in Metadata(networkPrefix, headPrefix))
        {
            writer.Metadata[entry.Key] = entry.Value;
        }

        return writer;
    }

    /// <summary>The configuration, head input, residual and prefixes, as <see cref="Save"/> and <see cref="SaveJson"/> write them.</summary>
    private SortedDictionary<string, string> Metadata(string networkPrefix, string headPrefix)
    {
        RecurrentConfig c = Network.Config;
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "pt",
            [FormatKey] = FormatVersion,
            ["kind"] = c.Kind.ToString(),
            ["input_size"] = Text(c.InputSize),
            ["hidden_size"] = Text(c.HiddenSize),
            ["num_layers"] = Text(c.NumLayers),
            ["bidirectional"] = Text(c.Bidirectional),
            ["bias"] = Text(c.Bias),
            ["batch_first"] = Text(c.BatchFirst),
            ["proj_size"] = Text(c.ProjSize),
            ["head_input"] = HeadInput.ToString(),
            ["head_out_features"] = Text(Head.OutFeatures),
            ["head_bias"] = Text(Head.HasBias),
            ["residual"] = Text(Residual),
            ["network_prefix"] = networkPrefix,
            ["head_prefix"] = headPrefix,
        };
    }

    /// <summary>
    /// Loads a model saved by <see cref="Save"/>: its configuration, head input and prefixes come from the file.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="createNetwork">Makes the network for the file's configuration, e.g. <c>c => new MyLstm()</c> for a
    /// generated class; null for the generic <see cref="RecurrentNetwork{T}"/>.</param>
    /// <exception cref="SafetensorsFormatException">The file is not a saved model, or its tensors do not fit its metadata.</exception>
    public static RecurrentModel<T> Load(string path, Func<RecurrentConfig, IRecurrentNetwork<T>>? createNetwork = null)
    {
        using SafetensorsReader reader = SafetensorsReader.Open(path);
        return Load(reader, createNetwork);
    }

    internal static RecurrentModel<T> Load(SafetensorsReader reader, Func<RecurrentConfig, IRecurrentNetwork<T>>? createNetwork)
    {
        IReadOnlyDictionary<string, string> m = reader.Metadata;
        if (!m.TryGetValue(FormatKey, out string? version))
        {
            throw new SafetensorsFormatException($"The file has no '{FormatKey}' metadata, so it was not written by RecurrentModel.Save; for a PyTorch state_dict, pass its configuration: RecurrentModel.Load(path, config, headInput, networkPrefix, headPrefix).");
        }

        if (version != FormatVersion)
        {
            throw new SafetensorsFormatException($"The file's model format is version {version}; this LstmGen reads version {FormatVersion}.");
        }

        var config = new RecurrentConfig(Enum<CellKind>(m, "kind"), Int(m, "input_size"), Int(m, "hidden_size"), Int(m, "num_layers"),
            Bool(m, "bidirectional"), Bool(m, "bias"), Bool(m, "batch_first"), Int(m, "proj_size"));
        var head = new Linear<T>(config.OutputSize, Int(m, "head_out_features"), Bool(m, "head_bias"));
        return Assemble(reader, config, head, Enum<HeadInput>(m, "head_input"), Bool(m, "residual"), Get(m, "network_prefix"), Get(m, "head_prefix"), createNetwork);
    }

    /// <summary>
    /// Loads a model from any safetensors file of a module's <c>state_dict</c>, PyTorch's own included: the network's
    /// tensors under <paramref name="networkPrefix"/>, the head's under <paramref name="headPrefix"/> (its size and bias
    /// from the file).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="config">The network's configuration (as the PyTorch module was built).</param>
    /// <param name="headInput">What the head reads.</param>
    /// <param name="networkPrefix">E.g. <c>"lstm."</c>.</param>
    /// <param name="headPrefix">E.g. <c>"fc."</c>.</param>
    /// <param name="residual">Whether the input is added to the output.</param>
    /// <param name="createNetwork">Makes the network; null for the generic one.</param>
    public static RecurrentModel<T> Load(string path, RecurrentConfig config, HeadInput headInput, string networkPrefix, string headPrefix,
        bool residual = false, Func<RecurrentConfig, IRecurrentNetwork<T>>? createNetwork = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(headPrefix);
        using SafetensorsReader reader = SafetensorsReader.Open(path);
        string weight = headPrefix + "weight";
        SafetensorsTensorInfo? info = reader.Tensors.FirstOrDefault(t => t.Name == weight)
            ?? throw new SafetensorsFormatException($"The file has no head weight '{weight}'{PrefixHint(reader, "weight")}.");
        if (info.Shape.Count != 2 || info.Shape[1] != (ulong)config.OutputSize)
        {
            throw new SafetensorsFormatException(FormattableString.Invariant($"Tensor '{weight}' must have shape [outFeatures, {config.OutputSize}] (the network's directions*outputHidden), but has [{string.Join(", ", info.Shape)}]."));
        }

        var head = new Linear<T>(config.OutputSize, checked((int)info.Shape[0]), reader.Contains(headPrefix + "bias"));
        return Assemble(reader, config, head, headInput, residual, networkPrefix, headPrefix, createNetwork);
    }

    private static RecurrentModel<T> Assemble(SafetensorsReader reader, RecurrentConfig config, Linear<T> head, HeadInput headInput, bool residual,
        string networkPrefix, string headPrefix, Func<RecurrentConfig, IRecurrentNetwork<T>>? createNetwork)
    {
        IRecurrentNetwork<T> network = createNetwork is null ? new RecurrentNetwork<T>(config) : createNetwork(config);
        if (network is null || !network.Config.Equals(config))
        {
            throw new ArgumentException($"createNetwork must make a network of the file's configuration {config}, but made {network?.Config.ToString() ?? "null"}.", nameof(createNetwork));
        }

        reader.Load(network.Parameters, networkPrefix);
        reader.Load(head, headPrefix);
        return new RecurrentModel<T>(network, head, headInput, residual);
    }

    private static string PrefixHint(SafetensorsReader reader, string suffix)
    {
        string[] candidates = reader.Tensors.Select(t => t.Name).Where(n => n.EndsWith("." + suffix, StringComparison.Ordinal)).Take(3).ToArray();
        return candidates.Length == 0 ? "" : $" (the file has {string.Join(", ", candidates.Select(n => $"'{n}'"))})";
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(bool value) => value ? "true" : "false";

    private static string Get(IReadOnlyDictionary<string, string> m, string key) =>
        m.TryGetValue(key, out string? value) ? value : throw new SafetensorsFormatException($"The model file's metadata has no '{key}'.");

    private static int Int(IReadOnlyDictionary<string, string> m, string key) =>
        int.TryParse(Get(m, key), NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value : throw new SafetensorsFormatException($"The model file's metadata '{key}' must be a non-negative integer, but is '{m[key]}'.");

    private static bool Bool(IReadOnlyDictionary<string, string> m, string key) => Get(m, key) switch
    {
        "true" => true,
        "false" => false,
        string other => throw new SafetensorsFormatException($"The model file's metadata '{key}' must be true or false, but is '{other}'."),
    };

    private static TEnum Enum<TEnum>(IReadOnlyDictionary<string, string> m, string key)
        where TEnum : struct, Enum =>
        System.Enum.TryParse(Get(m, key), ignoreCase: false, out TEnum value) && System.Enum.IsDefined(value) && !int.TryParse(m[key], out _)
            ? value
            : throw new SafetensorsFormatException($"The model file's metadata '{key}' must be one of {string.Join(", ", System.Enum.GetNames<TEnum>())}, but is '{m[key]}'.");
}
