using System.Numerics;

namespace LstmGen.Training;

/// <summary><c>torch.nn.utils.clip_grad_norm_</c>.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales all gradients together so their global norm is at most <paramref name="maxNorm"/>, as PyTorch does:
    /// total = norm of all gradients; every gradient is multiplied by min(1, maxNorm / (total + 1e-6)).
    /// </summary>
    /// <param name="parameters">The buffers whose gradients are clipped together.</param>
    /// <param name="maxNorm">Largest allowed norm.</param>
    /// <param name="normType">p of the p-norm; <see cref="double.PositiveInfinity"/> for the max norm.</param>
    /// <param name="errorIfNonfinite">Throw when the total norm is NaN or infinite, instead of scaling by it.</param>
    /// <returns>The total norm before clipping.</returns>
    public static T ClipGradNorm<T>(IReadOnlyList<IParameterBuffer<T>> parameters, double maxNorm, double normType = 2.0, bool errorIfNonfinite = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be >= 0.");
        }

        if (!(normType > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(normType), normType, "normType must be > 0 (or +infinity).");
        }

        T total = TotalNorm(parameters, normType);
        if (errorIfNonfinite && !T.IsFinite(total))
        {
            throw new InvalidOperationException(FormattableString.Invariant(
                $"The total norm of order {normType} of the gradients is {total}, so they cannot be clipped (errorIfNonfinite is set)."));
        }

        T coefficient = T.CreateChecked(maxNorm) / (total + T.CreateChecked(1e-6));
        // Like PyTorch, a NaN or infinite total (not rejected above) scales by NaN or 0 rather than being skipped.
        if (!(coefficient >= T.One))
        {
            foreach (IParameterBuffer<T> p in parameters)
            {
                Span<T> g = p.Gradients;
                for (int i = 0; i < g.Length; i++)
                {
                    g[i] *= coefficient;
                }
            }
        }

        return total;
    }

    private static T TotalNorm<T>(IReadOnlyList<IParameterBuffer<T>> parameters, double normType)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T total = T.Zero;
        if (double.IsPositiveInfinity(normType))
        {
            foreach (IParameterBuffer<T> p in parameters)
            {
                foreach (T g in p.Gradients)
                {
                    total = T.IsNaN(g) ? g : T.Max(total, T.Abs(g));
                }
            }

            return total;
        }

        // PyTorch takes the norm of each tensor, then the norm of those norms.
        T order = T.CreateChecked(normType);
        foreach (IParameterBuffer<T> p in parameters)
        {
            T tensorSum = T.Zero;
            foreach (T g in p.Gradients)
            {
                tensorSum += normType == 2.0 ? g * g : T.Pow(T.Abs(g), order);
            }

            T tensorNorm = normType == 2.0 ? T.Sqrt(tensorSum) : T.Pow(tensorSum, T.One / order);
            total += normType == 2.0 ? tensorNorm * tensorNorm : T.Pow(tensorNorm, order);
        }

        return normType == 2.0 ? T.Sqrt(total) : T.Pow(total, T.One / order);
    }
}
