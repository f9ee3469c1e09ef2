namespace LstmGen.Benchmarks;

/// <summary>
/// One benchmark scenario: a network shape, a batch, a sequence length and what is timed. The shapes are those of
/// ../shared/tools/torch_bench.py, so PyTorch runs the same work.
/// </summary>
public sealed record Scenario(string Name, string Unit, RecurrentConfig Config, int Batch, int SeqLen, Workload Workload)
{
    /// <summary>torch_bench.py's name for the same work: its scenario and variant columns.</summary>
    public (string Scenario, string Variant) TorchKey { get; init; }

    /// <summary>The benchmark issue's target for the generated path, as text for the results table.</summary>
    public string Target { get; init; } = "";

    /// <summary>Time steps per timed call, to report per-step units.</summary>
    public int StepsPerCall => Workload == Workload.Step ? 1 : SeqLen;

    /// <summary>The scenarios of the benchmark issue: A (streaming), B (seed shape), C (training shape), D (GRU).</summary>
    public static IReadOnlyList<Scenario> All { get; } = Build();

    private static List<Scenario> Build()
    {
        var list = new List<Scenario>();
        // Step targets from the issue: ahead of RTNeural's compile-time LSTM (44, 60, 93, 607 ns) at every size.
        var stepTargets = new Dictionary<int, string> { [8] = "≤ 40 ns", [16] = "≤ 55 ns", [32] = "≤ 85 ns", [64] = "≤ 450 ns" };
        foreach (int h in new[] { 8, 16, 32, 64 })
        {
            var a = new RecurrentConfig(CellKind.Lstm, 1, h);
            string vsGeneric = h <= 32 ? "≥ 5× generic" : "≥ generic";
            list.Add(new($"A-h{h}-step", "ns/step", a, 1, 1, Workload.Step) { TorchKey = ("A.loop", $"H={h}"), Target = $"{stepTargets[h]}, {vsGeneric}" });
            list.Add(new($"A-h{h}-seq2048", "ns/step", a, 1, 2048, Workload.Forward) { TorchKey = ("A.seq", $"H={h}"), Target = vsGeneric });
        }

        var b = new RecurrentConfig(CellKind.Lstm, 5, 6, numLayers: 2, bidirectional: true);
        list.Add(new("B-fwd", "us", b, 3, 64, Workload.Forward) { TorchKey = ("B", "fwd"), Target = "≤ 20 µs" });
        list.Add(new("B-fwdbwd", "us", b, 3, 64, Workload.ForwardBackward) { TorchKey = ("B", "fwd+bwd"), Target = "≤ 60 µs" });
        var c = new RecurrentConfig(CellKind.Lstm, 32, 128, numLayers: 2);
        list.Add(new("C-fwd", "us", c, 32, 64, Workload.Forward) { TorchKey = ("C", "fwd"), Target = "≥ generic" });
        list.Add(new("C-fwdbwd", "us", c, 32, 64, Workload.ForwardBackward) { TorchKey = ("C", "fwd+bwd"), Target = "≤ 23 ms" });
        var d = new RecurrentConfig(CellKind.Gru, 16, 64);
        list.Add(new("D-fwd", "us", d, 16, 100, Workload.Forward) { TorchKey = ("D", "fwd"), Target = "≥ generic" });
        list.Add(new("D-fwdbwd", "us", d, 16, 100, Workload.ForwardBackward) { TorchKey = ("D", "fwd+bwd"), Target = "≤ 5 ms" });
        return list;
    }
}

/// <summary>What a scenario times.</summary>
public enum Workload
{
    /// <summary>One streaming step with the state carried (batch rows, one time step).</summary>
    Step,
    /// <summary>Inference over the whole sequence.</summary>
    Forward,
    /// <summary>Training forward plus BPTT, parameter gradients accumulated (as torch_bench: loss = sum(output) + sum(h_n) (+ sum(c_n))).</summary>
    ForwardBackward,
}

/// <summary>
/// A scenario bound to one implementation, with every buffer allocated up front so the timed call allocates nothing.
/// </summary>
public sealed class ScenarioRunner
{
    private readonly IRecurrentNetwork<float> _net;
    private readonly Scenario _s;
    private readonly float[] _input, _output, _hN, _cN, _h, _c, _stepOut, _gradOutput, _gradHN, _gradCN;

    public ScenarioRunner(Scenario scenario, IRecurrentNetwork<float> net)
    {
        _s = scenario;
        _net = net;
        RecurrentConfig c = scenario.Config;
        int rows = scenario.SeqLen * scenario.Batch;
        var rng = new SeededRandom(12345);
        _input = Random(ref rng, rows * c.InputSize);
        _output = new float[rows * c.OutputSize];
        _hN = new float[c.StateRows * scenario.Batch * c.OutputHidden];
        _cN = c.HasCellState ? new float[c.StateRows * scenario.Batch * c.HiddenSize] : [];
        _h = new float[_hN.Length];
        _c = new float[_cN.Length];
        _stepOut = new float[scenario.Batch * c.OutputHidden];
        _gradOutput = Ones(_output.Length);
        _gradHN = Ones(_hN.Length);
        _gradCN = Ones(_cN.Length);
    }

    public IRecurrentNetwork<float> Network => _net;

    /// <summary>One timed call.</summary>
    public void Run()
    {
        switch (_s.Workload)
        {
            case Workload.Step:
                _net.Step(_input, _stepOut, new(_h, _c));
                break;
            case Workload.Forward:
                _net.Forward(_input, _output, _s.Batch, final: new(_hN, _cN));
                break;
            default:
                _net.Forward(_input, _output, _s.Batch, final: new(_hN, _cN), training: true);
                _net.Backward(_gradOutput, gradFinal: new(_gradHN, _gradCN));
                break;
        }
    }

    /// <summary>The output of the last call, for checking implementations agree.</summary>
    public ReadOnlySpan<float> LastOutput => _s.Workload == Workload.Step ? _h : _output;

    private static float[] Random(ref SeededRandom rng, int n)
    {
        float[] a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)rng.NextNormal();
        }

        return a;
    }

    private static float[] Ones(int n)
    {
        float[] a = new float[n];
        Array.Fill(a, 1f);
        return a;
    }
}
