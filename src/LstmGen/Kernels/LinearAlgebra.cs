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
