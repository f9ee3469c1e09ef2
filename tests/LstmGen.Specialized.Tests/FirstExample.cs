using LstmGen;
using LstmGen.Training;

namespace LstmGen.Specialized.Tests;

// README: first example (begin)
[LstmCell(Input = 1, Hidden = 16)]
public partial class Forecaster { }

public static class FirstExample
{
    /// <summary>Trains a forecaster of a sine wave, saves the whole model, loads it and streams a signal through it.</summary>
    public static (float FirstLoss, float LastLoss, float[] Streamed, float[] Predicted) Run(string path)
    {
        const int seqLen = 20, batch = 16;
        var model = new RecurrentModel<float>(
            new Forecaster(seed: 1),                                         // PyTorch's initialisation, seeded
            new Linear<float>(Forecaster.OutputSize, 1, seed: 2),           // a head y = W h + b ...
            HeadInput.EachStep);                                            // ... at every step
        var adam = new Adam<float>(model.Parameters, lr: 1e-2);
        float[] input = new float[seqLen * batch], target = new float[seqLen * batch];   // (seq, batch, feature)
        float firstLoss = 0, lastLoss = 0;
        for (int step = 0; step < 200; step++)
        {
            // Each row: 20 samples of a sine wave; each step's target is the sample after it.
            for (int b = 0; b < batch; b++)
            {
                double phase = ((step * batch) + b) * 0.37;
                for (int t = 0; t < seqLen; t++)
                {
                    input[(t * batch) + b] = (float)Math.Sin(phase + (0.3 * t));
                    target[(t * batch) + b] = (float)Math.Sin(phase + (0.3 * (t + 1)));
                }
            }

            float loss = model.TrainStep(input, batch, target, adam);       // forward, MSE, backward, Adam
            firstLoss = step == 0 ? loss : firstLoss;
            lastLoss = loss;
        }

        // The whole model in one file: network and head under PyTorch's state_dict names (a module {lstm, fc}) and the
        // configuration; loaded into a fresh generated network.
        model.Save(path, networkPrefix: "lstm.", headPrefix: "fc.");
        RecurrentModel<float> loaded = RecurrentModel<float>.Load(path, config => new Forecaster());

        // Stream the first row through the loaded model in two blocks, as an audio callback would; the state carries
        // over, and the result is Predict's over the whole row.
        RecurrentStream<float> stream = loaded.OpenStream();
        float[] row = new float[seqLen], streamed = new float[seqLen], predicted = new float[seqLen];
        for (int t = 0; t < seqLen; t++)
        {
            row[t] = input[t * batch];
        }

        stream.Process(row.AsSpan(0, 8), streamed.AsSpan(0, 8));
        stream.Process(row.AsSpan(8), streamed.AsSpan(8));
        loaded.Predict(row, predicted, batch: 1);
        return (firstLoss, lastLoss, streamed, predicted);
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
            (float first, float last, float[] streamed, float[] predicted) = FirstExample.Run(path);
            // A sine's next sample from the last 20: the loss falls by far more than noise (the first is about 0.5).
            Assert.True(last < first / 10, $"loss {first} -> {last}");
            // The stream's blocks and Predict run the same generated kernels and head on the same loaded weights: bit for bit.
            Assert.Equal(predicted, streamed);
            Assert.Contains(streamed, v => v != 0);
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
