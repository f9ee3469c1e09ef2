using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LstmGen.Kernels;

namespace LstmGen.CompilerServices;

public sealed partial class PackedNetwork<TKernel>
{
    // Packed gate columns per panel of a weight-gradient product: a panel of the widest input stays within L2.
    private static int PanelColumns
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Math.Min(TKernel.GateColumns, 64);
    }

    // BPTT through the last training Forward; the oracle's RecurrentNetwork.Backward in packed form.
    private void BackwardVector(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradHN, ReadOnlySpan<float> gradCN,
        Span<float> gradInput, Span<float> gradH0, Span<float> gradC0)
    {
        int gp = TKernel.GateColumns, ho = TKernel.OutputHidden, hop = TKernel.OutputHiddenPadded, hc = CellStateWidth;
        int seqLen = _tape.SeqLen, batch = _tape.Batch, rows = seqLen * batch;
        float[] w = Packed();
        Span<float> tape = _tape.Data;
        Span<float> grad = Parameters.Gradients;
        int projected = TKernel.ProjSize > 0 ? TKernel.HiddenSize * TKernel.ProjPadded : 0;
        // Scratch: gate gradients (input side, and the recurrent side where it differs), two layer-gradient buffers, dh, dc,
        // a row of temporaries, the packed W_hr gradient, a weight-gradient panel.
        long length = ((long)rows * gp * (TKernel.RecurrentBiasApart ? 2 : 1)) + (2L * rows * TKernel.OutputSize) + ((long)batch * (hop + hc))
            + TKernel.HiddenPadded + projected + ((long)Math.Max(TKernel.InputSize, TKernel.OutputSize) * PanelColumns);
        float[]? rented = Scratch.RentIfLarge(length, nameof(gradOutput));
        try
        {
            var scratch = new Scratch(rented is null ? stackalloc float[(int)length + Scratch.Slack] : Scratch.Cleared(rented, length));
            Span<float> dgx = scratch.Take(rows * gp);
            Span<float> dgh = TKernel.RecurrentBiasApart ? scratch.Take(rows * gp) : dgx;
            Span<float> bufferA = scratch.Take(rows * TKernel.OutputSize);
            Span<float> bufferB = scratch.Take(rows * TKernel.OutputSize);
            Span<float> dh = scratch.Take(batch * hop);
            Span<float> dc = scratch.Take(batch * hc);
            Span<float> tmp = scratch.Take(TKernel.HiddenPadded);
            Span<float> gwr = scratch.Take(projected);
            Span<float> panel = scratch.Take(Math.Max(TKernel.InputSize, TKernel.OutputSize) * PanelColumns);
            scoped ReadOnlySpan<float> dOut = gradOutput;
            bool dOutBatchFirst = TKernel.BatchFirst;
            for (int layer = TKernel.Layers - 1; layer >= 0; layer--)
            {
                int inSize = layer == 0 ? TKernel.InputSize : TKernel.OutputSize;
                ref float layerIn = ref tape[layer == 0 ? 0 : Tape.LayerOutputOffset(rows, layer - 1)];
                Span<float> dIn = layer == 0 ? gradInput : (layer & 1) == 0 ? bufferA : bufferB;
                bool dInBatchFirst = layer == 0 && TKernel.BatchFirst;
                dIn.Clear();
                for (int dir = 0; dir < TKernel.Directions; dir++)
                {
                    int ld = (layer * TKernel.Directions) + dir;
                    ref float wBase = ref w[PackedBase(w, ld)];
                    ref float wh = ref Unsafe.Add(ref wBase, inSize * gp);
                    LoadState(gradHN, dh, ld, batch, ho, hop);
                    LoadState(gradCN, dc, ld, batch, TKernel.HiddenSize, hc);
                    gwr.Clear();
                    // BPTT: the steps in the reverse of the order the forward pass took them.
                    for (int s = seqLen - 1; s >= 0; s--)
                    {
                        int t = dir == 0 ? s : seqLen - 1 - s;
                        for (int b = 0; b < batch; b++)
                        {
                            int row = (t * batch) + b;
                            Span<float> dhRow = dh.Slice(b * hop, hop);
                            if (!dOut.IsEmpty)
                            {
                                ReadOnlySpan<float> g = dOut.Slice(((dOutBatchFirst ? (b * seqLen) + t : row) * TKernel.OutputSize) + (dir * ho), ho);
                                for (int k = 0; k < ho; k++)
                                {
                                    dhRow[k] += g[k];
                                }
                            }

                            ref float rec = ref tape[Tape.RecordOffset(rows, ld, row)];
                            if (TKernel.ProjSize > 0)
                            {
                                ProjectionBackward(ref wh, ref rec, ref dhRow[0], ref tmp[0], ref gwr[0]);
                            }

                            CellBackward(ref wh, ref rec, ref dhRow[0], ref RowOf(dc, b, hc), ref dgx[row * gp], ref dgh[row * gp], ref tmp[0]);
                            ClearPaddingGates(ref dgx[row * gp]);
                            if (TKernel.RecurrentBiasApart)
                            {
                                ClearPaddingGates(ref dgh[row * gp]);
                            }
                        }

                        // dh_prev += dG_h W_hhᵀ for the step's rows at once (the packed transposed copy; its padding is zero).
                        Gemm.MultiplyAdd(batch, hop, gp, ref dgh[t * batch * gp], gp, ref Unsafe.Add(ref wh, TKernel.RecurrentTransposedOffset), hop, ref dh[0], hop);
                        ClearPaddingState(dh, batch);
                    }

                    StoreState(gradH0, dh, ld, batch, ho, hop);
                    StoreState(gradC0, dc, ld, batch, TKernel.HiddenSize, hc);

                    // Parameter gradients as products over all rows at once, scattered into PyTorch layout.
                    AccumulateOuter(ref layerIn, inSize, inSize, ref dgx[0], rows, grad, Offset(ld, ParameterRole.WeightIh), panel);
                    AccumulateOuter(ref tape[Tape.RecordOffset(rows, ld, 0)], TKernel.RecordLength, ho, ref dgh[0], rows, grad, Offset(ld, ParameterRole.WeightHh), panel);
                    if (TKernel.Config.Bias)
                    {
                        if (TKernel.RecurrentBiasApart)
                        {
                            AccumulateBias(ref dgx[0], rows, grad, Offset(ld, ParameterRole.BiasIh), -1);
                            AccumulateBias(ref dgh[0], rows, grad, Offset(ld, ParameterRole.BiasHh), -1);
                        }
                        else
                        {
                            // b_ih and b_hh enter the gates alike: one sum serves both.
                            AccumulateBias(ref dgx[0], rows, grad, Offset(ld, ParameterRole.BiasIh), Offset(ld, ParameterRole.BiasHh));
                        }
                    }

                    if (TKernel.ProjSize > 0)
                    {
                        int whr = Offset(ld, ParameterRole.WeightHr);
                        for (int p = 0; p < TKernel.ProjSize; p++)
                        {
                            for (int j = 0; j < TKernel.HiddenSize; j++)
                            {
                                grad[whr + (p * TKernel.HiddenSize) + j] += gwr[(j * TKernel.ProjPadded) + p];
                            }
                        }
                    }

                    if (!dIn.IsEmpty)
                    {
                        PropagateInputs(ref wBase, inSize, ref dgx[0], seqLen, batch, dInBatchFirst, ref dIn[0]);
                    }
                }

                dOut = dIn;
                dOutBatchFirst = false;
            }
        }
        finally
        {
            Scratch.Return(rented);
        }
    }

    // Padding lanes carry no unit, but an infinity times a zero padding weight makes them NaN (in the forward products,
    // and in dh_prev's); the products that sum over packed columns or lanes (dh_prev, the input gradient, W_hrᵀ dh) would
    // carry that NaN into real units, where PyTorch has none. So the padding lanes of each row's gate gradients and of dh
    // are zeroed: with a bit mask, so NaN becomes 0 too.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ClearPaddingGates(ref float dg)
    {
        int real = TKernel.HiddenSize % 8;
        if (real != 0)
        {
            Vector256<float> mask = RealLanes(real);
            ref float last = ref Unsafe.Add(ref dg, TKernel.GateColumns - (GateCount * 8));
            for (int g = 0; g < GateCount; g++)
            {
                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref last, (nuint)(g * 8)) & mask, ref last, (nuint)(g * 8));
            }
        }
    }

    /// <inheritdoc cref="ClearPaddingGates"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ClearPaddingState(Span<float> dh, int batch)
    {
        int real = TKernel.OutputHidden % 8;
        if (real != 0)
        {
            Vector256<float> mask = RealLanes(real);
            int last = TKernel.OutputHiddenPadded - 8;
            for (int b = 0; b < batch; b++)
            {
                ref float v = ref dh[(b * TKernel.OutputHiddenPadded) + last];
                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref v) & mask, ref v);
            }
        }
    }

    // All bits set in the lanes below real, zero above: AND keeps the real lanes and zeroes the padding, NaN included.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> RealLanes(int real) => Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(real)).AsSingle();

    // Through h = W_hr h_full: dW_hr += dh h_fullᵀ (kept transposed, like the packed W_hr), and tmp = W_hrᵀ dh, the
    // gradient of h_full that the cell's backward takes instead of dh.
    private static void ProjectionBackward(ref float wh, ref float rec, ref float dh, ref float tmp, ref float gwr)
    {
        int pp = TKernel.ProjPadded;
        ref float hfull = ref Unsafe.Add(ref rec, TKernel.RecordHFull);
        ref float wr = ref Unsafe.Add(ref wh, TKernel.ExtraOffset);
        for (int j = 0; j < TKernel.HiddenSize; j++)
        {
            Vector256<float> hj = Vector256.Create(Unsafe.Add(ref hfull, j));
            for (int p = 0; p < pp; p += 8)
            {
                nuint at = (nuint)((j * pp) + p);
                Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(hj, Vector256.LoadUnsafe(ref dh, (nuint)p), Vector256.LoadUnsafe(ref gwr, at)), ref gwr, at);
            }
        }

        // Row j of the packed W_hr is column j of W_hr: tmp[j] = (packed row j) · dh, a product with one row.
        for (int v = 0; v < TKernel.HiddenPadded; v += 8)
        {
            Vector256.StoreUnsafe(Vector256<float>.Zero, ref tmp, (nuint)v);
        }

        Gemm.MultiplyAddTransposedB(1, TKernel.HiddenSize, pp, ref dh, pp, ref wr, pp, ref tmp, TKernel.HiddenSize);
    }

    // grad[off + r*width + k] += sum over rows of src[row*stride + k] * dG[row][PackedColumn(r)], for every gate row r:
    // PanelColumns packed columns at a time as one matrix product into a panel, then scattered into PyTorch's layout.
    private static void AccumulateOuter(ref float src, int stride, int width, ref float dg, int rows, Span<float> grad, int off, Span<float> panel)
    {
        int gp = TKernel.GateColumns;
        for (int v0 = 0; v0 < gp; v0 += PanelColumns)
        {
            int columns = Math.Min(PanelColumns, gp - v0);
            Span<float> p = panel[..(width * columns)];
            p.Clear();
            Gemm.MultiplyAddTransposedA(width, columns, rows, ref src, stride, ref Unsafe.Add(ref dg, v0), gp, ref p[0], columns);
            for (int k = 0; k < width; k++)
            {
                for (int v = 0; v < columns; v += 8)
                {
                    ScatterAdd(Vector256.LoadUnsafe(ref p[0], (nuint)((k * columns) + v)), v0 + v, grad, off + k, width);
                }
            }
        }
    }

    // Bias gradients: the gate gradients summed over all rows, up to 8 packed vectors at a time in registers (each row's
    // columns read in order), then scattered into the bias at off, and at off2 too when that is not negative.
    private static void AccumulateBias(ref float dg, int rows, Span<float> grad, int off, int off2)
    {
        int gp = TKernel.GateColumns;
        int v0 = 0;
        for (; v0 + 64 <= gp; v0 += 64)
        {
            SumColumns(ref dg, rows, v0, 8, grad, off, off2);
        }

        if (v0 < gp)
        {
            SumColumns(ref dg, rows, v0, (gp - v0) / 8, grad, off, off2);
        }
    }

    // The sums of n (at most 8) packed vectors from column v0 over all rows, scattered to the bias (and the second bias).
    // Inlined with a constant n, the unused accumulators fold away.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumColumns(ref float dg, int rows, int v0, int n, Span<float> grad, int off, int off2)
    {
        int gp = TKernel.GateColumns;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (int row = 0; row < rows; row++)
        {
            ref float d = ref Unsafe.Add(ref dg, (row * gp) + v0);
            s0 += Vector256.LoadUnsafe(ref d);
            if (n > 1) s1 += Vector256.LoadUnsafe(ref d, 8);
            if (n > 2) s2 += Vector256.LoadUnsafe(ref d, 16);
            if (n > 3) s3 += Vector256.LoadUnsafe(ref d, 24);
            if (n > 4) s4 += Vector256.LoadUnsafe(ref d, 32);
            if (n > 5) s5 += Vector256.LoadUnsafe(ref d, 40);
            if (n > 6) s6 += Vector256.LoadUnsafe(ref d, 48);
            if (n > 7) s7 += Vector256.LoadUnsafe(ref d, 56);
        }

        ReadOnlySpan<Vector256<float>> sums = [s0, s1, s2, s3, s4, s5, s6, s7];
        for (int a = 0; a < n; a++)
        {
            ScatterAdd(sums[a], v0 + (a * 8), grad, off, 1);
            if (off2 >= 0)
            {
                ScatterAdd(sums[a], v0 + (a * 8), grad, off2, 1);
            }
        }
    }

    // Adds the lanes of packed vector v (8 units of one gate) to their PyTorch rows, skipping padding lanes.
    private static void ScatterAdd(Vector256<float> acc, int v, Span<float> grad, int at, int width)
    {
        int gates = GateCount;
        int gate = (v >> 3) % gates;
        int unit0 = (v >> 3) / gates * 8;
        for (int lane = 0; lane < 8 && unit0 + lane < TKernel.HiddenSize; lane++)
        {
            grad[at + (((gate * TKernel.HiddenSize) + unit0 + lane) * width)] += acc.GetElement(lane);
        }
    }

    // dIn[row] += W_ihᵀ dG[row] for every row: rows of dG dotted with the packed rows of W_ih, as one matrix product
    // (one per time step when the input gradient is batch-first).
    private static void PropagateInputs(ref float wx, int inSize, ref float dg, int seqLen, int batch, bool batchFirst, ref float dIn)
    {
        int gp = TKernel.GateColumns;
        if (batchFirst)
        {
            for (int t = 0; t < seqLen; t++)
            {
                Gemm.MultiplyAddTransposedB(batch, inSize, gp, ref Unsafe.Add(ref dg, t * batch * gp), gp, ref wx, gp, ref Unsafe.Add(ref dIn, t * inSize), seqLen * inSize);
            }
        }
        else
        {
            Gemm.MultiplyAddTransposedB(seqLen * batch, inSize, gp, ref dg, gp, ref wx, gp, ref dIn, inSize);
        }
    }
}
