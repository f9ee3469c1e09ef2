using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LstmGen.Kernels;

/// <summary>
/// Eight floats as two <see cref="Vector128{T}"/> halves: one block of 8 packed columns in the runtime's 128-bit loops
/// (<see cref="Gemm128"/>, the driver's one-row projection), where Vector256 is not accelerated. Its members mirror the
/// <see cref="Vector256"/> members those loops use, each an inlined pair of 128-bit operations.
/// </summary>
/// <remarks>
/// Multiply-add is fused where the CPU has it (FMA on x64, FMLA on ARM64) and a separate multiply and add elsewhere
/// (<see cref="VectorMath.MultiplyAdd"/>). The generated 128-bit cells do not use it: a cell unrolled over many blocks
/// would exhaust the JIT's inlining budget on the pairs, so the emitter writes each half's statements itself.
/// </remarks>
internal readonly struct Float8
{
    /// <summary>Lanes 0..3.</summary>
    public readonly Vector128<float> Lower;

    /// <summary>Lanes 4..7.</summary>
    public readonly Vector128<float> Upper;

    /// <summary>The two halves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Float8(Vector128<float> lower, Vector128<float> upper)
    {
        Lower = lower;
        Upper = upper;
    }

    /// <summary>All lanes 0.</summary>
    public static Float8 Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => default;
    }

    /// <summary>Every lane <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Float8 Create(float value)
    {
        Vector128<float> v = Vector128.Create(value);
        return new(v, v);
    }

    /// <summary>8 floats from <paramref name="source"/> + <paramref name="elementOffset"/>, unaligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Float8 LoadUnsafe(ref float source, nuint elementOffset) =>
        new(Vector128.LoadUnsafe(ref source, elementOffset), Vector128.LoadUnsafe(ref source, elementOffset + 4));

    /// <summary>8 floats from <paramref name="source"/>, unaligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Float8 LoadUnsafe(ref float source) => LoadUnsafe(ref source, 0);

    /// <summary>Stores 8 floats at <paramref name="destination"/> + <paramref name="elementOffset"/>, unaligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreUnsafe(Float8 value, ref float destination, nuint elementOffset)
    {
        Vector128.StoreUnsafe(value.Lower, ref destination, elementOffset);
        Vector128.StoreUnsafe(value.Upper, ref destination, elementOffset + 4);
    }

    /// <summary>a * b + c per lane, fused where the CPU has a multiply-add.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Float8 FusedMultiplyAdd(Float8 a, Float8 b, Float8 c) =>
        new(VectorMath.MultiplyAdd(a.Lower, b.Lower, c.Lower), VectorMath.MultiplyAdd(a.Upper, b.Upper, c.Upper));

    /// <summary>Per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Float8 operator +(Float8 a, Float8 b) => new(a.Lower + b.Lower, a.Upper + b.Upper);
}
