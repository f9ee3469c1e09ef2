using System.Buffers;
using System.ComponentModel;

namespace LstmGen.CompilerServices;

/// <summary>
/// Scratch memory for one call, taken piece by piece. Small scratch lives on the caller's stack (a streaming step pays no
/// pool round trip); larger scratch is rented once per call and returned when the call ends. Never allocated per time
/// step. The caller writes:
/// <code>
/// float[]? rented = Scratch.RentIfLarge(length, nameof(seqLen));
/// try
/// {
///     var scratch = new Scratch(rented is null ? stackalloc float[(int)length] : Scratch.Cleared(rented, length));
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

    private Span<float> _rest;

    /// <summary>
    /// Scratch over zeroed <paramref name="memory"/> (padding lanes must start at zero): a <c>stackalloc</c>, which C#
    /// zeroes, or <see cref="Cleared"/> of a rented array.
    /// </summary>
    public Scratch(Span<float> memory) => _rest = memory;

    /// <summary>The first <paramref name="length"/> floats of <paramref name="rented"/>, zeroed.</summary>
    public static Span<float> Cleared(float[] rented, long length)
    {
        Span<float> memory = rented.AsSpan(0, (int)length);
        memory.Clear();
        return memory;
    }

    /// <summary>The next <paramref name="length"/> floats.</summary>
    public Span<float> Take(int length)
    {
        Span<float> head = _rest[..length];
        _rest = _rest[length..];
        return head;
    }

    /// <summary>A pooled array when <paramref name="length"/> is over <see cref="StackFloats"/>, else null (use the stack).</summary>
    /// <exception cref="ArgumentOutOfRangeException">More than one array holds; names <paramref name="argument"/>.</exception>
    public static float[]? RentIfLarge(long length, string argument)
    {
        if (length <= StackFloats)
        {
            return null;
        }

        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(argument, FormattableString.Invariant($"the call needs {length} elements of scratch, more than one array holds."));
        }

        return ArrayPool<float>.Shared.Rent((int)length);
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
