using System.Globalization;
using System.Text.Json;
using LstmGen.IO;

namespace LstmGen.Demo;

/// <summary>
/// <c>amp --model MODEL.json --input IN.json --output OUT.json</c>: runs an amp model (GuitarML or AIDA-X JSON) from a
/// zero state over the frames of IN.json (an array of frames, each an array of the model's input_size numbers) and
/// writes one number per frame to OUT.json with float32 round-trip precision.
/// </summary>
public static class AmpCommand
{
    /// <summary>The text of <c>amp --help</c>.</summary>
    public const string Usage = """
        LstmGen demo, amp: runs an amp model over a signal from a zero state.

        Usage: dotnet run -c Release --project src/LstmGen.Demo -- amp --model MODEL.json --input IN.json --output OUT.json

          --model FILE    a GuitarML (NeuralPi, Proteus, NeuralSeed) or AIDA-X model file
          --input FILE    a JSON array of frames, each an array of the model's input_size numbers ([[0.1], [0.2], ...])
          --output FILE   written: a JSON array of one number per frame (an array per frame if the model has several
                          outputs), float32 with round-trip precision
          --help          this text
        """;

    /// <summary>Runs the command; returns the exit code (0 done, 1 a bad file, 2 bad arguments).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string? model = null, input = null, outputPath = null;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string name = args[i];
                string Value() => i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                    ? args[++i]
                    : throw new ArgumentException($"{name} needs a file name.");
                switch (name)
                {
                    case "--model": model = Value(); break;
                    case "--input": input = Value(); break;
                    case "--output": outputPath = Value(); break;
                    case "--help" or "-h":
                        output.WriteLine(Usage);
                        return 0;
                    default: throw new ArgumentException($"amp: unknown option '{name}'.");
                }
            }

            string missing = model is null ? "--model" : input is null ? "--input" : outputPath is null ? "--output" : "";
            if (missing.Length > 0)
            {
                throw new ArgumentException($"amp needs {missing} FILE.");
            }
        }
        catch (ArgumentException e)
        {
            error.WriteLine(e.Message + " Try amp --help.");
            return 2;
        }

        try
        {
            AmpModel amp = Guard("--model", model!, AmpModelFile.Load);
            float[] frames = Guard("--input", input!, path => ReadFrames(path, amp.InputSize));
            float[] y = new float[frames.Length / amp.InputSize * amp.OutputSize];
            amp.Process(frames, y);
            int bad = Array.FindIndex(y, v => !float.IsFinite(v));
            if (bad >= 0)
            {
                throw new InvalidDataException(FormattableString.Invariant($"the model's output at frame {bad / amp.OutputSize} is {y[bad]}, which JSON cannot hold; is the input far beyond the range the model was trained on?"));
            }

            Guard("--output", outputPath!, path =>
            {
                WriteOutput(path, y, amp.OutputSize);
                return true;
            });
            output.WriteLine(FormattableString.Invariant(
                $"amp: {y.Length / amp.OutputSize} frames through {amp.Format} {amp.Config.Kind} {amp.Config.InputSize}->{amp.Config.HiddenSize} (residual {amp.Residual}) -> {outputPath}"));
            return 0;
        }
        catch (Exception e) when (e is AmpModelFormatException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine(e.Message);
            return 1;
        }
    }

    /// <summary>Reads the frames of an input file: a JSON array of arrays of <paramref name="inputSize"/> numbers.</summary>
    /// <exception cref="InvalidDataException">The file is not such an array; the message names the frame.</exception>
    public static float[] ReadFrames(string path, int inputSize)
    {
        string where = $"--input '{path}'";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where} is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{where} must be a JSON array of frames, but is {root.ValueKind.ToString().ToLowerInvariant()}.");
            }

            float[] values = new float[root.GetArrayLength() * inputSize];
            int t = 0;
            foreach (JsonElement frame in root.EnumerateArray())
            {
                if (frame.ValueKind != JsonValueKind.Array || frame.GetArrayLength() != inputSize)
                {
                    string got = frame.ValueKind == JsonValueKind.Array
                        ? FormattableString.Invariant($"has {frame.GetArrayLength()} numbers")
                        : "is " + frame.GetRawText();
                    throw new InvalidDataException(FormattableString.Invariant($"{where}: frame {t} {got}, but each frame must be an array of the model's {inputSize} input numbers, like [{string.Join(", ", Enumerable.Repeat("0.1", inputSize))}]."));
                }

                int k = 0;
                foreach (JsonElement number in frame.EnumerateArray())
                {
                    float v = number.ValueKind == JsonValueKind.Number && number.TryGetDouble(out double d) ? (float)d : float.NaN;
                    if (!float.IsFinite(v))
                    {
                        throw new InvalidDataException(FormattableString.Invariant($"{where}: frame {t}, value {k} is {number.GetRawText()}, but must be a finite number within float32's range."));
                    }

                    values[(t * inputSize) + k++] = v;
                }

                t++;
            }

            return values;
        }
    }

    /// <summary>Writes the outputs: one number per frame, or an array per frame when there are several outputs.</summary>
    public static void WriteOutput(string path, ReadOnlySpan<float> y, int outputSize)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var writer = new Utf8JsonWriter(stream);
        writer.WriteStartArray();
        for (int t = 0; t < y.Length / outputSize; t++)
        {
            if (outputSize > 1)
            {
                writer.WriteStartArray();
            }

            for (int j = 0; j < outputSize; j++)
            {
                // "R": the shortest text that parses back to the same float32, in the invariant culture.
                writer.WriteRawValue(y[(t * outputSize) + j].ToString("R", CultureInfo.InvariantCulture));
            }

            if (outputSize > 1)
            {
                writer.WriteEndArray();
            }
        }

        writer.WriteEndArray();
    }

    // Runs a file operation, naming the option and the file when the file cannot be read or written (a missing file,
    // a folder that does not exist, no permission); errors in the content name them already.
    private static T Guard<T>(string option, string path, Func<string, T> operation)
    {
        try
        {
            return operation(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} '{path}': {e.Message}", e);
        }
    }
}
