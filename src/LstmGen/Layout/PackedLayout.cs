// Shared layout file: compiled into the runtime (net10.0) and linked into the generator (netstandard2.0).
namespace LstmGen;

/// <summary>
/// The generated kernels' private copy of the weights, per (layer, direction): <c>[in x GateColumns]</c> input weights,
/// <c>[OutputHidden x GateColumns]</c> recurrent weights (rows <see cref="RecurrentStride"/> apart), <c>[GateColumns]</c> bias, then <c>b_hn [HiddenPadded]</c> (GRU)
/// or <c>W_hrᵀ [Hidden x ProjPadded]</c> (projection), then <c>W_hhᵀ [GateColumns x OutputHiddenPadded]</c> for BPTT.
/// Gate columns put, for each block of 8 hidden units, the 8 lanes of every gate side by side, so one pass of
/// <c>acc[gate] += broadcast(h[k]) * W[k][block, gate]</c> yields all gates of a block with no horizontal sums.
/// Padding lanes hold zero weights, so they stay zero. The generator prints these numbers as the kernel's constants;
/// the driver checks them against this class.
/// </summary>
public sealed class PackedLayout
{
    /// <summary>Floats per vector of the packed layout.</summary>
    public const int Lanes = 8;

    /// <summary>
    /// Recurrent rows a multiple of this many floats (512 bytes) long get one cache line of padding: see
    /// <see cref="RecurrentStride"/>.
    /// </summary>
    public const int AliasingRowFloats = 128;

    /// <summary>Floats per 64-byte cache line.</summary>
    public const int CacheLineFloats = 16;

    /// <summary>Largest packed copy the kernels index with int offsets.</summary>
    public const long MaxPackedLength = 1L << 30;

    /// <summary>The packed layout of <paramref name="config"/>.</summary>
    public PackedLayout(RecurrentConfig config)
    {
        Config = config;
        Record = new RecordLayout(config, Lanes);
        HiddenPadded = RecordLayout.Pad(config.HiddenSize, Lanes);
        OutputHiddenPadded = RecordLayout.Pad(config.OutputHidden, Lanes);
        ProjPadded = RecordLayout.Pad(config.ProjSize, Lanes);
        GateColumns = config.GateCount * HiddenPadded;
        RecurrentBiasApart = config.Kind == CellKind.Gru;
        RecurrentStride = GateColumns % AliasingRowFloats == 0 ? GateColumns + CacheLineFloats : GateColumns;
        BiasOffset = (long)config.OutputHidden * RecurrentStride;
        ExtraOffset = BiasOffset + GateColumns;
        RecurrentTransposedOffset = ExtraOffset + (RecurrentBiasApart ? HiddenPadded : 0)
            + (config.ProjSize > 0 ? (long)config.HiddenSize * ProjPadded : 0);
        Section0 = Section(config.InputSize);
        SectionN = Section(config.OutputSize);
        PackedLength = (config.Directions * Section0) + ((config.NumLayers - 1L) * config.Directions * SectionN);
    }

    /// <summary>The shape.</summary>
    public RecurrentConfig Config { get; }
    /// <summary>The tape record, padded to whole vectors.</summary>
    public RecordLayout Record { get; }
    /// <summary>Hidden units padded to whole vectors.</summary>
    public int HiddenPadded { get; }
    /// <summary>h (OutputHidden) padded to whole vectors.</summary>
    public int OutputHiddenPadded { get; }
    /// <summary>proj_size padded to whole vectors (0 without projection).</summary>
    public int ProjPadded { get; }
    /// <summary>Packed gate columns: for each 8-unit block, the gates' 8 lanes side by side.</summary>
    public int GateColumns { get; }
    /// <summary>
    /// Floats from one row of the packed W_hh to the next: <see cref="GateColumns"/>, plus one cache line when a row is a
    /// multiple of 512 bytes. A looped cell reads each row's slice of its tile's columns; rows 512 bytes apart put those
    /// slices in an eighth of the L1 sets (64 sets of 64 bytes on Zen 4 and 5 and on recent Intel), which then thrash
    /// while the rest stay empty. With the padding, a hidden-64 LSTM's 64 KB spread over every set, and what one step
    /// leaves in L1 is what the next one, walking the tiles the other way (<c>TileOrder</c>), reads first.
    /// </summary>
    public int RecurrentStride { get; }
    /// <summary>From the start of the packed W_hh: where the bias starts (after its rows).</summary>
    public long BiasOffset { get; }
    /// <summary>8-unit blocks.</summary>
    public int Blocks => HiddenPadded / Lanes;
    /// <summary>
    /// True when the last gate's recurrent bias stays apart from its input bias (the GRU's <c>b_hn</c>, which the reset
    /// gate multiplies); then the gate gradients of the recurrent side differ from the input side's too.
    /// </summary>
    public bool RecurrentBiasApart { get; }
    /// <summary>From the start of the packed W_hh: where b_hn or W_hrᵀ starts (after W_hh and the bias).</summary>
    public long ExtraOffset { get; }
    /// <summary>From the start of the packed W_hh: where W_hhᵀ starts.</summary>
    public long RecurrentTransposedOffset { get; }
    /// <summary>Floats of one direction's packed block in layer 0.</summary>
    public long Section0 { get; }
    /// <summary>The same above layer 0, whose input is the layer below's output.</summary>
    public long SectionN { get; }
    /// <summary>Floats of the whole packed copy.</summary>
    public long PackedLength { get; }
    /// <summary>True when the packed copy would not fit int indexing: such a shape runs on the generic network.</summary>
    public bool ExceedsIndexing => PackedLength > MaxPackedLength;

    /// <summary>The packed column of PyTorch gate row <paramref name="row"/>: block of 8 units, then gate, then lane.</summary>
    public static int PackedColumn(int row, int hidden, int gates) =>
        ((((row % hidden) / Lanes) * gates) + (row / hidden)) * Lanes + ((row % hidden) % Lanes);

    private long Section(int input) => ((long)input * GateColumns) + RecurrentTransposedOffset + ((long)GateColumns * OutputHiddenPadded);
}
