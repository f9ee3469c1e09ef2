using LstmGen.Kernels;

namespace LstmGen.Tests.Kernels;

/// <summary>
/// Which tile and remainder paths of <see cref="Gemm"/> a size reaches, derived by following each product's loops with
/// Gemm's own tile constants (<see cref="Gemm.TileRows"/>, <see cref="Gemm.WideTileColumns"/>, ...), for either width.
/// Each loop of Gemm is a path when its body runs at least once; a loop bound written wrongly (say <c>j + 2 &lt; n</c>
/// for <c>j + 2 &lt;= n</c>) shows only at sizes where that loop ends exactly on the bound, hence the parities.
/// </summary>
public static class GemmPaths
{
    public enum Product
    {
        MultiplyAdd,
        TransposedB,
        TransposedA,
    }

    /// <summary>The paths (m, n, k) reaches; <paramref name="wide"/> is Vector512 acceleration, <paramref name="avx"/> AVX support.</summary>
    public static SortedSet<string> Reached(Product product, int m, int n, int k, bool wide, bool avx = true)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        switch (product)
        {
            case Product.MultiplyAdd:
                MultiplyAdd(paths, m, n, k, wide);
                break;
            case Product.TransposedB:
                TransposedB(paths, m, n, k, wide, avx);
                break;
            default:
                TransposedA(paths, m, n, k, wide);
                break;
        }

        return paths;
    }

    /// <summary>
    /// The parity of the column count (in vectors of 8 for the products whose n is a multiple of 8, in columns for
    /// MultiplyAddTransposedB) and of the row count m, for the sizes reaching each path.
    /// </summary>
    public static Dictionary<string, Parities> Coverage(Product product, IEnumerable<(int M, int N, int K)> sizes, bool wide)
    {
        var coverage = new Dictionary<string, Parities>();
        foreach ((int m, int n, int k) in sizes)
        {
            int columns = product == Product.TransposedB ? n : n / Gemm.Lanes256;
            foreach (string path in Reached(product, m, n, k, wide))
            {
                Parities p = coverage.TryGetValue(path, out Parities? existing) ? existing : coverage[path] = new Parities();
                p.Columns.Add(columns % 2);
                p.Rows.Add(m % 2);
                p.Sizes++;
            }
        }

        return coverage;
    }

    /// <summary>A grid of sizes wide enough to reach every path of a product with every parity it allows.</summary>
    public static IEnumerable<(int M, int N, int K)> Grid(Product product)
    {
        int[] ks = product == Product.TransposedB
            ? [8, 16, 24, 56, 64, 72, 80, 88, 128, 136, 264]
            : [1, 2, 3, 4, 5, 7, 8, 9, 127, 128, 129, 130, 256, 257];
        for (int m = 1; m <= 24; m++)
        {
            for (int units = 1; units <= 24; units++)
            {
                foreach (int k in ks)
                {
                    yield return (m, product == Product.TransposedB ? units : units * Gemm.Lanes256, k);
                }
            }
        }
    }

    // Gemm.MultiplyAdd: the 8x32 512-bit tiles over the 8-row groups, the 4-row code for their remaining columns, then
    // MultiplyAddRows for the remaining rows (all rows when not wide).
    private static void MultiplyAdd(SortedSet<string> paths, int m, int n, int k, bool wide)
    {
        int i = 0;
        if (wide && n >= Gemm.WideTileColumns)
        {
            int wideColumns = n & ~(Gemm.WideTileColumns - 1);
            i = m / Gemm.WideTileRows * Gemm.WideTileRows;
            if (i > 0)
            {
                paths.Add("8x32 (512)");
                if (wideColumns < n)
                {
                    Rows(paths, "after 8x32: ", i, n - wideColumns, k, wide);
                }
            }
        }

        Rows(paths, "", m - i, n, k, wide);
    }

    // Gemm.MultiplyAddRows: 4-row tiles (4x32 512-bit, 4x16, a last 4x8), then single rows (64, 32, then 8 columns, whose
    // reduction runs 4 at a time with a tail).
    private static void Rows(SortedSet<string> paths, string prefix, int m, int n, int k, bool wide)
    {
        if (m >= Gemm.TileRows)
        {
            int j = wide ? n / Gemm.WideTileColumns * Gemm.WideTileColumns : 0;
            Add(paths, j > 0, prefix + "4x32 (512)");
            Add(paths, n - j >= Gemm.TileColumns, prefix + "4x16");
            Add(paths, (n - j) % Gemm.TileColumns != 0, prefix + "4x8");
        }

        if (m % Gemm.TileRows != 0)
        {
            Add(paths, n >= Gemm.RowPassColumns, prefix + "1x64");
            int rest = n % Gemm.RowPassColumns;
            Add(paths, rest >= Gemm.RowHalfPassColumns, prefix + "1x32");
            if (rest % Gemm.RowHalfPassColumns != 0)
            {
                Add(paths, k >= Gemm.RowReductionSplit, prefix + "1x8 reduction by 4");
                Add(paths, k % Gemm.RowReductionSplit != 0, prefix + "1x8 reduction tail");
            }
        }
    }

    // Gemm.MultiplyAddTransposedB: short reductions by ShortDotProducts (8, 4, then single columns per row); else 4-row
    // tiles against 2 columns (512-bit reduction while 16 remain, the rest 256-bit), a last single column, then single rows
    // against 4 columns and single columns.
    private static void TransposedB(SortedSet<string> paths, int m, int n, int k, bool wide, bool avx)
    {
        if (k <= Gemm.ShortReduction && avx)
        {
            Add(paths, n >= Gemm.ShortColumns, "short 1x8");
            int rest = n % Gemm.ShortColumns;
            Add(paths, rest >= Gemm.ShortHalfColumns, "short 1x4");
            Add(paths, rest % Gemm.ShortHalfColumns != 0, "short 1x1");
            return;
        }

        if (m >= Gemm.TileRows)
        {
            if (n >= Gemm.TransposedBTileColumns)
            {
                paths.Add("4x2");
                bool wideReduction = wide && k >= Gemm.Lanes512;
                Add(paths, wideReduction, "4x2 reduction 512");
                Add(paths, !wideReduction || k % Gemm.Lanes512 != 0, "4x2 reduction 256");
            }

            Add(paths, n % Gemm.TransposedBTileColumns != 0, "4x1");
        }

        if (m % Gemm.TileRows != 0)
        {
            Add(paths, n >= Gemm.TransposedBRowColumns, "1x4");
            Add(paths, n % Gemm.TransposedBRowColumns != 0, "1x1");
        }
    }

    // Gemm.MultiplyAddTransposedA: per reduction block, 32-column 512-bit panels (8 rows, 4 rows, single rows), then
    // 16-column and 8-column 256-bit panels (4 rows, single rows).
    private static void TransposedA(SortedSet<string> paths, int m, int n, int k, bool wide)
    {
        Add(paths, k > Gemm.ReductionBlock, "several reduction blocks");
        int j = 0;
        if (wide)
        {
            j = n / Gemm.WideTileColumns * Gemm.WideTileColumns;
            if (j > 0)
            {
                Add(paths, m >= Gemm.WideTileRows, "8x32 (512)");
                Add(paths, m % Gemm.WideTileRows >= Gemm.TileRows, "4x32 (512)");
                Add(paths, m % Gemm.TileRows != 0, "1x32 (512)");
            }
        }

        if (n - j >= Gemm.TileColumns)
        {
            Add(paths, m >= Gemm.TileRows, "4x16");
            Add(paths, m % Gemm.TileRows != 0, "1x16");
        }

        if ((n - j) % Gemm.TileColumns != 0)
        {
            Add(paths, m >= Gemm.TileRows, "4x8");
            Add(paths, m % Gemm.TileRows != 0, "1x8");
        }
    }

    private static void Add(SortedSet<string> paths, bool reached, string path)
    {
        if (reached)
        {
            paths.Add(path);
        }
    }
}

/// <summary>The parities of column and row counts with which a path was reached, and by how many sizes.</summary>
public sealed class Parities
{
    public HashSet<int> Columns { get; } = [];
    public HashSet<int> Rows { get; } = [];
    public int Sizes { get; set; }

    public override string ToString() =>
        $"columns {{{string.Join(",", Columns.Order().Select(p => p == 0 ? "even" : "odd"))}}}, rows {{{string.Join(",", Rows.Order().Select(p => p == 0 ? "even" : "odd"))}}}, {Sizes} sizes";
}
