using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using LstmGen.Training;

namespace LstmGen.IO;

/// <summary>
/// Loads and saves a <see cref="ParameterSet{T}"/> or a <see cref="Linear{T}"/> head as a
/// <a href="https://github.com/huggingface/safetensors">safetensors</a> file under PyTorch's <c>state_dict</c> names
/// (<c>weight_ih_l0</c>, <c>bias_hh_l1_reverse</c>, <c>weight_hr_l0</c>, ...; <c>weight</c> and <c>bias</c> for a head),
/// so a model trained in PyTorch loads as it is, without native code. For several modules in one file (a network under
/// <c>lstm.</c> and its head under <c>fc.</c>), see <see cref="SafetensorsReader"/> and <see cref="SafetensorsWriter"/>.
/// </summary>
/// <remarks>
/// <para>
/// <b>Names and prefix.</b> A parameter is stored as <c>prefix + name</c>; for an LSTM kept as the attribute <c>lstm</c>
/// of a PyTorch module the prefix is <c>"lstm."</c> (it is used verbatim: include the dot). With a prefix, tensors whose
/// names do not start with it belong to other parts of the model and are skipped (they are still checked for size and
/// offsets). Without a prefix, every tensor of the file must be a parameter of the network (or of the head).
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
/// or F64), tensors in <see cref="ParameterLayout.Parameters"/> order (a head: weight, then bias), the header padded
/// with spaces to a multiple of 8 bytes as the reference implementation does. A save to a path writes a temporary file
/// beside it, flushes it to disk and moves it over the path, so a failure never leaves a half-written file.
/// </para>
/// </remarks>
public static class SafetensorsFile
{
    /// <summary>Largest header accepted, in bytes (the reference implementation's limit).</summary>
    public const int MaxHeaderLength = 100_000_000;

    /// <summary>Bytes read or written per call.</summary>
    internal const int ChunkBytes = 1 << 16;

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
        using FileStream stream = OpenRead(path);
        return LoadCore(target, stream, prefix, FileSource(path));
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
    /// Saves the parameters as a safetensors file. The file is written beside its final name, flushed to disk and then
    /// moved there, so a failure never leaves a half-written file under <paramref name="path"/>.
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
        Writer(metadata).Add(source, prefix, dtype).Save(path);
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
        Writer(metadata).Add(source, prefix, dtype).WriteTo(destination);
    }

    /// <summary>Loads a <c>torch.nn.Linear</c> head (<c>prefix + "weight"</c>, <c>prefix + "bias"</c>) from a safetensors file.</summary>
    /// <param name="target">The head to fill; unchanged when the load fails.</param>
    /// <param name="path">The file.</param>
    /// <param name="prefix">Prepended to <c>weight</c> and <c>bias</c>, e.g. <c>"fc."</c>; empty for none.</param>
    /// <returns>The file's <c>__metadata__</c> (empty when it has none).</returns>
    /// <exception cref="SafetensorsFormatException">The file is malformed or does not match the head.</exception>
    public static IReadOnlyDictionary<string, string> Load<T>(Linear<T> target, string path, string prefix = "")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(prefix);
        using FileStream stream = OpenRead(path);
        return LoadCore<T>(SafetensorsModule.Of(target), target.Set, stream, prefix, FileSource(path));
    }

    /// <summary>Loads a <c>torch.nn.Linear</c> head from a stream holding a safetensors file; see <see cref="Load{T}(ParameterSet{T}, Stream, string)"/>.</summary>
    /// <param name="target">The head to fill; unchanged when the load fails.</param>
    /// <param name="stream">The data, from its current position to its end; not closed.</param>
    /// <param name="prefix">Prepended to <c>weight</c> and <c>bias</c>, e.g. <c>"fc."</c>; empty for none.</param>
    /// <returns>The file's <c>__metadata__</c> (empty when it has none).</returns>
    /// <exception cref="SafetensorsFormatException">The data is malformed or does not match the head.</exception>
    public static IReadOnlyDictionary<string, string> Load<T>(Linear<T> target, Stream stream, string prefix = "")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(prefix);
        return LoadCore<T>(SafetensorsModule.Of(target), target.Set, stream, prefix, "safetensors stream");
    }

    /// <summary>Saves a <c>torch.nn.Linear</c> head as a safetensors file, as <see cref="Save{T}(ParameterSet{T}, string, string, IReadOnlyDictionary{string, string}?, SafetensorsDType?)"/> does.</summary>
    /// <param name="source">The head.</param>
    /// <param name="path">The file; replaced when it exists.</param>
    /// <param name="prefix">Prepended to <c>weight</c> and <c>bias</c>, e.g. <c>"fc."</c>; empty for none.</param>
    /// <param name="metadata">Strings for <c>__metadata__</c>, or null for none.</param>
    /// <param name="dtype">F32 or F64; null for the element type of <typeparamref name="T"/>.</param>
    public static void Save<T>(Linear<T> source, string path, string prefix = "", IReadOnlyDictionary<string, string>? metadata = null,
        SafetensorsDType? dtype = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(path);
        Writer(metadata).Add(source, prefix, dtype).Save(path);
    }

    /// <summary>Writes a <c>torch.nn.Linear</c> head as a safetensors file to a stream, which is not closed.</summary>
    /// <param name="source">The head.</param>
    /// <param name="destination">Where to write.</param>
    /// <param name="prefix">Prepended to <c>weight</c> and <c>bias</c>, e.g. <c>"fc."</c>; empty for none.</param>
    /// <param name="metadata">Strings for <c>__metadata__</c>, or null for none.</param>
    /// <param name="dtype">F32 or F64; null for the element type of <typeparamref name="T"/>.</param>
    public static void Save<T>(Linear<T> source, Stream destination, string prefix = "", IReadOnlyDictionary<string, string>? metadata = null,
        SafetensorsDType? dtype = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        Writer(metadata).Add(source, prefix, dtype).WriteTo(destination);
    }

    private static SafetensorsWriter Writer(IReadOnlyDictionary<string, string>? metadata)
    {
        var writer = new SafetensorsWriter();
        foreach (KeyValuePair<string, string> pair in metadata ?? new Dictionary<string, string>())
        {
            writer.Metadata[pair.Key] = pair.Value;
        }

        return writer;
    }

    internal static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkBytes, FileOptions.SequentialScan);

    internal static string FileSource(string path) => $"safetensors file '{path}'";

    internal static void EnsureSupported<T>()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException($"Safetensors IO supports float and double parameters, not {typeof(T).Name}.");
        }
    }

    private static IReadOnlyDictionary<string, string> LoadCore<T>(ParameterSet<T> target, Stream stream, string prefix, string source)
        where T : unmanaged, IFloatingPointIeee754<T>
        => LoadCore<T>(SafetensorsModule.Of(target.Layout), target.Set, stream, prefix, source);

    private static IReadOnlyDictionary<string, string> LoadCore<T>(SafetensorsModule module, SpanSetter<T> commit, Stream stream, string prefix, string source)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        EnsureSupported<T>();
        SafetensorsHeader header = ReadHeader(stream, source);
        T[] staging = ReadModule<T>(stream, header, module, prefix);
        if (!stream.CanSeek && stream.ReadByte() >= 0)
        {
            throw header.Error("bytes follow the last tensor's data; safetensors data has no trailing bytes.");
        }

        // Set bumps the version after the copy, so a kernel that repacked while it ran repacks again.
        commit(staging);
        return header.Metadata;
    }

    /// <summary>Writes a whole module's values when a load passed every check (<c>ParameterSet.Set</c>, <c>Linear.Set</c>).</summary>
    internal delegate void SpanSetter<T>(ReadOnlySpan<T> values);

    /// <summary>
    /// Reads and checks the length and the header of safetensors data at the stream's position, and the offsets against
    /// the length of a seekable stream; the stream is left at the start of the data section.
    /// </summary>
    internal static SafetensorsHeader ReadHeader(Stream stream, string source)
    {
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
        return header;
    }

    /// <summary>
    /// Reads one module from the data section at the stream's position: matches the tensors under the prefix and
    /// converts them into a new buffer in the module's layout, in offset order, skipping the others.
    /// </summary>
    internal static T[] ReadModule<T>(Stream stream, SafetensorsHeader header, SafetensorsModule module, string prefix)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Dictionary<SafetensorsEntry, (TensorSlot Slot, SafetensorsDType DType)> plan = Match(module, header, prefix);
        T[] staging = new T[module.Length];
        ReadData(stream, header, plan, staging);
        return staging;
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
    private static Dictionary<SafetensorsEntry, (TensorSlot Slot, SafetensorsDType DType)> Match(SafetensorsModule module, SafetensorsHeader header, string prefix)
    {
        // A module attribute's prefix ends with its dot; without it every name would lack one and nothing would match.
        if (prefix.Length > 0 && !prefix.EndsWith('.') && header.Tensors.FirstOrDefault(t => t.Name.StartsWith(prefix + ".", StringComparison.Ordinal)) is { } dotted)
        {
            throw new ArgumentException(
                $"prefix '{prefix}' lacks its dot: the file names its tensors like '{dotted.Name}', so the prefix is \"{prefix}.\".", nameof(prefix));
        }

        var plan = new Dictionary<SafetensorsEntry, (TensorSlot, SafetensorsDType)>(ReferenceEqualityComparer.Instance);
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (SafetensorsEntry entry in header.Tensors)
        {
            if (!entry.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            string name = entry.Name[prefix.Length..];
            TensorSlot slot = module.Find(name) ?? throw header.Error(
                $"unexpected tensor '{entry.Name}': {module.Description} has no parameter '{name}'; expected {ExpectedNames(module, prefix)}{PrefixHint(module, header, prefix)}.", entry.Name);
            SafetensorsDType dtype = LoadableDType(header, entry, "parameters load");
            int[] shape = slot.Shape;
            if (entry.Shape.Length != shape.Length || !entry.Shape.AsSpan().SequenceEqual(Array.ConvertAll(shape, d => (ulong)d)))
            {
                throw header.Error($"tensor '{entry.Name}' has shape {entry.ShapeText}, but {module.Description} needs [{string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))}].", entry.Name);
            }

            plan.Add(entry, (slot, dtype));
            found.Add(name);
        }

        List<TensorSlot> missing = [.. module.Slots.Where(p => !found.Contains(p.Name))];
        if (missing.Count > 0)
        {
            string first = prefix + missing[0].Name;
            throw header.Error(FormattableString.Invariant(
                $"missing tensor '{first}' (the file lacks {missing.Count} of the {module.Slots.Count} parameters of {module.Description}: {string.Join(", ", missing.Take(6).Select(p => prefix + p.Name))}{(missing.Count > 6 ? ", ..." : "")}); it holds {TensorNames(header)}."), first);
        }

        return plan;
    }

    /// <summary>The dtype of a tensor to be converted into float or double, or an error saying what <paramref name="what"/> takes.</summary>
    internal static SafetensorsDType LoadableDType(SafetensorsHeader header, SafetensorsEntry entry, string what) =>
        SafetensorsDTypes.Parse(entry.DType) ?? throw header.Error(
            $"tensor '{entry.Name}' has dtype {entry.DType}, but {what} from F32, F64, F16 or BF16.", entry.Name);

    // A tensor like "lstm.weight_ih_l0" whose last part is a parameter: the file is a module's state_dict, and the
    // network is its submodule, loaded with that prefix (not suggested when it is the prefix given).
    private static string PrefixHint(SafetensorsModule module, SafetensorsHeader header, string prefix)
    {
        foreach (SafetensorsEntry t in header.Tensors)
        {
            int dot = t.Name.LastIndexOf('.');
            if (dot > 0 && module.Find(t.Name[(dot + 1)..]) is not null && t.Name[..(dot + 1)] != prefix)
            {
                return $" (the file holds a module's state_dict: pass prefix \"{t.Name[..(dot + 1)]}\")";
            }
        }

        return "";
    }

    private static string ExpectedNames(SafetensorsModule module, string prefix) =>
        string.Join(", ", module.Slots.Select(p => "'" + prefix + p.Name + "'"));

    internal static string TensorNames(SafetensorsHeader header) => header.Tensors.Count == 0
        ? "no tensors"
        : FormattableString.Invariant($"{header.Tensors.Count} tensors: ") + string.Join(", ", header.Tensors.Take(8).Select(t => "'" + t.Name + "'"))
            + (header.Tensors.Count > 8 ? ", ..." : "");

    // Reads the data section in offset order, converting the parameters into staging and skipping other tensors.
    private static void ReadData<T>(Stream stream, SafetensorsHeader header, Dictionary<SafetensorsEntry, (TensorSlot Slot, SafetensorsDType DType)> plan, T[] staging)
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

                ReadTensor(stream, header, entry, target.DType, staging.AsSpan(target.Slot.Offset, target.Slot.Length), chunk);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Reads and converts one tensor's data from the stream's position, through a chunk of <see cref="ChunkBytes"/>.</summary>
    internal static void ReadTensor<T>(Stream stream, SafetensorsHeader header, SafetensorsEntry entry, SafetensorsDType dtype, Span<T> destination, byte[] chunk)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = SafetensorsDTypes.SizeOf(dtype);
        int perChunk = ChunkBytes / size;
        for (int start = 0; start < destination.Length; start += perChunk)
        {
            int count = Math.Min(perChunk, destination.Length - start);
            Span<byte> bytes = chunk.AsSpan(0, count * size);
            ReadExactly(stream, header, entry, bytes);
            Decode(dtype, bytes, destination.Slice(start, count));
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

    /// <summary>Loads a <c>torch.nn.Linear</c> head from a safetensors file; see <see cref="SafetensorsFile.Load{T}(Linear{T}, string, string)"/>.</summary>
    /// <param name="head">The head to fill; unchanged when the load fails.</param>
    /// <param name="path">The file.</param>
    /// <param name="prefix">Prepended to <c>weight</c> and <c>bias</c>, e.g. <c>"fc."</c>; empty for none.</param>
    /// <returns>The file's <c>__metadata__</c>.</returns>
    public static IReadOnlyDictionary<string, string> LoadSafetensors<T>(this Linear<T> head, string path, string prefix = "")
        where T : unmanaged, IFloatingPointIeee754<T>
        => SafetensorsFile.Load(head, path, prefix);

    /// <summary>Saves a <c>torch.nn.Linear</c> head as a safetensors file; see <see cref="SafetensorsFile.Save{T}(Linear{T}, string, string, IReadOnlyDictionary{string, string}?, SafetensorsDType?)"/>.</summary>
    /// <param name="head">The head.</param>
    /// <param name="path">The file; replaced when it exists.</param>
    /// <param name="prefix">Prepended to <c>weight</c> and <c>bias</c>, e.g. <c>"fc."</c>; empty for none.</param>
    /// <param name="metadata">Strings for <c>__metadata__</c>, or null for none.</param>
    /// <param name="dtype">F32 or F64; null for the element type of <typeparamref name="T"/>.</param>
    public static void SaveSafetensors<T>(this Linear<T> head, string path, string prefix = "",
        IReadOnlyDictionary<string, string>? metadata = null, SafetensorsDType? dtype = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        => SafetensorsFile.Save(head, path, prefix, metadata, dtype);
}
