namespace LstmGen.Benchmarks;

// The benchmark shapes, specialised by the generator.
[LstmCell(Input = 1, Hidden = 8)]
public partial class StreamH8 { }

[LstmCell(Input = 1, Hidden = 16)]
public partial class StreamH16 { }

[LstmCell(Input = 1, Hidden = 32)]
public partial class StreamH32 { }

[LstmCell(Input = 1, Hidden = 40)]
public partial class StreamH40 { }

[LstmCell(Input = 1, Hidden = 64)]
public partial class StreamH64 { }

[GruCell(Input = 1, Hidden = 8)]
public partial class StreamGruH8 { }

[GruCell(Input = 1, Hidden = 16)]
public partial class StreamGruH16 { }

[GruCell(Input = 1, Hidden = 32)]
public partial class StreamGruH32 { }

[GruCell(Input = 1, Hidden = 64)]
public partial class StreamGruH64 { }

[LstmCell(Input = 5, Hidden = 6)]
public partial class StreamI5H6 { }

[LstmCell(Input = 5, Hidden = 6, Layers = 2, Bidirectional = true)]
public partial class SeedTagger { }

[LstmCell(Input = 32, Hidden = 128, Layers = 2)]
public partial class TrainingLstm { }

[GruCell(Input = 16, Hidden = 64)]
public partial class BenchGru { }

/// <summary>The generated cell declared for a scenario's shape, or null.</summary>
public static class GeneratedCells
{
    private static readonly IRecurrentNetwork<float>[] Prototypes =
        [new StreamH8(), new StreamH16(), new StreamH32(), new StreamH40(), new StreamH64(), new StreamGruH8(), new StreamGruH16(),
         new StreamGruH32(), new StreamGruH64(), new StreamI5H6(), new SeedTagger(), new TrainingLstm(), new BenchGru()];

    public static IRecurrentNetwork<float>? Create(RecurrentConfig config, ulong seed) =>
        Prototypes.FirstOrDefault(p => p.Config.Equals(config)) switch
        {
            StreamH8 => new StreamH8(seed),
            StreamH16 => new StreamH16(seed),
            StreamH32 => new StreamH32(seed),
            StreamH40 => new StreamH40(seed),
            StreamH64 => new StreamH64(seed),
            StreamGruH8 => new StreamGruH8(seed),
            StreamGruH16 => new StreamGruH16(seed),
            StreamGruH32 => new StreamGruH32(seed),
            StreamGruH64 => new StreamGruH64(seed),
            StreamI5H6 => new StreamI5H6(seed),
            SeedTagger => new SeedTagger(seed),
            TrainingLstm => new TrainingLstm(seed),
            BenchGru => new BenchGru(seed),
            _ => null,
        };
}
