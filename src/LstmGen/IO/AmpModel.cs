using LstmGen.Training;

namespace LstmGen.IO;

/// <summary>The file format an <see cref="AmpModel"/> was read from.</summary>
public enum AmpModelFormat
{
    /// <summary>
    /// GuitarML / Automated-GuitarAmpModelling "PyTorch state_dict JSON" (NeuralPi, Proteus, NeuralSeed):
    /// <c>model_data</c> and a <c>state_dict</c> under PyTorch's names.
    /// </summary>
    GuitarML,

    /// <summary>AIDA-X / RTNeural Keras-style JSON: <c>in_shape</c> and <c>layers</c> of Keras weights.</summary>
    AidaX,
}

/// <summary>
/// A whole amp model read from a GuitarML or AIDA-X file (<see cref="AmpModelFile"/>): the recurrent network under
/// PyTorch's names, its linear head, the residual and the gains, so that per frame
/// <c>u = x</c> with <c>u[0] = x[0]·InputGain</c>, and <c>y = (Head(rnn(u)) + (Residual ? u[0] : 0))·OutputGain</c>.
/// </summary>
/// <remarks>
/// For GuitarML files the gains are 1 and <see cref="Residual"/> is <c>model_data.skip</c>; for AIDA-X files they come
/// from <c>in_gain</c>/<c>out_gain</c> (dB) and <c>in_skip</c>. Run it with <see cref="CreateProcessor"/>: zero state, no
/// pre-buffer (AIDA-X's plugin first runs 2048 zeros; prepend them to emulate it).
/// </remarks>
public sealed class AmpModel
{
    internal AmpModel(AmpModelFormat format, RecurrentNetwork<float> network, Linear<float> head, bool residual,
        double inputGainDecibels, double outputGainDecibels, float[] referenceInput, float[] referenceOutput,
        IReadOnlyDictionary<string, string> metadata)
    {
        Format = format;
        Network = network;
        Head = head;
        Residual = residual;
        InputGainDecibels = inputGainDecibels;
        OutputGainDecibels = outputGainDecibels;
        InputGain = (float)Math.Pow(10, inputGainDecibels / 20);
        OutputGain = (float)Math.Pow(10, outputGainDecibels / 20);
        ReferenceInput = referenceInput;
        ReferenceOutput = referenceOutput;
        Metadata = metadata;
        Model = new RecurrentModel<float>(network, head, HeadInput.EachStep, residual);
    }

    /// <summary>The format of the file.</summary>
    public AmpModelFormat Format { get; }

    /// <summary>The shape of the recurrent network, as <c>torch.nn.LSTM</c>/<c>GRU</c> arguments.</summary>
    public RecurrentConfig Config => Network.Config;

    /// <summary>The recurrent network (generic), its parameters under PyTorch's names (<c>weight_ih_l0</c>, ...).</summary>
    public RecurrentNetwork<float> Network { get; }

    /// <summary>The output head, <c>torch.nn.Linear(hidden, OutputSize)</c> (<c>lin</c>, or the Keras dense layer).</summary>
    public Linear<float> Head { get; }

    /// <summary>
    /// The network, head and residual as a whole model, without the gains: to <see cref="RecurrentModel{T}.Save"/> under
    /// PyTorch's names (e.g. prefixes <c>"rec."</c> and <c>"lin."</c>, as GuitarML names them), predict on a batch of
    /// signals or fine-tune. It shares the parameters with <see cref="Network"/> and <see cref="Head"/>.
    /// </summary>
    public RecurrentModel<float> Model { get; }

    /// <summary>Whether the (gained) audio channel <c>u[0]</c> is added to the output: GuitarML <c>skip</c>, AIDA-X <c>in_skip</c>.</summary>
    public bool Residual { get; }

    /// <summary>The gain on the audio channel before the model, in dB (AIDA-X <c>in_gain</c>; 0 for GuitarML).</summary>
    public double InputGainDecibels { get; }

    /// <summary>The gain after the model, in dB (AIDA-X <c>out_gain</c>; 0 for GuitarML).</summary>
    public double OutputGainDecibels { get; }

    /// <summary>10^(<see cref="InputGainDecibels"/>/20), rounded to float32.</summary>
    public float InputGain { get; }

    /// <summary>10^(<see cref="OutputGainDecibels"/>/20), rounded to float32.</summary>
    public float OutputGain { get; }

    /// <summary>Features per frame: the audio sample first, then any conditioning inputs (a knob, ...).</summary>
    public int InputSize => Config.InputSize;

    /// <summary>Outputs per frame.</summary>
    public int OutputSize => Head.OutFeatures;

    /// <summary>
    /// AIDA-X's <c>input_batch</c>: frames × <see cref="InputSize"/> values from the training pipeline; empty when the
    /// file has none (always for GuitarML).
    /// </summary>
    public ReadOnlyMemory<float> ReferenceInput { get; }

    /// <summary>
    /// AIDA-X's <c>output_batch</c>: the network's own prediction for <see cref="ReferenceInput"/> from a zero state,
    /// frames × <see cref="OutputSize"/> values; empty when the file has none.
    /// </summary>
    public ReadOnlyMemory<float> ReferenceOutput { get; }

    /// <summary>AIDA-X's <c>metadata</c> (name, author, licence, ...); other values than strings as their JSON text. Empty for GuitarML.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// A processor that runs this model over a signal from a zero state, carrying the state from block to block.
    /// </summary>
    /// <param name="network">The network to run, or null for <see cref="Network"/>. Pass a generated class of this shape
    /// (<c>[LstmCell(Input = 1, Hidden = 40)]</c>, ...) after <see cref="CopyParametersTo"/> for the specialised kernel.</param>
    /// <exception cref="ArgumentException"><paramref name="network"/> has another shape.</exception>
    public AmpProcessor CreateProcessor(IRecurrentNetwork<float>? network = null)
    {
        network ??= Network;
        CheckShape(network.Config, nameof(network));
        return new AmpProcessor(this, network);
    }

    /// <summary>Copies the network's parameters into <paramref name="target"/>, e.g. the parameters of a generated class of this shape.</summary>
    /// <exception cref="ArgumentException"><paramref name="target"/> belongs to a network of another shape.</exception>
    public void CopyParametersTo(ParameterSet<float> target)
    {
        ArgumentNullException.ThrowIfNull(target);
        CheckShape(target.Layout.Config, nameof(target));
        target.Set(Network.Parameters.Values);
    }

    /// <summary>Runs the model over a whole signal from a zero state: <paramref name="input"/> is frames × <see cref="InputSize"/>, <paramref name="output"/> frames × <see cref="OutputSize"/>.</summary>
    public void Process(ReadOnlySpan<float> input, Span<float> output) => CreateProcessor().Process(input, output);

    private void CheckShape(RecurrentConfig config, string argument)
    {
        // Batch-first only changes how sequences are laid out; a stream steps one frame at a time.
        if (config.Kind != Config.Kind || config.InputSize != Config.InputSize || config.HiddenSize != Config.HiddenSize
            || config.NumLayers != Config.NumLayers || config.Bidirectional || config.Bias != Config.Bias || config.ProjSize != 0)
        {
            throw new ArgumentException($"{argument} must have the model's shape {Config}, but has {config}.", argument);
        }
    }
}
