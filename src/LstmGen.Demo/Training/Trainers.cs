using System.Diagnostics;
using LstmGen.Demo.Tasks;
using LstmGen.Training;

namespace LstmGen.Demo.Training;

/// <summary>What a training run reports: the loss curve, the test metrics and the time taken.</summary>
public sealed record TrainingResult(string Model, string Task, List<double> LossCurve, double TestLoss, double? Accuracy, TimeSpan Elapsed);

/// <summary>Options shared by the demo's training runs.</summary>
public sealed record TrainingOptions(int SeqLen, int Epochs, int BatchesPerEpoch, int Batch, ulong Seed, double LearningRate, double ClipNorm, int TestSize);

/// <summary>A recurrent network with a linear head and an Adam optimizer over both.</summary>
public sealed class SequenceModel
{
    public SequenceModel(string name, IRecurrentNetwork<float> net, int outFeatures, double learningRate, ulong seed)
    {
        Name = name;
        Net = net;
        Head = new Linear<float>(net.Config.OutputSize, outFeatures, seed: seed + 1);
        Buffers = [net.Parameters, Head];
        Optimizer = new Adam<float>(Buffers, lr: learningRate);
    }

    public string Name { get; }
    public IRecurrentNetwork<float> Net { get; }
    public Linear<float> Head { get; }
    public IParameterBuffer<float>[] Buffers { get; }
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
        var buffers = new AddingBuffers(o.SeqLen, o.Batch, hidden);
        var curve = new List<double>();
        int total = o.Epochs * o.BatchesPerEpoch;
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            double epochLoss = 0;
            for (int i = 0; i < o.BatchesPerEpoch; i++)
            {
                data.Sample(o.Batch, buffers.Input, buffers.Target);
                model.Optimizer.ZeroGradients();
                epochLoss += AddingLoss(model, buffers, o.SeqLen, o.Batch, training: true);
                GradientClipping.ClipGradNorm<float>(model.Buffers, o.ClipNorm);
                model.Optimizer.Step();
                progress?.Invoke(((epoch * o.BatchesPerEpoch) + i + 1) / (double)total);
            }

            curve.Add(epochLoss / o.BatchesPerEpoch);
        }

        // Test on fresh sequences from a different seed.
        var test = new AddingProblem(o.SeqLen, o.Seed ^ 0x5EED_7E57UL);
        var testBuffers = new AddingBuffers(o.SeqLen, o.TestSize, hidden);
        test.Sample(o.TestSize, testBuffers.Input, testBuffers.Target);
        double testLoss = AddingLoss(model, testBuffers, o.SeqLen, o.TestSize, training: false);
        return new TrainingResult(model.Name, "adding", curve, testLoss, null, clock.Elapsed);
    }

    private static double AddingLoss(SequenceModel model, AddingBuffers b, int seqLen, int batch, bool training)
    {
        int hidden = model.Net.Config.OutputSize;
        model.Net.Forward(b.Input, b.Output, batch, training: training);
        // The last step's rows: (batch, hidden) at the end of the sequence-first output.
        ReadOnlySpan<float> last = b.Output.AsSpan((seqLen - 1) * batch * hidden, batch * hidden);
        model.Head.Forward(last, batch, b.Prediction);
        float loss = Losses.MeanSquaredError<float>(b.Prediction, b.Target, training ? b.GradPrediction : default);
        if (training)
        {
            Array.Clear(b.GradOutput);
            model.Head.Backward(last, batch, b.GradPrediction, b.GradOutput.AsSpan((seqLen - 1) * batch * hidden, batch * hidden));
            model.Net.Backward(b.GradOutput);
        }

        return loss;
    }

    /// <summary>Embedded Reber grammar: next-symbol prediction at every step with softmax cross-entropy.</summary>
    public static TrainingResult TrainReber(SequenceModel model, TrainingOptions o, Action<double>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var data = new EmbeddedReber(o.Seed);
        var curve = new List<double>();
        int total = o.Epochs * o.BatchesPerEpoch;
        var strings = new (int[] Symbols, int[] Legal)[o.Batch];
        var buffers = new ReberBuffers(model.Net.Config.OutputSize, o.Batch);
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            double epochLoss = 0;
            for (int i = 0; i < o.BatchesPerEpoch; i++)
            {
                for (int s = 0; s < strings.Length; s++)
                {
                    strings[s] = data.Sample();
                }

                model.Optimizer.ZeroGradients();
                epochLoss += ReberPass(model, strings, buffers, training: true, out _);
                GradientClipping.ClipGradNorm<float>(model.Buffers, o.ClipNorm);
                model.Optimizer.Step();
                progress?.Invoke(((epoch * o.BatchesPerEpoch) + i + 1) / (double)total);
            }

            curve.Add(epochLoss / o.BatchesPerEpoch);
        }

        var test = new EmbeddedReber(o.Seed ^ 0x5EED_7E57UL);
        var testStrings = new (int[] Symbols, int[] Legal)[o.TestSize];
        for (int s = 0; s < testStrings.Length; s++)
        {
            testStrings[s] = test.Sample();
        }

        var testBuffers = new ReberBuffers(model.Net.Config.OutputSize, o.TestSize);
        double testLoss = ReberPass(model, testStrings, testBuffers, training: false, out int solved);
        return new TrainingResult(model.Name, "reber", curve, testLoss, solved / (double)o.TestSize, clock.Elapsed);
    }

    /// <summary>One batch of strings, padded to the longest; padded steps have target -100 (ignored by the loss).</summary>
    private static double ReberPass(SequenceModel model, (int[] Symbols, int[] Legal)[] strings, ReberBuffers b, bool training, out int solved)
    {
        int batch = strings.Length;
        int steps = strings.Max(s => s.Symbols.Length) - 1;
        int classes = EmbeddedReber.Classes;
        int hidden = model.Net.Config.OutputSize;
        b.Ensure(steps);
        int rows = steps * batch;
        Span<float> input = b.Input.AsSpan(0, rows * classes);
        Span<int> targets = b.Targets.AsSpan(0, rows);
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

        Span<float> output = b.Output.AsSpan(0, rows * hidden);
        Span<float> logits = b.Logits.AsSpan(0, rows * classes);
        model.Net.Forward(input, output, batch, training: training);
        model.Head.Forward(output, rows, logits);
        float loss = Losses.CrossEntropy<float>(logits, targets, classes, training ? b.GradLogits.AsSpan(0, rows * classes) : default);
        if (training)
        {
            Span<float> gradOutput = b.GradOutput.AsSpan(0, rows * hidden);
            model.Head.Backward(output, rows, b.GradLogits.AsSpan(0, rows * classes), gradOutput);
            model.Net.Backward(gradOutput);
        }

        solved = 0;
        for (int s = 0; s < batch; s++)
        {
            bool all = true;
            int[] legal = strings[s].Legal;
            for (int t = 0; t < legal.Length && all; t++)
            {
                all = EmbeddedReber.PredictsLegalSet(logits.Slice(((t * batch) + s) * classes, classes), legal[t]);
            }

            solved += all ? 1 : 0;
        }

        return loss;
    }

    private sealed class AddingBuffers(int seqLen, int batch, int hidden)
    {
        public float[] Input { get; } = new float[seqLen * batch * 2];
        public float[] Target { get; } = new float[batch];
        public float[] Output { get; } = new float[seqLen * batch * hidden];
        public float[] GradOutput { get; } = new float[seqLen * batch * hidden];
        public float[] Prediction { get; } = new float[batch];
        public float[] GradPrediction { get; } = new float[batch];
    }

    /// <summary>Grown to the longest string seen, then reused.</summary>
    private sealed class ReberBuffers(int hidden, int batch)
    {
        public float[] Input { get; private set; } = [];
        public int[] Targets { get; private set; } = [];
        public float[] Output { get; private set; } = [];
        public float[] GradOutput { get; private set; } = [];
        public float[] Logits { get; private set; } = [];
        public float[] GradLogits { get; private set; } = [];

        public void Ensure(int steps)
        {
            int rows = steps * batch;
            if (Targets.Length >= rows)
            {
                return;
            }

            rows = Math.Max(rows, Targets.Length * 2);
            int classes = EmbeddedReber.Classes;
            Input = new float[rows * classes];
            Targets = new int[rows];
            Output = new float[rows * hidden];
            GradOutput = new float[rows * hidden];
            Logits = new float[rows * classes];
            GradLogits = new float[rows * classes];
        }
    }
}
