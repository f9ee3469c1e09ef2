using System.Numerics;

namespace LstmGen.Training;

/// <summary>Loss functions with PyTorch's semantics and mean reduction; each returns the loss and writes dLoss/dInput.</summary>
public static class Losses
{
    /// <summary>
    /// <c>torch.nn.CrossEntropyLoss()</c> over class indices: mean over rows of logsumexp(logits) - logits[target].
    /// The log-sum-exp subtracts the row maximum first, so large logits neither overflow nor lose precision.
    /// Rows whose target equals <paramref name="ignoreIndex"/> contribute nothing and are not counted (PyTorch's ignore_index).
    /// </summary>
    /// <param name="logits">rows*classes values.</param>
    /// <param name="targets">rows class indices in [0, classes).</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="gradLogits">Receives dLoss/dLogits (rows*classes), or empty to skip.</param>
    /// <param name="ignoreIndex">A target value that marks a row to skip; PyTorch's default is -100.</param>
    public static T CrossEntropy<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> targets, int classes, Span<T> gradLogits, int ignoreIndex = -100)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        int rows = targets.Length;
        if (logits.Length != (long)rows * classes)
        {
            throw new ArgumentException(FormattableString.Invariant($"logits must have targets.Length*classes = {rows}*{classes} elements, but has {logits.Length}."), nameof(logits));
        }

        if (!gradLogits.IsEmpty && gradLogits.Length != logits.Length)
        {
            throw new ArgumentException(FormattableString.Invariant($"gradLogits must have {logits.Length} elements (or be empty), but has {gradLogits.Length}."), nameof(gradLogits));
        }

        int counted = 0;
        for (int r = 0; r < rows; r++)
        {
            int target = targets[r];
            if (target == ignoreIndex)
            {
                continue;
            }

            if ((uint)target >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(targets), target, FormattableString.Invariant($"targets[{r}] must be a class index in [0, {classes}) or ignoreIndex ({ignoreIndex}), but was {target}."));
            }

            counted++;
        }

        T total = T.Zero;
        T scale = counted == 0 ? T.Zero : T.One / T.CreateChecked(counted);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> x = logits.Slice(r * classes, classes);
            Span<T> g = gradLogits.IsEmpty ? default : gradLogits.Slice(r * classes, classes);
            if (targets[r] == ignoreIndex)
            {
                g.Clear();
                continue;
            }

            T max = x[0];
            for (int k = 1; k < classes; k++)
            {
                max = T.Max(max, x[k]);
            }

            T sum = T.Zero;
            for (int k = 0; k < classes; k++)
            {
                sum += T.Exp(x[k] - max);
            }

            T logSumExp = max + T.Log(sum);
            total += logSumExp - x[targets[r]];
            if (!g.IsEmpty)
            {
                for (int k = 0; k < classes; k++)
                {
                    g[k] = T.Exp(x[k] - logSumExp) * scale;
                }

                g[targets[r]] -= scale;
            }
        }

        // PyTorch returns NaN for a mean over zero counted rows.
        return counted == 0 ? T.NaN : total * scale;
    }

    /// <summary><c>torch.nn.MSELoss()</c>: mean of (prediction - target)²; gradient 2(prediction - target)/n.</summary>
    public static T MeanSquaredError<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, Span<T> gradPrediction)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (target.Length != prediction.Length)
        {
            throw new ArgumentException(FormattableString.Invariant($"target must have prediction.Length = {prediction.Length} elements, but has {target.Length}."), nameof(target));
        }

        if (prediction.IsEmpty)
        {
            throw new ArgumentException("prediction must not be empty.", nameof(prediction));
        }

        if (!gradPrediction.IsEmpty && gradPrediction.Length != prediction.Length)
        {
            throw new ArgumentException(FormattableString.Invariant($"gradPrediction must have {prediction.Length} elements (or be empty), but has {gradPrediction.Length}."), nameof(gradPrediction));
        }

        T n = T.CreateChecked(prediction.Length);
        T sum = T.Zero;
        for (int i = 0; i < prediction.Length; i++)
        {
            T d = prediction[i] - target[i];
            sum += d * d;
            if (!gradPrediction.IsEmpty)
            {
                gradPrediction[i] = (d + d) / n;
            }
        }

        return sum / n;
    }
}
