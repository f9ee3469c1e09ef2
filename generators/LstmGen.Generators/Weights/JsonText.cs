using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace LstmGen.Generators.Weights;

internal enum JsonKind
{
    Object,
    Array,
    Number,
    String,
    True,
    False,
    Null,
}

/// <summary>One JSON value with the line and column it starts at (1-based), for diagnostics.</summary>
internal sealed class JsonValue
{
    public JsonValue(JsonKind kind, int line, int column)
    {
        Kind = kind;
        Line = line;
        Column = column;
    }

    public JsonKind Kind { get; }
    public int Line { get; }
    public int Column { get; }

    /// <summary>A number's value (doubles: what PyTorch's float32 <c>tolist()</c> writes is exact in them).</summary>
    public double Number { get; set; }

    /// <summary>A string's text.</summary>
    public string Text { get; set; } = "";

    /// <summary>An object's members in file order (keys are unique; the reader rejects duplicates).</summary>
    public List<KeyValuePair<string, JsonValue>> Members => _members ??= new();

    /// <summary>An array's items.</summary>
    public List<JsonValue> Items => _items ??= new();

    // Made when first used: a file of weights is mostly numbers, which need neither.
    private List<KeyValuePair<string, JsonValue>>? _members;
    private List<JsonValue>? _items;

    public JsonValue? this[string key]
    {
        get
        {
            foreach (KeyValuePair<string, JsonValue> member in Members)
            {
                if (member.Key == key)
                {
                    return member.Value;
                }
            }

            return null;
        }
    }

    public string Describe() => Kind switch
    {
        JsonKind.Object => "an object",
        JsonKind.Array => "an array",
        JsonKind.Number => "the number " + Number.ToString("R", CultureInfo.InvariantCulture),
        JsonKind.String => "the string \"" + (Text.Length > 20 ? Text.Substring(0, 20) + "..." : Text) + "\"",
        JsonKind.True => "true",
        JsonKind.False => "false",
        _ => "null",
    };
}

/// <summary>Malformed JSON, at a 1-based line and column.</summary>
internal sealed class JsonSyntaxException : Exception
{
    public JsonSyntaxException(string message, int line, int column)
        : base(message)
    {
        Line = line;
        Column = column;
    }

    public int Line { get; }
    public int Column { get; }
}

/// <summary>
/// A small strict JSON reader (RFC 8259) for weights files: the generator targets netstandard2.0 and must not depend on
/// System.Text.Json. Nesting is bounded, so a hostile file cannot overflow the compiler's stack.
/// </summary>
internal sealed class JsonText
{
    private const int MaxDepth = 64;
    private readonly string _text;
    private int _position;
    private int _line = 1;
    private int _lineStart;

    private JsonText(string text) => _text = text;

    /// <summary>Parses a whole document.</summary>
    /// <exception cref="JsonSyntaxException">The text is not one valid JSON value.</exception>
    public static JsonValue Parse(string text)
    {
        var reader = new JsonText(text);
        if (reader.Peek() == '\uFEFF')
        {
            reader._position++;
        }

        JsonValue value = reader.ReadValue(0);
        reader.SkipWhitespace();
        if (reader._position < text.Length)
        {
            throw reader.Error("unexpected text after the JSON value");
        }

        return value;
    }

    private char Peek() => _position < _text.Length ? _text[_position] : '\0';

    private JsonSyntaxException Error(string message) => new(message, _line, _position - _lineStart + 1);

    private void SkipWhitespace()
    {
        while (_position < _text.Length)
        {
            char c = _text[_position];
            if (c == '\n')
            {
                _line++;
                _lineStart = _position + 1;
            }
            else if (c != ' ' && c != '\t' && c != '\r')
            {
                return;
            }

            _position++;
        }
    }

    private JsonValue ReadValue(int depth)
    {
        SkipWhitespace();
        if (depth > MaxDepth)
        {
            throw Error(string.Format(CultureInfo.InvariantCulture, "nesting deeper than {0} levels", MaxDepth));
        }

        int line = _line, column = _position - _lineStart + 1;
        char c = Peek();
        switch (c)
        {
            case '{': return ReadObject(depth, line, column);
            case '[': return ReadArray(depth, line, column);
            case '"': return new JsonValue(JsonKind.String, line, column) { Text = ReadString() };
            case 't': Expect("true"); return new JsonValue(JsonKind.True, line, column);
            case 'f': Expect("false"); return new JsonValue(JsonKind.False, line, column);
            case 'n': Expect("null"); return new JsonValue(JsonKind.Null, line, column);
            case '\0' when _position >= _text.Length: throw Error("the text ends where a value was expected (truncated?)");
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    return new JsonValue(JsonKind.Number, line, column) { Number = ReadNumber() };
                }

                throw Error(string.Format(CultureInfo.InvariantCulture, "unexpected character '{0}' where a value was expected", c));
        }
    }

    private JsonValue ReadObject(int depth, int line, int column)
    {
        var value = new JsonValue(JsonKind.Object, line, column);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        _position++;
        SkipWhitespace();
        if (Peek() == '}')
        {
            _position++;
            return value;
        }

        while (true)
        {
            SkipWhitespace();
            if (Peek() != '"')
            {
                throw Error(_position >= _text.Length ? "the text ends inside an object (truncated?)" : "expected a quoted key");
            }

            string key = ReadString();
            if (!keys.Add(key))
            {
                throw Error("duplicate key \"" + key + "\"");
            }

            SkipWhitespace();
            if (Peek() != ':')
            {
                throw Error("expected ':' after the key \"" + key + "\"");
            }

            _position++;
            value.Members.Add(new KeyValuePair<string, JsonValue>(key, ReadValue(depth + 1)));
            SkipWhitespace();
            char next = Peek();
            _position++;
            if (next == '}')
            {
                return value;
            }

            if (next != ',')
            {
                _position--;
                throw Error(_position >= _text.Length ? "the text ends inside an object (truncated?)" : "expected ',' or '}' in an object");
            }
        }
    }

    private JsonValue ReadArray(int depth, int line, int column)
    {
        var value = new JsonValue(JsonKind.Array, line, column);
        _position++;
        SkipWhitespace();
        if (Peek() == ']')
        {
            _position++;
            return value;
        }

        while (true)
        {
            value.Items.Add(ReadValue(depth + 1));
            SkipWhitespace();
            char next = Peek();
            _position++;
            if (next == ']')
            {
                return value;
            }

            if (next != ',')
            {
                _position--;
                throw Error(_position >= _text.Length ? "the text ends inside an array (truncated?)" : "expected ',' or ']' in an array");
            }
        }
    }

    private void Expect(string word)
    {
        if (string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0)
        {
            throw Error("expected '" + word + "'");
        }

        _position += word.Length;
    }

    private double ReadNumber()
    {
        int start = _position;
        if (Peek() == '-')
        {
            _position++;
        }

        if (Peek() == '0')
        {
            _position++;
        }
        else if (!Digits())
        {
            throw Error("a number needs digits");
        }

        if (Peek() == '.')
        {
            _position++;
            if (!Digits())
            {
                throw Error("a number needs digits after '.'");
            }
        }

        if (Peek() is 'e' or 'E')
        {
            _position++;
            if (Peek() is '+' or '-')
            {
                _position++;
            }

            if (!Digits())
            {
                throw Error("a number needs digits in its exponent");
            }
        }

        string text = _text.Substring(start, _position - start);
        try
        {
            return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        catch (OverflowException)
        {
            // .NET Framework hosts throw where .NET returns infinity; either way it is not a float32.
            return text.StartsWith("-", StringComparison.Ordinal) ? double.NegativeInfinity : double.PositiveInfinity;
        }
    }

    private bool Digits()
    {
        int start = _position;
        while (Peek() >= '0' && Peek() <= '9')
        {
            _position++;
        }

        return _position > start;
    }

    private string ReadString()
    {
        _position++;
        var text = new StringBuilder();
        while (true)
        {
            if (_position >= _text.Length)
            {
                throw Error("the text ends inside a string (truncated?)");
            }

            char c = _text[_position++];
            if (c == '"')
            {
                return text.ToString();
            }

            if (c < ' ')
            {
                _position--;
                throw Error("a control character inside a string");
            }

            if (c != '\\')
            {
                text.Append(c);
                continue;
            }

            char escape = Peek();
            _position++;
            switch (escape)
            {
                case '"': text.Append('"'); break;
                case '\\': text.Append('\\'); break;
                case '/': text.Append('/'); break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'n': text.Append('\n'); break;
                case 'r': text.Append('\r'); break;
                case 't': text.Append('\t'); break;
                case 'u':
                    if (_position + 4 > _text.Length
                        || !int.TryParse(_text.Substring(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                    {
                        throw Error("\\u needs four hexadecimal digits");
                    }

                    text.Append((char)code);
                    _position += 4;
                    break;
                default:
                    _position--;
                    throw Error("an unknown escape in a string");
            }
        }
    }
}
