namespace LstmGen.Generators.Model;

// Every type in Model/ MUST stay value-equatable: primitives, strings, enums and EquatableArray only. No ISymbol,
// SyntaxNode, Location or Compilation: they would defeat incremental caching and keep whole compilations alive.

/// <summary>A containing type of the cell class, outermost first, as it must be re-declared around the generated part.</summary>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>
/// What the parser extracts from one valid cell attribute: where the class lives, the network's shape, and whether
/// weights are baked in (the seed constructor then has no default, so that <c>new T()</c> means the baked weights).
/// </summary>
internal sealed record CellModel(
    string Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string ClassName,
    string AttributeName,
    CellKind Kind,
    int Input,
    int Hidden,
    int Layers,
    bool Bidirectional,
    bool Bias,
    bool BatchFirst,
    int ProjSize,
    bool HasBakedWeights = false)
{
    /// <summary>The shared, validated configuration (the same type the runtime uses).</summary>
    public RecurrentConfig ToConfig() => new(Kind, Input, Hidden, Layers, Bidirectional, Bias, BatchFirst, ProjSize);

    /// <summary>Unique hint name of the generated file.</summary>
    public string HintName
    {
        get
        {
            var name = new System.Text.StringBuilder();
            if (Namespace.Length > 0)
            {
                name.Append(Namespace).Append('.');
            }

            foreach (ContainingType t in ContainingTypes)
            {
                name.Append(t.Name).Append('.');
            }

            return name.Append(ClassName).Append(".LstmGen.g.cs").Replace("@", "").ToString();
        }
    }
}

/// <summary>Where a diagnostic points: file path and spans, rebuilt into a Location only when reported.</summary>
internal sealed record LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn);

/// <summary>A diagnostic to report, with message arguments as strings.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments);

/// <summary>
/// The parse step's result: the model (null when no kernel is generated), the diagnostics, and for a class whose
/// attribute values are invalid the model to declare its members from, so that code using it gets no knock-on errors;
/// and the baked-weights request of a valid attribute that names a weights file.
/// </summary>
internal sealed record ParseResult(CellModel? Model, EquatableArray<DiagnosticInfo> Diagnostics, CellModel? Placeholder = null,
    WeightsRequest? Weights = null);
