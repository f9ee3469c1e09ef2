namespace LstmGen;

/// <summary>
/// Common properties of the cell attributes. They mirror the constructor arguments of the PyTorch modules;
/// the source generator reads them and emits a kernel specialised for these fixed dimensions.
/// </summary>
public abstract class RecurrentCellAttribute : Attribute
{
    /// <summary><c>input_size</c>; required, at least 1.</summary>
    public int Input { get; set; }
    /// <summary><c>hidden_size</c>; required, at least 1.</summary>
    public int Hidden { get; set; }
    /// <summary><c>num_layers</c>; default 1.</summary>
    public int Layers { get; set; } = 1;
    /// <summary><c>bidirectional</c>; default false.</summary>
    public bool Bidirectional { get; set; }
    /// <summary><c>bias</c>; default true.</summary>
    public bool Bias { get; set; } = true;
    /// <summary><c>batch_first</c>; default false.</summary>
    public bool BatchFirst { get; set; }
}

/// <summary>Generates an LSTM (<c>torch.nn.LSTM</c>) specialised for these dimensions on a partial class.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LstmCellAttribute : RecurrentCellAttribute
{
    /// <summary><c>proj_size</c>; 0 (default) for none, else below <see cref="RecurrentCellAttribute.Hidden"/>.</summary>
    public int ProjSize { get; set; }
}

/// <summary>Generates a GRU (<c>torch.nn.GRU</c>) specialised for these dimensions on a partial class.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class GruCellAttribute : RecurrentCellAttribute
{
}

/// <summary>Generates an Elman RNN (<c>torch.nn.RNN</c>) specialised for these dimensions on a partial class.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RnnCellAttribute : RecurrentCellAttribute
{
    /// <summary><c>nonlinearity</c>: tanh (default) or relu.</summary>
    public Nonlinearity Nonlinearity { get; set; } = Nonlinearity.Tanh;
}
