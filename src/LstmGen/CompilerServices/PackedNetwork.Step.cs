using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LstmGen.Kernels;

namespace LstmGen.CompilerServices;

public sealed partial class PackedNetwork<TKernel>
{
    // True when h and c are whole vectors: the cell then updates the caller's state rows in place, with no padded copies.
    private static bool StateIsWholeVectors
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TKernel.OutputHidden == TKernel.OutputHiddenPadded && (!TKernel.HasCellState || TKernel.HiddenSize == TKernel.HiddenPadded);
    }

    // One row's input projection and record, and its state padded to whole vectors unless it is already.
    private static int StepScratchLength
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TKernel.GateColumns + TKernel.RecordLength + (StateIsWholeVectors ? 0 : TKernel.OutputHiddenPadded + CellStateWidth);
    }

    // One time step, row by row through every layer: a row's new h is the next layer's input, updated in place.
    // Six arguments, all in registers (System V x64); the batch is the input's length over a constant. The stack scratch
    // is not zeroed (SkipLocalsInit): the projection and the cell write every lane they read (with the scratch filled
    // with NaN instead, every Step test passes), and only the padding of the running state rows must start at zero,
    // which StepRows clears. Zeroing it all was a memset call per step.
    [SkipLocalsInit]
    private void StepVector(ReadOnlySpan<float> input, Span<float> output, in StateSpan<float> state)
    {
        int batch = input.Length / TKernel.InputSize;
        Span<float> h = state.H, c = state.C;
        float[] w = PackedInline();
        if (StepScratchLength <= Scratch.StackFloats)
        {
            // Constant sizes: on the stack, the pieces back to back. Lined up on cache lines like other scratch, a step at
            // hidden 8 took 3-5% longer (paired rounds, `ab`): a call of ~75 ns has nothing to gain from it.
            StepRows(w, input, batch, h, c, output, Scratch.Contiguous(stackalloc float[StepScratchLength]));
            return;
        }

        float[]? rented = Scratch.RentIfLarge(StepScratchLength, nameof(batch));
        try
        {
            StepRows(w, input, batch, h, c, output, new Scratch(Scratch.Cleared(rented!, StepScratchLength)));
        }
        finally
        {
            Scratch.Return(rented);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // into StepVector, whatever the profile says
    private static void StepRows(float[] w, ReadOnlySpan<float> input, int batch, Span<float> h, Span<float> c, Span<float> output, Scratch scratch)
    {
        int ho = TKernel.OutputHidden, hidden = TKernel.HiddenSize;
        Span<float> xproj = scratch.Take(TKernel.GateColumns);
        Span<float> record = scratch.Take(TKernel.RecordLength);
        Span<float> hRun = scratch.Take(StateIsWholeVectors ? 0 : TKernel.OutputHiddenPadded);
        Span<float> cRun = scratch.Take(StateIsWholeVectors ? 0 : CellStateWidth);
        if (!StateIsWholeVectors)
        {
            // Unzeroed stack (StepVector): the padding lanes of the running rows must start at zero.
            hRun.Clear();
            cRun.Clear();
        }

        for (int b = 0; b < batch; b++)
        {
            // Layer 0 apart: its input width is a constant, and a one-layer network has no layer loop at all.
            Span<float> hState = h.Slice(b * ho, ho);
            StepLayer(ref w[PackedBase(w, 0)], TKernel.InputSize, input.Slice(b * TKernel.InputSize, TKernel.InputSize), hState,
                TKernel.HasCellState ? c.Slice(b * hidden, hidden) : default, xproj, record, hRun, cRun);
            for (int layer = 1; layer < TKernel.Layers; layer++)
            {
                Span<float> hBelow = hState;
                hState = h.Slice(((layer * batch) + b) * ho, ho);
                StepLayer(ref w[PackedBase(w, layer)], TKernel.OutputSize, hBelow, hState,
                    TKernel.HasCellState ? c.Slice(((layer * batch) + b) * hidden, hidden) : default, xproj, record, hRun, cRun);
            }

            if (!output.IsEmpty)
            {
                hState.CopyTo(output.Slice(b * ho, ho));
            }
        }
    }

    // One row through one layer: its input projection, then the cell on its state row, in place or through the padded copy.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StepLayer(ref float wBase, int inSize, ReadOnlySpan<float> x, Span<float> hState, Span<float> cState,
        Span<float> xproj, Span<float> record, Span<float> hRun, Span<float> cRun)
    {
        ProjectRow(ref wBase, inSize, ref MemoryMarshal.GetReference(x), ref xproj[0]);
        ref float wh = ref Unsafe.Add(ref wBase, inSize * TKernel.GateColumns);
        if (StateIsWholeVectors)
        {
            Cell(ref wh, ref xproj[0], ref hState[0], ref MemoryMarshal.GetReference(cState), ref record[0]);
        }
        else
        {
            // The state row goes through its copy padded to whole vectors.
            hState.CopyTo(hRun);
            cState.CopyTo(cRun);
            Cell(ref wh, ref xproj[0], ref hRun[0], ref MemoryMarshal.GetReference(cRun), ref record[0]);
            hRun[..TKernel.OutputHidden].CopyTo(hState);
            cRun[..cState.Length].CopyTo(cState);
        }
    }

    // The combined bias of a packed (layer, direction) block w whose input has inSize features.
    private static ref float BiasOf(ref float w, int inSize) => ref Unsafe.Add(ref w, (inSize * TKernel.GateColumns) + TKernel.BiasOffset);

    // xp = bias + W_ih x for one row, in packed columns: 4 vectors at a time (4 independent FMA chains), then single vectors.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ProjectRow(ref float w, int inSize, ref float x, ref float xp)
    {
        int gp = TKernel.GateColumns;
        ref float bias = ref BiasOf(ref w, inSize);
        if (!Vector256.IsHardwareAccelerated)
        {
            ProjectRow128(ref w, inSize, ref x, ref xp, ref bias);
            return;
        }

        int v = 0;
        for (; v + 32 <= gp; v += 32)
        {
            Vector256<float> a0 = Vector256.LoadUnsafe(ref bias, (nuint)v);
            Vector256<float> a1 = Vector256.LoadUnsafe(ref bias, (nuint)(v + 8));
            Vector256<float> a2 = Vector256.LoadUnsafe(ref bias, (nuint)(v + 16));
            Vector256<float> a3 = Vector256.LoadUnsafe(ref bias, (nuint)(v + 24));
            for (int k = 0; k < inSize; k++)
            {
                Vector256<float> xk = Vector256.Create(Unsafe.Add(ref x, k));
                ref float wk = ref Unsafe.Add(ref w, (k * gp) + v);
                a0 = Vector256.FusedMultiplyAdd(xk, Vector256.LoadUnsafe(ref wk), a0);
                a1 = Vector256.FusedMultiplyAdd(xk, Vector256.LoadUnsafe(ref wk, 8), a1);
                a2 = Vector256.FusedMultiplyAdd(xk, Vector256.LoadUnsafe(ref wk, 16), a2);
                a3 = Vector256.FusedMultiplyAdd(xk, Vector256.LoadUnsafe(ref wk, 24), a3);
            }

            Vector256.StoreUnsafe(a0, ref xp, (nuint)v);
            Vector256.StoreUnsafe(a1, ref xp, (nuint)(v + 8));
            Vector256.StoreUnsafe(a2, ref xp, (nuint)(v + 16));
            Vector256.StoreUnsafe(a3, ref xp, (nuint)(v + 24));
        }

        for (; v < gp; v += 8)
        {
            Vector256<float> acc = Vector256.LoadUnsafe(ref bias, (nuint)v);
            for (int k = 0; k < inSize; k++)
            {
                acc = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref x, k)), Vector256.LoadUnsafe(ref w, (nuint)((k * gp) + v)), acc);
            }

            Vector256.StoreUnsafe(acc, ref xp, (nuint)v);
        }
    }

    // ProjectRow in 128-bit vectors, two packed blocks (four halves, four FMA chains) at a time, then one.
    private static void ProjectRow128(ref float w, int inSize, ref float x, ref float xp, ref float bias)
    {
        int gp = TKernel.GateColumns;
        int v = 0;
        for (; v + 16 <= gp; v += 16)
        {
            Float8 a0 = Float8.LoadUnsafe(ref bias, (nuint)v), a1 = Float8.LoadUnsafe(ref bias, (nuint)(v + 8));
            for (int k = 0; k < inSize; k++)
            {
                Float8 xk = Float8.Create(Unsafe.Add(ref x, k));
                nuint at = (nuint)((k * gp) + v);
                a0 = Float8.FusedMultiplyAdd(xk, Float8.LoadUnsafe(ref w, at), a0);
                a1 = Float8.FusedMultiplyAdd(xk, Float8.LoadUnsafe(ref w, at + 8), a1);
            }

            Float8.StoreUnsafe(a0, ref xp, (nuint)v);
            Float8.StoreUnsafe(a1, ref xp, (nuint)(v + 8));
        }

        if (v < gp)
        {
            Float8 a = Float8.LoadUnsafe(ref bias, (nuint)v);
            for (int k = 0; k < inSize; k++)
            {
                a = Float8.FusedMultiplyAdd(Float8.Create(Unsafe.Add(ref x, k)), Float8.LoadUnsafe(ref w, (nuint)((k * gp) + v)), a);
            }

            Float8.StoreUnsafe(a, ref xp, (nuint)v);
        }
    }
}
