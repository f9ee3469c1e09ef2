using System.Buffers;
using System.Numerics;
using LstmGen.Kernels;

namespace LstmGen;

/// <summary>
/// The generic recurrent network: any dimensions, decided at run time, in float or double. Exactly PyTorch's
/// <c>torch.nn.LSTM</c>/<c>GRU</c>/<c>RNN</c>. It is the oracle for every generated kernel and the fallback where
/// specialising does not pay.
/// </summary>
/// <remarks>
/// Inference (<c>training: false</c>) and <see cref="Step"/> use pooled scratch memory and may run from many threads on
/// one instance. Training records into a tape owned by the instance, created once and grown only when a longer
/// sequence or larger batch arrives.
/// </remarks>
public sealed partial class RecurrentNetwork<T> : IRecurrentNetwork<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly DirectionWeights[] _weights;
    private Tape? _tape;

    /// <summary>Creates a network with PyTorch's initialisation, U(-1/sqrt(hidden), 1/sqrt(hidden)), from <paramref name="seed"/>.</summary>
    public RecurrentNetwork(RecurrentConfig config, ulong seed = 0)
        : this(new ParameterSet<T>(new ParameterLayout(config ?? throw new ArgumentNullException(nameof(config)))))
    {
        Parameters.InitializeUniform(seed);
    }

    /// <summary>Creates a network over existing parameters (shared, e.g. by several inference threads).</summary>
    public RecurrentNetwork(ParameterSet<T> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException($"RecurrentNetwork supports float and double, not {typeof(T).Name}.");
        }

        Parameters = parameters;
        Config = parameters.Layout.Config;
        _weights = new DirectionWeights[Config.NumLayers * Config.Directions];
        for (int layer = 0; layer < Config.NumLayers; layer++)
        {
            for (int dir = 0; dir < Config.Directions; dir++)
            {
                _weights[(layer * Config.Directions) + dir] = new DirectionWeights(parameters.Layout, layer, dir);
            }
        }
    }

    /// <inheritdoc/>
    public RecurrentConfig Config { get; }

    /// <inheritdoc/>
    public ParameterSet<T> Parameters { get; }

    /// <inheritdoc/>
    /// <remarks>Always <see cref="KernelPath.Scalar"/>: the generic network is the oracle, written in scalar loops.</remarks>
    public KernelPath KernelPath => KernelPath.Scalar;

    private int G => Config.GateRows;
    private int H => Config.HiddenSize;
    private int HOut => Config.OutputHidden;

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<T> input, Span<T> output, int batch, ReadOnlyStateSpan<T> initial = default,
        StateSpan<T> final = default, bool training = false)
    {
        int seqLen = NetworkArguments.CheckForward(Config, input, output, batch, initial, final);
        if (training)
        {
            _tape ??= new Tape();
            _tape.Prepare(Config, seqLen, batch);
            ForwardCore(input, seqLen, batch, output, final.H, final.C, initial.H, initial.C, _tape);
        }
        else
        {
            ForwardCore(input, seqLen, batch, output, final.H, final.C, initial.H, initial.C, tape: null);
        }
    }

    /// <inheritdoc/>
    public void Prepare() => Preparation.Run(this);

    /// <inheritdoc/>
    public void Step(ReadOnlySpan<T> input, Span<T> output, StateSpan<T> state)
    {
        int batch = NetworkArguments.CheckStep(Config, input, output, state);
        Span<T> h = state.H, c = state.C;
        int scratchLength = (batch * G) + (batch * Config.OutputSize) + CellScratchLength;
        T[] rented = ArrayPool<T>.Shared.Rent(scratchLength);
        try
        {
            Span<T> scratch = rented.AsSpan(0, scratchLength);
            Span<T> xproj = scratch[..(batch * G)];
            Span<T> layerOut = scratch.Slice(batch * G, batch * Config.OutputSize);
            Span<T> cell = scratch.Slice((batch * G) + (batch * Config.OutputSize), CellScratchLength);
            ReadOnlySpan<T> layerIn = input;
            for (int layer = 0; layer < Config.NumLayers; layer++)
            {
                DirectionWeights w = _weights[layer];
                ProjectInputs(w, layerIn, RowMap.SequenceFirst(1, batch, w.InputSize), 1, batch, xproj);
                for (int b = 0; b < batch; b++)
                {
                    Span<T> hRow = h.Slice(((layer * batch) + b) * HOut, HOut);
                    Span<T> cRow = Config.HasCellState ? c.Slice(((layer * batch) + b) * H, H) : default;
                    CellForward(w, xproj.Slice(b * G, G), hRow, cRow, cell, default);
                    hRow.CopyTo(layerOut.Slice(b * HOut, HOut));
                }

                layerIn = layerOut[..(batch * HOut)];
            }

            if (!output.IsEmpty)
            {
                layerIn.CopyTo(output);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(rented);
        }
    }

    private void ForwardCore(ReadOnlySpan<T> input, int seqLen, int batch, Span<T> output, Span<T> hN, Span<T> cN,
        ReadOnlySpan<T> h0, ReadOnlySpan<T> c0, Tape? tape)
    {
        int rows = seqLen * batch;
        int outSize = Config.OutputSize;
        bool lstm = Config.HasCellState;

        // Scratch: input projections, two layer buffers (ping-pong), the running h and c, and one row of cell temporaries.
        int scratchLength = (rows * G) + (2 * rows * outSize) + (batch * HOut) + (batch * H) + CellScratchLength;
        T[] rented = ArrayPool<T>.Shared.Rent(scratchLength);
        try
        {
            Span<T> scratch = rented.AsSpan(0, scratchLength);
            Span<T> xproj = Take(ref scratch, rows * G);
            Span<T> bufferA = Take(ref scratch, rows * outSize);
            Span<T> bufferB = Take(ref scratch, rows * outSize);
            Span<T> hRun = Take(ref scratch, batch * HOut);
            Span<T> cRun = Take(ref scratch, batch * H);
            Span<T> cellScratch = Take(ref scratch, CellScratchLength);

            RowMap userMap = Config.BatchFirst ? RowMap.BatchFirst(seqLen, batch, 0) : RowMap.SequenceFirst(seqLen, batch, 0);
            if (tape is not null)
            {
                // The input is kept so Backward computes weight_ih_l0's gradient even if the caller reuses the buffer.
                CopyRows(input, userMap.WithWidth(Config.InputSize), tape.Input, seqLen, batch, Config.InputSize);
            }

            ReadOnlySpan<T> layerIn = input;
            RowMap inMap = userMap.WithWidth(Config.InputSize);
            for (int layer = 0; layer < Config.NumLayers; layer++)
            {
                bool top = layer == Config.NumLayers - 1;
                Span<T> layerOut = top ? output : (tape is not null ? tape.LayerOutput(layer) : ((layer & 1) == 0 ? bufferA : bufferB));
                RowMap outMap = top ? userMap.WithWidth(outSize) : RowMap.SequenceFirst(seqLen, batch, outSize);
                for (int dir = 0; dir < Config.Directions; dir++)
                {
                    DirectionWeights w = _weights[(layer * Config.Directions) + dir];
                    int stateRow = (layer * Config.Directions) + dir;
                    ProjectInputs(w, layerIn, inMap, seqLen, batch, xproj);
                    LoadState(h0, hRun, stateRow, batch, HOut);
                    if (lstm)
                    {
                        LoadState(c0, cRun, stateRow, batch, H);
                    }

                    for (int s = 0; s < seqLen; s++)
                    {
                        int t = dir == 0 ? s : seqLen - 1 - s;
                        for (int b = 0; b < batch; b++)
                        {
                            int row = (t * batch) + b;
                            Span<T> hRow = hRun.Slice(b * HOut, HOut);
                            Span<T> cRow = lstm ? cRun.Slice(b * H, H) : default;
                            TapeRow record = default;
                            if (tape is not null)
                            {
                                record = tape.Row(Config, layer, dir, row);
                                hRow.CopyTo(record.HPrev);
                                cRow.CopyTo(record.CPrev);
                            }

                            CellForward(w, xproj.Slice(row * G, G), hRow, cRow, cellScratch, record);
                            hRow.CopyTo(layerOut.Slice(outMap.Offset(t, b) + (dir * HOut), HOut));
                        }
                    }

                    StoreState(hN, hRun, stateRow, batch, HOut);
                    if (lstm)
                    {
                        StoreState(cN, cRun, stateRow, batch, H);
                    }
                }

                layerIn = layerOut;
                inMap = outMap;
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(rented);
        }
    }

    // xproj[t*batch+b] = W_ih x(t,b) + b_ih, plus b_hh for LSTM and RNN (for the GRU, b_hn must stay inside r*(...)).
    private void ProjectInputs(DirectionWeights w, ReadOnlySpan<T> layerIn, RowMap inMap, int seqLen, int batch, Span<T> xproj)
    {
        ReadOnlySpan<T> values = Parameters.Values;
        ReadOnlySpan<T> wih = values.Slice(w.WeightIh, G * w.InputSize);
        for (int t = 0; t < seqLen; t++)
        {
            for (int b = 0; b < batch; b++)
            {
                Span<T> dst = xproj.Slice(((t * batch) + b) * G, G);
                LinearAlgebra<T>.MatVec(wih, layerIn.Slice(inMap.Offset(t, b), w.InputSize), dst);
                if (w.BiasIh >= 0)
                {
                    LinearAlgebra<T>.Add(dst, values.Slice(w.BiasIh, G));
                    if (Config.Kind != CellKind.Gru)
                    {
                        LinearAlgebra<T>.Add(dst, values.Slice(w.BiasHh, G));
                    }
                }
            }
        }
    }

    /// <summary>
    /// One cell update for one batch row, in place on h (and c). <paramref name="xproj"/> holds the input projection
    /// with biases; when <paramref name="record"/> is set, the activations BPTT needs are written to it.
    /// </summary>
    private void CellForward(DirectionWeights w, ReadOnlySpan<T> xproj, Span<T> h, Span<T> c, Span<T> scratch, TapeRow record)
    {
        // scratch is CellScratchLength long: [0, G) pre-activations, [G, G+H) h before projection, [G+H, G+2H) tanh(c).
        ReadOnlySpan<T> values = Parameters.Values;
        ReadOnlySpan<T> whh = values.Slice(w.WeightHh, G * HOut);
        switch (Config.Kind)
        {
            case CellKind.Lstm:
            {
                // Pre-activations x part (biases included) + W_hh h, overwritten in place by i, f, g, o.
                Span<T> gates = record.Gates.IsEmpty ? scratch[..G] : record.Gates;
                Span<T> hFull = record.HFull.IsEmpty ? scratch.Slice(G, H) : record.HFull;
                Span<T> tanhC = record.TanhC.IsEmpty ? scratch.Slice(G + H, H) : record.TanhC;
                xproj.CopyTo(gates);
                LinearAlgebra<T>.MatVecAdd(whh, h, gates);
                for (int j = 0; j < H; j++)
                {
                    T i = Sigmoid(gates[j]);
                    T f = Sigmoid(gates[H + j]);
                    T g = T.Tanh(gates[(2 * H) + j]);
                    T o = Sigmoid(gates[(3 * H) + j]);
                    gates[j] = i;
                    gates[H + j] = f;
                    gates[(2 * H) + j] = g;
                    gates[(3 * H) + j] = o;
                    c[j] = (f * c[j]) + (i * g);
                    tanhC[j] = T.Tanh(c[j]);
                    hFull[j] = o * tanhC[j];
                }

                if (w.WeightHr >= 0)
                {
                    LinearAlgebra<T>.MatVec(values.Slice(w.WeightHr, HOut * H), hFull, h);
                }
                else
                {
                    hFull.CopyTo(h);
                }

                break;
            }

            case CellKind.Gru:
            {
                // hh = W_hh h + b_hh is kept apart, because the reset gate scales its n part: n = tanh(x_n + r * hh_n).
                Span<T> hh = scratch[..G];
                LinearAlgebra<T>.MatVec(whh, h, hh);
                if (w.BiasHh >= 0)
                {
                    LinearAlgebra<T>.Add(hh, values.Slice(w.BiasHh, G));
                }

                for (int j = 0; j < H; j++)
                {
                    T r = Sigmoid(xproj[j] + hh[j]);
                    T z = Sigmoid(xproj[H + j] + hh[H + j]);
                    T hhn = hh[(2 * H) + j];
                    T n = T.Tanh(xproj[(2 * H) + j] + (r * hhn));
                    if (!record.Gates.IsEmpty)
                    {
                        record.Gates[j] = r;
                        record.Gates[H + j] = z;
                        record.Gates[(2 * H) + j] = n;
                        record.HhN[j] = hhn;
                    }

                    h[j] = ((T.One - z) * n) + (z * h[j]);
                }

                break;
            }

            default:
            {
                Span<T> pre = scratch[..H];
                xproj.CopyTo(pre);
                LinearAlgebra<T>.MatVecAdd(whh, h, pre);
                bool relu = Config.Kind == CellKind.RnnRelu;
                for (int j = 0; j < H; j++)
                {
                    h[j] = relu ? T.Max(pre[j], T.Zero) : T.Tanh(pre[j]);
                }

                // The RNN's only activation is h itself; its derivative is computed from it.
                if (!record.Gates.IsEmpty)
                {
                    h.CopyTo(record.Gates);
                }

                break;
            }
        }
    }

    private int CellScratchLength => G + (2 * H);

    private static T Sigmoid(T x) => T.One / (T.One + T.Exp(-x));

    private static Span<T> Take(scoped ref Span<T> scratch, int length)
    {
        Span<T> head = scratch[..length];
        scratch = scratch[length..];
        return head;
    }

    private static void LoadState(ReadOnlySpan<T> state, Span<T> run, int stateRow, int batch, int width)
    {
        if (state.IsEmpty)
        {
            run.Clear();
        }
        else
        {
            state.Slice(stateRow * batch * width, batch * width).CopyTo(run);
        }
    }

    private static void StoreState(Span<T> state, ReadOnlySpan<T> run, int stateRow, int batch, int width)
    {
        if (!state.IsEmpty)
        {
            run.CopyTo(state.Slice(stateRow * batch * width, batch * width));
        }
    }

    private static void CopyRows(ReadOnlySpan<T> source, RowMap map, Span<T> destination, int seqLen, int batch, int width)
    {
        for (int t = 0; t < seqLen; t++)
        {
            for (int b = 0; b < batch; b++)
            {
                source.Slice(map.Offset(t, b), width).CopyTo(destination.Slice(((t * batch) + b) * width, width));
            }
        }
    }

    /// <summary>Offsets of the parameters of one (layer, direction); -1 where a parameter does not exist.</summary>
    private sealed class DirectionWeights
    {
        public DirectionWeights(ParameterLayout layout, int layer, int dir)
        {
            InputSize = layout.Config.LayerInputSize(layer);
            WeightIh = layout.Find(layer, dir, ParameterRole.WeightIh)!.Offset;
            WeightHh = layout.Find(layer, dir, ParameterRole.WeightHh)!.Offset;
            BiasIh = layout.Find(layer, dir, ParameterRole.BiasIh)?.Offset ?? -1;
            BiasHh = layout.Find(layer, dir, ParameterRole.BiasHh)?.Offset ?? -1;
            WeightHr = layout.Find(layer, dir, ParameterRole.WeightHr)?.Offset ?? -1;
        }

        public int InputSize { get; }
        public int WeightIh { get; }
        public int WeightHh { get; }
        public int BiasIh { get; }
        public int BiasHh { get; }
        public int WeightHr { get; }
    }

    /// <summary>Where row (t, b) of a (seq, batch, width) or (batch, seq, width) tensor starts.</summary>
    private readonly struct RowMap
    {
        private readonly int _timeStride;
        private readonly int _batchStride;
        private readonly int _seqLen;
        private readonly int _batch;
        private readonly bool _batchFirst;

        private RowMap(int seqLen, int batch, int width, bool batchFirst)
        {
            _seqLen = seqLen;
            _batch = batch;
            _batchFirst = batchFirst;
            _timeStride = batchFirst ? width : batch * width;
            _batchStride = batchFirst ? seqLen * width : width;
        }

        public static RowMap SequenceFirst(int seqLen, int batch, int width) => new(seqLen, batch, width, false);

        public static RowMap BatchFirst(int seqLen, int batch, int width) => new(seqLen, batch, width, true);

        public RowMap WithWidth(int width) => new(_seqLen, _batch, width, _batchFirst);

        public int Offset(int t, int b) => (t * _timeStride) + (b * _batchStride);
    }
}
