using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;
using LstmGen.IO;
using LstmGen.Testing;
using LstmGen.Training;

namespace LstmGen.Tests.IO;

/// <summary>
/// A whole model in one file: PyTorch's <c>{lstm: LSTM(3, 5, 2), fc: Linear(5, 2)}</c> state_dict (lstm_fc.safetensors,
/// made by tests/fixtures/safetensors/make_model_fixture.py) loads through <see cref="SafetensorsReader"/> and
/// reproduces PyTorch's outputs; <see cref="SafetensorsWriter"/> writes such files; Linear heads save and load alone.
/// </summary>
public class WholeModelSafetensorsTests
{
    private static readonly RecurrentConfig LstmConfig = new(CellKind.Lstm, 3, 5, numLayers: 2);

    private static string ModelFile => Path.Combine(SafetensorsFixture.Directory, "lstm_fc.safetensors");

    [Fact]
    public void PyTorch_model_loads_network_and_head_from_one_file_in_float() => AssertReproducesPyTorch<float>(FixtureRunner.FloatRelative);

    [Fact]
    public void PyTorch_model_loads_network_and_head_from_one_file_in_double() => AssertReproducesPyTorch<double>(FixtureRunner.DoubleRelative);

    [Fact]
    public void A_head_loads_alone_from_a_file_path_and_a_stream()
    {
        var fromReader = new Linear<float>(5, 2);
        using (SafetensorsReader reader = SafetensorsReader.Open(ModelFile))
        {
            reader.Load(fromReader, "fc.");
        }

        var fromPath = new Linear<float>(5, 2);
        Assert.Equal("pt", fromPath.LoadSafetensors(ModelFile, prefix: "fc.")["format"]);
        var fromStream = new Linear<float>(5, 2);
        using (FileStream stream = File.OpenRead(ModelFile))
        {
            SafetensorsFile.Load(fromStream, stream, "fc.");
        }

        RawTensor weight = RawSafetensors.Tensors(File.ReadAllBytes(ModelFile)).Single(t => t.Name == "fc.weight");
        Assert.Equal(MemoryMarshal.Cast<byte, float>(weight.Bytes).ToArray(), fromReader.Weight.ToArray());
        Assert.Equal(fromReader.Values.ToArray(), fromPath.Values.ToArray());
        Assert.Equal(fromReader.Values.ToArray(), fromStream.Values.ToArray());
    }

    [Fact]
    public void Writer_saves_network_and_head_as_PyTorch_did_and_they_reload_bit_exact()
    {
        (ParameterSet<float> net, Linear<float> head) = LoadModel<float>();
        string path = TempPath();
        try
        {
            new SafetensorsWriter { Metadata = { ["format"] = "pt" } }.Add(net, "lstm.").Add(head, "fc.").Save(path);

            // Read back independently of the library: PyTorch's tensors, byte for byte, and nothing else.
            Dictionary<string, RawTensor> original = RawSafetensors.Tensors(File.ReadAllBytes(ModelFile)).ToDictionary(t => t.Name);
            List<RawTensor> written = RawSafetensors.Tensors(File.ReadAllBytes(path));
            Assert.Equal(original.Keys.Order(StringComparer.Ordinal), written.Select(t => t.Name).Order(StringComparer.Ordinal));
            foreach (RawTensor t in written)
            {
                Assert.Equal(original[t.Name].Shape, t.Shape);
                Assert.True(original[t.Name].Bytes.AsSpan().SequenceEqual(t.Bytes), $"{t.Name}: saved bytes differ from PyTorch's.");
            }

            var net2 = new ParameterSet<float>(net.Layout);
            var head2 = new Linear<float>(5, 2);
            using (SafetensorsReader reader = SafetensorsReader.Open(path))
            {
                Assert.Equal("pt", reader.Metadata["format"]);
                reader.Load(net2, "lstm.");
                reader.Load(head2, "fc.");
            }

            SafetensorsTests.AssertBitEqual(net, net2);
            Assert.Equal(head.Values.ToArray(), head2.Values.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Reader_reads_any_tensor_by_name()
    {
        byte[] file = File.ReadAllBytes(ModelFile);
        List<RawTensor> raw = RawSafetensors.Tensors(file);
        using SafetensorsReader reader = SafetensorsReader.Open(new MemoryStream(file));
        Assert.Equal(raw.Select(t => t.Name), reader.Tensors.Select(t => t.Name));
        Assert.Equal(raw.Select(t => t.Shape.Select(d => (ulong)d)), reader.Tensors.Select(t => t.Shape));
        Assert.All(reader.Tensors, t => Assert.Equal("F32", t.DType));
        Assert.Equal(20UL * 5, reader.Tensors.Single(t => t.Name == "lstm.weight_hh_l1").ElementCount);
        Assert.True(reader.Contains("fc.bias"));
        Assert.False(reader.Contains("fc.Bias"));

        // In any order, into a span or a new array, as float or widened to double.
        foreach (RawTensor t in Enumerable.Reverse(raw))
        {
            float[] expected = MemoryMarshal.Cast<byte, float>(t.Bytes).ToArray();
            Span<float> floats = new float[expected.Length];
            reader.Read(t.Name, floats);
            Assert.Equal(expected, floats.ToArray());
            Assert.Equal(expected.Select(v => (double)v), reader.Read<double>(t.Name));
        }
    }

    [Fact]
    public void Reader_reads_half_precision_tensors_and_forward_only_streams()
    {
        // gru_f16: the values the ParameterSet load gives (exact widening) are those the reader gives.
        SafetensorsFixture f = SafetensorsFixture.Load("gru_f16");
        ParameterSet<float> parameters = f.NewParameters<float>();
        parameters.LoadSafetensors(f.FilePath);
        using SafetensorsReader reader = SafetensorsReader.Open(new MalformedSafetensorsTests.ForwardOnlyStream(File.ReadAllBytes(f.FilePath)));
        Assert.All(reader.Tensors, t => Assert.Equal("F16", t.DType));
        foreach (ParameterInfo p in parameters.Layout.Parameters)
        {
            Assert.Equal(parameters[p.Name].ToArray(), reader.Read<float>(p.Name));
        }
    }

    [Fact]
    public void Reading_errors_name_the_tensor_and_what_was_expected()
    {
        using SafetensorsReader reader = SafetensorsReader.Open(ModelFile);
        var missing = Assert.Throws<SafetensorsFormatException>(() => reader.Read<float>("fc.weigth"));
        Assert.Equal("fc.weigth", missing.TensorName);
        Assert.StartsWith($"safetensors file '{ModelFile}': no tensor 'fc.weigth'; it holds 10 tensors: 'fc.bias', 'fc.weight', ", missing.Message, StringComparison.Ordinal);

        var length = Assert.Throws<ArgumentException>(() => reader.Read("fc.weight", new float[9]));
        Assert.Equal("destination", length.ParamName);
        Assert.StartsWith("destination must have the 10 elements of tensor 'fc.weight' [2, 5], but has 9.", length.Message, StringComparison.Ordinal);

        // An int64 buffer (PyTorch's num_batches_tracked, or this file's step counter) is not read as floats.
        using SafetensorsReader withSteps = SafetensorsReader.Open(SafetensorsFixture.Load("lstm_bi_proj").FilePath);
        var dtype = Assert.Throws<SafetensorsFormatException>(() => withSteps.Read<double>("steps"));
        Assert.Equal("steps", dtype.TensorName);
        Assert.EndsWith("tensor 'steps' has dtype I64, but tensors read from F32, F64, F16 or BF16.", dtype.Message, StringComparison.Ordinal);

        reader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => reader.Read<float>("fc.bias"));
        Assert.Throws<ObjectDisposedException>(() => reader.Load(new Linear<float>(5, 2), "fc."));
    }

    [Fact]
    public void A_head_of_another_shape_is_refused_naming_tensor_and_shape()
    {
        using SafetensorsReader reader = SafetensorsReader.Open(ModelFile);
        foreach ((Linear<float> head, string tensor, string message) in new[]
        {
            (new Linear<float>(4, 2, seed: 8), "fc.weight", "tensor 'fc.weight' has shape [2, 5], but Linear(inFeatures=4, outFeatures=2, bias=True) needs [2, 4]."),
            (new Linear<float>(5, 3, seed: 8), "fc.bias", "tensor 'fc.bias' has shape [2], but Linear(inFeatures=5, outFeatures=3, bias=True) needs [3]."),
        })
        {
            float[] before = head.Values.ToArray();
            var e = Assert.Throws<SafetensorsFormatException>(() => reader.Load(head, "fc."));
            Assert.Equal(tensor, e.TensorName);
            Assert.EndsWith(message, e.Message, StringComparison.Ordinal);
            Assert.Equal(before, head.Values.ToArray());
        }
    }

    [Fact]
    public void A_head_without_bias_and_a_file_without_bias_do_not_mix()
    {
        using SafetensorsReader reader = SafetensorsReader.Open(ModelFile);
        var extra = Assert.Throws<SafetensorsFormatException>(() => reader.Load(new Linear<float>(5, 2, bias: false), "fc."));
        Assert.Equal("fc.bias", extra.TensorName);
        Assert.Contains("unexpected tensor 'fc.bias': Linear(inFeatures=5, outFeatures=2, bias=False) has no parameter 'bias'; expected 'fc.weight'.", extra.Message, StringComparison.Ordinal);

        // Without bias, the head round-trips as weight alone.
        var bare = new Linear<double>(4, 3, bias: false, seed: 2);
        var stream = new MemoryStream();
        SafetensorsFile.Save(bare, stream, "head.");
        Assert.Equal(["head.weight"], RawSafetensors.Tensors(stream.ToArray()).Select(t => t.Name));
        var withBias = new Linear<double>(4, 3, seed: 3);
        stream.Position = 0;
        var missing = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Load(withBias, stream, "head."));
        Assert.Equal("head.bias", missing.TensorName);
        Assert.Contains("missing tensor 'head.bias' (the file lacks 1 of the 2 parameters of Linear(inFeatures=4, outFeatures=3, bias=True): head.bias); it holds 1 tensors: 'head.weight'.", missing.Message, StringComparison.Ordinal);
        var back = new Linear<double>(4, 3, bias: false);
        stream.Position = 0;
        SafetensorsFile.Load(back, stream, "head.");
        Assert.Equal(bare.Values.ToArray(), back.Values.ToArray());
    }

    [Fact]
    public void Prefix_mistakes_are_named_with_the_right_prefix()
    {
        var head = new Linear<float>(5, 2);
        using SafetensorsReader reader = SafetensorsReader.Open(ModelFile);
        var dot = Assert.Throws<ArgumentException>(() => reader.Load(head, "fc"));
        Assert.Equal("prefix", dot.ParamName);
        Assert.StartsWith("prefix 'fc' lacks its dot: the file names its tensors like 'fc.bias', so the prefix is \"fc.\".", dot.Message, StringComparison.Ordinal);

        var none = Assert.Throws<SafetensorsFormatException>(() => head.LoadSafetensors(ModelFile));
        Assert.Contains("unexpected tensor 'fc.bias'", none.Message, StringComparison.Ordinal);
        Assert.EndsWith("(the file holds a module's state_dict: pass prefix \"fc.\").", none.Message, StringComparison.Ordinal);

        var lstm = Assert.Throws<ArgumentException>(() => reader.Load(new ParameterSet<float>(new ParameterLayout(LstmConfig)), "lstm"));
        Assert.Equal("prefix", lstm.ParamName);
        Assert.StartsWith("prefix 'lstm' lacks its dot: the file names its tensors like 'lstm.bias_hh_l0', so the prefix is \"lstm.\".", lstm.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Writer_refuses_names_twice_reserved_or_empty_and_shapes_that_do_not_fit()
    {
        var writer = new SafetensorsWriter().Add(new Linear<float>(2, 3), "fc.");
        var twice = Assert.Throws<ArgumentException>(() => writer.Add(new Linear<float>(2, 3), "fc."));
        Assert.Equal("prefix", twice.ParamName);
        Assert.StartsWith("the writer already holds a tensor 'fc.weight'; a file names each tensor once (use another prefix).", twice.Message, StringComparison.Ordinal);
        Assert.Equal(["fc.weight", "fc.bias"], writer.Names);

        // A module whose second name collides adds neither.
        writer.Add("head.bias", [1f], [1]);
        Assert.Throws<ArgumentException>(() => writer.Add(new Linear<float>(2, 3), "head."));
        Assert.Equal(["fc.weight", "fc.bias", "head.bias"], writer.Names);

        var reserved = Assert.Throws<ArgumentException>(() => writer.Add("__metadata__", [1.0], []));
        Assert.Equal("name", reserved.ParamName);
        Assert.StartsWith("'__metadata__' cannot name a tensor: a tensor name is not empty and not __metadata__", reserved.Message, StringComparison.Ordinal);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => writer.Add("", [1.0], [])).ParamName);

        var size = Assert.Throws<ArgumentException>(() => writer.Add("x", new float[5], [2, 3]));
        Assert.Equal("values", size.ParamName);
        Assert.StartsWith("values must have the 6 elements of shape [2, 3] for tensor 'x', but has 5.", size.Message, StringComparison.Ordinal);
        var negative = Assert.Throws<ArgumentException>(() => writer.Add("x", new float[2], [-1, -2]));
        Assert.Equal("shape", negative.ParamName);
        Assert.StartsWith("shape [-1, -2] of tensor 'x' has a negative dimension.", negative.Message, StringComparison.Ordinal);

        var half = Assert.Throws<ArgumentException>(() => writer.Add(new Linear<float>(2, 3), "h.", SafetensorsDType.BF16));
        Assert.Equal("dtype", half.ParamName);
        Assert.StartsWith("Parameters are saved as F32 or F64, not BF16: 16-bit types would round them.", half.Message, StringComparison.Ordinal);

        // A null metadata value fails before a byte is written.
        var stream = new MemoryStream();
        var nullValue = Assert.Throws<ArgumentException>(() => new SafetensorsWriter { Metadata = { ["note"] = null! } }.WriteTo(stream));
        Assert.Equal("metadata", nullValue.ParamName);
        Assert.StartsWith("Metadata 'note' is null; metadata values are strings.", nullValue.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.Length);

        // Only float and double convert, on either side.
        var type = Assert.Throws<NotSupportedException>(() => writer.Add("h", [Half.One], [1]));
        Assert.Equal("Safetensors IO supports float and double parameters, not Half.", type.Message);
        using SafetensorsReader reader = SafetensorsReader.Open(ModelFile);
        Assert.Equal(type.Message, Assert.Throws<NotSupportedException>(() => reader.Read<Half>("fc.bias")).Message);

        var set = Assert.Throws<ArgumentException>(() => new Linear<float>(2, 3).Set(new float[8]));
        Assert.Equal("values", set.ParamName);
        Assert.StartsWith("values must have the 9 elements of W (3x2) and b, but has 8.", set.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Writer_writes_named_tensors_scalars_and_metadata_that_the_reader_reads()
    {
        var stream = new MemoryStream();
        var writer = new SafetensorsWriter { Metadata = { ["epoch"] = "12", ["format"] = "pt" } };
        writer.Add("norm.mean", [0.5, -1.25, 3.0], [3]).Add("step", [7.0], [], SafetensorsDType.F32).Add("grid", ReadOnlySpan<float>.Empty, [2, 0, 3]).WriteTo(stream);
        byte[] bytes = stream.ToArray();
        Assert.Equal(0, BitConverter.ToInt64(bytes, 0) % 8);
        using SafetensorsReader reader = SafetensorsReader.Open(new MemoryStream(bytes));
        Assert.Equal(new Dictionary<string, string> { ["epoch"] = "12", ["format"] = "pt" }, reader.Metadata);
        Assert.Equal([0.5, -1.25, 3.0], reader.Read<double>("norm.mean"));
        Assert.Equal([7f], reader.Read<float>("step"));
        Assert.Equal(("F32", 0UL), (reader.Tensors[1].DType, (ulong)reader.Tensors[1].Shape.Count));
        Assert.Equal([2UL, 0, 3], reader.Tensors[2].Shape);
        Assert.Empty(reader.Read<float>("grid"));
    }

    [Fact]
    public void A_save_that_fails_midway_leaves_the_old_file_as_it_was_and_no_temporary_file()
    {
        string directory = Directory.CreateTempSubdirectory("lstmgen-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.safetensors");
            (ParameterSet<float> net, Linear<float> head) = LoadModel<float>();
            new SafetensorsWriter().Add(net, "lstm.").Add(head, "fc.").Save(path);
            byte[] old = File.ReadAllBytes(path);

            // The second save dies after 100 bytes, as a full disk would.
            var writer = new SafetensorsWriter().Add(new Linear<float>(5, 2, seed: 1), "fc.");
            var e = Assert.Throws<IOException>(() => writer.Save(path, stream => new FailingStream(stream, failAfter: 100)));
            Assert.Equal("disk full (test)", e.Message);
            Assert.Equal(old, File.ReadAllBytes(path));
            Assert.Equal([path], Directory.GetFiles(directory));

            // A path that cannot be replaced (a directory) fails too, and leaves no temporary file either.
            string blocked = Path.Combine(directory, "blocked.safetensors");
            Directory.CreateDirectory(blocked);
            Assert.ThrowsAny<IOException>(() => writer.Save(blocked));
            Assert.Equal([path], Directory.GetFiles(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_save_replaces_a_longer_file_whole()
    {
        string path = TempPath();
        try
        {
            File.WriteAllBytes(path, new byte[10_000]);
            var head = new Linear<double>(3, 2, seed: 5);
            head.SaveSafetensors(path, "fc.", dtype: SafetensorsDType.F32);
            var stream = new MemoryStream();
            SafetensorsFile.Save(head, stream, "fc.", dtype: SafetensorsDType.F32);
            Assert.Equal(stream.ToArray(), File.ReadAllBytes(path));
            var back = new Linear<double>(3, 2);
            back.LoadSafetensors(path, "fc.");
            Assert.Equal(head.Values.ToArray().Select(v => (double)(float)v), back.Values.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void AssertReproducesPyTorch<T>(double relative)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SafetensorsFixture.Directory, "lstm_fc.json")));
        JsonElement root = doc.RootElement;
        Assert.Equal("lstmgen-model-fixture/1", root.GetProperty("format").GetString());
        JsonElement expected = root.GetProperty(typeof(T) == typeof(float) ? "float32" : "float64");
        int seqLen = root.GetProperty("seq_len").GetInt32(), batch = root.GetProperty("batch").GetInt32();
        (ParameterSet<T> parameters, Linear<T> head) = LoadModel<T>();

        var net = new RecurrentNetwork<T>(parameters);
        T[] output = new T[seqLen * batch * LstmConfig.OutputSize];
        net.Forward(Convert<T>(root.GetProperty("input")), output, batch);
        T[] prediction = new T[batch * head.OutFeatures];
        head.Forward(output.AsSpan((seqLen - 1) * batch * LstmConfig.OutputSize), batch, prediction);
        TensorAssert.Close("lstm_fc output", Data(expected.GetProperty("output")), output, relative, FixtureRunner.Floor);
        TensorAssert.Close("lstm_fc head on the last step", Data(expected.GetProperty("head")), prediction, relative, FixtureRunner.Floor);
    }

    // The model of the fixture, each part loaded in one call from one open file.
    private static (ParameterSet<T> Net, Linear<T> Head) LoadModel<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var parameters = new ParameterSet<T>(new ParameterLayout(LstmConfig));
        var head = new Linear<T>(5, 2);
        using SafetensorsReader reader = SafetensorsReader.Open(ModelFile);
        reader.Load(parameters, prefix: "lstm.");
        reader.Load(head, prefix: "fc.");
        return (parameters, head);
    }

    private static double[] Data(JsonElement tensor) => tensor.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static T[] Convert<T>(JsonElement tensor)
        where T : unmanaged, IFloatingPointIeee754<T>
        => [.. Data(tensor).Select(T.CreateTruncating)];

    private static string TempPath() => Path.Combine(Path.GetTempPath(), $"lstmgen-{Guid.NewGuid():N}.safetensors");

    /// <summary>Passes writes through until <c>failAfter</c> bytes, then throws as a full disk does.</summary>
    private sealed class FailingStream(Stream inner, int failAfter) : Stream
    {
        private int _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            int allowed = Math.Min(buffer.Length, failAfter - _written);
            inner.Write(buffer[..allowed]);
            _written += allowed;
            if (allowed < buffer.Length)
            {
                inner.Flush();
                throw new IOException("disk full (test)");
            }
        }

        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
