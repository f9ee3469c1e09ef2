using LstmGen.Testing;
using LstmGen.Training;

namespace LstmGen.Specialized.Tests;

/// <summary>A whole model over a generated network trains as over the generic one.</summary>
public class ModelTests
{
    [Theory]
    [InlineData(HeadInput.EachStep)]
    [InlineData(HeadInput.LastStep)]
    [InlineData(HeadInput.FinalHidden)]
    public void Generated_and_generic_models_give_the_same_loss_and_gradients(HeadInput headInput)
    {
        var generated = new StackedLstm(seed: 4);
        var oracleParameters = new ParameterSet<float>(generated.Parameters.Layout);
        oracleParameters.Set(generated.Parameters.Values);
        var a = new RecurrentModel<float>(generated, new Linear<float>(6, 3, seed: 5), headInput);
        var b = new RecurrentModel<float>(new RecurrentNetwork<float>(oracleParameters), new Linear<float>(6, 3, seed: 5), headInput);
        const int seqLen = 7, batch = 4;
        var rng = new Random(3);
        float[] input = GeneratedVsGeneric.Random(rng, seqLen * batch * 5);
        int[] classes = Enumerable.Range(0, a.OutputRows(seqLen, batch)).Select(i => i % 3).ToArray();

        // lr 0: the step leaves the parameters alone and the gradients in place, for comparison.
        float lossA = a.TrainStep(input, batch, classes, new Sgd<float>(a.Parameters, lr: 0));
        float lossB = b.TrainStep(input, batch, classes, new Sgd<float>(b.Parameters, lr: 0));
        double tolerance = GeneratedVsGeneric.Tolerance(generated.Config, seqLen);
        Assert.Equal(lossB, lossA, tolerance * Math.Abs(lossB));
        TensorAssert.Close<float>($"{headInput}: network gradients", b.Network.Parameters.Gradients.ToArray().Select(v => (double)v).ToArray(),
            a.Network.Parameters.Gradients, tolerance, 1e-12);
        TensorAssert.Close<float>($"{headInput}: head gradients", b.Head.Gradients.ToArray().Select(v => (double)v).ToArray(),
            a.Head.Gradients, tolerance, 1e-12);
        Assert.Contains(a.Network.Parameters.Gradients.ToArray(), g => g != 0);
    }
}
