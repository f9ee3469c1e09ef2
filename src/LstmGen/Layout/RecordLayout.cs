// Shared layout file: compiled into the runtime (net10.0) and linked into the generator (netstandard2.0).
namespace LstmGen;

/// <summary>
/// The training tape's record of one (layer, direction, time step, batch row): what BPTT needs from the forward step.
/// One definition serves the generic network (lanes 1: exact sizes), the generated kernels and their driver (lanes 8:
/// every field padded to whole 8-float vectors, gates in packed columns).
/// </summary>
public sealed class RecordLayout
{
    /// <summary>The record of <paramref name="config"/> with every field padded to a multiple of <paramref name="lanes"/>.</summary>
    public RecordLayout(RecurrentConfig config, int lanes)
    {
        int hidden = Pad(config.HiddenSize, lanes);
        bool lstm = config.HasCellState;
        HPrevLength = Pad(config.OutputHidden, lanes);
        CPrevLength = lstm ? hidden : 0;
        GatesLength = config.GateCount * hidden;
        TanhCLength = lstm ? hidden : 0;
        HFullLength = lstm && config.ProjSize > 0 ? hidden : 0;
        HhNLength = config.Kind == CellKind.Gru ? hidden : 0;
        CPrev = HPrev + HPrevLength;
        Gates = CPrev + CPrevLength;
        TanhC = Gates + GatesLength;
        HFull = TanhC + TanhCLength;
        HhN = HFull + HFullLength;
        Length = HhN + HhNLength;
    }

    /// <summary>h before the step (the products read it from here, so h can be updated in place).</summary>
    public int HPrev => 0;
    /// <summary>c before the step (LSTM).</summary>
    public int CPrev { get; }
    /// <summary>The activated gates.</summary>
    public int Gates { get; }
    /// <summary>tanh(c) after the step (LSTM).</summary>
    public int TanhC { get; }
    /// <summary>h before the projection (LSTM with proj_size).</summary>
    public int HFull { get; }
    /// <summary><c>W_hn h + b_hn</c>, which the GRU's reset gate multiplies.</summary>
    public int HhN { get; }
    /// <summary>Floats of one record.</summary>
    public int Length { get; }

    /// <summary>Lengths of the fields, in the same order; 0 where a field is absent.</summary>
    public int HPrevLength { get; }
    /// <inheritdoc cref="HPrevLength"/>
    public int CPrevLength { get; }
    /// <inheritdoc cref="HPrevLength"/>
    public int GatesLength { get; }
    /// <inheritdoc cref="HPrevLength"/>
    public int TanhCLength { get; }
    /// <inheritdoc cref="HPrevLength"/>
    public int HFullLength { get; }
    /// <inheritdoc cref="HPrevLength"/>
    public int HhNLength { get; }

    /// <summary>Rounds <paramref name="n"/> up to a multiple of <paramref name="lanes"/>.</summary>
    public static int Pad(int n, int lanes) => (n + lanes - 1) / lanes * lanes;
}
