using LstmGen;
using LstmGen.IO;
using LstmGen.Training;

namespace LstmGen.Specialized.Tests;

// README: first example (begin)
[LstmCell(Input = 1, Hidden = 16)]
public partial class Forecaster { }

public static class FirstExample
{
    /// <summary>Trains a forecaster of a sine wave, saves it, loads it into a fresh network and streams a sequence.</summary>
    public static (float FirstLoss, float LastLoss, float[] Streamed, float[] Whole) Run(string path)
    {
        const int seqLen = 20, batch = 16, hidden = Forecaster.OutputHidden;
        var net = new Forecaster(seed: 1);                                  // PyTorch's initialisation, seeded
        var head = new Linear<float>(hidden, 1, seed: 2);                   // y = W h + b on the last step
        var adam = new Adam<float>([net.Parameters, head], lr: 1e-2);
        float[] input = new float[seqLen * batch], target = new float[batch];   // (seq, batch, feature)
        float[] output = new float[seqLen * batch * Forecaster.OutputSize], gradOutput = new float[output.Length];
        float[] last = new float[batch * hidden], gradLast = new float[last.Length];
        float[] prediction = new float[batch], gradPrediction = new float[batch];
        float firstLoss = 0, lastLoss = 0;
        for (int step = 0; step < 200; step++)
        {
            // Each row: 20 samples of a sine wave; the target is the next sample.
            for (int b = 0; b < batch; b++)
            {
                double phase = ((step * batch) + b) * 0.37;
                for (int t = 0; t < seqLen; t++)
                {
                    input[(t * batch) + b] = (float)Math.Sin(phase + (0.3 * t));
                }

                target[b] = (float)Math.Sin(phase + (0.3 * seqLen));
            }

            net.Forward(input, output, batch, training: true);
            output.AsSpan((seqLen - 1) * batch * hidden).CopyTo(last);       // the last step's h
            head.Forward(last, batch, prediction);
            float loss = Losses.MeanSquaredError<float>(prediction, target, gradPrediction);
            head.Backward(last, batch, gradPrediction, gradLast);
            Array.Clear(gradOutput);
            gradLast.CopyTo(gradOutput.AsSpan((seqLen - 1) * batch * hidden));
            net.Backward(gradOutput);                                        // every parameter's gradient, accumulated
            adam.Step();
            adam.ZeroGradients();
            firstLoss = step == 0 ? loss : firstLoss;
            lastLoss = loss;
        }

        // Save under PyTorch's state_dict names, as the attribute "lstm" of a module; load into a fresh network.
        net.Parameters.SaveSafetensors(path, prefix: "lstm.");
        var loaded = new Forecaster();
        loaded.Parameters.LoadSafetensors(path, prefix: "lstm.");

        // Stream the first row sample by sample, the state carried in place; it ends where Forward over the row ends.
        float[] h = new float[Forecaster.StateRows * hidden], c = new float[Forecaster.StateRows * Forecaster.HiddenSize];
        float[] streamed = new float[hidden];
        float[] row = new float[seqLen];
        for (int t = 0; t < seqLen; t++)
        {
            row[t] = input[t * batch];
            loaded.Step(row.AsSpan(t, 1), streamed, state: new(h, c));
        }

        float[] whole = new float[seqLen * hidden];
        loaded.Forward(row, whole, batch: 1);
        return (firstLoss, lastLoss, streamed, whole[^hidden..]);
    }
}
// README: first example (end)

public class FirstExampleTests
{
    [Fact]
    public void The_first_example_learns_saves_loads_and_streams()
    {
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-first-example-{Environment.ProcessId}.safetensors");
        try
        {
            (float first, float last, float[] streamed, float[] whole) = FirstExample.Run(path);
            // A sine's next sample from the last 20: the loss falls by far more than noise (the first is about 0.5).
            Assert.True(last < first / 10, $"loss {first} -> {last}");
            // Step and Forward run the same generated kernels on the same loaded weights: bit for bit.
            Assert.Equal(whole, streamed);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_readme_shows_the_first_example_as_it_is_tested()
    {
        string dir = Path.GetDirectoryName(Source())!;
        string file = File.ReadAllText(Path.Combine(dir, "FirstExample.cs")).ReplaceLineEndings("\n");
        const string begin = "// README: first example (begin)\n", end = "// README: first example (end)";
        string code = file[(file.IndexOf(begin, StringComparison.Ordinal) + begin.Length)..file.IndexOf(end, StringComparison.Ordinal)];
        string readme = File.ReadAllText(Path.Combine(dir, "..", "..", "README.md")).ReplaceLineEndings("\n");
        Assert.True(readme.Contains(code, StringComparison.Ordinal), "README.md must show the first example exactly as tests/LstmGen.Specialized.Tests/FirstExample.cs has it.");
    }

    private static string Source([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;
}
