using System.Text.Json;
using LstmGen.Testing;
using LstmGen.Training;

namespace LstmGen.Tests.Training;

/// <summary>
/// Losses, optimizers, clipping and truncated BPTT against real PyTorch (tests/fixtures/training, made by the script
/// beside it). The double path runs every case; reference values are PyTorch's float64 results.
/// </summary>
public class TrainingFixtureTests
{
    // Single operations: a few roundings on O(1) values.
    private const double OperationRelative = 1e-12;
    private const double TrajectoryRelative = TrainingModel.TrajectoryRelative;

    private static readonly Lazy<JsonDocument> Fixture = new(() => TrainingModel.LoadFixture("training.json"));

    private static JsonElement Root => Fixture.Value.RootElement;

    [Fact]
    public void Cross_entropy_matches_PyTorch()
    {
        JsonElement ce = Root.GetProperty("losses").GetProperty("cross_entropy");
        double[] logits = Data(ce.GetProperty("logits"));
        int[] targets = ce.GetProperty("targets").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        double[] grad = new double[logits.Length];
        double loss = Losses.CrossEntropy<double>(logits, targets, ce.GetProperty("classes").GetInt32(), grad, ce.GetProperty("ignore_index").GetInt32());
        Assert.Equal(ce.GetProperty("loss").GetDouble(), loss, OperationRelative * Math.Abs(loss));
        TensorAssert.Close<double>("cross-entropy gradient", Data(ce.GetProperty("grad")), grad, OperationRelative, FixtureRunner.Floor);
    }

    [Fact]
    public void Cross_entropy_in_float_survives_huge_logits()
    {
        JsonElement ce = Root.GetProperty("losses").GetProperty("cross_entropy");
        float[] logits = Data(ce.GetProperty("logits")).Select(d => (float)d).ToArray();
        int[] targets = ce.GetProperty("targets").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        float loss = Losses.CrossEntropy<float>(logits, targets, 5, default);
        Assert.True(float.IsFinite(loss));
        // The logits are float32-exact; one row is shifted by 1000, where float has 6e-5 resolution.
        Assert.Equal(ce.GetProperty("loss").GetDouble(), loss, 1e-4);
    }

    [Fact]
    public void Mse_matches_PyTorch()
    {
        JsonElement mse = Root.GetProperty("losses").GetProperty("mse");
        double[] grad = new double[7];
        double loss = Losses.MeanSquaredError<double>(Data(mse.GetProperty("prediction")), Data(mse.GetProperty("target")), grad);
        Assert.Equal(mse.GetProperty("loss").GetDouble(), loss, OperationRelative * Math.Abs(loss));
        TensorAssert.Close<double>("mse gradient", Data(mse.GetProperty("grad")), grad, OperationRelative, FixtureRunner.Floor);
    }

    public static TheoryData<string> Trajectories() =>
        new(Root.GetProperty("trajectories").EnumerateArray().Select(e => e.GetProperty("name").GetString()!));

    [Theory]
    [MemberData(nameof(Trajectories))]
    public void Optimizer_trajectory_matches_PyTorch(string name)
    {
        JsonElement tr = Root.GetProperty("trajectories").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var model = new TrainingModel(new RecurrentConfig(CellKind.Lstm, 3, 4), outFeatures: 2, tr.GetProperty("initial"));
        IParameterBuffer<double>[] all = model.All;
        Optimizer<double> optimizer = name switch
        {
            "sgd" => new Sgd<double>(all, lr: 0.1),
            "sgd_momentum" => new Sgd<double>(all, lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01),
            "sgd_nesterov" => new Sgd<double>(all, lr: 0.05, momentum: 0.8, nesterov: true),
            "adam" => new Adam<double>(all, lr: 0.01),
            "adam_decay" => new Adam<double>(all, lr: 0.02, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1),
            "sgd_clipped" => new Sgd<double>(all, lr: 0.1, momentum: 0.5),
            _ => throw new ArgumentException(name),
        };
        double[] x = Data(tr.GetProperty("input"));
        double[] y = Data(tr.GetProperty("target"));
        double[] norms = tr.GetProperty("norms").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        int step = 0;
        foreach (JsonElement expected in tr.GetProperty("steps").EnumerateArray())
        {
            optimizer.ZeroGradients();
            double loss = model.LossAndGradients(x, seqLen: 5, batch: 2, y);
            Assert.Equal(tr.GetProperty("losses")[step].GetDouble(), loss, TrajectoryRelative * Math.Abs(loss));
            if (norms.Length > 0)
            {
                double total = GradientClipping.ClipGradNorm(all, 0.05);
                Assert.Equal(norms[step], total, TrajectoryRelative * Math.Abs(total));
            }

            optimizer.Step();
            model.AssertParameters(expected, TrajectoryRelative, $"{name} step {step + 1}");
            step++;
        }

        Assert.True(step >= 5, "each trajectory has at least 5 steps");
    }

    [Fact]
    public void Gradient_clipping_matches_PyTorch()
    {
        JsonElement clip = Root.GetProperty("clipping");
        double[] x = Data(clip.GetProperty("input"));
        double[] y = Data(clip.GetProperty("target"));
        foreach (JsonElement c in clip.GetProperty("cases").EnumerateArray())
        {
            var model = new TrainingModel(new RecurrentConfig(CellKind.Lstm, 3, 4), outFeatures: 2, clip.GetProperty("params"));
            model.LossAndGradients(x, seqLen: 4, batch: 2, y);
            double normType = c.GetProperty("norm_type").ValueKind == JsonValueKind.String ? double.PositiveInfinity : c.GetProperty("norm_type").GetDouble();
            double total = GradientClipping.ClipGradNorm<double>([model.Net.Parameters, model.Head], c.GetProperty("max_norm").GetDouble(), normType);
            Assert.Equal(c.GetProperty("total_norm").GetDouble(), total, OperationRelative * 100 * total);
            model.AssertGradients(c.GetProperty("grads"), OperationRelative * 100, $"clip norm {normType}");
        }
    }

    [Fact]
    public void Clipping_a_non_finite_norm_raises_when_asked()
    {
        var head = new Linear<double>(2, 2);
        head.Gradients[1] = double.NaN;
        var e = Assert.Throws<InvalidOperationException>(() => GradientClipping.ClipGradNorm<double>([head], 1.0, errorIfNonfinite: true));
        Assert.Contains("NaN", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2.0, double.PositiveInfinity)]
    [InlineData(2.0, double.NegativeInfinity)]
    [InlineData(1.0, double.PositiveInfinity)]
    [InlineData(3.0, double.NegativeInfinity)]
    [InlineData(double.PositiveInfinity, double.PositiveInfinity)]
    public void Clipping_an_infinite_gradient_does_what_PyTorch_does(double normType, double infinity)
    {
        // torch 1.13 (Debian's python3-torch), clip_grad_norm_([w, b], 1.0, norm_type) with w.grad = [[0.5, ±inf], [-0.25, 2]]
        // and b.grad = [-3, 0], for norm_type 2, 1, 3 and inf alike: the total norm is inf, the coefficient
        // 1.0 / (inf + 1e-6) = 0, and every gradient is multiplied by it: w.grad = [[0, nan], [-0, 0]], b.grad = [-0, 0].
        // So the infinite element becomes NaN (inf * 0) and every finite one a zero of its own sign.
        var head = new Linear<double>(2, 2);
        double[] before = [0.5, infinity, -0.25, 2.0, -3.0, 0.0];
        before.CopyTo(head.Gradients);
        double total = GradientClipping.ClipGradNorm<double>([head], 1.0, normType);
        Assert.Equal(double.PositiveInfinity, total);
        for (int i = 0; i < before.Length; i++)
        {
            double g = head.Gradients[i];
            if (double.IsInfinity(before[i]))
            {
                Assert.True(double.IsNaN(g), $"gradient {i} (was {before[i]}) is {g}, PyTorch gives NaN");
            }
            else
            {
                // Bitwise: 0 for a positive gradient, -0 for a negative one.
                Assert.True(BitConverter.DoubleToInt64Bits(before[i] * 0.0) == BitConverter.DoubleToInt64Bits(g),
                    $"gradient {i} (was {before[i]}) is {g:R}, PyTorch gives {before[i] * 0.0:R}");
            }
        }
    }

    public static TheoryData<int> TbpttWindows() => new(Root.GetProperty("tbptt").EnumerateArray().Select(e => e.GetProperty("window").GetInt32()));

    [Theory]
    [MemberData(nameof(TbpttWindows))]
    public void Truncated_bptt_matches_PyTorch_with_detached_state(int window)
    {
        JsonElement tb = Root.GetProperty("tbptt").EnumerateArray().Single(e => e.GetProperty("window").GetInt32() == window);
        var model = new TrainingModel(new RecurrentConfig(CellKind.Lstm, 2, 5, numLayers: 2), outFeatures: 1, tb.GetProperty("params"));
        double[] x = Data(tb.GetProperty("input"));
        double[] y = Data(tb.GetProperty("target"));
        const int batch = 3;
        var tbptt = new TruncatedBptt<double>(model.Net, window, batch);
        var losses = new List<double>();
        double[] headOut = new double[window * batch];
        double[] gradHead = new double[headOut.Length];
        tbptt.Run(x, 12, (start, steps, output, gradOutput) =>
        {
            int rows = steps * batch;
            model.Head.Forward(output, rows, headOut.AsSpan(0, rows));
            double loss = Losses.MeanSquaredError<double>(headOut.AsSpan(0, rows), y.AsSpan(start * batch, rows), gradHead.AsSpan(0, rows));
            model.Head.Backward(output, rows, gradHead.AsSpan(0, rows), gradOutput);
            losses.Add(loss);
            return loss;
        });
        double[] expectedLosses = tb.GetProperty("window_losses").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(expectedLosses.Length, losses.Count);
        for (int i = 0; i < losses.Count; i++)
        {
            Assert.Equal(expectedLosses[i], losses[i], OperationRelative * 100 * Math.Abs(expectedLosses[i]));
        }

        model.AssertGradients(tb.GetProperty("grads"), TrajectoryRelative, $"tbptt window {window}");
    }

    [Fact]
    public void Truncated_bptt_with_one_window_is_full_bptt_exactly()
    {
        JsonElement tb = Root.GetProperty("tbptt")[0];
        var config = new RecurrentConfig(CellKind.Lstm, 2, 5, numLayers: 2);
        var viaTbptt = new TrainingModel(config, 1, tb.GetProperty("params"));
        var full = new TrainingModel(config, 1, tb.GetProperty("params"));
        double[] x = Data(tb.GetProperty("input"));
        double[] y = Data(tb.GetProperty("target"));
        double[] headOut = new double[36];
        double[] gradHead = new double[36];
        new TruncatedBptt<double>(viaTbptt.Net, window: 12, batch: 3).Run(x, 12, (start, steps, output, gradOutput) =>
        {
            viaTbptt.Head.Forward(output, 36, headOut);
            double loss = Losses.MeanSquaredError<double>(headOut, y, gradHead);
            viaTbptt.Head.Backward(output, 36, gradHead, gradOutput);
            return loss;
        });
        full.LossAndGradients(x, 12, 3, y);
        Assert.Equal(full.Net.Parameters.Gradients.ToArray(), viaTbptt.Net.Parameters.Gradients.ToArray());
        Assert.Equal(full.Head.Gradients.ToArray(), viaTbptt.Head.Gradients.ToArray());
    }

    private static double[] Data(JsonElement tensor) => TrainingModel.Data(tensor);
}

/// <summary>The forget-gate bias option.</summary>
public class ForgetGateBiasTests
{
    [Fact]
    public void Sets_only_the_forget_rows_of_every_bias_so_they_sum_to_the_value()
    {
        var config = new RecurrentConfig(CellKind.Lstm, 3, 4, numLayers: 2, bidirectional: true);
        var net = new RecurrentNetwork<float>(config, seed: 9);
        float[] before = net.Parameters.Values.ToArray();
        ParameterInit.SetForgetGateBias(net.Parameters, 1.0);
        float[] after = net.Parameters.Values.ToArray();
        int changed = 0;
        foreach (ParameterInfo p in net.Parameters.Layout.Parameters)
        {
            for (int i = 0; i < p.Length; i++)
            {
                bool forgetBias = p.IsVector && i >= config.HiddenSize && i < 2 * config.HiddenSize;
                float expected = !forgetBias ? before[p.Offset + i] : p.Role == ParameterRole.BiasIh ? 1f : 0f;
                Assert.Equal(expected, after[p.Offset + i]);
                changed += forgetBias ? 1 : 0;
            }
        }

        Assert.Equal(2 * 2 * 2 * config.HiddenSize, changed); // layers * directions * (ih, hh) * hidden
    }

    [Fact]
    public void Rejects_a_gru() =>
        Assert.Equal("parameters", Assert.Throws<ArgumentException>(() =>
            ParameterInit.SetForgetGateBias(new RecurrentNetwork<float>(new RecurrentConfig(CellKind.Gru, 2, 3)).Parameters, 1.0)).ParamName);
}
