using System.ComponentModel;

namespace LstmGen.CompilerServices;

/// <summary>
/// What a generated kernel struct supplies to <see cref="PackedNetwork{TKernel}"/>: the shape as constants and the cell
/// math of one time step, unrolled for that shape. The driver is written once, generic over this interface; the JIT
/// compiles one instantiation per kernel struct and folds its constants, as TensorPrimitives does with its operator
/// structs. Generated code implements it; users never need to.
/// </summary>
/// <remarks>
/// All references point into float buffers laid out as <see cref="PackedLayout"/> and <see cref="RecordLayout"/> say
/// (8 lanes, in both the Vector256 cells and their 128-bit twins, <c>Cell128</c> and the others). <c>wh</c> is the start of one (layer, direction)'s packed recurrent weights. A kind without a cell state
/// (GRU, RNN) gets null references for <c>c</c> and <c>dc</c> and never touches them.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ICellKernel
{
    /// <summary>The shape.</summary>
    static abstract RecurrentConfig Config { get; }

    /// <summary><c>input_size</c>.</summary>
    static abstract int InputSize { get; }
    /// <summary><c>hidden_size</c>.</summary>
    static abstract int HiddenSize { get; }
    /// <summary>Size of h: proj_size when projecting, else hidden_size.</summary>
    static abstract int OutputHidden { get; }
    /// <summary>Features per output step: directions * OutputHidden.</summary>
    static abstract int OutputSize { get; }
    /// <summary><c>num_layers</c>.</summary>
    static abstract int Layers { get; }
    /// <summary>1, or 2 when bidirectional.</summary>
    static abstract int Directions { get; }
    /// <summary><c>batch_first</c>.</summary>
    static abstract bool BatchFirst { get; }
    /// <summary>True when the cell has a state c (LSTM).</summary>
    static abstract bool HasCellState { get; }
    /// <summary><c>proj_size</c>; 0 without projection.</summary>
    static abstract int ProjSize { get; }

    /// <summary><see cref="PackedLayout.HiddenPadded"/>.</summary>
    static abstract int HiddenPadded { get; }
    /// <summary><see cref="PackedLayout.OutputHiddenPadded"/>.</summary>
    static abstract int OutputHiddenPadded { get; }
    /// <summary><see cref="PackedLayout.ProjPadded"/>.</summary>
    static abstract int ProjPadded { get; }
    /// <summary><see cref="PackedLayout.GateColumns"/>.</summary>
    static abstract int GateColumns { get; }
    /// <summary><see cref="PackedLayout.RecurrentStride"/>.</summary>
    static abstract int RecurrentStride { get; }
    /// <summary><see cref="PackedLayout.BiasOffset"/>.</summary>
    static abstract int BiasOffset { get; }
    /// <summary><see cref="PackedLayout.RecurrentBiasApart"/>.</summary>
    static abstract bool RecurrentBiasApart { get; }
    /// <summary><see cref="PackedLayout.ExtraOffset"/>.</summary>
    static abstract int ExtraOffset { get; }
    /// <summary><see cref="PackedLayout.RecurrentTransposedOffset"/>.</summary>
    static abstract int RecurrentTransposedOffset { get; }
    /// <summary><see cref="PackedLayout.Section0"/>.</summary>
    static abstract int Section0 { get; }
    /// <summary><see cref="PackedLayout.SectionN"/>.</summary>
    static abstract int SectionN { get; }
    /// <summary><see cref="PackedLayout.PackedLength"/>.</summary>
    static abstract int PackedLength { get; }
    /// <summary><see cref="RecordLayout.Length"/> at 8 lanes.</summary>
    static abstract int RecordLength { get; }
    /// <summary><see cref="RecordLayout.HFull"/> at 8 lanes: h before the projection.</summary>
    static abstract int RecordHFull { get; }

    /// <summary>
    /// True when <see cref="Cell"/> is straight-line code. Then it beats a batch-wide product below
    /// <see cref="PackedNetwork{TKernel}.MinBatchedRows"/> rows, a looped cell below <see cref="PackedNetwork{TKernel}.MinBatchedRowsLooped"/>.
    /// </summary>
    static abstract bool Unrolled { get; }

    /// <summary>
    /// One time step of one batch row: gates = xp + W_hh h, then the cell update. h (and c) are updated in place;
    /// what BPTT needs goes to the record <paramref name="rec"/>.
    /// </summary>
    static abstract void Cell(ref float wh, ref float xp, ref float h, ref float c, ref float rec);

    /// <summary>
    /// <see cref="Cell"/> with the recurrent products in 512-bit vectors (two adjacent gate columns per vector, the same
    /// terms in the same order, so the same bits): where Vector512 is accelerated.
    /// </summary>
    static abstract void Cell512(ref float wh, ref float xp, ref float h, ref float c, ref float rec);

    /// <summary><see cref="Cell"/> with the recurrent products <paramref name="gh"/> = W_hh h already computed for the batch.</summary>
    static abstract void CellFromProducts(ref float wh, ref float gh, ref float xp, ref float h, ref float c, ref float rec);

    /// <summary>
    /// <see cref="Cell"/> for two independent rows: for small unrolled shapes their statements interleaved, so the two
    /// dependent chains overlap; for others the rows one after the other.
    /// </summary>
    static abstract void CellPair(ref float wh, ref float xp0, ref float h0, ref float c0, ref float rec0,
        ref float xp1, ref float h1, ref float c1, ref float rec1);

    /// <summary>
    /// Backpropagates one step of one row. <paramref name="dh"/> (and <paramref name="dc"/>) hold the gradient for the
    /// step's new state on entry, and on return dc's for the previous state and dh the part of dh_prev that does not go
    /// through W_hh (the driver adds dG W_hhᵀ for the batch). Pre-activation gradients go to <paramref name="dgx"/> (input
    /// side) and <paramref name="dgh"/> (recurrent side, the same buffer unless <see cref="RecurrentBiasApart"/>).
    /// <paramref name="tmp"/> is a row of scratch; with projection it holds W_hrᵀ dh on entry.
    /// </summary>
    static abstract void CellBackward(ref float wh, ref float rec, ref float dh, ref float dc, ref float dgx, ref float dgh, ref float tmp);

    /// <summary><see cref="Cell"/> in 128-bit vectors (each block of 8 as two halves): where Vector256 is not accelerated.</summary>
    static abstract void Cell128(ref float wh, ref float xp, ref float h, ref float c, ref float rec);

    /// <summary><see cref="CellFromProducts"/> in 128-bit vectors.</summary>
    static abstract void CellFromProducts128(ref float wh, ref float gh, ref float xp, ref float h, ref float c, ref float rec);

    /// <summary><see cref="CellPair"/> in 128-bit vectors.</summary>
    static abstract void CellPair128(ref float wh, ref float xp0, ref float h0, ref float c0, ref float rec0,
        ref float xp1, ref float h1, ref float c1, ref float rec1);

    /// <summary><see cref="CellBackward"/> in 128-bit vectors.</summary>
    static abstract void CellBackward128(ref float wh, ref float rec, ref float dh, ref float dc, ref float dgx, ref float dgh, ref float tmp);
}
