using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace LstmGen.Tests.IO;

/// <summary>One tensor of a safetensors file as raw bytes.</summary>
internal sealed record RawTensor(string Name, string DType, long[] Shape, byte[] Bytes);

/// <summary>
/// A minimal safetensors reader and writer for the tests, independent of <c>LstmGen.IO</c>: it checks the library's
/// output against the format, and builds malformed files by editing a valid one.
/// </summary>
internal static class RawSafetensors
{
    /// <summary>The header (parsed) and the data section of a file.</summary>
    public static (JsonObject Header, byte[] Data) Split(byte[] file)
    {
        int length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));
        JsonObject header = JsonNode.Parse(file.AsSpan(8, length))!.AsObject();
        return (header, file[(8 + length)..]);
    }

    /// <summary>A file made of a header text and a data section (no padding, which the format does not need).</summary>
    public static byte[] Join(string header, byte[] data) => Join(Encoding.UTF8.GetBytes(header), data);

    public static byte[] Join(byte[] header, byte[] data)
    {
        byte[] file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>Every tensor in data order.</summary>
    public static List<RawTensor> Tensors(byte[] file)
    {
        (JsonObject header, byte[] data) = Split(file);
        return header.Where(p => p.Key != "__metadata__")
            .Select(p => (p.Key, Entry: p.Value!.AsObject(), Begin: p.Value!["data_offsets"]![0]!.GetValue<long>()))
            .OrderBy(t => t.Begin)
            .Select(t => new RawTensor(t.Key, t.Entry["dtype"]!.GetValue<string>(),
                t.Entry["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray(),
                data[(int)t.Begin..(int)t.Entry["data_offsets"]![1]!.GetValue<long>()]))
            .ToList();
    }

    /// <summary>Writes tensors one after the other, with an optional <c>__metadata__</c>.</summary>
    public static byte[] Write(IEnumerable<RawTensor> tensors, Dictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is not null)
        {
            header["__metadata__"] = new JsonObject(metadata.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value))));
        }

        var data = new List<byte>();
        foreach (RawTensor t in tensors)
        {
            header[t.Name] = new JsonObject
            {
                ["dtype"] = t.DType,
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(data.Count, data.Count + t.Bytes.Length),
            };
            data.AddRange(t.Bytes);
        }

        return Join(header.ToJsonString(), data.ToArray());
    }

    /// <summary>Edits the header of a file as JSON, keeping its data.</summary>
    public static byte[] EditHeader(byte[] file, Action<JsonObject> edit)
    {
        (JsonObject header, byte[] data) = Split(file);
        edit(header);
        return Join(header.ToJsonString(), data);
    }

    /// <summary>Edits the header of a file as text, keeping its data (for what JSON nodes cannot hold: duplicates, NaN).</summary>
    public static byte[] EditHeaderText(byte[] file, string find, string replace)
    {
        (JsonObject header, byte[] data) = Split(file);
        string text = header.ToJsonString();
        Assert.Contains(find, text);
        int at = text.IndexOf(find, StringComparison.Ordinal);
        return Join(string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length)), data);
    }
}
