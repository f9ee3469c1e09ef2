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

    /// <summary>
    /// A JSON weights file to bake into the class at build time, listed in the project as
    /// <c>&lt;AdditionalFiles Include="..." /&gt;</c> (matched by the end of its path). <c>new T()</c> then constructs with
    /// these weights and reads no file; the generator also adds <c>CreateBakedParameters()</c> and, when the file has a head,
    /// <c>CreateBakedHead()</c> and <c>CreateBakedModel()</c>. Read: a PyTorch <c>state_dict</c> as JSON (tensors as nested
    /// arrays, alone or under <c>"state_dict"</c>; what <c>RecurrentModel.SaveJson</c> writes), GuitarML amp models and
    /// AIDA-X amp models without gains.
    /// A missing file, a missing or misshapen tensor and a value that is not a float32 are build errors (LSTMGEN016-020).
    /// </summary>
    public string? Weights { get; set; }

    /// <summary>
    /// The prefix of the recurrent tensors in <see cref="Weights"/>, e.g. <c>"lstm."</c>; default: <c>"rec."</c> in a
    /// GuitarML file, else found from the one tensor named <c>*weight_ih_l0</c>.
    /// </summary>
    public string? WeightsPrefix { get; set; }

    /// <summary>
    /// The prefix of a Linear head in <see cref="Weights"/> (<c>"fc."</c> for <c>fc.weight</c>, <c>fc.bias</c>); default:
    /// <c>"lin."</c> in a GuitarML file, else no head.
    /// </summary>
    public string? HeadPrefix { get; set; }
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
