using System.Buffers;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LstmGen.CompilerServices;

/// <summary>
/// Scratch memory for one call, taken piece by piece. Small scratch lives on the caller's stack (a streaming step pays no
/// pool round trip); larger scratch is rented once per call and returned when the call ends. Never allocated per time
/// step. Every piece starts on a 64-byte cache line, so no vector load of the kernels straddles two lines, whatever
/// address the stack or the pool gave (that changed a build's speed by a few per cent from one build to the next). The
/// caller writes (length being the sum of the pieces; <see cref="Slack"/> pays for the alignment):
/// <code>
/// float[]? rented = Scratch.RentIfLarge(length, nameof(seqLen));
/// try
/// {
///     var scratch = new Scratch(rented is null ? stackalloc float[(int)length + Scratch.Slack] : Scratch.Cleared(rented, length));
///     Span&lt;float&gt; a = scratch.Take(n);
/// }
/// finally { Scratch.Return(rented); }
/// </code>
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public ref struct Scratch
{
    /// <summary>Floats of scratch taken from the stack at most (8 KB).</summary>
    public const int StackFloats = 2048;

    /// <summary>Floats in a 64-byte cache line (the packed layout's, which pads recurrent rows by one).</summary>
    public const int LineFloats = PackedLayout.CacheLineFloats;

    /// <summary>Pieces a scratch may be cut into (the backward pass takes the most, 9).</summary>
    public const int MaxPieces = 12;

    /// <summary>
    /// Floats of memory beyond the sum of the pieces: up to a line to reach the first line boundary, and up to a line
    /// after each piece to reach the next.
    /// </summary>
    public const int Slack = LineFloats * (MaxPieces + 1);

    private Span<float> _rest;
    private readonly bool _contiguous;

    /// <summary>
    /// Scratch over zeroed <paramref name="memory"/> (padding lanes must start at zero), <see cref="Slack"/> floats more
    /// than its pieces: a <c>stackalloc</c>, which C# zeroes, or <see cref="Cleared"/> of a rented array.
    /// </summary>
    public Scratch(Span<float> memory) => _rest = memory[ToLine(ref MemoryMarshal.GetReference(memory))..];

    private Scratch(Span<float> memory, bool contiguous)
    {
        _rest = memory;
        _contiguous = contiguous;
    }

    /// <summary>Scratch whose pieces follow each other, with no alignment and no slack (zeroed or not, as the caller needs).</summary>
    public static Scratch Contiguous(Span<float> memory) => new(memory, true);

    /// <summary>The first <paramref name="length"/> floats of <paramref name="rented"/> and the slack, zeroed.</summary>
    public static Span<float> Cleared(float[] rented, long length)
    {
        Span<float> memory = rented.AsSpan(0, (int)(length + Slack));
        memory.Clear();
        return memory;
    }

    /// <summary>The next <paramref name="length"/> floats, starting on a cache line; the piece after them starts on the next.</summary>
    public Span<float> Take(int length)
    {
        Span<float> head = _rest[..length];
        _rest = _rest[(_contiguous ? length : Math.Min(_rest.Length, (length + LineFloats - 1) & -LineFloats))..];
        return head;
    }

    /// <summary>
    /// How many floats from <paramref name="start"/> to the next 64-byte boundary (0 on one). Memory that may move (an
    /// array not pinned) can lose the alignment in a compacting GC, which costs speed, never correctness.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe int ToLine(ref float start) =>
        (int)(((64 - ((nuint)Unsafe.AsPointer(ref start) & 63)) & 63) / sizeof(float));

    /// <summary>A pooled array when <paramref name="length"/> is over <see cref="StackFloats"/>, else null (use the stack).</summary>
    /// <exception cref="ArgumentOutOfRangeException">More than one array holds; names <paramref name="argument"/>.</exception>
    public static float[]? RentIfLarge(long length, string argument)
    {
        if (length <= StackFloats)
        {
            return null;
        }

        if (length + Slack > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(argument, FormattableString.Invariant($"the call needs {length} elements of scratch, more than one array holds."));
        }

        return ArrayPool<float>.Shared.Rent((int)length + Slack);
    }

    /// <summary>Returns what <see cref="RentIfLarge"/> rented.</summary>
    public static void Return(float[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
