namespace LstmGen.Generators.Model;

// Value-equatable like everything in Model/: the weights pipeline caches on these.

/// <summary>
/// A cell attribute's request for baked weights: the class (as the kernel's <see cref="CellModel"/>), the file as the
/// attribute names it, and the prefixes of the recurrent tensors and of the head (null: the format's default).
/// </summary>
internal sealed record WeightsRequest(CellModel Cell, string File, string? Prefix, string? HeadPrefix, LocationInfo? Location);

/// <summary>An additional file's path and text, as the compiler hands it over (null when it could not be read).</summary>
internal sealed record WeightsText(string Path, string? Text);

/// <summary>
/// Weights resolved from a file, as float32 little-endian bytes (compared bit for bit, so even -0 against 0 regenerates):
/// every recurrent parameter in PyTorch order, and the head's W then b when the file has one; or, when anything is wrong, only the diagnostics.
/// </summary>
internal sealed record BakedWeights(
    WeightsRequest Request,
    string FileName,
    string Format,
    string Prefix,
    EquatableArray<byte> Parameters,
    string? HeadPrefix,
    int HeadOut,
    bool HeadBias,
    EquatableArray<byte> Head,
    bool Residual,
    EquatableArray<DiagnosticInfo> Diagnostics)
{
    public bool Failed => Diagnostics.Count > 0;
}
