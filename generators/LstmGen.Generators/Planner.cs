using System;
using LstmGen.Generators.Model;

namespace LstmGen.Generators;

/// <summary>The kernel shape the emitter produces for one cell: the derived constants and the unroll decision.</summary>
internal sealed record KernelPlan(CellModel Model, bool UnrollStep, int EstimatedStepIl)
{
    /// <summary>Floats of one direction's packed block in layer 0: input and recurrent weights, bias, b_hn, W_hrᵀ, W_hhᵀ.</summary>
    public long Section0 => Section(Model.Input);
    /// <summary>The same above layer 0, whose input is the layer below's output.</summary>
    public long SectionN => Section(OutputSize);
    /// <summary>Floats of the whole packed copy.</summary>
    public long PackedLength => (Directions * Section0) + ((Model.Layers - 1L) * Directions * SectionN);
    /// <summary>
    /// True when the padded, packed copy would not fit the kernels' int indexing (tiny hidden sizes pad 8-fold, so a valid
    /// shape with very many layers can get there): the class then delegates to the generic implementation.
    /// </summary>
    public bool Delegates => PackedLength > Planner.MaxPackedLength;

    /// <summary>Gates stacked per unit: 4, 3 or 1.</summary>
    public int Gates => RecurrentConfig.GatesOf(Model.Kind);
    /// <summary>Hidden units padded to whole 8-lane vectors.</summary>
    public int HiddenPadded => Planner.Pad(Model.Hidden);
    /// <summary>Size of h (ProjSize when projecting).</summary>
    public int OutputHidden => Model.ProjSize > 0 ? Model.ProjSize : Model.Hidden;
    /// <summary>h padded to whole vectors.</summary>
    public int OutputHiddenPadded => Planner.Pad(OutputHidden);
    /// <summary>Packed gate columns: for each 8-unit block, the gates' 8 lanes side by side.</summary>
    public int GateColumns => Gates * HiddenPadded;
    /// <summary>8-unit blocks.</summary>
    public int Blocks => HiddenPadded / 8;
    /// <summary>Directions.</summary>
    public int Directions => Model.Bidirectional ? 2 : 1;
    /// <summary>Features per output step.</summary>
    public int OutputSize => Directions * OutputHidden;
    /// <summary>True for the LSTM.</summary>
    public bool Lstm => Model.Kind == CellKind.Lstm;
    /// <summary>True for the GRU.</summary>
    public bool Gru => Model.Kind == CellKind.Gru;
    /// <summary>Blocks per register tile of the step: up to 8 accumulators (2 for the LSTM and GRU, 8 for the RNN).</summary>
    public int TileBlocks => Math.Max(1, 8 / Gates);
    /// <summary>True for an LSTM with projection.</summary>
    public bool Projected => Model.ProjSize > 0;

    /// <summary>Offset of W_hhᵀ (GateColumns rows of OutputHiddenPadded) from the start of the packed W_hh.</summary>
    public long RecurrentTransposedOffset => ((OutputHidden + 1L) * GateColumns) + (Gru ? HiddenPadded : 0)
        + (Projected ? (long)Model.Hidden * Planner.Pad(Model.ProjSize) : 0);

    // W_ih, W_hh, bias, b_hn / W_hrᵀ, then W_hhᵀ for BPTT's dh_prev = dG W_hhᵀ as a plain matrix product.
    private long Section(int input) => ((long)input * GateColumns) + RecurrentTransposedOffset + ((long)GateColumns * OutputHiddenPadded);
}

/// <summary>
/// Decides between fully unrolled straight-line code and constant-bound loops for the recurrent step, from an estimate of
/// the IL the unrolled step takes. The JIT falls back to unoptimised code (MinOpts) past 60,000 bytes of IL, 20,000 IL
/// instructions or 8,000 local-variable references. The 32 KB budget stays at about half of each: an unrolled FMA line is
/// ~22 bytes, ~8 instructions and 4 references, so 32 KB is at most ~12,000 instructions and ~6,000 references.
/// Tests compare the estimate with the compiled IL size (within 15%).
/// </summary>
internal static class Planner
{
    /// <summary>Largest packed copy the kernels handle (as many floats as the largest parameter buffer).</summary>
    public const long MaxPackedLength = 1L << 30;

    /// <summary>Largest estimated IL of an unrolled step method.</summary>
    public const int MaxUnrolledStepIl = 32 * 1024;

    // IL bytes, measured on compiled emitted code: a broadcast of h[k] (~16) and one load+FMA+store of an accumulator (~22).
    private const int BroadcastIl = 16;
    private const int FmaIl = 22;
    // Per 8-unit block: loading accumulators, the activations and the stores (~60 per gate).
    private const int BlockIl = 60;

    public static KernelPlan Plan(CellModel model)
    {
        int gates = RecurrentConfig.GatesOf(model.Kind);
        int blocks = Pad(model.Hidden) / 8;
        int hOut = model.ProjSize > 0 ? model.ProjSize : model.Hidden;
        // One broadcast of h[k] per register tile of blocks, one FMA per gate and block.
        int tiles = (blocks + Math.Max(1, 8 / gates) - 1) / Math.Max(1, 8 / gates);
        long il = ((long)hOut * ((tiles * BroadcastIl) + (blocks * gates * FmaIl))) + ((long)blocks * gates * BlockIl);
        if (model.ProjSize > 0)
        {
            il += (long)(Pad(model.ProjSize) / 8) * model.Hidden * (BroadcastIl + FmaIl);
        }

        int estimate = il > int.MaxValue ? int.MaxValue : (int)il;
        return new KernelPlan(model, estimate <= MaxUnrolledStepIl, estimate);
    }

    /// <summary>Rounds up to a whole number of 8-float vectors.</summary>
    public static int Pad(int n) => (n + 7) / 8 * 8;
}
