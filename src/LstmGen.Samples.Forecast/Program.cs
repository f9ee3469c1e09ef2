using System.Globalization;
using LstmGen;
using LstmGen.IO;
using LstmGen.Training;

// Forecasts the next value of a noisy sum of two sines from the previous 32, trains, saves the LSTM under PyTorch's
// names, reloads it into a fresh network and checks that the reloaded forecasts equal the trained ones.
const int window = 32, batch = 32, steps = 300;
var rng = new SeededRandom(7);
float Series(double t) => (float)(Math.Sin(0.21 * t) + (0.5 * Math.Sin(0.057 * t)) + (0.05 * rng.NextNormal()));

var net = new Forecaster(seed: 1);
var head = new Linear<float>(Forecaster.OutputHidden, 1, seed: 2);
var adam = new Adam<float>([net.Parameters, head], lr: 5e-3);
int hidden = Forecaster.OutputHidden;
float[] input = new float[window * batch], target = new float[batch];
float[] output = new float[window * batch * hidden], gradOutput = new float[output.Length];
float[] last = new float[batch * hidden], gradLast = new float[last.Length], prediction = new float[batch], gradPrediction = new float[batch];

void Draw(int seed)
{
    for (int b = 0; b < batch; b++)
    {
        double start = ((seed * batch) + b) * 13.7;
        for (int t = 0; t < window; t++)
        {
            input[(t * batch) + b] = Series(start + t);
        }

        target[b] = Series(start + window);
    }
}

float Predict(IRecurrentNetwork<float> network, bool training)
{
    network.Forward(input, output, batch, training: training);
    output.AsSpan((window - 1) * batch * hidden).CopyTo(last);
    head.Forward(last, batch, prediction);
    return Losses.MeanSquaredError<float>(prediction, target, gradPrediction);
}

float first = 0, loss = 0;
for (int step = 0; step < steps; step++)
{
    Draw(step);
    loss = Predict(net, training: true);
    head.Backward(last, batch, gradPrediction, gradLast);
    Array.Clear(gradOutput);
    gradLast.CopyTo(gradOutput.AsSpan((window - 1) * batch * hidden));
    net.Backward(gradOutput);
    adam.Step();
    adam.ZeroGradients();
    first = step == 0 ? loss : first;
}

// Held-out windows, then save and reload.
Draw(100_000);
float trained = Predict(net, training: false);
float[] trainedPrediction = (float[])prediction.Clone();
string path = Path.Combine(Path.GetTempPath(), $"forecaster-{Environment.ProcessId}.safetensors");
net.Parameters.SaveSafetensors(path, prefix: "lstm.", metadata: new Dictionary<string, string> { ["task"] = "forecast" });
var reloaded = new Forecaster();
IReadOnlyDictionary<string, string> metadata = reloaded.Parameters.LoadSafetensors(path, prefix: "lstm.");
File.Delete(path);
float again = Predict(reloaded, training: false);
bool same = prediction.AsSpan().SequenceEqual(trainedPrediction);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"forecast: training MSE {first:0.0000} -> {loss:0.0000}; held-out MSE {trained:0.0000}; reloaded ({metadata["task"]}) {again:0.0000}, identical: {same}"));
return same && trained < first / 4 ? 0 : 1;

[LstmCell(Input = 1, Hidden = 24)]
public partial class Forecaster { }
