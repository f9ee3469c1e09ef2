using System.Text.Json;
using LstmGen.Testing;

namespace LstmGen.Tests.IO;

/// <summary>
/// A safetensors file written by PyTorch with PyTorch's outputs for it (format <c>lstmgen-safetensors-fixture/1</c>,
/// made by tests/fixtures/safetensors/make_safetensors_fixture.py).
/// </summary>
internal sealed class SafetensorsFixture
{
    public required string Name { get; init; }
    public required string FilePath { get; init; }
    public required string Prefix { get; init; }
    public required string DType { get; init; }
    public required RecurrentConfig Config { get; init; }
    public required int SeqLen { get; init; }
    public required int Batch { get; init; }
    public required FixtureTensor Input { get; init; }
    public required FixtureTensor H0 { get; init; }
    public FixtureTensor? C0 { get; init; }
    public required Dictionary<string, FixtureTensor?> Float32 { get; init; }
    public required Dictionary<string, FixtureTensor?> Float64 { get; init; }

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "fixtures", "safetensors");

    public static SafetensorsFixture Load(string name)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, name + ".json")));
        JsonElement root = doc.RootElement;
        Assert.Equal("lstmgen-safetensors-fixture/1", root.GetProperty("format").GetString());
        JsonElement cfg = root.GetProperty("config");
        CellKind kind = root.GetProperty("kind").GetString() switch
        {
            "lstm" => CellKind.Lstm,
            "gru" => CellKind.Gru,
            "rnn_tanh" => CellKind.RnnTanh,
            var k => throw new InvalidDataException($"{name}: unknown kind {k}."),
        };
        return new SafetensorsFixture
        {
            Name = name,
            FilePath = Path.Combine(Directory, root.GetProperty("file").GetString()!),
            Prefix = root.GetProperty("prefix").GetString()!,
            DType = root.GetProperty("dtype").GetString()!,
            Config = new RecurrentConfig(kind, cfg.GetProperty("input_size").GetInt32(), cfg.GetProperty("hidden_size").GetInt32(),
                cfg.GetProperty("num_layers").GetInt32(), cfg.GetProperty("bidirectional").GetBoolean(), cfg.GetProperty("bias").GetBoolean(),
                cfg.GetProperty("batch_first").GetBoolean(), cfg.GetProperty("proj_size").GetInt32()),
            SeqLen = root.GetProperty("seq_len").GetInt32(),
            Batch = root.GetProperty("batch").GetInt32(),
            Input = Tensor(root.GetProperty("input"))!,
            H0 = Tensor(root.GetProperty("h0"))!,
            C0 = Tensor(root.GetProperty("c0")),
            Float32 = Results(root.GetProperty("float32")),
            Float64 = Results(root.GetProperty("float64")),
        };
    }

    public ParameterSet<T> NewParameters<T>()
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => new(new ParameterLayout(Config));

    /// <summary>Runs the network on the fixture's input and states and compares output, h_n and c_n with PyTorch's.</summary>
    public void AssertReproduces<T>(ParameterSet<T> parameters, double relative)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Dictionary<string, FixtureTensor?> expected = typeof(T) == typeof(float) ? Float32 : Float64;
        var net = new RecurrentNetwork<T>(parameters);
        T[] output = new T[expected["output"]!.Data.Length];
        T[] hN = new T[expected["h_n"]!.Data.Length];
        T[] cN = new T[expected["c_n"]?.Data.Length ?? 0];
        net.Forward(FixtureRunner.Convert<T>(Input), output, Batch, initial: new(FixtureRunner.Convert<T>(H0), FixtureRunner.Convert<T>(C0)), final: new(hN, cN));
        TensorAssert.Close($"{Name} output", expected["output"]!.Data, output, relative, FixtureRunner.Floor);
        TensorAssert.Close($"{Name} h_n", expected["h_n"]!.Data, hN, relative, FixtureRunner.Floor);
        if (expected["c_n"] is FixtureTensor c)
        {
            TensorAssert.Close($"{Name} c_n", c.Data, cN, relative, FixtureRunner.Floor);
        }
    }

    private static Dictionary<string, FixtureTensor?> Results(JsonElement e) => new()
    {
        ["output"] = Tensor(e.GetProperty("output")),
        ["h_n"] = Tensor(e.GetProperty("h_n")),
        ["c_n"] = Tensor(e.GetProperty("c_n")),
    };

    private static FixtureTensor? Tensor(JsonElement e) => e.ValueKind == JsonValueKind.Null
        ? null
        : new FixtureTensor(e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            e.GetProperty("data").EnumerateArray().Select(x => x.GetDouble()).ToArray());
}
