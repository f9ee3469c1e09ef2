namespace LstmGen.Benchmarks;

/// <summary>The implementations compared: the generic network and, where declared, a generated one.</summary>
public static class Implementations
{
    public const string Generic = "generic";
    public const string Generated = "generated";

    public static IRecurrentNetwork<float> Create(string impl, RecurrentConfig config, ulong seed = 7)
    {
        if (impl == Generic)
        {
            return new RecurrentNetwork<float>(config, seed);
        }

        return GeneratedCells.Create(config, seed)
            ?? throw new InvalidOperationException($"No generated cell is declared for {config}.");
    }
}
