using static LstmGen.Generators.Emit.Code;

namespace LstmGen.Generators.Emit;

/// <summary>
/// Writes the nested kernel struct: the packed layout's numbers as constants (printed from the runtime's own
/// <see cref="PackedLayout"/>, which the driver checks them against) and the cell methods.
/// </summary>
internal sealed class KernelEmitter
{
    private readonly KernelPlan _plan;
    private readonly SourceWriter _w;

    public KernelEmitter(KernelPlan plan, SourceWriter writer)
    {
        _plan = plan;
        _w = writer;
    }

    public void Emit()
    {
        PackedLayout layout = _plan.Layout;
        RecurrentConfig c = layout.Config;
        RecordLayout record = layout.Record;
        _w.Line();
        _w.Line($"/// <summary>");
        _w.Line($"/// The kernel of this shape for the runtime's driver: the sizes as constants, and the cell of one time step.");
        _w.Line($"/// Packed layout: {layout.Blocks} block(s) of 8 hidden units x {c.GateCount} gate(s) = {layout.GateColumns} gate columns ({layout.RecurrentStride} floats per row of W_hh); h padded to {layout.OutputHiddenPadded}, c to {(c.HasCellState ? layout.HiddenPadded : 0)}.");
        _w.Line($"/// Tape record: h before [{record.HPrevLength}], c before [{record.CPrevLength}], gates [{record.GatesLength}], tanh(c) [{record.TanhCLength}], h before projection [{record.HFullLength}], W_hn h + b_hn [{record.HhNLength}].");
        _w.Line($"/// </summary>");
        _w.Line($"[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        _w.Line($"{Generated}");
        using (_w.Block($"private readonly struct Kernel : global::LstmGen.CompilerServices.ICellKernel"))
        {
            _w.Line($"public static global::LstmGen.RecurrentConfig Config {{ get; }} = {Emitter.NewConfig(_plan)};");
            Constant("InputSize", c.InputSize);
            Constant("HiddenSize", c.HiddenSize);
            Constant("OutputHidden", c.OutputHidden);
            Constant("OutputSize", c.OutputSize);
            Constant("Layers", c.NumLayers);
            Constant("Directions", c.Directions);
            Flag("BatchFirst", c.BatchFirst);
            Flag("HasCellState", c.HasCellState);
            Constant("ProjSize", c.ProjSize);
            Constant("HiddenPadded", layout.HiddenPadded);
            Constant("OutputHiddenPadded", layout.OutputHiddenPadded);
            Constant("ProjPadded", layout.ProjPadded);
            Constant("GateColumns", layout.GateColumns);
            Constant("RecurrentStride", layout.RecurrentStride);
            Constant("BiasOffset", layout.BiasOffset);
            Flag("RecurrentBiasApart", layout.RecurrentBiasApart);
            Constant("ExtraOffset", layout.ExtraOffset);
            Constant("RecurrentTransposedOffset", layout.RecurrentTransposedOffset);
            Constant("Section0", layout.Section0);
            Constant("SectionN", layout.SectionN);
            Constant("PackedLength", layout.PackedLength);
            Constant("RecordLength", record.Length);
            Constant("RecordHFull", record.HFull);
            Flag("Unrolled", _plan.UnrollStep);
            _w.Line();
            new CellEmitter(_plan, _w).EmitAll();
        }
    }

    private void Constant(string name, long value) => _w.Line($"public static int {name} => {value};");

    private void Flag(string name, bool value) => _w.Line($"public static bool {name} => {Bool(value)};");
}
