using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LstmGen.CompilerServices;

/// <summary>
/// The driver of every generated network: packing, Forward, Step and Backward, written once and generic over the
/// generated kernel struct, which supplies the shape's constants and its unrolled cell. The JIT compiles one instantiation
/// per kernel, with every size a constant. Generated classes hold one and forward to it; users never need it.
/// </summary>
/// <remarks>
/// The kernel's Vector256 cells run where Vector256 is accelerated, its 128-bit twins where only Vector128 is (ARM64, x64
/// without AVX2); with no vector acceleration every call delegates to the generic <see cref="RecurrentNetwork{T}"/> over
/// the same parameters. Inference and Step may run concurrently on one instance; training calls may not.
/// </remarks>
/// <typeparam name="TKernel">The generated kernel of one shape.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed partial class PackedNetwork<TKernel>
    where TKernel : struct, ICellKernel
{
    /// <summary>
    /// Batch rows from which an unrolled shape computes each step's recurrent products for the whole batch as one matrix
    /// product (each loaded weight vector serves 4 to 8 rows); below it, the per-row unrolled cell (one dependent chain per
    /// row) is faster.
    /// </summary>
    public const int MinBatchedRows = 8;

    /// <summary>
    /// The same for a looped shape: from one full tile of the matrix product (4 rows) on; below it the product would run
    /// row by row, and the looped cell's own matrix-vector loop is faster (a stream of one row, above all).
    /// </summary>
    public const int MinBatchedRowsLooped = 4;

    private readonly object _packLock = new();
    private PackedWeights? _packed;
    private RecurrentNetwork<float>? _generic;

    /// <summary>Creates the driver over <paramref name="parameters"/>, which must have the kernel's shape.</summary>
    /// <param name="parameters">The parameters, which several instances (and threads) may share.</param>
    /// <param name="className">The generated class, for the error message.</param>
    public PackedNetwork(ParameterSet<float> parameters, string className)
    {
        NetworkArguments.CheckParameters(parameters, TKernel.Config, className);
        CheckKernelConstants();
        Parameters = parameters;
    }

    /// <summary>The parameters in PyTorch layout.</summary>
    public ParameterSet<float> Parameters { get; }

    /// <summary>The shape.</summary>
    public RecurrentConfig Config => TKernel.Config;

    /// <summary>Forces the scalar path (taken when no vector width is accelerated), so tests can run it on any machine.</summary>
    public static bool ForceScalarPath { get; set; }

    /// <summary>The path every call takes: the widest accelerated width, unless the scalar path is forced.</summary>
    public static KernelPath KernelPath => ForceScalarPath ? KernelPath.Scalar : HardwarePath;

    /// <summary>The widest width the CPU accelerates, decided once (each test is a JIT-time constant).</summary>
    internal static KernelPath HardwarePath
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.IsHardwareAccelerated ? KernelPath.Vector512
            : Vector256.IsHardwareAccelerated ? KernelPath.Vector256
            : Vector128.IsHardwareAccelerated ? KernelPath.Vector128
            : KernelPath.Scalar;
    }

    private static bool UseVectors
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => HardwarePath != KernelPath.Scalar && !ForceScalarPath;
    }

    // The kernel's cells at the width the CPU accelerates: the Vector256 cells (the one-row cell with 512-bit products
    // where Vector512 is accelerated and the row is alone), or their 128-bit twins where Vector256 is not (the test is a
    // JIT-time constant, so each call is direct). Cell512 and Cell give the same bits. A row alone on the step's chain
    // (Step, a batch of one) gains from the 512-bit products (paired ab, Intel Xeon: 1.0-1.45x); the odd row after a
    // batch's pairs overlaps them, and there the 256-bit cell measured 3% faster (B-fwd, batch 3).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Cell(ref float wh, ref float xp, ref float h, ref float c, ref float rec, bool alone = true)
    {
        if (Vector512.IsHardwareAccelerated && alone)
        {
            TKernel.Cell512(ref wh, ref xp, ref h, ref c, ref rec);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            TKernel.Cell(ref wh, ref xp, ref h, ref c, ref rec);
        }
        else
        {
            TKernel.Cell128(ref wh, ref xp, ref h, ref c, ref rec);
        }
    }

    /// <inheritdoc cref="Cell"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CellFromProducts(ref float wh, ref float gh, ref float xp, ref float h, ref float c, ref float rec)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            TKernel.CellFromProducts(ref wh, ref gh, ref xp, ref h, ref c, ref rec);
        }
        else
        {
            TKernel.CellFromProducts128(ref wh, ref gh, ref xp, ref h, ref c, ref rec);
        }
    }

    /// <inheritdoc cref="Cell"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CellPair(ref float wh, ref float xp0, ref float h0, ref float c0, ref float rec0,
        ref float xp1, ref float h1, ref float c1, ref float rec1)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            TKernel.CellPair(ref wh, ref xp0, ref h0, ref c0, ref rec0, ref xp1, ref h1, ref c1, ref rec1);
        }
        else
        {
            TKernel.CellPair128(ref wh, ref xp0, ref h0, ref c0, ref rec0, ref xp1, ref h1, ref c1, ref rec1);
        }
    }

    /// <inheritdoc cref="Cell"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CellBackward(ref float wh, ref float rec, ref float dh, ref float dc, ref float dgx, ref float dgh, ref float tmp)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            TKernel.CellBackward(ref wh, ref rec, ref dh, ref dc, ref dgx, ref dgh, ref tmp);
        }
        else
        {
            TKernel.CellBackward128(ref wh, ref rec, ref dh, ref dc, ref dgx, ref dgh, ref tmp);
        }
    }

    // The scalar path delegates to the generic oracle over the same parameters: exact PyTorch semantics, one implementation.
    private RecurrentNetwork<float> Generic
    {
        get
        {
            if (_generic is null)
            {
                Interlocked.CompareExchange(ref _generic, new RecurrentNetwork<float>(Parameters), null);
            }

            return _generic;
        }
    }

    /// <summary>New parameters of the kernel's shape with PyTorch's initialisation, U(-1/sqrt(hidden), 1/sqrt(hidden)).</summary>
    public static ParameterSet<float> NewParameters(ulong seed)
    {
        var parameters = new ParameterSet<float>(new ParameterLayout(TKernel.Config));
        parameters.InitializeUniform(seed);
        return parameters;
    }

    // The generator prints the packed layout's numbers as the kernel's constants; a kernel from another generator version
    // that disagrees with this runtime's layout must fail loudly, not compute garbage.
    private static void CheckKernelConstants()
    {
        var layout = new PackedLayout(TKernel.Config);
        RecurrentConfig c = TKernel.Config;
        bool same = TKernel.InputSize == c.InputSize && TKernel.HiddenSize == c.HiddenSize && TKernel.OutputHidden == c.OutputHidden
            && TKernel.OutputSize == c.OutputSize && TKernel.Layers == c.NumLayers && TKernel.Directions == c.Directions
            && TKernel.BatchFirst == c.BatchFirst && TKernel.HasCellState == c.HasCellState && TKernel.ProjSize == c.ProjSize
            && TKernel.HiddenPadded == layout.HiddenPadded && TKernel.OutputHiddenPadded == layout.OutputHiddenPadded
            && TKernel.ProjPadded == layout.ProjPadded && TKernel.GateColumns == layout.GateColumns
            && TKernel.RecurrentStride == layout.RecurrentStride && TKernel.BiasOffset == layout.BiasOffset
            && TKernel.RecurrentBiasApart == layout.RecurrentBiasApart && TKernel.ExtraOffset == layout.ExtraOffset
            && TKernel.RecurrentTransposedOffset == layout.RecurrentTransposedOffset && TKernel.Section0 == layout.Section0
            && TKernel.SectionN == layout.SectionN && TKernel.PackedLength == layout.PackedLength
            && TKernel.RecordLength == layout.Record.Length && TKernel.RecordHFull == layout.Record.HFull;
        if (!same)
        {
            throw new InvalidOperationException($"The generated kernel {typeof(TKernel).FullName} does not match this runtime's packed layout of {c}: rebuild with the LstmGen package's own generator.");
        }
    }

    /// <inheritdoc cref="IRecurrentNetwork{T}.Forward"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // into the generated class's forwarding member: no extra call
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch, ReadOnlyStateSpan<float> initial,
        StateSpan<float> final, bool training)
    {
        int seqLen = NetworkArguments.CheckForward(TKernel.Config, input, output, batch, initial, final);
        if (!UseVectors)
        {
            Generic.Forward(input, output, batch, initial, final, training);
            if (training)
            {
                _tape.RecordGeneric(seqLen, batch);
            }

            return;
        }

        ForwardVector(input, seqLen, batch, output, final.H, final.C, initial.H, initial.C, training);
    }

    /// <inheritdoc cref="IRecurrentNetwork{T}.Backward"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // into the generated class's forwarding member: no extra call
    public void Backward(ReadOnlySpan<float> gradOutput, Span<float> gradInput, ReadOnlyStateSpan<float> gradFinal, StateSpan<float> gradInitial)
    {
        NetworkArguments.CheckBackward(TKernel.Config, _tape.SeqLen, _tape.Batch, gradOutput, gradInput, gradFinal, gradInitial);
        if (_tape.IsGeneric)
        {
            Generic.Backward(gradOutput, gradInput, gradFinal, gradInitial);
            return;
        }

        BackwardVector(gradOutput, gradFinal.H, gradFinal.C, gradInput, gradInitial.H, gradInitial.C);
    }

    /// <inheritdoc cref="IRecurrentNetwork{T}.Step"/>
    /// <remarks>
    /// The state goes by reference down to StepVector. Passed on as two spans beside the others, it put StepVector's
    /// arguments on the stack over the incoming state, which the JIT then copied first, every step.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // into the generated class's forwarding member: no extra call
    public void Step(ReadOnlySpan<float> input, Span<float> output, in StateSpan<float> state)
    {
        // The lengths are checked inline (this runs every time step); the shared check explains any mismatch.
        int cellState = TKernel.HasCellState ? TKernel.HiddenSize : 0;
        int batch = input.Length / TKernel.InputSize;
        if (TKernel.Directions != 1 || batch <= 0 || input.Length != batch * TKernel.InputSize
            || state.H.Length != (long)TKernel.Layers * batch * TKernel.OutputHidden || state.C.Length != (long)TKernel.Layers * batch * cellState
            || (output.Length != 0 && output.Length != (long)batch * TKernel.OutputHidden))
        {
            NetworkArguments.CheckStep(TKernel.Config, input, output, state);
        }

        if (!UseVectors)
        {
            Generic.Step(input, output, state);
            return;
        }

        StepVector(input, output, state);
    }

    /// <inheritdoc cref="IRecurrentNetwork{T}.Prepare"/>
    /// <param name="owner">The generated class that forwards to this driver: its members are run, so they compile too.</param>
    public void Prepare(IRecurrentNetwork<float> owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        Packed();
        Preparation.Run(owner);
    }

    /// <summary>An immutable packed copy of the weights and the parameter version it was made from.</summary>
    private sealed class PackedWeights(float[] weights, int version)
    {
        public float[] Weights { get; } = weights;
        public int Version { get; } = version;
    }

    // Packed() with its check inline, for Step, which runs it every time step. Forward and Backward call Packed() once
    // per call and keep it out of line (inlined there, it changed their code for nothing).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float[] PackedInline()
    {
        PackedWeights? current = Volatile.Read(ref _packed);
        return current is not null && current.Version == Parameters.Version ? current.Weights : Packed();
    }

    // Floats of padding before the packed data, so that it starts on a 64-byte cache line: the kernels load the weights
    // in 32- and 64-byte vectors, and one that straddles two lines costs two loads.
    private const int AlignFloats = Scratch.LineFloats;

    // Where the packed data starts in its array (pinned, so it never moves): the first index on a 64-byte boundary.
    private static int OriginOf(float[] weights) => Scratch.ToLine(ref MemoryMarshal.GetArrayDataReference(weights));

    // Repacks when the parameters changed. Readers keep the snapshot they got, so inference from many threads is safe.
    private float[] Packed()
    {
        PackedWeights? current = Volatile.Read(ref _packed);
        if (current is not null && current.Version == Parameters.Version)
        {
            return current.Weights;
        }

        lock (_packLock)
        {
            int version = Parameters.Version;
            current = _packed;
            if (current is null || current.Version != version)
            {
                var weights = GC.AllocateArray<float>(TKernel.PackedLength + AlignFloats, pinned: true);
                ReadOnlySpan<float> values = Parameters.Values;
                for (int ld = 0; ld < TKernel.Layers * TKernel.Directions; ld++)
                {
                    int inSize = ld < TKernel.Directions ? TKernel.InputSize : TKernel.OutputSize;
                    PackDirection(values, weights.AsSpan(PackedBase(weights, ld)), inSize, ld);
                }

                current = new PackedWeights(weights, version);
                Volatile.Write(ref _packed, current);
            }

            return current.Weights;
        }
    }

    // Packed blocks per (layer, direction) ld = layer * Directions + direction.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PackedBase(float[] weights, int ld) => OriginOf(weights) + (ld < TKernel.Directions
        ? ld * TKernel.Section0
        : (TKernel.Directions * TKernel.Section0) + ((ld - TKernel.Directions) * TKernel.SectionN));

    // Where a tensor of (layer, direction) ld starts in the PyTorch-order buffer, from the shared layout; -1 when absent.
    private int Offset(int ld, ParameterRole role) => Parameters.Layout.Find(ld / TKernel.Directions, ld % TKernel.Directions, role)?.Offset ?? -1;

    private void PackDirection(ReadOnlySpan<float> v, Span<float> w, int inSize, int ld)
    {
        int gp = TKernel.GateColumns, ho = TKernel.OutputHidden, hidden = TKernel.HiddenSize;
        int wih = Offset(ld, ParameterRole.WeightIh), whh = Offset(ld, ParameterRole.WeightHh);
        int bih = Offset(ld, ParameterRole.BiasIh), bhh = Offset(ld, ParameterRole.BiasHh);
        int stride = TKernel.RecurrentStride;
        int bias = (inSize * gp) + TKernel.BiasOffset;
        int extra = (inSize * gp) + TKernel.ExtraOffset;
        int whhT = (inSize * gp) + TKernel.RecurrentTransposedOffset;
        int gates = GateCount;
        for (int r = 0; r < gates * hidden; r++)
        {
            int col = PackedLayout.PackedColumn(r, hidden, gates);
            for (int k = 0; k < inSize; k++)
            {
                w[(k * gp) + col] = v[wih + (r * inSize) + k];
            }

            for (int k = 0; k < ho; k++)
            {
                w[(inSize * gp) + (k * stride) + col] = v[whh + (r * ho) + k];
                w[whhT + (col * TKernel.OutputHiddenPadded) + k] = v[whh + (r * ho) + k];
            }

            if (bih < 0)
            {
                continue;
            }

            if (TKernel.RecurrentBiasApart && r >= (gates - 1) * hidden)
            {
                // b_hn stays apart: the reset gate multiplies W_hn h + b_hn.
                w[bias + col] = v[bih + r];
                w[extra + (r - ((gates - 1) * hidden))] = v[bhh + r];
            }
            else
            {
                w[bias + col] = v[bih + r] + v[bhh + r];
            }
        }

        if (TKernel.ProjSize > 0)
        {
            // W_hr transposed: row j holds column j of W_hr, padded to ProjPadded.
            int whr = Offset(ld, ParameterRole.WeightHr);
            for (int p = 0; p < TKernel.ProjSize; p++)
            {
                for (int j = 0; j < hidden; j++)
                {
                    w[extra + (j * TKernel.ProjPadded) + p] = v[whr + (p * hidden) + j];
                }
            }
        }
    }

    // Copies state row ld (batch rows of width) into padded running rows, or zeros when the state is empty.
    private static void LoadState(ReadOnlySpan<float> state, Span<float> run, int ld, int batch, int width, int padded)
    {
        run.Clear();
        if (!state.IsEmpty)
        {
            for (int b = 0; b < batch; b++)
            {
                state.Slice(((ld * batch) + b) * width, width).CopyTo(run.Slice(b * padded, width));
            }
        }
    }

    private static void StoreState(Span<float> state, ReadOnlySpan<float> run, int ld, int batch, int width, int padded)
    {
        if (!state.IsEmpty)
        {
            for (int b = 0; b < batch; b++)
            {
                run.Slice(b * padded, width).CopyTo(state.Slice(((ld * batch) + b) * width, width));
            }
        }
    }
}
