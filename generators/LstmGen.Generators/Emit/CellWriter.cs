using System;
using System.Collections.Generic;
using static LstmGen.Generators.Emit.Code;

namespace LstmGen.Generators.Emit;

/// <summary>
/// One batch row of a cell method. Every name that belongs to a row (its parameters and locals) is taken from here, so a
/// cell for several rows is written from the same code: with one row the names are as given, with more each row's names
/// get its suffix (<c>xp_0</c>, <c>xp_1</c>). A name written without it is shared by all rows (the weights).
/// </summary>
internal readonly struct Row
{
    private readonly int _index;
    private readonly int _count;

    public Row(int index, int count)
    {
        _index = index;
        _count = count;
    }

    /// <summary>This row's name for <paramref name="name"/>.</summary>
    public string this[string name] => _count == 1 ? name : Inv($"{name}_{_index}");
}

/// <summary>
/// Writes the statements of a cell for one or two batch rows: each statement once per row, row 0 first, so that with two
/// rows their independent dependent chains interleave in one instruction stream. Comments and braces appear once.
/// </summary>
internal sealed class CellWriter
{
    public CellWriter(SourceWriter output, int rows)
    {
        Out = output;
        Rows = rows;
    }

    /// <summary>Where the code goes.</summary>
    public SourceWriter Out { get; }

    /// <summary>Rows written at once: 1 or 2.</summary>
    public int Rows { get; }

    // Pairs of 256-bit accumulators that are the halves of one 512-bit accumulator (Cell512's products), by name.
    private readonly Dictionary<(string Lower, string Upper), string> _wide = new();

    /// <summary>Writes <paramref name="statement"/> for every row.</summary>
    public void Each(Func<Row, FormattableString> statement)
    {
        for (int r = 0; r < Rows; r++)
        {
            Out.Line(statement(new Row(r, Rows)));
        }
    }

    /// <summary>A line written once: a comment, or a statement on shared names only.</summary>
    public void Once(FormattableString line) => Out.Line(line);

    /// <summary>A scope shared by the rows.</summary>
    public SourceWriter.BlockScope Block(FormattableString? header = null) => Out.Block(header);

    /// <summary>
    /// <c>result = function(argument)</c> for one vector per row, with <paramref name="function"/> Sigmoid or Tanh. Two
    /// rows take one pair evaluation (one 512-bit evaluation where accelerated), which gives the same values.
    /// </summary>
    public void Activate(string function, string result, string argument)
    {
        if (Rows == 2)
        {
            Row a = new(0, 2), b = new(1, 2);
            Out.Line($"({VF} {a[result]}, {VF} {b[result]}) = {VM}.{function}Pair({a[argument]}, {b[argument]});");
        }
        else
        {
            Each(r => $"{VF} {r[result]} = {VM}.{function}({r[argument]});");
        }
    }

    /// <summary>Marks <paramref name="lower"/> and <paramref name="upper"/> as the halves of <paramref name="wide"/>, for the current tile.</summary>
    public void MarkWide(string lower, string upper, string wide) => _wide[(lower, upper)] = wide;

    /// <summary>Forgets the marked halves (a new tile).</summary>
    public void ClearWide() => _wide.Clear();

    /// <summary>Whether <paramref name="lower"/> and <paramref name="upper"/> are the halves of one marked accumulator.</summary>
    public bool IsHalves(string lower, string upper) => _wide.ContainsKey((lower, upper));

    /// <summary>Whether the current tile's products are 512-bit accumulators (Cell512's).</summary>
    public bool IsWide => _wide.Count > 0;

    /// <summary>
    /// <c>(resultA, resultB) = function(argA, argB)</c> per row, as one pair evaluation (one 512-bit evaluation where
    /// accelerated). Where the two arguments are the halves of one marked 512-bit accumulator, that accumulator is
    /// evaluated as it is, with the same values: no repacking on the dependent chain. Otherwise, with
    /// <paramref name="split"/>, one row takes two 256-bit evaluations side by side (a shorter chain than packing and a
    /// 512-bit evaluation, for more instructions: for steps bound by their chain).
    /// </summary>
    public void ActivatePair(string function, string resultA, string resultB, string argA, string argB, bool split = false)
    {
        if (Rows == 1 && _wide.TryGetValue((argA, argB), out string? wide))
        {
            Out.Line($"({VF} {resultA}, {VF} {resultB}) = {VM}.{function}Halves({wide});");
            return;
        }

        if (split && Rows == 1)
        {
            Activate(function, resultA, argA);
            Activate(function, resultB, argB);
            return;
        }

        Each(r => $"({VF} {r[resultA]}, {VF} {r[resultB]}) = {VM}.{function}Pair({r[argA]}, {r[argB]});");
    }
}
