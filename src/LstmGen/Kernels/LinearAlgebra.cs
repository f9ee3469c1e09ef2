using System.Numerics;
using System.Runtime.InteropServices;

namespace LstmGen.Kernels;

/// <summary>
/// Small dense helpers over spans, generic over float and double. Row-major throughout. They use
/// <see cref="Vector{T}"/> where it is accelerated and a scalar tail otherwise.
/// </summary>
public static class LinearAlgebra<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Sum of a[i]*b[i].</summary>
    public static T Dot(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
    {
        int n = a.Length;
        int i = 0;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && n >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> va = MemoryMarshal.Cast<T, Vector<T>>(a);
            ReadOnlySpan<Vector<T>> vb = MemoryMarshal.Cast<T, Vector<T>>(b[..n]);
            var acc = Vector<T>.Zero;
            for (int v = 0; v < va.Length; v++)
            {
                acc += va[v] * vb[v];
            }

            sum = Vector.Sum(acc);
            i = va.Length * Vector<T>.Count;
        }

        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>y[i] += alpha * x[i].</summary>
    public static void AddScaled(Span<T> y, T alpha, ReadOnlySpan<T> x)
    {
        int n = y.Length;
        int i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<T>.Count)
        {
            Span<Vector<T>> vy = MemoryMarshal.Cast<T, Vector<T>>(y);
            ReadOnlySpan<Vector<T>> vx = MemoryMarshal.Cast<T, Vector<T>>(x[..n]);
            var va = new Vector<T>(alpha);
            for (int v = 0; v < vy.Length; v++)
            {
                vy[v] += va * vx[v];
            }

            i = vy.Length * Vector<T>.Count;
        }

        for (; i < n; i++)
        {
            y[i] += alpha * x[i];
        }
    }

    /// <summary>y[i] += x[i].</summary>
    public static void Add(Span<T> y, ReadOnlySpan<T> x)
    {
        for (int i = 0; i < y.Length; i++)
        {
            y[i] += x[i];
        }
    }

    /// <summary>y = W x, W of shape (y.Length, x.Length).</summary>
    public static void MatVec(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)
    {
        int cols = x.Length;
        for (int r = 0; r < y.Length; r++)
        {
            y[r] = Dot(w.Slice(r * cols, cols), x);
        }
    }

    /// <summary>
    /// y[r * stride] = Dot(row r of x, w) for <paramref name="rows"/> rows of x (each w.Length long): the same sums as
    /// <see cref="Dot"/> row by row, four rows per pass over w, so a short product per row (an output head over a block
    /// of frames) pays no call per row.
    /// </summary>
    public static void DotRows(ReadOnlySpan<T> x, int rows, ReadOnlySpan<T> w, Span<T> y, int stride)
    {
        int n = w.Length;
        int r = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> vw = MemoryMarshal.Cast<T, Vector<T>>(w);
            int tail = vw.Length * Vector<T>.Count;
            for (; r + 4 <= rows; r += 4)
            {
                ReadOnlySpan<T> x0 = x.Slice(r * n, n), x1 = x.Slice((r + 1) * n, n), x2 = x.Slice((r + 2) * n, n), x3 = x.Slice((r + 3) * n, n);
                ReadOnlySpan<Vector<T>> v0 = MemoryMarshal.Cast<T, Vector<T>>(x0), v1 = MemoryMarshal.Cast<T, Vector<T>>(x1);
                ReadOnlySpan<Vector<T>> v2 = MemoryMarshal.Cast<T, Vector<T>>(x2), v3 = MemoryMarshal.Cast<T, Vector<T>>(x3);
                Vector<T> a0 = Vector<T>.Zero, a1 = Vector<T>.Zero, a2 = Vector<T>.Zero, a3 = Vector<T>.Zero;
                for (int v = 0; v < vw.Length; v++)
                {
                    a0 += v0[v] * vw[v];
                    a1 += v1[v] * vw[v];
                    a2 += v2[v] * vw[v];
                    a3 += v3[v] * vw[v];
                }

                T s0 = Vector.Sum(a0), s1 = Vector.Sum(a1), s2 = Vector.Sum(a2), s3 = Vector.Sum(a3);
                for (int i = tail; i < n; i++)
                {
                    s0 += x0[i] * w[i];
                    s1 += x1[i] * w[i];
                    s2 += x2[i] * w[i];
                    s3 += x3[i] * w[i];
                }

                y[r * stride] = s0;
                y[(r + 1) * stride] = s1;
                y[(r + 2) * stride] = s2;
                y[(r + 3) * stride] = s3;
            }
        }

        for (; r < rows; r++)
        {
            y[r * stride] = Dot(x.Slice(r * n, n), w);
        }
    }

    /// <summary>y += W x, W of shape (y.Length, x.Length).</summary>
    public static void MatVecAdd(ReadOnlySpan<T> w, ReadOnlySpan<T> x, Span<T> y)
    {
        int cols = x.Length;
        for (int r = 0; r < y.Length; r++)
        {
            y[r] += Dot(w.Slice(r * cols, cols), x);
        }
    }

    /// <summary>y += Wᵀ g, W of shape (g.Length, y.Length).</summary>
    public static void MatTransposeVecAdd(ReadOnlySpan<T> w, ReadOnlySpan<T> g, Span<T> y)
    {
        int cols = y.Length;
        for (int r = 0; r < g.Length; r++)
        {
            AddScaled(y, g[r], w.Slice(r * cols, cols));
        }
    }

    /// <summary>W += g xᵀ (outer product), W of shape (g.Length, x.Length).</summary>
    public static void AddOuter(Span<T> w, ReadOnlySpan<T> g, ReadOnlySpan<T> x)
    {
        int cols = x.Length;
        for (int r = 0; r < g.Length; r++)
        {
            AddScaled(w.Slice(r * cols, cols), g[r], x);
        }
    }
}
