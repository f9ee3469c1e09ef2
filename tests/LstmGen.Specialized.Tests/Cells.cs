using LstmGen;

namespace LstmGen.Specialized.Tests;

// The seed's example: a 2-layer bidirectional tagger.
[LstmCell(Input = 5, Hidden = 6, Layers = 2, Bidirectional = true)]
public partial class Tagger { }

[LstmCell(Input = 3, Hidden = 2)]
public partial class TinyLstm { }

[LstmCell(Input = 1, Hidden = 8)]
public partial class AudioLstm { }

[LstmCell(Input = 16, Hidden = 32)]
public partial class WideLstm { }

[LstmCell(Input = 4, Hidden = 5, Bias = false)]
public partial class NoBiasLstm { }

[LstmCell(Input = 5, Hidden = 6, Layers = 2, BatchFirst = true)]
public partial class BatchFirstLstm { }

[LstmCell(Input = 5, Hidden = 6, Layers = 2)]
public partial class StackedLstm { }

[LstmCell(Input = 5, Hidden = 8, Layers = 2, ProjSize = 3)]
public partial class ProjectedLstm { }

[LstmCell(Input = 8, Hidden = 16, Layers = 3, Bidirectional = true)]
public partial class DeepBiLstm { }

[GruCell(Input = 4, Hidden = 7)]
public partial class SmallGru { }

[GruCell(Input = 5, Hidden = 6, Layers = 2, Bidirectional = true)]
public partial class BiGru { }

/// <summary>Two blocks of 8 units: Cell512's second r and z straddle two 512-bit accumulators.</summary>
[GruCell(Input = 3, Hidden = 16)]
public partial class TwoBlockGru { }

[RnnCell(Input = 3, Hidden = 4, Nonlinearity = Nonlinearity.Relu)]
public partial class ReluRnn { }

[RnnCell(Input = 5, Hidden = 6, Layers = 2, Bidirectional = true)]
public partial class BiTanhRnn { }

/// <summary>A unidirectional tanh RNN, so Step covers both nonlinearities.</summary>
[RnnCell(Input = 3, Hidden = 5)]
public partial class TanhRnn { }

/// <summary>Over the unroll budget (the looped kernel), and nested in a partial containing type.</summary>
public static partial class Models
{
    [LstmCell(Input = 20, Hidden = 70, Layers = 2)]
    public partial class LargeLstm { }

    /// <summary>
    /// Looped, with recurrent rows of 1 KB: padded by a cache line (PackedLayout.RecurrentStride) and walked in serpentine
    /// tile order; two layers, so the padding also moves the second layer's section.
    /// </summary>
    [LstmCell(Input = 2, Hidden = 64, Layers = 2)]
    public partial class PaddedLstm { }

    /// <summary>Large enough that Step's per-row scratch (packed gates and record) is rented instead of on the stack.</summary>
    [GruCell(Input = 40, Hidden = 300, Layers = 2)]
    public partial class LargeGru { }
}

/// <summary>Every declared cell, so tests can pick one by configuration.</summary>
internal static class Declared
{
    public static IReadOnlyList<Func<IRecurrentNetwork<float>>> All { get; } =
    [
        () => new Tagger(), () => new TinyLstm(), () => new AudioLstm(), () => new WideLstm(), () => new NoBiasLstm(),
        () => new BatchFirstLstm(), () => new StackedLstm(), () => new ProjectedLstm(), () => new DeepBiLstm(),
        () => new SmallGru(), () => new BiGru(), () => new TwoBlockGru(), () => new ReluRnn(), () => new BiTanhRnn(), () => new TanhRnn(), () => new Models.LargeLstm(),
        () => new Models.PaddedLstm(), () => new Models.LargeGru(),
    ];

    public static IRecurrentNetwork<float>? ForConfig(RecurrentConfig config) =>
        All.Select(f => f()).FirstOrDefault(n => n.Config.Equals(config));

    public static TheoryData<string> Names() => new(All.Select(f => f().GetType().Name));

    public static IRecurrentNetwork<float> ByName(string name) => All.Select(f => f()).Single(n => n.GetType().Name == name);
}
