// Shared layout file: compiled into the runtime (net10.0) and linked into the generator (netstandard2.0).
using System;
using System.Collections.Generic;

namespace LstmGen;

/// <summary>
/// The shape of a recurrent network: the constructor arguments of <c>torch.nn.LSTM</c>/<c>GRU</c>/<c>RNN</c>.
/// Immutable and validated on construction.
/// </summary>
public sealed class RecurrentConfig : IEquatable<RecurrentConfig>
{
    /// <summary>Creates and validates a configuration; throws <see cref="ArgumentOutOfRangeException"/> naming the bad argument.</summary>
    public RecurrentConfig(CellKind kind, int inputSize, int hiddenSize, int numLayers = 1, bool bidirectional = false,
        bool bias = true, bool batchFirst = false, int projSize = 0)
    {
        List<ConfigError> errors = Validate(kind, inputSize, hiddenSize, numLayers, bidirectional, bias, projSize);
        if (errors.Count > 0)
        {
            throw new ArgumentOutOfRangeException(errors[0].Argument, errors[0].Message);
        }

        Kind = kind;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        Bidirectional = bidirectional;
        Bias = bias;
        BatchFirst = batchFirst;
        ProjSize = projSize;
    }

    /// <summary>Cell family.</summary>
    public CellKind Kind { get; }
    /// <summary><c>input_size</c>: features per time step.</summary>
    public int InputSize { get; }
    /// <summary><c>hidden_size</c>: units per gate.</summary>
    public int HiddenSize { get; }
    /// <summary><c>num_layers</c>.</summary>
    public int NumLayers { get; }
    /// <summary><c>bidirectional</c>.</summary>
    public bool Bidirectional { get; }
    /// <summary><c>bias</c>: whether <c>bias_ih</c>/<c>bias_hh</c> exist.</summary>
    public bool Bias { get; }
    /// <summary><c>batch_first</c>: input and output are (batch, seq, feature). States are never batch-first.</summary>
    public bool BatchFirst { get; }
    /// <summary><c>proj_size</c> (LSTM only); 0 means no projection.</summary>
    public int ProjSize { get; }

    /// <summary>1, or 2 when bidirectional.</summary>
    public int Directions => Bidirectional ? 2 : 1;
    /// <summary>Gates stacked in the weight matrices: 4 (LSTM), 3 (GRU), 1 (RNN).</summary>
    public int GateCount => GatesOf(Kind);
    /// <summary>Rows of <c>weight_ih</c>/<c>weight_hh</c>: <c>GateCount * HiddenSize</c>.</summary>
    public int GateRows => GateCount * HiddenSize;
    /// <summary><c>H_out</c>: size of h (proj_size when projecting, else hidden_size).</summary>
    public int OutputHidden => ProjSize > 0 ? ProjSize : HiddenSize;
    /// <summary>Features of each output step: <c>Directions * OutputHidden</c>.</summary>
    public int OutputSize => Directions * OutputHidden;
    /// <summary>True for the LSTM, the only kind with a cell state c.</summary>
    public bool HasCellState => Kind == CellKind.Lstm;
    /// <summary>Rows of h0/h_n and c0/c_n: <c>NumLayers * Directions</c>.</summary>
    public int StateRows => NumLayers * Directions;

    /// <summary>Features entering layer <paramref name="layer"/>: input_size for layer 0, else <c>Directions * OutputHidden</c>.</summary>
    public int LayerInputSize(int layer) => layer == 0 ? InputSize : OutputSize;

    /// <summary>Gates stacked for a cell kind.</summary>
    public static int GatesOf(CellKind kind) => kind switch
    {
        CellKind.Lstm => 4,
        CellKind.Gru => 3,
        _ => 1,
    };

    /// <summary>
    /// Every problem with the arguments, in order; empty when valid. The generator maps these to diagnostics,
    /// the runtime throws the first one, so both say the same thing.
    /// </summary>
    public static List<ConfigError> Validate(CellKind kind, int inputSize, int hiddenSize, int numLayers, bool bidirectional, bool bias, int projSize)
    {
        var errors = new List<ConfigError>();
        if (kind < CellKind.Lstm || kind > CellKind.RnnRelu)
        {
            errors.Add(new ConfigError(ConfigErrorKind.UnknownKind, "kind", FormattableString.Invariant($"kind must be Lstm, Gru, RnnTanh or RnnRelu, but was {(int)kind}.")));
        }

        AddPositive(errors, "inputSize", inputSize);
        AddPositive(errors, "hiddenSize", hiddenSize);
        AddPositive(errors, "numLayers", numLayers);
        if (projSize != 0 && kind != CellKind.Lstm)
        {
            errors.Add(new ConfigError(ConfigErrorKind.ProjectionNotLstm, "projSize",
                FormattableString.Invariant($"projSize is only supported by the LSTM, but was {projSize} for {kind}.")));
        }
        else if (projSize < 0)
        {
            errors.Add(new ConfigError(ConfigErrorKind.BadProjection, "projSize",
                FormattableString.Invariant($"projSize must be 0 (no projection) or between 1 and hiddenSize - 1, but was {projSize}.")));
        }
        else if (projSize > 0 && hiddenSize > 0 && projSize >= hiddenSize)
        {
            errors.Add(new ConfigError(ConfigErrorKind.BadProjection, "projSize",
                FormattableString.Invariant($"projSize must be smaller than hiddenSize ({hiddenSize}), but was {projSize}.")));
        }

        if (errors.Count == 0)
        {
            double count = CountParameters(kind, inputSize, hiddenSize, numLayers, bidirectional, bias, projSize);
            if (count > MaxParameterCount)
            {
                errors.Add(new ConfigError(ConfigErrorKind.TooLarge, "hiddenSize",
                    FormattableString.Invariant($"the network would have {count:0} parameters; at most {MaxParameterCount} fit in one buffer.")));
            }
        }

        return errors;
    }

    /// <summary>Largest parameter count a network may have (one flat buffer, indexed by int).</summary>
    public const long MaxParameterCount = 1L << 30;

    /// <summary>
    /// Parameter count, computed in double so that even int.MaxValue sizes are reported instead of overflowing
    /// (exact below 2^53, far above <see cref="MaxParameterCount"/>).
    /// </summary>
    public static double CountParameters(CellKind kind, int inputSize, int hiddenSize, int numLayers, bool bidirectional, bool bias, int projSize)
    {
        double directions = bidirectional ? 2 : 1;
        double hOut = projSize > 0 ? projSize : hiddenSize;
        double gateRows = (double)GatesOf(kind) * hiddenSize;
        double perDirection0 = (gateRows * ((double)inputSize + hOut + (bias ? 2 : 0))) + ((double)projSize * hiddenSize);
        double perDirectionN = (gateRows * ((directions * hOut) + hOut + (bias ? 2 : 0))) + ((double)projSize * hiddenSize);
        return directions * (perDirection0 + ((numLayers - 1.0) * perDirectionN));
    }

    private static void AddPositive(List<ConfigError> errors, string argument, int value)
    {
        if (value <= 0)
        {
            errors.Add(new ConfigError(ConfigErrorKind.NotPositive, argument, FormattableString.Invariant($"{argument} must be at least 1, but was {value}.")));
        }
    }

    /// <inheritdoc/>
    public bool Equals(RecurrentConfig? other) => other is not null && Kind == other.Kind && InputSize == other.InputSize
        && HiddenSize == other.HiddenSize && NumLayers == other.NumLayers && Bidirectional == other.Bidirectional
        && Bias == other.Bias && BatchFirst == other.BatchFirst && ProjSize == other.ProjSize;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as RecurrentConfig);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        unchecked
        {
            int h = (int)Kind;
            h = (h * 397) ^ InputSize;
            h = (h * 397) ^ HiddenSize;
            h = (h * 397) ^ NumLayers;
            h = (h * 397) ^ ProjSize;
            h = (h * 397) ^ ((Bidirectional ? 1 : 0) | (Bias ? 2 : 0) | (BatchFirst ? 4 : 0));
            return h;
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        FormattableString.Invariant($"{Kind}(input={InputSize}, hidden={HiddenSize}, layers={NumLayers}, bidirectional={Bidirectional}, bias={Bias}, batchFirst={BatchFirst}, proj={ProjSize})");
}

/// <summary>What kind of problem a <see cref="ConfigError"/> is; the generator picks its diagnostic by it.</summary>
public enum ConfigErrorKind
{
    /// <summary>A size or count is zero or negative.</summary>
    NotPositive,
    /// <summary>proj_size is negative or not below hidden_size.</summary>
    BadProjection,
    /// <summary>proj_size given to a GRU or RNN.</summary>
    ProjectionNotLstm,
    /// <summary>The cell kind is not defined.</summary>
    UnknownKind,
    /// <summary>The parameter count does not fit in one buffer.</summary>
    TooLarge,
}

/// <summary>One problem found by <see cref="RecurrentConfig.Validate"/>.</summary>
public sealed class ConfigError
{
    /// <summary>Creates an error.</summary>
    public ConfigError(ConfigErrorKind kind, string argument, string message)
    {
        Kind = kind;
        Argument = argument;
        Message = message;
    }

    /// <summary>The kind of problem.</summary>
    public ConfigErrorKind Kind { get; }
    /// <summary>The constructor argument at fault (<c>hiddenSize</c>, ...).</summary>
    public string Argument { get; }
    /// <summary>A sentence that names the argument, the expected range and the value.</summary>
    public string Message { get; }
}
