using System.Numerics;

namespace LstmGen;

/// <summary>
/// What <see cref="IRecurrentNetwork{T}.Prepare"/> runs: inference Forward and Step on zeros, with buffers of its own,
/// so that the first real call finds its code compiled and its packed weights made.
/// </summary>
internal static class Preparation
{
    /// <summary>Batch sizes Forward runs with: one row, two rows (the two-row cell), and 8 rows (batched products).</summary>
    private static readonly int[] Batches = [1, 2, 8];

    /// <summary>Runs <paramref name="network"/>'s inference paths once on zeros; its visible state is unchanged.</summary>
    public static void Run<T>(IRecurrentNetwork<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RecurrentConfig c = network.Config;
        const int seqLen = 2;
        foreach (int batch in Batches)
        {
            var input = new T[seqLen * batch * c.InputSize];
            var output = new T[seqLen * batch * c.OutputSize];
            var h = new T[c.StateRows * batch * c.OutputHidden];
            var cs = new T[c.HasCellState ? c.StateRows * batch * c.HiddenSize : 0];
            var hN = new T[h.Length];
            var cN = new T[cs.Length];
            network.Forward(input, output, batch, initial: new(h, cs), final: new(hN, cN));
            if (!c.Bidirectional)
            {
                network.Step(input.AsSpan(0, batch * c.InputSize), output.AsSpan(0, batch * c.OutputHidden), new(h, cs));
            }
        }
    }
}
