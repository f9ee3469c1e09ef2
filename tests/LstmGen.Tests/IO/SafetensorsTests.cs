using System.Runtime.InteropServices;
using LstmGen.IO;
using LstmGen.Testing;

namespace LstmGen.Tests.IO;

/// <summary>
/// Safetensors files written by PyTorch load and reproduce PyTorch's outputs; saving and reloading is exact.
/// The files and expected outputs come from tests/fixtures/safetensors/make_safetensors_fixture.py.
/// </summary>
public class SafetensorsTests
{
    private const double DoubleRelative = FixtureRunner.DoubleRelative;
    private const double FloatRelative = FixtureRunner.FloatRelative;

    [Fact]
    public void PyTorch_lstm_file_reproduces_PyTorch_in_float()
    {
        SafetensorsFixture f = SafetensorsFixture.Load("lstm_bi_proj");
        ParameterSet<float> parameters = f.NewParameters<float>();
        IReadOnlyDictionary<string, string> metadata = SafetensorsFile.Load(parameters, f.FilePath, "lstm.");
        Assert.Equal("pt", metadata["format"]);
        f.AssertReproduces(parameters, FloatRelative);
    }

    [Fact]
    public void PyTorch_lstm_file_reproduces_PyTorch_in_double()
    {
        // The F32 weights widen exactly, so the double network must match PyTorch's float64 run closely.
        SafetensorsFixture f = SafetensorsFixture.Load("lstm_bi_proj");
        ParameterSet<double> parameters = f.NewParameters<double>();
        parameters.LoadSafetensors(f.FilePath, "lstm.");
        f.AssertReproduces(parameters, DoubleRelative);
    }

    [Fact]
    public void F64_file_loads_into_double_and_float()
    {
        SafetensorsFixture f = SafetensorsFixture.Load("lstm_bi_proj_f64");
        Assert.Equal("F64", f.DType);
        ParameterSet<double> doubles = f.NewParameters<double>();
        doubles.LoadSafetensors(f.FilePath, f.Prefix);
        f.AssertReproduces(doubles, DoubleRelative);

        ParameterSet<float> floats = f.NewParameters<float>();
        floats.LoadSafetensors(f.FilePath, f.Prefix);
        f.AssertReproduces(floats, FloatRelative);

        // The F64 file holds float32 values, so rounding them to float gives exactly the F32 file's values.
        ParameterSet<float> fromF32 = f.NewParameters<float>();
        fromF32.LoadSafetensors(SafetensorsFixture.Load("lstm_bi_proj").FilePath, "lstm.");
        AssertBitEqual(fromF32, floats);
    }

    [Theory]
    [InlineData("gru_f16", "F16")]
    [InlineData("rnn_bf16", "BF16")]
    public void Half_precision_files_widen_exactly(string name, string dtype)
    {
        // PyTorch computed the expected outputs from the weights rounded to 16 bits, exactly those of the file.
        SafetensorsFixture f = SafetensorsFixture.Load(name);
        Assert.Equal(dtype, f.DType);
        ParameterSet<float> floats = f.NewParameters<float>();
        SafetensorsFile.Load(floats, File.ReadAllBytes(f.FilePath), f.Prefix);
        f.AssertReproduces(floats, FloatRelative);

        ParameterSet<double> doubles = f.NewParameters<double>();
        using (FileStream stream = File.OpenRead(f.FilePath))
        {
            SafetensorsFile.Load(doubles, stream, f.Prefix);
        }

        f.AssertReproduces(doubles, DoubleRelative);
        for (int i = 0; i < floats.Length; i++)
        {
            Assert.Equal((double)floats.Values[i], doubles.Values[i]);
        }
    }

    [Fact]
    public void Save_and_reload_is_bit_exact_and_matches_the_PyTorch_tensors()
    {
        SafetensorsFixture f = SafetensorsFixture.Load("lstm_bi_proj");
        ParameterSet<float> loaded = f.NewParameters<float>();
        loaded.LoadSafetensors(f.FilePath, "lstm.");

        var saved = new MemoryStream();
        SafetensorsFile.Save(loaded, saved, "lstm.", new Dictionary<string, string> { ["format"] = "pt" });
        byte[] bytes = saved.ToArray();

        ParameterSet<float> reloaded = f.NewParameters<float>();
        IReadOnlyDictionary<string, string> metadata = SafetensorsFile.Load(reloaded, bytes, "lstm.");
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt" }, metadata);
        AssertBitEqual(loaded, reloaded);
        f.AssertReproduces(reloaded, FloatRelative);

        // Read back independently of the library: the same LSTM tensors, byte for byte, and nothing else.
        Dictionary<string, RawTensor> original = RawSafetensors.Tensors(File.ReadAllBytes(f.FilePath))
            .Where(t => t.Name.StartsWith("lstm.", StringComparison.Ordinal)).ToDictionary(t => t.Name);
        List<RawTensor> written = RawSafetensors.Tensors(bytes);
        Assert.Equal(original.Keys.Order(StringComparer.Ordinal), written.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (RawTensor t in written)
        {
            RawTensor o = original[t.Name];
            Assert.Equal("F32", t.DType);
            Assert.Equal(o.Shape, t.Shape);
            Assert.True(o.Bytes.AsSpan().SequenceEqual(t.Bytes), $"{t.Name}: saved bytes differ from PyTorch's.");
        }
    }

    [Fact]
    public void Saved_file_is_laid_out_as_the_format_says()
    {
        var parameters = new ParameterSet<float>(new ParameterLayout(new RecurrentConfig(CellKind.Lstm, 3, 4, numLayers: 2, bidirectional: true)));
        parameters.InitializeUniform(5);
        var stream = new MemoryStream();
        SafetensorsFile.Save(parameters, stream);
        byte[] bytes = stream.ToArray();
        long headerLength = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + (parameters.Length * 4L), bytes.Length);

        // Tensors in layout order, contiguous, little-endian float32 equal to the values.
        List<RawTensor> tensors = RawSafetensors.Tensors(bytes);
        Assert.Equal(parameters.Layout.Parameters.Select(p => p.Name), tensors.Select(t => t.Name));
        foreach ((ParameterInfo info, RawTensor t) in parameters.Layout.Parameters.Zip(tensors))
        {
            Assert.Equal(info.Shape.Select(d => (long)d), t.Shape);
            float[] values = MemoryMarshal.Cast<byte, float>(t.Bytes).ToArray();
            Assert.Equal(parameters.Values.Slice(info.Offset, info.Length).ToArray(), values);
        }
    }

    [Fact]
    public void Double_parameters_save_as_F64_and_reload_exactly()
    {
        SafetensorsFixture f = SafetensorsFixture.Load("lstm_bi_proj_f64");
        ParameterSet<double> loaded = f.NewParameters<double>();
        loaded.LoadSafetensors(f.FilePath, "lstm.");

        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-{Guid.NewGuid():N}.safetensors");
        try
        {
            loaded.SaveSafetensors(path, "lstm.");
            ParameterSet<double> reloaded = f.NewParameters<double>();
            reloaded.LoadSafetensors(path, "lstm.");
            AssertBitEqual(loaded, reloaded);

            Dictionary<string, RawTensor> original = RawSafetensors.Tensors(File.ReadAllBytes(f.FilePath)).ToDictionary(t => t.Name);
            foreach (RawTensor t in RawSafetensors.Tensors(File.ReadAllBytes(path)))
            {
                Assert.Equal("F64", t.DType);
                Assert.True(original[t.Name].Bytes.AsSpan().SequenceEqual(t.Bytes), $"{t.Name}: saved bytes differ from PyTorch's.");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Explicit_dtype_converts_on_save()
    {
        var doubles = new ParameterSet<double>(new ParameterLayout(new RecurrentConfig(CellKind.Gru, 3, 5)));
        doubles.InitializeUniform(11);
        var stream = new MemoryStream();
        SafetensorsFile.Save(doubles, stream, dtype: SafetensorsDType.F32);
        Assert.All(RawSafetensors.Tensors(stream.ToArray()), t => Assert.Equal("F32", t.DType));

        // Saved as F32 and loaded back into double: each value is the float nearest to the original.
        var back = new ParameterSet<double>(doubles.Layout);
        SafetensorsFile.Load(back, stream.ToArray());
        for (int i = 0; i < doubles.Length; i++)
        {
            Assert.Equal((double)(float)doubles.Values[i], back.Values[i]);
        }

        // Float saved as F64 widens exactly and comes back bit for bit.
        var floats = new ParameterSet<float>(doubles.Layout);
        floats.InitializeUniform(12);
        stream = new MemoryStream();
        SafetensorsFile.Save(floats, stream, dtype: SafetensorsDType.F64);
        var floatsBack = new ParameterSet<float>(doubles.Layout);
        SafetensorsFile.Load(floatsBack, stream.ToArray());
        AssertBitEqual(floats, floatsBack);
    }

    [Theory]
    [InlineData(SafetensorsDType.F16)]
    [InlineData(SafetensorsDType.BF16)]
    public void Sixteen_bit_save_is_refused(SafetensorsDType dtype)
    {
        var parameters = new ParameterSet<float>(new ParameterLayout(new RecurrentConfig(CellKind.RnnTanh, 2, 3)));
        var stream = new MemoryStream();
        ArgumentException e = Assert.Throws<ArgumentException>(() => SafetensorsFile.Save(parameters, stream, dtype: dtype));
        Assert.Contains(dtype.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void A_prefix_without_its_dot_is_named_and_changes_nothing()
    {
        SafetensorsFixture f = SafetensorsFixture.Load("lstm_bi_proj");
        ParameterSet<float> target = f.NewParameters<float>();
        float[] before = target.Values.ToArray();
        var e = Assert.Throws<ArgumentException>(() => target.LoadSafetensors(f.FilePath, "lstm"));
        Assert.Equal("prefix", e.ParamName);
        Assert.Contains("prefix 'lstm' lacks its dot", e.Message, StringComparison.Ordinal);
        Assert.Contains("the prefix is \"lstm.\"", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, target.Values.ToArray());
    }

    [Fact]
    public void A_missing_prefix_is_suggested()
    {
        SafetensorsFixture f = SafetensorsFixture.Load("lstm_bi_proj");
        var e = Assert.Throws<SafetensorsFormatException>(() => f.NewParameters<float>().LoadSafetensors(f.FilePath));
        Assert.Contains("pass prefix \"lstm.\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prefix_selects_the_submodule_and_skips_the_rest()
    {
        // The PyTorch file also holds head.weight, head.bias (F32) and steps (I64, rank 0): skipped under "lstm.".
        SafetensorsFixture f = SafetensorsFixture.Load("lstm_bi_proj");
        List<RawTensor> all = RawSafetensors.Tensors(File.ReadAllBytes(f.FilePath));
        Assert.Contains(all, t => t is { Name: "steps", DType: "I64", Shape.Length: 0 });
        Assert.Contains(all, t => t.Name == "head.weight");

        // The LSTM's tensors alone, renamed without a prefix, load with the empty prefix to the same values.
        byte[] bare = RawSafetensors.Write(all.Where(t => t.Name.StartsWith("lstm.", StringComparison.Ordinal))
            .Select(t => t with { Name = t.Name["lstm.".Length..] }));
        ParameterSet<float> withPrefix = f.NewParameters<float>();
        withPrefix.LoadSafetensors(f.FilePath, "lstm.");
        ParameterSet<float> withoutPrefix = f.NewParameters<float>();
        SafetensorsFile.Load(withoutPrefix, bare);
        AssertBitEqual(withPrefix, withoutPrefix);

        // A deeper prefix, as for a module nested in another, round-trips too.
        var stream = new MemoryStream();
        SafetensorsFile.Save(withPrefix, stream, "encoder.rnn.");
        Assert.All(RawSafetensors.Tensors(stream.ToArray()), t => Assert.StartsWith("encoder.rnn.", t.Name, StringComparison.Ordinal));
        ParameterSet<float> nested = f.NewParameters<float>();
        stream.Position = 0;
        SafetensorsFile.Load(nested, stream, "encoder.rnn.");
        AssertBitEqual(withPrefix, nested);
    }

    [Fact]
    public void Metadata_round_trips_and_a_load_marks_the_parameters_modified()
    {
        var parameters = new ParameterSet<float>(new ParameterLayout(new RecurrentConfig(CellKind.Lstm, 2, 3)));
        parameters.InitializeUniform(3);
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "weights \"v2\" \u00e9\u4e2d" };
        var stream = new MemoryStream();
        SafetensorsFile.Save(parameters, stream, metadata: metadata);

        var target = new ParameterSet<float>(parameters.Layout);
        int version = target.Version;
        Assert.Equal(metadata, SafetensorsFile.Load(target, stream.ToArray()));
        Assert.NotEqual(version, target.Version);
        AssertBitEqual(parameters, target);
    }

    [Fact]
    public void Stream_is_read_from_its_position()
    {
        var parameters = new ParameterSet<double>(new ParameterLayout(new RecurrentConfig(CellKind.RnnRelu, 2, 3)));
        parameters.InitializeUniform(4);
        var stream = new MemoryStream();
        stream.Write("HEAD"u8);
        SafetensorsFile.Save(parameters, stream);
        stream.Position = 4;
        var target = new ParameterSet<double>(parameters.Layout);
        SafetensorsFile.Load(target, stream);
        AssertBitEqual(parameters, target);
    }

    [Fact]
    public void Other_element_types_are_not_supported()
    {
        var parameters = new ParameterSet<Half>(new ParameterLayout(new RecurrentConfig(CellKind.Gru, 2, 3)));
        Assert.Throws<NotSupportedException>(() => SafetensorsFile.Save(parameters, new MemoryStream()));
        SafetensorsFixture f = SafetensorsFixture.Load("gru_f16");
        Assert.Throws<NotSupportedException>(() => f.NewParameters<Half>().LoadSafetensors(f.FilePath));
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var parameters = new ParameterSet<float>(new ParameterLayout(new RecurrentConfig(CellKind.Gru, 2, 3)));
        Assert.Equal("target", Assert.Throws<ArgumentNullException>(() => SafetensorsFile.Load((ParameterSet<float>)null!, "x.safetensors")).ParamName);
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => SafetensorsFile.Load(parameters, "")).ParamName);
        Assert.Equal("prefix", Assert.Throws<ArgumentNullException>(() => SafetensorsFile.Load(parameters, new MemoryStream(), null!)).ParamName);
        Assert.Equal("stream", Assert.Throws<ArgumentNullException>(() => SafetensorsFile.Load(parameters, (Stream)null!)).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentNullException>(() => SafetensorsFile.Save(parameters, (Stream)null!)).ParamName);
        Assert.Throws<FileNotFoundException>(() => parameters.LoadSafetensors(Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.safetensors")));
    }

    internal static void AssertBitEqual<T>(ParameterSet<T> expected, ParameterSet<T> actual)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Assert.True(MemoryMarshal.AsBytes(expected.Values).SequenceEqual(MemoryMarshal.AsBytes(actual.Values)),
            "The parameters differ bit for bit.");
    }
}
