using System.Buffers.Binary;
using System.Text.Json.Nodes;
using LstmGen.IO;

namespace LstmGen.Tests.IO;

/// <summary>
/// Malformed or mismatched safetensors files, each made by editing PyTorch's valid file. Every case must throw
/// <see cref="SafetensorsFormatException"/> with a message that names the problem, through every way of loading
/// (span, seekable stream, forward-only stream with short reads, file, <see cref="SafetensorsReader"/>), and must leave
/// the target unchanged.
/// </summary>
public class MalformedSafetensorsTests
{
    private const string Prefix = "lstm.";

    // LSTM(4, 5, num_layers=2, bidirectional=True, proj_size=3) as the attribute "lstm" of a PyTorch module.
    private static readonly RecurrentConfig Config = new(CellKind.Lstm, 4, 5, numLayers: 2, bidirectional: true, projSize: 3);

    private static byte[] Valid => File.ReadAllBytes(Path.Combine(SafetensorsFixture.Directory, "lstm_bi_proj.safetensors"));

    [Fact]
    public void The_valid_file_loads_through_every_source()
    {
        // The baseline of every case below: unedited, the file loads every way.
        byte[] file = Valid;
        foreach ((string mode, Action<ParameterSet<float>> load) in Loads(file, Prefix))
        {
            ParameterSet<float> target = NewTarget();
            load(target);
            Assert.NotEqual(NewTarget().Values.ToArray(), target.Values.ToArray());
        }
    }

    [Fact]
    public void Empty_file() => AssertRejected([], null, "truncated", "0 bytes");

    [Fact]
    public void File_shorter_than_the_header_length() => AssertRejected(Valid[..5], null, "truncated", "5 bytes");

    [Fact]
    public void Header_cut_short()
    {
        byte[] file = Valid;
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(file);
        AssertRejected(file[..100], null, "truncated", $"header length is {length} bytes", "only 92 bytes follow");
    }

    [Fact]
    public void Header_length_beyond_the_file()
    {
        byte[] file = Valid;
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)file.Length);
        AssertRejected(file, null, "truncated", $"header length is {file.Length} bytes");
    }

    [Fact]
    public void Huge_header_length()
    {
        byte[] file = Valid;
        BinaryPrimitives.WriteUInt64LittleEndian(file, 1UL << 63);
        AssertRejected(file, null, "is not a safetensors file", "these give 9223372036854775808, more than the limit of 100000000 bytes");
    }

    [Fact]
    public void Header_length_just_over_the_limit()
    {
        byte[] file = Valid;
        BinaryPrimitives.WriteUInt64LittleEndian(file, SafetensorsFile.MaxHeaderLength + 1UL);
        AssertRejected(file, null, "is not a safetensors file", "these give 100000001, more than the limit");
    }

    [Fact]
    public void A_torch_save_zip_is_named_as_such()
    {
        // The first bytes of what torch.save writes: a zip archive, whose first 8 bytes read as an absurd header length.
        byte[] file = [(byte)'P', (byte)'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0];
        AssertRejected(file, null, "is not a safetensors file (it is a zip archive, as torch.save writes", "safetensors.torch.save_file");
    }

    [Fact]
    public void A_json_file_is_named_as_such()
    {
        // A GuitarML-style model file opened as safetensors by mistake.
        byte[] file = System.Text.Encoding.UTF8.GetBytes("{\"model_data\": {\"model\": \"SimpleRNN\"}}");
        AssertRejected(file, null, "is not a safetensors file (it looks like JSON text)");
    }

    [Fact]
    public void Data_cut_short() => AssertRejected(Valid[..^4], "steps", "truncated", "'steps'");

    [Fact]
    public void Trailing_bytes_after_the_data() => AssertRejected([.. Valid, 0, 0, 0, 0, 0, 0, 0, 0], null, "trailing");

    [Fact]
    public void Header_not_UTF8()
    {
        byte[] file = Valid;
        file[20] = 0xFF;
        AssertRejected(file, null, "not valid UTF-8");
    }

    [Fact]
    public void Invalid_JSON() => AssertRejected(RawSafetensors.Join("{\"lstm.weight_ih_l0\": {\"dtype\": \"F32\",", []), null, "not valid JSON");

    [Fact]
    public void JSON_with_content_after_the_object()
    {
        (JsonObject header, byte[] data) = RawSafetensors.Split(Valid);
        AssertRejected(RawSafetensors.Join(header.ToJsonString() + " {}", data), null, "not valid JSON");
    }

    [Fact]
    public void JSON_not_an_object() => AssertRejected(RawSafetensors.Join("[{\"dtype\": \"F32\"}]", []), null, "must be a JSON object", "an array");

    [Fact]
    public void Entry_not_an_object() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["lstm.weight_ih_l0"] = 5), "lstm.weight_ih_l0", "must be a JSON object with dtype", "the number 5");

    [Fact]
    public void Unknown_dtype() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["lstm.weight_ih_l0"]!["dtype"] = "Q8"), "lstm.weight_ih_l0", "unknown dtype 'Q8'");

    [Fact]
    public void Integer_dtype_for_a_parameter() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["lstm.bias_ih_l1"]!["dtype"] = "I32"), "lstm.bias_ih_l1", "dtype I32", "F32, F64, F16 or BF16");

    [Fact]
    public void Dtype_not_a_string() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["lstm.bias_ih_l1"]!["dtype"] = 32), "lstm.bias_ih_l1", "dtype must be a string", "the number 32");

    [Fact]
    public void Transposed_shape() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["lstm.weight_ih_l0"]!["shape"] = new JsonArray(4, 20)),
            "lstm.weight_ih_l0", "has shape [4, 20]", "needs [20, 4]");

    [Fact]
    public void Bias_stored_as_a_matrix() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["lstm.bias_hh_l1_reverse"]!["shape"] = new JsonArray(20, 1)),
            "lstm.bias_hh_l1_reverse", "has shape [20, 1]", "needs [20]");

    [Fact]
    public void Missing_tensor() =>
        AssertRejected(RawSafetensors.Write(RawSafetensors.Tensors(Valid).Where(t => t.Name != "lstm.weight_hr_l1_reverse")),
            "lstm.weight_hr_l1_reverse", "missing tensor 'lstm.weight_hr_l1_reverse'", "1 of the 20 parameters");

    [Fact]
    public void Extra_tensor_under_the_prefix() =>
        AssertRejected(RawSafetensors.Write([.. RawSafetensors.Tensors(Valid), new RawTensor("lstm.weight_ih_l2", "F32", [20, 6], new byte[480])]),
            "lstm.weight_ih_l2", "unexpected tensor 'lstm.weight_ih_l2'", "no parameter 'weight_ih_l2'");

    [Fact]
    public void Wrong_prefix() =>
        AssertRejectedWithPrefix(Valid, "gru.", "gru.weight_ih_l0", "missing tensor 'gru.weight_ih_l0'", "20 of the 20", "'head.bias'");

    [Fact]
    public void No_prefix_for_a_prefixed_file() =>
        AssertRejectedWithPrefix(Valid, "", "head.bias", "unexpected tensor 'head.bias'", "expected 'weight_ih_l0'");

    [Fact]
    public void Overlapping_offsets() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => ShiftOffsets(h, "lstm.bias_hh_l0_reverse", -4)),
            "lstm.bias_hh_l0_reverse", "overlap", "'lstm.bias_hh_l0' (data_offsets [56, 136])", "[132, 212]");

    [Fact]
    public void Gap_between_tensors()
    {
        // Four spare bytes inserted before the last tensor, whose offsets move past them.
        (JsonObject header, byte[] data) = RawSafetensors.Split(Valid);
        ShiftOffsets(header, "steps", 4);
        byte[] spread = [.. data[..^8], 0, 0, 0, 0, .. data[^8..]];
        AssertRejected(RawSafetensors.Join(header.ToJsonString(), spread), "steps", "belong to no tensor", "gap before tensor 'steps'");
    }

    [Fact]
    public void Offsets_out_of_range() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => ShiftOffsets(h, "steps", 1L << 40)), "steps", "'steps'", "data_offsets [1099511631272, 1099511631280]");

    [Fact]
    public void Offsets_begin_after_end() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["lstm.weight_hh_l0"]!["data_offsets"] = new JsonArray(900, 660)),
            "lstm.weight_hh_l0", "data_offsets [900, 660] begin after they end");

    [Fact]
    public void Data_size_not_shape_times_dtype() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["lstm.bias_ih_l0"]!["dtype"] = "F64"),
            "lstm.bias_ih_l0", "shape [20] of F64 takes 160 bytes", "hold 80");

    [Fact]
    public void Shape_whose_size_overflows() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["head.bias"]!["shape"] = new JsonArray(1L << 32, 1L << 32, 1L << 32)),
            "head.bias", "takes more than 2^64 bytes");

    [Fact]
    public void Three_data_offsets() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["lstm.bias_ih_l0"]!["data_offsets"]!.AsArray().Add(0)),
            "lstm.bias_ih_l0", "data_offsets must be [begin, end], but has 3 numbers");

    [Fact]
    public void NaN_in_the_offsets() =>
        AssertRejected(RawSafetensors.EditHeaderText(Valid, "\"data_offsets\":[0,8]", "\"data_offsets\":[NaN,8]"), null, "not valid JSON");

    [Fact]
    public void NaN_as_a_string_in_the_shape() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["lstm.weight_hr_l0"]!["shape"] = new JsonArray("NaN", 5)),
            "lstm.weight_hr_l0", "shape must hold non-negative integers", "the string \"NaN\"");

    [Fact]
    public void Float_in_the_shape() =>
        AssertRejected(RawSafetensors.EditHeaderText(Valid, "\"shape\":[2]", "\"shape\":[2.0]"), "head.bias", "shape must hold non-negative integers", "the number 2.0");

    [Fact]
    public void Exponent_in_the_offsets() =>
        AssertRejected(RawSafetensors.EditHeaderText(Valid, "\"data_offsets\":[0,8]", "\"data_offsets\":[0,8e0]"), "head.bias", "data_offsets must hold", "the number 8e0");

    [Fact]
    public void Negative_offset() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["lstm.weight_hr_l0"]!["data_offsets"]!.AsArray()[0] = -60),
            "lstm.weight_hr_l0", "data_offsets must hold non-negative integers", "the number -60");

    [Fact]
    public void Offset_beyond_2_to_the_64() =>
        AssertRejected(RawSafetensors.EditHeaderText(Valid, "\"data_offsets\":[0,8]", "\"data_offsets\":[0,18446744073709551624]"),
            "head.bias", "below 2^64", "18446744073709551624");

    [Fact]
    public void Duplicate_tensor_key()
    {
        byte[] file = Valid;
        string entry = "\"lstm.bias_hh_l0\":" + RawSafetensors.Split(file).Header["lstm.bias_hh_l0"]!.ToJsonString();
        AssertRejected(RawSafetensors.EditHeaderText(file, entry, entry + "," + entry), "lstm.bias_hh_l0", "key 'lstm.bias_hh_l0' twice");
    }

    [Fact]
    public void Duplicate_field_in_an_entry() =>
        AssertRejected(RawSafetensors.EditHeaderText(Valid, "\"dtype\":\"I64\"", "\"dtype\":\"I64\",\"dtype\":\"I64\""), "steps", "field 'dtype' twice");

    [Fact]
    public void Unknown_field_in_an_entry() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["lstm.weight_hh_l1"]!["strides"] = new JsonArray(3, 1)),
            "lstm.weight_hh_l1", "unknown field 'strides'");

    [Fact]
    public void Entry_without_data_offsets() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["lstm.weight_hh_l1"]!.AsObject().Remove("data_offsets")),
            "lstm.weight_hh_l1", "has no data_offsets");

    [Fact]
    public void Metadata_value_not_a_string() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["__metadata__"]!["epochs"] = 12), null, "__metadata__ must map strings to strings", "'epochs' is the number 12");

    [Fact]
    public void Metadata_not_an_object() =>
        AssertRejected(RawSafetensors.EditHeader(Valid, h => h["__metadata__"] = "pt"), null, "__metadata__ must be a JSON object", "the string \"pt\"");

    [Fact]
    public void Duplicate_metadata_key() =>
        AssertRejected(RawSafetensors.EditHeaderText(Valid, "{\"format\":\"pt\"}", "{\"format\":\"pt\",\"format\":\"np\"}"), null, "__metadata__ has the key 'format' twice");

    // Moves a tensor's data_offsets by delta bytes.
    private static void ShiftOffsets(JsonObject header, string name, long delta)
    {
        JsonArray offsets = header[name]!["data_offsets"]!.AsArray();
        header[name]!["data_offsets"] = new JsonArray(offsets[0]!.GetValue<long>() + delta, offsets[1]!.GetValue<long>() + delta);
    }

    private static ParameterSet<float> NewTarget()
    {
        var parameters = new ParameterSet<float>(new ParameterLayout(Config));
        parameters.InitializeUniform(99);
        return parameters;
    }

    private static void AssertRejected(byte[] file, string? tensor, params string[] fragments) => AssertRejectedWithPrefix(file, Prefix, tensor, fragments);

    private static void AssertRejectedWithPrefix(byte[] file, string prefix, string? tensor, params string[] fragments)
    {
        foreach ((string mode, Action<ParameterSet<float>> load) in Loads(file, prefix))
        {
            ParameterSet<float> target = NewTarget();
            float[] before = target.Values.ToArray();
            int version = target.Version;

            SafetensorsFormatException e = Assert.Throws<SafetensorsFormatException>(() => load(target));
            foreach (string fragment in fragments)
            {
                Assert.True(e.Message.Contains(fragment, StringComparison.Ordinal), $"{mode}: the message lacks \"{fragment}\": {e.Message}");
            }

            Assert.True(tensor == e.TensorName, $"{mode}: TensorName is '{e.TensorName}', expected '{tensor}': {e.Message}");
            Assert.True(before.AsSpan().SequenceEqual(target.Values), $"{mode}: the parameters changed.");
            Assert.Equal(version, target.Version);
        }
    }

    private static IEnumerable<(string Mode, Action<ParameterSet<float>> Load)> Loads(byte[] file, string prefix)
    {
        yield return ("span", p => SafetensorsFile.Load(p, file, prefix));
        yield return ("seekable stream", p => SafetensorsFile.Load(p, new MemoryStream(file), prefix));
        yield return ("forward-only stream", p => SafetensorsFile.Load(p, new ForwardOnlyStream(file), prefix));
        yield return ("reader", p => Read(SafetensorsReader.Open(new MemoryStream(file)), p, prefix));
        yield return ("reader of a forward-only stream", p => Read(SafetensorsReader.Open(new ForwardOnlyStream(file)), p, prefix));
        yield return ("file", p =>
        {
            string path = Path.Combine(Path.GetTempPath(), $"lstmgen-{Guid.NewGuid():N}.safetensors");
            File.WriteAllBytes(path, file);
            try
            {
                p.LoadSafetensors(path, prefix);
            }
            finally
            {
                File.Delete(path);
            }
        });
    }

    // Opening checks the whole header; loading checks the tensors under the prefix.
    private static void Read(SafetensorsReader reader, ParameterSet<float> target, string prefix)
    {
        using (reader)
        {
            reader.Load(target, prefix);
        }
    }

    /// <summary>A stream that cannot seek and returns at most 7 bytes per read, like a network stream at its worst.</summary>
    internal sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(Math.Min(buffer.Length, 7), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
