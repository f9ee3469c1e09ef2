using System.Diagnostics;
using System.Globalization;
using LstmGen;
using LstmGen.IO;

// Runs an amp model file (GuitarML or AIDA-X) as a plugin's audio callback does: a few seconds of plucked guitar
// strings at 48 kHz, in blocks of 128 frames, through a generated kernel when this sample declares the model's shape
// (else the generic network). Prints the time per frame and the output's level, checks that no block allocates, and
// checks the blocks against the whole signal processed at once by the generic network.
const int sampleRate = 48_000, block = 128, seconds = 4;
if (args.Length != 1 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project src/LstmGen.Samples.Amp -- MODEL.json   (a GuitarML or AIDA-X amp model file)");
    return 2;
}

AmpModel model;
try
{
    model = AmpModelFile.Load(args[0]);
}
catch (Exception e) when (e is AmpModelFormatException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

// The first input is the guitar; any further input is a knob (NeuralPi's gain), held at half.
int frames = seconds * sampleRate, inputs = model.InputSize, outputs = model.OutputSize;
float[] signal = Guitar.Strum(frames, sampleRate);
float[] x = new float[frames * inputs];
for (int t = 0; t < frames; t++)
{
    x[t * inputs] = signal[t];
    x.AsSpan((t * inputs) + 1, inputs - 1).Fill(0.5f);
}

IRecurrentNetwork<float> network = Kernels.For(model.Config) ?? model.Network;
if (!ReferenceEquals(network, model.Network))
{
    model.CopyParametersTo(network.Parameters);
}

AmpProcessor processor = model.CreateProcessor(network);
float[] y = new float[frames * outputs];

// A whole pass first, so that the timed pass runs fully compiled code (tiered compilation) on packed weights.
ProcessInBlocks(processor, x, y, inputs, outputs, block);
processor.Reset();
long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
long start = Stopwatch.GetTimestamp();
ProcessInBlocks(processor, x, y, inputs, outputs, block);
double elapsed = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

// The whole signal in one call through the same network: a block runs as Forward with the state carried, so blocks
// of any length must give exactly what one Forward over the signal gives.
float[] whole = new float[y.Length];
processor.Reset();
processor.Process(x, whole);
bool identical = y.AsSpan().SequenceEqual(whole);

// And through the generic network, a second implementation: it differs from a generated kernel in rounding only (FMA,
// summation order, sigmoid/tanh within 2.4 ulp), ~1e-7 per step on values of order 1, which the model's gain
// amplifies (Proteus HighGain shows 2e-5) and its fading memory keeps from growing. 1e-3 is well above that and well
// below what a wrong weight gives (1e-2 and more).
float[] generic = new float[y.Length];
model.Process(x, generic);
float genericDiff = 0;
for (int i = 0; i < y.Length; i++)
{
    genericDiff = Math.Max(genericDiff, Math.Abs(y[i] - generic[i]));
}

const float tolerance = 1e-3f;
double peak = y.Max(Math.Abs), rms = Math.Sqrt(y.Average(v => (double)v * v));
bool finite = Array.TrueForAll(y, float.IsFinite);
string kernel = ReferenceEquals(network, model.Network) ? "generic network" : $"generated {network.GetType().Name}";
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
    amp: {Path.GetFileName(args[0])}: {model.Format} {model.Config.Kind} {model.Config.InputSize}->{model.Config.HiddenSize}, head {model.Head.InFeatures}->{outputs}, residual {model.Residual}; {kernel}
    {seconds} s of plucked strings at {sampleRate} Hz (peak {signal.Max(Math.Abs):0.000}) in blocks of {block}: {elapsed / frames:0.0} ns per frame ({1e9 / sampleRate / (elapsed / frames):0.0}x real time), {allocated} bytes allocated
    output: min {y.Min():0.0000}, max {y.Max():0.0000}, peak {peak:0.0000}, RMS {rms:0.0000}
    blocks vs the whole signal in one call: {(identical ? "identical" : "DIFFERENT")}; vs the generic network: max |diff| {genericDiff:0.0e+0} (tolerance {tolerance:0e+0})
    """));
string? failure = !finite ? "the output is not finite"
    : allocated != 0 ? "processing blocks allocated"
    : !identical ? "the blocks differ from the whole signal processed at once"
    : genericDiff > tolerance ? "the kernel differs from the generic network beyond the tolerance"
    : null;
if (failure is not null)
{
    Console.Error.WriteLine("FAILED: " + failure + ".");
    return 1;
}

return 0;

// The audio callback: one block of frames at a time, the state carried by the processor.
static void ProcessInBlocks(AmpProcessor processor, float[] x, float[] y, int inputs, int outputs, int block)
{
    int frames = x.Length / inputs;
    for (int t0 = 0; t0 < frames; t0 += block)
    {
        int n = Math.Min(block, frames - t0);
        processor.Process(x.AsSpan(t0 * inputs, n * inputs), y.AsSpan(t0 * outputs, n * outputs));
    }
}

/// <summary>A guitar-like test signal: plucked strings (Karplus-Strong), one note after another, from a fixed seed.</summary>
internal static class Guitar
{
    public static float[] Strum(int frames, int sampleRate)
    {
        double[] notes = [82.41, 110.0, 146.83, 196.0, 246.94, 329.63, 196.0, 110.0];   // E2 A2 D3 G3 B3 E4 G3 A2
        int noteLength = sampleRate / 2;
        float[] x = new float[frames];
        var rng = new Random(12345);
        for (int n = 0; n * noteLength < frames; n++)
        {
            // A delay line of one period filled with noise, averaged and damped as it circulates: a decaying string.
            int period = (int)Math.Round(sampleRate / notes[n % notes.Length]);
            float[] line = new float[period];
            for (int i = 0; i < period; i++)
            {
                line[i] = (float)((rng.NextDouble() * 2) - 1);
            }

            for (int t = 0, end = Math.Min(noteLength, frames - (n * noteLength)); t < end; t++)
            {
                int i = t % period;
                float next = line[(i + 1) % period];
                x[(n * noteLength) + t] += 0.5f * line[i];
                line[i] = 0.996f * 0.5f * (line[i] + next);
            }
        }

        return x;
    }
}

/// <summary>Generated kernels for the shapes of the shared amp models; other shapes run on the generic network.</summary>
internal static class Kernels
{
    public static IRecurrentNetwork<float>? For(RecurrentConfig config) => config switch
    {
        { NumLayers: 1, Kind: CellKind.Lstm, InputSize: 1, HiddenSize: 40 } => new Lstm1x40(),
        { NumLayers: 1, Kind: CellKind.Lstm, InputSize: 2, HiddenSize: 20 } => new Lstm2x20(),
        { NumLayers: 1, Kind: CellKind.Lstm, InputSize: 1, HiddenSize: 12 } => new Lstm1x12(),
        { NumLayers: 1, Kind: CellKind.Gru, InputSize: 1, HiddenSize: 8 } => new Gru1x8(),
        _ => null,
    };
}

[LstmCell(Input = 1, Hidden = 40)]
internal partial class Lstm1x40 { }

[LstmCell(Input = 2, Hidden = 20)]
internal partial class Lstm2x20 { }

[LstmCell(Input = 1, Hidden = 12)]
internal partial class Lstm1x12 { }

[GruCell(Input = 1, Hidden = 8)]
internal partial class Gru1x8 { }
