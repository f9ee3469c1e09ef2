using System;
using System.Collections.Generic;
using LstmGen.Generators.Cells;
using static LstmGen.Generators.Emit.Code;

namespace LstmGen.Generators.Emit;

/// <summary>
/// Writes the kernel struct's cell methods: the one-row cell, the cell from batch-wide products, the two-row cell and the
/// cell backward. The recurrent products are register tiles of blocks of 8 units (<c>acc[gate] += broadcast(h[k]) *
/// W[k][block, gate]</c>); the cell math per kind comes from <see cref="CellMath"/>.
/// </summary>
internal sealed partial class CellEmitter
{
    private readonly KernelPlan _plan;
    private readonly PackedLayout _layout;
    private readonly CellMath _math;
    private readonly SourceWriter _w;
    private readonly int _hidden, _hOut, _rowStride, _gates, _blocks;

    public CellEmitter(KernelPlan plan, SourceWriter writer)
    {
        _plan = plan;
        _layout = plan.Layout;
        _math = CellMath.Of(plan);
        _w = writer;
        _hidden = plan.Model.Hidden;
        _hOut = _layout.Config.OutputHidden;
        _rowStride = _layout.RecurrentStride;
        _gates = _layout.Config.GateCount;
        _blocks = _layout.Blocks;
    }

    /// <summary>
    /// Every cell method of the kernel: the Vector256 set, then the same code in 128-bit vectors (<c>Cell128</c>, ...), which
    /// the driver takes where Vector256 is not accelerated (ARM64, x64 without AVX2).
    /// </summary>
    public void EmitAll()
    {
        EmitCellSet();
        _w.Line($"// The same cells in 128-bit vectors (each block of 8 units as two halves), for CPUs without Vector256.");
        using (Narrow())
        {
            EmitCellSet();
        }
    }

    private void EmitCellSet()
    {
        EmitCell(rows: 1, fromProducts: false);
        if (!IsNarrow)
        {
            EmitCell(rows: 1, fromProducts: false, wide: true);
        }

        EmitCell(rows: 1, fromProducts: true);
        if (_plan.HasCellPair)
        {
            EmitCell(rows: 2, fromProducts: false);
        }
        else
        {
            EmitPairAsTwoCells();
        }

        EmitCellBackward();
    }

    // Straight-line code or loops, for the set being written (the 128-bit twin loops over a smaller budget).
    private bool Unroll => IsNarrow ? _plan.UnrollStep128 : _plan.UnrollStep;

    private static string Parameters(Row r, bool fromProducts) =>
        Inv($"{(fromProducts ? Inv($"ref float {r["gh"]}, ") : "")}ref float {r["xp"]}, ref float {r["h"]}, ref float {r["c"]}, ref float {r["rec"]}");

    // wide: the one-row cell whose products run in 512-bit vectors (Cell512), for CPUs that accelerate them.
    private void EmitCell(int rows, bool fromProducts, bool wide = false)
    {
        var w = new CellWriter(_w, rows);
        string name = wide ? "Cell512" : (rows == 2 ? "CellPair" : fromProducts ? "CellFromProducts" : "Cell") + CellSuffix;
        string parameters = rows == 2
            ? Inv($"{Parameters(new Row(0, 2), false)}, {Parameters(new Row(1, 2), false)}")
            : Parameters(new Row(0, 1), fromProducts);
        _w.Line($"/// <inheritdoc/>");
        _w.Line($"{Hot}");
        using (_w.Block($"public static void {name}(ref float wh, {parameters})"))
        {
            EmitRecordReferences(w);
            _math.EmitWeightReferences(w);
            EmitProducts(w, fromProducts, wide);
            if (_plan.Model.ProjSize > 0)
            {
                EmitProjection(w);
            }
        }

        _w.Line();
    }

    // The two-row cell of a shape too large to interleave: the rows one after the other.
    private void EmitPairAsTwoCells()
    {
        Row a = new(0, 2), b = new(1, 2);
        _w.Line($"/// <inheritdoc/>");
        _w.Line($"/// <remarks>Too large to interleave two rows: one after the other.</remarks>");
        using (_w.Block($"public static void CellPair{CellSuffix}(ref float wh, {Parameters(a, false)}, {Parameters(b, false)})"))
        {
            foreach (Row r in new[] { a, b })
            {
                _w.Line($"Cell{CellSuffix}(ref wh, ref {r["xp"]}, ref {r["h"]}, ref {r["c"]}, ref {r["rec"]});");
            }
        }

        _w.Line();
    }

    // h (and c) before the step go to the record, and references to the record's fields; row by row.
    private void EmitRecordReferences(CellWriter w)
    {
        RecordLayout record = _layout.Record;
        w.Once($"// h (and c) before the step go to the record; the products read h from there, so h can be updated in place.");
        var fields = new List<(string Name, int Offset, int Length)>
        {
            ("cp", record.CPrev, record.CPrevLength), ("gates", record.Gates, record.GatesLength),
            ("tanhc", record.TanhC, record.TanhCLength), ("hfull", record.HFull, record.HFullLength), ("hhn", record.HhN, record.HhNLength),
        };
        for (int row = 0; row < w.Rows; row++)
        {
            var r = new Row(row, w.Rows);
            _w.Line($"ref float {r["hp"]} = ref {r["rec"]};");
            CopyVectors(r["h"], r["hp"], record.HPrevLength);
            foreach ((string field, int offset, int length) in fields)
            {
                if (length > 0)
                {
                    _w.Line($"ref float {r[field]} = ref {U}.Add(ref {r["rec"]}, {offset});");
                }
            }

            if (record.CPrevLength > 0)
            {
                CopyVectors(r["c"], r["cp"], record.CPrevLength);
            }
        }
    }

    private void CopyVectors(string from, string to, int length) =>
        _w.Line($"global::LstmGen.CompilerServices.VectorCopy.Copy(ref {from}, ref {to}, {length});");

    // The products, activations and state update, tile by tile: straight-line code when unrolled, else loops.
    private void EmitProducts(CellWriter w, bool fromProducts, bool wide)
    {
        string gateList = string.Join(", ", _math.Gates);
        int tile = wide && Unroll ? _plan.WideTileBlocks : _plan.TileBlocks;
        string hOut = _plan.Model.ProjSize > 0 ? "hfull" : "h";
        if (Unroll)
        {
            for (int blk = 0; blk < _blocks; blk += tile)
            {
                int count = Math.Min(tile, _blocks - blk);
                int last = Math.Min(_hidden, (blk + count) * 8) - 1;
                string padding = (blk + count) * 8 > _hidden ? Inv($" (lanes {_hidden - ((blk + count - 1) * 8)}..7 of the last block padding)") : "";
                _w.Line();
                w.Once($"// Units {blk * 8}..{last}{padding}: gates {gateList} of {count} block(s) in packed columns {blk * _gates * 8}..{((blk + count) * _gates * 8) - 1}.");
                using (w.Block())
                {
                    EachHalf(_w, () => EmitTile(w, new BlockAt(blk * _gates * 8, blk * 8), count, fromProducts, looped: false, hOut, wide));
                }
            }

            return;
        }

        _w.Line();
        w.Once($"// {_blocks} block(s) of 8 units, {tile} per tile; the gates {gateList} of a block are {_gates} adjacent vectors.");
        int tiles = _blocks / tile;
        bool serpentine = tiles >= 2 && !fromProducts;
        if (serpentine)
        {
            // What one call read last, and left in L1, the next reads first; each tile's numbers are the same either way.
            w.Once($"// Tiles first to last, or last to first on alternate calls (TileOrder); a last partial tile comes after either way.");
            w.Once($"bool reversed = global::LstmGen.CompilerServices.TileOrder.NextReversed();");
        }

        if (tiles >= 1)
        {
            using (w.Block(serpentine ? $"for (int tile = 0; tile < {tiles}; tile++)" : (FormattableString)$"for (int blk = 0; blk + {tile} <= {_blocks}; blk += {tile})"))
            {
                if (serpentine)
                {
                    w.Once($"int blk = (reversed ? {tiles - 1} - tile : tile) * {tile};");
                }

                w.Once($"int cb = blk * {_gates * 8};");
                w.Once($"int u0 = blk * 8;");
                EachHalf(_w, () => EmitTile(w, new BlockAt(0, 0, "cb", "u0"), tile, fromProducts, looped: true, hOut, wide));
            }
        }

        if (_blocks % tile != 0)
        {
            int first = _blocks - (_blocks % tile);
            _w.Line();
            w.Once($"// The last {_blocks % tile} block(s).");
            using (w.Block())
            {
                w.Once($"const int cb = {first * _gates * 8};");
                w.Once($"const int u0 = {first * 8};");
                EachHalf(_w, () => EmitTile(w, new BlockAt(0, 0, "cb", "u0"), _blocks % tile, fromProducts, looped: true, hOut, wide));
            }
        }
    }

    // A tile of blocks: accumulate every gate of every block over h (sharing each broadcast of h[k]), then the updates.
    private void EmitTile(CellWriter w, BlockAt first, int count, bool fromProducts, bool looped, string hOut, bool wide)
    {
        for (int j = 0; j < count; j++)
        {
            for (int gi = 0; gi < _gates; gi++)
            {
                BlockAt block = first.Next(j, _gates);
                string products = fromProducts ? " + " + LdE("gh", block.Column(gi * 8)) : "";
                w.Each(r => $"{VF} {r[Acc(0, gi, j)]} = {_math.Accumulator(r, gi, block)}{products};");
            }
        }

        if (fromProducts)
        {
            // The products are in gh already.
        }
        else if (wide)
        {
            EmitWideProducts(w, first, count, looped);
        }
        else if (looped)
        {
            EmitLoopedProducts(w, first, count);
        }
        else
        {
            EmitUnrolledProducts(w, first, count);
        }

        _math.EmitUpdates(w, first, count, hOut);
    }

    // The accumulator of gate gi of block j in chain `chain`: chain 0 is a{gate}{j}, which starts from the input
    // projection; chains 1..3 are b1{gate}{j}, ... .
    private string Acc(int chain, int gi, int j) => Inv($"{(chain == 0 ? "a" : Inv($"b{chain}"))}{_math.Gates[gi]}{j}");

    // The other chains' accumulators, each starting at zero.
    private void EmitChainStarts(CellWriter w, int count, int chains)
    {
        w.Once($"// Term k goes to chain k mod {chains}: {chains} FMA chains per gate, added pairwise at the end.");
        for (int chain = 1; chain < chains; chain++)
        {
            for (int j = 0; j < count; j++)
            {
                for (int gi = 0; gi < _gates; gi++)
                {
                    w.Each(r => $"{VF} {r[Acc(chain, gi, j)]} = {VF}.Zero;");
                }
            }
        }
    }

    // Adds the chains into chain 0: with four, (a + b2) + (b1 + b3), two levels; with two, a + b1.
    private void EmitChainSums(CellWriter w, int count, int chains)
    {
        for (int half = chains / 2; half >= 1; half /= 2)
        {
            for (int chain = 0; chain < half; chain++)
            {
                for (int j = 0; j < count; j++)
                {
                    for (int gi = 0; gi < _gates; gi++)
                    {
                        string to = Acc(chain, gi, j), from = Acc(chain + half, gi, j);
                        w.Each(r => $"{r[to]} += {r[from]};");
                    }
                }
            }
        }
    }

    private void EmitLoopedProducts(CellWriter w, BlockAt first, int count)
    {
        int chains = _plan.Chains;
        if (chains > 1)
        {
            EmitChainStarts(w, count, chains);
        }

        int whole = _hOut - (_hOut % chains);
        using (w.Block($"for (int k = 0; k < {whole}; k += {chains})"))
        {
            for (int chain = 0; chain < chains; chain++)
            {
                EmitLoopedTerm(w, first, count, chain, chain == 0 ? "k" : Inv($"k + {chain}"));
            }
        }

        for (int k = whole; k < _hOut; k++)
        {
            w.Once($"// The last term.");
            using (w.Block())
            {
                EmitLoopedTerm(w, first, count, k % chains, Inv($"{k}"));
            }
        }

        if (chains > 1)
        {
            EmitChainSums(w, count, chains);
        }

        _w.Line();
    }

    // acc += broadcast(h[k]) * W[k][tile] for one k of a looped tile, into chain `chain`.
    private void EmitLoopedTerm(CellWriter w, BlockAt first, int count, int chain, string k)
    {
        string hk = chain == 0 ? "hk" : Inv($"hk{chain}");
        string wk = chain == 0 ? "wk" : Inv($"wk{chain}");
        w.Each(r => $"{VF} {r[hk]} = {V}.Create({U}.Add(ref {r["hp"]}, {k}));");
        w.Once($"ref float {wk} = ref {U}.Add(ref wh, (({k}) * {_rowStride}) + {first.Column(0)});");
        for (int j = 0; j < count; j++)
        {
            for (int gi = 0; gi < _gates; gi++)
            {
                int column = (j * _gates * 8) + (gi * 8);
                string acc = Acc(chain, gi, j);
                w.Each(r => $"{r[acc]} = {Fma(r[hk], Ld(wk, column), r[acc])};");
            }
        }
    }

    // Where an unrolled step reads h from: h itself when the whole step is one tile (in Vector256, or in Cell512's wider
    // tiles): every product is written before the update that overwrites h, and the broadcasts then wait for one store
    // fewer (h's copy in the record is made beside them, not before them); else its copy in the record (a 128-bit twin
    // updates the first half of each block before the second half's products read all of h).
    private string HSource(Row r, bool wide = false) => _blocks <= (wide ? _plan.WideTileBlocks : _plan.TileBlocks) && !IsNarrow ? r["h"] : r["hp"];

    private void EmitUnrolledProducts(CellWriter w, BlockAt first, int count)
    {
        int chains = _plan.Chains;
        if (chains > 1)
        {
            EmitChainStarts(w, count, chains);
        }

        w.Each(r => $"{VF} {r["hk"]};");
        for (int k = 0; k < _hOut; k++)
        {
            w.Each(r => $"{r["hk"]} = {V}.Create({U}.Add(ref {HSource(r)}, {k}));");
            for (int j = 0; j < count; j++)
            {
                for (int gi = 0; gi < _gates; gi++)
                {
                    // The weights of (k, block, gate): a constant offset from wh.
                    string weights = Ld("wh", (k * _rowStride) + first.Next(j, _gates).ColumnConstant(gi * 8));
                    string acc = Acc(k % chains, gi, j);
                    w.Each(r => $"{r[acc]} = {Fma(r["hk"], weights, r[acc])};");
                }
            }
        }

        if (chains > 1)
        {
            EmitChainSums(w, count, chains);
        }
    }

    // h = W_hr h_full in broadcast form over the hidden units (LSTM with projection).
    private void EmitProjection(CellWriter w)
    {
        int pp = _layout.ProjPadded;
        _w.Line();
        w.Once($"// Projection h = W_hr h_full, broadcast form over the {_hidden} units.");
        w.Once($"ref float wr = ref {U}.Add(ref wh, {_layout.ExtraOffset});");
        if (Unroll)
        {
            for (int pb = 0; pb < pp; pb += 8)
            {
                w.Once($"// h lanes {pb}..{pb + 7}.");
                using (w.Block())
                {
                    EachHalf(_w, () =>
                    {
                        w.Each(r => $"{VF} {r["acc"]} = {VF}.Zero;");
                        for (int j = 0; j < _hidden; j++)
                        {
                            string weights = Ld("wr", (j * pp) + pb);
                            w.Each(r => $"{r["acc"]} = {Fma(Inv($"{V}.Create({U}.Add(ref {r["hfull"]}, {j}))"), weights, r["acc"])};");
                        }

                        int at = pb;
                        w.Each(r => $"{St(r["acc"], r["h"], at)}");
                    });
                }
            }

            return;
        }

        using (w.Block($"for (int pb = 0; pb < {pp}; pb += 8)"))
        {
            EachHalf(_w, () =>
            {
                w.Each(r => $"{VF} {r["acc"]} = {VF}.Zero;");
                using (w.Block($"for (int j = 0; j < {_hidden}; j++)"))
                {
                    w.Each(r => $"{r["acc"]} = {Fma(Inv($"{V}.Create({U}.Add(ref {r["hfull"]}, j))"), Inv($"{V}.LoadUnsafe(ref wr, (nuint)({Lane(Inv($"(j * {pp}) + pb"))}))"), r["acc"])};");
                }

                w.Each(r => $"{V}.StoreUnsafe({r["acc"]}, ref {r["h"]}, (nuint){Lane("pb")});");
            });
        }
    }

    private void EmitCellBackward()
    {
        _w.Line($"/// <inheritdoc/>");
        _w.Line($"{Hot}");
        using (_w.Block($"public static void CellBackward{CellSuffix}(ref float wh, ref float rec, ref float dh, ref float dc, ref float dgx, ref float dgh, ref float tmp)"))
        {
            _w.Line($"ref float gates = ref {U}.Add(ref rec, {_layout.Record.Gates});");
            _w.Line($"{VF} one = {VF}.One;");
            _math.EmitBackwardReferences(_w);
            using (_w.Block($"for (int blk = 0; blk < {_blocks}; blk++)"))
            {
                _w.Line($"int cb = blk * {_gates * 8};");
                _w.Line($"int u0 = blk * 8;");
                EachHalf(_w, () => _math.EmitBackwardBlock(_w));
            }

            _w.Line();
            _math.EmitBackwardEnd(_w);
        }
    }
}
