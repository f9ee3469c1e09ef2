using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace LstmGen.IO;

/// <summary>One tensor entry of a safetensors header, checked for types, ranges and size.</summary>
internal sealed record SafetensorsEntry(string Name, string DType, ulong[] Shape, ulong Begin, ulong End)
{
    public string ShapeText => "[" + string.Join(", ", Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
    public string OffsetsText => FormattableString.Invariant($"[{Begin}, {End}]");
}

/// <summary>
/// The JSON header of a safetensors file, parsed strictly: a JSON object whose keys are tensor names (each an object
/// with exactly <c>dtype</c>, <c>shape</c> and <c>data_offsets</c>) plus an optional <c>__metadata__</c> object of
/// strings. Duplicate keys, unknown fields, unknown dtypes, numbers that are not non-negative 64-bit integers and sizes
/// that disagree with shape times dtype size are rejected.
/// </summary>
internal sealed class SafetensorsHeader
{
    private const string MetadataKey = "__metadata__";

    // The header nests three deep (root, entry, array); anything deeper is not safetensors.
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 4 };

    private SafetensorsHeader(string source) => Source = source;

    /// <summary>Names the data in messages, e.g. <c>safetensors file 'model.safetensors'</c>.</summary>
    public string Source { get; }

    /// <summary>The tensors; sorted by data offset once <see cref="CheckOffsets"/> ran.</summary>
    public List<SafetensorsEntry> Tensors { get; private set; } = [];

    /// <summary>The <c>__metadata__</c> strings; empty when absent.</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>An error about this data, prefixed with its source.</summary>
    public SafetensorsFormatException Error(string message, string? tensor = null, Exception? inner = null) =>
        new(Source + ": " + message, tensor, inner);

    /// <summary>Parses and checks a header.</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, string source)
    {
        var header = new SafetensorsHeader(source);
        if (!Utf8.IsValid(json))
        {
            throw header.Error("the header is not valid UTF-8.");
        }

        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw header.Error($"the header must be a JSON object, but is {Describe(ref reader)}.");
            }

            var keys = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!keys.Add(name))
                {
                    throw header.Error($"the header has the key '{name}' twice.", name == MetadataKey ? null : name);
                }

                reader.Read();
                if (name == MetadataKey)
                {
                    header.ReadMetadata(ref reader);
                }
                else
                {
                    header.Tensors.Add(header.ReadEntry(ref reader, name));
                }
            }

            // The reader itself rejects anything but the root's end here, and any content after it.
            while (reader.Read())
            {
            }
        }
        catch (JsonException e)
        {
            throw header.Error("the header is not valid JSON: " + e.Message, inner: e);
        }

        return header;
    }

    /// <summary>
    /// Sorts the tensors by offset and checks that they tile the data section exactly, as the format requires: no
    /// overlap, no gap, nothing beyond the end and, when the length of the data section is known, nothing after the last
    /// tensor. Returns the bytes the tensors cover.
    /// </summary>
    public ulong CheckOffsets(ulong? dataLength)
    {
        Tensors = [.. Tensors.OrderBy(t => t.Begin).ThenBy(t => t.End)];
        ulong next = 0;
        SafetensorsEntry? previous = null;
        foreach (SafetensorsEntry t in Tensors)
        {
            if (dataLength is ulong length && t.End > length)
            {
                throw Error(FormattableString.Invariant(
                    $"the file is truncated or the offsets are wrong: tensor '{t.Name}' has data_offsets {t.OffsetsText}, beyond the end of the data section ({length} bytes)."), t.Name);
            }

            if (t.Begin < next)
            {
                throw Error($"tensors '{previous!.Name}' (data_offsets {previous.OffsetsText}) and '{t.Name}' (data_offsets {t.OffsetsText}) overlap.", t.Name);
            }

            if (t.Begin > next)
            {
                throw Error(FormattableString.Invariant(
                    $"bytes {next} to {t.Begin} of the data section belong to no tensor (a gap before tensor '{t.Name}', data_offsets {t.OffsetsText}); safetensors data has no gaps."), t.Name);
            }

            next = t.End;
            previous = t;
        }

        if (dataLength is ulong total && next != total)
        {
            throw Error(FormattableString.Invariant(
                $"the data section has {total} bytes, but the tensors cover only {next}: {total - next} trailing bytes belong to no tensor."));
        }

        return next;
    }

    private void ReadMetadata(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Error($"{MetadataKey} must be a JSON object of strings, but is {Describe(ref reader)}.");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw Error($"{MetadataKey} must map strings to strings, but '{key}' is {Describe(ref reader)}.");
            }

            if (!Metadata.TryAdd(key, reader.GetString()!))
            {
                throw Error($"{MetadataKey} has the key '{key}' twice.");
            }
        }
    }

    private SafetensorsEntry ReadEntry(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Error($"tensor '{name}' must be a JSON object with dtype, shape and data_offsets, but is {Describe(ref reader)}.", name);
        }

        string? dtype = null;
        ulong[]? shape = null;
        ulong[]? offsets = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string field = reader.GetString()!;
            bool duplicate;
            reader.Read();
            switch (field)
            {
                case "dtype":
                    duplicate = dtype is not null;
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw Error($"tensor '{name}': dtype must be a string, but is {Describe(ref reader)}.", name);
                    }

                    dtype = reader.GetString()!;
                    break;
                case "shape":
                    duplicate = shape is not null;
                    shape = ReadIntegers(ref reader, name, field);
                    break;
                case "data_offsets":
                    duplicate = offsets is not null;
                    offsets = ReadIntegers(ref reader, name, field);
                    break;
                default:
                    throw Error($"tensor '{name}' has the unknown field '{field}'; an entry has exactly dtype, shape and data_offsets.", name);
            }

            if (duplicate)
            {
                throw Error($"tensor '{name}' has the field '{field}' twice.", name);
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            string missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw Error($"tensor '{name}' has no {missing}.", name);
        }

        return Check(name, dtype, shape, offsets);
    }

    private SafetensorsEntry Check(string name, string dtype, ulong[] shape, ulong[] offsets)
    {
        int size = SafetensorsDTypes.SizeOf(dtype);
        if (size == 0)
        {
            throw Error($"tensor '{name}' has the unknown dtype '{dtype}'; safetensors defines BOOL, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, I64, U64 and F64.", name);
        }

        if (offsets.Length != 2)
        {
            throw Error(FormattableString.Invariant($"tensor '{name}': data_offsets must be [begin, end], but has {offsets.Length} numbers."), name);
        }

        var entry = new SafetensorsEntry(name, dtype, shape, offsets[0], offsets[1]);
        if (entry.Begin > entry.End)
        {
            throw Error($"tensor '{name}': data_offsets {entry.OffsetsText} begin after they end.", name);
        }

        UInt128 bytes = ByteCount(shape, size);
        if (bytes != entry.End - entry.Begin)
        {
            string need = bytes > ulong.MaxValue ? "more than 2^64" : bytes.ToString(CultureInfo.InvariantCulture);
            throw Error(FormattableString.Invariant(
                $"tensor '{name}': shape {entry.ShapeText} of {dtype} takes {need} bytes, but data_offsets {entry.OffsetsText} hold {entry.End - entry.Begin}."), name);
        }

        return entry;
    }

    // Element count times size; stops at 2^64 so that no shape overflows (and a zero dimension still gives 0).
    private static UInt128 ByteCount(ulong[] shape, int size)
    {
        if (Array.IndexOf(shape, 0UL) >= 0)
        {
            return 0;
        }

        UInt128 bytes = (UInt128)size;
        foreach (ulong dim in shape)
        {
            bytes *= dim;
            if (bytes > ulong.MaxValue)
            {
                return bytes;
            }
        }

        return bytes;
    }

    private ulong[] ReadIntegers(ref Utf8JsonReader reader, string name, string field)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Error($"tensor '{name}': {field} must be an array of non-negative integers, but is {Describe(ref reader)}.", name);
        }

        var values = new List<ulong>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out ulong value))
            {
                throw Error($"tensor '{name}': {field} must hold non-negative integers below 2^64, but holds {Describe(ref reader)}.", name);
            }

            values.Add(value);
        }

        return [.. values];
    }

    // A short description of the current token for messages: its kind, and its text when it is a scalar.
    private static string Describe(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                return "an object";
            case JsonTokenType.StartArray:
                return "an array";
            case JsonTokenType.String:
            case JsonTokenType.Number:
                string text = Encoding.UTF8.GetString(reader.ValueSpan.Length > 40 ? reader.ValueSpan[..40] : reader.ValueSpan);
                return (reader.TokenType == JsonTokenType.String ? "the string \"" + text + "\"" : "the number " + text)
                    + (reader.ValueSpan.Length > 40 ? "..." : "");
            case JsonTokenType.True:
            case JsonTokenType.False:
            case JsonTokenType.Null:
                return Encoding.UTF8.GetString(reader.ValueSpan);
            default:
                return "empty";
        }
    }
}
