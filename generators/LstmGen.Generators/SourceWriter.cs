using System;
using System.Globalization;
using System.Text;

namespace LstmGen.Generators;

/// <summary>
/// A small indented source writer. Text comes in as <see cref="FormattableString"/> and is formatted with the invariant
/// culture, so no number ever picks up a culture's minus sign or digit grouping (runtime issue 113077).
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

    /// <summary>Writes <paramref name="header"/> (if any) and an opening brace, then indents.</summary>
    public void Open(FormattableString? header = null)
    {
        if (header is not null)
        {
            Line(header);
        }

        Line($"{{");
        _indent++;
    }

    public void Close(string suffix = "")
    {
        _indent--;
        Line($"}}{suffix}");
    }

    /// <summary>A float literal that parses back to the same value in C#: round-trip digits, invariant, trailing f.</summary>
    public static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";

    public override string ToString() => _text.ToString();
}
