// Shared layout file: compiled into the runtime (net10.0) and linked into the generator (netstandard2.0).
// Keep it to plain C# that both targets accept.
namespace LstmGen;

/// <summary>The recurrent cell family, as in <c>torch.nn.LSTM</c>, <c>GRU</c> and <c>RNN</c>.</summary>
public enum CellKind
{
    /// <summary>Long short-term memory; gates i, f, g, o (PyTorch order); optional projection.</summary>
    Lstm = 0,
    /// <summary>Gated recurrent unit; gates r, z, n, PyTorch's form (r multiplies <c>W_hn h + b_hn</c>).</summary>
    Gru = 1,
    /// <summary>Elman RNN with tanh.</summary>
    RnnTanh = 2,
    /// <summary>Elman RNN with ReLU.</summary>
    RnnRelu = 3,
}

/// <summary>The nonlinearity of an Elman RNN (<c>nonlinearity=</c> in <c>torch.nn.RNN</c>).</summary>
public enum Nonlinearity
{
    /// <summary><c>tanh</c>, PyTorch's default.</summary>
    Tanh = 0,
    /// <summary><c>relu</c>.</summary>
    Relu = 1,
}

/// <summary>Which tensor of a (layer, direction) a parameter is.</summary>
public enum ParameterRole
{
    /// <summary><c>weight_ih_l{k}</c>: (gates*hidden, layer input).</summary>
    WeightIh = 0,
    /// <summary><c>weight_hh_l{k}</c>: (gates*hidden, hidden or proj_size).</summary>
    WeightHh = 1,
    /// <summary><c>bias_ih_l{k}</c>: (gates*hidden).</summary>
    BiasIh = 2,
    /// <summary><c>bias_hh_l{k}</c>: (gates*hidden).</summary>
    BiasHh = 3,
    /// <summary><c>weight_hr_l{k}</c>: (proj_size, hidden), LSTM with projection only.</summary>
    WeightHr = 4,
}
