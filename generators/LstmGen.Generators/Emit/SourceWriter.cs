using System;
using System.Globalization;
using System.Text;

namespace LstmGen.Generators.Emit;

/// <summary>
/// A small indented source writer. Text comes in as <see cref="FormattableString"/> and is formatted with the invariant
/// culture, so no number ever picks up a culture's minus sign or digit grouping (runtime issue 113077). Braces come from
/// <see cref="Block"/>, whose disposal closes them, so no brace is paired by hand.
/// </summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public void Line(FormattableString line)
    {
        string text = line.ToString(CultureInfo.InvariantCulture);
        if (text.Length > 0)
        {
            _text.Append(' ', _indent * 4).Append(text);
        }

        _text.Append('\n');
    }

    public void Line() => _text.Append('\n');

    /// <summary>
    /// Writes <paramref name="header"/> (if any) and an opening brace, indents, and closes on disposal with
    /// <paramref name="close"/> (<c>"};"</c> for an initializer).
    /// </summary>
    public BlockScope Block(FormattableString? header = null, string close = "}")
    {
        if (header is not null)
        {
            Line(header);
        }

        Line($"{{");
        _indent++;
        return new BlockScope(this, close);
    }

    /// <summary>Closes its block when disposed.</summary>
    public readonly struct BlockScope : IDisposable
    {
        private readonly SourceWriter _writer;
        private readonly string _close;

        public BlockScope(SourceWriter writer, string close)
        {
            _writer = writer;
            _close = close;
        }

        public void Dispose()
        {
            _writer._indent--;
            _writer.Line($"{_close}");
        }
    }

    public override string ToString() => _text.ToString();
}
