using System.Runtime.CompilerServices;

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

    /// <summary>Frames per block of the stream scenarios: an audio callback of 256 frames.</summary>
    public const int BlockFrames = 256;

    private static List<Scenario> Build()
    {
        var list = new List<Scenario>();
        // Streaming (issue 12): LSTM 1->H Step and sequences, and the stream object over blocks of 256 frames, bare, as a GRU,
        // and as an amp model (LSTM, Linear(H->1) and the residual). Targets: 0.8x RTNeural's best on AMD Zen 5 (ns/frame).
        var lstmTargets = new Dictionary<int, string> { [8] = "≤ 33", [16] = "≤ 40", [32] = "≤ 70", [64] = "≤ 320" };
        var gruTargets = new Dictionary<int, string> { [8] = "≤ 28", [16] = "≤ 34", [32] = "≤ 67", [64] = "≤ 280" };
        var modelTargets = new Dictionary<int, string> { [8] = "≤ 36", [16] = "≤ 42", [32] = "≤ 74", [40] = "≤ 132", [64] = "≤ 335" };
        foreach (int h in new[] { 8, 16, 32, 40, 64 })
        {
            var a = new RecurrentConfig(CellKind.Lstm, 1, h);
            string block = lstmTargets.TryGetValue(h, out string? t) ? $"{t} ns (Zen 5)" : "";
            list.Add(new($"A-h{h}-step", "ns/step", a, 1, 1, Workload.Step) { TorchKey = ("A.loop", $"H={h}"), Target = "≤ 1.15× block" });
            if (h != 40)
            {
                list.Add(new($"A-h{h}-seq2048", "ns/step", a, 1, 2048, Workload.Forward) { TorchKey = ("A.seq", $"H={h}"), Target = "≤ step" });
            }

            list.Add(new($"A-h{h}-block", "ns/frame", a, 1, BlockFrames, Workload.Block) { Target = block });
        }

        foreach (int h in new[] { 8, 16, 32, 64 })
        {
            list.Add(new($"A-gru-h{h}-block", "ns/frame", new RecurrentConfig(CellKind.Gru, 1, h), 1, BlockFrames, Workload.Block) { Target = $"{gruTargets[h]} ns (Zen 5)" });
        }

        foreach (int h in new[] { 8, 16, 32, 40, 64 })
        {
            list.Add(new($"A-model-h{h}-block", "ns/frame", new RecurrentConfig(CellKind.Lstm, 1, h), 1, BlockFrames, Workload.ModelBlock) { Target = $"{modelTargets[h]} ns (Zen 5)" });
        }

        list.Add(new("A-i5-h6-block", "ns/frame", new RecurrentConfig(CellKind.Lstm, 5, 6), 1, BlockFrames, Workload.Block) { Target = "≤ 49 ns (Zen 5)" });

        var b = new RecurrentConfig(CellKind.Lstm, 5, 6, numLayers: 2, bidirectional: true);
        list.Add(new("B-fwd", "us", b, 3, 64, Workload.Forward) { TorchKey = ("B", "fwd"), Target = "≤ 20 µs" });
        list.Add(new("B-fwdtrain", "us", b, 3, 64, Workload.TrainForward));
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
    /// <summary>A block of frames through a <see cref="RecurrentStream{T}"/>, state carried (batch = streams).</summary>
    Block,
    /// <summary>A block through a stream with a Linear(H->1) head and the residual y = head(rnn(x)) + x: an amp model.</summary>
    ModelBlock,
    /// <summary>Training forward plus BPTT, parameter gradients accumulated (as torch_bench: loss = sum(output) + sum(h_n) (+ sum(c_n))).</summary>
    ForwardBackward,
    /// <summary>The training forward alone (the tape recorded), to tell B-fwdbwd's forward from its backward.</summary>
    TrainForward,
}

/// <summary>
/// A scenario bound to one implementation, with every buffer allocated up front so the timed call allocates nothing.
/// </summary>
public sealed class ScenarioRunner
{
    private readonly IRecurrentNetwork<float> _net;
    private readonly RecurrentNetwork<float>? _genericNet;
    private readonly Scenario _s;
    private readonly float[] _input, _output, _hN, _cN, _h, _c, _stepOut, _gradOutput, _gradHN, _gradCN;
    private readonly RecurrentStream<float>? _stream;

    public ScenarioRunner(Scenario scenario, IRecurrentNetwork<float> net)
    {
        _s = scenario;
        _net = net;
        _genericNet = net as RecurrentNetwork<float>;
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
        if (scenario.Workload is Workload.Block or Workload.ModelBlock)
        {
            // The same head weights (seeded) for both implementations, so their outputs can be compared.
            bool model = scenario.Workload == Workload.ModelBlock;
            _stream = new RecurrentStream<float>(net, model ? new Training.Linear<float>(c.OutputHidden, 1, seed: 3) : null, residual: model, scenario.Batch);
            _output = new float[rows * _stream.OutputSize];
        }
    }

    public IRecurrentNetwork<float> Network => _net;

    /// <summary>One timed call.</summary>
    public void Run()
    {
        switch (_s.Workload)
        {
            case Workload.Step when _genericNet is not null:
                GenericStep(_genericNet);
                break;
            case Workload.Step:
                _net.Step(_input, _stepOut, new(_h, _c));
                break;
            case Workload.Forward:
                _net.Forward(_input, _output, _s.Batch, final: new(_hN, _cN));
                break;
            case Workload.Block or Workload.ModelBlock:
                _stream!.Process(_input, _output);
                break;
            case Workload.TrainForward:
                _net.Forward(_input, _output, _s.Batch, final: new(_hN, _cN), training: true);
                break;
            default:
                _net.Forward(_input, _output, _s.Batch, final: new(_hN, _cN), training: true);
                _net.Backward(_gradOutput, gradFinal: new(_gradHN, _gradCN));
                break;
        }
    }

    // The generic network steps through a call site of its own, outside Run. With one interface call site for both,
    // guarded devirtualization inlined the generic Step into Run (its prologue then zeroed 576 bytes of locals on every
    // call) and sent the generated networks through the fallback: their Steps measured 75-98 ns at hidden 8 in the quick
    // mode, against 57 in BenchmarkDotNet and `ab`, where each call site sees one implementation as in an application
    // (67-71 with this split: the generated shapes still share the interface call).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GenericStep(RecurrentNetwork<float> net) => net.Step(_input, _stepOut, new(_h, _c));

    /// <summary>Back to zero state, so that two implementations compared after different numbers of calls start alike.</summary>
    public void Reset()
    {
        Array.Clear(_h);
        Array.Clear(_c);
        _stream?.Reset();
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
