using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LstmGen.IO;

/// <summary>
/// Strict reading of the JSON of an amp model file: every error names the file, the JSON path and what was expected.
/// </summary>
internal sealed class AmpJson(string source)
{
    /// <summary>Names the data in messages, e.g. <c>amp model file 'ts9.json'</c>.</summary>
    public string Source { get; } = source;

    /// <summary>An error at a place in the file.</summary>
    public AmpModelFormatException Error(string? location, string message, Exception? inner = null) =>
        new(Source + ": " + (location is null ? "" : location + ": ") + message, location, inner);

    /// <summary>Parses the text: UTF-8 JSON, no duplicate keys; NaN or Infinity (which Python's json writes) named as such.</summary>
    public JsonDocument Parse(ReadOnlySpan<byte> json)
    {
        if (json.StartsWith("\uFEFF"u8))
        {
            json = json[3..];
        }

        byte[] bytes = json.ToArray();
        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw Error(null, Explain(bytes, e), e);
        }
    }

    /// <summary>The member <paramref name="key"/> of an object; missing is an error saying what it is for.</summary>
    public JsonElement Require(JsonElement obj, string? where, string key, string what)
    {
        if (!obj.TryGetProperty(key, out JsonElement value))
        {
            throw Error(where, $"missing key '{key}' ({what}).");
        }

        return value;
    }

    /// <summary>An object at <paramref name="where"/>.</summary>
    public JsonElement Object(JsonElement e, string? where)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw Error(where, $"must be a JSON object, but is {Describe(e)}.");
        }

        return e;
    }

    /// <summary>An array at <paramref name="where"/>.</summary>
    public JsonElement Array(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Array)
        {
            throw Error(where, $"must be a JSON array, but is {Describe(e)}.");
        }

        return e;
    }

    /// <summary>A string at <paramref name="where"/>.</summary>
    public string String(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.String)
        {
            throw Error(where, $"must be a string, but is {Describe(e)}.");
        }

        return e.GetString()!;
    }

    /// <summary>A whole number from <paramref name="min"/> up at <paramref name="where"/>.</summary>
    public int Int(JsonElement e, string where, int min)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out int value) || value < min)
        {
            throw Error(where, FormattableString.Invariant($"must be a whole number of at least {min}, but is {Describe(e)}."));
        }

        return value;
    }

    /// <summary>A flag written as true/false or 1/0 at <paramref name="where"/>.</summary>
    public bool Flag(JsonElement e, string where)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Number when e.TryGetInt32(out int v) && v is 0 or 1:
                return v == 1;
            default:
                throw Error(where, $"must be true, false, 1 or 0, but is {Describe(e)}.");
        }
    }

    /// <summary>A finite number at <paramref name="where"/>.</summary>
    public double Number(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out double value) || !double.IsFinite(value))
        {
            throw Error(where, $"must be a finite number, but is {Describe(e)}.");
        }

        return value;
    }

    /// <summary>
    /// The last element of a Keras shape like <c>[null, null, 12]</c>: the feature count, a whole number of at least 1.
    /// </summary>
    public int LastDimension(JsonElement e, string where)
    {
        Array(e, where);
        int length = e.GetArrayLength();
        if (length == 0)
        {
            throw Error(where, "must be a shape like [null, null, N], but is an empty array.");
        }

        return Int(e[length - 1], FormattableString.Invariant($"{where}[{length - 1}]"), 1);
    }

    /// <summary>
    /// A tensor of nested arrays with exactly <paramref name="shape"/>, as float32 values in row-major order. A wrong
    /// shape names the tensor, its shape and <paramref name="needs"/> (who needs which shape).
    /// </summary>
    public float[] Tensor(JsonElement e, string where, int[] shape, string needs)
    {
        int[] actual = ShapeOf(e);
        if (!actual.AsSpan().SequenceEqual(shape))
        {
            throw Error(where, $"has shape {ShapeText(actual)}, but {needs} needs {ShapeText(shape)}.");
        }

        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
        }

        float[] values = new float[count];
        int next = 0;
        Fill(e, where, shape, 0, values, ref next);
        return values;
    }

    /// <summary>A flat array of numbers, as float32.</summary>
    public float[] Numbers(JsonElement e, string where)
    {
        Array(e, where);
        float[] values = new float[e.GetArrayLength()];
        int next = 0;
        Fill(e, where, [values.Length], 0, values, ref next);
        return values;
    }

    /// <summary>A shape as the messages write it, e.g. <c>[80, 2]</c>.</summary>
    public static string ShapeText(ReadOnlySpan<int> shape)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            text.Append(i == 0 ? "" : ", ").Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }

        return text.Append(']').ToString();
    }

    // The shape as the first element of every level shows it; raggedness is found while filling.
    private static int[] ShapeOf(JsonElement e)
    {
        var shape = new List<int>();
        while (e.ValueKind == JsonValueKind.Array)
        {
            int length = e.GetArrayLength();
            shape.Add(length);
            if (length == 0)
            {
                break;
            }

            e = e[0];
        }

        return [.. shape];
    }

    private void Fill(JsonElement e, string where, int[] shape, int depth, float[] values, ref int next)
    {
        if (depth == shape.Length)
        {
            double value = Number(e, where);
            float single = (float)value;
            if (!float.IsFinite(single))
            {
                throw Error(where, $"is {e.GetRawText()}, which does not fit a float32.");
            }

            values[next++] = single;
            return;
        }

        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != shape[depth])
        {
            string expected = depth + 1 == shape.Length
                ? FormattableString.Invariant($"an array of {shape[depth]} numbers")
                : FormattableString.Invariant($"an array of {shape[depth]} arrays");
            throw Error(where, $"must be {expected} (the rows of a tensor all have one length), but is {Describe(e)}.");
        }

        int i = 0;
        foreach (JsonElement item in e.EnumerateArray())
        {
            Fill(item, FormattableString.Invariant($"{where}[{i}]"), shape, depth + 1, values, ref next);
            i++;
        }
    }

    // A short description of a value for messages: its kind, and its text when it is short.
    private static string Describe(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                return "an object";
            case JsonValueKind.Array:
                return FormattableString.Invariant($"an array of {e.GetArrayLength()} elements");
            case JsonValueKind.String:
            case JsonValueKind.Number:
                string text = e.GetRawText();
                string shown = text.Length > 40 ? text[..40] + "..." : text;
                return (e.ValueKind == JsonValueKind.String ? "the string " : "the number ") + shown;
            default:
                return e.GetRawText();
        }
    }

    // System.Text.Json's message, with the reason spelled out where it is a usual one: NaN or Infinity (not JSON, but
    // what Python's json.dump writes for such a weight), or text that ends early (a truncated file).
    private static string Explain(byte[] bytes, JsonException e)
    {
        string position = e.LineNumber is long line && e.BytePositionInLine is long column
            ? FormattableString.Invariant($" (line {line + 1}, byte {column + 1})")
            : "";
        long offset = Offset(bytes, e.LineNumber, e.BytePositionInLine);
        ReadOnlySpan<byte> rest = offset >= 0 && offset <= bytes.Length ? bytes.AsSpan((int)offset) : default;
        if (rest.StartsWith("NaN"u8) || rest.StartsWith("Infinity"u8) || rest.StartsWith("-Infinity"u8))
        {
            return $"the file is not valid JSON{position}: it holds NaN or Infinity, which JSON has no numbers for (Python's json writes them for a weight that is not finite); every weight must be a finite number.";
        }

        if (bytes.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return "the file is empty; an amp model file is a JSON object.";
        }

        // System.Text.Json appends the position 0-based; it is given 1-based above.
        string reason = e.Message;
        int suffix = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        reason = suffix > 0 ? reason[..suffix] : reason;
        if (reason.Contains("Duplicate property", StringComparison.Ordinal))
        {
            return $"the file has a key twice ({reason}); every key of a JSON object must be unique.";
        }

        bool atEnd = (offset >= 0 && rest.Trim(" \t\r\n"u8).IsEmpty) || reason.Contains("end of the JSON payload", StringComparison.Ordinal)
            || reason.Contains("invalid end of", StringComparison.Ordinal);
        return $"the file is not valid JSON{position}{(atEnd ? "; it ends early (is it truncated?)" : "")}: {reason}";
    }

    // The byte offset of a 0-based (line, byte in line) position, or -1 when unknown.
    private static long Offset(byte[] bytes, long? line, long? column)
    {
        if (line is not long l || column is not long c)
        {
            return -1;
        }

        long start = 0;
        for (long i = 0; i < l; i++)
        {
            int newline = System.Array.IndexOf(bytes, (byte)'\n', (int)start);
            if (newline < 0)
            {
                return -1;
            }

            start = newline + 1;
        }

        return start + c;
    }
}
