using System.Globalization;
using System.Text.Json;

namespace LstmGen.Demo;

/// <summary>
/// The classic torch.nn.LSTM(5, 6, 2) example (seq 1, batch 3, with h0 and c0), run on PyTorch's own weights and
/// inputs and compared, tensor by tensor, with PyTorch's outputs and gradients (PASS or FAIL each); then a
/// finite-difference check of the BPTT.
/// </summary>
public static class GradientCheckDemo
{
    // Double arithmetic on O(1) values through two layers: PyTorch's float64 and ours differ by a few ulps of the
    // largest magnitude, far below this; a wrong gate or index is off by order 1.
    private const double Relative = 1e-12;

    public static int Run()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "fixtures", "lstm_i5_h6_l2_seq1_b3_h0.json");
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement f = doc.RootElement;
        var config = new RecurrentConfig(CellKind.Lstm, inputSize: 5, hiddenSize: 6, numLayers: 2);
        var lstm = new RecurrentNetwork<double>(config);
        foreach (ParameterInfo p in lstm.Parameters.Layout.Parameters)
        {
            lstm.Parameters.Set(p.Name, Data(f.GetProperty("params").GetProperty(p.Name)));
        }

        const int seqLen = 1, batch = 3;
        double[] input = Data(f.GetProperty("input")), h0 = Data(f.GetProperty("h0")), c0 = Data(f.GetProperty("c0"));
        double[] output = new double[seqLen * batch * config.OutputSize];
        double[] hN = new double[h0.Length];
        double[] cN = new double[c0.Length];

        lstm.Forward(input, output, batch, initial: new(h0, c0), final: new(hN, cN), training: true);
        Console.WriteLine($"{config}, {lstm.Parameters.Length} parameters: {string.Join(", ", lstm.Parameters.Layout.Parameters.Select(p => $"{p.Name}[{string.Join("x", p.Shape)}]"))}");
        Console.WriteLine($"PyTorch {f.GetProperty("torch_version").GetString()}'s weights, input, h0 and c0 ({Path.GetFileName(path)})");
        Print("output (1, 3, 6)", output, 6);
        Print("h_n (2, 3, 6)", hN, 6);
        Print("c_n (2, 3, 6)", cN, 6);
        bool pass = Compare("output", f.GetProperty("output"), output);
        pass &= Compare("h_n", f.GetProperty("h_n"), hN);
        pass &= Compare("c_n", f.GetProperty("c_n"), cN);

        // Backward with PyTorch's upstream gradients: every parameter's gradient and those of input, h0 and c0.
        JsonElement up = f.GetProperty("upstream");
        double[] gradInput = new double[input.Length], gradH0 = new double[h0.Length], gradC0 = new double[c0.Length];
        lstm.Parameters.ZeroGradients();
        lstm.Backward(Data(up.GetProperty("output")), gradInput, new(Data(up.GetProperty("h_n")), Data(up.GetProperty("c_n"))), new(gradH0, gradC0));
        JsonElement grads = f.GetProperty("grads");
        foreach (ParameterInfo p in lstm.Parameters.Layout.Parameters)
        {
            pass &= Compare("grad " + p.Name, grads.GetProperty(p.Name), lstm.Parameters.Gradient(p.Name).ToArray());
        }

        pass &= Compare("grad input", grads.GetProperty("input"), gradInput);
        pass &= Compare("grad h0", grads.GetProperty("h0"), gradH0);
        pass &= Compare("grad c0", grads.GetProperty("c0"), gradC0);
        lstm.Forward(input, output, batch, initial: new(h0, c0), final: new(hN, cN), training: true);

        // Gradient check: L = sum(output) + sum(h_n) + sum(c_n); analytic BPTT against central differences for every parameter.
        double[] ones = Enumerable.Repeat(1.0, output.Length).ToArray();
        double[] onesState = Enumerable.Repeat(1.0, hN.Length).ToArray();
        lstm.Parameters.ZeroGradients();
        lstm.Backward(ones, gradFinal: new(onesState, onesState));
        double[] analytic = lstm.Parameters.Gradients.ToArray();
        double worst = 0;
        const double step = 1e-5;
        for (int i = 0; i < analytic.Length; i++)
        {
            double keep = lstm.Parameters.Values[i];
            lstm.Parameters.Update((Index: i, Value: keep + step), static (v, s) => v[s.Index] = s.Value);
            double plus = Loss();
            lstm.Parameters.Update((Index: i, Value: keep - step), static (v, s) => v[s.Index] = s.Value);
            double minus = Loss();
            lstm.Parameters.Update((Index: i, Value: keep), static (v, s) => v[s.Index] = s.Value);
            double numeric = (plus - minus) / (2 * step);
            worst = Math.Max(worst, Math.Abs(numeric - analytic[i]) / Math.Max(1.0, Math.Abs(numeric)));
        }

        // Central differences in double: truncation O(step^2) and rounding O(eps/step), about 1e-10 on these values.
        bool differencesAgree = worst < 1e-7;
        Console.WriteLine($"{(differencesAgree ? "PASS" : "FAIL")}  finite differences over {analytic.Length} parameters: worst relative error {worst:E2} (allowed 1E-007)");
        pass &= differencesAgree;
        Console.WriteLine(pass ? "PASS: every tensor equals PyTorch's, and BPTT equals finite differences" : "FAIL");
        return pass ? 0 : 1;

        double Loss()
        {
            lstm.Forward(input, output, batch, initial: new(h0, c0), final: new(hN, cN));
            return output.Sum() + hN.Sum() + cN.Sum();
        }

        static bool Compare(string what, JsonElement expected, double[] actual)
        {
            double[] e = Data(expected);
            double scale = e.Max(Math.Abs), worst = 0;
            for (int i = 0; i < e.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(e[i] - actual[i]));
            }

            bool ok = e.Length == actual.Length && worst <= Relative * Math.Max(scale, 1e-300);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(ok ? "PASS" : "FAIL")}  {what,-18} max |ours - PyTorch| {worst:0.0E+00} (allowed {Relative * scale:0.0E+00})"));
            return ok;
        }

        static double[] Data(JsonElement tensor) => tensor.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToArray();

        static void Print(string title, double[] values, int width)
        {
            Console.WriteLine(title);
            for (int row = 0; row < values.Length / width; row++)
            {
                Console.WriteLine("  " + string.Join(" ", values.Skip(row * width).Take(width).Select(v => v.ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture))));
            }
        }
    }
}
