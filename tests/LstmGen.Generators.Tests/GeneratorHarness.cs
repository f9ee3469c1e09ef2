extern alias gen;

using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using gen::LstmGen.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LstmGen.Generators.Tests;

/// <summary>Drives <see cref="LstmGenerator"/> through <see cref="CSharpGeneratorDriver"/> and compiles its output.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions =
        new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    // Every framework assembly of this process plus the runtime library: what a consumer project references.
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal)
                || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll" or "LstmGen.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray());

    public static CSharpCompilation Compilation(params string[] sources) => Compilation(s_references.Value, sources);

    public static CSharpCompilation Compilation(IEnumerable<MetadataReference> references, params string[] sources) =>
        CSharpCompilation.Create("Consumer" + Guid.NewGuid().ToString("N"),
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Release,
                generalDiagnosticOption: ReportDiagnostic.Error, // consumers build with TreatWarningsAsErrors
                warningLevel: 9999,
                nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver(params AdditionalText[] additionalFiles) => CSharpGeneratorDriver.Create(
        [new LstmGenerator().AsSourceGenerator()],
        additionalTexts: additionalFiles,
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns the updated compilation and the run result.</summary>
    public static (Compilation Output, GeneratorDriverRunResult Result) Run(Compilation input, params AdditionalText[] additionalFiles)
    {
        GeneratorDriver driver = Driver(additionalFiles).RunGeneratorsAndUpdateCompilation(input, out Compilation output, out _);
        return (output, driver.GetRunResult());
    }

    /// <summary>Generates, compiles without any warning, and loads the assembly into a collectible context.</summary>
    public static (Assembly Assembly, AssemblyLoadContext Context) Build(params string[] sources) => Build([], sources);

    /// <summary>As <see cref="Build(string[])"/>, with AdditionalFiles (baked weights).</summary>
    public static (Assembly Assembly, AssemblyLoadContext Context) Build(AdditionalText[] additionalFiles, params string[] sources)
    {
        (Compilation output, GeneratorDriverRunResult result) = Run(Compilation(sources), additionalFiles);
        Assert.Empty(result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emit = output.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics.Take(20)));
        Assert.Empty(emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        stream.Position = 0;
        var context = new AssemblyLoadContext("generated", isCollectible: true);
        return (context.LoadFromStream(stream), context);
    }

    /// <summary>An additional file held in memory, as the compiler would hand it to the generator.</summary>
    public sealed class InMemoryText(string path, string? text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override Microsoft.CodeAnalysis.Text.SourceText? GetText(CancellationToken cancellationToken = default) =>
            text is null ? null : Microsoft.CodeAnalysis.Text.SourceText.From(text, System.Text.Encoding.UTF8);
    }

    /// <summary>The C# attribute text of a configuration.</summary>
    public static string Attribute(RecurrentConfig c)
    {
        var args = new List<string> { $"Input = {c.InputSize}", $"Hidden = {c.HiddenSize}" };
        if (c.NumLayers != 1) args.Add($"Layers = {c.NumLayers}");
        if (c.Bidirectional) args.Add("Bidirectional = true");
        if (!c.Bias) args.Add("Bias = false");
        if (c.BatchFirst) args.Add("BatchFirst = true");
        if (c.ProjSize > 0) args.Add($"ProjSize = {c.ProjSize}");
        if (c.Kind == CellKind.RnnRelu) args.Add("Nonlinearity = Nonlinearity.Relu");
        string name = c.Kind switch { CellKind.Lstm => "LstmCell", CellKind.Gru => "GruCell", _ => "RnnCell" };
        return FormattableString.Invariant($"[{name}({string.Join(", ", args)})]");
    }

    /// <summary>A source file declaring one public cell class per configuration, named Cell0, Cell1, ...</summary>
    public static string CellsSource(IReadOnlyList<RecurrentConfig> configs)
    {
        var text = new System.Text.StringBuilder("using LstmGen;\n\nnamespace Drawn;\n\n");
        for (int i = 0; i < configs.Count; i++)
        {
            text.Append("/// <summary>A drawn shape.</summary>\n").Append(Attribute(configs[i]))
                .Append(FormattableString.Invariant($"\npublic partial class Cell{i} {{ }}\n\n"));
        }

        return text.ToString();
    }
}
