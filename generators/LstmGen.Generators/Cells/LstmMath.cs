using LstmGen.Generators.Emit;
using static LstmGen.Generators.Emit.Code;

namespace LstmGen.Generators.Cells;

/// <summary>
/// LSTM: i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o); c = f c + i g; h = o tanh(c) (then h = W_hr h with projection).
/// </summary>
internal sealed class LstmMath : CellMath
{
    public LstmMath(KernelPlan plan)
        : base(plan)
    {
    }

    public override string Title => "LSTM";

    public override string[] Gates { get; } = { "i", "f", "g", "o" };

    /// <summary>
    /// Blocks go in pairs, so each o, g and tanh(c) evaluation covers two blocks (one 512-bit each where accelerated).
    /// In Cell512 a step of just two blocks is bound by its chain, not its throughput: there g and tanh(c) take two
    /// 256-bit evaluations side by side (~52 cycles each, measured) instead of one 512-bit (~58). With more blocks the
    /// extra instructions cost more than that (hidden 64: 1.08x slower).
    /// </summary>
    public override void EmitUpdates(CellWriter w, BlockAt first, int count, string hOut)
    {
        bool splitTanh = w.IsWide && Layout.Blocks == 2;
        int j = 0;
        for (; j + 1 < count; j += 2)
        {
            w.Once($"// Blocks {j} and {j + 1} of the tile.");
            using (w.Block())
            {
                EmitUpdatePair(w, first.Next(j, 4), j, hOut, splitTanh);
            }
        }

        if (j < count)
        {
            if (count > 1)
            {
                w.Once($"// Block {j} of the tile.");
            }

            using (w.Block())
            {
                EmitUpdate(w, first.Next(j, 4), Inv($"{j}"), hOut);
            }
        }
    }

    public override void EmitUpdate(CellWriter w, BlockAt block, string s, string hOut)
    {
        w.Once($"// i and f in one 512-bit evaluation where that is accelerated.");
        w.ActivatePair("Sigmoid", "i", "f", "ai" + s, "af" + s);
        w.Activate("Tanh", "g", "ag" + s);
        w.Activate("Sigmoid", "o", "ao" + s);
        w.Each(r => $"{StE(r["i"], r["gates"], block.Column(0))}");
        w.Each(r => $"{StE(r["f"], r["gates"], block.Column(8))}");
        w.Each(r => $"{StE(r["g"], r["gates"], block.Column(16))}");
        w.Each(r => $"{StE(r["o"], r["gates"], block.Column(24))}");
        w.Once($"// c = f * c + i * g; h = o * tanh(c).");
        w.Each(r => $"{VF} {r["cn"]} = {Fma(r["f"], LdE(r["c"], block.Unit(0)), Inv($"{r["i"]} * {r["g"]}"))};");
        w.Each(r => $"{StE(r["cn"], r["c"], block.Unit(0))}");
        w.Activate("Tanh", "tc", "cn");
        w.Each(r => $"{StE(r["tc"], r["tanhc"], block.Unit(0))}");
        w.Each(r => $"{StE(Inv($"{r["o"]} * {r["tc"]}"), r[hOut], block.Unit(0))}");
    }

    // Blocks j and j + 1 (packed columns 32 apart, units 8 apart), activations in pairs across the two blocks.
    private static void EmitUpdatePair(CellWriter w, BlockAt block, int j, string hOut, bool splitTanh)
    {
        int k = j + 1;
        w.ActivatePair("Sigmoid", "i0", "f0", Inv($"ai{j}"), Inv($"af{j}"));
        w.ActivatePair("Sigmoid", "i1", "f1", Inv($"ai{k}"), Inv($"af{k}"));
        w.ActivatePair("Sigmoid", "o0", "o1", Inv($"ao{j}"), Inv($"ao{k}"));
        w.ActivatePair("Tanh", "g0", "g1", Inv($"ag{j}"), Inv($"ag{k}"), splitTanh);
        for (int b = 0; b < 2; b++)
        {
            string n = Inv($"{b}");
            int col = b * 32;
            w.Each(r => $"{StE(r["i" + n], r["gates"], block.Column(col))}");
            w.Each(r => $"{StE(r["f" + n], r["gates"], block.Column(col + 8))}");
            w.Each(r => $"{StE(r["g" + n], r["gates"], block.Column(col + 16))}");
            w.Each(r => $"{StE(r["o" + n], r["gates"], block.Column(col + 24))}");
        }

        w.Once($"// c = f * c + i * g; h = o * tanh(c).");
        for (int b = 0; b < 2; b++)
        {
            string n = Inv($"{b}");
            int unit = b * 8;
            w.Each(r => $"{VF} {r["cn" + n]} = {Fma(r["f" + n], LdE(r["c"], block.Unit(unit)), Inv($"{r["i" + n]} * {r["g" + n]}"))};");
            w.Each(r => $"{StE(r["cn" + n], r["c"], block.Unit(unit))}");
        }

        w.ActivatePair("Tanh", "tc0", "tc1", "cn0", "cn1", splitTanh);
        for (int b = 0; b < 2; b++)
        {
            string n = Inv($"{b}");
            int unit = b * 8;
            w.Each(r => $"{StE(r["tc" + n], r["tanhc"], block.Unit(unit))}");
            w.Each(r => $"{StE(Inv($"{r["o" + n]} * {r["tc" + n]}"), r[hOut], block.Unit(unit))}");
        }
    }

    public override void EmitBackwardReferences(SourceWriter w)
    {
        RecordLayout record = Layout.Record;
        w.Line($"ref float cp = ref {U}.Add(ref rec, {record.CPrev});");
        w.Line($"ref float tanhc = ref {U}.Add(ref rec, {record.TanhC});");
        w.Line($"// The gradient of h before the projection: W_hrᵀ dh in tmp when projecting, else dh.");
        w.Line($"ref float dhf = ref {(Plan.Model.ProjSize > 0 ? "tmp" : "dh")};");
    }

    public override void EmitBackwardBlock(SourceWriter w)
    {
        w.Line($"{VF} i = {LdE("gates", "cb")};");
        w.Line($"{VF} f = {LdE("gates", "cb + 8")};");
        w.Line($"{VF} g = {LdE("gates", "cb + 16")};");
        w.Line($"{VF} o = {LdE("gates", "cb + 24")};");
        w.Line($"{VF} tc = {LdE("tanhc", "u0")};");
        w.Line($"{VF} d = {LdE("dhf", "u0")};");
        w.Line($"// Through h = o tanh(c) and c = f c_prev + i g.");
        w.Line($"{VF} dO = d * tc;");
        w.Line($"{VF} dC = {LdE("dc", "u0")} + (d * o * (one - (tc * tc)));");
        w.Line($"{StE("dC * g * i * (one - i)", "dgx", "cb")}");
        w.Line($"{StE(Inv($"dC * {LdE("cp", "u0")} * f * (one - f)"), "dgx", "cb + 8")}");
        w.Line($"{StE("dC * i * (one - (g * g))", "dgx", "cb + 16")}");
        w.Line($"{StE("dO * o * (one - o)", "dgx", "cb + 24")}");
        w.Line($"{StE("dC * f", "dc", "u0")}");
    }
}
