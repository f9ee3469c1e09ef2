using Microsoft.CodeAnalysis;

namespace LstmGen.Generators;

/// <summary>Every diagnostic the generator reports, in one place. Each points at the cell attribute.</summary>
internal static class Diagnostics
{
    private const string Category = "LstmGen";

    public static readonly DiagnosticDescriptor NotPartial = Error("LSTMGEN001", "Cell class must be partial",
        "'{0}' has [{1}] but is not declared partial; add the partial modifier so the generated kernels can be added");

    public static readonly DiagnosticDescriptor Generic = Error("LSTMGEN002", "Cell class must not be generic",
        "'{0}' has [{1}] but is generic or nested in a generic type; generated kernels need fixed, non-generic types");

    public static readonly DiagnosticDescriptor MultipleCells = Error("LSTMGEN003", "More than one cell attribute",
        "'{0}' has more than one cell attribute ({1}); a class is exactly one LSTM, GRU or RNN");

    public static readonly DiagnosticDescriptor NotPositive = Error("LSTMGEN004", "Size must be positive",
        "[{0}] on '{1}': {2} must be at least 1, but was {3}");

    public static readonly DiagnosticDescriptor BadProjection = Error("LSTMGEN005", "Invalid ProjSize",
        "[{0}] on '{1}': ProjSize must be 0 (no projection) or between 1 and Hidden - 1 ({2}), but was {3}");

    public static readonly DiagnosticDescriptor ProjectionNotLstm = Error("LSTMGEN006", "ProjSize is LSTM only",
        "[{0}] on '{1}': ProjSize is only supported by the LSTM, but was {2}");

    public static readonly DiagnosticDescriptor TooLarge = Error("LSTMGEN007", "Network too large",
        "[{0}] on '{1}': {2}");

    public static readonly DiagnosticDescriptor Looped = new("LSTMGEN008", "Shape over the unroll budget",
        "[{0}] on '{1}': the recurrent step would be about {2} bytes of IL unrolled, over the budget of {3}; looped kernels with register tiling are generated instead",
        Category, DiagnosticSeverity.Info, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ContainingNotPartial = Error("LSTMGEN009", "Containing type must be partial",
        "'{0}' has [{1}] but its containing type '{2}' is not partial; add the partial modifier to every containing type");

    public static readonly DiagnosticDescriptor Unsupported = Error("LSTMGEN010", "Unsupported cell class",
        "'{0}' has [{1}] but {2}; the generated part declares the interface, constructors and fields itself");

    public static readonly DiagnosticDescriptor UnknownValue = Error("LSTMGEN011", "Unknown enum value",
        "[{0}] on '{1}': {2}");

    public static readonly DiagnosticDescriptor Delegated = new("LSTMGEN013", "Shape too large to specialise",
        "[{0}] on '{1}': the packed weights would need {2} floats, more than the kernels index; the class delegates to the generic implementation",
        Category, DiagnosticSeverity.Info, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Required = Error("LSTMGEN015", "Required size missing",
        "[{0}] on '{1}': {2} is required ({3})");

    public static readonly DiagnosticDescriptor WeightsNotFound = Error("LSTMGEN016", "Weights file not found",
        "[{0}] on '{1}': the weights file '{2}' is not among the project's AdditionalFiles; add <AdditionalFiles Include=\"{2}\" /> to the project");

    public static readonly DiagnosticDescriptor WeightsAmbiguous = Error("LSTMGEN017", "Weights file ambiguous",
        "[{0}] on '{1}': the weights file '{2}' matches {3} AdditionalFiles ({4}); give more of its path");

    public static readonly DiagnosticDescriptor WeightsFormat = Error("LSTMGEN018", "Weights file unreadable or unsupported",
        "[{0}] on '{1}': the weights file '{2}' {3}");

    public static readonly DiagnosticDescriptor WeightsTensor = Error("LSTMGEN019", "Weights tensor missing or of the wrong shape",
        "[{0}] on '{1}': in the weights file '{2}', {3}");

    public static readonly DiagnosticDescriptor WeightsValue = Error("LSTMGEN020", "Weights value not a float32",
        "[{0}] on '{1}': in the weights file '{2}', {3}; only finite numbers that fit a float32 can be baked");

    public static readonly DiagnosticDescriptor InternalError = Error("LSTMGEN012", "Generator failure",
        "The LstmGen generator failed on '{0}': {1}; please report this with the attribute that caused it");

    /// <summary>Looks a descriptor up by id (diagnostics travel through the pipeline as equatable ids and strings).</summary>
    public static DiagnosticDescriptor ById(string id) => id switch
    {
        "LSTMGEN001" => NotPartial,
        "LSTMGEN002" => Generic,
        "LSTMGEN003" => MultipleCells,
        "LSTMGEN004" => NotPositive,
        "LSTMGEN005" => BadProjection,
        "LSTMGEN006" => ProjectionNotLstm,
        "LSTMGEN007" => TooLarge,
        "LSTMGEN008" => Looped,
        "LSTMGEN009" => ContainingNotPartial,
        "LSTMGEN010" => Unsupported,
        "LSTMGEN011" => UnknownValue,
        "LSTMGEN013" => Delegated,
        "LSTMGEN015" => Required,
        "LSTMGEN016" => WeightsNotFound,
        "LSTMGEN017" => WeightsAmbiguous,
        "LSTMGEN018" => WeightsFormat,
        "LSTMGEN019" => WeightsTensor,
        "LSTMGEN020" => WeightsValue,
        _ => InternalError,
    };

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
