using System.Numerics;

namespace LstmGen.Testing;

/// <summary>
/// Closeness of a computed tensor to a reference one. An element passes when
/// |actual - expected| &lt;= max(relative * magnitude, floor), where magnitude is the largest |expected| of the
/// tensor: rounding errors of sums and products scale with the size of the values they combine, not with a single
/// element, which may be the small remainder of a cancellation.
/// </summary>
public static class TensorAssert
{
    public static void Close<T>(string what, ReadOnlySpan<double> expected, ReadOnlySpan<T> actual, double relative, double floor)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} elements, got {actual.Length}.");
        double allowed = Math.Max(relative * MaxAbs(expected), floor);
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double a = double.CreateChecked(actual[i]);
            double err = Math.Abs(a - expected[i]);
            if (!(err <= worst) || double.IsNaN(a))
            {
                worst = double.IsNaN(a) ? double.PositiveInfinity : err;
                worstIndex = i;
            }
        }

        Assert.True(worst <= allowed,
            $"{what}: element {worstIndex} is {(worstIndex >= 0 ? double.CreateChecked(actual[worstIndex]) : 0):R}, expected {(worstIndex >= 0 ? expected[worstIndex] : 0):R}; " +
            $"error {worst:E3} exceeds {allowed:E3} ({relative:E1} x magnitude {MaxAbs(expected):E3}).");
    }

    public static double MaxAbs(ReadOnlySpan<double> values)
    {
        double m = 0;
        foreach (double v in values)
        {
            m = Math.Max(m, Math.Abs(v));
        }

        return m;
    }
}
