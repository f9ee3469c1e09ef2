using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LstmGen.Kernels;

/// <summary>
/// Register-tiled float matrix products for the generated kernels' batched work: the input projections of all time
/// steps, a step's recurrent products for the whole batch, dh_prev in BPTT, and the input and weight gradients.
/// Row-major, strides in floats, results accumulated into C.
/// With Vector256 a tile holds 4 rows by 2 vectors (8 accumulators): with 16 vector registers that leaves room for the
/// 2 loaded vectors and a broadcast, and each loaded vector of B feeds 4 FMAs instead of 1 as in a matrix-vector loop.
/// Where Vector512 is accelerated (AVX-512: 32 registers) tiles are 8 rows by 2 512-bit vectors, 16 accumulators.
/// Where Vector256 is not accelerated (ARM64, x64 without AVX2), every product runs in 128-bit vectors (<see cref="Gemm128"/>).
/// Callers check the lengths; these methods trust them (they are reached only from generated code).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Gemm
{
    /// <summary>Rows of the reduction processed per pass of <see cref="MultiplyAddTransposedA"/>, so a B panel stays in L1.</summary>
    internal const int ReductionBlock = 128;

    // The tile and pass sizes of the loops below, named so that GemmTests derives from them which paths a size reaches
    // (the code in each tile is written for these values: changing one means rewriting its tile).

    /// <summary>Floats per Vector256 and per Vector512.</summary>
    internal const int Lanes256 = 8, Lanes512 = 16;

    /// <summary>Rows of C per register tile: 4, and 8 in the 512-bit tiles of <see cref="MultiplyAdd"/> and <see cref="MultiplyAddTransposedA"/>.</summary>
    internal const int TileRows = 4, WideTileRows = 8;

    /// <summary>Columns of C per register tile: two vectors, 256-bit or 512-bit.</summary>
    internal const int TileColumns = 2 * Lanes256, WideTileColumns = 2 * Lanes512;

    /// <summary>Single rows of <see cref="MultiplyAdd"/>: 8 vectors of columns per pass, then 4, then one (its reduction split 4 ways).</summary>
    internal const int RowPassColumns = 8 * Lanes256, RowHalfPassColumns = 4 * Lanes256, RowReductionSplit = 4;

    /// <summary><see cref="MultiplyAddTransposedB"/>: rows of B per 4-row tile, and per single row of A.</summary>
    internal const int TransposedBTileColumns = 2, TransposedBRowColumns = 4;

    /// <summary>Short dot products: rows of B per pass, then half as many, then one.</summary>
    internal const int ShortColumns = 8, ShortHalfColumns = 4;

    /// <summary>C[i, j] += Σp A[i, p] B[p, j] for i &lt; m, j &lt; n, p &lt; k. n must be a multiple of 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(int m, int n, int k, ref float a, int lda, ref float b, int ldb, ref float c, int ldc)
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            Gemm128.MultiplyAdd(m, n, k, ref a, lda, 1, ref b, ldb, ref c, ldc);
            return;
        }

        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= WideTileColumns)
        {
            // 8 rows by 32 columns in 512-bit vectors where 32 registers hold 16 accumulators; the other columns of
            // those rows, and the rows after them, by the 4-row code.
            int wide = n & ~(WideTileColumns - 1);
            for (; i + WideTileRows <= m; i += WideTileRows)
            {
                MultiplyAdd8x32(wide, k, ref Unsafe.Add(ref a, (nint)i * lda), lda, ref b, ldb, ref Unsafe.Add(ref c, (nint)i * ldc), ldc);
            }

            if (i > 0 && wide < n)
            {
                MultiplyAddRows(i, n - wide, k, ref a, lda, ref Unsafe.Add(ref b, wide), ldb, ref Unsafe.Add(ref c, wide), ldc);
            }
        }

        MultiplyAddRows(m - i, n, k, ref Unsafe.Add(ref a, (nint)i * lda), lda, ref b, ldb, ref Unsafe.Add(ref c, (nint)i * ldc), ldc);
    }

    /// <summary>8 rows of <see cref="MultiplyAdd"/>, columns 0..n (a multiple of 32), in 512-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyAdd8x32(int n, int k, ref float a, int lda, ref float b, int ldb, ref float c, int ldc)
    {
        for (int j = 0; j < n; j += WideTileColumns)
        {
            ref float cj = ref Unsafe.Add(ref c, j);
            Vector512<float> s00 = Vector512.LoadUnsafe(ref cj), s01 = Vector512.LoadUnsafe(ref cj, 16);
            Vector512<float> s10 = Vector512.LoadUnsafe(ref cj, (nuint)ldc), s11 = Vector512.LoadUnsafe(ref cj, (nuint)ldc + 16);
            Vector512<float> s20 = Vector512.LoadUnsafe(ref cj, 2 * (nuint)ldc), s21 = Vector512.LoadUnsafe(ref cj, (2 * (nuint)ldc) + 16);
            Vector512<float> s30 = Vector512.LoadUnsafe(ref cj, 3 * (nuint)ldc), s31 = Vector512.LoadUnsafe(ref cj, (3 * (nuint)ldc) + 16);
            Vector512<float> s40 = Vector512.LoadUnsafe(ref cj, 4 * (nuint)ldc), s41 = Vector512.LoadUnsafe(ref cj, (4 * (nuint)ldc) + 16);
            Vector512<float> s50 = Vector512.LoadUnsafe(ref cj, 5 * (nuint)ldc), s51 = Vector512.LoadUnsafe(ref cj, (5 * (nuint)ldc) + 16);
            Vector512<float> s60 = Vector512.LoadUnsafe(ref cj, 6 * (nuint)ldc), s61 = Vector512.LoadUnsafe(ref cj, (6 * (nuint)ldc) + 16);
            Vector512<float> s70 = Vector512.LoadUnsafe(ref cj, 7 * (nuint)ldc), s71 = Vector512.LoadUnsafe(ref cj, (7 * (nuint)ldc) + 16);
            ref float bp = ref Unsafe.Add(ref b, j);
            ref float ap = ref a;
            for (int p = 0; p < k; p++, bp = ref Unsafe.Add(ref bp, ldb), ap = ref Unsafe.Add(ref ap, 1))
            {
                Vector512<float> b0 = Vector512.LoadUnsafe(ref bp);
                Vector512<float> b1 = Vector512.LoadUnsafe(ref bp, 16);
                Vector512<float> x = Vector512.Create(ap);
                s00 = Vector512.FusedMultiplyAdd(x, b0, s00);
                s01 = Vector512.FusedMultiplyAdd(x, b1, s01);
                x = Vector512.Create(Unsafe.Add(ref ap, lda));
                s10 = Vector512.FusedMultiplyAdd(x, b0, s10);
                s11 = Vector512.FusedMultiplyAdd(x, b1, s11);
                x = Vector512.Create(Unsafe.Add(ref ap, 2 * (nint)lda));
                s20 = Vector512.FusedMultiplyAdd(x, b0, s20);
                s21 = Vector512.FusedMultiplyAdd(x, b1, s21);
                x = Vector512.Create(Unsafe.Add(ref ap, 3 * (nint)lda));
                s30 = Vector512.FusedMultiplyAdd(x, b0, s30);
                s31 = Vector512.FusedMultiplyAdd(x, b1, s31);
                x = Vector512.Create(Unsafe.Add(ref ap, 4 * (nint)lda));
                s40 = Vector512.FusedMultiplyAdd(x, b0, s40);
                s41 = Vector512.FusedMultiplyAdd(x, b1, s41);
                x = Vector512.Create(Unsafe.Add(ref ap, 5 * (nint)lda));
                s50 = Vector512.FusedMultiplyAdd(x, b0, s50);
                s51 = Vector512.FusedMultiplyAdd(x, b1, s51);
                x = Vector512.Create(Unsafe.Add(ref ap, 6 * (nint)lda));
                s60 = Vector512.FusedMultiplyAdd(x, b0, s60);
                s61 = Vector512.FusedMultiplyAdd(x, b1, s61);
                x = Vector512.Create(Unsafe.Add(ref ap, 7 * (nint)lda));
                s70 = Vector512.FusedMultiplyAdd(x, b0, s70);
                s71 = Vector512.FusedMultiplyAdd(x, b1, s71);
            }

            s00.StoreUnsafe(ref cj); s01.StoreUnsafe(ref cj, 16);
            s10.StoreUnsafe(ref cj, (nuint)ldc); s11.StoreUnsafe(ref cj, (nuint)ldc + 16);
            s20.StoreUnsafe(ref cj, 2 * (nuint)ldc); s21.StoreUnsafe(ref cj, (2 * (nuint)ldc) + 16);
            s30.StoreUnsafe(ref cj, 3 * (nuint)ldc); s31.StoreUnsafe(ref cj, (3 * (nuint)ldc) + 16);
            s40.StoreUnsafe(ref cj, 4 * (nuint)ldc); s41.StoreUnsafe(ref cj, (4 * (nuint)ldc) + 16);
            s50.StoreUnsafe(ref cj, 5 * (nuint)ldc); s51.StoreUnsafe(ref cj, (5 * (nuint)ldc) + 16);
            s60.StoreUnsafe(ref cj, 6 * (nuint)ldc); s61.StoreUnsafe(ref cj, (6 * (nuint)ldc) + 16);
            s70.StoreUnsafe(ref cj, 7 * (nuint)ldc); s71.StoreUnsafe(ref cj, (7 * (nuint)ldc) + 16);
        }
    }

    /// <summary><see cref="MultiplyAdd"/> in tiles of 4 rows (512-bit where accelerated), then single rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyAddRows(int m, int n, int k, ref float a, int lda, ref float b, int ldb, ref float c, int ldc)
    {
        int i = 0;
        for (; i + TileRows <= m; i += TileRows)
        {
            ref float a0 = ref Unsafe.Add(ref a, (nint)i * lda);
            ref float a1 = ref Unsafe.Add(ref a0, lda);
            ref float a2 = ref Unsafe.Add(ref a1, lda);
            ref float a3 = ref Unsafe.Add(ref a2, lda);
            ref float c0 = ref Unsafe.Add(ref c, (nint)i * ldc);
            ref float c1 = ref Unsafe.Add(ref c0, ldc);
            ref float c2 = ref Unsafe.Add(ref c1, ldc);
            ref float c3 = ref Unsafe.Add(ref c2, ldc);
            int j = Vector512.IsHardwareAccelerated ? MultiplyAdd4x32(n, k, ref a0, ref a1, ref a2, ref a3, ref b, ldb, ref c0, ref c1, ref c2, ref c3) : 0;
            for (; j + TileColumns <= n; j += TileColumns)
            {
                // 4 rows x 16 columns.
                Vector256<float> s00 = Vector256.LoadUnsafe(ref c0, (nuint)j), s01 = Vector256.LoadUnsafe(ref c0, (nuint)j + 8);
                Vector256<float> s10 = Vector256.LoadUnsafe(ref c1, (nuint)j), s11 = Vector256.LoadUnsafe(ref c1, (nuint)j + 8);
                Vector256<float> s20 = Vector256.LoadUnsafe(ref c2, (nuint)j), s21 = Vector256.LoadUnsafe(ref c2, (nuint)j + 8);
                Vector256<float> s30 = Vector256.LoadUnsafe(ref c3, (nuint)j), s31 = Vector256.LoadUnsafe(ref c3, (nuint)j + 8);
                ref float bp = ref Unsafe.Add(ref b, j);
                for (int p = 0; p < k; p++, bp = ref Unsafe.Add(ref bp, ldb))
                {
                    Vector256<float> b0 = Vector256.LoadUnsafe(ref bp);
                    Vector256<float> b1 = Vector256.LoadUnsafe(ref bp, 8);
                    Vector256<float> x = Vector256.Create(Unsafe.Add(ref a0, p));
                    s00 = Vector256.FusedMultiplyAdd(x, b0, s00);
                    s01 = Vector256.FusedMultiplyAdd(x, b1, s01);
                    x = Vector256.Create(Unsafe.Add(ref a1, p));
                    s10 = Vector256.FusedMultiplyAdd(x, b0, s10);
                    s11 = Vector256.FusedMultiplyAdd(x, b1, s11);
                    x = Vector256.Create(Unsafe.Add(ref a2, p));
                    s20 = Vector256.FusedMultiplyAdd(x, b0, s20);
                    s21 = Vector256.FusedMultiplyAdd(x, b1, s21);
                    x = Vector256.Create(Unsafe.Add(ref a3, p));
                    s30 = Vector256.FusedMultiplyAdd(x, b0, s30);
                    s31 = Vector256.FusedMultiplyAdd(x, b1, s31);
                }

                s00.StoreUnsafe(ref c0, (nuint)j); s01.StoreUnsafe(ref c0, (nuint)j + 8);
                s10.StoreUnsafe(ref c1, (nuint)j); s11.StoreUnsafe(ref c1, (nuint)j + 8);
                s20.StoreUnsafe(ref c2, (nuint)j); s21.StoreUnsafe(ref c2, (nuint)j + 8);
                s30.StoreUnsafe(ref c3, (nuint)j); s31.StoreUnsafe(ref c3, (nuint)j + 8);
            }

            if (j < n)
            {
                // 4 rows x the last 8 columns.
                Vector256<float> s0 = Vector256.LoadUnsafe(ref c0, (nuint)j), s1 = Vector256.LoadUnsafe(ref c1, (nuint)j);
                Vector256<float> s2 = Vector256.LoadUnsafe(ref c2, (nuint)j), s3 = Vector256.LoadUnsafe(ref c3, (nuint)j);
                ref float bp = ref Unsafe.Add(ref b, j);
                for (int p = 0; p < k; p++, bp = ref Unsafe.Add(ref bp, ldb))
                {
                    Vector256<float> b0 = Vector256.LoadUnsafe(ref bp);
                    s0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref a0, p)), b0, s0);
                    s1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref a1, p)), b0, s1);
                    s2 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref a2, p)), b0, s2);
                    s3 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref a3, p)), b0, s3);
                }

                s0.StoreUnsafe(ref c0, (nuint)j); s1.StoreUnsafe(ref c1, (nuint)j);
                s2.StoreUnsafe(ref c2, (nuint)j); s3.StoreUnsafe(ref c3, (nuint)j);
            }
        }

        for (; i < m; i++)
        {
            // The last rows one at a time: 8 vectors of columns per pass (8 independent FMA chains, enough to keep both
            // FMA units busy at batch 1), then 4, then single vectors.
            ref float ai = ref Unsafe.Add(ref a, (nint)i * lda);
            ref float ci = ref Unsafe.Add(ref c, (nint)i * ldc);
            int j = 0;
            for (; j + RowPassColumns <= n; j += RowPassColumns)
            {
                Vector256<float> s0 = Vector256.LoadUnsafe(ref ci, (nuint)j), s1 = Vector256.LoadUnsafe(ref ci, (nuint)j + 8);
                Vector256<float> s2 = Vector256.LoadUnsafe(ref ci, (nuint)j + 16), s3 = Vector256.LoadUnsafe(ref ci, (nuint)j + 24);
                Vector256<float> s4 = Vector256.LoadUnsafe(ref ci, (nuint)j + 32), s5 = Vector256.LoadUnsafe(ref ci, (nuint)j + 40);
                Vector256<float> s6 = Vector256.LoadUnsafe(ref ci, (nuint)j + 48), s7 = Vector256.LoadUnsafe(ref ci, (nuint)j + 56);
                ref float bp = ref Unsafe.Add(ref b, j);
                for (int p = 0; p < k; p++, bp = ref Unsafe.Add(ref bp, ldb))
                {
                    Vector256<float> x = Vector256.Create(Unsafe.Add(ref ai, p));
                    s0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bp), s0);
                    s1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bp, 8), s1);
                    s2 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bp, 16), s2);
                    s3 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bp, 24), s3);
                    s4 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bp, 32), s4);
                    s5 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bp, 40), s5);
                    s6 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bp, 48), s6);
                    s7 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bp, 56), s7);
                }

                s0.StoreUnsafe(ref ci, (nuint)j); s1.StoreUnsafe(ref ci, (nuint)j + 8);
                s2.StoreUnsafe(ref ci, (nuint)j + 16); s3.StoreUnsafe(ref ci, (nuint)j + 24);
                s4.StoreUnsafe(ref ci, (nuint)j + 32); s5.StoreUnsafe(ref ci, (nuint)j + 40);
                s6.StoreUnsafe(ref ci, (nuint)j + 48); s7.StoreUnsafe(ref ci, (nuint)j + 56);
            }

            for (; j + RowHalfPassColumns <= n; j += RowHalfPassColumns)
            {
                Vector256<float> s0 = Vector256.LoadUnsafe(ref ci, (nuint)j), s1 = Vector256.LoadUnsafe(ref ci, (nuint)j + 8);
                Vector256<float> s2 = Vector256.LoadUnsafe(ref ci, (nuint)j + 16), s3 = Vector256.LoadUnsafe(ref ci, (nuint)j + 24);
                ref float bp = ref Unsafe.Add(ref b, j);
                for (int p = 0; p < k; p++, bp = ref Unsafe.Add(ref bp, ldb))
                {
                    Vector256<float> x = Vector256.Create(Unsafe.Add(ref ai, p));
                    s0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bp), s0);
                    s1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bp, 8), s1);
                    s2 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bp, 16), s2);
                    s3 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bp, 24), s3);
                }

                s0.StoreUnsafe(ref ci, (nuint)j); s1.StoreUnsafe(ref ci, (nuint)j + 8);
                s2.StoreUnsafe(ref ci, (nuint)j + 16); s3.StoreUnsafe(ref ci, (nuint)j + 24);
            }

            for (; j < n; j += Lanes256)
            {
                // One vector of columns: the reduction split over four accumulators, so a small product (a step's dh_prev
                // at batch 1, say) waits for a quarter of the FMA chain.
                Vector256<float> s0 = Vector256.LoadUnsafe(ref ci, (nuint)j), s1 = default, s2 = default, s3 = default;
                ref float bp = ref Unsafe.Add(ref b, j);
                int p = 0;
                for (; p + RowReductionSplit <= k; p += RowReductionSplit, bp = ref Unsafe.Add(ref bp, RowReductionSplit * (nint)ldb))
                {
                    s0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ai, p)), Vector256.LoadUnsafe(ref bp), s0);
                    s1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ai, p + 1)), Vector256.LoadUnsafe(ref bp, (nuint)ldb), s1);
                    s2 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ai, p + 2)), Vector256.LoadUnsafe(ref bp, 2 * (nuint)ldb), s2);
                    s3 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ai, p + 3)), Vector256.LoadUnsafe(ref bp, 3 * (nuint)ldb), s3);
                }

                for (; p < k; p++, bp = ref Unsafe.Add(ref bp, ldb))
                {
                    s0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ai, p)), Vector256.LoadUnsafe(ref bp), s0);
                }

                ((s0 + s1) + (s2 + s3)).StoreUnsafe(ref ci, (nuint)j);
            }
        }
    }

    /// <summary>
    /// The 4-row tile of <see cref="MultiplyAdd"/> in 512-bit vectors, 32 columns at a time: half the instructions per FMA
    /// of the 256-bit tile, which is bound by instruction issue rather than by the FMA units. Returns the columns done.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int MultiplyAdd4x32(int n, int k, ref float a0, ref float a1, ref float a2, ref float a3, ref float b, int ldb,
        ref float c0, ref float c1, ref float c2, ref float c3)
    {
        int j = 0;
        for (; j + WideTileColumns <= n; j += WideTileColumns)
        {
            Vector512<float> s00 = Vector512.LoadUnsafe(ref c0, (nuint)j), s01 = Vector512.LoadUnsafe(ref c0, (nuint)j + 16);
            Vector512<float> s10 = Vector512.LoadUnsafe(ref c1, (nuint)j), s11 = Vector512.LoadUnsafe(ref c1, (nuint)j + 16);
            Vector512<float> s20 = Vector512.LoadUnsafe(ref c2, (nuint)j), s21 = Vector512.LoadUnsafe(ref c2, (nuint)j + 16);
            Vector512<float> s30 = Vector512.LoadUnsafe(ref c3, (nuint)j), s31 = Vector512.LoadUnsafe(ref c3, (nuint)j + 16);
            ref float bp = ref Unsafe.Add(ref b, j);
            for (int p = 0; p < k; p++, bp = ref Unsafe.Add(ref bp, ldb))
            {
                Vector512<float> b0 = Vector512.LoadUnsafe(ref bp);
                Vector512<float> b1 = Vector512.LoadUnsafe(ref bp, 16);
                Vector512<float> x = Vector512.Create(Unsafe.Add(ref a0, p));
                s00 = Vector512.FusedMultiplyAdd(x, b0, s00);
                s01 = Vector512.FusedMultiplyAdd(x, b1, s01);
                x = Vector512.Create(Unsafe.Add(ref a1, p));
                s10 = Vector512.FusedMultiplyAdd(x, b0, s10);
                s11 = Vector512.FusedMultiplyAdd(x, b1, s11);
                x = Vector512.Create(Unsafe.Add(ref a2, p));
                s20 = Vector512.FusedMultiplyAdd(x, b0, s20);
                s21 = Vector512.FusedMultiplyAdd(x, b1, s21);
                x = Vector512.Create(Unsafe.Add(ref a3, p));
                s30 = Vector512.FusedMultiplyAdd(x, b0, s30);
                s31 = Vector512.FusedMultiplyAdd(x, b1, s31);
            }

            s00.StoreUnsafe(ref c0, (nuint)j); s01.StoreUnsafe(ref c0, (nuint)j + 16);
            s10.StoreUnsafe(ref c1, (nuint)j); s11.StoreUnsafe(ref c1, (nuint)j + 16);
            s20.StoreUnsafe(ref c2, (nuint)j); s21.StoreUnsafe(ref c2, (nuint)j + 16);
            s30.StoreUnsafe(ref c3, (nuint)j); s31.StoreUnsafe(ref c3, (nuint)j + 16);
        }

        return j;
    }

    /// <summary>
    /// C[i, j] += Σp A[i, p] B[j, p] for i &lt; m, j &lt; n, p &lt; k: rows of A dotted with rows of B. k must be a
    /// multiple of 8.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAddTransposedB(int m, int n, int k, ref float a, int lda, ref float b, int ldb, ref float c, int ldc)
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            Gemm128.MultiplyAddTransposedB(m, n, k, ref a, lda, ref b, ldb, ref c, ldc);
            return;
        }

        if (k <= ShortReduction && Avx.IsSupported)
        {
            ShortDotProducts(m, n, k, ref a, lda, ref b, ldb, ref c, ldc);
            return;
        }

        int i = 0;
        for (; i + TileRows <= m; i += TileRows)
        {
            ref float a0 = ref Unsafe.Add(ref a, (nint)i * lda);
            ref float a1 = ref Unsafe.Add(ref a0, lda);
            ref float a2 = ref Unsafe.Add(ref a1, lda);
            ref float a3 = ref Unsafe.Add(ref a2, lda);
            ref float c0 = ref Unsafe.Add(ref c, (nint)i * ldc);
            int j = 0;
            for (; j + TransposedBTileColumns <= n; j += TransposedBTileColumns)
            {
                // 4 rows of A against 2 rows of B: 8 dot products, each a vector of partial sums.
                ref float b0 = ref Unsafe.Add(ref b, (nint)j * ldb);
                ref float b1 = ref Unsafe.Add(ref b0, ldb);
                Vector256<float> s00 = default, s01 = default, s10 = default, s11 = default;
                Vector256<float> s20 = default, s21 = default, s30 = default, s31 = default;
                int p = 0;
                if (Vector512.IsHardwareAccelerated && k >= Lanes512)
                {
                    // 16 products per instruction while whole 512-bit vectors remain, then the halves added for the tail.
                    Vector512<float> z00 = default, z01 = default, z10 = default, z11 = default;
                    Vector512<float> z20 = default, z21 = default, z30 = default, z31 = default;
                    for (; p + Lanes512 <= k; p += Lanes512)
                    {
                        Vector512<float> u = Vector512.LoadUnsafe(ref b0, (nuint)p);
                        Vector512<float> w = Vector512.LoadUnsafe(ref b1, (nuint)p);
                        Vector512<float> x = Vector512.LoadUnsafe(ref a0, (nuint)p);
                        z00 = Vector512.FusedMultiplyAdd(x, u, z00);
                        z01 = Vector512.FusedMultiplyAdd(x, w, z01);
                        x = Vector512.LoadUnsafe(ref a1, (nuint)p);
                        z10 = Vector512.FusedMultiplyAdd(x, u, z10);
                        z11 = Vector512.FusedMultiplyAdd(x, w, z11);
                        x = Vector512.LoadUnsafe(ref a2, (nuint)p);
                        z20 = Vector512.FusedMultiplyAdd(x, u, z20);
                        z21 = Vector512.FusedMultiplyAdd(x, w, z21);
                        x = Vector512.LoadUnsafe(ref a3, (nuint)p);
                        z30 = Vector512.FusedMultiplyAdd(x, u, z30);
                        z31 = Vector512.FusedMultiplyAdd(x, w, z31);
                    }

                    s00 = z00.GetLower() + z00.GetUpper();
                    s01 = z01.GetLower() + z01.GetUpper();
                    s10 = z10.GetLower() + z10.GetUpper();
                    s11 = z11.GetLower() + z11.GetUpper();
                    s20 = z20.GetLower() + z20.GetUpper();
                    s21 = z21.GetLower() + z21.GetUpper();
                    s30 = z30.GetLower() + z30.GetUpper();
                    s31 = z31.GetLower() + z31.GetUpper();
                }

                for (; p < k; p += 8)
                {
                    Vector256<float> u = Vector256.LoadUnsafe(ref b0, (nuint)p);
                    Vector256<float> w = Vector256.LoadUnsafe(ref b1, (nuint)p);
                    Vector256<float> x = Vector256.LoadUnsafe(ref a0, (nuint)p);
                    s00 = Vector256.FusedMultiplyAdd(x, u, s00);
                    s01 = Vector256.FusedMultiplyAdd(x, w, s01);
                    x = Vector256.LoadUnsafe(ref a1, (nuint)p);
                    s10 = Vector256.FusedMultiplyAdd(x, u, s10);
                    s11 = Vector256.FusedMultiplyAdd(x, w, s11);
                    x = Vector256.LoadUnsafe(ref a2, (nuint)p);
                    s20 = Vector256.FusedMultiplyAdd(x, u, s20);
                    s21 = Vector256.FusedMultiplyAdd(x, w, s21);
                    x = Vector256.LoadUnsafe(ref a3, (nuint)p);
                    s30 = Vector256.FusedMultiplyAdd(x, u, s30);
                    s31 = Vector256.FusedMultiplyAdd(x, w, s31);
                }

                ref float cj = ref Unsafe.Add(ref c0, j);
                cj += Vector256.Sum(s00);
                Unsafe.Add(ref cj, 1) += Vector256.Sum(s01);
                cj = ref Unsafe.Add(ref cj, ldc);
                cj += Vector256.Sum(s10);
                Unsafe.Add(ref cj, 1) += Vector256.Sum(s11);
                cj = ref Unsafe.Add(ref cj, ldc);
                cj += Vector256.Sum(s20);
                Unsafe.Add(ref cj, 1) += Vector256.Sum(s21);
                cj = ref Unsafe.Add(ref cj, ldc);
                cj += Vector256.Sum(s30);
                Unsafe.Add(ref cj, 1) += Vector256.Sum(s31);
            }

            if (j < n)
            {
                ref float bj = ref Unsafe.Add(ref b, (nint)j * ldb);
                Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
                for (int p = 0; p < k; p += 8)
                {
                    Vector256<float> u = Vector256.LoadUnsafe(ref bj, (nuint)p);
                    s0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a0, (nuint)p), u, s0);
                    s1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a1, (nuint)p), u, s1);
                    s2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a2, (nuint)p), u, s2);
                    s3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a3, (nuint)p), u, s3);
                }

                ref float cj = ref Unsafe.Add(ref c0, j);
                cj += Vector256.Sum(s0);
                Unsafe.Add(ref cj, ldc) += Vector256.Sum(s1);
                Unsafe.Add(ref cj, 2 * (nint)ldc) += Vector256.Sum(s2);
                Unsafe.Add(ref cj, 3 * (nint)ldc) += Vector256.Sum(s3);
            }
        }

        for (; i < m; i++)
        {
            // The last rows one at a time, against 4 rows of B for 4 independent FMA chains.
            ref float ai = ref Unsafe.Add(ref a, (nint)i * lda);
            ref float ci = ref Unsafe.Add(ref c, (nint)i * ldc);
            int j = 0;
            for (; j + TransposedBRowColumns <= n; j += TransposedBRowColumns)
            {
                ref float b0 = ref Unsafe.Add(ref b, (nint)j * ldb);
                ref float b1 = ref Unsafe.Add(ref b0, ldb);
                ref float b2 = ref Unsafe.Add(ref b1, ldb);
                ref float b3 = ref Unsafe.Add(ref b2, ldb);
                Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
                for (int p = 0; p < k; p += 8)
                {
                    Vector256<float> x = Vector256.LoadUnsafe(ref ai, (nuint)p);
                    s0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref b0, (nuint)p), s0);
                    s1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref b1, (nuint)p), s1);
                    s2 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref b2, (nuint)p), s2);
                    s3 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref b3, (nuint)p), s3);
                }

                Unsafe.Add(ref ci, j) += Vector256.Sum(s0);
                Unsafe.Add(ref ci, j + 1) += Vector256.Sum(s1);
                Unsafe.Add(ref ci, j + 2) += Vector256.Sum(s2);
                Unsafe.Add(ref ci, j + 3) += Vector256.Sum(s3);
            }

            for (; j < n; j++)
            {
                ref float bj = ref Unsafe.Add(ref b, (nint)j * ldb);
                Vector256<float> s = default;
                for (int p = 0; p < k; p += 8)
                {
                    s = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref ai, (nuint)p), Vector256.LoadUnsafe(ref bj, (nuint)p), s);
                }

                Unsafe.Add(ref ci, j) += Vector256.Sum(s);
            }
        }
    }

    /// <summary>Reductions up to this length are short enough that the horizontal sums, not the FMAs, set the pace.</summary>
    internal const int ShortReduction = 64;

    /// <summary>
    /// <see cref="MultiplyAddTransposedB"/> for short reductions: per row of A, 8 (then 4) rows of B at a time, their 8
    /// partial-sum vectors reduced to one vector of 8 results with a horizontal-add tree (9 instructions instead of 8
    /// separate sums), the rest one by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ShortDotProducts(int m, int n, int k, ref float a, int lda, ref float b, int ldb, ref float c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            ref float ai = ref Unsafe.Add(ref a, (nint)i * lda);
            ref float ci = ref Unsafe.Add(ref c, (nint)i * ldc);
            int j = 0;
            for (; j + ShortColumns <= n; j += ShortColumns)
            {
                ref float bj = ref Unsafe.Add(ref b, (nint)j * ldb);
                Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
                for (int p = 0; p < k; p += 8)
                {
                    Vector256<float> x = Vector256.LoadUnsafe(ref ai, (nuint)p);
                    s0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bj, (nuint)p), s0);
                    s1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bj, (nuint)(ldb + p)), s1);
                    s2 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bj, (nuint)((2 * ldb) + p)), s2);
                    s3 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bj, (nuint)((3 * ldb) + p)), s3);
                    s4 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bj, (nuint)((4 * ldb) + p)), s4);
                    s5 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bj, (nuint)((5 * ldb) + p)), s5);
                    s6 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bj, (nuint)((6 * ldb) + p)), s6);
                    s7 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bj, (nuint)((7 * ldb) + p)), s7);
                }

                // hadd pairs, then pairs of pairs: lanes 0-3 hold the low-half sums of s0..s3, lanes 4-7 the high-half sums.
                Vector256<float> u0 = Avx.HorizontalAdd(Avx.HorizontalAdd(s0, s1), Avx.HorizontalAdd(s2, s3));
                Vector256<float> u1 = Avx.HorizontalAdd(Avx.HorizontalAdd(s4, s5), Avx.HorizontalAdd(s6, s7));
                Vector256<float> sums = Avx.Permute2x128(u0, u1, 0x20) + Avx.Permute2x128(u0, u1, 0x31);
                (Vector256.LoadUnsafe(ref ci, (nuint)j) + sums).StoreUnsafe(ref ci, (nuint)j);
            }

            if (j + ShortHalfColumns <= n)
            {
                ref float bj = ref Unsafe.Add(ref b, (nint)j * ldb);
                Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
                for (int p = 0; p < k; p += 8)
                {
                    Vector256<float> x = Vector256.LoadUnsafe(ref ai, (nuint)p);
                    s0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bj, (nuint)p), s0);
                    s1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bj, (nuint)(ldb + p)), s1);
                    s2 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bj, (nuint)((2 * ldb) + p)), s2);
                    s3 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bj, (nuint)((3 * ldb) + p)), s3);
                }

                Vector256<float> u = Avx.HorizontalAdd(Avx.HorizontalAdd(s0, s1), Avx.HorizontalAdd(s2, s3));
                Vector128<float> sums = u.GetLower() + u.GetUpper();
                (Vector128.LoadUnsafe(ref ci, (nuint)j) + sums).StoreUnsafe(ref ci, (nuint)j);
                j += ShortHalfColumns;
            }

            for (; j < n; j++)
            {
                ref float bj = ref Unsafe.Add(ref b, (nint)j * ldb);
                Vector256<float> s0 = default;
                for (int p = 0; p < k; p += 8)
                {
                    s0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref ai, (nuint)p), Vector256.LoadUnsafe(ref bj, (nuint)p), s0);
                }

                Unsafe.Add(ref ci, j) += Vector256.Sum(s0);
            }
        }
    }

    /// <summary>
    /// C[i, j] += Σp A[p, i] B[p, j] for i &lt; m, j &lt; n, p &lt; k: a sum of outer products of rows, as in a weight
    /// gradient summed over all time steps. n must be a multiple of 8. The reduction runs in blocks of 128 rows, and for
    /// each block a 16-column panel of B is reused by every group of 4 rows of C while it sits in L1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAddTransposedA(int m, int n, int k, ref float a, int lda, ref float b, int ldb, ref float c, int ldc)
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            // A(i, p) = a[p * lda + i]: the same tiles as MultiplyAdd with A's strides swapped.
            Gemm128.MultiplyAdd(m, n, k, ref a, 1, lda, ref b, ldb, ref c, ldc);
            return;
        }

        for (int p0 = 0; p0 < k; p0 += ReductionBlock)
        {
            int pEnd = Math.Min(k, p0 + ReductionBlock);
            ref float aBlock = ref Unsafe.Add(ref a, (nint)p0 * lda);
            ref float bBlock = ref Unsafe.Add(ref b, (nint)p0 * ldb);
            int rows = pEnd - p0;
            int j = Vector512.IsHardwareAccelerated ? TransposedA32(m, n, rows, ref aBlock, lda, ref bBlock, ldb, ref c, ldc) : 0;
            for (; j + TileColumns <= n; j += TileColumns)
            {
                int i = 0;
                for (; i + TileRows <= m; i += TileRows)
                {
                    ref float c0 = ref Unsafe.Add(ref c, ((nint)i * ldc) + j);
                    ref float c1 = ref Unsafe.Add(ref c0, ldc);
                    ref float c2 = ref Unsafe.Add(ref c1, ldc);
                    ref float c3 = ref Unsafe.Add(ref c2, ldc);
                    Vector256<float> s00 = Vector256.LoadUnsafe(ref c0), s01 = Vector256.LoadUnsafe(ref c0, 8);
                    Vector256<float> s10 = Vector256.LoadUnsafe(ref c1), s11 = Vector256.LoadUnsafe(ref c1, 8);
                    Vector256<float> s20 = Vector256.LoadUnsafe(ref c2), s21 = Vector256.LoadUnsafe(ref c2, 8);
                    Vector256<float> s30 = Vector256.LoadUnsafe(ref c3), s31 = Vector256.LoadUnsafe(ref c3, 8);
                    ref float ap = ref Unsafe.Add(ref aBlock, i);
                    ref float bp = ref Unsafe.Add(ref bBlock, j);
                    for (int p = 0; p < rows; p++, ap = ref Unsafe.Add(ref ap, lda), bp = ref Unsafe.Add(ref bp, ldb))
                    {
                        Vector256<float> b0 = Vector256.LoadUnsafe(ref bp);
                        Vector256<float> b1 = Vector256.LoadUnsafe(ref bp, 8);
                        Vector256<float> x = Vector256.Create(ap);
                        s00 = Vector256.FusedMultiplyAdd(x, b0, s00);
                        s01 = Vector256.FusedMultiplyAdd(x, b1, s01);
                        x = Vector256.Create(Unsafe.Add(ref ap, 1));
                        s10 = Vector256.FusedMultiplyAdd(x, b0, s10);
                        s11 = Vector256.FusedMultiplyAdd(x, b1, s11);
                        x = Vector256.Create(Unsafe.Add(ref ap, 2));
                        s20 = Vector256.FusedMultiplyAdd(x, b0, s20);
                        s21 = Vector256.FusedMultiplyAdd(x, b1, s21);
                        x = Vector256.Create(Unsafe.Add(ref ap, 3));
                        s30 = Vector256.FusedMultiplyAdd(x, b0, s30);
                        s31 = Vector256.FusedMultiplyAdd(x, b1, s31);
                    }

                    s00.StoreUnsafe(ref c0); s01.StoreUnsafe(ref c0, 8);
                    s10.StoreUnsafe(ref c1); s11.StoreUnsafe(ref c1, 8);
                    s20.StoreUnsafe(ref c2); s21.StoreUnsafe(ref c2, 8);
                    s30.StoreUnsafe(ref c3); s31.StoreUnsafe(ref c3, 8);
                }

                for (; i < m; i++)
                {
                    ref float ci = ref Unsafe.Add(ref c, ((nint)i * ldc) + j);
                    Vector256<float> s0 = Vector256.LoadUnsafe(ref ci), s1 = Vector256.LoadUnsafe(ref ci, 8);
                    ref float ap = ref Unsafe.Add(ref aBlock, i);
                    ref float bp = ref Unsafe.Add(ref bBlock, j);
                    for (int p = 0; p < rows; p++, ap = ref Unsafe.Add(ref ap, lda), bp = ref Unsafe.Add(ref bp, ldb))
                    {
                        Vector256<float> x = Vector256.Create(ap);
                        s0 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bp), s0);
                        s1 = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref bp, 8), s1);
                    }

                    s0.StoreUnsafe(ref ci); s1.StoreUnsafe(ref ci, 8);
                }
            }

            for (; j < n; j += Lanes256)
            {
                // The last 8 columns, 4 rows of C at a time, then one.
                int i = 0;
                for (; i + TileRows <= m; i += TileRows)
                {
                    ref float c0 = ref Unsafe.Add(ref c, ((nint)i * ldc) + j);
                    ref float c1 = ref Unsafe.Add(ref c0, ldc);
                    ref float c2 = ref Unsafe.Add(ref c1, ldc);
                    ref float c3 = ref Unsafe.Add(ref c2, ldc);
                    Vector256<float> s0 = Vector256.LoadUnsafe(ref c0), s1 = Vector256.LoadUnsafe(ref c1);
                    Vector256<float> s2 = Vector256.LoadUnsafe(ref c2), s3 = Vector256.LoadUnsafe(ref c3);
                    ref float ap = ref Unsafe.Add(ref aBlock, i);
                    ref float bp = ref Unsafe.Add(ref bBlock, j);
                    for (int p = 0; p < rows; p++, ap = ref Unsafe.Add(ref ap, lda), bp = ref Unsafe.Add(ref bp, ldb))
                    {
                        Vector256<float> b0 = Vector256.LoadUnsafe(ref bp);
                        s0 = Vector256.FusedMultiplyAdd(Vector256.Create(ap), b0, s0);
                        s1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ap, 1)), b0, s1);
                        s2 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ap, 2)), b0, s2);
                        s3 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ap, 3)), b0, s3);
                    }

                    s0.StoreUnsafe(ref c0); s1.StoreUnsafe(ref c1);
                    s2.StoreUnsafe(ref c2); s3.StoreUnsafe(ref c3);
                }

                for (; i < m; i++)
                {
                    ref float ci = ref Unsafe.Add(ref c, ((nint)i * ldc) + j);
                    Vector256<float> s = Vector256.LoadUnsafe(ref ci);
                    ref float ap = ref Unsafe.Add(ref aBlock, i);
                    ref float bp = ref Unsafe.Add(ref bBlock, j);
                    for (int p = 0; p < rows; p++, ap = ref Unsafe.Add(ref ap, lda), bp = ref Unsafe.Add(ref bp, ldb))
                    {
                        s = Vector256.FusedMultiplyAdd(Vector256.Create(ap), Vector256.LoadUnsafe(ref bp), s);
                    }

                    s.StoreUnsafe(ref ci);
                }
            }
        }
    }

    /// <summary>
    /// One reduction block of <see cref="MultiplyAddTransposedA"/> in 512-bit vectors, 32 columns at a time (4 rows of C by
    /// 2 vectors, then single rows). Returns the columns done.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int TransposedA32(int m, int n, int rows, ref float aBlock, int lda, ref float bBlock, int ldb, ref float c, int ldc)
    {
        int j = 0;
        for (; j + WideTileColumns <= n; j += WideTileColumns)
        {
            int i = 0;
            for (; i + WideTileRows <= m; i += WideTileRows)
            {
                // 8 rows of C by 2 vectors: 16 accumulators of the 32 registers, each B load feeding 8 FMAs.
                ref float c0 = ref Unsafe.Add(ref c, ((nint)i * ldc) + j);
                Vector512<float> s00 = Vector512.LoadUnsafe(ref c0), s01 = Vector512.LoadUnsafe(ref c0, 16);
                Vector512<float> s10 = Vector512.LoadUnsafe(ref c0, (nuint)ldc), s11 = Vector512.LoadUnsafe(ref c0, (nuint)ldc + 16);
                Vector512<float> s20 = Vector512.LoadUnsafe(ref c0, 2 * (nuint)ldc), s21 = Vector512.LoadUnsafe(ref c0, (2 * (nuint)ldc) + 16);
                Vector512<float> s30 = Vector512.LoadUnsafe(ref c0, 3 * (nuint)ldc), s31 = Vector512.LoadUnsafe(ref c0, (3 * (nuint)ldc) + 16);
                Vector512<float> s40 = Vector512.LoadUnsafe(ref c0, 4 * (nuint)ldc), s41 = Vector512.LoadUnsafe(ref c0, (4 * (nuint)ldc) + 16);
                Vector512<float> s50 = Vector512.LoadUnsafe(ref c0, 5 * (nuint)ldc), s51 = Vector512.LoadUnsafe(ref c0, (5 * (nuint)ldc) + 16);
                Vector512<float> s60 = Vector512.LoadUnsafe(ref c0, 6 * (nuint)ldc), s61 = Vector512.LoadUnsafe(ref c0, (6 * (nuint)ldc) + 16);
                Vector512<float> s70 = Vector512.LoadUnsafe(ref c0, 7 * (nuint)ldc), s71 = Vector512.LoadUnsafe(ref c0, (7 * (nuint)ldc) + 16);
                ref float ap = ref Unsafe.Add(ref aBlock, i);
                ref float bp = ref Unsafe.Add(ref bBlock, j);
                for (int p = 0; p < rows; p++, ap = ref Unsafe.Add(ref ap, lda), bp = ref Unsafe.Add(ref bp, ldb))
                {
                    Vector512<float> b0 = Vector512.LoadUnsafe(ref bp);
                    Vector512<float> b1 = Vector512.LoadUnsafe(ref bp, 16);
                    Vector512<float> x = Vector512.Create(ap);
                    s00 = Vector512.FusedMultiplyAdd(x, b0, s00);
                    s01 = Vector512.FusedMultiplyAdd(x, b1, s01);
                    x = Vector512.Create(Unsafe.Add(ref ap, 1));
                    s10 = Vector512.FusedMultiplyAdd(x, b0, s10);
                    s11 = Vector512.FusedMultiplyAdd(x, b1, s11);
                    x = Vector512.Create(Unsafe.Add(ref ap, 2));
                    s20 = Vector512.FusedMultiplyAdd(x, b0, s20);
                    s21 = Vector512.FusedMultiplyAdd(x, b1, s21);
                    x = Vector512.Create(Unsafe.Add(ref ap, 3));
                    s30 = Vector512.FusedMultiplyAdd(x, b0, s30);
                    s31 = Vector512.FusedMultiplyAdd(x, b1, s31);
                    x = Vector512.Create(Unsafe.Add(ref ap, 4));
                    s40 = Vector512.FusedMultiplyAdd(x, b0, s40);
                    s41 = Vector512.FusedMultiplyAdd(x, b1, s41);
                    x = Vector512.Create(Unsafe.Add(ref ap, 5));
                    s50 = Vector512.FusedMultiplyAdd(x, b0, s50);
                    s51 = Vector512.FusedMultiplyAdd(x, b1, s51);
                    x = Vector512.Create(Unsafe.Add(ref ap, 6));
                    s60 = Vector512.FusedMultiplyAdd(x, b0, s60);
                    s61 = Vector512.FusedMultiplyAdd(x, b1, s61);
                    x = Vector512.Create(Unsafe.Add(ref ap, 7));
                    s70 = Vector512.FusedMultiplyAdd(x, b0, s70);
                    s71 = Vector512.FusedMultiplyAdd(x, b1, s71);
                }

                s00.StoreUnsafe(ref c0); s01.StoreUnsafe(ref c0, 16);
                s10.StoreUnsafe(ref c0, (nuint)ldc); s11.StoreUnsafe(ref c0, (nuint)ldc + 16);
                s20.StoreUnsafe(ref c0, 2 * (nuint)ldc); s21.StoreUnsafe(ref c0, (2 * (nuint)ldc) + 16);
                s30.StoreUnsafe(ref c0, 3 * (nuint)ldc); s31.StoreUnsafe(ref c0, (3 * (nuint)ldc) + 16);
                s40.StoreUnsafe(ref c0, 4 * (nuint)ldc); s41.StoreUnsafe(ref c0, (4 * (nuint)ldc) + 16);
                s50.StoreUnsafe(ref c0, 5 * (nuint)ldc); s51.StoreUnsafe(ref c0, (5 * (nuint)ldc) + 16);
                s60.StoreUnsafe(ref c0, 6 * (nuint)ldc); s61.StoreUnsafe(ref c0, (6 * (nuint)ldc) + 16);
                s70.StoreUnsafe(ref c0, 7 * (nuint)ldc); s71.StoreUnsafe(ref c0, (7 * (nuint)ldc) + 16);
            }

            if (i + TileRows <= m)
            {
                // 4 more rows.
                ref float c0 = ref Unsafe.Add(ref c, ((nint)i * ldc) + j);
                ref float c1 = ref Unsafe.Add(ref c0, ldc);
                ref float c2 = ref Unsafe.Add(ref c1, ldc);
                ref float c3 = ref Unsafe.Add(ref c2, ldc);
                Vector512<float> s00 = Vector512.LoadUnsafe(ref c0), s01 = Vector512.LoadUnsafe(ref c0, 16);
                Vector512<float> s10 = Vector512.LoadUnsafe(ref c1), s11 = Vector512.LoadUnsafe(ref c1, 16);
                Vector512<float> s20 = Vector512.LoadUnsafe(ref c2), s21 = Vector512.LoadUnsafe(ref c2, 16);
                Vector512<float> s30 = Vector512.LoadUnsafe(ref c3), s31 = Vector512.LoadUnsafe(ref c3, 16);
                ref float ap = ref Unsafe.Add(ref aBlock, i);
                ref float bp = ref Unsafe.Add(ref bBlock, j);
                for (int p = 0; p < rows; p++, ap = ref Unsafe.Add(ref ap, lda), bp = ref Unsafe.Add(ref bp, ldb))
                {
                    Vector512<float> b0 = Vector512.LoadUnsafe(ref bp);
                    Vector512<float> b1 = Vector512.LoadUnsafe(ref bp, 16);
                    Vector512<float> x = Vector512.Create(ap);
                    s00 = Vector512.FusedMultiplyAdd(x, b0, s00);
                    s01 = Vector512.FusedMultiplyAdd(x, b1, s01);
                    x = Vector512.Create(Unsafe.Add(ref ap, 1));
                    s10 = Vector512.FusedMultiplyAdd(x, b0, s10);
                    s11 = Vector512.FusedMultiplyAdd(x, b1, s11);
                    x = Vector512.Create(Unsafe.Add(ref ap, 2));
                    s20 = Vector512.FusedMultiplyAdd(x, b0, s20);
                    s21 = Vector512.FusedMultiplyAdd(x, b1, s21);
                    x = Vector512.Create(Unsafe.Add(ref ap, 3));
                    s30 = Vector512.FusedMultiplyAdd(x, b0, s30);
                    s31 = Vector512.FusedMultiplyAdd(x, b1, s31);
                }

                s00.StoreUnsafe(ref c0); s01.StoreUnsafe(ref c0, 16);
                s10.StoreUnsafe(ref c1); s11.StoreUnsafe(ref c1, 16);
                s20.StoreUnsafe(ref c2); s21.StoreUnsafe(ref c2, 16);
                s30.StoreUnsafe(ref c3); s31.StoreUnsafe(ref c3, 16);
                i += TileRows;
            }

            for (; i < m; i++)
            {
                ref float ci = ref Unsafe.Add(ref c, ((nint)i * ldc) + j);
                Vector512<float> s0 = Vector512.LoadUnsafe(ref ci), s1 = Vector512.LoadUnsafe(ref ci, 16);
                ref float ap = ref Unsafe.Add(ref aBlock, i);
                ref float bp = ref Unsafe.Add(ref bBlock, j);
                for (int p = 0; p < rows; p++, ap = ref Unsafe.Add(ref ap, lda), bp = ref Unsafe.Add(ref bp, ldb))
                {
                    Vector512<float> x = Vector512.Create(ap);
                    s0 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref bp), s0);
                    s1 = Vector512.FusedMultiplyAdd(x, Vector512.LoadUnsafe(ref bp, 16), s1);
                }

                s0.StoreUnsafe(ref ci); s1.StoreUnsafe(ref ci, 16);
            }
        }

        return j;
    }
}
