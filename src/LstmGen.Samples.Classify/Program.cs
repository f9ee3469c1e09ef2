using System.Globalization;
using LstmGen;
using LstmGen.Training;

// Classifies sequences of different lengths (5 to 40 steps): is the sum of the noisy +-1 values positive? Each sequence
// runs at its own length (batch 1), the label comes from h_n through a linear head (a RecurrentModel reading the final
// h), gradients accumulate over a mini-batch of 16 sequences before each optimizer step.
const int miniBatch = 16, updates = 150, testCount = 400;
var rng = new SeededRandom(3);
(float[] Values, int Label) Draw()
{
    int length = 5 + (int)(rng.NextUniform(0, 1) * 36);
    float[] values = new float[length];
    double sum = 0;
    for (int t = 0; t < length; t++)
    {
        values[t] = (rng.NextUniform(0, 1) < 0.5 ? -1f : 1f) + (float)(0.3 * rng.NextNormal());
        sum += values[t];
    }

    return (values, sum > 0 ? 1 : 0);
}

var model = new RecurrentModel<float>(new Classifier(seed: 1), new Linear<float>(Classifier.HiddenSize, 2, seed: 2), HeadInput.FinalHidden);
var adam = new Adam<float>(model.Parameters, lr: 1e-2);
float[] logits = new float[2];

float first = 0, loss = 0;
for (int update = 0; update < updates; update++)
{
    // A mini-batch of sequences of different lengths: each at its own length (batch 1), gradients of the mean loss
    // accumulated, then one optimizer step.
    loss = 0;
    for (int i = 0; i < miniBatch; i++)
    {
        var sample = Draw();
        loss += model.AddGradients(sample.Values, batch: 1, [sample.Label], lossScale: 1.0 / miniBatch) / miniBatch;
    }

    adam.Step();
    adam.ZeroGradients();
    first = update == 0 ? loss : first;
}

int right = 0;
for (int i = 0; i < testCount; i++)
{
    var sample = Draw();
    model.Predict(sample.Values, logits, batch: 1);
    right += (logits[1] > logits[0] ? 1 : 0) == sample.Label ? 1 : 0;
}

double accuracy = (double)right / testCount;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"classify: cross-entropy {first:0.000} -> {loss:0.000}; held-out accuracy {accuracy:P1} on {testCount} sequences of 5 to 40 steps"));
return accuracy > 0.85 ? 0 : 1;

[GruCell(Input = 1, Hidden = 16)]
public partial class Classifier { }
