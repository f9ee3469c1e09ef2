using System.Text.Json.Nodes;

namespace LstmGen.Tests.IO;

/// <summary>A test signal: a decaying plucked string at 48 kHz, with a constant knob (0.5) on any further input.</summary>
internal static class TestSignal
{
    public static float[] Pluck(int inputSize, int frames)
    {
        float[] x = new float[frames * inputSize];
        for (int t = 0; t < frames; t++)
        {
            double s = t / 48_000.0;
            double tone = Math.Sin(2 * Math.PI * 110 * s) + (0.5 * Math.Sin(2 * Math.PI * 220 * s)) + (0.25 * Math.Sin(2 * Math.PI * 330 * s));
            x[t * inputSize] = (float)(0.35 * Math.Exp(-3 * s) * tone);
            for (int k = 1; k < inputSize; k++)
            {
                x[(t * inputSize) + k] = 0.5f;
            }
        }

        return x;
    }
}

/// <summary>Small valid model files of both formats, with seeded weights, for the edits of the malformed-file tests.</summary>
internal static class SyntheticModels
{
    /// <summary>A GuitarML SimpleRNN file: LSTM (4 gates) or GRU (3) with a linear head and the skip.</summary>
    public static JsonObject GuitarML(string unit = "LSTM", int input = 1, int hidden = 2, int output = 1, int seed = 1)
    {
        int gates = (unit == "GRU" ? 3 : 4) * hidden;
        var rng = new Random(seed);
        return new JsonObject
        {
            ["model_data"] = new JsonObject
            {
                ["model"] = "SimpleRNN", ["input_size"] = input, ["skip"] = 1, ["output_size"] = output, ["unit_type"] = unit,
                ["num_layers"] = 1, ["hidden_size"] = hidden, ["bias_fl"] = true,
            },
            ["state_dict"] = new JsonObject
            {
                ["rec.weight_ih_l0"] = Matrix(rng, gates, input),
                ["rec.weight_hh_l0"] = Matrix(rng, gates, hidden),
                ["rec.bias_ih_l0"] = Vector(rng, gates),
                ["rec.bias_hh_l0"] = Vector(rng, gates),
                ["lin.weight"] = Matrix(rng, output, hidden),
                ["lin.bias"] = Vector(rng, output),
            },
        };
    }

    /// <summary>An AIDA-X file: an lstm (bias 4H) or gru (bias 2×3H) layer and a dense layer, with a reference pair.</summary>
    public static JsonObject AidaX(string type = "lstm", int input = 1, int hidden = 2, int seed = 2)
    {
        int gates = (type == "gru" ? 3 : 4) * hidden;
        var rng = new Random(seed);
        return new JsonObject
        {
            ["in_shape"] = new JsonArray(null, null, input),
            ["layers"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = type, ["activation"] = "", ["shape"] = new JsonArray(null, null, hidden),
                    ["weights"] = new JsonArray(Matrix(rng, input, gates), Matrix(rng, hidden, gates),
                        type == "gru" ? Matrix(rng, 2, gates) : Vector(rng, gates)),
                },
                new JsonObject
                {
                    ["type"] = "dense", ["activation"] = "", ["shape"] = new JsonArray(null, null, 1),
                    ["weights"] = new JsonArray(Matrix(rng, hidden, 1), Vector(rng, 1)),
                }),
            ["input_batch"] = Vector(rng, 4 * input),
            ["output_batch"] = Vector(rng, 4),
            ["metadata"] = new JsonObject { ["name"] = "synthetic", ["esr"] = 0.5 },
        };
    }

    public static JsonArray Matrix(Random rng, int rows, int columns) =>
        new(Enumerable.Range(0, rows).Select(_ => (JsonNode)Vector(rng, columns)).ToArray());

    public static JsonArray Vector(Random rng, int length) =>
        new(Enumerable.Range(0, length).Select(_ => (JsonNode)JsonValue.Create((float)((rng.NextDouble() * 2) - 1))).ToArray());
}
