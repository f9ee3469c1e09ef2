using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LstmGen.Kernels;

namespace LstmGen.CompilerServices;

public sealed partial class PackedNetwork<TKernel>
{
    private static int CellStateWidth
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TKernel.HasCellState ? TKernel.HiddenPadded : 0;
    }

    // The gates per unit, from two of the kernel's constants, so the JIT folds it (TKernel.Config.GateCount is a call on
    // an object, in the backward's per-row loops).
    private static int GateCount
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TKernel.GateColumns / TKernel.HiddenPadded;
    }

    // A reference to batch row b of padded running rows of the given width; for an absent state (width 0) a reference
    // that the kernel never reads.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float RowOf(Span<float> rows, int b, int width) => ref Unsafe.Add(ref MemoryMarshal.GetReference(rows), b * width);

    [SkipLocalsInit]
    private void ForwardVector(ReadOnlySpan<float> input, int seqLen, int batch, Span<float> output, Span<float> hN, Span<float> cN,
        ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, bool training)
    {
        int gp = TKernel.GateColumns, ho = TKernel.OutputHidden, hop = TKernel.OutputHiddenPadded, hc = CellStateWidth;
        float[] w = Packed();
        int rows = seqLen * batch;
        if (training)
        {
            _tape.Prepare(input, seqLen, batch);
        }

        // The input projections are made a chunk of time steps at a time, so that a long sequence keeps them in cache
        // instead of streaming seqLen*batch*gateColumns floats through memory.
        int chunk = ChunkSteps(seqLen, batch);

        // Scratch: one chunk's input projections, the layer buffers between layers when not recording (none for one layer,
        // else one or two, used in turn), running h and c, two record rows, a step's recurrent products.
        int buffers = training ? 0 : Math.Min(TKernel.Layers - 1, 2);
        long length = ((long)chunk * batch * gp) + ((long)buffers * rows * TKernel.OutputSize) + ((long)batch * (hop + hc + gp))
            + (2L * TKernel.RecordLength);
        float[]? rented = Scratch.RentIfLarge(length, nameof(seqLen));
        try
        {
            // The stack scratch is not zeroed (SkipLocalsInit): every piece is written before it is read (the projections
            // and records whole, h and c by LoadState, the products cleared per step, the layer buffers row by row; with
            // the scratch filled with NaN instead, every test passes). Zeroing it was ~50 KB per 256-frame block at hidden 8.
            var scratch = new Scratch(rented is null ? stackalloc float[(int)length + Scratch.Slack] : Scratch.Cleared(rented, length));
            Span<float> xproj = scratch.Take(chunk * batch * gp);
            Span<float> bufferA = scratch.Take(buffers > 0 ? rows * TKernel.OutputSize : 0);
            Span<float> bufferB = scratch.Take(buffers > 1 ? rows * TKernel.OutputSize : 0);
            Span<float> hRun = scratch.Take(batch * hop);
            Span<float> cRun = scratch.Take(batch * hc);
            Span<float> record = scratch.Take(2 * TKernel.RecordLength);
            Span<float> gh = scratch.Take(batch * gp);
            Span<float> tape = _tape.Data;
            bool batched = batch >= (TKernel.Unrolled ? MinBatchedRows : MinBatchedRowsLooped);
            scoped ReadOnlySpan<float> layerIn = input;
            bool inBatchFirst = TKernel.BatchFirst;
            for (int layer = 0; layer < TKernel.Layers; layer++)
            {
                bool top = layer == TKernel.Layers - 1;
                Span<float> layerOut = top ? output
                    : training ? tape.Slice(Tape.LayerOutputOffset(rows, layer), rows * TKernel.OutputSize)
                    : (layer & 1) == 0 ? bufferA : bufferB;
                bool outBatchFirst = top && TKernel.BatchFirst;
                int inSize = layer == 0 ? TKernel.InputSize : TKernel.OutputSize;
                for (int dir = 0; dir < TKernel.Directions; dir++)
                {
                    int ld = (layer * TKernel.Directions) + dir;
                    ref float wBase = ref w[PackedBase(w, ld)];
                    ref float wh = ref Unsafe.Add(ref wBase, inSize * gp);
                    LoadState(h0, hRun, ld, batch, ho, hop);
                    LoadState(c0, cRun, ld, batch, TKernel.HiddenSize, hc);
                    int t0 = 0;
                    for (int s = 0; s < seqLen; s++)
                    {
                        int t = dir == 0 ? s : seqLen - 1 - s;
                        if (s % chunk == 0)
                        {
                            // The next chunk of steps in this direction's order: [t, t + n) forward, (t - n, t] backward.
                            int n = Math.Min(chunk, seqLen - s);
                            t0 = dir == 0 ? t : t - n + 1;
                            ProjectInputs(ref wBase, inSize, ref MemoryMarshal.GetReference(layerIn), inBatchFirst, seqLen, batch, t0, n, ref xproj[0]);
                            if (batch == 1 && !training)
                            {
                                // One row, not recording (a stream): the chunk's steps in a loop of their own.
                                StepRowChunk(ref wh, xproj, hRun, ref RowOf(cRun, 0, hc), ref record[0], layerOut, t, t0, n, dir);
                                s += n - 1;
                                continue;
                            }
                        }

                        int xrow = (t - t0) * batch;
                        if (batched)
                        {
                            // The recurrent products of every batch row at once: gh = h W_hh.
                            gh.Clear();
                            Gemm.MultiplyAdd(batch, gp, ho, ref hRun[0], hop, ref wh, TKernel.RecurrentStride, ref gh[0], gp);
                        }

                        int b0 = 0;
                        if (!batched)
                        {
                            // Rows two at a time: small shapes interleave their independent chains in one instruction stream.
                            for (; b0 + 2 <= batch; b0 += 2)
                            {
                                int row = (t * batch) + b0;
                                ref float rec0 = ref training ? ref tape[Tape.RecordOffset(rows, ld, row)] : ref record[0];
                                ref float rec1 = ref training ? ref tape[Tape.RecordOffset(rows, ld, row + 1)] : ref record[TKernel.RecordLength];
                                CellPair(ref wh, ref xproj[(xrow + b0) * gp], ref hRun[b0 * hop], ref RowOf(cRun, b0, hc), ref rec0,
                                    ref xproj[(xrow + b0 + 1) * gp], ref hRun[(b0 + 1) * hop], ref RowOf(cRun, b0 + 1, hc), ref rec1);
                                CopyRowOut(hRun, b0, layerOut, outBatchFirst, seqLen, batch, t, dir);
                                CopyRowOut(hRun, b0 + 1, layerOut, outBatchFirst, seqLen, batch, t, dir);
                            }
                        }

                        for (int b = b0; b < batch; b++)
                        {
                            int row = (t * batch) + b;
                            ref float rec = ref training ? ref tape[Tape.RecordOffset(rows, ld, row)] : ref record[0];
                            if (batched)
                            {
                                CellFromProducts(ref wh, ref gh[b * gp], ref xproj[(xrow + b) * gp], ref hRun[b * hop], ref RowOf(cRun, b, hc), ref rec);
                            }
                            else
                            {
                                Cell(ref wh, ref xproj[(xrow + b) * gp], ref hRun[b * hop], ref RowOf(cRun, b, hc), ref rec, alone: batch == 1);
                            }

                            CopyRowOut(hRun, b, layerOut, outBatchFirst, seqLen, batch, t, dir);
                        }
                    }

                    StoreState(hN, hRun, ld, batch, ho, hop);
                    StoreState(cN, cRun, ld, batch, TKernel.HiddenSize, hc);
                }

                layerIn = layerOut;
                inBatchFirst = outBatchFirst;
            }
        }
        finally
        {
            Scratch.Return(rented);
        }
    }

    // Steps one row through a chunk of n steps whose projections are in xproj (rows t0 .. t0 + n - 1), from step t in
    // the direction's order, each new h copied to its place in the layer output (for one row, batch-first or not, row t
    // is at t * OutputSize). Its few variables stay in registers, where the general loop spills its many.
    private static void StepRowChunk(ref float wh, Span<float> xproj, Span<float> hRun, ref float c, ref float rec, Span<float> layerOut,
        int t, int t0, int n, int dir)
    {
        int gp = TKernel.GateColumns, ho = TKernel.OutputHidden;
        int step = dir == 0 ? 1 : -1;
        int first = t - t0, last = first + (step * (n - 1));
        int outFirst = (t * TKernel.OutputSize) + (dir * ho), outLast = outFirst + (step * (n - 1) * TKernel.OutputSize);
        _ = xproj[(Math.Max(first, last) * gp) + gp - 1];
        _ = layerOut[Math.Min(outFirst, outLast)];
        _ = layerOut[Math.Max(outFirst, outLast) + ho - 1];
        _ = hRun[TKernel.OutputHiddenPadded - 1];
        ref float xp = ref xproj[first * gp];
        ref float output = ref layerOut[outFirst];
        ref float h = ref hRun[0];
        for (int i = 0; i < n; i++)
        {
            Cell(ref wh, ref Unsafe.Add(ref xp, i * step * gp), ref h, ref c, ref rec);
            CopyHidden(ref h, ref Unsafe.Add(ref output, i * step * TKernel.OutputSize));
        }
    }

    // Copies batch row b's new h (its running row, padded) to its place in the layer output, bounds checked at both ends
    // of the destination.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRowOut(Span<float> hRun, int b, Span<float> layerOut, bool batchFirst, int seqLen, int batch, int t, int dir)
    {
        int at = ((batchFirst ? (b * seqLen) + t : (t * batch) + b) * TKernel.OutputSize) + (dir * TKernel.OutputHidden);
        _ = layerOut[at + TKernel.OutputHidden - 1];
        CopyHidden(ref hRun[b * TKernel.OutputHiddenPadded], ref layerOut[at]);
    }

    // Copies one row's OutputHidden floats of h (from its padded running row) to a layer output row whose bounds the caller
    // checked: whole vectors when the width is a multiple of 8, else element by element, never past the row's end (that is
    // the other direction's half, or the next row). Either way no memmove call per step.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyHidden(ref float h, ref float destination)
    {
        int ho = TKernel.OutputHidden;
        if (ho % 8 == 0)
        {
            VectorCopy.Copy(ref h, ref destination, ho);
            return;
        }

        for (int k = 0; k < ho; k++)
        {
            Unsafe.Add(ref destination, k) = Unsafe.Add(ref h, k);
        }
    }

    // Time steps per chunk of input projections: about 16 KB of them, at least one step.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ChunkSteps(int seqLen, int batch) => Math.Clamp(4096 / (batch * TKernel.GateColumns), 1, seqLen);

    // xproj[row] = bias + W_ih x[row] for the rows of time steps [t0, t0 + steps) of one layer and direction, in packed
    // columns (one block of rows per time step when the input is batch-first).
    private static void ProjectInputs(ref float w, int inSize, ref float x, bool batchFirst, int seqLen, int batch, int t0, int steps, ref float xproj)
    {
        if (batchFirst)
        {
            for (int t = 0; t < steps; t++)
            {
                ProjectRows(ref w, inSize, batch, ref Unsafe.Add(ref x, (t0 + t) * inSize), seqLen * inSize, ref Unsafe.Add(ref xproj, t * batch * TKernel.GateColumns));
            }
        }
        else
        {
            ProjectRows(ref w, inSize, steps * batch, ref Unsafe.Add(ref x, t0 * batch * inSize), inSize, ref xproj);
        }
    }

    // Rows in groups of four as one matrix product (the bias first, then x W_ih added), the rest one by one. Either way
    // each row's sum runs in the same order, so a row's result does not depend on how many rows come with it: a signal
    // gives the same bits in blocks of any length, as one sequence, or step by step.
    private static void ProjectRows(ref float w, int inSize, int rows, ref float x, int lda, ref float xproj)
    {
        int gp = TKernel.GateColumns;
        ref float bias = ref BiasOf(ref w, inSize);
        int tiled = rows & ~3;
        for (int row = 0; row < tiled; row++)
        {
            for (int v = 0; v < gp; v += 8)
            {
                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref bias, (nuint)v), ref xproj, (nuint)((row * gp) + v));
            }
        }

        Gemm.MultiplyAdd(tiled, gp, inSize, ref x, lda, ref w, gp, ref xproj, gp);
        for (int row = tiled; row < rows; row++)
        {
            ProjectRow(ref w, inSize, ref Unsafe.Add(ref x, row * lda), ref Unsafe.Add(ref xproj, row * gp));
        }
    }
}
