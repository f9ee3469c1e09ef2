using LstmGen.Demo;
using LstmGen.Demo.Training;

namespace LstmGen.Tests.Training;

/// <summary>The demo's training runs, shortened: the loss falls, and a seed fixes every bit of the result.</summary>
public class DemoTrainingTests
{
    private static DemoOptions Short(params string[] extra) =>
        DemoOptions.Parse(["--seq-len", "12", "--epochs", "4", "--batches", "15", "--batch", "16", "--hidden", "8", .. extra]);

    [Fact]
    public void Adding_problem_loss_falls_for_the_lstm()
    {
        DemoOptions o = Short();
        SequenceModel lstm = DemoRuns.AddingModels(o).Single(m => m.Name.StartsWith("LSTM", StringComparison.Ordinal));
        TrainingResult r = Trainers.TrainAdding(lstm, DemoRuns.AddingOptions(o) with { TestSize = 200 });
        Assert.True(r.LossCurve[^1] < 0.6 * r.LossCurve[0], $"loss went from {r.LossCurve[0]} to {r.LossCurve[^1]}");
    }

    [Fact]
    public void Reber_loss_falls()
    {
        DemoOptions o = Short();
        TrainingResult r = Trainers.TrainReber(DemoRuns.ReberModel(o), DemoRuns.ReberOptions(o) with { TestSize = 100 });
        Assert.True(r.LossCurve[^1] < 0.85 * r.LossCurve[0], $"loss went from {r.LossCurve[0]} to {r.LossCurve[^1]}");
    }

    [Fact]
    public void Two_runs_with_one_seed_give_bit_identical_parameters()
    {
        float[] Train()
        {
            // Hidden 32 is the generated GRU: the specialised kernels must be as reproducible as the generic path.
            DemoOptions o = Short("--seed", "77", "--hidden", "32");
            SequenceModel gru = DemoRuns.AddingModels(o).Single(m => m.Name.StartsWith("GRU", StringComparison.Ordinal));
            Assert.IsType<AddingGru>(gru.Net);
            Trainers.TrainAdding(gru, DemoRuns.AddingOptions(o) with { TestSize = 50 });
            return [.. gru.Net.Parameters.Values, .. gru.Head.Values];
        }

        float[] first = Train();
        float[] second = Train();
        Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), second.Select(BitConverter.SingleToInt32Bits));
        Assert.DoesNotContain(first, float.IsNaN);
    }

    [Fact]
    public void Options_reject_bad_values_with_the_option_name()
    {
        Assert.Contains("--epochs", Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--epochs", "0"])).Message, StringComparison.Ordinal);
        Assert.Contains("--task", Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--task", "dance"])).Message, StringComparison.Ordinal);
        Assert.Contains("--nope", Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--nope"])).Message, StringComparison.Ordinal);
    }
}
