using LstmGen.Testing;

namespace LstmGen.Specialized.Tests;

/// <summary>The generated classes used as a user would, checked against the generic oracle and PyTorch.</summary>
public class GeneratedNetworkTests
{
    public static TheoryData<string> Cells() => Declared.Names();

    public static TheoryData<string> Fixtures() => new(PyTorchFixture.CaseIds().Where(id => !id.StartsWith("env:", StringComparison.Ordinal)));

    [Theory]
    [MemberData(nameof(Cells))]
    public void Generated_equals_generic(string cell)
    {
        IRecurrentNetwork<float> net = Declared.ByName(cell);
        GeneratedVsGeneric.Check(net, seqLen: 5, batch: 3, seed: 11, withStates: true, cell);
        GeneratedVsGeneric.Check(net, seqLen: 1, batch: 1, seed: 12, withStates: false, cell);
        GeneratedVsGeneric.Check(net, seqLen: 7, batch: 1, seed: 18, withStates: true, cell);
        GeneratedVsGeneric.Check(net, seqLen: 9, batch: 2, seed: 13, withStates: true, cell);
        GeneratedVsGeneric.Check(net, seqLen: 3, batch: 4, seed: 14, withStates: true, cell);
        GeneratedVsGeneric.Check(net, seqLen: 2, batch: 33, seed: 15, withStates: true, cell);
        if (!net.Config.Bidirectional)
        {
            GeneratedVsGeneric.CheckStep(net, steps: 3, batch: 1, seed: 16, cell);
            GeneratedVsGeneric.CheckStep(net, steps: 2, batch: 5, seed: 17, cell);
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Generated_matches_PyTorch(string fixture)
    {
        PyTorchFixture f = PyTorchFixture.Load(fixture);
        IRecurrentNetwork<float> net = Declared.ForConfig(f.Config)
            ?? throw new Xunit.Sdk.XunitException($"No declared cell has the configuration of {fixture} ({f.Config}); declare one in Cells.cs.");
        FixtureRunner.Run(f, net, FixtureRunner.FloatRelative);
    }

    [Fact]
    public void Generated_type_exposes_dimensions_and_config()
    {
        var tagger = new Tagger();
        Assert.Equal(5, Tagger.InputSize);
        Assert.Equal(6, Tagger.HiddenSize);
        Assert.Equal(2, Tagger.NumLayers);
        Assert.True(Tagger.Bidirectional);
        Assert.Equal(12, Tagger.OutputSize);
        Assert.Equal(new RecurrentConfig(CellKind.Lstm, 5, 6, 2, bidirectional: true), tagger.Config);
        Assert.Equal(new ParameterLayout(tagger.Config).TotalLength, tagger.Parameters.Length);
    }

    [Fact]
    public void Seeded_construction_matches_generic_initialisation()
    {
        var generated = new Tagger(seed: 42);
        var generic = new RecurrentNetwork<float>(generated.Config, seed: 42);
        Assert.Equal(generic.Parameters.Values.ToArray(), generated.Parameters.Values.ToArray());
    }

    [Theory]
    [InlineData(nameof(TinyLstm))]
    [InlineData(nameof(StackedLstm))]
    [InlineData(nameof(ProjectedLstm))]
    [InlineData(nameof(SmallGru))]
    [InlineData(nameof(ReluRnn))]
    [InlineData(nameof(WideLstm))]
    [InlineData(nameof(AudioLstm))]
    public void Step_streaming_equals_Forward(string cell)
    {
        // Step runs the same projection and cell kernels one time step at a time (batch 2 is below the 8 rows from which
        // Forward batches the recurrent products of unrolled shapes, and its two-row cell adds in the same order as the
        // one-row cell), so the results are bit-identical.
        IRecurrentNetwork<float> net = Declared.ByName(cell);
        RecurrentConfig c = net.Config;
        const int seqLen = 6, batch = 2;
        var rng = new Random(5);
        float[] input = GeneratedVsGeneric.Random(rng, seqLen * batch * c.InputSize);
        float[] h0 = GeneratedVsGeneric.Random(rng, c.StateRows * batch * c.OutputHidden);
        float[] c0 = c.HasCellState ? GeneratedVsGeneric.Random(rng, c.StateRows * batch * c.HiddenSize) : [];
        float[] output = new float[seqLen * batch * c.OutputSize];
        float[] hN = new float[h0.Length];
        float[] cN = new float[c0.Length];
        net.Forward(input, output, batch, initial: new(h0, c0), final: new(hN, cN));

        float[] h = (float[])h0.Clone();
        float[] state = (float[])c0.Clone();
        float[] stepOut = new float[batch * c.OutputHidden];
        for (int t = 0; t < seqLen; t++)
        {
            net.Step(input.AsSpan(t * batch * c.InputSize, batch * c.InputSize), stepOut, new(h, state));
            Assert.Equal(output.AsSpan(t * batch * c.OutputSize, batch * c.OutputSize).ToArray(), stepOut);
        }

        Assert.Equal(hN, h);
        Assert.Equal(cN, state);
    }

    [Fact]
    public void Parameter_gradients_accumulate_over_calls()
    {
        // Each backward adds its contribution once per element, so two identical calls give exactly twice one call.
        var net = new Tagger(seed: 3);
        var rng = new Random(9);
        const int seqLen = 4, batch = 2;
        float[] input = GeneratedVsGeneric.Random(rng, seqLen * batch * Tagger.InputSize);
        float[] up = GeneratedVsGeneric.Random(rng, seqLen * batch * Tagger.OutputSize);
        float[] output = new float[up.Length];
        float[] gradInput1 = new float[input.Length];
        float[] gradInput2 = new float[input.Length];
        net.Parameters.ZeroGradients();
        net.Forward(input, output, batch, training: true);
        net.Backward(up, gradInput: gradInput1);
        float[] once = net.Parameters.Gradients.ToArray();
        net.Forward(input, output, batch, training: true);
        net.Backward(up, gradInput: gradInput2);
        Assert.Contains(once, g => g != 0);
        if (net.KernelPath == KernelPath.Scalar)
        {
            // The generic oracle adds each step's contribution to the gradient in turn, so the second call's sum rounds
            // differently from the first's: twice within rounding, not bit for bit.
            TensorAssert.Close("twice the gradients", Array.ConvertAll(once, g => 2.0 * g), (ReadOnlySpan<float>)net.Parameters.Gradients, 1e-6, 1e-12);
        }
        else
        {
            Assert.Equal(once.Select(g => 2 * g).ToArray(), net.Parameters.Gradients.ToArray());
        }

        Assert.Equal(gradInput1, gradInput2);
    }

    [Fact]
    public void Changed_parameters_are_repacked()
    {
        var net = new TinyLstm(seed: 1);
        float[] input = [0.5f, -0.25f, 1f];
        float[] before = new float[TinyLstm.OutputSize];
        float[] after = new float[TinyLstm.OutputSize];
        net.Forward(input, before, 1);
        net.Parameters.Update("weight_ih_l0", w => w[0] += 1f);
        net.Forward(input, after, 1);
        Assert.NotEqual(before, after);
        float[] expected = new float[TinyLstm.OutputSize];
        new RecurrentNetwork<float>(net.Parameters).Forward(input, expected, 1);
        TensorAssert.Close("after repack", Array.ConvertAll(expected, e => (double)e), (ReadOnlySpan<float>)after, 1e-5, 1e-12);
    }

    [Fact]
    public void Shared_parameters_serve_concurrent_inference()
    {
        var shared = new Tagger(seed: 8).Parameters;
        var rng = new Random(2);
        const int seqLen = 7, batch = 3;
        float[] input = GeneratedVsGeneric.Random(rng, seqLen * batch * Tagger.InputSize);
        float[] expected = new float[seqLen * batch * Tagger.OutputSize];
        var sharedInstance = new Tagger(shared);
        sharedInstance.Forward(input, expected, batch);
        // Half the workers share one instance, half have their own over the same parameters.
        Parallel.For(0, 8, worker =>
        {
            Tagger net = worker % 2 == 0 ? sharedInstance : new Tagger(shared);
            float[] output = new float[expected.Length];
            for (int i = 0; i < 50; i++)
            {
                net.Forward(input, output, batch);
                Assert.Equal(expected, output);
            }
        });
    }

    [Fact]
    public async Task Repacking_while_other_threads_run_inference_is_safe()
    {
        // MarkModified forces a repack on the next call without changing any value, so every result must stay exact.
        var net = new StackedLstm(seed: 6);
        var rng = new Random(6);
        const int seqLen = 5, batch = 2;
        float[] input = GeneratedVsGeneric.Random(rng, seqLen * batch * StackedLstm.InputSize);
        float[] expected = new float[seqLen * batch * StackedLstm.OutputSize];
        net.Forward(input, expected, batch);
        using var stop = new CancellationTokenSource();
        Task modifier = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                net.Parameters.Update(static _ => { });
            }
        });
        Parallel.For(0, 4, _ =>
        {
            float[] output = new float[expected.Length];
            for (int i = 0; i < 200; i++)
            {
                net.Forward(input, output, batch);
                Assert.Equal(expected, output);
            }
        });
        await stop.CancelAsync();
        await modifier;
    }

    /// <summary>
    /// A wiring test: the forced scalar path delegates to the oracle, so its exact agreement with the oracle checks only that
    /// the switch routes every call there over the same parameters (the math is tested by <see cref="Generated_equals_generic"/>
    /// and the PyTorch fixtures).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cells))]
    public void Every_argument_length_is_checked(string cell)
    {
        // Too short and too long, every argument of Forward, Backward and Step, on the generated class and on the generic
        // network over the same parameters (both must reject the same arguments with the same names).
        IRecurrentNetwork<float> generated = Declared.ByName(cell);
        ArgumentLengths.CheckAll(generated);
        ArgumentLengths.CheckAll(new RecurrentNetwork<float>(generated.Parameters));
    }

    [Fact]
    public void Bad_input_names_the_argument()
    {
        var net = new TinyLstm();
        float[] output = new float[TinyLstm.OutputSize];
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => net.Forward(new float[2], output, 1)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => net.Forward(new float[3], new float[1], 1)).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => net.Forward(new float[3], output, 0)).ParamName);
        Assert.Throws<InvalidOperationException>(() => new TinyLstm().Backward(default));
        // On the class, Step of a bidirectional network does not compile (LSTMGEN014); through the interface it throws.
        IRecurrentNetwork<float> bidirectional = new Tagger();
        Assert.Throws<NotSupportedException>(() => bidirectional.Step(new float[5], default, new(new float[24], new float[24])));
        Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => new TinyLstm(new Tagger().Parameters)).ParamName);
    }
}

/// <summary>Prepare() packs and compiles, and changes nothing the caller sees.</summary>
public class PrepareTests
{
    [Theory]
    [MemberData(nameof(Declared.Names), MemberType = typeof(Declared))]
    public void Prepare_between_a_training_forward_and_its_backward_changes_nothing(string cell)
    {
        (float[] Output, float[] Gradients) Run(IRecurrentNetwork<float> net, bool prepare)
        {
            var rng = new Random(5);
            const int seqLen = 3, batch = 2;
            float[] input = GeneratedVsGeneric.Random(rng, seqLen * batch * net.Config.InputSize);
            float[] up = GeneratedVsGeneric.Random(rng, seqLen * batch * net.Config.OutputSize);
            float[] output = new float[up.Length];
            net.Parameters.ZeroGradients();
            net.Forward(input, output, batch, training: true);
            if (prepare)
            {
                net.Prepare();
                net.Prepare();
            }

            net.Backward(up);
            return (output, net.Parameters.Gradients.ToArray());
        }

        (float[] output, float[] gradients) = Run(Declared.ByName(cell), prepare: false);
        IRecurrentNetwork<float> prepared = Declared.ByName(cell);
        int version = prepared.Parameters.Version;
        (float[] preparedOutput, float[] preparedGradients) = Run(prepared, prepare: true);
        Assert.Equal(output, preparedOutput);
        Assert.Equal(gradients, preparedGradients);
        Assert.Equal(version, prepared.Parameters.Version);
        new RecurrentNetwork<float>(prepared.Parameters).Prepare();
    }
}
