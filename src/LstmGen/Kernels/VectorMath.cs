using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace LstmGen.Kernels;

/// <summary>
/// Branch-free float activations (sigmoid, tanh) for the recurrent kernels, in
/// <see cref="Vector128{T}"/>, <see cref="Vector256{T}"/>, <see cref="Vector512{T}"/> and scalar forms. All forms evaluate the
/// same operation sequence, so a scalar fallback gives the same numbers as a vector lane (bit for
/// bit when both use fused multiply-add: on x64 exactly when <see cref="Fma.IsSupported"/>, on ARM64 always).
/// </summary>
/// <remarks>
/// Sigmoid is built on an exp kernel, exp(-a) = 2^n (1 + q) (Cody-Waite reduction, degree-7 polynomial), which folds the
/// scaling into its last fused multiply-add, so a result in the denormal range is rounded once. Tanh is an odd polynomial
/// near 0 and 1 - P/Q above, a rational in |x| with no exp at all: its reduction and polynomial were ~30 of tanh's cycles on
/// a step's dependent chain. On that chain (`benchmarks latency`, Intel Xeon family 6 model 207) sigmoid takes 61-64 cycles
/// in Vector512 and 53-58 in Vector256; tanh 47 and 36 (from exp: 60 and 51, and 1.502 ulp instead of 2.382). The range
/// limits are selects at the end, off the chain's critical inputs.
/// Several activations of a step run side by side, and there the vector ports bound them (`latency`, same Intel: two
/// independent 256-bit sigmoids 65 cycles, four 84), so the 256-bit selects go through one vpternlogd, which the JIT
/// turns into a mask compare and a masked blend, instead of vblendvps (three uops there).
/// Multiply-adds are <c>MultiplyAddEstimate</c>: fused exactly where the scalar form's are, and an intrinsic rather than
/// a helper to inline, which keeps the widest generated cells (ten activations) within the JIT's inlining budget.
/// Errors quoted on each function were measured exhaustively over all 2^32 float inputs against
/// double-precision reference math, in ulps of the exact result.
/// </remarks>
public static class VectorMath
{
    // exp kernel: exp(-a) for 0 <= a <= 104 (exp(-104) < 2^-150, which rounds to 0).
    private const float ExpMaxArg = 104f;
    private const float Log2E = 1.44269504088896341f;

    // ln 2 split so that n * Ln2Hi is exact for |n| < 2^15 (Ln2Hi has 9 significant bits).
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;

    // Adding 1.5 * 2^23 rounds to an integer n and leaves n in the low mantissa bits.
    private const float RoundShifter = 12582912f;
    private const int RoundShifterBits = 0x4B40_0000;
    private const int ExponentBias = 127;
    private const int MantissaBits = 23;

    // exp(r) ~ 1 + r + r^2 * P(r) on |r| <= ln2/2 (Cephes expf coefficients).
    private const float ExpP0 = 1.9875691500e-4f;
    private const float ExpP1 = 1.3981999507e-3f;
    private const float ExpP2 = 8.3334519073e-3f;
    private const float ExpP3 = 4.1665795894e-2f;
    private const float ExpP4 = 1.6666665459e-1f;
    private const float ExpP5 = 5.0000001201e-1f;

    // The same polynomial in v = -r: q = exp(r) - 1 = -v + w (A1 v + B1 + (A2 v + B2) w + (A3 v + B3) w^2), w = v^2.
    private const float ExpA1 = -ExpP4, ExpB1 = ExpP5, ExpA2 = -ExpP2, ExpB2 = ExpP3, ExpA3 = -ExpP0, ExpB3 = ExpP1;

    // tanh(x) ~ x + x^3 * T(x^2) for |x| < TanhSmallLimit (Cephes tanhf coefficients), where 1 - tanh would lose the
    // relative accuracy of small results; above it 1 - tanh <= 0.45 and the rational below.
    private const float TanhSmallLimit = 0.625f;

    // Past |x| = TanhOneLimit tanh rounds to 1 (1 - tanh x is under half an ulp of 1 from |x| = 9.011 on), and tanh selects 1
    // there instead of using the rational, which is fitted up to 9.1 only.
    private const float TanhOneLimit = 9.1f;
    private const float TanhT0 = -5.70498872745e-3f;
    private const float TanhT1 = 2.06390887954e-2f;
    private const float TanhT2 = -5.37397155531e-2f;
    private const float TanhT3 = 1.33314422036e-1f;
    private const float TanhT4 = -3.33332819422e-1f;

    // 1 - tanh(a) = P(a)/Q(a) for 0.625 <= a <= 9.1: a degree 5/7 rational, minimax in absolute error (5.6e-9, 0.09 ulp of
    // the result), fitted in double by Lawson's iteration on the linearised problem; these are its coefficients rounded to float.
    private const float TanhP0 = 1.0003241f, TanhP1 = -0.56253743f, TanhP2 = 0.12985563f, TanhP3 = -0.015338886f;
    private const float TanhP4 = 0.0009244156f, TanhP5 = -2.2669581E-05f;
    private const float TanhQ1 = 0.4400808f, TanhQ2 = 0.5607446f, TanhQ3 = 0.23037493f, TanhQ4 = 0.06217368f;
    private const float TanhQ5 = 0.025398826f, TanhQ6 = 0.0005492255f, TanhQ7 = 0.0011126876f;

    /// <summary>Measured maximum error of every Tanh form, in ulps (exhaustive over all floats; the tests assert it). Without a fused
    /// multiply-add (x64 without FMA) it is 2.467.</summary>
    internal const double TanhMaxUlp = 2.382;

    /// <summary>Measured maximum error of every Sigmoid form, in ulps (exhaustive over all floats; the tests assert it).</summary>
    internal const double SigmoidMaxUlp = 2.402;

    // ---------------------------------------------------------------- Vector256

    /// <summary>
    /// Logistic sigmoid 1/(1+exp(-x)) per lane, computed as 1/(1+e) for x &gt;= 0 and e/(1+e) for
    /// x &lt; 0 with e = exp(-|x|), so both tails keep full relative accuracy.
    /// </summary>
    /// <remarks>
    /// Measured maximum error over all 2^32 floats: 2.402 ulp (worst near x = -4.16), and at most
    /// 0.71 ulp of the smallest denormal for denormal results (x in about [-104, -87.3]), so tiny
    /// outputs such as sigmoid(-80) = 1.8e-35 keep full relative accuracy. x &lt;= -104 gives +0,
    /// x &gt;= 17 gives exactly 1, ±0 gives 0.5, -Infinity gives +0, +Infinity gives 1, NaN gives NaN;
    /// never negative. (0.5*tanh(x/2)+0.5 was rejected: it loses all relative accuracy for x &lt; -1.)
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
    {
        Vector256<float> a = Vector256.Abs(x);
        Vector256<float> shifted = Vector256.MultiplyAddEstimate(a, Vector256.Create(-Log2E), Vector256.Create(RoundShifter));
        ExpMinus(a, shifted, out Vector256<float> q, out Vector256<float> s);

        // e = exp(-|x|) = s (1 + q) and 1 + e, each in one fused step from q.
        Vector256<float> e = Vector256.MultiplyAddEstimate(q, s, s);
        Vector256<float> numerator = Select(Vector256.LessThan(x, Vector256<float>.Zero), e, Vector256<float>.One);
        Vector256<float> y = numerator / Vector256.MultiplyAddEstimate(q, s, s + Vector256<float>.One);

        // Lanes past ExpMaxArg drop the kernel's result, in one select off the chain's critical inputs (a clamp of a
        // before the kernel was 4 cycles on the chain): 1 above, +0 below. NaN fails the compare and keeps the kernel's NaN.
        Vector256<float> outside = Vector256.GreaterThan(x, Vector256<float>.Zero) & Vector256<float>.One;
        return Select(Vector256.GreaterThan(a, Vector256.Create(ExpMaxArg)), outside, y);
    }

    /// <summary>
    /// Hyperbolic tangent per lane: an odd polynomial for |x| &lt; 0.625 (accurate down to the
    /// smallest denormal), 1 - P(|x|)/Q(|x|) above (a degree 5/7 rational for 1 - tanh), chosen by mask.
    /// </summary>
    /// <remarks>
    /// Measured maximum error over all 2^32 floats: 2.382 ulp (worst just above |x| = 0.625, where 1 - tanh is largest and
    /// the rounding of P and Q counts most; under 1 ulp from |x| = 2.4); at most 0.51 ulp for |x| &lt; 2^-5, where there is
    /// no cancellation (tanh(1e-6) = 1e-6, tanh(1e-30) = 1e-30). Never above 1 in magnitude; |x| &gt;= 8.99 gives exactly ±1
    /// (also ±Infinity), ±0 gives ±0, NaN gives NaN.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> one = Vector256<float>.One;
        Vector256<float> ax = Vector256.Abs(x);

        Vector256<float> z = ax * ax;
        Vector256<float> t = Vector256.MultiplyAddEstimate(Vector256.Create(TanhT0), z, Vector256.Create(TanhT1));
        t = Vector256.MultiplyAddEstimate(t, z, Vector256.Create(TanhT2));
        t = Vector256.MultiplyAddEstimate(t, z, Vector256.Create(TanhT3));
        t = Vector256.MultiplyAddEstimate(t, z, Vector256.Create(TanhT4));
        Vector256<float> small = Vector256.MultiplyAddEstimate(t, ax * z, ax);

        // 1 - P/Q, P and Q by Estrin's scheme in |x| (z = x^2 is shared with the polynomial): both ready three steps after z,
        // then one division and one subtraction. P/Q = 1 - tanh is at most 0.45, so the subtraction rounds once and the
        // rounding of P and Q moves the result by a fraction of an ulp of 1 - tanh, not of tanh.
        Vector256<float> z2 = z * z;
        Vector256<float> p = Vector256.MultiplyAddEstimate(Vector256.MultiplyAddEstimate(Vector256.Create(TanhP5), ax, Vector256.Create(TanhP4)), z2, Vector256.MultiplyAddEstimate(Vector256.MultiplyAddEstimate(Vector256.Create(TanhP3), ax, Vector256.Create(TanhP2)), z, Vector256.MultiplyAddEstimate(Vector256.Create(TanhP1), ax, Vector256.Create(TanhP0))));
        Vector256<float> q = Vector256.MultiplyAddEstimate(Vector256.MultiplyAddEstimate(Vector256.MultiplyAddEstimate(Vector256.Create(TanhQ7), ax, Vector256.Create(TanhQ6)), z, Vector256.MultiplyAddEstimate(Vector256.Create(TanhQ5), ax, Vector256.Create(TanhQ4))), z2, Vector256.MultiplyAddEstimate(Vector256.MultiplyAddEstimate(Vector256.Create(TanhQ3), ax, Vector256.Create(TanhQ2)), z, Vector256.MultiplyAddEstimate(Vector256.Create(TanhQ1), ax, one)));
        Vector256<float> large = one - (p / q);

        // Both paths work on |x| and the sign is put back last, so tanh(-0) = -0. NaN fails both
        // compares and takes the polynomial path, which propagates it. Past |x| = TanhOneLimit the rational's lanes are
        // not used (tanh is 1 there, and the rational is not fitted): one select off the chain.
        Vector256<float> y = Select(Vector256.GreaterThanOrEqual(ax, Vector256.Create(TanhSmallLimit)), large, small);
        y = Select(Vector256.GreaterThan(ax, Vector256.Create(TanhOneLimit)), one, y);
        return y | (x & Vector256.Create(-0f));
    }

    /// <summary>
    /// exp(-a) = s (1 + q) for 0 &lt;= a &lt;= 104, for sigmoid: Cody-Waite reduction in two steps to r = n ln2 - a with
    /// |r| &lt;= ln2/2 (n &lt;= 0), q = exp(r) - 1 by a degree-7 polynomial, s = 2^n. The caller finishes with a fused
    /// multiply-add (s + q s, 1 + s + q s), one FMA on the chain instead of +1 and two scalings. <paramref name="shifted"/>
    /// is a (-log2 e) + 1.5 * 2^23 in one FMA, from the caller. Past a = 104 the lanes hold no meaningful value and the
    /// caller replaces them by a select at the end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ExpMinus(Vector256<float> a, Vector256<float> shifted, out Vector256<float> q, out Vector256<float> s)
    {
        Vector256<float> n = shifted - Vector256.Create(RoundShifter);
        Vector256<float> v = Vector256.MultiplyAddEstimate(n, Vector256.Create(Ln2Hi), a);
        v = Vector256.MultiplyAddEstimate(n, Vector256.Create(Ln2Lo), v);

        // Estrin's scheme, three FMAs deep instead of Horner's five.
        Vector256<float> w = v * v;
        Vector256<float> c1 = Vector256.MultiplyAddEstimate(Vector256.Create(ExpA1), v, Vector256.Create(ExpB1));
        Vector256<float> c2 = Vector256.MultiplyAddEstimate(Vector256.Create(ExpA2), v, Vector256.Create(ExpB2));
        Vector256<float> c3 = Vector256.MultiplyAddEstimate(Vector256.Create(ExpA3), v, Vector256.Create(ExpB3));
        Vector256<float> p = Vector256.MultiplyAddEstimate(c2, w, c1);
        p = Vector256.MultiplyAddEstimate(c3, w * w, p);
        q = Vector256.MultiplyAddEstimate(p, w, -v);

        // s = 2^n as 2^n1 * 2^n2 (n1, n2 >= -75), off the chain: exact down to 2^-149, so a denormal result is
        // rounded once, by the caller's fused step.
        Vector256<int> ni = shifted.AsInt32() - Vector256.Create(RoundShifterBits);
        Vector256<int> n1 = Vector256.ShiftRightArithmetic(ni, 1);
        Vector256<int> n2 = ni - n1;
        s = Vector256.ShiftLeft(n1 + Vector256.Create(ExponentBias), MantissaBits).AsSingle()
            * Vector256.ShiftLeft(n2 + Vector256.Create(ExponentBias), MantissaBits).AsSingle();
    }

    /// <summary>
    /// mask ? a : b per bit, for masks from a compare. With AVX-512VL one vpternlogd (one uop): the JIT's vblendvps for a
    /// 256-bit ConditionalSelect is three on Intel's recent cores, and a step's activations run several.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) =>
        Avx512F.VL.IsSupported
            ? Avx512F.VL.TernaryLogic(mask.AsUInt32(), a.AsUInt32(), b.AsUInt32(), 0xCA).AsSingle()
            : Vector256.ConditionalSelect(mask, a, b);

    // ---------------------------------------------------------------- pairs

    /// <summary>
    /// <see cref="Sigmoid(Vector256{float})"/> of two vectors, as one 512-bit evaluation where Vector512 is accelerated
    /// (about 30% less time per float there, measured on Zen 4) and as two 256-bit ones elsewhere. The lanes are the
    /// same numbers either way: every form runs the same operations.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> A, Vector256<float> B) SigmoidPair(Vector256<float> a, Vector256<float> b)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            // One insert (Vector512.Create(a, b) is two, from zero).
            Vector512<float> y = Sigmoid(a.ToVector512Unsafe().WithUpper(b));
            return (y.GetLower(), y.GetUpper());
        }

        return (Sigmoid(a), Sigmoid(b));
    }

    /// <summary>
    /// <see cref="Sigmoid(Vector512{float})"/> of a 512-bit vector, as its two 256-bit halves: for the 512-bit cells, whose
    /// products are already one 512-bit accumulator, so no repacking lies on the dependent chain.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> Lower, Vector256<float> Upper) SigmoidHalves(Vector512<float> x)
    {
        Vector512<float> y = Sigmoid(x);
        return (y.GetLower(), y.GetUpper());
    }

    /// <summary><see cref="Tanh(Vector256{float})"/> of two vectors; see <see cref="SigmoidPair(Vector256{float}, Vector256{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> A, Vector256<float> B) TanhPair(Vector256<float> a, Vector256<float> b)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> y = Tanh(a.ToVector512Unsafe().WithUpper(b));
            return (y.GetLower(), y.GetUpper());
        }

        return (Tanh(a), Tanh(b));
    }

    /// <summary><see cref="Tanh(Vector512{float})"/> of a 512-bit vector, as its two halves; see <see cref="SigmoidHalves"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> Lower, Vector256<float> Upper) TanhHalves(Vector512<float> x)
    {
        Vector512<float> y = Tanh(x);
        return (y.GetLower(), y.GetUpper());
    }

    // ---------------------------------------------------------------- Vector512

    /// <summary>Logistic sigmoid per lane; same algorithm and accuracy as <see cref="Sigmoid(Vector256{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x)
    {
        Vector512<float> a = Vector512.Abs(x);
        Vector512<float> shifted = Vector512.MultiplyAddEstimate(a, Vector512.Create(-Log2E), Vector512.Create(RoundShifter));
        ExpMinus(a, shifted, out Vector512<float> q, out Vector512<float> s);

        // e = exp(-|x|) = s (1 + q) and 1 + e, each in one fused step from q.
        Vector512<float> e = Vector512.MultiplyAddEstimate(q, s, s);
        Vector512<float> numerator = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), e, Vector512<float>.One);
        Vector512<float> y = numerator / Vector512.MultiplyAddEstimate(q, s, s + Vector512<float>.One);

        // Lanes past ExpMaxArg drop the kernel's result, in one select off the chain's critical inputs (a clamp of a
        // before the kernel was 4 cycles on the chain): 1 above, +0 below. NaN fails the compare and keeps the kernel's NaN.
        Vector512<float> outside = Vector512.GreaterThan(x, Vector512<float>.Zero) & Vector512<float>.One;
        return Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512.Create(ExpMaxArg)), outside, y);
    }

    /// <summary>Hyperbolic tangent per lane; same algorithm and accuracy as <see cref="Tanh(Vector256{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> one = Vector512<float>.One;
        Vector512<float> ax = Vector512.Abs(x);

        Vector512<float> z = ax * ax;
        Vector512<float> t = Vector512.MultiplyAddEstimate(Vector512.Create(TanhT0), z, Vector512.Create(TanhT1));
        t = Vector512.MultiplyAddEstimate(t, z, Vector512.Create(TanhT2));
        t = Vector512.MultiplyAddEstimate(t, z, Vector512.Create(TanhT3));
        t = Vector512.MultiplyAddEstimate(t, z, Vector512.Create(TanhT4));
        Vector512<float> small = Vector512.MultiplyAddEstimate(t, ax * z, ax);

        // 1 - P/Q, P and Q by Estrin's scheme in |x| (z = x^2 is shared with the polynomial): both ready three steps after z,
        // then one division and one subtraction. P/Q = 1 - tanh is at most 0.45, so the subtraction rounds once and the
        // rounding of P and Q moves the result by a fraction of an ulp of 1 - tanh, not of tanh.
        Vector512<float> z2 = z * z;
        Vector512<float> p = Vector512.MultiplyAddEstimate(Vector512.MultiplyAddEstimate(Vector512.Create(TanhP5), ax, Vector512.Create(TanhP4)), z2, Vector512.MultiplyAddEstimate(Vector512.MultiplyAddEstimate(Vector512.Create(TanhP3), ax, Vector512.Create(TanhP2)), z, Vector512.MultiplyAddEstimate(Vector512.Create(TanhP1), ax, Vector512.Create(TanhP0))));
        Vector512<float> q = Vector512.MultiplyAddEstimate(Vector512.MultiplyAddEstimate(Vector512.MultiplyAddEstimate(Vector512.Create(TanhQ7), ax, Vector512.Create(TanhQ6)), z, Vector512.MultiplyAddEstimate(Vector512.Create(TanhQ5), ax, Vector512.Create(TanhQ4))), z2, Vector512.MultiplyAddEstimate(Vector512.MultiplyAddEstimate(Vector512.Create(TanhQ3), ax, Vector512.Create(TanhQ2)), z, Vector512.MultiplyAddEstimate(Vector512.Create(TanhQ1), ax, one)));
        Vector512<float> large = one - (p / q);

        // Both paths work on |x| and the sign is put back last, so tanh(-0) = -0. NaN fails both
        // compares and takes the polynomial path, which propagates it. Past |x| = TanhOneLimit the rational's lanes are
        // not used (tanh is 1 there, and the rational is not fitted): one select off the chain.
        Vector512<float> y = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(ax, Vector512.Create(TanhSmallLimit)), large, small);
        y = Vector512.ConditionalSelect(Vector512.GreaterThan(ax, Vector512.Create(TanhOneLimit)), one, y);
        return y | (x & Vector512.Create(-0f));
    }

    /// <summary>exp(-a) as s (1 + q); see the Vector256 form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ExpMinus(Vector512<float> a, Vector512<float> shifted, out Vector512<float> q, out Vector512<float> s)
    {
        Vector512<float> n = shifted - Vector512.Create(RoundShifter);
        Vector512<float> v = Vector512.MultiplyAddEstimate(n, Vector512.Create(Ln2Hi), a);
        v = Vector512.MultiplyAddEstimate(n, Vector512.Create(Ln2Lo), v);

        // Estrin's scheme, three FMAs deep instead of Horner's five.
        Vector512<float> w = v * v;
        Vector512<float> c1 = Vector512.MultiplyAddEstimate(Vector512.Create(ExpA1), v, Vector512.Create(ExpB1));
        Vector512<float> c2 = Vector512.MultiplyAddEstimate(Vector512.Create(ExpA2), v, Vector512.Create(ExpB2));
        Vector512<float> c3 = Vector512.MultiplyAddEstimate(Vector512.Create(ExpA3), v, Vector512.Create(ExpB3));
        Vector512<float> p = Vector512.MultiplyAddEstimate(c2, w, c1);
        p = Vector512.MultiplyAddEstimate(c3, w * w, p);
        q = Vector512.MultiplyAddEstimate(p, w, -v);

        // s = 2^n as 2^n1 * 2^n2 (n1, n2 >= -75), off the chain: exact down to 2^-149, so a denormal result is
        // rounded once, by the caller's fused step.
        Vector512<int> ni = shifted.AsInt32() - Vector512.Create(RoundShifterBits);
        Vector512<int> n1 = Vector512.ShiftRightArithmetic(ni, 1);
        Vector512<int> n2 = ni - n1;
        s = Vector512.ShiftLeft(n1 + Vector512.Create(ExponentBias), MantissaBits).AsSingle()
            * Vector512.ShiftLeft(n2 + Vector512.Create(ExponentBias), MantissaBits).AsSingle();
    }

    // ---------------------------------------------------------------- Vector128

    /// <summary>Logistic sigmoid per lane; same algorithm and accuracy as <see cref="Sigmoid(Vector256{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x)
    {
        Vector128<float> a = Vector128.Abs(x);
        Vector128<float> shifted = Vector128.MultiplyAddEstimate(a, Vector128.Create(-Log2E), Vector128.Create(RoundShifter));
        ExpMinus(a, shifted, out Vector128<float> q, out Vector128<float> s);

        // e = exp(-|x|) = s (1 + q) and 1 + e, each in one fused step from q.
        Vector128<float> e = Vector128.MultiplyAddEstimate(q, s, s);
        Vector128<float> numerator = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), e, Vector128<float>.One);
        Vector128<float> y = numerator / Vector128.MultiplyAddEstimate(q, s, s + Vector128<float>.One);

        // Lanes past ExpMaxArg drop the kernel's result, in one select off the chain's critical inputs (a clamp of a
        // before the kernel was 4 cycles on the chain): 1 above, +0 below. NaN fails the compare and keeps the kernel's NaN.
        Vector128<float> outside = Vector128.GreaterThan(x, Vector128<float>.Zero) & Vector128<float>.One;
        return Vector128.ConditionalSelect(Vector128.GreaterThan(a, Vector128.Create(ExpMaxArg)), outside, y);
    }

    /// <summary>Hyperbolic tangent per lane; same algorithm and accuracy as <see cref="Tanh(Vector256{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x)
    {
        Vector128<float> one = Vector128<float>.One;
        Vector128<float> ax = Vector128.Abs(x);

        Vector128<float> z = ax * ax;
        Vector128<float> t = Vector128.MultiplyAddEstimate(Vector128.Create(TanhT0), z, Vector128.Create(TanhT1));
        t = Vector128.MultiplyAddEstimate(t, z, Vector128.Create(TanhT2));
        t = Vector128.MultiplyAddEstimate(t, z, Vector128.Create(TanhT3));
        t = Vector128.MultiplyAddEstimate(t, z, Vector128.Create(TanhT4));
        Vector128<float> small = Vector128.MultiplyAddEstimate(t, ax * z, ax);

        // 1 - P/Q, P and Q by Estrin's scheme in |x| (z = x^2 is shared with the polynomial): both ready three steps after z,
        // then one division and one subtraction. P/Q = 1 - tanh is at most 0.45, so the subtraction rounds once and the
        // rounding of P and Q moves the result by a fraction of an ulp of 1 - tanh, not of tanh.
        Vector128<float> z2 = z * z;
        Vector128<float> p = Vector128.MultiplyAddEstimate(Vector128.MultiplyAddEstimate(Vector128.Create(TanhP5), ax, Vector128.Create(TanhP4)), z2, Vector128.MultiplyAddEstimate(Vector128.MultiplyAddEstimate(Vector128.Create(TanhP3), ax, Vector128.Create(TanhP2)), z, Vector128.MultiplyAddEstimate(Vector128.Create(TanhP1), ax, Vector128.Create(TanhP0))));
        Vector128<float> q = Vector128.MultiplyAddEstimate(Vector128.MultiplyAddEstimate(Vector128.MultiplyAddEstimate(Vector128.Create(TanhQ7), ax, Vector128.Create(TanhQ6)), z, Vector128.MultiplyAddEstimate(Vector128.Create(TanhQ5), ax, Vector128.Create(TanhQ4))), z2, Vector128.MultiplyAddEstimate(Vector128.MultiplyAddEstimate(Vector128.Create(TanhQ3), ax, Vector128.Create(TanhQ2)), z, Vector128.MultiplyAddEstimate(Vector128.Create(TanhQ1), ax, one)));
        Vector128<float> large = one - (p / q);

        // Both paths work on |x| and the sign is put back last, so tanh(-0) = -0. NaN fails both
        // compares and takes the polynomial path, which propagates it. Past |x| = TanhOneLimit the rational's lanes are
        // not used (tanh is 1 there, and the rational is not fitted): one select off the chain.
        Vector128<float> y = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(ax, Vector128.Create(TanhSmallLimit)), large, small);
        y = Vector128.ConditionalSelect(Vector128.GreaterThan(ax, Vector128.Create(TanhOneLimit)), one, y);
        return y | (x & Vector128.Create(-0f));
    }

    /// <summary>exp(-a) as s (1 + q); see the Vector256 form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ExpMinus(Vector128<float> a, Vector128<float> shifted, out Vector128<float> q, out Vector128<float> s)
    {
        Vector128<float> n = shifted - Vector128.Create(RoundShifter);
        Vector128<float> v = Vector128.MultiplyAddEstimate(n, Vector128.Create(Ln2Hi), a);
        v = Vector128.MultiplyAddEstimate(n, Vector128.Create(Ln2Lo), v);

        // Estrin's scheme, three FMAs deep instead of Horner's five.
        Vector128<float> w = v * v;
        Vector128<float> c1 = Vector128.MultiplyAddEstimate(Vector128.Create(ExpA1), v, Vector128.Create(ExpB1));
        Vector128<float> c2 = Vector128.MultiplyAddEstimate(Vector128.Create(ExpA2), v, Vector128.Create(ExpB2));
        Vector128<float> c3 = Vector128.MultiplyAddEstimate(Vector128.Create(ExpA3), v, Vector128.Create(ExpB3));
        Vector128<float> p = Vector128.MultiplyAddEstimate(c2, w, c1);
        p = Vector128.MultiplyAddEstimate(c3, w * w, p);
        q = Vector128.MultiplyAddEstimate(p, w, -v);

        // s = 2^n as 2^n1 * 2^n2 (n1, n2 >= -75), off the chain: exact down to 2^-149, so a denormal result is
        // rounded once, by the caller's fused step.
        Vector128<int> ni = shifted.AsInt32() - Vector128.Create(RoundShifterBits);
        Vector128<int> n1 = Vector128.ShiftRightArithmetic(ni, 1);
        Vector128<int> n2 = ni - n1;
        s = Vector128.ShiftLeft(n1 + Vector128.Create(ExponentBias), MantissaBits).AsSingle()
            * Vector128.ShiftLeft(n2 + Vector128.Create(ExponentBias), MantissaBits).AsSingle();
    }

    /// <summary>
    /// a * b + c per lane in 128-bit vectors, as every 128-bit form here computes it: fused where the CPU has a
    /// multiply-add (FMA on x64, FMLA on ARM64), as the scalar form is, so the two agree bit for bit; a multiply and an
    /// add elsewhere (x64 without AVX2 has no FMA). <see cref="Vector128.MultiplyAddEstimate(Vector128{float}, Vector128{float}, Vector128{float})"/>
    /// is that choice as one JIT intrinsic; Vector128.FusedMultiplyAdd would be emulated lane by lane without FMA.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);

    /// <summary><see cref="Sigmoid(Vector128{float})"/> of two vectors (two rows of the 128-bit cells): two evaluations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<float> A, Vector128<float> B) SigmoidPair(Vector128<float> a, Vector128<float> b) => (Sigmoid(a), Sigmoid(b));

    /// <summary><see cref="Tanh(Vector128{float})"/> of two vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<float> A, Vector128<float> B) TanhPair(Vector128<float> a, Vector128<float> b) => (Tanh(a), Tanh(b));

    // ---------------------------------------------------------------- scalar

    /// <summary>Logistic sigmoid; the lane-for-lane scalar twin of <see cref="Sigmoid(Vector256{float})"/>.</summary>
    /// <remarks>Measured maximum error over all 2^32 floats: 2.402 ulp, identical to the vector forms.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x)
    {
        float a = MathF.Abs(x);
        ExpMinus(a, MulAdd(a, -Log2E, RoundShifter), out float q, out float s);
        float e = MulAdd(q, s, s);
        float numerator = x < 0f ? e : 1f;
        float y = numerator / MulAdd(q, s, s + 1f);
        return a > ExpMaxArg ? (x > 0f ? 1f : 0f) : y; // as the vector forms: NaN fails the compare and keeps y's NaN
    }

    /// <summary>Hyperbolic tangent; the lane-for-lane scalar twin of <see cref="Tanh(Vector256{float})"/>.</summary>
    /// <remarks>Measured maximum error over all 2^32 floats: 2.382 ulp, identical to the vector forms.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        float ax = MathF.Abs(x);

        float z = ax * ax;
        float t = MulAdd(TanhT0, z, TanhT1);
        t = MulAdd(t, z, TanhT2);
        t = MulAdd(t, z, TanhT3);
        t = MulAdd(t, z, TanhT4);
        float small = MulAdd(t, ax * z, ax);

        float z2 = z * z;
        float p = MulAdd(MulAdd(TanhP5, ax, TanhP4), z2, MulAdd(MulAdd(TanhP3, ax, TanhP2), z, MulAdd(TanhP1, ax, TanhP0)));
        float q = MulAdd(MulAdd(MulAdd(TanhQ7, ax, TanhQ6), z, MulAdd(TanhQ5, ax, TanhQ4)), z2, MulAdd(MulAdd(TanhQ3, ax, TanhQ2), z, MulAdd(TanhQ1, ax, 1f)));
        float large = 1f - (p / q);

        float y = ax >= TanhSmallLimit ? large : small;
        return MathF.CopySign(ax > TanhOneLimit ? 1f : y, x);
    }

    private static void ExpMinus(float a, float shifted, out float q, out float s)
    {
        float n = shifted - RoundShifter;
        float v = MulAdd(n, Ln2Hi, a);
        v = MulAdd(n, Ln2Lo, v);

        // Estrin's scheme, as in the vector forms.
        float w = v * v;
        float c1 = MulAdd(ExpA1, v, ExpB1);
        float c2 = MulAdd(ExpA2, v, ExpB2);
        float c3 = MulAdd(ExpA3, v, ExpB3);
        float p = MulAdd(c2, w, c1);
        p = MulAdd(c3, w * w, p);
        q = MulAdd(p, w, -v);

        int ni = BitConverter.SingleToInt32Bits(shifted) - RoundShifterBits;
        int n1 = ni >> 1;
        int n2 = ni - n1;
        s = BitConverter.Int32BitsToSingle((n1 + ExponentBias) << MantissaBits)
            * BitConverter.Int32BitsToSingle((n2 + ExponentBias) << MantissaBits);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MulAdd(float a, float b, float c) =>
        Fma.IsSupported || AdvSimd.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    // ---------------------------------------------------------------- spans

    /// <summary>y[i] = Sigmoid(x[i]). <paramref name="x"/> and <paramref name="y"/> may be the same span.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length != x.Length)
        {
            throw new ArgumentException($"Length {y.Length} does not match x.Length {x.Length}.", nameof(y));
        }

        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int n = x.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Sigmoid(Vector512.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Sigmoid(Vector256.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Sigmoid(Vector128.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            y[i] = Sigmoid(x[i]);
        }
    }

    /// <summary>y[i] = Tanh(x[i]). <paramref name="x"/> and <paramref name="y"/> may be the same span.</summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length != x.Length)
        {
            throw new ArgumentException($"Length {y.Length} does not match x.Length {x.Length}.", nameof(y));
        }

        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int n = x.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Tanh(Vector512.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Tanh(Vector256.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Tanh(Vector128.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            y[i] = Tanh(x[i]);
        }
    }
}
