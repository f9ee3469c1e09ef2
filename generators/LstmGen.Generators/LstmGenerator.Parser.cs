using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LstmGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Generators;

public sealed partial class LstmGenerator
{
    internal const string LstmAttribute = "LstmGen.LstmCellAttribute";
    internal const string GruAttribute = "LstmGen.GruCellAttribute";
    internal const string RnnAttribute = "LstmGen.RnnCellAttribute";

    private static readonly string[] CellAttributes = { LstmAttribute, GruAttribute, RnnAttribute };

    /// <summary>Attribute to model plus diagnostics. Never throws: a failure becomes LSTMGEN012.</summary>
    internal static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        string className = context.TargetSymbol.Name;
        LocationInfo? location = null;
        try
        {
            AttributeData attribute = context.Attributes[0];
            location = LocationOf(attribute, context.TargetNode, cancellationToken);
            return ParseCore(context, attribute, location, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception e)
        {
            return Fail(Diagnostics.InternalError, location, className, e.GetType().Name + ": " + e.Message);
        }
    }

    private static ParseResult ParseCore(GeneratorAttributeSyntaxContext context, AttributeData attribute, LocationInfo? location,
        CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || attribute.AttributeClass is null
            || attribute.AttributeClass.TypeKind == TypeKind.Error)
        {
            return Nothing;
        }

        string attributeName = attribute.AttributeClass.Name.EndsWith("Attribute", StringComparison.Ordinal)
            ? attribute.AttributeClass.Name.Substring(0, attribute.AttributeClass.Name.Length - "Attribute".Length)
            : attribute.AttributeClass.Name;
        string name = type.Name;

        // Several cell attributes: only the first (in source order) reports, so the error appears once.
        List<AttributeData> cells = type.GetAttributes()
            .Where(a => a.AttributeClass is not null && CellAttributes.Contains(a.AttributeClass.ToDisplayString()))
            .OrderBy(a => a.ApplicationSyntaxReference?.Span.Start ?? 0)
            .ToList();
        if (cells.Count > 1)
        {
            return cells[0].ApplicationSyntaxReference?.Span == attribute.ApplicationSyntaxReference?.Span
                ? Fail(Diagnostics.MultipleCells, location, name, string.Join(", ", cells.Select(c => c.AttributeClass!.Name)))
                : Nothing;
        }

        if (type.TypeKind != TypeKind.Class || type.IsRecord)
        {
            return Fail(Diagnostics.Unsupported, location, name, attributeName, "is a record");
        }

        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.IsGenericType)
            {
                return Fail(Diagnostics.Generic, location, name, attributeName);
            }
        }

        if (!IsPartial(type, cancellationToken))
        {
            return Fail(Diagnostics.NotPartial, location, name, attributeName);
        }

        if (type.IsStatic)
        {
            return Fail(Diagnostics.Unsupported, location, name, attributeName, "is static");
        }

        if (type.BaseType is { SpecialType: not SpecialType.System_Object } baseType)
        {
            return Fail(Diagnostics.Unsupported, location, name, attributeName, $"derives from '{baseType.ToDisplayString()}'");
        }

        if (GeneratedMembers.Methods.Contains(name) || GeneratedMembers.Others.Contains(name))
        {
            return Fail(Diagnostics.Unsupported, location, name, attributeName, $"is named like the generated member '{name}'; rename the class");
        }

        ISymbol? clash = type.GetMembers().FirstOrDefault(m => !m.IsImplicitlyDeclared
            && (GeneratedMembers.Others.Contains(m.Name) || (GeneratedMembers.Methods.Contains(m.Name) && m is not IMethodSymbol)));
        if (clash is not null)
        {
            return Fail(Diagnostics.Unsupported, location, name, attributeName, $"declares '{clash.Name}', a name the generated part uses");
        }

        var containing = new List<ContainingType>();
        for (INamedTypeSymbol? t = type.ContainingType; t is not null; t = t.ContainingType)
        {
            if (!IsPartial(t, cancellationToken))
            {
                return Fail(Diagnostics.ContainingNotPartial, location, name, attributeName, t.Name);
            }

            containing.Insert(0, new ContainingType(Keyword(t), Escape(t.Name)));
        }

        // Named arguments with the attributes' defaults; an argument the compiler could not bind is its error, not ours.
        int input = 0, hidden = 0, layers = 1, proj = 0, nonlinearity = 0;
        bool bidirectional = false, bias = true, batchFirst = false, inputGiven = false, hiddenGiven = false;
        string? weights = null, weightsPrefix = null, headPrefix = null;
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            // The string arguments may be null (as if not given); nothing else can be.
            bool text = argument.Key is "Weights" or "WeightsPrefix" or "HeadPrefix";
            if (argument.Value.Kind == TypedConstantKind.Error || (argument.Value.Value is null && !text))
            {
                return Nothing;
            }

            object value = argument.Value.Value!;
            switch (argument.Key)
            {
                case "Input": input = (int)value; inputGiven = true; break;
                case "Hidden": hidden = (int)value; hiddenGiven = true; break;
                case "Layers": layers = (int)value; break;
                case "ProjSize": proj = (int)value; break;
                case "Nonlinearity": nonlinearity = (int)value; break;
                case "Bidirectional": bidirectional = (bool)value; break;
                case "Bias": bias = (bool)value; break;
                case "BatchFirst": batchFirst = (bool)value; break;
                case "Weights": weights = (string?)value; break;
                case "WeightsPrefix": weightsPrefix = (string?)value; break;
                case "HeadPrefix": headPrefix = (string?)value; break;
            }
        }

        CellKind kind;
        var diagnostics = new List<DiagnosticInfo>();
        switch (attribute.AttributeClass.ToDisplayString())
        {
            case LstmAttribute: kind = CellKind.Lstm; break;
            case GruAttribute: kind = CellKind.Gru; break;
            default:
                if (nonlinearity != (int)Nonlinearity.Tanh && nonlinearity != (int)Nonlinearity.Relu)
                {
                    // Reported alone: the sizes of a cell of unknown kind are not checked.
                    diagnostics.Add(Info(Diagnostics.UnknownValue, location, attributeName, name,
                        Invariant($"Nonlinearity must be Tanh or Relu, but was {nonlinearity}")));
                }

                kind = nonlinearity == (int)Nonlinearity.Relu ? CellKind.RnnRelu : CellKind.RnnTanh;
                break;
        }

        // The runtime's own validation decides; each kind of error maps to its diagnostic.
        foreach (ConfigError error in diagnostics.Count > 0 ? [] : RecurrentConfig.Validate(kind, input, hidden, layers, bidirectional, bias, proj))
        {
            diagnostics.Add(error.Kind switch
            {
                // A size left out is "required", not "was 0".
                ConfigErrorKind.NotPositive when error.Argument == "inputSize" && !inputGiven =>
                    Info(Diagnostics.Required, location, attributeName, name, "Input", "the features per time step, input_size"),
                ConfigErrorKind.NotPositive when error.Argument == "hiddenSize" && !hiddenGiven =>
                    Info(Diagnostics.Required, location, attributeName, name, "Hidden", "the units per gate, hidden_size"),
                ConfigErrorKind.NotPositive => Info(Diagnostics.NotPositive, location, attributeName, name, PropertyOf(error.Argument),
                    Invariant($"{(error.Argument == "inputSize" ? input : error.Argument == "hiddenSize" ? hidden : layers)}")),
                ConfigErrorKind.BadProjection => Info(Diagnostics.BadProjection, location, attributeName, name, Invariant($"{hidden}"), Invariant($"{proj}")),
                ConfigErrorKind.ProjectionNotLstm => Info(Diagnostics.ProjectionNotLstm, location, attributeName, name, Invariant($"{proj}")),
                ConfigErrorKind.TooLarge => Info(Diagnostics.TooLarge, location, attributeName, name, error.Message),
                _ => Info(Diagnostics.UnknownValue, location, attributeName, name, error.Message),
            });
        }

        // Keyword-named identifiers (namespace @event, class @class) stay escaped in the emitted declarations.
        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n
            ? n.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted))
            : "";
        if (weights is not null)
        {
            ISymbol? bakedClash = type.GetMembers().FirstOrDefault(m => !m.IsImplicitlyDeclared && GeneratedMembers.Baked.Contains(m.Name));
            if (bakedClash is not null)
            {
                return Fail(Diagnostics.Unsupported, location, name, attributeName, $"declares '{bakedClash.Name}', a name the generated part uses for baked weights");
            }
        }

        var model = new CellModel(ns, new EquatableArray<ContainingType>(containing), Escape(name), attributeName, kind,
            input, hidden, layers, bidirectional, bias, batchFirst, proj, HasBakedWeights: weights is not null);
        if (diagnostics.Count > 0)
        {
            // The class itself is fine and only the attribute's values are not: a declaration of the members keeps code
            // that uses the class free of knock-on errors, so the user sees this one error.
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics), Placeholder: model);
        }

        KernelPlan plan = Planner.Plan(model);
        if (plan.Form == StepForm.Generic)
        {
            diagnostics.Add(Info(Diagnostics.Delegated, location, attributeName, name, Invariant($"{plan.Layout.PackedLength}")));
        }
        else if (plan.Form == StepForm.Looped)
        {
            diagnostics.Add(Info(Diagnostics.Looped, location, attributeName, name, Invariant($"{plan.EstimatedStepIl}"),
                Invariant($"{Planner.MaxUnrolledStepIl}")));
        }

        WeightsRequest? request = weights is null ? null : new WeightsRequest(model, weights, weightsPrefix, headPrefix, location);
        return new ParseResult(model, new EquatableArray<DiagnosticInfo>(diagnostics), Weights: request);
    }

    private static readonly ParseResult Nothing = new(null, EquatableArray<DiagnosticInfo>.Empty);

    private static string PropertyOf(string argument) => argument switch
    {
        "inputSize" => "Input",
        "hiddenSize" => "Hidden",
        "numLayers" => "Layers",
        _ => argument,
    };

    private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences.All(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax t
            && t.Modifiers.Any(m => m.IsKind(SyntaxKind.PartialKeyword)));

    private static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(identifier) != SyntaxKind.None
            ? "@" + identifier
            : identifier;

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };

    private static LocationInfo? LocationOf(AttributeData attribute, SyntaxNode fallback, CancellationToken cancellationToken)
    {
        Location location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? fallback.GetLocation();
        if (location.SourceTree is null)
        {
            return null;
        }

        FileLinePositionSpan lines = location.GetLineSpan();
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan.Start, location.SourceSpan.Length,
            lines.StartLinePosition.Line, lines.StartLinePosition.Character, lines.EndLinePosition.Line, lines.EndLinePosition.Character);
    }

    private static DiagnosticInfo Info(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor.Id, location, new EquatableArray<string>(arguments));

    private static ParseResult Fail(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(null, new EquatableArray<DiagnosticInfo>(new[] { Info(descriptor, location, arguments) }));

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>Turns an equatable diagnostic back into a Roslyn one.</summary>
    internal static Diagnostic ToDiagnostic(DiagnosticInfo info)
    {
        Location location = info.Location is { } l
            ? Location.Create(l.FilePath, new Microsoft.CodeAnalysis.Text.TextSpan(l.Start, l.Length),
                new Microsoft.CodeAnalysis.Text.LinePositionSpan(new Microsoft.CodeAnalysis.Text.LinePosition(l.StartLine, l.StartColumn),
                    new Microsoft.CodeAnalysis.Text.LinePosition(l.EndLine, l.EndColumn)))
            : Location.None;
        return Diagnostic.Create(Diagnostics.ById(info.Id), location, info.Arguments.Cast<object>().ToArray());
    }
}
