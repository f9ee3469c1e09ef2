using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LstmGen;
using LstmGen.Consumer;

// Uses the package as a user would: a generated cell, a forward pass, compared with the package's generic network.
var cell = new Tagger(seed: 3);
var generic = new RecurrentNetwork<float>(cell.Parameters);
const int seqLen = 7, batch = 2;
var rng = new SeededRandom(11);
float[] input = new float[seqLen * batch * Tagger.InputSize];
for (int i = 0; i < input.Length; i++)
{
    input[i] = (float)rng.NextNormal();
}

float[] fromGenerated = new float[seqLen * batch * Tagger.OutputSize];
float[] fromGeneric = new float[fromGenerated.Length];
cell.Forward(input, fromGenerated, batch);
generic.Forward(input, fromGeneric, batch);
double worst = fromGenerated.Zip(fromGeneric, (a, b) => Math.Abs(a - b)).Max();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"package consumer: generated {cell.GetType().Name} ({Tagger.InputSize}->{Tagger.HiddenSize}, {Tagger.NumLayers} layers, bidirectional) vs generic: max |diff| {worst:0.0e0}"));

// Float kernels with FMA differ from the generic path in rounding only: a few ulp of O(1) values over 7 steps.
if (!(worst < 1e-5) || fromGenerated.All(v => v == 0))
{
    Console.Error.WriteLine("package consumer: generated and generic disagree");
    return 1;
}

// The kernel path this process takes; CI names the paths it expects (LSTMGEN_EXPECT_PATH, comma-separated), so a build
// that silently falls back to another path fails.
string path = cell.KernelPath.ToString();
Console.WriteLine($"package consumer: kernel path {path} ({RuntimeInformation.ProcessArchitecture}, {(RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "NativeAOT")})");
if (Environment.GetEnvironmentVariable("LSTMGEN_EXPECT_PATH") is { Length: > 0 } expected
    && !expected.Split(',', StringSplitOptions.TrimEntries).Contains(path))
{
    Console.Error.WriteLine($"package consumer: expected the kernel path {expected}, but {path} runs");
    return 1;
}

// The first block of an amp model (LSTM 1->40, Linear(40->1), residual) in this fresh process, without Prepare: what
// an audio callback would pay on its first call, against the median of the next 200 blocks of 256 frames.
var stream = new RecurrentStream<float>(new AmpLstm(seed: 1), new LstmGen.Training.Linear<float>(40, 1, seed: 2), residual: true);
float[] block = new float[256], processed = new float[256];
for (int i = 0; i < block.Length; i++)
{
    block[i] = MathF.Sin(i * 0.05f);
}

long start = System.Diagnostics.Stopwatch.GetTimestamp();
stream.Process(block, processed);
double first = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMicroseconds;
double[] steady = new double[200];
for (int i = 0; i < steady.Length; i++)
{
    start = System.Diagnostics.Stopwatch.GetTimestamp();
    stream.Process(block, processed);
    steady[i] = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMicroseconds;
}

Array.Sort(steady);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"package consumer: amp model LSTM 1->40 + head, first block of 256 frames {first:0.0} us, steady median {steady[100]:0.0} us ({first / steady[100]:0.0}x), no Prepare"));
return processed.All(float.IsFinite) ? 0 : 1;

namespace LstmGen.Consumer
{
    [LstmCell(Input = 4, Hidden = 6, Layers = 2, Bidirectional = true)]
    public partial class Tagger { }

    [LstmCell(Input = 1, Hidden = 40)]
    public partial class AmpLstm { }
}
