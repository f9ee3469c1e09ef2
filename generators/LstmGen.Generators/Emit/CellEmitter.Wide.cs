using LstmGen.Generators.Cells;
using static LstmGen.Generators.Emit.Code;

namespace LstmGen.Generators.Emit;

// The one-row cell's products in 512-bit vectors (Cell512), apart from the other tiles because only that cell uses them.
internal sealed partial class CellEmitter
{
    private const string V512 = "global::System.Runtime.Intrinsics.Vector512";

    // The tile's accumulators are its count * gates columns of 8, adjacent in the packed weights: column n is gate
    // n mod gates of block n / gates.
    private string Column(int n) => Acc(0, n % _gates, n / _gates);

    // A 512-bit accumulator: columns 2p and 2p + 1 of the tile, in chain `chain`.
    private static string Wide(int chain, int p) => chain == 0 ? Inv($"w{p}") : Inv($"w{p}c{chain}");

    /// <summary>
    /// The products of one row in 512-bit vectors: each pair of adjacent columns is one accumulator (an odd last column
    /// stays 256-bit), with the same chains as the other cells, so that every lane adds the same terms in the same order
    /// and gets the same bits; the sums go back to the 256-bit accumulators the updates read.
    /// </summary>
    private void EmitWideProducts(CellWriter w, BlockAt first, int count, bool looped)
    {
        int columns = count * _gates, pairs = columns / 2, chains = _plan.Chains;
        bool odd = (columns & 1) == 1;
        int last = columns - 1;
        w.ClearWide();
        w.Once($"// Columns 2p and 2p + 1 of the tile in one 512-bit accumulator w{{p}}, in {chains} chain(s).");
        for (int p = 0; p < pairs; p++)
        {
            w.Once($"{V512}<float> {Wide(0, p)} = {V512}.Create({Column(2 * p)}, {Column((2 * p) + 1)});");
            for (int chain = 1; chain < chains; chain++)
            {
                w.Once($"{V512}<float> {Wide(chain, p)} = {V512}<float>.Zero;");
            }
        }

        if (odd)
        {
            for (int chain = 1; chain < chains; chain++)
            {
                w.Once($"{VF} {Acc(chain, last % _gates, last / _gates)} = {VF}.Zero;");
            }
        }

        string hSource = looped ? "hp" : HSource(new Row(0, 1), wide: true);
        void Term(string k, int chain, string weights, int offset)
        {
            string hk = chain == 0 ? "hk" : Inv($"hk{chain}");
            w.Once($"{V512}<float> {hk} = {V512}.Create({U}.Add(ref {hSource}, {k}));");
            for (int p = 0; p < pairs; p++)
            {
                w.Once($"{Wide(chain, p)} = {V512}.FusedMultiplyAdd({hk}, {V512}.LoadUnsafe(ref {weights}, {offset + (p * 16)}), {Wide(chain, p)});");
            }

            if (odd)
            {
                string acc = Acc(chain, last % _gates, last / _gates);
                w.Once($"{acc} = {Fma(Inv($"{V512}.GetLower({hk})"), Ld(weights, offset + (last * 8)), acc)};");
            }
        }

        if (looped)
        {
            int whole = _hOut - (_hOut % chains);
            using (w.Block($"for (int k = 0; k < {whole}; k += {chains})"))
            {
                w.Once($"ref float wk = ref {U}.Add(ref wh, (k * {_rowStride}) + {first.Column(0)});");
                for (int chain = 0; chain < chains; chain++)
                {
                    Term(chain == 0 ? "k" : Inv($"k + {chain}"), chain, "wk", chain * _rowStride);
                }
            }

            for (int k = whole; k < _hOut; k++)
            {
                w.Once($"// The last term.");
                using (w.Block())
                {
                    w.Once($"ref float wk = ref {U}.Add(ref wh, {(k * _rowStride)} + {first.Column(0)});");
                    Term(Inv($"{k}"), k % chains, "wk", 0);
                }
            }
        }
        else
        {
            for (int k = 0; k < _hOut; k++)
            {
                using (w.Block())
                {
                    Term(Inv($"{k}"), k % chains, "wh", (k * _rowStride) + first.ColumnConstant(0));
                }
            }
        }

        for (int half = chains / 2; half >= 1; half /= 2)
        {
            for (int chain = 0; chain < half; chain++)
            {
                for (int p = 0; p < pairs; p++)
                {
                    w.Once($"{Wide(chain, p)} += {Wide(chain + half, p)};");
                }

                if (odd)
                {
                    w.Once($"{Acc(chain, last % _gates, last / _gates)} += {Acc(chain + half, last % _gates, last / _gates)};");
                }
            }
        }

        for (int p = 0; p < pairs; p++)
        {
            w.Once($"{Column(2 * p)} = {V512}.GetLower({Wide(0, p)});");
            w.Once($"{Column((2 * p) + 1)} = {V512}.GetUpper({Wide(0, p)});");
            w.MarkWide(Column(2 * p), Column((2 * p) + 1), Wide(0, p));
        }

        _w.Line();
    }
}
