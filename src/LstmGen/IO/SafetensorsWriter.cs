using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using LstmGen.Training;

namespace LstmGen.IO;

/// <summary>
/// Collects tensors (whole modules under their PyTorch names, or arbitrary named tensors) and writes them as one
/// safetensors file: a whole model, e.g. a network under <c>lstm.</c> and its head under <c>fc.</c>, as PyTorch's
/// <c>state_dict()</c> of a module holding both names them.
/// </summary>
/// <remarks>
/// <see cref="Add{T}(ParameterSet{T}, string, SafetensorsDType?)"/> and the other adds copy the values when they are
/// called, so later training does not change what is written. Tensors are written in the order they were added,
/// contiguous, after a header padded with spaces to a multiple of 8 bytes, as the reference implementation does.
/// <see cref="Save(string)"/> never leaves a half-written file: it writes a temporary file in the same directory,
/// flushes it to disk and moves it over the path.
/// </remarks>
/// <example>
/// <code>
/// new SafetensorsWriter { Metadata = { ["format"] = "pt" } }
///     .Add(net.Parameters, prefix: "lstm.")
///     .Add(head, prefix: "fc.")
///     .Save("model.safetensors");
/// </code>
/// </example>
public sealed class SafetensorsWriter
{
    private const string MetadataKey = "__metadata__";

    private readonly List<(string Name, string DType, int[] Shape, byte[] Data)> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Strings written as <c>__metadata__</c> (PyTorch tools often expect <c>format: pt</c>); empty for none.</summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The names of the tensors added so far, in the order they will be written.</summary>
    public IEnumerable<string> Names => _tensors.Select(t => t.Name);

    /// <summary>Adds a network's parameters under <c>prefix + name</c>, in <see cref="ParameterLayout.Parameters"/> order.</summary>
    /// <param name="parameters">The parameters; their values are copied now.</param>
    /// <param name="prefix">Prepended to every parameter name, e.g. <c>"lstm."</c>; empty for none.</param>
    /// <param name="dtype">F32 or F64; null for the element type of <typeparamref name="T"/>.</param>
    /// <returns>This writer.</returns>
    /// <exception cref="ArgumentException">A name is already taken, or the dtype is not F32 or F64.</exception>
    public SafetensorsWriter Add<T>(ParameterSet<T> parameters, string prefix = "", SafetensorsDType? dtype = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return AddModule(SafetensorsModule.Of(parameters.Layout), parameters.Values, prefix, dtype);
    }

    /// <summary>Adds a <c>torch.nn.Linear</c> head as <c>prefix + "weight"</c> (out, in) and <c>prefix + "bias"</c> (out).</summary>
    /// <param name="head">The head; its values are copied now.</param>
    /// <param name="prefix">Prepended to <c>weight</c> and <c>bias</c>, e.g. <c>"fc."</c>; empty for none.</param>
    /// <param name="dtype">F32 or F64; null for the element type of <typeparamref name="T"/>.</param>
    /// <returns>This writer.</returns>
    /// <exception cref="ArgumentException">A name is already taken, or the dtype is not F32 or F64.</exception>
    public SafetensorsWriter Add<T>(Linear<T> head, string prefix = "", SafetensorsDType? dtype = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(head);
        return AddModule(SafetensorsModule.Of(head), head.Values, prefix, dtype);
    }

    /// <summary>Adds one tensor by name, e.g. a step counter or a normalisation's mean.</summary>
    /// <param name="name">The tensor's full name.</param>
    /// <param name="values">The elements, row-major; copied now.</param>
    /// <param name="shape">The dimensions; their product is the length of <paramref name="values"/> (empty: a scalar).</param>
    /// <param name="dtype">F32 or F64; null for the element type of <typeparamref name="T"/>.</param>
    /// <returns>This writer.</returns>
    /// <exception cref="ArgumentException">The name is empty or taken, the shape does not fit the values, or the dtype is not F32 or F64.</exception>
    public SafetensorsWriter Add<T>(string name, ReadOnlySpan<T> values, ReadOnlySpan<int> shape, SafetensorsDType? dtype = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckName(name, nameof(name));
        long count = 1;
        foreach (int dim in shape)
        {
            if (dim < 0)
            {
                throw new ArgumentException($"shape {ShapeText(shape)} of tensor '{name}' has a negative dimension.", nameof(shape));
            }

            count = Math.Min(count * dim, int.MaxValue + 1L);
        }

        if (count != values.Length)
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"values must have the {count} elements of shape {ShapeText(shape)} for tensor '{name}', but has {values.Length}."), nameof(values));
        }

        SafetensorsDType type = Resolve<T>(dtype);
        _names.Add(name);
        _tensors.Add((name, type.ToString(), shape.ToArray(), Encode(values, type)));
        return this;
    }

    /// <summary>
    /// Writes the file. A temporary file in the same directory is written, flushed to disk and moved over
    /// <paramref name="path"/>, so a failure leaves any file already there as it was, and no temporary file behind.
    /// </summary>
    /// <param name="path">The file; replaced when it exists.</param>
    public void Save(string path) => Save(path, static stream => stream);

    /// <summary>Writes the file to a stream, which is not closed.</summary>
    /// <param name="destination">Where to write.</param>
    public void WriteTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        byte[] header = BuildHeader();
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        destination.Write(length);
        destination.Write(header);
        foreach (var tensor in _tensors)
        {
            destination.Write(tensor.Data);
        }
    }

    // The seam of the tests: wrap puts a stream between the writer and the temporary file (one that fails midway).
    internal void Save(string path, Func<Stream, Stream> wrap) => AtomicFile.Write(path, file => WriteTo(wrap(file)));

    private SafetensorsWriter AddModule<T>(SafetensorsModule module, ReadOnlySpan<T> values, string prefix, SafetensorsDType? dtype)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(prefix);
        SafetensorsDType type = Resolve<T>(dtype);
        // Every name is checked before any is added, so a failed add adds nothing.
        foreach (TensorSlot slot in module.Slots)
        {
            CheckName(prefix + slot.Name, nameof(prefix));
        }

        foreach (TensorSlot slot in module.Slots)
        {
            _names.Add(prefix + slot.Name);
            _tensors.Add((prefix + slot.Name, type.ToString(), slot.Shape, Encode(values.Slice(slot.Offset, slot.Length), type)));
        }

        return this;
    }

    private void CheckName(string name, string argument)
    {
        ArgumentNullException.ThrowIfNull(name, argument);
        if (name.Length == 0 || name == MetadataKey)
        {
            throw new ArgumentException(
                $"'{name}' cannot name a tensor: a tensor name is not empty and not {MetadataKey}, the key of the header's metadata.", argument);
        }

        if (_names.Contains(name))
        {
            throw new ArgumentException($"the writer already holds a tensor '{name}'; a file names each tensor once (use another prefix).", argument);
        }
    }

    private static SafetensorsDType Resolve<T>(SafetensorsDType? requested)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SafetensorsFile.EnsureSupported<T>();
        SafetensorsDType dtype = requested ?? (typeof(T) == typeof(float) ? SafetensorsDType.F32 : SafetensorsDType.F64);
        if (dtype != SafetensorsDType.F32 && dtype != SafetensorsDType.F64)
        {
            throw new ArgumentException($"Parameters are saved as F32 or F64, not {dtype}: 16-bit types would round them.", nameof(dtype));
        }

        return dtype;
    }

    private static byte[] Encode<T>(ReadOnlySpan<T> values, SafetensorsDType dtype)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = SafetensorsDTypes.SizeOf(dtype);
        byte[] bytes = new byte[checked(values.Length * size)];
        for (int i = 0; i < values.Length; i++)
        {
            // Little-endian on every host; float to double is exact, double to float rounds to nearest.
            if (dtype == SafetensorsDType.F32)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), float.CreateTruncating(values[i]));
            }
            else
            {
                BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), double.CreateTruncating(values[i]));
            }
        }

        return bytes;
    }

    private byte[] BuildHeader()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (Metadata.Count > 0)
            {
                writer.WriteStartObject(MetadataKey);
                foreach (KeyValuePair<string, string> pair in Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(pair.Key, pair.Value ?? throw new ArgumentException($"Metadata '{pair.Key}' is null; metadata values are strings.", "metadata"));
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in _tensors)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", tensor.DType);
                writer.WriteStartArray("shape");
                foreach (int dim in tensor.Shape)
                {
                    writer.WriteNumberValue(dim);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + tensor.Data.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += tensor.Data.Length;
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

    private static string ShapeText(ReadOnlySpan<int> shape)
    {
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(", ", parts) + "]";
    }
}
