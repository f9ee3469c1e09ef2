using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using LstmGen.Kernels;

namespace LstmGen.Benchmarks;

/// <summary>
/// `ulp [sigmoid|tanh]`: the exhaustive accuracy check of <see cref="VectorMath"/>: every one of the 2^32 float bit
/// patterns through the widest accelerated vector form (Vector512 where accelerated, else Vector256), against double
/// precision (<see cref="Math.Exp"/>, <see cref="Math.Tanh"/>), in ulps of the exact result (the float spacing at it,
/// with the smallest normal exponent's spacing for denormal results, as the unit tests measure). NaN must give NaN and
/// results must stay in range. Prints the largest error and where it is; the README and the unit tests' bounds quote it.
/// Single-threaded (a few minutes) so the machine's other users keep their cores.
/// </summary>
public static class UlpCheck
{
    public static int Run(string[] args)
    {
        string[] functions = args.Length > 0 ? args : ["sigmoid", "tanh"];
        int failures = 0;
        foreach (string f in functions)
        {
            bool sigmoid = f switch
            {
                "sigmoid" => true,
                "tanh" => false,
                _ => throw new ArgumentException($"Unknown function '{f}' (sigmoid or tanh)."),
            };
            var clock = Stopwatch.StartNew();
            (double maxUlp, float worstX, long bad) = Check(sigmoid);
            failures += bad > 0 ? 1 : 0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{f}: max error {maxUlp:F3} ulp at x = {worstX:R} (0x{BitConverter.SingleToUInt32Bits(worstX):X8}) over all 2^32 floats; {bad} NaN or out-of-range results; {clock.Elapsed.TotalSeconds:0} s"));
        }

        return failures;
    }

    private static (double MaxUlp, float WorstX, long Bad) Check(bool sigmoid)
    {
        const int lanes = 16;
        Span<float> xs = stackalloc float[lanes];
        Span<float> ys = stackalloc float[lanes];
        double maxUlp = 0;
        float worstX = 0;
        long bad = 0;
        for (long start = 0; start < 1L << 32; start += lanes)
        {
            for (int i = 0; i < lanes; i++)
            {
                xs[i] = BitConverter.UInt32BitsToSingle((uint)(start + i));
            }

            Evaluate(sigmoid, xs, ys);
            for (int i = 0; i < lanes; i++)
            {
                float x = xs[i], y = ys[i];
                if (float.IsNaN(x))
                {
                    bad += float.IsNaN(y) ? 0 : 1;
                    continue;
                }

                if (float.IsNaN(y) || (sigmoid ? y < 0f || y > 1f : y < -1f || y > 1f))
                {
                    bad++;
                    continue;
                }

                double exact = sigmoid ? 1.0 / (1.0 + Math.Exp(-(double)x)) : Math.Tanh(x);
                double err = UlpError(y, exact);
                if (err > maxUlp)
                {
                    maxUlp = err;
                    worstX = x;
                }
            }
        }

        return (maxUlp, worstX, bad);
    }

    private static void Evaluate(bool sigmoid, ReadOnlySpan<float> xs, Span<float> ys)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> x = Vector512.Create(xs);
            (sigmoid ? VectorMath.Sigmoid(x) : VectorMath.Tanh(x)).CopyTo(ys);
            return;
        }

        for (int i = 0; i < xs.Length; i += 8)
        {
            Vector256<float> x = Vector256.Create(xs[i..]);
            (sigmoid ? VectorMath.Sigmoid(x) : VectorMath.Tanh(x)).CopyTo(ys[i..]);
        }
    }

    // As tests/LstmGen.Tests/Kernels/VectorMathTests.cs measures it.
    private static double UlpError(float actual, double exact)
    {
        double magnitude = Math.Abs(exact);
        double ulp = Math.ScaleB(1.0, Math.Max(Math.ILogB(magnitude), -126) - 23);
        return Math.Abs(actual - exact) / ulp;
    }
}
