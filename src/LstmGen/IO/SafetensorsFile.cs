using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace LstmGen.IO;

/// <summary>
/// Loads and saves a <see cref="ParameterSet{T}"/> as a <a href="https://github.com/huggingface/safetensors">safetensors</a>
/// file under PyTorch's <c>state_dict</c> names (<c>weight_ih_l0</c>, <c>bias_hh_l1_reverse</c>, <c>weight_hr_l0</c>, ...),
/// so a model trained in PyTorch loads as it is, without native code.
/// </summary>
/// <remarks>
/// <para>
/// <b>Names and prefix.</b> A parameter is stored as <c>prefix + name</c>; for an LSTM kept as the attribute <c>lstm</c>
/// of a PyTorch module the prefix is <c>"lstm."</c> (it is used verbatim: include the dot). With a prefix, tensors whose
/// names do not start with it belong to other parts of the model and are skipped (they are still checked for size and
/// offsets). Without a prefix, every tensor of the file must be a parameter of the network.
/// </para>
/// <para>
/// <b>Strict validation.</b> A load reads and checks the whole file before it changes anything: the header length is at
/// most <see cref="MaxHeaderLength"/> and within the file; the header is UTF-8 JSON (an object of entries with exactly
/// <c>dtype</c>, <c>shape</c> and <c>data_offsets</c>, plus an optional <c>__metadata__</c> object of strings, no key
/// twice); numbers are non-negative integers; every tensor's byte size is its shape times its dtype size; the tensors
/// tile the data section with no overlap, gap or trailing byte; every parameter of the network is present with exactly
/// its PyTorch shape, and no tensor under the prefix is unknown. Any failure throws
/// <see cref="SafetensorsFormatException"/> naming the tensor and the mismatch, and leaves the target unchanged: values
/// are converted into a staging buffer and copied into the target only when everything passed.
/// </para>
/// <para>
/// <b>Types.</b> Loading accepts F32, F64, F16 and BF16 into float or double parameters. Widening is exact; F64 into
/// float rounds to nearest. Saving writes F32 for float parameters and F64 for double ones unless told otherwise (F32
/// or F64), tensors in <see cref="ParameterLayout.Parameters"/> order, the header padded with spaces to a multiple of 8
/// bytes as the reference implementation does.
/// </para>
/// </remarks>
public static class SafetensorsFile
{
    /// <summary>Largest header accepted, in bytes (the reference implementation's limit).</summary>
    public const int MaxHeaderLength = 100_000_000;

    private const int ChunkBytes = 1 << 16;

    /// <summary>Loads the parameters from a safetensors file.</summary>
    /// <param name="target">The parameters to fill; unchanged when the load fails.</param>
    /// <param name="path">The file.</param>
    /// <param name="prefix">Prepended to every parameter name, e.g. <c>"lstm."</c>; empty for none.</param>
    /// <returns>The file's <c>__metadata__</c> (empty when it has none).</returns>
    /// <exception cref="SafetensorsFormatException">The file is malformed or does not match the network.</exception>
    public static IReadOnlyDictionary<string, string> Load<T>(ParameterSet<T> target, string path, string prefix = "")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(prefix);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkBytes, FileOptions.SequentialScan);
        return LoadCore(target, stream, prefix, $"safetensors file '{path}'");
    }

    /// <summary>Loads the parameters from safetensors data held in memory.</summary>
    /// <param name="target">The parameters to fill; unchanged when the load fails.</param>
    /// <param name="data">The whole file.</param>
    /// <param name="prefix">Prepended to every parameter name, e.g. <c>"lstm."</c>; empty for none.</param>
    /// <returns>The file's <c>__metadata__</c> (empty when it has none).</returns>
    /// <exception cref="SafetensorsFormatException">The data is malformed or does not match the network.</exception>
    public static unsafe IReadOnlyDictionary<string, string> Load<T>(ParameterSet<T> target, ReadOnlySpan<byte> data, string prefix = "")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(prefix);
        // One reader for every source: the span is read through a stream over its memory, pinned for the call.
        fixed (byte* pointer = data)
        {
            using Stream stream = data.IsEmpty ? new MemoryStream([], writable: false) : new UnmanagedMemoryStream(pointer, data.Length);
            return LoadCore(target, stream, prefix, "safetensors data");
        }
    }

    /// <summary>
    /// Loads the parameters from a stream holding a safetensors file from its current position to its end. A seekable
    /// stream is checked against its length before anything is read; any other stream is read to its end to make sure
    /// nothing follows the data. The stream is not closed.
    /// </summary>
    /// <param name="target">The parameters to fill; unchanged when the load fails.</param>
    /// <param name="stream">The data.</param>
    /// <param name="prefix">Prepended to every parameter name, e.g. <c>"lstm."</c>; empty for none.</param>
    /// <returns>The file's <c>__metadata__</c> (empty when it has none).</returns>
    /// <exception cref="SafetensorsFormatException">The data is malformed or does not match the network.</exception>
    public static IReadOnlyDictionary<string, string> Load<T>(ParameterSet<T> target, Stream stream, string prefix = "")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(prefix);
        return LoadCore(target, stream, prefix, "safetensors stream");
    }

    /// <summary>
    /// Saves the parameters as a safetensors file. The file is written beside its final name and then moved there, so
    /// a failure never leaves a half-written file under <paramref name="path"/>.
    /// </summary>
    /// <param name="source">The parameters.</param>
    /// <param name="path">The file; replaced when it exists.</param>
    /// <param name="prefix">Prepended to every parameter name, e.g. <c>"lstm."</c>; empty for none.</param>
    /// <param name="metadata">Strings for <c>__metadata__</c> (PyTorch tools often expect <c>format: pt</c>), or null for none.</param>
    /// <param name="dtype">F32 or F64; null for the element type of <typeparamref name="T"/>.</param>
    public static void Save<T>(ParameterSet<T> source, string path, string prefix = "", IReadOnlyDictionary<string, string>? metadata = null,
        SafetensorsDType? dtype = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(prefix);
        string full = Path.GetFullPath(path);
        string temporary = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, ChunkBytes))
            {
                SaveCore(source, stream, prefix, metadata, dtype);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Writes the parameters as a safetensors file to a stream, which is not closed.</summary>
    /// <param name="source">The parameters.</param>
    /// <param name="destination">Where to write.</param>
    /// <param name="prefix">Prepended to every parameter name, e.g. <c>"lstm."</c>; empty for none.</param>
    /// <param name="metadata">Strings for <c>__metadata__</c>, or null for none.</param>
    /// <param name="dtype">F32 or F64; null for the element type of <typeparamref name="T"/>.</param>
    public static void Save<T>(ParameterSet<T> source, Stream destination, string prefix = "", IReadOnlyDictionary<string, string>? metadata = null,
        SafetensorsDType? dtype = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(prefix);
        SaveCore(source, destination, prefix, metadata, dtype);
    }

    private static void EnsureSupported<T>()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException($"Safetensors IO supports float and double parameters, not {typeof(T).Name}.");
        }
    }

    private static IReadOnlyDictionary<string, string> LoadCore<T>(ParameterSet<T> target, Stream stream, string prefix, string source)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        EnsureSupported<T>();
        long? remaining = stream.CanSeek ? Math.Max(0, stream.Length - stream.Position) : null;
        Span<byte> lengthBytes = stackalloc byte[8];
        int got = stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false);
        if (got < 8)
        {
            throw new SafetensorsFormatException(FormattableString.Invariant(
                $"{source}: the file is truncated: it has {got} bytes, but the header length alone takes 8."));
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderLength)
        {
            throw new SafetensorsFormatException(FormattableString.Invariant(
                $"{source} is not a safetensors file{WhatItIs(lengthBytes)}: a safetensors file starts with the length of its JSON header as 8 little-endian bytes, but these give {headerLength}, more than the limit of {MaxHeaderLength} bytes."));
        }

        if (remaining is long total && headerLength > (ulong)(total - 8))
        {
            throw new SafetensorsFormatException(FormattableString.Invariant(
                $"{source}: the file is truncated: the header length is {headerLength} bytes, but only {total - 8} bytes follow it."));
        }

        byte[] headerBytes = new byte[headerLength];
        got = stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false);
        if (got < headerBytes.Length)
        {
            throw new SafetensorsFormatException(FormattableString.Invariant(
                $"{source}: the file is truncated: the header length is {headerLength} bytes, but only {got} bytes follow it."));
        }

        SafetensorsHeader header = SafetensorsHeader.Parse(headerBytes, source);
        header.CheckOffsets(remaining is long all ? (ulong)(all - 8) - headerLength : null);
        Dictionary<SafetensorsEntry, (ParameterInfo Info, SafetensorsDType DType)> plan = Match(target.Layout, header, prefix);

        T[] staging = new T[target.Length];
        ReadData(stream, header, plan, staging);
        if (!stream.CanSeek && stream.ReadByte() >= 0)
        {
            throw header.Error("bytes follow the last tensor's data; safetensors data has no trailing bytes.");
        }

        // Set bumps the version after the copy, so a kernel that repacked while it ran repacks again.
        target.Set(staging);
        return header.Metadata;
    }

    // What a file that is not safetensors looks like it is, from its first bytes; empty when unknown.
    private static string WhatItIs(ReadOnlySpan<byte> start) => start switch
    {
        [(byte)'P', (byte)'K', 3, 4, ..] => " (it is a zip archive, as torch.save writes; save the state_dict with safetensors.torch.save_file)",
        [(byte)'{', ..] or [(byte)'[', ..] => " (it looks like JSON text)",
        [0x80, _, ..] => " (it looks like a Python pickle, as torch.save writes; save the state_dict with safetensors.torch.save_file)",
        _ => "",
    };

    // Pairs every tensor under the prefix with its parameter, checking dtype and shape, and every parameter with a tensor.
    private static Dictionary<SafetensorsEntry, (ParameterInfo Info, SafetensorsDType DType)> Match(ParameterLayout layout, SafetensorsHeader header, string prefix)
    {
        // A module attribute's prefix ends with its dot; without it every name would lack one and nothing would match.
        if (prefix.Length > 0 && !prefix.EndsWith('.') && header.Tensors.FirstOrDefault(t => t.Name.StartsWith(prefix + ".", StringComparison.Ordinal)) is { } dotted)
        {
            throw new ArgumentException(
                $"prefix '{prefix}' lacks its dot: the file names its tensors like '{dotted.Name}', so the prefix is \"{prefix}.\".", nameof(prefix));
        }

        var plan = new Dictionary<SafetensorsEntry, (ParameterInfo, SafetensorsDType)>(ReferenceEqualityComparer.Instance);
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (SafetensorsEntry entry in header.Tensors)
        {
            if (!entry.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            string name = entry.Name[prefix.Length..];
            ParameterInfo info = layout.Find(name) ?? throw header.Error(
                $"unexpected tensor '{entry.Name}': {layout.Config} has no parameter '{name}'; expected {ExpectedNames(layout, prefix)}{PrefixHint(layout, header)}.", entry.Name);
            SafetensorsDType dtype = SafetensorsDTypes.Parse(entry.DType) ?? throw header.Error(
                $"tensor '{entry.Name}' has dtype {entry.DType}, but parameters load from F32, F64, F16 or BF16.", entry.Name);
            int[] shape = info.Shape;
            if (entry.Shape.Length != shape.Length || !entry.Shape.AsSpan().SequenceEqual(Array.ConvertAll(shape, d => (ulong)d)))
            {
                throw header.Error($"tensor '{entry.Name}' has shape {entry.ShapeText}, but {layout.Config} needs [{string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))}].", entry.Name);
            }

            plan.Add(entry, (info, dtype));
            found.Add(name);
        }

        List<ParameterInfo> missing = [.. layout.Parameters.Where(p => !found.Contains(p.Name))];
        if (missing.Count > 0)
        {
            string first = prefix + missing[0].Name;
            throw header.Error(FormattableString.Invariant(
                $"missing tensor '{first}' (the file lacks {missing.Count} of the {layout.Parameters.Count} parameters of {layout.Config}: {string.Join(", ", missing.Take(6).Select(p => prefix + p.Name))}{(missing.Count > 6 ? ", ..." : "")}); it holds {TensorNames(header)}."), first);
        }

        return plan;
    }

    // A tensor like "lstm.weight_ih_l0" whose last part is a parameter: the file is a module's state_dict, and the
    // network is its submodule, loaded with that prefix.
    private static string PrefixHint(ParameterLayout layout, SafetensorsHeader header)
    {
        foreach (SafetensorsEntry t in header.Tensors)
        {
            int dot = t.Name.LastIndexOf('.');
            if (dot > 0 && layout.Find(t.Name[(dot + 1)..]) is not null)
            {
                return $" (the file holds a module's state_dict: pass prefix \"{t.Name[..(dot + 1)]}\")";
            }
        }

        return "";
    }

    private static string ExpectedNames(ParameterLayout layout, string prefix) =>
        string.Join(", ", layout.Parameters.Select(p => "'" + prefix + p.Name + "'"));

    private static string TensorNames(SafetensorsHeader header) => header.Tensors.Count == 0
        ? "no tensors"
        : FormattableString.Invariant($"{header.Tensors.Count} tensors: ") + string.Join(", ", header.Tensors.Take(8).Select(t => "'" + t.Name + "'"))
            + (header.Tensors.Count > 8 ? ", ..." : "");

    // Reads the data section in offset order, converting the parameters into staging and skipping other tensors.
    private static void ReadData<T>(Stream stream, SafetensorsHeader header, Dictionary<SafetensorsEntry, (ParameterInfo Info, SafetensorsDType DType)> plan, T[] staging)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            foreach (SafetensorsEntry entry in header.Tensors)
            {
                if (!plan.TryGetValue(entry, out var target))
                {
                    Skip(stream, header, entry, chunk);
                    continue;
                }

                int size = SafetensorsDTypes.SizeOf(target.DType);
                Span<T> destination = staging.AsSpan(target.Info.Offset, target.Info.Length);
                int perChunk = ChunkBytes / size;
                for (int start = 0; start < destination.Length; start += perChunk)
                {
                    int count = Math.Min(perChunk, destination.Length - start);
                    Span<byte> bytes = chunk.AsSpan(0, count * size);
                    ReadExactly(stream, header, entry, bytes);
                    Decode(target.DType, bytes, destination.Slice(start, count));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static void Skip(Stream stream, SafetensorsHeader header, SafetensorsEntry entry, byte[] chunk)
    {
        ulong length = entry.End - entry.Begin;
        if (stream.CanSeek)
        {
            // CheckOffsets already placed the tensor within the stream's length.
            stream.Seek((long)length, SeekOrigin.Current);
            return;
        }

        while (length > 0)
        {
            int count = (int)Math.Min(length, (ulong)chunk.Length);
            ReadExactly(stream, header, entry, chunk.AsSpan(0, count));
            length -= (ulong)count;
        }
    }

    private static void ReadExactly(Stream stream, SafetensorsHeader header, SafetensorsEntry entry, Span<byte> bytes)
    {
        if (stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
        {
            throw header.Error($"the file is truncated: it ends within the data of tensor '{entry.Name}' (data_offsets {entry.OffsetsText}).", entry.Name);
        }
    }

    private static void Decode<T>(SafetensorsDType dtype, ReadOnlySpan<byte> bytes, Span<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Little-endian reads on every host; T.CreateTruncating is exact when widening and rounds to nearest for F64 into float.
        switch (dtype)
        {
            case SafetensorsDType.F32:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = T.CreateTruncating(BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]));
                }

                break;
            case SafetensorsDType.F64:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = T.CreateTruncating(BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]));
                }

                break;
            case SafetensorsDType.F16:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = T.CreateTruncating(BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]));
                }

                break;
            default:
                // bfloat16 is the upper 16 bits of a binary32.
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = T.CreateTruncating(BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]) << 16));
                }

                break;
        }
    }

    private static void SaveCore<T>(ParameterSet<T> source, Stream destination, string prefix, IReadOnlyDictionary<string, string>? metadata,
        SafetensorsDType? requested)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        EnsureSupported<T>();
        SafetensorsDType dtype = requested ?? (typeof(T) == typeof(float) ? SafetensorsDType.F32 : SafetensorsDType.F64);
        if (dtype != SafetensorsDType.F32 && dtype != SafetensorsDType.F64)
        {
            throw new ArgumentException($"Parameters are saved as F32 or F64, not {dtype}: 16-bit types would round them.", nameof(requested));
        }

        byte[] header = BuildHeader(source.Layout, prefix, metadata, dtype);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        destination.Write(length);
        destination.Write(header);

        int size = SafetensorsDTypes.SizeOf(dtype);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            ReadOnlySpan<T> values = source.Values;
            int perChunk = ChunkBytes / size;
            for (int start = 0; start < values.Length; start += perChunk)
            {
                int count = Math.Min(perChunk, values.Length - start);
                Span<byte> bytes = chunk.AsSpan(0, count * size);
                for (int i = 0; i < count; i++)
                {
                    T v = values[start + i];
                    if (dtype == SafetensorsDType.F32)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(bytes[(i * 4)..], float.CreateTruncating(v));
                    }
                    else
                    {
                        BinaryPrimitives.WriteDoubleLittleEndian(bytes[(i * 8)..], double.CreateTruncating(v));
                    }
                }

                destination.Write(bytes);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    // The parameters are contiguous in layout order, so the data section is the flat buffer itself, converted.
    private static byte[] BuildHeader(ParameterLayout layout, string prefix, IReadOnlyDictionary<string, string>? metadata, SafetensorsDType dtype)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject("__metadata__");
                foreach (KeyValuePair<string, string> pair in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(pair.Key, pair.Value ?? throw new ArgumentException($"Metadata '{pair.Key}' is null; metadata values are strings.", nameof(metadata)));
                }

                writer.WriteEndObject();
            }

            int size = SafetensorsDTypes.SizeOf(dtype);
            foreach (ParameterInfo info in layout.Parameters)
            {
                writer.WriteStartObject(prefix + info.Name);
                writer.WriteString("dtype", dtype.ToString());
                writer.WriteStartArray("shape");
                foreach (int dim in info.Shape)
                {
                    writer.WriteNumberValue(dim);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue((long)info.Offset * size);
                writer.WriteNumberValue(((long)info.Offset + info.Length) * size);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        // Pad with spaces (JSON whitespace) so the data starts 8-byte aligned, as the reference writer does.
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        byte[] header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }
}

/// <summary>Safetensors load and save as methods of <see cref="ParameterSet{T}"/>; see <see cref="SafetensorsFile"/>.</summary>
public static class SafetensorsExtensions
{
    /// <summary>Loads the parameters from a safetensors file; see <see cref="SafetensorsFile.Load{T}(ParameterSet{T}, string, string)"/>.</summary>
    /// <param name="parameters">The parameters to fill; unchanged when the load fails.</param>
    /// <param name="path">The file.</param>
    /// <param name="prefix">Prepended to every parameter name, e.g. <c>"lstm."</c>; empty for none.</param>
    /// <returns>The file's <c>__metadata__</c>.</returns>
    public static IReadOnlyDictionary<string, string> LoadSafetensors<T>(this ParameterSet<T> parameters, string path, string prefix = "")
        where T : unmanaged, IFloatingPointIeee754<T>
        => SafetensorsFile.Load(parameters, path, prefix);

    /// <summary>Saves the parameters as a safetensors file; see <see cref="SafetensorsFile.Save{T}(ParameterSet{T}, string, string, IReadOnlyDictionary{string, string}?, SafetensorsDType?)"/>.</summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="path">The file; replaced when it exists.</param>
    /// <param name="prefix">Prepended to every parameter name, e.g. <c>"lstm."</c>; empty for none.</param>
    /// <param name="metadata">Strings for <c>__metadata__</c>, or null for none.</param>
    /// <param name="dtype">F32 or F64; null for the element type of <typeparamref name="T"/>.</param>
    public static void SaveSafetensors<T>(this ParameterSet<T> parameters, string path, string prefix = "",
        IReadOnlyDictionary<string, string>? metadata = null, SafetensorsDType? dtype = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        => SafetensorsFile.Save(parameters, path, prefix, metadata, dtype);
}
