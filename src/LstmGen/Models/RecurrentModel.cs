using System.Numerics;
using LstmGen.Training;

namespace LstmGen;

/// <summary>What a model's head reads from the recurrent network.</summary>
public enum HeadInput
{
    /// <summary>The top layer's output at every step: sequence to sequence (tagging, per-step prediction, streaming).</summary>
    EachStep,

    /// <summary>The output at the last step, PyTorch's <c>output[-1]</c> (both directions at that step when bidirectional).</summary>
    LastStep,

    /// <summary>The top layer's final h, PyTorch's <c>h_n[-1]</c>, or <c>cat(h_n[-2], h_n[-1])</c> when bidirectional.</summary>
    FinalHidden,
}

/// <summary>
/// A whole model: a recurrent network (generic or generated) and its output head, a <c>torch.nn.Linear</c> applied at
/// every step, to the last step or to the final h. It predicts on a batch, trains in one call per step with a loss and
/// an optimizer (every buffer its own), and streams through <see cref="OpenStream"/>.
/// </summary>
/// <remarks>
/// The PyTorch module it mirrors is <c>{rnn: nn.LSTM/GRU/RNN, fc: nn.Linear}</c> with
/// <c>fc(rnn(x)[0])</c>, <c>fc(rnn(x)[0][-1])</c> or <c>fc(h_n[-1])</c>, plus <c>+ x</c> when <see cref="Residual"/>.
/// Buffers grow to the largest batch seen and are then reused, so steady training and prediction allocate nothing.
/// One model must not be trained from two threads at once.
/// </remarks>
/// <typeparam name="T">Element type: <see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed partial class RecurrentModel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _hidden = [], _headOut = [], _gradHeadOut = [], _gradHeadIn = [], _gradHidden = [], _hN = [], _cN = [], _gradHN = [];

    /// <summary>Creates the model from its parts.</summary>
    /// <param name="network">The recurrent part.</param>
    /// <param name="head">The head; it takes <see cref="HeadFeatures"/> features.</param>
    /// <param name="headInput">What the head reads.</param>
    /// <param name="residual">Adds each step's first <c>head.OutFeatures</c> input features to its output (amp models'
    /// <c>y = fc(rnn(x)) + x</c>); only with <see cref="HeadInput.EachStep"/>.</param>
    public RecurrentModel(IRecurrentNetwork<T> network, Linear<T> head, HeadInput headInput = HeadInput.EachStep, bool residual = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(head);
        if (!System.Enum.IsDefined(headInput))
        {
            throw new ArgumentOutOfRangeException(nameof(headInput), headInput, "headInput must be EachStep, LastStep or FinalHidden.");
        }

        RecurrentConfig c = network.Config;
        int features = c.OutputSize;
        if (head.InFeatures != features)
        {
            throw new ArgumentException(FormattableString.Invariant($"head must take the network's {features} output features (directions*outputHidden), but takes {head.InFeatures}."), nameof(head));
        }

        if (residual && (headInput != HeadInput.EachStep || head.OutFeatures > c.InputSize))
        {
            throw new ArgumentException(FormattableString.Invariant($"residual needs headInput EachStep and at most {c.InputSize} head outputs (it adds the input features), but has {headInput} and {head.OutFeatures}."), nameof(residual));
        }

        Network = network;
        Head = head;
        HeadInput = headInput;
        Residual = residual;
        Parameters = [network.Parameters, head];
    }

    /// <summary>The recurrent part.</summary>
    public IRecurrentNetwork<T> Network { get; }

    /// <summary>The head.</summary>
    public Linear<T> Head { get; }

    /// <summary>What the head reads.</summary>
    public HeadInput HeadInput { get; }

    /// <summary>Whether the input is added to the head's output.</summary>
    public bool Residual { get; }

    /// <summary>Every parameter buffer (the network's, then the head's), for an optimizer.</summary>
    public IReadOnlyList<IParameterBuffer<T>> Parameters { get; }

    /// <summary>Features the head reads per row: the network's directions*outputHidden.</summary>
    public int HeadFeatures => Network.Config.OutputSize;

    /// <summary>Features per output row: the head's outputs.</summary>
    public int OutputSize => Head.OutFeatures;

    /// <summary>Output rows for a batch: seqLen*batch with <see cref="HeadInput.EachStep"/> (in the network's layout), else batch.</summary>
    public int OutputRows(int seqLen, int batch) => HeadInput == HeadInput.EachStep ? seqLen * batch : batch;

    /// <summary>Inference on a batch: <paramref name="output"/> receives <see cref="OutputRows"/>*OutputSize values.</summary>
    /// <param name="input">seqLen*batch*inputSize values in the network's layout.</param>
    /// <param name="output">The head's outputs.</param>
    /// <param name="batch">Batch size.</param>
    public void Predict(ReadOnlySpan<T> input, Span<T> output, int batch)
    {
        int seqLen = Run(input, batch, training: false);
        int rows = OutputRows(seqLen, batch);
        CheckOutput(output.Length, rows, nameof(output));
        HeadForward(input, seqLen, batch, output);
    }

    /// <summary>
    /// One training step with <c>torch.nn.MSELoss()</c>: zero the gradients, forward, loss, backward through head and
    /// network, optional clipping, and the optimizer's step. Returns the loss before the update.
    /// </summary>
    /// <param name="input">seqLen*batch*inputSize values in the network's layout.</param>
    /// <param name="batch">Batch size.</param>
    /// <param name="target">The target of every output value: <see cref="OutputRows"/>*OutputSize values.</param>
    /// <param name="optimizer">An optimizer over <see cref="Parameters"/>.</param>
    /// <param name="maxGradNorm">When given, <c>clip_grad_norm_</c> to this 2-norm before the step.</param>
    public T TrainStep(ReadOnlySpan<T> input, int batch, ReadOnlySpan<T> target, Optimizer<T> optimizer, double? maxGradNorm = null)
    {
        Begin(optimizer);
        T loss = AddGradients(input, batch, target);
        Finish(optimizer, maxGradNorm);
        return loss;
    }

    /// <summary>
    /// Adds the gradients of <c>lossScale</c> times the MSE loss to every parameter's, without an update: for
    /// accumulating over sequences of different lengths before one optimizer step. Returns the (unscaled) loss.
    /// </summary>
    /// <param name="input">seqLen*batch*inputSize values in the network's layout.</param>
    /// <param name="batch">Batch size.</param>
    /// <param name="target">The target of every output value: <see cref="OutputRows"/>*OutputSize values.</param>
    /// <param name="lossScale">Scales the gradients, e.g. 1/n to average over n calls.</param>
    public T AddGradients(ReadOnlySpan<T> input, int batch, ReadOnlySpan<T> target, double lossScale = 1)
    {
        int seqLen = Run(input, batch, training: true);
        int rows = OutputRows(seqLen, batch);
        CheckOutput(target.Length, rows, nameof(target));
        Span<T> prediction = _headOut.AsSpan(0, rows * OutputSize), grad = _gradHeadOut.AsSpan(0, rows * OutputSize);
        HeadForward(input, seqLen, batch, prediction);
        T loss = Losses.MeanSquaredError<T>(prediction, target, grad);
        Backpropagate(seqLen, batch, lossScale);
        return loss;
    }

    /// <summary>
    /// One training step with <c>torch.nn.CrossEntropyLoss()</c> over class indices (the head's outputs are the logits);
    /// otherwise as the MSE overload. Returns the loss before the update.
    /// </summary>
    /// <param name="input">seqLen*batch*inputSize values in the network's layout.</param>
    /// <param name="batch">Batch size.</param>
    /// <param name="classes">One class index per output row (<see cref="OutputRows"/>), or -100 to ignore the row.</param>
    /// <param name="optimizer">An optimizer over <see cref="Parameters"/>.</param>
    /// <param name="maxGradNorm">When given, <c>clip_grad_norm_</c> to this 2-norm before the step.</param>
    public T TrainStep(ReadOnlySpan<T> input, int batch, ReadOnlySpan<int> classes, Optimizer<T> optimizer, double? maxGradNorm = null)
    {
        Begin(optimizer);
        T loss = AddGradients(input, batch, classes);
        Finish(optimizer, maxGradNorm);
        return loss;
    }

    /// <summary>
    /// Adds the gradients of <c>lossScale</c> times the cross-entropy loss to every parameter's, without an update (see
    /// the MSE overload). Returns the (unscaled) loss.
    /// </summary>
    /// <param name="input">seqLen*batch*inputSize values in the network's layout.</param>
    /// <param name="batch">Batch size.</param>
    /// <param name="classes">One class index per output row (<see cref="OutputRows"/>), or -100 to ignore the row.</param>
    /// <param name="lossScale">Scales the gradients, e.g. 1/n to average over n calls.</param>
    public T AddGradients(ReadOnlySpan<T> input, int batch, ReadOnlySpan<int> classes, double lossScale = 1)
    {
        int seqLen = Run(input, batch, training: true);
        int rows = OutputRows(seqLen, batch);
        if (classes.Length != rows)
        {
            throw new ArgumentException(FormattableString.Invariant($"classes must have one index per output row, {rows}, but has {classes.Length}."), nameof(classes));
        }

        Span<T> logits = _headOut.AsSpan(0, rows * OutputSize), grad = _gradHeadOut.AsSpan(0, rows * OutputSize);
        HeadForward(input, seqLen, batch, logits);
        T loss = Losses.CrossEntropy<T>(logits, classes, OutputSize, grad);
        Backpropagate(seqLen, batch, lossScale);
        return loss;
    }

    /// <summary>A stream over this model: the network with the head fused into each block (<see cref="HeadInput.EachStep"/> only).</summary>
    /// <param name="streams">Independent streams stepped together.</param>
    public RecurrentStream<T> OpenStream(int streams = 1)
    {
        if (HeadInput != HeadInput.EachStep)
        {
            throw new InvalidOperationException($"A stream applies the head at every frame, but this model's head reads {HeadInput}.");
        }

        return new RecurrentStream<T>(Network, Head, Residual, streams);
    }

    private void Begin(Optimizer<T> optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!optimizer.Parameters.Contains(Network.Parameters) || !optimizer.Parameters.Contains(Head))
        {
            throw new ArgumentException("optimizer must update this model's Parameters (the network's and the head's).", nameof(optimizer));
        }

        optimizer.ZeroGradients();
    }

    private void Finish(Optimizer<T> optimizer, double? maxGradNorm)
    {
        if (maxGradNorm is double norm)
        {
            GradientClipping.ClipGradNorm(Parameters, norm);
        }

        optimizer.Step();
    }

    // The head's gradient is in _gradHeadOut: scaled, back through the head, into the network's output or final state,
    // back through the network. Parameter gradients accumulate.
    private void Backpropagate(int seqLen, int batch, double lossScale)
    {
        if (!double.IsFinite(lossScale))
        {
            throw new ArgumentOutOfRangeException(nameof(lossScale), lossScale, "lossScale must be a finite number.");
        }

        RecurrentConfig c = Network.Config;
        int rows = OutputRows(seqLen, batch), features = HeadFeatures;
        Span<T> gradHeadOut = _gradHeadOut.AsSpan(0, rows * OutputSize);
        if (lossScale != 1)
        {
            T scale = T.CreateChecked(lossScale);
            for (int i = 0; i < gradHeadOut.Length; i++)
            {
                gradHeadOut[i] *= scale;
            }
        }

        Span<T> headIn = HeadRows(seqLen, batch);
        Span<T> gradHeadIn = _gradHeadIn.AsSpan(0, rows * features);
        Head.Backward(headIn, rows, gradHeadOut, gradHeadIn);
        Span<T> gradHidden = _gradHidden.AsSpan(0, seqLen * batch * features);
        Span<T> gradHN = _gradHN.AsSpan(0, c.StateRows * batch * c.OutputHidden);
        switch (HeadInput)
        {
            case HeadInput.EachStep:
                gradHeadIn.CopyTo(gradHidden);
                Network.Backward(gradHidden);
                break;
            case HeadInput.LastStep:
                gradHidden.Clear();
                for (int b = 0; b < batch; b++)
                {
                    gradHeadIn.Slice(b * features, features).CopyTo(gradHidden.Slice(LastStepRow(seqLen, batch, b) * features, features));
                }

                Network.Backward(gradHidden);
                break;
            default:
                gradHN.Clear();
                ScatterFinalHidden(gradHeadIn, gradHN, batch);
                Network.Backward(default, gradFinal: new ReadOnlyStateSpan<T>(gradHN));
                break;
        }
    }

    // Forward over the batch into the model's buffers; returns seqLen.
    private int Run(ReadOnlySpan<T> input, int batch, bool training)
    {
        RecurrentConfig c = Network.Config;
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        int perStep = batch * c.InputSize;
        if (input.Length == 0 || input.Length % perStep != 0)
        {
            throw new ArgumentException(FormattableString.Invariant($"input must have seqLen*batch*inputSize = seqLen*{batch}*{c.InputSize} elements with seqLen >= 1, but has {input.Length}."), nameof(input));
        }

        int seqLen = input.Length / perStep;
        int rows = OutputRows(seqLen, batch);
        Grow(ref _hidden, (long)seqLen * batch * c.OutputSize);
        Grow(ref _gradHidden, (long)seqLen * batch * c.OutputSize);
        Grow(ref _hN, (long)c.StateRows * batch * c.OutputHidden);
        Grow(ref _gradHN, (long)c.StateRows * batch * c.OutputHidden);
        Grow(ref _cN, c.HasCellState ? (long)c.StateRows * batch * c.HiddenSize : 0);
        Grow(ref _headOut, (long)rows * OutputSize);
        Grow(ref _gradHeadOut, (long)rows * OutputSize);
        Grow(ref _gradHeadIn, (long)rows * c.OutputSize);
        Network.Forward(input, _hidden.AsSpan(0, seqLen * batch * c.OutputSize), batch,
            final: new StateSpan<T>(_hN.AsSpan(0, c.StateRows * batch * c.OutputHidden), _cN.AsSpan(0, c.HasCellState ? c.StateRows * batch * c.HiddenSize : 0)),
            training: training);
        return seqLen;
    }

    // The head over what it reads, then the residual.
    private void HeadForward(ReadOnlySpan<T> input, int seqLen, int batch, Span<T> output)
    {
        int rows = OutputRows(seqLen, batch);
        Head.Forward(HeadRows(seqLen, batch), rows, output);
        if (Residual)
        {
            RecurrentStream<T>.AddResidual(input, Network.Config.InputSize, output, OutputSize, rows);
        }
    }

    // The rows the head reads: the network's output itself, or the last step's rows or the final h gathered into
    // _gradHeadIn's sibling buffer (the first batch rows of _gradHidden are free until Backward).
    private Span<T> HeadRows(int seqLen, int batch)
    {
        int features = HeadFeatures;
        Span<T> hidden = _hidden.AsSpan(0, seqLen * batch * features);
        if (HeadInput == HeadInput.EachStep)
        {
            return hidden;
        }

        Span<T> rows = _gradHidden.AsSpan(0, batch * features);
        if (HeadInput == HeadInput.LastStep)
        {
            for (int b = 0; b < batch; b++)
            {
                hidden.Slice(LastStepRow(seqLen, batch, b) * features, features).CopyTo(rows.Slice(b * features, features));
            }
        }
        else
        {
            GatherFinalHidden(rows, batch);
        }

        return rows;
    }

    private int LastStepRow(int seqLen, int batch, int b) => Network.Config.BatchFirst ? (b * seqLen) + seqLen - 1 : ((seqLen - 1) * batch) + b;

    // h_n rows of the top layer, (directions, batch, outputHidden), as one row per batch entry: directions concatenated.
    private void GatherFinalHidden(Span<T> rows, int batch)
    {
        RecurrentConfig c = Network.Config;
        int ho = c.OutputHidden, top = (c.NumLayers - 1) * c.Directions;
        for (int b = 0; b < batch; b++)
        {
            for (int d = 0; d < c.Directions; d++)
            {
                _hN.AsSpan((((top + d) * batch) + b) * ho, ho).CopyTo(rows.Slice((b * c.OutputSize) + (d * ho), ho));
            }
        }
    }

    private void ScatterFinalHidden(ReadOnlySpan<T> rows, Span<T> gradHN, int batch)
    {
        RecurrentConfig c = Network.Config;
        int ho = c.OutputHidden, top = (c.NumLayers - 1) * c.Directions;
        for (int b = 0; b < batch; b++)
        {
            for (int d = 0; d < c.Directions; d++)
            {
                rows.Slice((b * c.OutputSize) + (d * ho), ho).CopyTo(gradHN.Slice((((top + d) * batch) + b) * ho, ho));
            }
        }
    }

    private void CheckOutput(int length, int rows, string argument)
    {
        if (length != (long)rows * OutputSize)
        {
            throw new ArgumentException(FormattableString.Invariant($"{argument} must have {(HeadInput == HeadInput.EachStep ? "seqLen*batch" : "batch")}*outputSize = {rows}*{OutputSize} = {(long)rows * OutputSize} elements, but has {length}."), argument);
        }
    }

    private static void Grow(ref T[] buffer, long length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[checked((int)length)];
        }
    }
}
