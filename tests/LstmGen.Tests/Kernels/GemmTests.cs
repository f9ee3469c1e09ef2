using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LstmGen.Kernels;
using Xunit.Abstractions;

namespace LstmGen.Tests.Kernels;

/// <summary>
/// The three <see cref="Gemm"/> products against a double-precision reference, on sizes chosen so that every tile and
/// remainder path of each product, with and without AVX-512, is reached with both parities of the column count and of
/// the row count (where a path allows both): <see cref="Sizes_reach_every_path_with_both_parities"/> derives the paths a
/// size reaches from Gemm's own tile constants (<see cref="GemmPaths"/>) and asserts it. Strides are wider than the rows
/// and results accumulate into non-zero C.
/// Error bound: a float sum of k products differs from the exact sum by at most γ(k+1)·Σ|a||b| with γ(n) ≈ n·2⁻²⁴
/// (the standard recursive-summation bound, FMA or not), plus the rounding of the starting value of C.
/// </summary>
public class GemmTests(ITestOutputHelper output)
{
    // (m, n, k); n a multiple of 8 for MultiplyAdd and MultiplyAddTransposedA, k a multiple of 8 for MultiplyAddTransposedB.
    private static readonly (int M, int N, int K)[] MultiplyAddSizes =
    [
        (1, 8, 1), (3, 8, 5), (4, 16, 8), (5, 24, 7), (7, 40, 13), (8, 64, 32), (9, 8, 129), (13, 56, 130), (32, 512, 128), (6, 72, 300),
        // 8-row 512-bit tiles followed by 16 and/or 8 remainder columns (the 4-row code on the 8-row groups), several sizes.
        (8, 48, 9), (9, 56, 4), (16, 40, 6), (17, 112, 3), (24, 88, 2), (10, 184, 5),
        // Single rows over 64 + 32 + 8 columns, both parities of the vector count, reductions with and without a tail.
        (2, 104, 8), (5, 96, 11), (3, 120, 2), (6, 16, 4),
    ];

    private static readonly (int M, int N, int K)[] TransposedBSizes =
    [
        // Short reductions (k <= 64): 8, 4 and single columns.
        (1, 1, 8), (2, 5, 16), (3, 12, 64), (4, 15, 24), (5, 8, 40), (6, 22, 56), (7, 29, 8), (12, 4, 48),
        // Long reductions: the 4x2 tile with even and odd column counts (the last column alone when odd), 512-bit
        // reduction with and without a 256-bit tail, and the single rows after the 4-row tiles.
        (4, 2, 72), (4, 3, 88), (5, 6, 80), (7, 9, 96), (8, 10, 104), (9, 13, 112), (6, 1, 72), (3, 7, 128), (2, 4, 136),
        (13, 53, 1040), (11, 36, 200), (10, 61, 256),
    ];

    private static readonly (int M, int N, int K)[] TransposedASizes =
    [
        (1, 8, 1), (3, 8, 5), (4, 16, 8), (5, 24, 7), (7, 40, 13), (8, 64, 32), (9, 8, 129), (13, 56, 130), (32, 512, 128), (6, 72, 300),
        // 512-bit 8-row, 4-row and single-row panels, then the 16- and 8-column 256-bit remainders, both parities.
        (12, 32, 3), (14, 96, 9), (15, 88, 2), (17, 48, 4), (10, 120, 257), (5, 16, 200), (2, 32, 6), (11, 24, 5), (20, 80, 1),
    ];

    private static TheoryData<int, int, int> Of((int M, int N, int K)[] sizes)
    {
        var data = new TheoryData<int, int, int>();
        foreach ((int m, int n, int k) in sizes)
        {
            data.Add(m, n, k);
        }

        return data;
    }

    public static TheoryData<int, int, int> MultiplyAddCases() => Of(MultiplyAddSizes);

    public static TheoryData<int, int, int> TransposedBCases() => Of(TransposedBSizes);

    public static TheoryData<int, int, int> TransposedACases() => Of(TransposedASizes);

    [Theory]
    [MemberData(nameof(MultiplyAddCases))]
    public void MultiplyAdd_matches_the_reference(int m, int n, int k)
    {
        Log(GemmPaths.Product.MultiplyAdd, m, n, k);
        var rng = new Random((m * 1000) + (n * 10) + k);
        int lda = k + 3, ldb = n + 8, ldc = n + 16;
        float[] a = Draw(rng, m * lda), b = Draw(rng, k * ldb), c = Draw(rng, m * ldc);
        float[] expected = (float[])c.Clone();
        Gemm.MultiplyAdd(m, n, k, ref a[0], lda, ref b[0], ldb, ref c[0], ldc);
        Check(c, expected, m, n, k, ldc, (i, j, p) => ((double)a[(i * lda) + p], (double)b[(p * ldb) + j]));
    }

    [Theory]
    [MemberData(nameof(TransposedBCases))]
    public void MultiplyAddTransposedB_matches_the_reference(int m, int n, int k)
    {
        Log(GemmPaths.Product.TransposedB, m, n, k);
        var rng = new Random((m * 1000) + (n * 10) + k + 1);
        int lda = k + 8, ldb = k + 16, ldc = n + 5;
        float[] a = Draw(rng, m * lda), b = Draw(rng, n * ldb), c = Draw(rng, m * ldc);
        float[] expected = (float[])c.Clone();
        Gemm.MultiplyAddTransposedB(m, n, k, ref a[0], lda, ref b[0], ldb, ref c[0], ldc);
        Check(c, expected, m, n, k, ldc, (i, j, p) => ((double)a[(i * lda) + p], (double)b[(j * ldb) + p]));
    }

    [Theory]
    [MemberData(nameof(TransposedACases))]
    public void MultiplyAddTransposedA_matches_the_reference(int m, int n, int k)
    {
        Log(GemmPaths.Product.TransposedA, m, n, k);
        var rng = new Random((m * 1000) + (n * 10) + k + 2);
        int lda = m + 3, ldb = n + 8, ldc = n + 8;
        float[] a = Draw(rng, k * lda), b = Draw(rng, k * ldb), c = Draw(rng, m * ldc);
        float[] expected = (float[])c.Clone();
        Gemm.MultiplyAddTransposedA(m, n, k, ref a[0], lda, ref b[0], ldb, ref c[0], ldc);
        Check(c, expected, m, n, k, ldc, (i, j, p) => ((double)a[(p * lda) + i], (double)b[(p * ldb) + j]));
    }

    /// <summary>Every path each product has, by width: the model must find exactly these on a wide grid of sizes.</summary>
    private static readonly Dictionary<(GemmPaths.Product, bool Wide), string[]> AllPaths = new()
    {
        [(GemmPaths.Product.MultiplyAdd, false)] = ["4x16", "4x8", "1x64", "1x32", "1x8 reduction by 4", "1x8 reduction tail"],
        [(GemmPaths.Product.MultiplyAdd, true)] =
        [
            "8x32 (512)", "after 8x32: 4x16", "after 8x32: 4x8", "4x32 (512)", "4x16", "4x8", "1x64", "1x32", "1x8 reduction by 4", "1x8 reduction tail",
        ],
        [(GemmPaths.Product.TransposedB, false)] = ["short 1x8", "short 1x4", "short 1x1", "4x2", "4x2 reduction 256", "4x1", "1x4", "1x1"],
        [(GemmPaths.Product.TransposedB, true)] =
            ["short 1x8", "short 1x4", "short 1x1", "4x2", "4x2 reduction 512", "4x2 reduction 256", "4x1", "1x4", "1x1"],
        [(GemmPaths.Product.TransposedA, false)] = ["several reduction blocks", "4x16", "1x16", "4x8", "1x8"],
        [(GemmPaths.Product.TransposedA, true)] =
            ["several reduction blocks", "8x32 (512)", "4x32 (512)", "1x32 (512)", "4x16", "1x16", "4x8", "1x8"],
    };

    [Theory]
    [InlineData(GemmPaths.Product.MultiplyAdd)]
    [InlineData(GemmPaths.Product.TransposedB)]
    [InlineData(GemmPaths.Product.TransposedA)]
    public void Sizes_reach_every_path_with_both_parities(GemmPaths.Product product)
    {
        (int M, int N, int K)[] sizes = product switch
        {
            GemmPaths.Product.MultiplyAdd => MultiplyAddSizes,
            GemmPaths.Product.TransposedB => TransposedBSizes,
            _ => TransposedASizes,
        };

        // Both widths whatever this machine has: the sizes must serve the 512-bit run and the DOTNET_EnableAVX512=0 one.
        foreach (bool wide in new[] { false, true })
        {
            Dictionary<string, Parities> possible = GemmPaths.Coverage(product, GemmPaths.Grid(product), wide);
            Dictionary<string, Parities> reached = GemmPaths.Coverage(product, sizes, wide);
            Assert.Equal(AllPaths[(product, wide)].Order(StringComparer.Ordinal), possible.Keys.Order(StringComparer.Ordinal));
            foreach ((string path, Parities can) in possible)
            {
                Parities got = reached.GetValueOrDefault(path) ?? new Parities();
                string where = $"{product} {(wide ? "512-bit" : "256-bit")} path '{path}'";
                output.WriteLine($"{where}: {got}");
                Assert.True(got.Columns.SetEquals(can.Columns), $"{where}: reached with column parities {got}, possible {can}");
                Assert.True(got.Rows.SetEquals(can.Rows), $"{where}: reached with row parities {got}, possible {can}");
            }

            if (product == GemmPaths.Product.MultiplyAdd && wide)
            {
                // The columns after the 8x32 tiles, by several sizes.
                Assert.True(reached["after 8x32: 4x16"].Sizes >= 3 && reached["after 8x32: 4x8"].Sizes >= 3,
                    $"512-bit remainder columns: {reached["after 8x32: 4x16"]}, {reached["after 8x32: 4x8"]}");
            }
        }
    }

    private void Log(GemmPaths.Product product, int m, int n, int k) =>
        output.WriteLine($"{product} ({m}, {n}, {k}) on this machine ({(Vector512.IsHardwareAccelerated ? "512-bit" : "256-bit")}): " +
            string.Join(", ", GemmPaths.Reached(product, m, n, k, Vector512.IsHardwareAccelerated, Avx.IsSupported)));

    [Fact]
    public void Entries_outside_the_product_are_left_alone()
    {
        // C is 5 x 16 inside rows of 24: the 8 floats past each row and everything past the last row stay as they were.
        const int m = 5, n = 16, k = 9, ldc = 24;
        var rng = new Random(7);
        float[] a = Draw(rng, m * k), b = Draw(rng, k * n), c = Draw(rng, (m * ldc) + 8);
        float[] before = (float[])c.Clone();
        Gemm.MultiplyAdd(m, n, k, ref a[0], k, ref b[0], n, ref c[0], ldc);
        for (int i = 0; i < c.Length; i++)
        {
            if (i >= m * ldc || i % ldc >= n)
            {
                Assert.Equal(before[i], c[i]);
            }
        }
    }

    private static float[] Draw(Random rng, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return values;
    }

    private static void Check(float[] actual, float[] initial, int m, int n, int k, int ldc, Func<int, int, int, (double A, double B)> operands)
    {
        double unit = Math.Pow(2, -24);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double exact = initial[(i * ldc) + j];
                double magnitude = Math.Abs(exact);
                for (int p = 0; p < k; p++)
                {
                    (double x, double y) = operands(i, j, p);
                    exact += x * y;
                    magnitude += Math.Abs(x * y);
                }

                double bound = ((k + 1) * unit * magnitude) + (unit * Math.Abs(exact));
                double error = Math.Abs(actual[(i * ldc) + j] - exact);
                Assert.True(error <= bound, $"C[{i},{j}] = {actual[(i * ldc) + j]}, exact {exact}: error {error:E2} over the bound {bound:E2}");
            }
        }
    }
}
