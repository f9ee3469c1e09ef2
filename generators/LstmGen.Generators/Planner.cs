using System;
using LstmGen.Generators.Model;

namespace LstmGen.Generators;

/// <summary>How the recurrent step of a shape is written.</summary>
internal enum StepForm
{
    /// <summary>Straight-line code: every accumulator a register, every address a constant.</summary>
    Unrolled,
    /// <summary>Constant-bound loops over register tiles (the shape is over the unroll budget).</summary>
    Looped,
    /// <summary>No kernel: the packed copy would exceed int indexing, so the class runs on the generic network.</summary>
    Generic,
}

/// <summary>The kernel the emitter writes for one cell: the shape's packed layout and the planner's decisions.</summary>
/// <remarks>Equatable like the model: the layout is derived on demand, never stored.</remarks>
internal sealed record KernelPlan(CellModel Model, StepForm Form, int EstimatedStepIl, bool HasCellPair, bool SplitChains)
{
    /// <summary>The packed weights and tape record the kernel works on (the runtime's own definition).</summary>
    public PackedLayout Layout => new(Model.ToConfig());

    /// <summary>True when the step is straight-line code.</summary>
    public bool UnrollStep => Form == StepForm.Unrolled;

    /// <summary>
    /// True when the 128-bit twin of the step is straight-line code too: it has twice the statements (two halves per
    /// block), and each activation it inlines twice as often, so it unrolls only within a quarter of the budget
    /// (<see cref="Planner.MaxUnrolledStepIl128"/>); above, its products are the looped tiles.
    /// </summary>
    public bool UnrollStep128 => UnrollStep && EstimatedStepIl <= Planner.MaxUnrolledStepIl128;

    /// <summary>Blocks of 8 units per register tile of the step: up to 8 accumulators (2 for the LSTM and GRU, 8 for the RNN).</summary>
    public int TileBlocks => Planner.TileBlocksOf(RecurrentConfig.GatesOf(Model.Kind));

    /// <summary>
    /// Into how many FMA chains (1, 2 or 4) every tile splits each gate sum: k goes to chain k mod chains, and the chains
    /// are added pairwise at the end. One number for the kernel, as many as a full tile's accumulators allow (a shape of
    /// one partial tile: as many as it allows), and the same for every cell (one row, two rows, 512-bit products,
    /// 128-bit), so that they all add in one order and Step and Forward agree bit for bit however the cells tile.
    /// </summary>
    public int Chains =>
        SplitChains ? Planner.ChainsOf(Math.Min(TileBlocks, Layout.Blocks), RecurrentConfig.GatesOf(Model.Kind), HasCellPair ? 2 : 1, Layout.Config.OutputHidden) : 1;

    /// <summary>
    /// Blocks per tile of the unrolled one-row cell with 512-bit products (Cell512): two gate columns per accumulator, so
    /// as many blocks as keep <see cref="Chains"/> chains of them within the accumulator budget, up to all of them. One
    /// tile for the whole step puts all products before all activations: the activations of different blocks, all
    /// independent, then overlap instead of each tile waiting for its own.
    /// </summary>
    public int WideTileBlocks
    {
        get
        {
            int gates = RecurrentConfig.GatesOf(Model.Kind), chains = Chains, all = Layout.Blocks, blocks = TileBlocks;
            while (blocks < all && ((((blocks + 1) * gates) + 1) / 2 * chains) <= Planner.MaxSplitAccumulators)
            {
                blocks++;
            }

            return blocks;
        }
    }
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
    /// <summary>Largest estimated IL of an unrolled step method.</summary>
    public const int MaxUnrolledStepIl = 32 * 1024;

    /// <summary>
    /// Largest estimated IL (of the Vector256 step) whose 128-bit twin is unrolled. Measured under DOTNET_EnableAVX2=0:
    /// the unrolled twin of hidden 32 (13 KB) ran out of the JIT's inlining budget (activations left as calls) and was
    /// slower than its looped form; hidden 16 (3.5 KB) inlines everything.
    /// </summary>
    public const int MaxUnrolledStepIl128 = 8 * 1024;

    // IL bytes, measured on compiled emitted code: a broadcast of h[k] (~16) and one load+FMA+store of an accumulator (~22).
    private const int BroadcastIl = 16;
    private const int FmaIl = 22;
    // Per 8-unit block: loading accumulators, the activations and the stores (~60 per gate).
    private const int BlockIl = 60;
    // Accumulators of one row in one tile, at most, for the two-row cell: two rows must fit the 16 AVX2 registers.
    private const int MaxPairAccumulators = 6;
    // Accumulators of a tile with split chains (all its rows), at most: with AVX-512 the JIT has 32 vector registers,
    // and 24 leave room for the broadcasts of h and the temporaries (on AVX2, with 16, a few accumulators spill).
    public const int MaxSplitAccumulators = 24;

    public static KernelPlan Plan(CellModel model)
    {
        // The parser passes only valid shapes; should another reach here, the emitter reports it (LSTMGEN012): planning
        // runs inside the pipeline and must not throw.
        if (RecurrentConfig.Validate(model.Kind, model.Input, model.Hidden, model.Layers, model.Bidirectional, model.Bias, model.ProjSize).Count > 0)
        {
            return new KernelPlan(model, StepForm.Unrolled, 0, HasCellPair: false, SplitChains: false);
        }

        var layout = new PackedLayout(model.ToConfig());
        int gates = layout.Config.GateCount;
        int blocks = layout.Blocks;
        int hOut = layout.Config.OutputHidden;
        // One broadcast of h[k] per register tile of blocks, one FMA per gate and block.
        int tile = TileBlocksOf(gates);
        int tiles = (blocks + tile - 1) / tile;
        long il = ((long)hOut * ((tiles * BroadcastIl) + (blocks * gates * FmaIl))) + ((long)blocks * gates * BlockIl);
        if (model.ProjSize > 0)
        {
            il += (long)(layout.ProjPadded / 8) * model.Hidden * (BroadcastIl + FmaIl);
        }

        int estimate = il > int.MaxValue ? int.MaxValue : (int)il;
        StepForm form = layout.ExceedsIndexing ? StepForm.Generic : estimate <= MaxUnrolledStepIl ? StepForm.Unrolled : StepForm.Looped;

        // Shapes whose unrolled step is small enough to be written twice get the two-row cell.
        bool pair = form == StepForm.Unrolled && 2L * estimate <= MaxUnrolledStepIl && Math.Min(blocks, tile) * gates <= MaxPairAccumulators;

        // Tiles split each sum into two or four FMA chains (k mod chains), dividing the latency a step waits for (as many
        // as fit, see ChainsOf); looped tiles too. A two-row cell counts both rows' accumulators, and the one-row cell then
        // uses as many chains as it does, so that both add in one order.
        bool split = form != StepForm.Generic && hOut >= 2;
        return new KernelPlan(model, form, estimate, pair, split);
    }

    /// <summary>
    /// FMA chains per gate sum of a tile of <paramref name="blocks"/> blocks: 4 or 2 when that many accumulators for
    /// <paramref name="rows"/> rows fit <see cref="MaxSplitAccumulators"/>, and no more than the <paramref name="terms"/> terms.
    /// </summary>
    public static int ChainsOf(int blocks, int gates, int rows, int terms)
    {
        int chains = 4;
        while (chains > 1 && (rows * blocks * gates * chains > MaxSplitAccumulators || chains > terms))
        {
            chains /= 2;
        }

        return chains;
    }

    /// <summary>Blocks per register tile: up to 8 accumulators.</summary>
    public static int TileBlocksOf(int gates) => Math.Max(1, 8 / gates);
}
