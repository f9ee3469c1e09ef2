using System.Globalization;
using LstmGen;
using LstmGen.Training;

// Classifies sequences of different lengths (5 to 40 steps): is the sum of the noisy +-1 values positive? Each sequence
// runs at its own length (batch 1), the label comes from h_n through a linear head, gradients accumulate over a
// mini-batch of 16 sequences before each optimizer step.
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

var net = new Classifier(seed: 1);
var head = new Linear<float>(Classifier.HiddenSize, 2, seed: 2);
var adam = new Adam<float>([net.Parameters, head], lr: 1e-2);
float[] hN = new float[Classifier.HiddenSize], gradHN = new float[hN.Length];
float[] logits = new float[2], gradLogits = new float[2];
float[] output = new float[40 * Classifier.HiddenSize];

float Run((float[] Values, int Label) s, bool training)
{
    Span<float> o = output.AsSpan(0, s.Values.Length * Classifier.HiddenSize);
    net.Forward(s.Values, o, batch: 1, final: new(hN), training: training);
    head.Forward(hN, 1, logits);
    return Losses.CrossEntropy<float>(logits, [s.Label], 2, gradLogits);
}

float first = 0, loss = 0;
for (int update = 0; update < updates; update++)
{
    loss = 0;
    for (int i = 0; i < miniBatch; i++)
    {
        var sample = Draw();
        loss += Run(sample, training: true) / miniBatch;
        for (int k = 0; k < 2; k++)
        {
            gradLogits[k] /= miniBatch;
        }

        head.Backward(hN, 1, gradLogits, gradHN);
        net.Backward(default, gradFinal: new(gradHN));   // the loss reaches the network through h_n only
    }

    adam.Step();
    adam.ZeroGradients();
    first = update == 0 ? loss : first;
}

int right = 0;
for (int i = 0; i < testCount; i++)
{
    var sample = Draw();
    Run(sample, training: false);
    right += (logits[1] > logits[0] ? 1 : 0) == sample.Label ? 1 : 0;
}

double accuracy = (double)right / testCount;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"classify: cross-entropy {first:0.000} -> {loss:0.000}; held-out accuracy {accuracy:P1} on {testCount} sequences of 5 to 40 steps"));
return accuracy > 0.85 ? 0 : 1;

[GruCell(Input = 1, Hidden = 16)]
public partial class Classifier { }
