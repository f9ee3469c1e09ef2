using System.Globalization;
using System.Runtime.InteropServices;
using LstmGen;
using LstmGen.IO;

// The class carries the amp model's weights from the build: no file is read to construct it.
//   BakedAmp --out OUT.bin [--runtime MODEL.json]
// runs the baked model over a fixed guitar-like signal (blocks of 128 frames, from a zero state) and writes the output as
// float32. With --runtime it also loads MODEL.json at run time into the same generated class and fails unless the
// parameters, the head and every output sample are bit-for-bit those of the baked model.
string? outPath = null, runtimePath = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--out": outPath = args[++i]; break;
        case "--runtime": runtimePath = args[++i]; break;
        default: Console.Error.WriteLine($"unknown argument '{args[i]}' (expected --out FILE [--runtime MODEL.json])"); return 2;
    }
}

if (outPath is null)
{
    Console.Error.WriteLine("--out FILE is required");
    return 2;
}

const int frames = 48_000, block = 128;
float[] signal = new float[frames];
for (int i = 0; i < frames; i++)
{
    double t = i / 48_000.0;
    signal[i] = (float)((0.6 * Math.Sin(2 * Math.PI * 110 * t) + (0.3 * Math.Sin(2 * Math.PI * 330 * t))) * Math.Exp(-2 * t));
}

RecurrentModel<float> baked = BakedAmp.CreateBakedModel();
float[] output = Run(baked.OpenStream(), signal);
File.WriteAllBytes(outPath, MemoryMarshal.AsBytes(output.AsSpan()).ToArray());
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"baked consumer: {frames} frames through the baked LSTM {BakedAmp.InputSize}->{BakedAmp.HiddenSize} + head + residual {baked.Residual}, output in [{output.Min():0.0000}, {output.Max():0.0000}], kernel {baked.Network.KernelPath}"));
if (output.All(v => v == 0) || output.Any(v => !float.IsFinite(v)))
{
    Console.Error.WriteLine("baked consumer: the output is all zero or not finite");
    return 1;
}

if (runtimePath is not null)
{
    // The same model loaded from its file at run time, into the same generated class.
    AmpModel loaded = AmpModelFile.Load(runtimePath);
    var network = new BakedAmp(seed: 0);
    loaded.CopyParametersTo(network.Parameters);
    float[] fromFile = new float[frames];
    AmpProcessor processor = loaded.CreateProcessor(network);
    for (int start = 0; start < frames; start += block)
    {
        int n = Math.Min(block, frames - start);
        processor.Process(signal.AsSpan(start, n), fromFile.AsSpan(start, n));
    }

    bool same = baked.Network.Parameters.Values.SequenceEqual(loaded.Network.Parameters.Values)
        && baked.Head.Values.SequenceEqual(loaded.Head.Values) && baked.Residual == loaded.Residual
        && MemoryMarshal.AsBytes(output.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(fromFile.AsSpan()));
    Console.WriteLine($"baked consumer: loading {Path.GetFileName(runtimePath)} at run time gives {(same ? "bit for bit the same parameters, head and output" : "something else")}");
    if (!same)
    {
        return 1;
    }
}

return 0;

static float[] Run(RecurrentStream<float> stream, float[] signal)
{
    float[] output = new float[signal.Length];
    for (int start = 0; start < signal.Length; start += 128)
    {
        int n = Math.Min(128, signal.Length - start);
        stream.Process(signal.AsSpan(start, n), output.AsSpan(start, n));
    }

    return output;
}

/// <summary>A guitar-amp capture (GuitarML Proteus, LSTM 1→40 with a Linear head and the residual), baked in.</summary>
[LstmCell(Input = 1, Hidden = 40, Weights = "amp.json")]
internal sealed partial class BakedAmp
{
}
