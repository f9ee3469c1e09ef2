using System.Text.Json;
using LstmGen.Testing;
using LstmGen.Training;

namespace LstmGen.Tests.Models;

/// <summary>
/// Whole models against real PyTorch (tests/fixtures/models, made by the script beside it): a module {rnn, fc} with
/// its head on every step, the last step or the final h, trained by RecurrentModel.TrainStep with no buffer sized by
/// the caller: the first step's prediction, loss and every gradient, then the parameters after each step.
/// </summary>
public class RecurrentModelTests
{
    // One forward and backward in double: a few roundings on O(1) values per operation, summed over the steps.
    private const double GradientRelative = 1e-11;
    // Three optimizer steps: each carries the previous steps' rounding on (Adam divides by sqrt(v), which amplifies it).
    private const double TrajectoryRelative = 1e-9;

    private static readonly Lazy<JsonDocument> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "models", "models.json"))));

    public static TheoryData<string> Cases() =>
        new(Fixture.Value.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.GetProperty("name").GetString()!));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Training_steps_match_PyTorch(string name)
    {
        JsonElement f = Fixture.Value.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        RecurrentModel<double> model = Build(f);
        Optimizer<double> optimizer = name.EndsWith("adam", StringComparison.Ordinal)
            ? new Adam<double>(model.Parameters, lr: name.StartsWith("rnn", StringComparison.Ordinal) ? 0.02 : 0.01)
            : new Sgd<double>(model.Parameters, lr: name switch { "gru_bi_last_ce_sgd" => 0.2, "lstm_final_mse_sgd" => 0.3, _ => 0.1 },
                momentum: name switch { "gru_bi_last_ce_sgd" => 0.5, "lstm_final_mse_sgd" => 0, _ => 0.9 });
        double[] input = Data(f.GetProperty("input"));
        int batch = f.GetProperty("batch").GetInt32(), seq = f.GetProperty("seq").GetInt32();
        bool mse = f.GetProperty("loss").GetString() == "mse";
        double[] target = mse ? Data(f.GetProperty("target")) : [];
        int[] classes = mse ? [] : f.GetProperty("target").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        double[] prediction = new double[model.OutputRows(seq, batch) * model.OutputSize];
        model.Predict(input, prediction, batch);
        TensorAssert.Close<double>($"{name}: prediction", Data(f.GetProperty("prediction")), prediction, GradientRelative, FixtureRunner.Floor);

        int step = 0;
        foreach (JsonElement after in f.GetProperty("after").EnumerateArray())
        {
            double loss = mse ? model.TrainStep(input, batch, target, optimizer) : model.TrainStep(input, batch, classes, optimizer);
            double expected = f.GetProperty("losses")[step].GetDouble();
            Assert.Equal(expected, loss, TrajectoryRelative * Math.Abs(expected));
            if (step == 0)
            {
                // The gradients of the first step are still there: the optimizer zeroes them only at the next TrainStep.
                AssertAll(model, f.GetProperty("grads"), gradients: true, GradientRelative, $"{name}: gradient");
            }

            AssertAll(model, after, gradients: false, TrajectoryRelative, $"{name}: after step {step + 1}");
            step++;
        }

        Assert.True(step >= 3);
    }

    [Fact]
    public void A_PyTorch_lstm_fc_module_loads_in_one_call_and_trains_to_its_gradients()
    {
        // tests/fixtures/safetensors/lstm_fc.*: PyTorch's state_dict of {lstm: LSTM(3, 5, 2), fc: Linear(5, 2)}, written by
        // the script beside it, with fc(output[-1]) and one MSE training step's gradients computed in float64.
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "safetensors", "lstm_fc.json")));
        JsonElement f = doc.RootElement;
        var config = new RecurrentConfig(CellKind.Lstm, 3, 5, numLayers: 2);
        RecurrentModel<double> model = RecurrentModel<double>.Load(Path.Combine(AppContext.BaseDirectory, "fixtures", "safetensors", "lstm_fc.safetensors"),
            config, HeadInput.LastStep, "lstm.", "fc.");
        double[] input = Data(f.GetProperty("input"));
        double[] prediction = new double[2 * 2];
        model.Predict(input, prediction, batch: 2);
        TensorAssert.Close<double>("fc(output[-1])", Data(f.GetProperty("float64").GetProperty("head")), prediction, GradientRelative, FixtureRunner.Floor);

        // lr 0: the gradients stay for comparison and the parameters do not move.
        double loss = model.TrainStep(input, 2, Data(f.GetProperty("target")), new Sgd<double>(model.Parameters, lr: 0));
        Assert.Equal(f.GetProperty("loss64").GetDouble(), loss, GradientRelative);
        JsonElement grads = f.GetProperty("grads64");
        foreach (ParameterInfo p in model.Network.Parameters.Layout.Parameters)
        {
            TensorAssert.Close<double>("grad lstm." + p.Name, Data(grads.GetProperty("lstm." + p.Name)), model.Network.Parameters.Gradient(p.Name), GradientRelative, FixtureRunner.Floor);
        }

        TensorAssert.Close<double>("grad fc.weight", Data(grads.GetProperty("fc.weight")), model.Head.Gradients[..10], GradientRelative, FixtureRunner.Floor);
        TensorAssert.Close<double>("grad fc.bias", Data(grads.GetProperty("fc.bias")), model.Head.Gradients[10..], GradientRelative, FixtureRunner.Floor);
    }

    [Fact]
    public void Bad_arguments_name_what_was_expected()
    {
        var net = new RecurrentNetwork<double>(new RecurrentConfig(CellKind.Gru, 2, 3), seed: 1);
        Check("head", "3 output features", () => new RecurrentModel<double>(net, new Linear<double>(4, 1)));
        Check("residual", "headInput EachStep", () => new RecurrentModel<double>(net, new Linear<double>(3, 1), HeadInput.LastStep, residual: true));
        Check("residual", "at most 2 head outputs", () => new RecurrentModel<double>(net, new Linear<double>(3, 3), residual: true));
        var model = new RecurrentModel<double>(net, new Linear<double>(3, 2), HeadInput.FinalHidden);
        Check("input", "seqLen*4*2", () => model.Predict(new double[7], new double[8], 4));
        Check("output", "batch*outputSize = 4*2 = 8", () => model.Predict(new double[16], new double[7], 4));
        Check("classes", "one index per output row, 4", () => model.TrainStep(new double[16], 4, new int[3], new Sgd<double>(model.Parameters, 0.1)));
        Check("optimizer", "this model's Parameters", () => model.TrainStep(new double[16], 4, new double[8], new Sgd<double>([new Linear<double>(1, 1)], 0.1)));
        Assert.Throws<InvalidOperationException>(() => model.OpenStream());
    }

    private static void Check(string param, string text, Action call)
    {
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(param, e.ParamName);
        Assert.Contains(text, e.Message, StringComparison.Ordinal);
    }

    private static RecurrentModel<double> Build(JsonElement f)
    {
        CellKind kind = f.GetProperty("kind").GetString() switch
        {
            "lstm" => CellKind.Lstm,
            "gru" => CellKind.Gru,
            "rnn_tanh" => CellKind.RnnTanh,
            _ => CellKind.RnnRelu,
        };
        var config = new RecurrentConfig(kind, f.GetProperty("input_size").GetInt32(), f.GetProperty("hidden_size").GetInt32(),
            f.GetProperty("num_layers").GetInt32(), f.GetProperty("bidirectional").GetBoolean(), batchFirst: f.GetProperty("batch_first").GetBoolean());
        var net = new RecurrentNetwork<double>(config);
        var head = new Linear<double>(config.OutputSize, f.GetProperty("out").GetInt32());
        JsonElement initial = f.GetProperty("initial");
        foreach (ParameterInfo p in net.Parameters.Layout.Parameters)
        {
            net.Parameters.Set(p.Name, Data(initial.GetProperty("rnn." + p.Name)));
        }

        head.Update(initial, static (values, init) =>
        {
            Data(init.GetProperty("fc.weight")).CopyTo(values);
            Data(init.GetProperty("fc.bias")).CopyTo(values[^Data(init.GetProperty("fc.bias")).Length..]);
        });
        HeadInput headInput = f.GetProperty("head_input").GetString() switch
        {
            "each_step" => HeadInput.EachStep,
            "last_step" => HeadInput.LastStep,
            _ => HeadInput.FinalHidden,
        };
        return new RecurrentModel<double>(net, head, headInput, f.GetProperty("residual").GetBoolean());
    }

    private static void AssertAll(RecurrentModel<double> model, JsonElement expected, bool gradients, double relative, string what)
    {
        foreach (ParameterInfo p in model.Network.Parameters.Layout.Parameters)
        {
            ReadOnlySpan<double> actual = gradients ? model.Network.Parameters.Gradient(p.Name) : model.Network.Parameters[p.Name];
            TensorAssert.Close<double>($"{what} rnn.{p.Name}", Data(expected.GetProperty("rnn." + p.Name)), actual, relative, FixtureRunner.Floor);
        }

        int weights = model.Head.InFeatures * model.Head.OutFeatures;
        ReadOnlySpan<double> head = gradients ? model.Head.Gradients : model.Head.Values;
        TensorAssert.Close<double>($"{what} fc.weight", Data(expected.GetProperty("fc.weight")), head[..weights], relative, FixtureRunner.Floor);
        TensorAssert.Close<double>($"{what} fc.bias", Data(expected.GetProperty("fc.bias")), head[weights..], relative, FixtureRunner.Floor);
    }

    private static double[] Data(JsonElement tensor) => tensor.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
