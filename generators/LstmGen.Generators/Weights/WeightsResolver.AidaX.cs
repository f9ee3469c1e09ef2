using System.Collections.Generic;
using System.Globalization;
using LstmGen.Generators.Model;

namespace LstmGen.Generators.Weights;

internal static partial class WeightsResolver
{
    // The names the AIDA-X tensors get once in PyTorch's layout; they show in the generated comments.
    private const string AidaXRecurrent = "layers[0]:", AidaXHead = "layers[1]:";

    private sealed partial class Context
    {
        /// <summary>
        /// An AIDA-X (RTNeural Keras-style) model as PyTorch-named tensors: <c>weight_ih = kernelᵀ</c>,
        /// <c>weight_hh = recurrent_kernelᵀ</c>, Keras' GRU columns z, r, n reordered to PyTorch's r, z, n, the LSTM's one
        /// bias as <c>bias_ih</c> with <c>bias_hh = 0</c>, the GRU's two bias rows as <c>bias_ih</c> and <c>bias_hh</c>,
        /// and the dense head's kernel transposed (as <c>AmpModelFile</c> reads them at run time). Gains and the input
        /// skip are refused: a baked <c>RecurrentModel</c> has no place for them.
        /// </summary>
        private JsonValue AidaXTensors(JsonValue root)
        {
            foreach (string key in new[] { "in_gain", "out_gain" })
            {
                if (root[key] is { } gain && !(gain.Kind == JsonKind.Number && gain.Number == 0))
                {
                    throw Format("is an AIDA-X model with " + key + " " + gain.Describe() + ", which a baked RecurrentModel cannot apply; load it at run time with AmpModelFile.Load");
                }
            }

            if (root["in_skip"] is { } skip && !(skip.Kind == JsonKind.False || (skip.Kind == JsonKind.Number && skip.Number == 0)))
            {
                throw Format("is an AIDA-X model with in_skip " + skip.Describe() + ", which a baked RecurrentModel cannot apply; load it at run time with AmpModelFile.Load");
            }

            JsonValue? layers = root["layers"];
            string kind = KerasLayout.LayerType(_config.Kind) ?? "";
            if (layers is not { Kind: JsonKind.Array } || layers.Items.Count != 2
                || layers.Items[0]["type"] is not { Kind: JsonKind.String } recurrentType
                || layers.Items[1]["type"] is not { Kind: JsonKind.String, Text: "dense" or "time-distributed-dense" })
            {
                throw Format("is an AIDA-X model, but not one recurrent layer followed by one dense layer");
            }

            if (recurrentType.Text != kind)
            {
                throw Format("is an AIDA-X model whose layers[0] is '" + recurrentType.Text + "', but the class is [" + _request.Cell.AttributeName + "]");
            }

            if (layers.Items[1]["activation"] is { Kind: JsonKind.String } activation && activation.Text.Length > 0)
            {
                throw Format("is an AIDA-X model whose dense layer has the activation '" + activation.Text + "'; the head is linear");
            }

            int h = _config.HiddenSize, gates = _config.GateRows, input = _config.InputSize;
            JsonValue[] recurrent = KerasWeights(layers.Items[0], "layers[0]", 3);
            JsonValue[] dense = KerasWeights(layers.Items[1], "layers[1]", 2);
            int biasRows = KerasLayout.BiasRows(_config.Kind);
            string needs = Shape();
            var scratch = new List<byte>();
            ReadTensor(recurrent, 0, "layers[0].weights[0]", new[] { input, gates }, scratch, "the kernel of " + needs);
            ReadTensor(recurrent, 1, "layers[0].weights[1]", new[] { h, gates }, scratch, "the recurrent_kernel of " + needs);
            ReadTensor(recurrent, 2, "layers[0].weights[2]", biasRows == 2 ? new[] { 2, gates } : new[] { gates }, scratch, "the bias of " + needs);
            int outputs = dense[0].Kind == JsonKind.Array && dense[0].Items.Count > 0 && dense[0].Items[0].Kind == JsonKind.Array ? dense[0].Items[0].Items.Count : 0;
            ReadTensor(dense, 0, "layers[1].weights[0]", new[] { h, System.Math.Max(outputs, 1) }, scratch, "the dense kernel after " + needs);
            ReadTensor(dense, 1, "layers[1].weights[1]", new[] { System.Math.Max(outputs, 1) }, scratch, "the dense bias");

            // Every shape is checked, so the transposes below index only what is there.
            var weightIh = Matrix(gates, input, (row, k) => recurrent[0].Items[k].Items[KerasColumn(row)]);
            var weightHh = Matrix(gates, h, (row, k) => recurrent[1].Items[k].Items[KerasColumn(row)]);
            var biasIh = Vector(gates, row => biasRows == 2 ? recurrent[2].Items[0].Items[KerasColumn(row)] : recurrent[2].Items[KerasColumn(row)]);
            var biasHh = Vector(gates, row => biasRows == 2 ? recurrent[2].Items[1].Items[KerasColumn(row)] : Zero());
            var headWeight = Matrix(outputs, h, (o, k) => dense[0].Items[k].Items[o]);

            var tensors = new JsonValue(JsonKind.Object, root.Line, root.Column);
            tensors.Members.Add(new KeyValuePair<string, JsonValue>(AidaXRecurrent + "weight_ih_l0", weightIh));
            tensors.Members.Add(new KeyValuePair<string, JsonValue>(AidaXRecurrent + "weight_hh_l0", weightHh));
            tensors.Members.Add(new KeyValuePair<string, JsonValue>(AidaXRecurrent + "bias_ih_l0", biasIh));
            tensors.Members.Add(new KeyValuePair<string, JsonValue>(AidaXRecurrent + "bias_hh_l0", biasHh));
            tensors.Members.Add(new KeyValuePair<string, JsonValue>(AidaXHead + "weight", headWeight));
            tensors.Members.Add(new KeyValuePair<string, JsonValue>(AidaXHead + "bias", dense[1]));
            return tensors;

            int KerasColumn(int row) => KerasLayout.Column(_config.Kind, row, h);
        }

        private void ReadTensor(JsonValue[] weights, int index, string name, int[] shape, List<byte> scratch, string needs)
        {
            var holder = new JsonValue(JsonKind.Object, weights[index].Line, weights[index].Column);
            holder.Members.Add(new KeyValuePair<string, JsonValue>(name, weights[index]));
            ReadTensor(holder, name, shape, scratch, needs);
        }

        private static JsonValue[] KerasWeights(JsonValue layer, string where, int count)
        {
            if (layer["weights"] is not { Kind: JsonKind.Array } weights || weights.Items.Count != count)
            {
                throw Format(string.Format(CultureInfo.InvariantCulture, "is an AIDA-X model whose {0}.weights is not an array of {1} tensors", where, count));
            }

            return weights.Items.ToArray();
        }

        // The LSTM's bias_hh, which Keras does not have.
        private static JsonValue Zero() => new(JsonKind.Number, 0, 0) { Number = 0 };

        private static JsonValue Matrix(int rows, int columns, System.Func<int, int, JsonValue> element)
        {
            var matrix = new JsonValue(JsonKind.Array, 0, 0);
            for (int r = 0; r < rows; r++)
            {
                matrix.Items.Add(Vector(columns, c => element(r, c)));
            }

            return matrix;
        }

        private static JsonValue Vector(int length, System.Func<int, JsonValue> element)
        {
            var vector = new JsonValue(JsonKind.Array, 0, 0);
            for (int i = 0; i < length; i++)
            {
                vector.Items.Add(element(i));
            }

            return vector;
        }
    }
}
