using System.Collections.Generic;
using static LstmGen.Generators.Emit.Code;

namespace LstmGen.Generators;

/// <summary>
/// What a shape will cost, known before anything runs: the arithmetic of a time step, the bytes the kernels stream,
/// which cache they fit, the planner's choice and the path each vector width takes. The generated class documents it.
/// </summary>
internal sealed class CostReport
{
    // Typical per-core data caches of the CPUs this targets (x64 and ARM64 alike have at least these).
    private const long L1Bytes = 32 * 1024;
    private const long L2Bytes = 1024 * 1024;

    public CostReport(KernelPlan plan)
    {
        Plan = plan;
        PackedLayout layout = plan.Layout;
        RecurrentConfig c = layout.Config;
        long gateRows = c.GateRows;
        for (int layer = 0; layer < c.NumLayers; layer++)
        {
            // Per direction: gates = W_ih x + W_hh h (2 flops per multiply-add), and the projection h = W_hr h_full.
            long products = 2 * gateRows * (c.LayerInputSize(layer) + c.OutputHidden) + (c.ProjSize > 0 ? 2L * c.ProjSize * c.HiddenSize : 0);
            ForwardFlops += c.Directions * products;
            // Step's working set: the layer's packed input and recurrent weights and bias, per direction.
            StepWeightBytes += c.Directions * 4L * (c.LayerInputSize(layer) + c.OutputHidden + 1) * layout.GateColumns;
        }

        PackedBytes = 4 * layout.PackedLength;
    }

    public KernelPlan Plan { get; }

    /// <summary>Floating-point operations of one time step of one batch row, forward (the products; activations excluded).</summary>
    public long ForwardFlops { get; }

    /// <summary>The same for BPTT: the gradients of the inputs and state and of the weights, twice the forward products.</summary>
    public long BackwardFlops => 2 * ForwardFlops;

    /// <summary>Bytes of the whole packed copy (including W_hhᵀ for BPTT).</summary>
    public long PackedBytes { get; }

    /// <summary>Bytes of packed weights a time step reads.</summary>
    public long StepWeightBytes { get; }

    /// <summary>Where the step's weights stay between steps.</summary>
    public string Cache => StepWeightBytes <= L1Bytes ? "fit a 32 KB L1 data cache"
        : StepWeightBytes <= L2Bytes ? "exceed a 32 KB L1 but fit a 1 MB L2"
        : "exceed a 1 MB L2: each step streams them from L3 or memory";

    /// <summary>The planner's choice and why.</summary>
    public string Choice => Plan.Form switch
    {
        StepForm.Unrolled => Inv($"fully unrolled (about {Plan.EstimatedStepIl} bytes of IL, within the {Planner.MaxUnrolledStepIl}-byte budget){(Plan.HasCellPair ? ", two batch rows interleaved in one cell" : "")}"),
        StepForm.Looped => Inv($"looped register tiles (unrolled it would be about {Plan.EstimatedStepIl} bytes of IL, over the {Planner.MaxUnrolledStepIl}-byte budget: LSTMGEN008)"),
        _ => Inv($"no kernel: the packed copy would need {Plan.Layout.PackedLength} floats, more than the kernels index (LSTMGEN013)"),
    };

    /// <summary>The path each vector width takes.</summary>
    public IEnumerable<string> Paths()
    {
        if (Plan.Form == StepForm.Generic)
        {
            yield return "every CPU: the generic network (scalar float)";
            yield break;
        }

        yield return "Vector512 (AVX-512): the Vector256 cell, with 512-bit matrix-product tiles and activation pairs";
        yield return "Vector256 (AVX2 and FMA): the Vector256 cell and matrix products";
        yield return "Vector128 only (ARM64, x64 without AVX2): the 128-bit cell (each block of 8 units as two halves) and 128-bit matrix products";
        yield return "no vector acceleration: the generic network (scalar float)";
    }

    /// <summary>One row of the generator README's table: shape, flops, step bytes, cache, choice.</summary>
    public string TableRow(string attribute) =>
        Inv($"| `{attribute}` | {ForwardFlops} | {BackwardFlops} | {StepWeightBytes} | {Cache} | {Choice} |");

    /// <summary>Writes the report as XML documentation lines.</summary>
    public void EmitDocumentation(Emit.SourceWriter w)
    {
        w.Line($"/// <para>Cost per time step and batch row: {ForwardFlops} flops forward, {BackwardFlops} backward (the products).");
        w.Line($"/// A step reads {StepWeightBytes} bytes of packed weights, which {Cache}; the whole packed copy is {PackedBytes} bytes.</para>");
        w.Line($"/// <para>Recurrent step: {Choice}.</para>");
        w.Line($"/// <para>Paths:</para>");
        w.Line($"/// <list type=\"bullet\">");
        foreach (string path in Paths())
        {
            w.Line($"/// <item>{path}</item>");
        }

        w.Line($"/// </list>");
    }
}
