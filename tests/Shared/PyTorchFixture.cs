using System.Text.Json;

namespace LstmGen.Testing;

/// <summary>One tensor of a fixture: shape and row-major data.</summary>
public sealed record FixtureTensor(int[] Shape, double[] Data)
{
    public float[] ToFloat() => Array.ConvertAll(Data, d => (float)d);
}

/// <summary>
/// A reference case computed by real PyTorch (format <c>lstmgen-fixture/1</c>, see tests/fixtures/pytorch/README.md):
/// configuration, parameters, input and states, the forward results and every gradient of
/// L = sum(output*up.output) + sum(h_n*up.h_n) + sum(c_n*up.c_n).
/// </summary>
public sealed class PyTorchFixture
{
    public required string Name { get; init; }
    public required RecurrentConfig Config { get; init; }
    public required int SeqLen { get; init; }
    public required int Batch { get; init; }
    public required Dictionary<string, FixtureTensor> Params { get; init; }
    public required FixtureTensor Input { get; init; }
    public FixtureTensor? H0 { get; init; }
    public FixtureTensor? C0 { get; init; }
    public required FixtureTensor Output { get; init; }
    public required FixtureTensor HN { get; init; }
    public FixtureTensor? CN { get; init; }
    public required FixtureTensor UpOutput { get; init; }
    public required FixtureTensor UpHN { get; init; }
    public FixtureTensor? UpCN { get; init; }
    public required Dictionary<string, FixtureTensor> ParamGrads { get; init; }
    public required FixtureTensor GradInput { get; init; }
    public FixtureTensor? GradH0 { get; init; }
    public FixtureTensor? GradC0 { get; init; }

    /// <summary>The fixtures folder copied next to the test assembly.</summary>
    public static string BundledDirectory => Path.Combine(AppContext.BaseDirectory, "fixtures", "pytorch");

    /// <summary>The variable naming a folder of extra fixtures (see <see cref="CaseIds()"/>).</summary>
    public const string ExtraDirectoryVariable = "LSTMGEN_FIXTURES_DIR";

    /// <summary>
    /// How many fixtures tests/fixtures/pytorch holds. Every test project that runs the bundled fixtures asserts that it
    /// finds exactly this many, so a project that stops copying some (or a fixture added without its tests) fails.
    /// </summary>
    public const int BundledCount = 24;

    /// <summary>
    /// Case ids: every bundled <c>*.json</c>, plus every <c>*.json</c> in <c>LSTMGEN_FIXTURES_DIR</c> when that is set
    /// (prefixed <c>env:</c>), so fixtures made later by torch_fixtures.py run without code changes.
    /// </summary>
    public static IReadOnlyList<string> CaseIds() => CaseIds(Environment.GetEnvironmentVariable(ExtraDirectoryVariable));

    /// <summary>
    /// <see cref="CaseIds()"/> with <paramref name="extra"/> as the value of <c>LSTMGEN_FIXTURES_DIR</c> (null: not set).
    /// A value that is set but empty, names no folder, or names a folder without any <c>*.json</c> is a mistake in the
    /// run's setup, not a reason to skip the extra fixtures silently: it throws, naming the path.
    /// </summary>
    public static IReadOnlyList<string> CaseIds(string? extra)
    {
        var ids = Directory.EnumerateFiles(BundledDirectory, "*.json").Order(StringComparer.Ordinal).Select(Path.GetFileName).ToList();
        if (extra is null)
        {
            return ids!;
        }

        if (string.IsNullOrWhiteSpace(extra))
        {
            throw new DirectoryNotFoundException($"{ExtraDirectoryVariable} is set to the empty path '{extra}'; unset it or name a folder of fixtures.");
        }

        if (!Directory.Exists(extra))
        {
            throw new DirectoryNotFoundException($"{ExtraDirectoryVariable} names '{extra}' ({Path.GetFullPath(extra)}), which is not a folder.");
        }

        string[] files = Directory.EnumerateFiles(extra, "*.json").Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
        {
            throw new FileNotFoundException($"{ExtraDirectoryVariable} names '{extra}' ({Path.GetFullPath(extra)}), which holds no *.json fixture.");
        }

        ids.AddRange(files.Select(file => "env:" + Path.GetFileName(file)));
        return ids!;
    }

    /// <summary>Loads a case by the id <see cref="CaseIds"/> returned.</summary>
    public static PyTorchFixture Load(string caseId)
    {
        string path = caseId.StartsWith("env:", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetEnvironmentVariable("LSTMGEN_FIXTURES_DIR")!, caseId[4..])
            : Path.Combine(BundledDirectory, caseId);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement root = doc.RootElement;
        if (root.GetProperty("format").GetString() != "lstmgen-fixture/1")
        {
            throw new InvalidDataException($"{path}: not a lstmgen-fixture/1 file.");
        }

        JsonElement cfg = root.GetProperty("config");
        CellKind kind = root.GetProperty("kind").GetString() switch
        {
            "lstm" => CellKind.Lstm,
            "gru" => CellKind.Gru,
            "rnn_tanh" => CellKind.RnnTanh,
            "rnn_relu" => CellKind.RnnRelu,
            var k => throw new InvalidDataException($"{path}: unknown kind {k}."),
        };
        var config = new RecurrentConfig(kind, cfg.GetProperty("input_size").GetInt32(), cfg.GetProperty("hidden_size").GetInt32(),
            cfg.GetProperty("num_layers").GetInt32(), cfg.GetProperty("bidirectional").GetBoolean(), cfg.GetProperty("bias").GetBoolean(),
            cfg.GetProperty("batch_first").GetBoolean(), cfg.GetProperty("proj_size").GetInt32());

        var grads = new Dictionary<string, FixtureTensor>();
        foreach (JsonProperty p in root.GetProperty("params").EnumerateObject())
        {
            grads[p.Name] = Tensor(root.GetProperty("grads").GetProperty(p.Name))!;
        }

        JsonElement up = root.GetProperty("upstream");
        JsonElement g = root.GetProperty("grads");
        return new PyTorchFixture
        {
            Name = caseId,
            Config = config,
            SeqLen = root.GetProperty("seq_len").GetInt32(),
            Batch = root.GetProperty("batch").GetInt32(),
            Params = root.GetProperty("params").EnumerateObject().ToDictionary(p => p.Name, p => Tensor(p.Value)!),
            Input = Tensor(root.GetProperty("input"))!,
            H0 = Tensor(root.GetProperty("h0")),
            C0 = Tensor(root.GetProperty("c0")),
            Output = Tensor(root.GetProperty("output"))!,
            HN = Tensor(root.GetProperty("h_n"))!,
            CN = Tensor(root.GetProperty("c_n")),
            UpOutput = Tensor(up.GetProperty("output"))!,
            UpHN = Tensor(up.GetProperty("h_n"))!,
            UpCN = Tensor(up.GetProperty("c_n")),
            ParamGrads = grads,
            GradInput = Tensor(g.GetProperty("input"))!,
            GradH0 = Tensor(g.GetProperty("h0")),
            GradC0 = Tensor(g.GetProperty("c0")),
        };
    }

    /// <summary>Copies the fixture's parameters into a parameter set, checking every name and shape.</summary>
    public void LoadParameters<T>(ParameterSet<T> parameters, Func<double, T> convert)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (Params.Count != parameters.Layout.Parameters.Count)
        {
            throw new InvalidDataException($"{Name}: {Params.Count} parameters, layout has {parameters.Layout.Parameters.Count}.");
        }

        foreach (ParameterInfo info in parameters.Layout.Parameters)
        {
            FixtureTensor t = Params[info.Name];
            if (!t.Shape.SequenceEqual(info.Shape))
            {
                throw new InvalidDataException($"{Name}: {info.Name} has shape [{string.Join(",", t.Shape)}], layout says [{string.Join(",", info.Shape)}].");
            }

            parameters.Set(info.Name, Array.ConvertAll(t.Data, d => convert(d)));
        }
    }

    private static FixtureTensor? Tensor(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        int[] shape = e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        double[] data = e.GetProperty("data").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        return new FixtureTensor(shape, data);
    }
}
