using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LstmGen.Kernels;

/// <summary>
/// <see cref="Gemm"/>'s products in 128-bit vectors, where Vector256 is not accelerated (ARM64, x64 without AVX2): the
/// same contracts, called by <see cref="Gemm"/>'s public methods. A tile is 4 rows of C by 8 columns, four
/// <see cref="Float8"/> accumulators (8 registers of 16 on x64, of 32 on ARM64), each loaded B vector feeding 4 rows.
/// </summary>
internal static class Gemm128
{
    /// <summary>Rows of C per tile.</summary>
    internal const int TileRows = 4;

    /// <summary>
    /// C[i, j] += Σp A(i, p) B[p, j] for i &lt; m, j &lt; n (a multiple of 8), p &lt; k, with A(i, p) at
    /// a[i * rowStride + p * depthStride]: <see cref="Gemm.MultiplyAdd"/> is (lda, 1), <see cref="Gemm.MultiplyAddTransposedA"/> (1, lda).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(int m, int n, int k, ref float a, int rowStride, int depthStride, ref float b, int ldb, ref float c, int ldc)
    {
        int i = 0;
        for (; i + TileRows <= m; i += TileRows)
        {
            ref float ai = ref Unsafe.Add(ref a, (nint)i * rowStride);
            ref float ci = ref Unsafe.Add(ref c, (nint)i * ldc);
            for (int j = 0; j < n; j += 8)
            {
                // 4 rows x 8 columns: one load of B per p feeds four FMAs.
                ref float cj = ref Unsafe.Add(ref ci, j);
                Float8 c0 = Float8.LoadUnsafe(ref cj), c1 = Float8.LoadUnsafe(ref cj, (nuint)ldc);
                Float8 c2 = Float8.LoadUnsafe(ref cj, (nuint)(2 * ldc)), c3 = Float8.LoadUnsafe(ref cj, (nuint)(3 * ldc));
                for (int p = 0; p < k; p++)
                {
                    Float8 bp = Float8.LoadUnsafe(ref b, (nuint)(((nint)p * ldb) + j));
                    ref float ap = ref Unsafe.Add(ref ai, (nint)p * depthStride);
                    c0 = Float8.FusedMultiplyAdd(Float8.Create(ap), bp, c0);
                    c1 = Float8.FusedMultiplyAdd(Float8.Create(Unsafe.Add(ref ap, rowStride)), bp, c1);
                    c2 = Float8.FusedMultiplyAdd(Float8.Create(Unsafe.Add(ref ap, 2 * rowStride)), bp, c2);
                    c3 = Float8.FusedMultiplyAdd(Float8.Create(Unsafe.Add(ref ap, 3 * rowStride)), bp, c3);
                }

                Float8.StoreUnsafe(c0, ref cj, 0);
                Float8.StoreUnsafe(c1, ref cj, (nuint)ldc);
                Float8.StoreUnsafe(c2, ref cj, (nuint)(2 * ldc));
                Float8.StoreUnsafe(c3, ref cj, (nuint)(3 * ldc));
            }
        }

        for (; i < m; i++)
        {
            // The last rows one at a time, the reduction split over two accumulators (two FMA chains).
            ref float ai = ref Unsafe.Add(ref a, (nint)i * rowStride);
            ref float ci = ref Unsafe.Add(ref c, (nint)i * ldc);
            for (int j = 0; j < n; j += 8)
            {
                Float8 even = Float8.LoadUnsafe(ref ci, (nuint)j), odd = Float8.Zero;
                int p = 0;
                for (; p + 2 <= k; p += 2)
                {
                    ref float ap = ref Unsafe.Add(ref ai, (nint)p * depthStride);
                    even = Float8.FusedMultiplyAdd(Float8.Create(ap), Float8.LoadUnsafe(ref b, (nuint)(((nint)p * ldb) + j)), even);
                    odd = Float8.FusedMultiplyAdd(Float8.Create(Unsafe.Add(ref ap, depthStride)), Float8.LoadUnsafe(ref b, (nuint)(((nint)(p + 1) * ldb) + j)), odd);
                }

                if (p < k)
                {
                    even = Float8.FusedMultiplyAdd(Float8.Create(Unsafe.Add(ref ai, (nint)p * depthStride)), Float8.LoadUnsafe(ref b, (nuint)(((nint)p * ldb) + j)), even);
                }

                Float8.StoreUnsafe(even + odd, ref ci, (nuint)j);
            }
        }
    }

    /// <summary>
    /// <see cref="Gemm.MultiplyAddTransposedB"/>: C[i, j] += Σp A[i, p] B[j, p], k a multiple of 8. Each row of A against
    /// 4 rows of B at a time (4 independent chains of partial sums, each A vector loaded once), then single rows of B.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAddTransposedB(int m, int n, int k, ref float a, int lda, ref float b, int ldb, ref float c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            ref float ai = ref Unsafe.Add(ref a, (nint)i * lda);
            ref float ci = ref Unsafe.Add(ref c, (nint)i * ldc);
            int j = 0;
            for (; j + 4 <= n; j += 4)
            {
                ref float b0 = ref Unsafe.Add(ref b, (nint)j * ldb);
                ref float b1 = ref Unsafe.Add(ref b0, ldb);
                ref float b2 = ref Unsafe.Add(ref b1, ldb);
                ref float b3 = ref Unsafe.Add(ref b2, ldb);
                Float8 s0 = Float8.Zero, s1 = Float8.Zero, s2 = Float8.Zero, s3 = Float8.Zero;
                for (int p = 0; p < k; p += 8)
                {
                    Float8 ap = Float8.LoadUnsafe(ref ai, (nuint)p);
                    s0 = Float8.FusedMultiplyAdd(ap, Float8.LoadUnsafe(ref b0, (nuint)p), s0);
                    s1 = Float8.FusedMultiplyAdd(ap, Float8.LoadUnsafe(ref b1, (nuint)p), s1);
                    s2 = Float8.FusedMultiplyAdd(ap, Float8.LoadUnsafe(ref b2, (nuint)p), s2);
                    s3 = Float8.FusedMultiplyAdd(ap, Float8.LoadUnsafe(ref b3, (nuint)p), s3);
                }

                Unsafe.Add(ref ci, j) += Sum(s0);
                Unsafe.Add(ref ci, j + 1) += Sum(s1);
                Unsafe.Add(ref ci, j + 2) += Sum(s2);
                Unsafe.Add(ref ci, j + 3) += Sum(s3);
            }

            for (; j < n; j++)
            {
                ref float bj = ref Unsafe.Add(ref b, (nint)j * ldb);
                Float8 s = Float8.Zero;
                for (int p = 0; p < k; p += 8)
                {
                    s = Float8.FusedMultiplyAdd(Float8.LoadUnsafe(ref ai, (nuint)p), Float8.LoadUnsafe(ref bj, (nuint)p), s);
                }

                Unsafe.Add(ref ci, j) += Sum(s);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum(Float8 s) => Vector128.Sum(s.Lower + s.Upper);
}
