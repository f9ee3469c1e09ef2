using System.Globalization;

namespace LstmGen.Demo;

/// <summary>Command-line options of the demo.</summary>
public sealed class DemoOptions
{
    public string Task { get; private set; } = "all";
    public int SeqLen { get; private set; } = 50;
    public int Epochs { get; private set; } = 30;
    public int BatchesPerEpoch { get; private set; } = 50;
    public int Batch { get; private set; } = 32;
    public int Hidden { get; private set; } = 32;
    public ulong Seed { get; private set; } = 1;
    public double LearningRate { get; private set; } = 0.01;
    public double ForgetBias { get; private set; } = 1.0;
    public string OutDir { get; private set; } = "demo-output";
    public bool Help { get; private set; }

    public const string Usage = """
        LstmGen demo: trains recurrent nets with generated kernels on two long-dependency tasks it generates itself.

        Usage: dotnet run -c Release --project src/LstmGen.Demo -- [options]
               dotnet run -c Release --project src/LstmGen.Demo -- amp --model MODEL.json --input IN.json --output OUT.json
                 (runs an amp model file over a signal; amp --help for more)

          --task NAME      adding | reber | all | check   (default all; check = PyTorch-shaped forward + gradient check)
          --seq-len N      adding-problem sequence length T (default 50)
          --epochs N       epochs per model (default 30)
          --batches N      minibatches per epoch (default 50)
          --batch N        sequences per minibatch (default 32)
          --hidden N       hidden units (default 32; other sizes than the generated ones use the generic path)
          --lr X           Adam learning rate (default 0.01)
          --forget-bias X  initial LSTM forget-gate bias (default 1; PyTorch's default init is --forget-bias none)
          --seed N         seed of data and initialisation (default 1)
          --out DIR        where the loss plot (SVG) and the trained LSTM's parameters go (default demo-output)
          --help           this text
        """;

    public static DemoOptions Parse(string[] args)
    {
        var o = new DemoOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            int Int() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new ArgumentException($"{name} needs a positive whole number.");
            switch (name)
            {
                case "--task":
                    o.Task = Value();
                    if (o.Task is not ("adding" or "reber" or "all" or "check"))
                    {
                        throw new ArgumentException($"--task must be adding, reber, all or check, not '{o.Task}'.");
                    }

                    break;
                case "--seq-len":
                    o.SeqLen = Int();
                    if (o.SeqLen < 2)
                    {
                        throw new ArgumentException("--seq-len must be at least 2 (two marked steps).");
                    }

                    break;
                case "--epochs": o.Epochs = Int(); break;
                case "--batches": o.BatchesPerEpoch = Int(); break;
                case "--batch": o.Batch = Int(); break;
                case "--hidden": o.Hidden = Int(); break;
                case "--seed": o.Seed = ulong.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong s) ? s : throw new ArgumentException("--seed needs a whole number."); break;
                case "--lr": o.LearningRate = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out double lr) && lr > 0 ? lr : throw new ArgumentException("--lr needs a positive number."); break;
                case "--forget-bias":
                    string fb = Value();
                    o.ForgetBias = fb == "none" ? double.NaN
                        : double.TryParse(fb, NumberStyles.Float, CultureInfo.InvariantCulture, out double b) && double.IsFinite(b) ? b : throw new ArgumentException("--forget-bias needs a number or 'none'.");
                    break;
                case "--out": o.OutDir = Value(); break;
                case "--help" or "-h": o.Help = true; break;
                default: throw new ArgumentException($"Unknown option '{name}'. Try --help.");
            }
        }

        return o;
    }
}
