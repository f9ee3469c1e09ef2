namespace LstmGen.Demo.Tasks;

/// <summary>
/// The embedded Reber grammar: B, then T or P, then a Reber string (B ... E), then the same T or P again, then E.
/// Predicting the second-to-last symbol needs the second symbol, remembered across the whole inner string.
/// The task is to predict, at every step, the set of symbols that may legally come next.
/// </summary>
public sealed class EmbeddedReber
{
    /// <summary>The alphabet, one-hot encoded in this order.</summary>
    public const string Symbols = "BTPSXVE";

    // The Reber graph: from each node, two (symbol, next node) edges; node 5 ends with E.
    private static readonly (char Symbol, int Next)[][] Graph =
    [
        [('T', 1), ('P', 2)],
        [('S', 1), ('X', 3)],
        [('T', 2), ('V', 4)],
        [('X', 2), ('S', 5)],
        [('P', 3), ('V', 5)],
    ];

    private SeededRandom _rng;

    public EmbeddedReber(ulong seed) => _rng = new SeededRandom(seed);

    public static int Classes => Symbols.Length;

    /// <summary>
    /// A random string and, for every position but the last, the bit mask of legal next symbols.
    /// </summary>
    public (int[] Symbols, int[] LegalNext) Sample()
    {
        var symbols = new List<int>();
        var legal = new List<int>();
        int outer = _rng.NextInt(2) == 0 ? 'T' : 'P';
        Emit('B', Mask("TP"));
        Emit((char)outer, Mask("B"));
        Emit('B', Mask("TP"));
        int node = 0;
        while (node != 5)
        {
            (char symbol, int next) = Graph[node][_rng.NextInt(2)];
            Emit(symbol, next == 5 ? Mask("E") : Mask(Graph[next][0].Symbol, Graph[next][1].Symbol));
            node = next;
        }

        Emit('E', Mask(((char)outer).ToString()));
        Emit((char)outer, Mask("E"));
        symbols.Add(Symbols.IndexOf('E', StringComparison.Ordinal));
        return (symbols.ToArray(), legal.ToArray());

        void Emit(char symbol, int legalNext)
        {
            symbols.Add(Symbols.IndexOf(symbol, StringComparison.Ordinal));
            legal.Add(legalNext);
        }
    }

    private static int Mask(params char[] symbols) => Mask(new string(symbols));

    private static int Mask(string symbols)
    {
        int mask = 0;
        foreach (char c in symbols)
        {
            mask |= 1 << Symbols.IndexOf(c, StringComparison.Ordinal);
        }

        return mask;
    }

    /// <summary>
    /// True when the <c>k</c> most probable predicted symbols are exactly the <c>k</c> legal ones, where k is the number
    /// of legal next symbols.
    /// </summary>
    public static bool PredictsLegalSet(ReadOnlySpan<float> logits, int legalMask)
    {
        int k = System.Numerics.BitOperations.PopCount((uint)legalMask);
        float lowestLegal = float.PositiveInfinity;
        float highestIllegal = float.NegativeInfinity;
        for (int c = 0; c < logits.Length; c++)
        {
            if ((legalMask & (1 << c)) != 0)
            {
                lowestLegal = Math.Min(lowestLegal, logits[c]);
            }
            else
            {
                highestIllegal = Math.Max(highestIllegal, logits[c]);
            }
        }

        return k > 0 && lowestLegal > highestIllegal;
    }
}
