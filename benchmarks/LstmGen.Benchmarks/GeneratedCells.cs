namespace LstmGen.Benchmarks;

/// <summary>Generated cells for the benchmark shapes (filled in once the generator lands).</summary>
public static class GeneratedCells
{
    public static IRecurrentNetwork<float>? Create(RecurrentConfig config, ulong seed) => null;
}
