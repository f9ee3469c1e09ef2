using LstmGen.Generators.Emit;
using static LstmGen.Generators.Emit.Code;

namespace LstmGen.Generators.Cells;

/// <summary>
/// GRU, PyTorch's form: r = σ(a_r), z = σ(a_z), n = tanh(x_n + r (W_hn h + b_hn)); h = (1 - z) n + z h.
/// The n gate's recurrent part stays apart (its accumulator starts from b_hn, not from the input projection).
/// </summary>
internal sealed class GruMath : CellMath
{
    public GruMath(KernelPlan plan)
        : base(plan)
    {
    }

    public override string Title => "GRU";

    public override string[] Gates { get; } = { "r", "z", "n" };

    public override void EmitWeightReferences(CellWriter w) =>
        w.Once($"ref float bhn = ref {U}.Add(ref wh, {Layout.ExtraOffset});");

    public override string Accumulator(Row r, int gate, BlockAt block) =>
        gate == 2 ? LdE("bhn", block.Unit(0)) : base.Accumulator(r, gate, block);

    public override void EmitUpdate(CellWriter w, BlockAt block, string s, string hOut)
    {
        // In Cell512, a two-block step's second r and z straddle two 512-bit accumulators: two 256-bit sigmoids side by
        // side there, not a repack and a 512-bit one (the step is bound by its chain).
        bool split = w.IsWide && Layout.Blocks == 2 && !w.IsHalves("ar" + s, "az" + s);
        if (split)
        {
            w.Once($"// r and z side by side in 256 bits: they straddle two 512-bit accumulators.");
        }
        else
        {
            w.Once($"// r and z in one 512-bit evaluation where that is accelerated.");
        }

        w.ActivatePair("Sigmoid", "r", "z", "ar" + s, "az" + s, split);
        w.Each(r => $"{VF} {r["n"]} = {VM}.Tanh({Fma(r["r"], r["an" + s], LdE(r["xp"], block.Column(16)))});");
        w.Each(r => $"{StE(r["r"], r["gates"], block.Column(0))}");
        w.Each(r => $"{StE(r["z"], r["gates"], block.Column(8))}");
        w.Each(r => $"{StE(r["n"], r["gates"], block.Column(16))}");
        w.Each(r => $"{StE(r["an" + s], r["hhn"], block.Unit(0))}");
        w.Once($"// h = (1 - z) * n + z * h = n + z * (h - n).");
        w.Each(r => $"{StE(Fma(r["z"], Inv($"{LdE(r["hp"], block.Unit(0))} - {r["n"]}"), r["n"]), r[hOut], block.Unit(0))}");
    }

    public override void EmitBackwardReferences(SourceWriter w) =>
        w.Line($"ref float hhn = ref {U}.Add(ref rec, {Layout.Record.HhN});");

    public override void EmitBackwardBlock(SourceWriter w)
    {
        w.Line($"{VF} r = {LdE("gates", "cb")};");
        w.Line($"{VF} z = {LdE("gates", "cb + 8")};");
        w.Line($"{VF} n = {LdE("gates", "cb + 16")};");
        w.Line($"{VF} d = {LdE("dh", "u0")};");
        w.Line($"{VF} dn = d * (one - z) * (one - (n * n));");
        w.Line($"{VF} dz = d * ({LdE("rec", "u0")} - n) * z * (one - z);");
        w.Line($"{VF} dr = dn * {LdE("hhn", "u0")} * r * (one - r);");
        w.Line($"// The input side sees n's gradient; the recurrent side sees it through r.");
        w.Line($"{StE("dr", "dgx", "cb")}");
        w.Line($"{StE("dz", "dgx", "cb + 8")}");
        w.Line($"{StE("dn", "dgx", "cb + 16")}");
        w.Line($"{StE("dr", "dgh", "cb")}");
        w.Line($"{StE("dz", "dgh", "cb + 8")}");
        w.Line($"{StE("dn * r", "dgh", "cb + 16")}");
        w.Line($"// The direct path h_prev -> h carries z.");
        w.Line($"{StE("d * z", "tmp", "u0")}");
    }

    public override void EmitBackwardEnd(SourceWriter w)
    {
        w.Line($"// dh_prev = z * dh, plus W_hhᵀ dG_h, which the driver adds for the whole batch at once.");
        w.Line($"global::LstmGen.CompilerServices.VectorCopy.Copy(ref tmp, ref dh, {Layout.OutputHiddenPadded});");
    }
}
