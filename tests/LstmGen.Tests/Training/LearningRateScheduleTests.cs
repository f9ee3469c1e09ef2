using System.Text.Json;
using LstmGen.Training;

namespace LstmGen.Tests.Training;

/// <summary>
/// Learning-rate schedules and the optimizers' mutable rate against real PyTorch (tests/fixtures/training/lr_schedules.json,
/// made by make_lr_fixtures.py beside it).
/// </summary>
public class LearningRateScheduleTests
{
    // StepLR and ExponentialLR are multiplications by gamma in PyTorch's order: IEEE multiplication is correctly
    // rounded in Python and in C#, so the rates must be equal bit for bit.
    // CosineAnnealingLR also calls cos, from the platform's libm in both CPython and .NET (identical on this machine,
    // within an ulp elsewhere). An ulp in cos becomes 2.2e-16/(1 + cos x) relative in a ratio of the recursion; summed
    // over the 30 epochs, with 1 + cos x as small as 1 - cos(pi/30) = 5.5e-3 near the minimum, that is below 1e-13 of
    // the largest rate of a case. 1e-12 of it leaves a margin and still catches any wrong term (>= 1e-4 here).
    private const double CosineRelative = 1e-12;
    // One optimizer step per epoch through the LSTM, as TrainingFixtureTests' trajectories.
    private const double TrajectoryRelative = TrainingModel.TrajectoryRelative;

    private static readonly Lazy<JsonDocument> Fixture = new(() => TrainingModel.LoadFixture("lr_schedules.json"));

    public static TheoryData<string> Schedules() => Names("schedules");

    public static TheoryData<string> TrainingRuns() => Names("training");

    [Theory]
    [MemberData(nameof(Schedules))]
    public void Schedule_matches_PyTorch_over_30_epochs(string name)
    {
        JsonElement c = Case("schedules", name);
        double[] expected = Doubles(c.GetProperty("lrs"));
        int[] lastEpochs = c.GetProperty("last_epochs").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Dictionary<int, double> set = c.GetProperty("set").EnumerateArray().ToDictionary(e => e.GetProperty("epoch").GetInt32(), e => e.GetProperty("lr").GetDouble());
        var optimizer = new Sgd<double>([new Linear<double>(1, 1)], lr: c.GetProperty("lr").GetDouble());
        LearningRateSchedule schedule = Create(c.GetProperty("kind").GetString()!, c.GetProperty("params"), optimizer);
        double tolerance = schedule is CosineAnnealingSchedule ? CosineRelative * expected.Max() : 0;

        Assert.Equal(lastEpochs[0], schedule.LastEpoch);
        Assert.Equal(expected[0], schedule.LearningRate);
        Assert.Equal(expected[0], schedule.BaseLearningRate);
        int epochs = c.GetProperty("epochs").GetInt32();
        Assert.Equal(epochs + 1, expected.Length);
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            if (set.TryGetValue(epoch, out double lr))
            {
                optimizer.LearningRate = lr;
            }

            schedule.Step();
            Assert.Equal(lastEpochs[epoch], schedule.LastEpoch);
            Assert.Equal(optimizer.LearningRate, schedule.LearningRate);
            Assert.True(Math.Abs(expected[epoch] - optimizer.LearningRate) <= tolerance,
                FormattableString.Invariant($"{name} epoch {epoch}: learning rate {optimizer.LearningRate:R}, PyTorch's {expected[epoch]:R}"));
        }
    }

    [Theory]
    [MemberData(nameof(TrainingRuns))]
    public void Scheduled_training_matches_PyTorch(string name)
    {
        JsonElement c = Case("training", name);
        var model = new TrainingModel(new RecurrentConfig(CellKind.Lstm, 3, 4), outFeatures: 2, c.GetProperty("initial"));
        Optimizer<double> optimizer = name switch
        {
            "sgd_momentum_step" => new Sgd<double>(model.All, lr: 0.1, momentum: 0.9),
            "sgd_exponential" => new Sgd<double>(model.All, lr: 0.2),
            "adam_cosine" => new Adam<double>(model.All, lr: 0.02),
            _ => throw new ArgumentException(name),
        };
        LearningRateSchedule schedule = Create(c.GetProperty("kind").GetString()!, c.GetProperty("params"), optimizer);
        double[] x = TrainingModel.Data(c.GetProperty("input"));
        double[] y = TrainingModel.Data(c.GetProperty("target"));
        double[] losses = Doubles(c.GetProperty("losses"));
        double[] lrs = Doubles(c.GetProperty("lrs"));
        int epoch = 0;
        foreach (JsonElement expected in c.GetProperty("steps").EnumerateArray())
        {
            optimizer.ZeroGradients();
            double loss = model.LossAndGradients(x, seqLen: 5, batch: 2, y);
            Assert.Equal(losses[epoch], loss, TrajectoryRelative * Math.Abs(loss));
            Assert.Equal(lrs[epoch], optimizer.LearningRate, CosineRelative * lrs.Max());
            optimizer.Step();
            schedule.Step();
            model.AssertParameters(expected, TrajectoryRelative, $"{name} epoch {epoch + 1}");
            epoch++;
        }

        Assert.True(epoch >= 6, "each run has at least 6 epochs");
    }

    [Fact]
    public void A_changed_learning_rate_is_the_one_the_next_step_uses()
    {
        // Two heads from the same seed and gradients: one optimizer created with 0.3, one changed to 0.3 after creation.
        Linear<double> a = new(3, 2, seed: 4), b = new(3, 2, seed: 4);
        a.Gradients.Fill(0.5);
        b.Gradients.Fill(0.5);
        var created = new Adam<double>([a], lr: 0.3);
        var changed = new Adam<double>([b], lr: 1.0) { LearningRate = 0.3 };
        created.Step();
        changed.Step();
        Assert.Equal(a.Values.ToArray(), b.Values.ToArray());
    }

    [Theory]
    [InlineData(-0.5, "-0.5")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    public void A_bad_learning_rate_is_refused_naming_it(double value, string text)
    {
        var sgd = new Sgd<float>([new Linear<float>(2, 2)], lr: 0.1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = value);
        Assert.Equal("value", e.ParamName);
        Assert.StartsWith($"LearningRate must be a finite number >= 0, but was {text}.", e.Message, StringComparison.Ordinal);
        Assert.Equal(0.1, sgd.LearningRate);

        var c = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<float>([new Linear<float>(2, 2)], lr: value));
        Assert.Equal("lr", c.ParamName);
        Assert.StartsWith($"lr must be a finite number >= 0, but was {text}.", c.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Schedule_arguments_are_checked_naming_them()
    {
        var sgd = new Sgd<double>([new Linear<double>(1, 1)], lr: 0.1);
        AssertOutOfRange(() => new StepSchedule(sgd, stepSize: 0), "stepSize", "stepSize (epochs between decays) must be at least 1, but was 0.");
        AssertOutOfRange(() => new StepSchedule(sgd, 2, gamma: 0), "gamma", "gamma must be a finite number > 0, but was 0.");
        AssertOutOfRange(() => new ExponentialSchedule(sgd, gamma: -0.9), "gamma", "gamma must be a finite number > 0, but was -0.9.");
        AssertOutOfRange(() => new ExponentialSchedule(sgd, gamma: double.PositiveInfinity), "gamma", "gamma must be a finite number > 0, but was Infinity.");
        AssertOutOfRange(() => new CosineAnnealingSchedule(sgd, tMax: -3), "tMax", "tMax (epochs of half a period) must be at least 1, but was -3.");
        AssertOutOfRange(() => new CosineAnnealingSchedule(sgd, 10, etaMin: -1e-3), "etaMin", "etaMin must be a finite number >= 0, but was -0.001.");
        AssertOutOfRange(() => new CosineAnnealingSchedule(sgd, 10, etaMin: double.NaN), "etaMin", "etaMin must be a finite number >= 0, but was NaN.");
        Assert.Equal("optimizer", Assert.Throws<ArgumentNullException>(() => new ExponentialSchedule(null!, 0.5)).ParamName);
        Assert.Equal(0.1, sgd.LearningRate);
    }

    [Fact]
    public void A_step_that_overflows_the_rate_changes_nothing()
    {
        var sgd = new Sgd<double>([new Linear<double>(1, 1)], lr: 1.0);
        var schedule = new ExponentialSchedule(sgd, gamma: 1e200);
        schedule.Step();
        var e = Assert.Throws<InvalidOperationException>(schedule.Step);
        Assert.Equal("ExponentialSchedule at epoch 2 gives the learning rate Infinity (from 1E+200); a learning rate is a finite number >= 0.", e.Message);
        Assert.Equal(1, schedule.LastEpoch);
        Assert.Equal(1e200, schedule.LearningRate);
        Assert.Equal(1e200, sgd.LearningRate);
    }

    private static void AssertOutOfRange(Func<object> create, string name, string message)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(create);
        Assert.Equal(name, e.ParamName);
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    private static LearningRateSchedule Create(string kind, JsonElement p, ILearningRateController optimizer) => kind switch
    {
        "step" => new StepSchedule(optimizer, p.GetProperty("step_size").GetInt32(), p.GetProperty("gamma").GetDouble()),
        "exponential" => new ExponentialSchedule(optimizer, p.GetProperty("gamma").GetDouble()),
        "cosine" => new CosineAnnealingSchedule(optimizer, p.GetProperty("t_max").GetInt32(), p.GetProperty("eta_min").GetDouble()),
        _ => throw new ArgumentException(kind),
    };

    private static TheoryData<string> Names(string section) =>
        new(Fixture.Value.RootElement.GetProperty(section).EnumerateArray().Select(e => e.GetProperty("name").GetString()!));

    private static JsonElement Case(string section, string name) =>
        Fixture.Value.RootElement.GetProperty(section).EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
