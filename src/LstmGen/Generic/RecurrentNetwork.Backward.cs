using System.Buffers;
using LstmGen.Kernels;

namespace LstmGen;

public sealed partial class RecurrentNetwork<T>
{
    /// <inheritdoc/>
    public void Backward(ReadOnlySpan<T> gradOutput, Span<T> gradInput = default, ReadOnlyStateSpan<T> gradFinal = default,
        StateSpan<T> gradInitial = default)
    {
        Tape? tape = _tape;
        int seqLen = tape?.SeqLen ?? 0;
        int batch = tape?.Batch ?? 0;
        NetworkArguments.CheckBackward(Config, seqLen, batch, gradOutput, gradInput, gradFinal, gradInitial);
        BackwardCore(tape!, gradOutput, gradFinal.H, gradFinal.C, gradInput, gradInitial.H, gradInitial.C);
    }

    private void BackwardCore(Tape tape, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> gradHN, ReadOnlySpan<T> gradCN,
        Span<T> gradInput, Span<T> gradH0, Span<T> gradC0)
    {
        int seqLen = tape.SeqLen;
        int batch = tape.Batch;
        int rows = seqLen * batch;
        int outSize = Config.OutputSize;
        bool lstm = Config.HasCellState;
        bool gru = Config.Kind == CellKind.Gru;

        // Scratch: gate gradients on the input side (dGx) and the recurrent side (dGh, separate only for the GRU),
        // two layer-gradient buffers, the running dh and dc, and one row of temporaries.
        int scratchLength = (rows * G * (gru ? 2 : 1)) + (2 * rows * outSize) + (batch * HOut) + (batch * H) + H;
        T[] rented = ArrayPool<T>.Shared.Rent(scratchLength);
        try
        {
            Span<T> scratch = rented.AsSpan(0, scratchLength);
            Span<T> dGx = Take(ref scratch, rows * G);
            Span<T> dGh = gru ? Take(ref scratch, rows * G) : dGx;
            Span<T> dBufferA = Take(ref scratch, rows * outSize);
            Span<T> dBufferB = Take(ref scratch, rows * outSize);
            Span<T> dh = Take(ref scratch, batch * HOut);
            Span<T> dc = Take(ref scratch, batch * H);
            Span<T> dhFull = Take(ref scratch, H);

            RowMap userMap = Config.BatchFirst ? RowMap.BatchFirst(seqLen, batch, 0) : RowMap.SequenceFirst(seqLen, batch, 0);
            ReadOnlySpan<T> values = Parameters.Values;
            ReadOnlySpan<T> dOut = gradOutput;
            RowMap dOutMap = userMap.WithWidth(outSize);
            for (int layer = Config.NumLayers - 1; layer >= 0; layer--)
            {
                int inSize = Config.LayerInputSize(layer);
                ReadOnlySpan<T> layerIn = layer == 0 ? tape.Input : tape.LayerOutput(layer - 1);
                Span<T> dIn = layer == 0 ? gradInput : (((layer & 1) == 0 ? dBufferA : dBufferB)[..(rows * inSize)]);
                RowMap dInMap = layer == 0 ? userMap.WithWidth(inSize) : RowMap.SequenceFirst(seqLen, batch, inSize);
                dIn.Clear();
                for (int dir = 0; dir < Config.Directions; dir++)
                {
                    DirectionWeights w = _weights[(layer * Config.Directions) + dir];
                    int stateRow = (layer * Config.Directions) + dir;
                    LoadState(gradHN, dh, stateRow, batch, HOut);
                    if (lstm)
                    {
                        LoadState(gradCN, dc, stateRow, batch, H);
                    }

                    // BPTT: walk the steps in the reverse of the order the forward pass took them.
                    for (int s = seqLen - 1; s >= 0; s--)
                    {
                        int t = dir == 0 ? s : seqLen - 1 - s;
                        for (int b = 0; b < batch; b++)
                        {
                            int row = (t * batch) + b;
                            Span<T> dhRow = dh.Slice(b * HOut, HOut);
                            if (!dOut.IsEmpty)
                            {
                                LinearAlgebra<T>.Add(dhRow, dOut.Slice(dOutMap.Offset(t, b) + (dir * HOut), HOut));
                            }

                            CellBackward(w, tape.Row(Config, layer, dir, row), dhRow, lstm ? dc.Slice(b * H, H) : default,
                                dGx.Slice(row * G, G), dGh.Slice(row * G, G), dhFull, layer, dir);
                        }
                    }

                    StoreState(gradH0, dh, stateRow, batch, HOut);
                    if (lstm)
                    {
                        StoreState(gradC0, dc, stateRow, batch, H);
                    }

                    // Weight gradients and the input gradient as products over all (t, b) rows at once.
                    Span<T> gWih = Parameters.Gradient(layer, dir, ParameterRole.WeightIh);
                    Span<T> gWhh = Parameters.Gradient(layer, dir, ParameterRole.WeightHh);
                    Span<T> gBih = Parameters.Gradient(layer, dir, ParameterRole.BiasIh);
                    Span<T> gBhh = Parameters.Gradient(layer, dir, ParameterRole.BiasHh);
                    ReadOnlySpan<T> wih = values.Slice(w.WeightIh, G * inSize);
                    for (int t = 0; t < seqLen; t++)
                    {
                        for (int b = 0; b < batch; b++)
                        {
                            int row = (t * batch) + b;
                            ReadOnlySpan<T> gx = dGx.Slice(row * G, G);
                            ReadOnlySpan<T> gh = dGh.Slice(row * G, G);
                            LinearAlgebra<T>.AddOuter(gWih, gx, layerIn.Slice(row * inSize, inSize));
                            LinearAlgebra<T>.AddOuter(gWhh, gh, tape.Row(Config, layer, dir, row).HPrev);
                            if (!gBih.IsEmpty)
                            {
                                LinearAlgebra<T>.Add(gBih, gx);
                                LinearAlgebra<T>.Add(gBhh, gh);
                            }

                            if (!dIn.IsEmpty)
                            {
                                LinearAlgebra<T>.MatTransposeVecAdd(wih, gx, dIn.Slice(dInMap.Offset(t, b), inSize));
                            }
                        }
                    }
                }

                dOut = dIn;
                dOutMap = RowMap.SequenceFirst(seqLen, batch, inSize);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Backpropagates one cell update for one batch row. On entry <paramref name="dh"/> (and <paramref name="dc"/>) hold
    /// the gradient with respect to the step's new state; on return, with respect to the previous state. Writes the
    /// pre-activation gradients of the input side (<paramref name="dGx"/>) and recurrent side (<paramref name="dGh"/>).
    /// </summary>
    private void CellBackward(DirectionWeights w, TapeRow row, Span<T> dh, Span<T> dc, Span<T> dGx, Span<T> dGh,
        Span<T> dhFull, int layer, int dir)
    {
        ReadOnlySpan<T> values = Parameters.Values;
        ReadOnlySpan<T> whh = values.Slice(w.WeightHh, G * HOut);
        ReadOnlySpan<T> gates = row.Gates;
        switch (Config.Kind)
        {
            case CellKind.Lstm:
            {
                // Through the projection h = W_hr h_full, when there is one.
                ReadOnlySpan<T> dhf = dh;
                if (w.WeightHr >= 0)
                {
                    LinearAlgebra<T>.AddOuter(Parameters.Gradient(layer, dir, ParameterRole.WeightHr), dh, row.HFull);
                    dhFull.Clear();
                    LinearAlgebra<T>.MatTransposeVecAdd(values.Slice(w.WeightHr, HOut * H), dh, dhFull);
                    dhf = dhFull;
                }

                for (int j = 0; j < H; j++)
                {
                    T i = gates[j];
                    T f = gates[H + j];
                    T g = gates[(2 * H) + j];
                    T o = gates[(3 * H) + j];
                    T tc = row.TanhC[j];
                    T dO = dhf[j] * tc;
                    T dC = dc[j] + (dhf[j] * o * (T.One - (tc * tc)));
                    dGx[j] = dC * g * i * (T.One - i);
                    dGx[H + j] = dC * row.CPrev[j] * f * (T.One - f);
                    dGx[(2 * H) + j] = dC * i * (T.One - (g * g));
                    dGx[(3 * H) + j] = dO * o * (T.One - o);
                    dc[j] = dC * f;
                }

                dh.Clear();
                break;
            }

            case CellKind.Gru:
            {
                for (int j = 0; j < H; j++)
                {
                    T r = gates[j];
                    T z = gates[H + j];
                    T n = gates[(2 * H) + j];
                    T dhj = dh[j];
                    T dnPre = dhj * (T.One - z) * (T.One - (n * n));
                    T dzPre = dhj * (row.HPrev[j] - n) * z * (T.One - z);
                    T drPre = dnPre * row.HhN[j] * r * (T.One - r);
                    dGx[j] = drPre;
                    dGx[H + j] = dzPre;
                    dGx[(2 * H) + j] = dnPre;
                    dGh[j] = drPre;
                    dGh[H + j] = dzPre;
                    dGh[(2 * H) + j] = dnPre * r;
                    dh[j] = dhj * z;
                }

                break;
            }

            default:
            {
                bool relu = Config.Kind == CellKind.RnnRelu;
                for (int j = 0; j < H; j++)
                {
                    T hj = gates[j];
                    // ReLU as PyTorch's threshold_backward: 0 where h <= 0 (even for an infinite dh), dh elsewhere (NaN h too).
                    dGx[j] = relu ? (hj <= T.Zero ? T.Zero : dh[j]) : dh[j] * (T.One - (hj * hj));
                }

                dh.Clear();
                break;
            }
        }

        // The recurrent path: dh_prev += W_hhᵀ dGh.
        LinearAlgebra<T>.MatTransposeVecAdd(whh, dGh, dh);
    }

    /// <summary>One (layer, direction, t*batch+b) row of the tape; default (all empty) when not recording.</summary>
    private readonly ref struct TapeRow
    {
        public TapeRow(Span<T> hPrev, Span<T> cPrev, Span<T> gates, Span<T> tanhC, Span<T> hFull, Span<T> hhN)
        {
            HPrev = hPrev;
            CPrev = cPrev;
            Gates = gates;
            TanhC = tanhC;
            HFull = hFull;
            HhN = hhN;
        }

        /// <summary>h before the step.</summary>
        public Span<T> HPrev { get; }
        /// <summary>c before the step (LSTM).</summary>
        public Span<T> CPrev { get; }
        /// <summary>Activated gates: i, f, g, o (LSTM); r, z, n (GRU); h (RNN).</summary>
        public Span<T> Gates { get; }
        /// <summary>tanh(c) after the step (LSTM).</summary>
        public Span<T> TanhC { get; }
        /// <summary>o * tanh(c), before the projection (LSTM with projection).</summary>
        public Span<T> HFull { get; }
        /// <summary>W_hn h + b_hn (GRU).</summary>
        public Span<T> HhN { get; }
    }

    /// <summary>
    /// What a training forward pass records for BPTT, in one buffer that is created once and only grows.
    /// Per (layer, direction) and row (t*batch+b): h and c before the step, the activated gates and the cell's extras.
    /// </summary>
    private sealed class Tape
    {
        private T[] _buffer = [];
        private int _inputOffset;
        private int _layerOutputOffset;
        private int _directionOffset;
        private int _directionStride;
        private int _hPrev, _cPrev, _gates, _tanhC, _hFull, _hhN;
        private int _rows;
        private int _outputSize;
        private RecordLayout? _record;

        public int SeqLen { get; private set; }
        public int Batch { get; private set; }

        public Span<T> Input => _buffer.AsSpan(_inputOffset, _layerOutputOffset - _inputOffset);

        public void Prepare(RecurrentConfig config, int seqLen, int batch)
        {
            int rows = seqLen * batch;
            _rows = rows;
            _outputSize = config.OutputSize;

            // Per-direction record, in elements per row: the shared definition at its exact sizes (made once: a warm
            // training call allocates nothing).
            RecordLayout record = _record ??= new RecordLayout(config, lanes: 1);
            _hPrev = record.HPrev;
            _cPrev = record.CPrev;
            _gates = record.Gates;
            _tanhC = record.TanhC;
            _hFull = record.HFull;
            _hhN = record.HhN;
            _directionStride = record.Length;

            _inputOffset = 0;
            _layerOutputOffset = rows * config.InputSize;
            _directionOffset = _layerOutputOffset + ((config.NumLayers - 1) * rows * config.OutputSize);
            long total = _directionOffset + ((long)config.StateRows * rows * _directionStride);
            if (total > Array.MaxLength)
            {
                throw new ArgumentOutOfRangeException(nameof(seqLen), $"seqLen*batch = {rows} needs a training tape of {total} elements, more than one array holds.");
            }

            if (_buffer.Length < total)
            {
                _buffer = new T[total];
            }

            SeqLen = seqLen;
            Batch = batch;
        }

        public Span<T> LayerOutput(int layer) => _buffer.AsSpan(_layerOutputOffset + (layer * _rows * _outputSize), _rows * _outputSize);

        public TapeRow Row(RecurrentConfig config, int layer, int dir, int row)
        {
            int baseOffset = _directionOffset + (((((layer * config.Directions) + dir) * _rows) + row) * _directionStride);
            Span<T> block = _buffer.AsSpan(baseOffset, _directionStride);
            return new TapeRow(
                block.Slice(_hPrev, config.OutputHidden),
                block.Slice(_cPrev, _gates - _cPrev),
                block.Slice(_gates, config.GateRows),
                block.Slice(_tanhC, _hFull - _tanhC),
                block.Slice(_hFull, _hhN - _hFull),
                block.Slice(_hhN, _directionStride - _hhN));
        }
    }
}
