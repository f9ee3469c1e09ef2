using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LstmGen.CompilerServices;

public sealed partial class PackedNetwork<TKernel>
{
    private readonly Tape _tape = new();

    /// <summary>
    /// What a training Forward records for Backward, in one buffer allocated once and grown only when a longer call comes:
    /// the input (sequence-first), each lower layer's output, then one record (<see cref="RecordLayout"/>) per
    /// (layer, direction, t*batch+b). The buffer is pinned and each region starts on a 64-byte line, so no 256-bit vector
    /// of a record straddles two lines.
    /// </summary>
    private sealed class Tape
    {
        private float[] _buffer = [];
        private int _origin;

        /// <summary>The tape, from its first 64-byte line.</summary>
        public Span<float> Data => _buffer.AsSpan(_origin);

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
            long total = RecordsBase(rows) + ((long)TKernel.Layers * TKernel.Directions * rows * TKernel.RecordLength);
            if (total + Scratch.LineFloats > Array.MaxLength)
            {
                throw new ArgumentOutOfRangeException(nameof(seqLen), FormattableString.Invariant($"seqLen*batch = {rows} needs a training tape of {total} elements, more than one array holds."));
            }

            if (_buffer.Length - _origin < total)
            {
                _buffer = GC.AllocateArray<float>((int)total + Scratch.LineFloats, pinned: true);
                _origin = Scratch.ToLine(ref MemoryMarshal.GetArrayDataReference(_buffer));
            }

            Span<float> data = Data;
            for (int t = 0; t < seqLen; t++)
            {
                for (int b = 0; b < batch; b++)
                {
                    input.Slice((TKernel.BatchFirst ? (b * seqLen) + t : (t * batch) + b) * TKernel.InputSize, TKernel.InputSize)
                        .CopyTo(data.Slice(((t * batch) + b) * TKernel.InputSize, TKernel.InputSize));
                }
            }

            SeqLen = seqLen;
            Batch = batch;
            IsGeneric = false;
        }

        // Each region (the input, a layer's output, the records) rounded up to whole lines.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Lines(int floats) => (floats + Scratch.LineFloats - 1) & -Scratch.LineFloats;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int LayerOutputOffset(int rows, int layer) => Lines(rows * TKernel.InputSize) + (layer * Lines(rows * TKernel.OutputSize));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int RecordsBase(int rows) => LayerOutputOffset(rows, TKernel.Layers - 1);

        // Records are whole vectors of 8 (RecordLayout pads each field), so every record starts on a 32-byte boundary.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int RecordOffset(int rows, int ld, int row) => RecordsBase(rows) + (((ld * rows) + row) * TKernel.RecordLength);
    }
}
