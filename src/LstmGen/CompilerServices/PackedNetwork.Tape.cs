using System.Runtime.CompilerServices;

namespace LstmGen.CompilerServices;

public sealed partial class PackedNetwork<TKernel>
{
    private readonly Tape _tape = new();

    /// <summary>
    /// What a training Forward records for Backward, in one buffer allocated once and grown only when a longer call comes:
    /// the input (sequence-first), each lower layer's output, then one record (<see cref="RecordLayout"/>) per
    /// (layer, direction, t*batch+b).
    /// </summary>
    private sealed class Tape
    {
        public float[] Buffer { get; private set; } = [];

        /// <summary>The recorded sequence length; 0 before the first training Forward.</summary>
        public int SeqLen { get; private set; }

        public int Batch { get; private set; }

        /// <summary>True when the generic network recorded it (the scalar path).</summary>
        public bool IsGeneric { get; private set; }

        public void RecordGeneric(int seqLen, int batch)
        {
            SeqLen = seqLen;
            Batch = batch;
            IsGeneric = true;
        }

        public void Prepare(ReadOnlySpan<float> input, int seqLen, int batch)
        {
            int rows = seqLen * batch;
            long total = ((long)rows * TKernel.InputSize) + ((long)(TKernel.Layers - 1) * rows * TKernel.OutputSize)
                + ((long)TKernel.Layers * TKernel.Directions * rows * TKernel.RecordLength);
            if (total > Array.MaxLength)
            {
                throw new ArgumentOutOfRangeException(nameof(seqLen), FormattableString.Invariant($"seqLen*batch = {rows} needs a training tape of {total} elements, more than one array holds."));
            }

            if (Buffer.Length < total)
            {
                Buffer = new float[total];
            }

            for (int t = 0; t < seqLen; t++)
            {
                for (int b = 0; b < batch; b++)
                {
                    input.Slice((TKernel.BatchFirst ? (b * seqLen) + t : (t * batch) + b) * TKernel.InputSize, TKernel.InputSize)
                        .CopyTo(Buffer.AsSpan(((t * batch) + b) * TKernel.InputSize, TKernel.InputSize));
                }
            }

            SeqLen = seqLen;
            Batch = batch;
            IsGeneric = false;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int LayerOutputOffset(int rows, int layer) => (rows * TKernel.InputSize) + (layer * rows * TKernel.OutputSize);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int RecordOffset(int rows, int ld, int row) =>
            (rows * TKernel.InputSize) + ((TKernel.Layers - 1) * rows * TKernel.OutputSize) + (((ld * rows) + row) * TKernel.RecordLength);
    }
}
