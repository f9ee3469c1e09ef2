using System.Numerics;

namespace LstmGen.Testing;

/// <summary>
/// Runs a PyTorch fixture through any <see cref="IRecurrentNetwork{T}"/> (generic or generated) and compares output,
/// h_n, c_n and every gradient (parameters, input, h0, c0) with PyTorch's.
/// </summary>
public static class FixtureRunner
{
    /// <summary>Double path: 1e-9 relative to each tensor's magnitude, 1e-12 absolute floor.</summary>
    public const double DoubleRelative = 1e-9;
    /// <summary>Float path: 2e-5 relative to each tensor's magnitude.</summary>
    public const double FloatRelative = 2e-5;
    public const double Floor = 1e-12;

    public static void Run<T>(PyTorchFixture f, IRecurrentNetwork<T> net, double relative)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(f.Config, net.Config);
        f.LoadParameters(net.Parameters, T.CreateChecked);
        net.Parameters.ZeroGradients();
        RecurrentConfig c = f.Config;
        int stateH = c.StateRows * f.Batch * c.OutputHidden;
        int stateC = c.HasCellState ? c.StateRows * f.Batch * c.HiddenSize : 0;

        T[] output = new T[f.Output.Data.Length];
        T[] hN = new T[stateH];
        T[] cN = new T[stateC];
        net.Forward(Convert<T>(f.Input), output, f.Batch, initial: new(Convert<T>(f.H0), Convert<T>(f.C0)), final: new(hN, cN), training: true);
        TensorAssert.Close($"{f.Name} output", f.Output.Data, output, relative, Floor);
        TensorAssert.Close($"{f.Name} h_n", f.HN.Data, hN, relative, Floor);
        if (f.CN is not null)
        {
            TensorAssert.Close($"{f.Name} c_n", f.CN.Data, cN, relative, Floor);
        }

        T[] gradInput = new T[f.Input.Data.Length];
        T[] gradH0 = new T[stateH];
        T[] gradC0 = new T[stateC];
        net.Backward(Convert<T>(f.UpOutput), gradInput: gradInput, gradFinal: new(Convert<T>(f.UpHN), Convert<T>(f.UpCN)), gradInitial: new(gradH0, gradC0));
        foreach (ParameterInfo info in net.Parameters.Layout.Parameters)
        {
            TensorAssert.Close($"{f.Name} grad {info.Name}", f.ParamGrads[info.Name].Data,
                (ReadOnlySpan<T>)net.Parameters.Gradient(info.Name), relative, Floor);
        }

        TensorAssert.Close($"{f.Name} grad input", f.GradInput.Data, gradInput, relative, Floor);
        if (f.GradH0 is not null)
        {
            TensorAssert.Close($"{f.Name} grad h0", f.GradH0.Data, gradH0, relative, Floor);
        }

        if (f.GradC0 is not null)
        {
            TensorAssert.Close($"{f.Name} grad c0", f.GradC0.Data, gradC0, relative, Floor);
        }
    }

    public static T[] Convert<T>(FixtureTensor? t)
        where T : unmanaged, IFloatingPointIeee754<T>
        => t is null ? [] : Array.ConvertAll(t.Data, T.CreateChecked);
}
