using System.Numerics;

namespace LstmGen.Training;

/// <summary>Initialisation helpers beyond PyTorch's default.</summary>
public static class ParameterInit
{
    /// <summary>
    /// Sets the LSTM forget-gate bias so that bias_ih + bias_hh = <paramref name="value"/> for every layer and direction
    /// (bias_ih takes the value, bias_hh the zero). A positive value such as 1 keeps the cell state flowing early in
    /// training, which helps long dependencies.
    /// </summary>
    public static void SetForgetGateBias<T>(ParameterSet<T> parameters, double value)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        RecurrentConfig config = parameters.Layout.Config;
        if (config.Kind != CellKind.Lstm || !config.Bias)
        {
            throw new ArgumentException(FormattableString.Invariant($"A forget-gate bias needs an LSTM with biases, not {config}."), nameof(parameters));
        }

        parameters.Update((Value: T.CreateChecked(value), Layout: parameters.Layout), static (values, s) =>
        {
            int h = s.Layout.Config.HiddenSize;
            foreach (ParameterInfo p in s.Layout.Parameters)
            {
                if (p.Role is ParameterRole.BiasIh or ParameterRole.BiasHh)
                {
                    // Gate order i, f, g, o: the forget gate is rows [H, 2H).
                    values.Slice(p.Offset + h, h).Fill(p.Role == ParameterRole.BiasIh ? s.Value : T.Zero);
                }
            }
        });
    }
}
