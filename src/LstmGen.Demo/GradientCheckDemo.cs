using System.Globalization;

namespace LstmGen.Demo;

/// <summary>The classic torch.nn.LSTM(5, 6, 2) example, printed, with a finite-difference check of its BPTT.</summary>
public static class GradientCheckDemo
{
    public static int Run()
    {
        // The classic torch.nn.LSTM(5, 6, 2) example: input (seq 1, batch 3, features 5) with h0 and c0.
        var config = new RecurrentConfig(CellKind.Lstm, inputSize: 5, hiddenSize: 6, numLayers: 2);
        var lstm = new RecurrentNetwork<double>(config, seed: 42);
        const int seqLen = 1, batch = 3;
        var rng = new SeededRandom(7);
        double[] input = Normal(seqLen * batch * config.InputSize);
        double[] h0 = Normal(config.StateRows * batch * config.OutputHidden);
        double[] c0 = Normal(config.StateRows * batch * config.HiddenSize);
        double[] output = new double[seqLen * batch * config.OutputSize];
        double[] hN = new double[h0.Length];
        double[] cN = new double[c0.Length];

        lstm.Forward(input, output, batch, initial: new(h0, c0), final: new(hN, cN), training: true);
        Console.WriteLine($"{config}, {lstm.Parameters.Length} parameters: {string.Join(", ", lstm.Parameters.Layout.Parameters.Select(p => $"{p.Name}[{string.Join("x", p.Shape)}]"))}");
        Print("output (1, 3, 6)", output, 6);
        Print("h_n (2, 3, 6)", hN, 6);
        Print("c_n (2, 3, 6)", cN, 6);

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

        Console.WriteLine($"gradient check over {analytic.Length} parameters: worst relative error {worst:E2}");
        return worst < 1e-7 ? 0 : 1;

        double Loss()
        {
            lstm.Forward(input, output, batch, initial: new(h0, c0), final: new(hN, cN));
            return output.Sum() + hN.Sum() + cN.Sum();
        }

        double[] Normal(int n)
        {
            double[] a = new double[n];
            for (int i = 0; i < n; i++)
            {
                a[i] = rng.NextNormal();
            }

            return a;
        }

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
