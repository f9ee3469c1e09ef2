using System.Diagnostics;
using LstmGen.Demo.Tasks;
using LstmGen.Training;

namespace LstmGen.Demo.Training;

/// <summary>What a training run reports: the loss curve, the test metrics and the time taken.</summary>
public sealed record TrainingResult(string Model, string Task, List<double> LossCurve, double TestLoss, double? Accuracy, TimeSpan Elapsed);

/// <summary>Options shared by the demo's training runs.</summary>
public sealed record TrainingOptions(int SeqLen, int Epochs, int BatchesPerEpoch, int Batch, ulong Seed, double LearningRate, double ClipNorm, int TestSize);

/// <summary>A whole model (network and linear head) and the Adam optimizer over it.</summary>
public sealed class SequenceModel
{
    public SequenceModel(string name, IRecurrentNetwork<float> net, int outFeatures, HeadInput headInput, double learningRate, ulong seed)
    {
        Name = name;
        Model = new RecurrentModel<float>(net, new Linear<float>(net.Config.OutputSize, outFeatures, seed: seed + 1), headInput);
        Optimizer = new Adam<float>(Model.Parameters, lr: learningRate);
    }

    public string Name { get; }
    public RecurrentModel<float> Model { get; }
    public IRecurrentNetwork<float> Net => Model.Network;
    public Linear<float> Head => Model.Head;
    public Adam<float> Optimizer { get; }
}

/// <summary>Training loops for the two demo tasks. No allocation per step: every buffer is sized once per run.</summary>
public static class Trainers
{
    /// <summary>Adding problem: the head reads the last step; MSE against the sum of the two marked values.</summary>
    public static TrainingResult TrainAdding(SequenceModel model, TrainingOptions o, Action<double>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        int hidden = model.Net.Config.OutputSize;
        var data = new AddingProblem(o.SeqLen, o.Seed);
        float[] input = new float[o.SeqLen * o.Batch * 2], target = new float[o.Batch];
        var curve = new List<double>();
        int total = o.Epochs * o.BatchesPerEpoch;
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            double epochLoss = 0;
            for (int i = 0; i < o.BatchesPerEpoch; i++)
            {
                data.Sample(o.Batch, input, target);
                epochLoss += model.Model.TrainStep(input, o.Batch, target, model.Optimizer, o.ClipNorm);
                progress?.Invoke(((epoch * o.BatchesPerEpoch) + i + 1) / (double)total);
            }

            curve.Add(epochLoss / o.BatchesPerEpoch);
        }

        return new TrainingResult(model.Name, "adding", curve, AddingTestLoss(model.Model, o), null, clock.Elapsed);
    }

    /// <summary>MSE on fresh sequences from a different seed than training's.</summary>
    public static double AddingTestLoss(RecurrentModel<float> model, TrainingOptions o)
    {
        var test = new AddingProblem(o.SeqLen, o.Seed ^ 0x5EED_7E57UL);
        float[] input = new float[o.SeqLen * o.TestSize * 2], target = new float[o.TestSize], prediction = new float[o.TestSize];
        test.Sample(o.TestSize, input, target);
        model.Predict(input, prediction, o.TestSize);
        return Losses.MeanSquaredError<float>(prediction, target, default);
    }

    /// <summary>Embedded Reber grammar: next-symbol prediction at every step with softmax cross-entropy.</summary>
    public static TrainingResult TrainReber(SequenceModel model, TrainingOptions o, Action<double>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var data = new EmbeddedReber(o.Seed);
        var curve = new List<double>();
        int total = o.Epochs * o.BatchesPerEpoch;
        var strings = new (int[] Symbols, int[] Legal)[o.Batch];
        var buffers = new ReberBuffers(o.Batch);
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            double epochLoss = 0;
            for (int i = 0; i < o.BatchesPerEpoch; i++)
            {
                for (int s = 0; s < strings.Length; s++)
                {
                    strings[s] = data.Sample();
                }

                (_, int rows) = buffers.Encode(strings);
                epochLoss += model.Model.TrainStep(buffers.Input.AsSpan(0, rows * EmbeddedReber.Classes), o.Batch, buffers.Targets.AsSpan(0, rows), model.Optimizer, o.ClipNorm);
                progress?.Invoke(((epoch * o.BatchesPerEpoch) + i + 1) / (double)total);
            }

            curve.Add(epochLoss / o.BatchesPerEpoch);
        }

        double testLoss = ReberTest(model.Model, ReberTestStrings(o), out int solved);
        return new TrainingResult(model.Name, "reber", curve, testLoss, solved / (double)o.TestSize, clock.Elapsed);
    }

    /// <summary>The Reber test set: fresh strings from a different seed than training's.</summary>
    public static (int[] Symbols, int[] Legal)[] ReberTestStrings(TrainingOptions o)
    {
        var test = new EmbeddedReber(o.Seed ^ 0x5EED_7E57UL);
        var strings = new (int[] Symbols, int[] Legal)[o.TestSize];
        for (int s = 0; s < strings.Length; s++)
        {
            strings[s] = test.Sample();
        }

        return strings;
    }

    /// <summary>Test loss and the number of strings whose every next-symbol prediction is a legal set.</summary>
    public static double ReberTest(RecurrentModel<float> model, (int[] Symbols, int[] Legal)[] strings, out int solved)
    {
        int batch = strings.Length, classes = EmbeddedReber.Classes;
        var b = new ReberBuffers(batch);
        (_, int rows) = b.Encode(strings);
        float[] logits = new float[rows * classes];
        model.Predict(b.Input.AsSpan(0, rows * classes), logits, batch);
        float loss = Losses.CrossEntropy<float>(logits, b.Targets.AsSpan(0, rows), classes, default);
        solved = 0;
        for (int s = 0; s < batch; s++)
        {
            bool all = true;
            int[] legal = strings[s].Legal;
            for (int t = 0; t < legal.Length && all; t++)
            {
                all = EmbeddedReber.PredictsLegalSet(logits.AsSpan(((t * batch) + s) * classes, classes), legal[t]);
            }

            solved += all ? 1 : 0;
        }

        return loss;
    }

    /// <summary>One-hot inputs and next-symbol targets of a batch of strings, padded to the longest (target -100, ignored).</summary>
    private sealed class ReberBuffers(int batch)
    {
        public float[] Input { get; private set; } = [];
        public int[] Targets { get; private set; } = [];

        public (int Steps, int Rows) Encode((int[] Symbols, int[] Legal)[] strings)
        {
            int steps = strings.Max(s => s.Symbols.Length) - 1, rows = steps * batch, classes = EmbeddedReber.Classes;
            if (Targets.Length < rows)
            {
                // Grown to the longest string seen (at least doubling), then reused.
                int capacity = Math.Max(rows, Targets.Length * 2);
                Input = new float[capacity * classes];
                Targets = new int[capacity];
            }

            Span<float> input = Input.AsSpan(0, rows * classes);
            Span<int> targets = Targets.AsSpan(0, rows);
            input.Clear();
            targets.Fill(-100);
            for (int s = 0; s < batch; s++)
            {
                int[] symbols = strings[s].Symbols;
                for (int t = 0; t < symbols.Length - 1; t++)
                {
                    input[(((t * batch) + s) * classes) + symbols[t]] = 1;
                    targets[(t * batch) + s] = symbols[t + 1];
                }
            }

            return (steps, rows);
        }
    }
}
