using System;
using LstmGen.Generators.Emit;
using static LstmGen.Generators.Emit.Code;

namespace LstmGen.Generators.Cells;

/// <summary>
/// Where one block of 8 hidden units is: its first packed gate column and first unit, constants in unrolled code, or a
/// loop variable plus a constant in looped code.
/// </summary>
internal readonly struct BlockAt
{
    private readonly int _column;
    private readonly int _unit;
    private readonly string? _columnVariable;
    private readonly string? _unitVariable;

    public BlockAt(int column, int unit, string? columnVariable = null, string? unitVariable = null)
    {
        _column = column;
        _unit = unit;
        _columnVariable = columnVariable;
        _unitVariable = unitVariable;
    }

    /// <summary>The packed column <paramref name="add"/> floats after the block's first (gate k is at 8k).</summary>
    public string Column(int add) => O(_column + add, _columnVariable);

    /// <summary>The constant part of <see cref="Column"/>: the whole column in unrolled code.</summary>
    public int ColumnConstant(int add) => _column + add;

    /// <summary>The unit <paramref name="add"/> after the block's first (the index into h, c and the per-unit record fields).</summary>
    public string Unit(int add) => O(_unit + add, _unitVariable);

    /// <summary>The block <paramref name="blocks"/> further on, for cells of <paramref name="gates"/> gates.</summary>
    public BlockAt Next(int blocks, int gates) => new(_column + (blocks * gates * 8), _unit + (blocks * 8), _columnVariable, _unitVariable);
}

/// <summary>
/// The math of one cell kind, written as C#: its gates, the update of a block of 8 units from the accumulated
/// pre-activations, and the backward of a block. A new cell variant is one more subclass (and its record fields in
/// <see cref="RecordLayout"/>). The emitter calls these; it never asks which kind it is writing.
/// </summary>
/// <remarks>
/// Names the code reads: per row (through <see cref="Row"/>) <c>xp</c> (the input projection), <c>h</c>, <c>c</c>,
/// <c>hp</c> (h before the step), <c>cp</c> (c before), <c>gates</c>, <c>tanhc</c>, <c>hfull</c>, <c>hhn</c> (record
/// fields) and accumulators <c>a{gate}{block}</c>; shared: <c>wh</c> and what <see cref="EmitWeightReferences"/> defines.
/// The backward reads <c>rec</c>, <c>gates</c>, <c>dh</c>, <c>dc</c>, <c>dgx</c>, <c>dgh</c>, <c>tmp</c>, <c>one</c>,
/// and the loop's <c>cb</c> (packed column) and <c>u0</c> (unit).
/// </remarks>
internal abstract class CellMath
{
    protected CellMath(KernelPlan plan)
    {
        Plan = plan;
        Layout = plan.Layout;
    }

    /// <summary>The cell math of the plan's kind: the one place that switches on it.</summary>
    public static CellMath Of(KernelPlan plan) => plan.Model.Kind switch
    {
        CellKind.Lstm => new LstmMath(plan),
        CellKind.Gru => new GruMath(plan),
        CellKind.RnnTanh => new RnnMath(plan, relu: false),
        CellKind.RnnRelu => new RnnMath(plan, relu: true),
        _ => throw new ArgumentOutOfRangeException(nameof(plan), plan.Model.Kind, "unknown cell kind"),
    };

    protected KernelPlan Plan { get; }

    protected PackedLayout Layout { get; }

    /// <summary>How the class summary names the kind.</summary>
    public abstract string Title { get; }

    /// <summary>An attribute argument that only this kind has, as it would be written; null when none.</summary>
    public virtual string? AttributeArgument => null;

    /// <summary>The gates in PyTorch's order.</summary>
    public abstract string[] Gates { get; }

    /// <summary>Shared references into the packed weights after W_hh that the update reads.</summary>
    public virtual void EmitWeightReferences(CellWriter w)
    {
    }

    /// <summary>The starting value of gate <paramref name="gate"/>'s accumulator of a block: its input projection.</summary>
    public virtual string Accumulator(Row r, int gate, BlockAt block) => LdE(r["xp"], block.Column(gate * 8));

    /// <summary>
    /// The updates of <paramref name="count"/> blocks of one register tile, from the accumulators <c>a{gate}{j}</c>, writing
    /// the new h to <paramref name="hOut"/>: block by block, each in its own scope.
    /// </summary>
    public virtual void EmitUpdates(CellWriter w, BlockAt first, int count, string hOut)
    {
        for (int j = 0; j < count; j++)
        {
            if (count > 1)
            {
                w.Once($"// Block {j} of the tile.");
            }

            using (w.Block())
            {
                EmitUpdate(w, first.Next(j, Gates.Length), Inv($"{j}"), hOut);
            }
        }
    }

    /// <summary>The update of one block from its accumulators <c>a{gate}{suffix}</c>.</summary>
    public abstract void EmitUpdate(CellWriter w, BlockAt block, string suffix, string hOut);

    /// <summary>References into the record that <see cref="EmitBackwardBlock"/> reads, before the loop over blocks.</summary>
    public virtual void EmitBackwardReferences(SourceWriter w)
    {
    }

    /// <summary>The backward of the block at packed column <c>cb</c> and unit <c>u0</c>.</summary>
    public abstract void EmitBackwardBlock(SourceWriter w);

    /// <summary>After the blocks: dh becomes the part of dh_prev that does not go through W_hh.</summary>
    public virtual void EmitBackwardEnd(SourceWriter w)
    {
        w.Line($"// dh_prev = W_hhᵀ dG, which the driver adds for the whole batch at once.");
        using (w.Block($"for (int v = 0; v < {Layout.OutputHiddenPadded}; v += 8)"))
        {
            EachHalf(w, () => w.Line($"{V}.StoreUnsafe({VF}.Zero, ref dh, (nuint){Lane("v")});"));
        }
    }
}
