using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LstmGen.Kernels;

namespace LstmGen.Benchmarks;

/// <summary>
/// `latency`: what each activation costs on a dependent chain, in cycles. Each loop feeds every result into the next
/// call (tanh through an add of 0.5, so its argument stays in a realistic range), and the clock is measured in the same
/// process as a chain of 512-bit FMAs, taken as 4 cycles each (Zen 4 and 5, and recent Intel). Medians of 7 rounds.
/// </summary>
public static class LatencyCheck
{
    private const double FmaCycles = 4;
    private const long Iterations = 2_000_000;

    public static int Run(string[] args)
    {
        _ = args;
        double fma = Median(() => PerOperation(() => FmaChain(Iterations, Vector512.Create(0.5f), Vector512.Create(0.999f))[0], 8));
        double cycle = fma / FmaCycles;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"clock: {1 / cycle:F2} GHz (a 512-bit FMA chain at {FmaCycles} cycles per FMA); Vector512 accelerated: {Vector512.IsHardwareAccelerated}"));
        Report("Sigmoid(Vector512)", cycle, () => Sigmoid512(Iterations, Vector512.Create(0.3f))[0], 0);
        Report("Sigmoid(Vector256)", cycle, () => Sigmoid256(Iterations, Vector256.Create(0.3f))[0], 0);
        // Independent chains side by side, as a step's gates run: the same figure as one chain if they overlap.
        Report("Sigmoid(Vector256) x2", cycle, () => Sigmoid256Side(Iterations, Vector256.Create(0.3f), 2)[0], 0);
        Report("Sigmoid(Vector256) x4", cycle, () => Sigmoid256Side(Iterations, Vector256.Create(0.3f), 4)[0], 0);
        Report("Sigmoid(Vector512) x2", cycle, () => Sigmoid512Side(Iterations, Vector512.Create(0.3f))[0], 0);
        Report("Tanh(Vector512)", cycle, () => Tanh512(Iterations, Vector512.Create(0.7f))[0], AddCycles);
        Report("Tanh(Vector256)", cycle, () => Tanh256(Iterations, Vector256.Create(0.7f))[0], AddCycles);
        Report("division (Vector512)", cycle, () => Divide512(Iterations, Vector512.Create(0.7f), Vector512.Create(0.9f))[0], 0);
        return 0;
    }

    // The add that keeps tanh's chain in range, subtracted from its figure (Zen 4's vector add: 3 cycles, measured).
    private const double AddCycles = 3;

    private static void Report(string what, double cycle, Func<float> chain, double subtract)
    {
        double ns = Median(() => PerOperation(chain, 2));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what,-22} {(ns / cycle) - subtract,6:F1} cycles ({ns - (subtract * cycle):F2} ns)"));
    }

    private static double PerOperation(Func<float> chain, int perIteration)
    {
        var clock = Stopwatch.StartNew();
        float sink = chain();
        double ns = clock.Elapsed.TotalNanoseconds / (Iterations * perIteration);
        return float.IsNaN(sink) ? double.NaN : ns;
    }

    private static double Median(Func<double> measure)
    {
        double[] runs = Enumerable.Range(0, 7).Select(_ => measure()).Order().ToArray();
        return runs[runs.Length / 2];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<float> FmaChain(long n, Vector512<float> a, Vector512<float> b)
    {
        Vector512<float> x = a;
        for (long i = 0; i < n; i++)
        {
            x = Vector512.FusedMultiplyAdd(x, b, a);
            x = Vector512.FusedMultiplyAdd(x, b, a);
            x = Vector512.FusedMultiplyAdd(x, b, a);
            x = Vector512.FusedMultiplyAdd(x, b, a);
            x = Vector512.FusedMultiplyAdd(x, b, a);
            x = Vector512.FusedMultiplyAdd(x, b, a);
            x = Vector512.FusedMultiplyAdd(x, b, a);
            x = Vector512.FusedMultiplyAdd(x, b, a);
        }

        return x;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<float> Sigmoid512(long n, Vector512<float> x)
    {
        for (long i = 0; i < n; i++)
        {
            x = VectorMath.Sigmoid(VectorMath.Sigmoid(x));
        }

        return x;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> Sigmoid256(long n, Vector256<float> x)
    {
        for (long i = 0; i < n; i++)
        {
            x = VectorMath.Sigmoid(VectorMath.Sigmoid(x));
        }

        return x;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> Sigmoid256Side(long n, Vector256<float> x, int chains)
    {
        Vector256<float> y = x + Vector256.Create(0.1f), z = x + Vector256.Create(0.2f), w = x + Vector256.Create(0.3f);
        if (chains == 2)
        {
            for (long i = 0; i < n; i++)
            {
                x = VectorMath.Sigmoid(VectorMath.Sigmoid(x));
                y = VectorMath.Sigmoid(VectorMath.Sigmoid(y));
            }

            return x + y;
        }

        for (long i = 0; i < n; i++)
        {
            x = VectorMath.Sigmoid(VectorMath.Sigmoid(x));
            y = VectorMath.Sigmoid(VectorMath.Sigmoid(y));
            z = VectorMath.Sigmoid(VectorMath.Sigmoid(z));
            w = VectorMath.Sigmoid(VectorMath.Sigmoid(w));
        }

        return x + y + z + w;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<float> Sigmoid512Side(long n, Vector512<float> x)
    {
        Vector512<float> y = x + Vector512.Create(0.1f);
        for (long i = 0; i < n; i++)
        {
            x = VectorMath.Sigmoid(VectorMath.Sigmoid(x));
            y = VectorMath.Sigmoid(VectorMath.Sigmoid(y));
        }

        return x + y;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<float> Tanh512(long n, Vector512<float> x)
    {
        Vector512<float> half = Vector512.Create(0.5f);
        for (long i = 0; i < n; i++)
        {
            x = VectorMath.Tanh(VectorMath.Tanh(x) + half) + half;
        }

        return x;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> Tanh256(long n, Vector256<float> x)
    {
        Vector256<float> half = Vector256.Create(0.5f);
        for (long i = 0; i < n; i++)
        {
            x = VectorMath.Tanh(VectorMath.Tanh(x) + half) + half;
        }

        return x;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<float> Divide512(long n, Vector512<float> x, Vector512<float> b)
    {
        for (long i = 0; i < n; i++)
        {
            x = b / (b / x);
        }

        return x;
    }
}
