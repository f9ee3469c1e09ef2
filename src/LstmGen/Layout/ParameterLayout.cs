// Shared layout file: compiled into the runtime (net10.0) and linked into the generator (netstandard2.0).
using System.Collections.Generic;

namespace LstmGen;

/// <summary>One named tensor in the flat parameter buffer.</summary>
public sealed class ParameterInfo
{
    internal ParameterInfo(string name, int layer, int direction, ParameterRole role, int rows, int columns, int offset)
    {
        Name = name;
        Layer = layer;
        Direction = direction;
        Role = role;
        Rows = rows;
        Columns = columns;
        Offset = offset;
    }

    /// <summary>PyTorch's name, e.g. <c>weight_ih_l0</c> or <c>bias_hh_l1_reverse</c>.</summary>
    public string Name { get; }
    /// <summary>Layer index k.</summary>
    public int Layer { get; }
    /// <summary>0 forward, 1 reverse.</summary>
    public int Direction { get; }
    /// <summary>Which tensor of the (layer, direction).</summary>
    public ParameterRole Role { get; }
    /// <summary>First dimension.</summary>
    public int Rows { get; }
    /// <summary>Second dimension; 1 for a bias vector.</summary>
    public int Columns { get; }
    /// <summary>Offset of element [0,0] in the flat buffer.</summary>
    public int Offset { get; }
    /// <summary>Element count.</summary>
    public int Length => Rows * Columns;
    /// <summary>True for a vector (bias); its PyTorch shape is <c>[Rows]</c>.</summary>
    public bool IsVector => Role == ParameterRole.BiasIh || Role == ParameterRole.BiasHh;
    /// <summary>The PyTorch shape.</summary>
    public int[] Shape => IsVector ? new[] { Rows } : new[] { Rows, Columns };
}

/// <summary>
/// Names, shapes and offsets of every parameter, in PyTorch's <c>named_parameters()</c> order:
/// per layer, per direction (forward, then <c>_reverse</c>): weight_ih, weight_hh, bias_ih, bias_hh, weight_hr.
/// All parameters live in one contiguous buffer in this order; gradients use the same layout.
/// </summary>
public sealed class ParameterLayout
{
    private readonly ParameterInfo?[] _bySlot;

    /// <summary>Computes the layout of a configuration.</summary>
    public ParameterLayout(RecurrentConfig config)
    {
        Config = config;
        var list = new List<ParameterInfo>();
        _bySlot = new ParameterInfo?[config.NumLayers * config.Directions * 5];
        int offset = 0;
        int gateRows = config.GateRows;
        for (int layer = 0; layer < config.NumLayers; layer++)
        {
            for (int dir = 0; dir < config.Directions; dir++)
            {
                string suffix = "_l" + layer.ToString(System.Globalization.CultureInfo.InvariantCulture) + (dir == 1 ? "_reverse" : "");
                Add(list, "weight_ih" + suffix, layer, dir, ParameterRole.WeightIh, gateRows, config.LayerInputSize(layer), ref offset);
                Add(list, "weight_hh" + suffix, layer, dir, ParameterRole.WeightHh, gateRows, config.OutputHidden, ref offset);
                if (config.Bias)
                {
                    Add(list, "bias_ih" + suffix, layer, dir, ParameterRole.BiasIh, gateRows, 1, ref offset);
                    Add(list, "bias_hh" + suffix, layer, dir, ParameterRole.BiasHh, gateRows, 1, ref offset);
                }

                if (config.ProjSize > 0)
                {
                    Add(list, "weight_hr" + suffix, layer, dir, ParameterRole.WeightHr, config.ProjSize, config.HiddenSize, ref offset);
                }
            }
        }

        Parameters = list;
        TotalLength = offset;
    }

    /// <summary>The configuration this layout belongs to.</summary>
    public RecurrentConfig Config { get; }
    /// <summary>Every parameter in <c>named_parameters()</c> order.</summary>
    public IReadOnlyList<ParameterInfo> Parameters { get; }
    /// <summary>Total element count of the flat buffer.</summary>
    public int TotalLength { get; }

    /// <summary>The parameter of a (layer, direction, role), or null when it does not exist (bias off, no projection).</summary>
    public ParameterInfo? Find(int layer, int direction, ParameterRole role)
    {
        if (layer < 0 || layer >= Config.NumLayers || direction < 0 || direction >= Config.Directions)
        {
            return null;
        }

        return _bySlot[Slot(layer, direction, role)];
    }

    /// <summary>The parameter with PyTorch name <paramref name="name"/>, or null.</summary>
    public ParameterInfo? Find(string name)
    {
        foreach (ParameterInfo p in Parameters)
        {
            if (p.Name == name)
            {
                return p;
            }
        }

        return null;
    }

    private int Slot(int layer, int direction, ParameterRole role) => ((layer * Config.Directions) + direction) * 5 + (int)role;

    private void Add(List<ParameterInfo> list, string name, int layer, int dir, ParameterRole role, int rows, int cols, ref int offset)
    {
        var info = new ParameterInfo(name, layer, dir, role, rows, cols, offset);
        list.Add(info);
        _bySlot[Slot(layer, dir, role)] = info;
        offset += rows * cols;
    }
}
