namespace LstmGen.Demo.Tasks;

/// <summary>
/// The adding problem (Hochreiter and Schmidhuber, 1997): each step carries a value in [0, 1] and a marker in {0, 1};
/// exactly two steps are marked, one in each half of the sequence, and the target is the sum of the two marked values.
/// Predicting the constant 1 scores the variance of that sum, 2/12 ≈ 0.167; solving it means remembering two values
/// across up to T steps.
/// </summary>
public sealed class AddingProblem
{
    private SeededRandom _rng;

    public AddingProblem(int seqLen, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seqLen, 2);
        SeqLen = seqLen;
        _rng = new SeededRandom(seed);
    }

    public int SeqLen { get; }

    /// <summary>The MSE of always predicting 1: Var(U1 + U2) = 1/6.</summary>
    public const double BaselineMse = 1.0 / 6.0;

    /// <summary>Fills input (seqLen, batch, 2), sequence-first, and target (batch).</summary>
    public void Sample(int batch, Span<float> input, Span<float> target)
    {
        input.Clear();
        int half = SeqLen / 2;
        for (int b = 0; b < batch; b++)
        {
            int first = _rng.NextInt(half);
            int second = half + _rng.NextInt(SeqLen - half);
            float sum = 0;
            for (int t = 0; t < SeqLen; t++)
            {
                int at = ((t * batch) + b) * 2;
                float value = (float)_rng.NextDouble();
                input[at] = value;
                if (t == first || t == second)
                {
                    input[at + 1] = 1;
                    sum += value;
                }
            }

            target[b] = sum;
        }
    }
}
