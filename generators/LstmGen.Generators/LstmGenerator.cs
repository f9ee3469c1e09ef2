using Microsoft.CodeAnalysis;

namespace LstmGen.Generators;

/// <summary>Turns [LstmCell], [GruCell] and [RnnCell] on partial classes into specialised kernels.</summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class LstmGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // The pipeline is filled in by the generator issue.
    }
}
