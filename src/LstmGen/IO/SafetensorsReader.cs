using System.Buffers;
using System.Numerics;
using LstmGen.Training;

namespace LstmGen.IO;

/// <summary>The name, dtype and shape of one tensor of a safetensors file, as the file gives them.</summary>
/// <param name="Name">The full name, e.g. <c>fc.weight</c>.</param>
/// <param name="DType">The dtype as the file spells it, e.g. <c>F32</c> or <c>I64</c>.</param>
/// <param name="Shape">The dimensions (empty for a scalar).</param>
/// <param name="ElementCount">The product of the dimensions.</param>
public sealed record SafetensorsTensorInfo(string Name, string DType, IReadOnlyList<ulong> Shape, ulong ElementCount);

/// <summary>
/// A safetensors file opened once, checked whole, and read by parts: arbitrary tensors by name into spans, and whole
/// modules (a network's <see cref="ParameterSet{T}"/>, a <see cref="Linear{T}"/> head) under their prefixes, so one file
/// holds a whole model as PyTorch's <c>state_dict()</c> of a module does.
/// </summary>
/// <remarks>
/// <para>
/// Opening reads and checks the header as <see cref="SafetensorsFile"/> does (strict JSON, sizes, the tensors tiling
/// the data section exactly); each read then seeks to its tensor. A stream that cannot seek is read into memory first.
/// </para>
/// <para>
/// <see cref="Load{T}(ParameterSet{T}, string)"/> and <see cref="Load{T}(Linear{T}, string)"/> follow
/// <see cref="SafetensorsFile"/>'s rules: with a prefix, the tensors under it must be exactly the module's, with its
/// shapes, and the others are left alone; without a prefix, every tensor must be the module's. A failed load changes
/// nothing. F32, F64, F16 and BF16 tensors read into float or double.
/// </para>
/// <para>An instance reads from one stream: it is not safe to use from several threads at once.</para>
/// </remarks>
/// <example>
/// <code>
/// using var file = SafetensorsReader.Open("model.safetensors");
/// file.Load(net.Parameters, prefix: "lstm.");
/// file.Load(head, prefix: "fc.");
/// float[] mean = file.Read&lt;float&gt;("norm.mean");
/// </code>
/// </example>
public sealed class SafetensorsReader : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly long _dataStart;
    private readonly SafetensorsHeader _header;
    private readonly Dictionary<string, SafetensorsEntry> _entries;
    private bool _disposed;

    private SafetensorsReader(Stream stream, bool leaveOpen, string source)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _header = SafetensorsFile.ReadHeader(stream, source);
        _dataStart = stream.Position;
        _entries = _header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Tensors = [.. _header.Tensors.Select(t => new SafetensorsTensorInfo(t.Name, t.DType, t.Shape.AsReadOnly(), ElementCount(t)))];
    }

    /// <summary>The file's <c>__metadata__</c> (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Every tensor of the file, in the order of their data.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>Opens and checks a safetensors file; dispose the reader to close it.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="SafetensorsFormatException">The file is malformed.</exception>
    public static SafetensorsReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileStream stream = SafetensorsFile.OpenRead(path);
        return Open(stream, leaveOpen: false, SafetensorsFile.FileSource(path));
    }

    /// <summary>
    /// Opens and checks safetensors data from the stream's position to its end. A stream that cannot seek is read to
    /// its end into memory first.
    /// </summary>
    /// <param name="stream">The data.</param>
    /// <param name="leaveOpen">Whether disposing the reader leaves <paramref name="stream"/> open.</param>
    /// <exception cref="SafetensorsFormatException">The data is malformed.</exception>
    public static SafetensorsReader Open(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek)
        {
            return Open(stream, leaveOpen, "safetensors stream");
        }

        var copy = new MemoryStream();
        stream.CopyTo(copy);
        if (!leaveOpen)
        {
            stream.Dispose();
        }

        copy.Position = 0;
        return Open(copy, leaveOpen: false, "safetensors stream");
    }

    /// <summary>Whether the file holds a tensor of that full name.</summary>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _entries.ContainsKey(name);
    }

    /// <summary>Reads one tensor, converted, into <paramref name="destination"/>, which must hold exactly its elements.</summary>
    /// <param name="name">The tensor's full name, e.g. <c>fc.weight</c>.</param>
    /// <param name="destination">Where its elements go, row-major.</param>
    /// <exception cref="SafetensorsFormatException">The file has no such tensor, or its dtype is not F32, F64, F16 or BF16.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has another length.</exception>
    public void Read<T>(string name, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (SafetensorsEntry entry, SafetensorsDType dtype) = Find<T>(name);
        ulong count = ElementCount(entry);
        if ((ulong)destination.Length != count)
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"destination must have the {count} elements of tensor '{name}' {entry.ShapeText}, but has {destination.Length}."), nameof(destination));
        }

        _stream.Position = _dataStart + (long)entry.Begin;
        byte[] chunk = ArrayPool<byte>.Shared.Rent(SafetensorsFile.ChunkBytes);
        try
        {
            SafetensorsFile.ReadTensor(_stream, _header, entry, dtype, destination, chunk);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Reads one tensor, converted, into a new array.</summary>
    /// <param name="name">The tensor's full name, e.g. <c>fc.weight</c>.</param>
    /// <returns>Its elements, row-major.</returns>
    /// <exception cref="SafetensorsFormatException">The file has no such tensor, or its dtype is not F32, F64, F16 or BF16.</exception>
    public T[] Read<T>(string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (SafetensorsEntry entry, _) = Find<T>(name);
        // CheckOffsets placed the tensor within the file, so its element count is at most the file's length.
        var values = new T[checked((int)ElementCount(entry))];
        Read<T>(name, values);
        return values;
    }

    /// <summary>Loads a network's parameters stored under <c>prefix + name</c>; unchanged when the load fails.</summary>
    /// <param name="target">The parameters to fill.</param>
    /// <param name="prefix">Prepended to every parameter name, e.g. <c>"lstm."</c>; empty when the file holds only them.</param>
    /// <exception cref="SafetensorsFormatException">The tensors under the prefix are not exactly the network's.</exception>
    /// <exception cref="ArgumentException">The prefix lacks its dot (the message gives the right one).</exception>
    public void Load<T>(ParameterSet<T> target, string prefix = "")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(target);
        LoadModule<T>(SafetensorsModule.Of(target.Layout), target.Set, prefix);
    }

    /// <summary>Loads a <c>torch.nn.Linear</c> head stored as <c>prefix + "weight"</c> and <c>prefix + "bias"</c>; unchanged when the load fails.</summary>
    /// <param name="target">The head to fill.</param>
    /// <param name="prefix">Prepended to <c>weight</c> and <c>bias</c>, e.g. <c>"fc."</c>; empty when the file holds only the head.</param>
    /// <exception cref="SafetensorsFormatException">The tensors under the prefix are not exactly the head's.</exception>
    /// <exception cref="ArgumentException">The prefix lacks its dot (the message gives the right one).</exception>
    public void Load<T>(Linear<T> target, string prefix = "")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(target);
        LoadModule<T>(SafetensorsModule.Of(target), target.Set, prefix);
    }

    /// <summary>Closes the file (or the stream, unless it was opened with <c>leaveOpen</c>).</summary>
    public void Dispose()
    {
        if (!_disposed && !_leaveOpen)
        {
            _stream.Dispose();
        }

        _disposed = true;
    }

    private static SafetensorsReader Open(Stream stream, bool leaveOpen, string source)
    {
        try
        {
            return new SafetensorsReader(stream, leaveOpen, source);
        }
        catch when (!leaveOpen)
        {
            stream.Dispose();
            throw;
        }
    }

    private void LoadModule<T>(SafetensorsModule module, SafetensorsFile.SpanSetter<T> commit, string prefix)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(prefix);
        SafetensorsFile.EnsureSupported<T>();
        ObjectDisposedException.ThrowIf(_disposed, this);
        _stream.Position = _dataStart;
        commit(SafetensorsFile.ReadModule<T>(_stream, _header, module, prefix));
    }

    private (SafetensorsEntry Entry, SafetensorsDType DType) Find<T>(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        SafetensorsFile.EnsureSupported<T>();
        ObjectDisposedException.ThrowIf(_disposed, this);
        SafetensorsEntry entry = _entries.GetValueOrDefault(name) ?? throw _header.Error(
            $"no tensor '{name}'; it holds {SafetensorsFile.TensorNames(_header)}.", name);
        return (entry, SafetensorsFile.LoadableDType(_header, entry, "tensors read"));
    }

    // Bytes over element size: the header checked that they are the shape's product times that size.
    private static ulong ElementCount(SafetensorsEntry entry) => (entry.End - entry.Begin) / (ulong)SafetensorsDTypes.SizeOf(entry.DType);
}
