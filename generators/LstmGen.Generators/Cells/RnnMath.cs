using LstmGen.Generators.Emit;
using static LstmGen.Generators.Emit.Code;

namespace LstmGen.Generators.Cells;

/// <summary>Elman RNN: h = tanh(a) or relu(a), with a = W_ih x + b_ih + W_hh h + b_hh. The one gate's record is h itself.</summary>
internal sealed class RnnMath : CellMath
{
    private readonly bool _relu;

    public RnnMath(KernelPlan plan, bool relu)
        : base(plan)
    {
        _relu = relu;
    }

    public override string Title => _relu ? "Elman RNN (ReLU)" : "Elman RNN (tanh)";

    public override string? AttributeArgument => _relu ? "Nonlinearity = Nonlinearity.Relu" : null;

    public override string[] Gates { get; } = { "a" };

    public override void EmitUpdate(CellWriter w, BlockAt block, string s, string hOut)
    {
        if (_relu)
        {
            // Max, not MaxNative: NaN must stay NaN, as in PyTorch.
            w.Each(r => $"{VF} {r["hv"]} = {V}.Max({r["aa" + s]}, {VF}.Zero);");
        }
        else
        {
            w.Activate("Tanh", "hv", "aa" + s);
        }

        w.Each(r => $"{StE(r["hv"], r["gates"], block.Column(0))}");
        w.Each(r => $"{StE(r["hv"], r[hOut], block.Unit(0))}");
    }

    public override void EmitBackwardBlock(SourceWriter w)
    {
        w.Line($"{VF} hv = {LdE("gates", "cb")};");
        if (_relu)
        {
            // As PyTorch's threshold_backward: 0 where h <= 0 (even for an infinite dh), dh elsewhere (a NaN h too).
            w.Line($"{StE(Inv($"{V}.ConditionalSelect({V}.LessThanOrEqual(hv, {VF}.Zero), {VF}.Zero, {LdE("dh", "u0")})"), "dgx", "cb")}");
        }
        else
        {
            w.Line($"{StE(Inv($"{LdE("dh", "u0")} * (one - (hv * hv))"), "dgx", "cb")}");
        }
    }
}
