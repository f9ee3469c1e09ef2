using System.Runtime.Intrinsics;

namespace LstmGen.Kernels;

#pragma warning disable CS1591 // temporary file
// TEMPORARY stand-in (generator branch) with the signatures of main's VectorMath, built on Vector256.Exp.
// Delete in favour of main's file when merging main.
public static class VectorMath
{
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));

    public static Vector256<float> Tanh(Vector256<float> x) => (Vector256.Create(2f) * Sigmoid(x + x)) - Vector256<float>.One;

    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512.Create(Sigmoid(x.GetLower()), Sigmoid(x.GetUpper()));

    public static Vector512<float> Tanh(Vector512<float> x) => Vector512.Create(Tanh(x.GetLower()), Tanh(x.GetUpper()));

    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    public static float Tanh(float x) => MathF.Tanh(x);
}
