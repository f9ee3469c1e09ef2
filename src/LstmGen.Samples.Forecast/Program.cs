using System.Globalization;
using LstmGen;
using LstmGen.Training;

// Forecasts the next value of a noisy sum of two sines from the previous 32: trains a whole model (LSTM and a head on
// the last step), saves it in one file under PyTorch's names, reloads it into a fresh network and checks that the
// reloaded forecasts equal the trained ones.
const int window = 32, batch = 32, steps = 300;
var rng = new SeededRandom(7);
float Series(double t) => (float)(Math.Sin(0.21 * t) + (0.5 * Math.Sin(0.057 * t)) + (0.05 * rng.NextNormal()));

var model = new RecurrentModel<float>(new Forecaster(seed: 1), new Linear<float>(Forecaster.OutputSize, 1, seed: 2), HeadInput.LastStep);
var adam = new Adam<float>(model.Parameters, lr: 5e-3);
float[] input = new float[window * batch], target = new float[batch], prediction = new float[batch];

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

float HeldOut(RecurrentModel<float> m)
{
    m.Predict(input, prediction, batch);
    return Losses.MeanSquaredError<float>(prediction, target, default);
}

float first = 0, loss = 0;
for (int step = 0; step < steps; step++)
{
    Draw(step);
    loss = model.TrainStep(input, batch, target, adam);
    first = step == 0 ? loss : first;
}

// Held-out windows, then save the whole model and reload it.
Draw(100_000);
float trained = HeldOut(model);
float[] trainedPrediction = (float[])prediction.Clone();
string path = Path.Combine(Path.GetTempPath(), $"forecaster-{Environment.ProcessId}.safetensors");
model.Save(path, networkPrefix: "lstm.", headPrefix: "fc.");
RecurrentModel<float> reloaded = RecurrentModel<float>.Load(path, config => new Forecaster());
File.Delete(path);
float again = HeldOut(reloaded);
bool same = prediction.AsSpan().SequenceEqual(trainedPrediction);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"forecast: training MSE {first:0.0000} -> {loss:0.0000}; held-out MSE {trained:0.0000}; reloaded whole model ({reloaded.Network.GetType().Name}, head {reloaded.Head}) {again:0.0000}, identical: {same}"));
return same && trained < first / 4 ? 0 : 1;

[LstmCell(Input = 1, Hidden = 24)]
public partial class Forecaster { }
