using LstmGen.Kernels;

namespace LstmGen.Tests.Kernels;

/// <summary>
/// The three <see cref="Gemm"/> products against a double-precision reference, on sizes that hit every tile and
/// remainder path (4-row tiles and single rows, 16-column tiles and a last 8, reductions across the 128-row block),
/// with strides wider than the rows and results accumulated into non-zero C.
/// Error bound: a float sum of k products differs from the exact sum by at most γ(k+1)·Σ|a||b| with γ(n) ≈ n·2⁻²⁴
/// (the standard recursive-summation bound, FMA or not), plus the rounding of the starting value of C.
/// </summary>
public class GemmTests
{
    public static TheoryData<int, int, int> Sizes => new()
    {
        { 1, 8, 1 }, { 3, 8, 5 }, { 4, 16, 8 }, { 5, 24, 7 }, { 7, 40, 13 }, { 8, 64, 32 }, { 9, 8, 129 },
        { 13, 56, 130 }, { 32, 512, 128 }, { 6, 72, 300 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MultiplyAdd_matches_the_reference(int m, int n, int k)
    {
        var rng = new Random((m * 1000) + (n * 10) + k);
        int lda = k + 3, ldb = n + 8, ldc = n + 16;
        float[] a = Draw(rng, m * lda), b = Draw(rng, k * ldb), c = Draw(rng, m * ldc);
        float[] expected = (float[])c.Clone();
        Gemm.MultiplyAdd(m, n, k, ref a[0], lda, ref b[0], ldb, ref c[0], ldc);
        Check(c, expected, m, n, k, ldc, (i, j, p) => ((double)a[(i * lda) + p], (double)b[(p * ldb) + j]));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MultiplyAddTransposedB_matches_the_reference(int m, int n, int k)
    {
        // Here the reduction length must be whole vectors and the columns may be any count.
        (n, k) = (Math.Max(1, n - 3), k * 8);
        var rng = new Random((m * 1000) + (n * 10) + k + 1);
        int lda = k + 8, ldb = k + 16, ldc = n + 5;
        float[] a = Draw(rng, m * lda), b = Draw(rng, n * ldb), c = Draw(rng, m * ldc);
        float[] expected = (float[])c.Clone();
        Gemm.MultiplyAddTransposedB(m, n, k, ref a[0], lda, ref b[0], ldb, ref c[0], ldc);
        Check(c, expected, m, n, k, ldc, (i, j, p) => ((double)a[(i * lda) + p], (double)b[(j * ldb) + p]));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void MultiplyAddTransposedA_matches_the_reference(int m, int n, int k)
    {
        var rng = new Random((m * 1000) + (n * 10) + k + 2);
        int lda = m + 3, ldb = n + 8, ldc = n + 8;
        float[] a = Draw(rng, k * lda), b = Draw(rng, k * ldb), c = Draw(rng, m * ldc);
        float[] expected = (float[])c.Clone();
        Gemm.MultiplyAddTransposedA(m, n, k, ref a[0], lda, ref b[0], ldb, ref c[0], ldc);
        Check(c, expected, m, n, k, ldc, (i, j, p) => ((double)a[(p * lda) + i], (double)b[(p * ldb) + j]));
    }

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
