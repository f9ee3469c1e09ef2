using LstmGen.Testing;

namespace LstmGen.Tests.Generic;

/// <summary>Bad input is rejected before any kernel runs, with a message naming the argument and what was expected.</summary>
public class BadInputTests
{
    // LSTM(5, 6, 2): seq 4, batch 3 -> input 60, output 72, h/c states 2*3*6 = 36.
    private static readonly RecurrentConfig Lstm = new(CellKind.Lstm, 5, 6, numLayers: 2);
    private static readonly RecurrentConfig Gru = new(CellKind.Gru, 5, 6, numLayers: 2);

    private static void ForwardLstm(int inputLength = 60, int outputLength = 72, int hN = 36, int cN = 36, int h0 = 36, int c0 = 36,
        int batch = 3)
    {
        var net = new RecurrentNetwork<float>(Lstm);
        net.Forward(new float[inputLength], new float[outputLength], batch, initial: new(new float[h0], new float[c0]), final: new(new float[hN], new float[cN]));
    }

    private static T Throws<T>(Action action, string argument, params string[] fragments)
        where T : ArgumentException
    {
        T e = Assert.ThrowsAny<T>(action);
        Assert.Equal(argument, e.ParamName);
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        }

        return e;
    }

    [Fact]
    public void Valid_arguments_are_accepted() => ForwardLstm();

    public static TheoryData<RecurrentConfig> LengthConfigs() => new()
    {
        // Projection: h (3 wide) and c (8 wide) have different lengths, so a check of one against the other's size fails.
        new RecurrentConfig(CellKind.Lstm, 5, 8, numLayers: 2, projSize: 3),
        new RecurrentConfig(CellKind.Lstm, 4, 6, bidirectional: true, batchFirst: true),
        new RecurrentConfig(CellKind.Gru, 4, 7, numLayers: 2),
        new RecurrentConfig(CellKind.RnnTanh, 3, 5, bidirectional: true),
        new RecurrentConfig(CellKind.RnnRelu, 3, 4),
    };

    [Theory]
    [MemberData(nameof(LengthConfigs))]
    public void Every_argument_length_is_checked(RecurrentConfig config)
    {
        ArgumentLengths.CheckAll(new RecurrentNetwork<float>(config));
        ArgumentLengths.CheckAll(new RecurrentNetwork<double>(config));
    }

    [Fact]
    public void Input_of_wrong_length() => Throws<ArgumentException>(() => ForwardLstm(inputLength: 59), "input", "a non-zero multiple of batch*inputSize = 3*5 = 15", "has 59");

    [Fact]
    public void Output_of_wrong_length() => Throws<ArgumentException>(() => ForwardLstm(outputLength: 73), "output", "4*3*6 = 72", "has 73");

    [Fact]
    public void H0_of_wrong_length() => Throws<ArgumentException>(() => ForwardLstm(h0: 35), "initial", "initial.H must", "2*3*6 = 36", "has 35");

    [Fact]
    public void C0_of_wrong_length() => Throws<ArgumentException>(() => ForwardLstm(c0: 18), "initial", "initial.C must", "2*3*6 = 36", "has 18");

    [Fact]
    public void HN_of_wrong_length() => Throws<ArgumentException>(() => ForwardLstm(hN: 1), "final", "final.H must", "= 36", "has 1");

    [Fact]
    public void CN_of_wrong_length() => Throws<ArgumentException>(() => ForwardLstm(cN: 37), "final", "final.C must", "= 36", "has 37");

    [Fact]
    public void Empty_input() => Throws<ArgumentException>(() => ForwardLstm(inputLength: 0, outputLength: 0), "input", "a non-zero multiple", "has 0");

    [Fact]
    public void Input_of_another_sequence_length_names_the_output() =>
        Throws<ArgumentException>(() => ForwardLstm(inputLength: 75), "output", "5*3*6 = 90", "has 72");

    [Fact]
    public void Negative_batch() => Throws<ArgumentOutOfRangeException>(() => ForwardLstm(batch: -2), "batch", "at least 1", "was -2");

    [Fact]
    public void Zero_input_size() => Throws<ArgumentOutOfRangeException>(() => new RecurrentConfig(CellKind.Lstm, 0, 6), "inputSize", "at least 1", "was 0");

    [Fact]
    public void Negative_hidden_size() => Throws<ArgumentOutOfRangeException>(() => new RecurrentConfig(CellKind.Gru, 3, -1), "hiddenSize", "at least 1", "was -1");

    [Fact]
    public void Zero_layers() => Throws<ArgumentOutOfRangeException>(() => new RecurrentConfig(CellKind.RnnTanh, 3, 4, numLayers: 0), "numLayers", "at least 1", "was 0");

    [Fact]
    public void Projection_not_below_hidden() => Throws<ArgumentOutOfRangeException>(() => new RecurrentConfig(CellKind.Lstm, 3, 4, projSize: 4), "projSize", "smaller than hiddenSize (4)", "was 4");

    [Fact]
    public void Negative_projection() => Throws<ArgumentOutOfRangeException>(() => new RecurrentConfig(CellKind.Lstm, 3, 4, projSize: -1), "projSize", "was -1");

    [Fact]
    public void Projection_on_a_gru() => Throws<ArgumentOutOfRangeException>(() => new RecurrentConfig(CellKind.Gru, 3, 4, projSize: 2), "projSize", "only supported by the LSTM");

    [Fact]
    public void Too_many_parameters() => Throws<ArgumentOutOfRangeException>(() => new RecurrentConfig(CellKind.Lstm, int.MaxValue, int.MaxValue), "hiddenSize", "parameters");

    [Fact]
    public void Gru_given_c0()
    {
        var net = new RecurrentNetwork<float>(Gru);
        Throws<ArgumentException>(() => net.Forward(new float[60], new float[72], 3, initial: new(default, new float[36])),
            "initial", "initial.C must be empty", "no cell state");
    }

    [Fact]
    public void Rnn_given_cN()
    {
        var net = new RecurrentNetwork<double>(new RecurrentConfig(CellKind.RnnRelu, 5, 6));
        Throws<ArgumentException>(() => net.Forward(new double[60], new double[72], 3, final: new(default, new double[18])),
            "final", "final.C must be empty", "no cell state");
    }

    [Fact]
    public void Backward_gradient_of_wrong_length()
    {
        var net = new RecurrentNetwork<float>(Lstm);
        net.Forward(new float[60], new float[72], 3, training: true);
        Throws<ArgumentException>(() => net.Backward(new float[71]), "gradOutput", "= 72", "has 71");
        Throws<ArgumentException>(() => net.Backward(default, gradInput: new float[61]), "gradInput", "= 60", "has 61");
        Throws<ArgumentException>(() => net.Backward(default, gradInitial: new(default, new float[35])), "gradInitial", "gradInitial.C must", "= 36", "has 35");
    }

    [Fact]
    public void Backward_without_a_training_forward()
    {
        var net = new RecurrentNetwork<float>(Lstm);
        net.Forward(new float[60], new float[72], 3);
        var e = Assert.Throws<InvalidOperationException>(() => net.Backward(default));
        Assert.Contains("training: true", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Step_state_of_wrong_length()
    {
        var net = new RecurrentNetwork<float>(Lstm);
        Throws<ArgumentException>(() => net.Step(new float[15], default, new(new float[36], new float[35])), "state", "state.C must", "2*3*6 = 36", "has 35");
        Throws<ArgumentException>(() => net.Step(new float[14], default, new(new float[36], new float[36])), "input", "a non-zero multiple of inputSize = 5", "has 14");
    }

    [Fact]
    public void Step_on_a_bidirectional_network()
    {
        var net = new RecurrentNetwork<float>(new RecurrentConfig(CellKind.Lstm, 5, 6, bidirectional: true));
        Assert.Throws<NotSupportedException>(() => net.Step(new float[5], default, new(new float[12], new float[12])));
    }

    [Fact]
    public void Unknown_parameter_name()
    {
        var net = new RecurrentNetwork<float>(Lstm);
        var e = Throws<ArgumentException>(() => _ = net.Parameters["weight_ih_l2"].Length, "name", "weight_ih_l2");
        Assert.Contains("weight_hh_l1", e.Message, StringComparison.Ordinal);
        Throws<ArgumentException>(() => net.Parameters.Update("weight_ih_l2", _ => { }), "name", "weight_ih_l2");
        Throws<ArgumentException>(() => net.Parameters.Set("weight_ih_l0", new float[3]), "values", "must have the 120 elements of weight_ih_l0 [24, 5]", "has 3");
    }
}
