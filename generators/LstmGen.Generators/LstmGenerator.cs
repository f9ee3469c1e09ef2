using System;
using System.Collections.Immutable;
using LstmGen.Generators.Model;
using LstmGen.Generators.Weights;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Generators;

/// <summary>Turns [LstmCell], [GruCell] and [RnnCell] on partial classes into specialised kernels.</summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class LstmGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline stages (tests inspect them for incrementality).</summary>
    internal static class Steps
    {
        public const string Parse = "Parse";
        public const string Model = "Model";
        public const string Plan = "Plan";
        public const string Diagnostics = "Diagnostics";
        public const string Placeholder = "Placeholder";
        public const string WeightsFiles = "WeightsFiles";
        public const string Weights = "Weights";
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Candidate weights files as (path, text): equatable, so an unchanged file leaves everything after it cached.
        IncrementalValueProvider<ImmutableArray<WeightsText>> weightsFiles = context.AdditionalTextsProvider
            .Where(static t => t.Path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
                || t.Path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            .Select(static (t, ct) => new WeightsText(t.Path, t.GetText(ct)?.ToString()))
            .WithTrackingName(Steps.WeightsFiles)
            .Collect();

        foreach (string attribute in CellAttributes)
        {
            // The transform only reads the attribute into an equatable result; planning happens in a later Select.
            IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(attribute, static (node, _) => node is TypeDeclarationSyntax, Parse)
                .WithTrackingName(Steps.Parse);

            IncrementalValuesProvider<KernelPlan> plans = parsed
                .Where(static r => r.Model is not null)
                .Select(static (r, _) => r.Model!)
                .WithTrackingName(Steps.Model)
                .Select(static (m, _) => Planner.Plan(m))
                .WithTrackingName(Steps.Plan);

            IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = parsed
                .Select(static (r, _) => r.Diagnostics)
                .Where(static d => d.Count > 0)
                .WithTrackingName(Steps.Diagnostics);

            context.RegisterSourceOutput(plans, static (spc, plan) => EmitSafely(spc, plan));

            IncrementalValuesProvider<CellModel> placeholders = parsed
                .Where(static r => r.Placeholder is not null)
                .Select(static (r, _) => r.Placeholder!)
                .WithTrackingName(Steps.Placeholder);
            context.RegisterSourceOutput(placeholders, static (spc, model) => spc.AddSource(model.HintName, Emitter.EmitPlaceholder(model)));
            // Baked weights: each request with the candidate files, resolved to the tensors (or diagnostics), then emitted.
            IncrementalValuesProvider<BakedWeights> baked = parsed
                .Where(static r => r.Weights is not null)
                .Select(static (r, _) => r.Weights!)
                .Combine(weightsFiles)
                .Select(static (pair, _) => WeightsResolver.Resolve(pair.Left, pair.Right))
                .WithTrackingName(Steps.Weights);
            context.RegisterSourceOutput(baked, static (spc, weights) => EmitWeightsSafely(spc, weights));

            context.RegisterSourceOutput(diagnostics, static (spc, list) =>
            {
                foreach (DiagnosticInfo info in list)
                {
                    spc.ReportDiagnostic(ToDiagnostic(info));
                }
            });
        }
    }

    private static void EmitWeightsSafely(SourceProductionContext context, BakedWeights weights)
    {
        foreach (DiagnosticInfo info in weights.Diagnostics)
        {
            context.ReportDiagnostic(ToDiagnostic(info));
        }

        try
        {
            context.AddSource(WeightsEmitter.HintName(weights.Request.Cell), WeightsEmitter.Emit(weights));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.ReportDiagnostic(Diagnostic.Create(Diagnostics.InternalError, Location.None, weights.Request.Cell.ClassName, e.GetType().Name + ": " + e.Message));
        }
    }

    private static void EmitSafely(SourceProductionContext context, KernelPlan plan)
    {
        string? source = TryEmit(plan, out Diagnostic? error);
        if (source is null)
        {
            context.ReportDiagnostic(error!);
            return;
        }

        context.AddSource(plan.Model.HintName, source);
    }

    /// <summary>Emits the source, or returns null with an LSTMGEN012 diagnostic: the generator never throws.</summary>
    internal static string? TryEmit(KernelPlan plan, out Diagnostic? error)
    {
        error = null;
        try
        {
            return Emitter.Emit(plan);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = Diagnostic.Create(Diagnostics.InternalError, Location.None, plan.Model.ClassName, e.GetType().Name + ": " + e.Message);
            return null;
        }
    }
}
