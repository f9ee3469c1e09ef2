using Xunit.Abstractions;
using LstmGen.Testing;

namespace LstmGen.Tests.Generic;

/// <summary>
/// Central finite differences in double guard the oracle's BPTT: for every parameter, every input element and every
/// element of h0 and c0, (L(p+e) - L(p-e)) / 2e must equal the analytic gradient, where
/// L = sum(output*U) + sum(h_n*V) + sum(c_n*W) for fixed random U, V, W.
/// </summary>
public class GradientCheckTests
{
    // Step 1e-5: the truncation error is O(e^2 * |L'''|) ~ 1e-10 and the rounding error ~ eps_double*|L|/e ~ 1e-11*|L|.
    private const double Step = 1e-5;
    // Both error terms above stay far below 1e-7 relative to the gradient scale; a wrong gate or a missing term is O(1).
    private const double Tolerance = 1e-7;

    public static TheoryData<GradCheckCase> Cases()
    {
        var data = new TheoryData<GradCheckCase>();
        foreach (GradCheckCase c in GradCheckCase.Draw(count: 24, seed: 20261123))
        {
            data.Add(c);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Analytic_gradients_match_central_differences(GradCheckCase c)
    {
        RecurrentConfig config = c.Config;
        var net = new RecurrentNetwork<double>(config, seed: (ulong)c.Seed);
        var rng = new SeededRandom((ulong)c.Seed + 1);
        double[] input = Normal(ref rng, c.SeqLen * c.Batch * config.InputSize);
        double[] h0 = Normal(ref rng, config.StateRows * c.Batch * config.OutputHidden);
        double[] c0 = config.HasCellState ? Normal(ref rng, config.StateRows * c.Batch * config.HiddenSize) : [];
        double[] upOut = Normal(ref rng, c.SeqLen * c.Batch * config.OutputSize);
        double[] upH = Normal(ref rng, h0.Length);
        double[] upC = Normal(ref rng, c0.Length);

        double Loss()
        {
            double[] output = new double[upOut.Length];
            double[] hN = new double[upH.Length];
            double[] cN = new double[upC.Length];
            net.Forward(input, output, c.Batch, initial: new(h0, c0), final: new(hN, cN));
            return Dot(output, upOut) + Dot(hN, upH) + Dot(cN, upC);
        }

        // Analytic gradients.
        double[] scratchOut = new double[upOut.Length];
        net.Forward(input, scratchOut, c.Batch, initial: new(h0, c0), final: new(new double[upH.Length], new double[upC.Length]), training: true);
        double[] gInput = new double[input.Length];
        double[] gH0 = new double[h0.Length];
        double[] gC0 = new double[c0.Length];
        net.Parameters.ZeroGradients();
        net.Backward(upOut, gradInput: gInput, gradFinal: new(upH, upC), gradInitial: new(gH0, gC0));
        double[] gParams = net.Parameters.Gradients.ToArray();

        // Numeric gradients: perturb each element of each tensor in place.
        double[] parameters = net.Parameters.Values.ToArray();
        Compare("parameters", parameters, gParams, p => net.Parameters.Set(p), Loss);
        Compare("input", input, gInput, _ => { }, Loss);
        Compare("h0", h0, gH0, _ => { }, Loss);
        Compare("c0", c0, gC0, _ => { }, Loss);
    }

    private static void Compare(string what, double[] values, double[] analytic, Action<double[]> publish, Func<double> loss)
    {
        double worst = 0;
        string where = "";
        for (int i = 0; i < values.Length; i++)
        {
            double keep = values[i];
            values[i] = keep + Step;
            publish(values);
            double plus = loss();
            values[i] = keep - Step;
            publish(values);
            double minus = loss();
            values[i] = keep;
            publish(values);
            double numeric = (plus - minus) / (2 * Step);
            double error = Math.Abs(numeric - analytic[i]) / Math.Max(1.0, Math.Abs(numeric));
            if (error > worst)
            {
                worst = error;
                where = $"{what}[{i}]: numeric {numeric:R}, analytic {analytic[i]:R}";
            }
        }

        Assert.True(worst <= Tolerance, $"worst relative error {worst:E3} at {where}");
    }

    private static double[] Normal(ref SeededRandom rng, int n)
    {
        double[] a = new double[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = rng.NextNormal();
        }

        return a;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }
}

/// <summary>A randomly drawn configuration for the gradient check; serialisable so each shows as its own test case.</summary>
public sealed class GradCheckCase : IXunitSerializable
{
    public CellKind Kind { get; set; }
    public int Input { get; set; }
    public int Hidden { get; set; }
    public int Layers { get; set; }
    public bool Bidirectional { get; set; }
    public bool Bias { get; set; }
    public bool BatchFirst { get; set; }
    public int Proj { get; set; }
    public int SeqLen { get; set; }
    public int Batch { get; set; }
    public int Seed { get; set; }

    public RecurrentConfig Config => new(Kind, Input, Hidden, Layers, Bidirectional, Bias, BatchFirst, Proj);

    /// <summary>
    /// Draws configurations; the first few are forced so that every required feature appears whatever the seed:
    /// each kind, projection, bidirectional, 1 to 4 layers, batch-first, no bias and sequence length 1.
    /// </summary>
    public static IEnumerable<GradCheckCase> Draw(int count, int seed)
    {
        var rng = new SeededRandom((ulong)seed);
        CellKind[] kinds = [CellKind.Lstm, CellKind.Gru, CellKind.RnnTanh, CellKind.RnnRelu];
        for (int i = 0; i < count; i++)
        {
            var c = new GradCheckCase
            {
                Kind = kinds[i < 4 ? i : rng.NextInt(4)],
                Input = 1 + rng.NextInt(4),
                Hidden = 2 + rng.NextInt(4),
                Layers = i < 4 ? i + 1 : 1 + rng.NextInt(4),
                Bidirectional = i == 4 || i == 5 || rng.NextInt(2) == 0,
                Bias = i != 6 && rng.NextInt(4) != 0,
                BatchFirst = i == 7 || rng.NextInt(3) == 0,
                SeqLen = i == 8 ? 1 : 1 + rng.NextInt(4),
                Batch = 1 + rng.NextInt(3),
                Seed = seed + i,
            };
            if (i == 5)
            {
                c.Kind = CellKind.Lstm;
            }

            if (c.Kind == CellKind.Lstm && (i == 5 || i == 9 || rng.NextInt(3) == 0))
            {
                c.Proj = 1 + rng.NextInt(c.Hidden - 1);
            }

            yield return c;
        }
    }

    public void Deserialize(IXunitSerializationInfo info)
    {
        Kind = (CellKind)info.GetValue<int>(nameof(Kind));
        Input = info.GetValue<int>(nameof(Input));
        Hidden = info.GetValue<int>(nameof(Hidden));
        Layers = info.GetValue<int>(nameof(Layers));
        Bidirectional = info.GetValue<bool>(nameof(Bidirectional));
        Bias = info.GetValue<bool>(nameof(Bias));
        BatchFirst = info.GetValue<bool>(nameof(BatchFirst));
        Proj = info.GetValue<int>(nameof(Proj));
        SeqLen = info.GetValue<int>(nameof(SeqLen));
        Batch = info.GetValue<int>(nameof(Batch));
        Seed = info.GetValue<int>(nameof(Seed));
    }

    public void Serialize(IXunitSerializationInfo info)
    {
        info.AddValue(nameof(Kind), (int)Kind);
        info.AddValue(nameof(Input), Input);
        info.AddValue(nameof(Hidden), Hidden);
        info.AddValue(nameof(Layers), Layers);
        info.AddValue(nameof(Bidirectional), Bidirectional);
        info.AddValue(nameof(Bias), Bias);
        info.AddValue(nameof(BatchFirst), BatchFirst);
        info.AddValue(nameof(Proj), Proj);
        info.AddValue(nameof(SeqLen), SeqLen);
        info.AddValue(nameof(Batch), Batch);
        info.AddValue(nameof(Seed), Seed);
    }

    public override string ToString() =>
        $"{Kind} i{Input} h{Hidden} l{Layers}{(Bidirectional ? " bi" : "")}{(Proj > 0 ? $" p{Proj}" : "")}{(BatchFirst ? " bf" : "")}{(Bias ? "" : " nobias")} seq{SeqLen} b{Batch}";
}
