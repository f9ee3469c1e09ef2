using System.Text.Json;
using LstmGen.Testing;
using LstmGen.Training;

namespace LstmGen.Tests.Training;

/// <summary>An LSTM with a linear head on every step and MSE, as in the fixture scripts of tests/fixtures/training.</summary>
internal sealed class TrainingModel
{
    /// <summary>
    /// Optimizer steps through the LSTM, one after the other: each adds BPTT rounding (~1e-14 relative) that later steps
    /// carry on.
    /// </summary>
    public const double TrajectoryRelative = 1e-10;

    public TrainingModel(RecurrentConfig config, int outFeatures, JsonElement parameters)
    {
        Net = new RecurrentNetwork<double>(config);
        Head = new Linear<double>(config.OutputSize, outFeatures);
        foreach (ParameterInfo p in Net.Parameters.Layout.Parameters)
        {
            Net.Parameters.Set(p.Name, Data(parameters.GetProperty(p.Name)));
        }

        Data(parameters.GetProperty("head.weight")).CopyTo(Head.Weight);
        Data(parameters.GetProperty("head.bias")).CopyTo(Head.Bias);
    }

    public RecurrentNetwork<double> Net { get; }
    public Linear<double> Head { get; }

    /// <summary>The network's parameters and the head, in the order the fixture scripts give them to the optimizer.</summary>
    public IParameterBuffer<double>[] All => [Net.Parameters, Head];

    public double LossAndGradients(double[] x, int seqLen, int batch, double[] y)
    {
        int rows = seqLen * batch;
        double[] output = new double[rows * Net.Config.OutputSize];
        Net.Forward(x, output, batch, training: true);
        double[] prediction = new double[y.Length];
        Head.Forward(output, rows, prediction);
        double[] gradPrediction = new double[y.Length];
        double loss = Losses.MeanSquaredError<double>(prediction, y, gradPrediction);
        double[] gradOutput = new double[output.Length];
        Head.Backward(output, rows, gradPrediction, gradOutput);
        Net.Backward(gradOutput);
        return loss;
    }

    /// <summary>A JSON fixture of tests/fixtures/training, by file name.</summary>
    public static JsonDocument LoadFixture(string file) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "training", file)));

    /// <summary>A fixture tensor's values.</summary>
    public static double[] Data(JsonElement tensor) => tensor.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public void AssertParameters(JsonElement expected, double relative, string what) =>
        Compare(expected, relative, what, Net.Parameters.Values, Head.Values);

    public void AssertGradients(JsonElement expected, double relative, string what) =>
        Compare(expected, relative, what, Net.Parameters.Gradients, Head.Gradients);

    private void Compare(JsonElement expected, double relative, string what, ReadOnlySpan<double> net, ReadOnlySpan<double> head)
    {
        foreach (ParameterInfo p in Net.Parameters.Layout.Parameters)
        {
            TensorAssert.Close($"{what} {p.Name}", Data(expected.GetProperty(p.Name)), net.Slice(p.Offset, p.Length), relative, FixtureRunner.Floor);
        }

        int w = Head.Weight.Length;
        TensorAssert.Close($"{what} head.weight", Data(expected.GetProperty("head.weight")), head[..w], relative, FixtureRunner.Floor);
        TensorAssert.Close($"{what} head.bias", Data(expected.GetProperty("head.bias")), head[w..], relative, FixtureRunner.Floor);
    }
}
