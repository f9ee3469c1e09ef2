using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using LstmGen.Generators.Model;

namespace LstmGen.Generators.Weights;

/// <summary>
/// Finds a cell's weights file among the AdditionalFiles and reads the tensors its shape needs. Never throws: every
/// problem becomes a diagnostic (LSTMGEN016-020) naming the file and, where there is one, the tensor.
/// </summary>
/// <remarks>
/// Text only: Roslyn hands a generator additional files as decoded text, so binary safetensors cannot arrive intact.
/// Two JSON forms are read: GuitarML's <c>{"model_data": {...}, "state_dict": {...}}</c> (recurrent tensors under
/// <c>rec.</c>, the head under <c>lin.</c>, the residual from <c>model_data.skip</c>), AIDA-X's Keras layers
/// (<c>WeightsResolver.AidaX.cs</c>), <c>RecurrentModel.SaveJson</c>'s
/// <c>{"metadata": {...}, "state_dict": {...}}</c> (prefixes and residual from the metadata), and a bare PyTorch
/// <c>state_dict</c> as JSON, <c>{"lstm.weight_ih_l0": [[...]], ...}</c>, alone or under a <c>"state_dict"</c> key.
/// </remarks>
internal static partial class WeightsResolver
{
    public static BakedWeights Resolve(WeightsRequest request, ImmutableArray<WeightsText> files)
    {
        var resolver = new Context(request);
        try
        {
            return resolver.Run(files);
        }
        catch (WeightsException e)
        {
            return resolver.Fail(e.Descriptor, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug of ours, not the file's: reported as the generator failure it is, never thrown at the compiler.
            return Failure(request, new DiagnosticInfo(Diagnostics.InternalError.Id, request.Location,
                new EquatableArray<string>(new[] { request.Cell.ClassName, e.GetType().Name + ": " + e.Message })));
        }
    }

    private static BakedWeights Failure(WeightsRequest request, DiagnosticInfo info) =>
        new(request, request.File, "", "", EquatableArray<byte>.Empty, null, 0, false, EquatableArray<byte>.Empty, false,
            new EquatableArray<DiagnosticInfo>(new[] { info }));

    /// <summary>True when an additional file could be the weights file of <paramref name="file"/> as an attribute names it.</summary>
    internal static bool Matches(string additionalPath, string file)
    {
        string path = additionalPath.Replace('\\', '/');
        string wanted = file.Replace('\\', '/');
        while (wanted.StartsWith("./", StringComparison.Ordinal))
        {
            wanted = wanted.Substring(2);
        }

        return wanted.Length > 0 && (path == wanted || path.EndsWith("/" + wanted, StringComparison.Ordinal));
    }

    private sealed class WeightsException : Exception
    {
        public WeightsException(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, string message)
            : base(message) => Descriptor = descriptor;

        public Microsoft.CodeAnalysis.DiagnosticDescriptor Descriptor { get; }
    }

    private sealed partial class Context
    {
        private readonly WeightsRequest _request;
        private readonly RecurrentConfig _config;

        public Context(WeightsRequest request)
        {
            _request = request;
            _config = request.Cell.ToConfig();
        }

        public BakedWeights Fail(Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, string detail)
        {
            return Failure(_request, new DiagnosticInfo(descriptor.Id, _request.Location,
                new EquatableArray<string>(new[] { _request.Cell.AttributeName, _request.Cell.ClassName.TrimStart('@'), _request.File, detail })));
        }

        private static WeightsException Format(string detail) => new(Diagnostics.WeightsFormat, detail);

        private static WeightsException Tensor(string detail) => new(Diagnostics.WeightsTensor, detail);

        public BakedWeights Run(ImmutableArray<WeightsText> files)
        {
            List<WeightsText> matches = files.Where(f => Matches(f.Path, _request.File)).ToList();
            if (matches.Count == 0)
            {
                return Fail(Diagnostics.WeightsNotFound, "");
            }

            if (matches.Count > 1)
            {
                return Failure(_request, new DiagnosticInfo(Diagnostics.WeightsAmbiguous.Id, _request.Location, new EquatableArray<string>(new[]
                {
                    _request.Cell.AttributeName, _request.Cell.ClassName.TrimStart('@'), _request.File,
                    matches.Count.ToString(CultureInfo.InvariantCulture), string.Join(", ", matches.Select(m => m.Path)),
                })));
            }

            string? text = matches[0].Text;
            if (text is null)
            {
                throw Format("could not be read as text");
            }

            if (_request.File.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || text.IndexOf('\0') >= 0)
            {
                throw Format("is binary (safetensors?), but a source generator receives additional files only as decoded text, so its bytes "
                    + "cannot arrive intact; bake a JSON state_dict instead (RecurrentModel.SaveJson, or json.dump({k: v.tolist() for k, v in state_dict().items()}) in PyTorch)");
            }

            JsonValue root;
            try
            {
                root = JsonText.Parse(text);
            }
            catch (JsonSyntaxException e)
            {
                throw Format(string.Format(CultureInfo.InvariantCulture, "is not valid JSON: {0} at line {1}, column {2}", e.Message, e.Line, e.Column));
            }

            if (root.Kind != JsonKind.Object)
            {
                throw Format("must hold a JSON object of tensors, but holds " + root.Describe());
            }

            return Read(root);
        }

        private BakedWeights Read(JsonValue root)
        {
            JsonValue tensors = root;
            string format = "a PyTorch state_dict as JSON";
            string? defaultPrefix = null, defaultHead = null;
            bool residual = false;
            if (root["layers"] is not null || root["in_shape"] is not null)
            {
                // Keras layout, transposed into PyTorch's names here; the rest is read as for any state_dict.
                tensors = AidaXTensors(root);
                format = "an AIDA-X model (Keras layers in PyTorch's layout)";
                defaultPrefix = AidaXRecurrent;
                defaultHead = AidaXHead;
            }

            else if (root["model_data"] is { } data)
            {
                format = "a GuitarML model";
                defaultPrefix = "rec.";
                defaultHead = "lin.";
                if (data.Kind != JsonKind.Object)
                {
                    throw Format("has a model_data that is " + data.Describe() + ", not an object");
                }

                residual = data["skip"] is { } skip && (skip.Kind == JsonKind.True || (skip.Kind == JsonKind.Number && skip.Number != 0));
            }

            if (root["metadata"] is { Kind: JsonKind.Object } metadata && metadata["lstmgen.model"] is not null)
            {
                // RecurrentModel.SaveJson: the prefixes and the residual are in the metadata, as strings.
                format = "an LstmGen model";
                defaultPrefix = metadata["network_prefix"] is { Kind: JsonKind.String } n ? n.Text : null;
                defaultHead = metadata["head_prefix"] is { Kind: JsonKind.String } h ? h.Text : null;
                residual = metadata["residual"] is { Kind: JsonKind.String, Text: "true" };
            }

            if (root["state_dict"] is { } stateDict)
            {
                if (stateDict.Kind != JsonKind.Object)
                {
                    throw Format("has a state_dict that is " + stateDict.Describe() + ", not an object of tensors");
                }

                tensors = stateDict;
            }
            else if (root["model_data"] is not null)
            {
                throw Format("has model_data but no state_dict, which holds a GuitarML model's tensors");
            }

            string prefix = _request.Prefix ?? defaultPrefix ?? FindPrefix(tensors);
            var layout = new ParameterLayout(_config);
            var parameters = new List<byte>(layout.TotalLength * 4);
            var expected = new HashSet<string>(StringComparer.Ordinal);
            foreach (ParameterInfo p in layout.Parameters)
            {
                expected.Add(prefix + p.Name);
                ReadTensor(tensors, prefix + p.Name, p.Shape, parameters);
            }

            // A tensor under the prefix that the shape has no place for means the file is of another shape (layers, bias).
            foreach (KeyValuePair<string, JsonValue> member in tensors.Members)
            {
                if (member.Key.StartsWith(prefix, StringComparison.Ordinal) && !expected.Contains(member.Key)
                    && (prefix.Length > 0 || IsRecurrentName(member.Key)))
                {
                    throw Tensor("the tensor '" + member.Key + "' has no place in " + Shape() + ", which has exactly "
                        + string.Join(", ", expected.Select(e => "'" + e + "'")));
                }
            }

            string? headPrefix = _request.HeadPrefix ?? (defaultHead is not null && tensors[defaultHead + "weight"] is not null ? defaultHead : null);
            int headOut = 0;
            bool headBias = false;
            var head = new List<byte>();
            if (headPrefix is not null)
            {
                JsonValue? weight = tensors[headPrefix + "weight"];
                if (weight is null)
                {
                    throw Tensor("there is no head tensor '" + headPrefix + "weight' of shape [out, " + Invariant(_config.OutputSize) + "] (HeadPrefix is \"" + headPrefix + "\")");
                }

                headOut = weight.Kind == JsonKind.Array && weight.Items.Count > 0 ? weight.Items.Count : 0;
                if (headOut == 0)
                {
                    throw Tensor("the head tensor '" + headPrefix + "weight' must be a matrix [out, " + Invariant(_config.OutputSize) + "], but is " + weight.Describe() + (weight.Kind == JsonKind.Array ? " of no rows" : ""));
                }

                ReadTensor(tensors, headPrefix + "weight", new[] { headOut, _config.OutputSize }, head);
                if (tensors[headPrefix + "bias"] is not null)
                {
                    headBias = true;
                    ReadTensor(tensors, headPrefix + "bias", new[] { headOut }, head);
                }
            }

            return new BakedWeights(_request, _request.File, format, prefix, new EquatableArray<byte>(parameters), headPrefix, headOut, headBias,
                new EquatableArray<byte>(head), residual && headPrefix is not null, EquatableArray<DiagnosticInfo>.Empty);
        }

        private static bool IsRecurrentName(string key) =>
            key.StartsWith("weight_", StringComparison.Ordinal) || key.StartsWith("bias_", StringComparison.Ordinal);

        private string Shape() => string.Format(CultureInfo.InvariantCulture, "the [{0}] class (input {1}, hidden {2}, {3} layer(s){4}{5}{6})",
            _request.Cell.AttributeName,
            _config.InputSize, _config.HiddenSize, _config.NumLayers, _config.Bidirectional ? ", bidirectional" : "",
            _config.Bias ? "" : ", no bias", _config.ProjSize > 0 ? ", proj " + Invariant(_config.ProjSize) : "");

        // Without a prefix given or implied by the format: the one key ending in weight_ih_l0 names it (lstm., rnn., ...).
        private static string FindPrefix(JsonValue tensors)
        {
            const string First = "weight_ih_l0";
            List<string> keys = tensors.Members.Select(m => m.Key).Where(k => k.EndsWith(First, StringComparison.Ordinal)).ToList();
            if (keys.Count == 1)
            {
                return keys[0].Substring(0, keys[0].Length - First.Length);
            }

            throw Tensor(keys.Count == 0
                ? "no tensor is named '" + First + "' or '<prefix>." + First + "', so the recurrent tensors cannot be found"
                : "several tensors end in '" + First + "' (" + string.Join(", ", keys.Select(k => "'" + k + "'")) + "); set WeightsPrefix to say which network to bake");
        }

        private void ReadTensor(JsonValue tensors, string name, int[] shape, List<byte> output, string? needs = null)
        {
            JsonValue? tensor = tensors[name];
            if (tensor is null)
            {
                throw Tensor("the tensor '" + name + "' of shape " + ShapeText(shape) + " is missing; " + (needs ?? Shape()) + " needs it");
            }

            int[] actual = ShapeOf(tensor);
            if (!actual.SequenceEqual(shape))
            {
                throw Tensor("the tensor '" + name + "' has shape " + ShapeText(actual) + ", but " + (needs ?? Shape()) + " needs " + ShapeText(shape));
            }

            Append(tensor, name, shape, 0, name, output);
        }

        // Row-major, checking every row against the shape (ShapeOf looks at the first elements only).
        private static void Append(JsonValue value, string name, int[] shape, int depth, string index, List<byte> output)
        {
            if (depth < shape.Length)
            {
                if (value.Kind != JsonKind.Array || value.Items.Count != shape[depth])
                {
                    throw Tensor(string.Format(CultureInfo.InvariantCulture, "the tensor '{0}' is ragged: {1} (line {2}, column {3}) is {4}, where the shape {5} needs an array of {6}",
                        name, index, value.Line, value.Column, value.Kind == JsonKind.Array ? "an array of " + Invariant(value.Items.Count) : value.Describe(),
                        ShapeText(shape), shape[depth]));
                }

                for (int i = 0; i < value.Items.Count; i++)
                {
                    Append(value.Items[i], name, shape, depth + 1, index + "[" + Invariant(i) + "]", output);
                }

                return;
            }

            float f = value.Kind == JsonKind.Number ? (float)value.Number : float.NaN;
            if (value.Kind != JsonKind.Number || float.IsInfinity(f) || float.IsNaN(f))
            {
                throw new WeightsException(Diagnostics.WeightsValue, string.Format(CultureInfo.InvariantCulture,
                    "the tensor '{0}' holds {1} at {2} (line {3}, column {4})", name,
                    value.Kind == JsonKind.Number ? value.Number.ToString("R", CultureInfo.InvariantCulture) + ", beyond float32's range" : value.Describe(),
                    index, value.Line, value.Column));
            }

            byte[] bytes = BitConverter.GetBytes(f);
            if (!BitConverter.IsLittleEndian)
            {
                Array.Reverse(bytes);
            }

            output.AddRange(bytes);
        }

        // The shape of nested arrays, read along their first elements.
        private static int[] ShapeOf(JsonValue value)
        {
            var shape = new List<int>();
            while (value.Kind == JsonKind.Array)
            {
                shape.Add(value.Items.Count);
                if (value.Items.Count == 0)
                {
                    break;
                }

                value = value.Items[0];
            }

            return shape.ToArray();
        }

        private static string ShapeText(int[] shape) => "[" + string.Join(", ", shape.Select(Invariant)) + "]";

        private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
