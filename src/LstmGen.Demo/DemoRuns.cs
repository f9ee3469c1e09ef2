using LstmGen.Demo.Training;
using LstmGen.IO;

namespace LstmGen.Demo;

/// <summary>The models and settings of the demo's runs.</summary>
public static class DemoRuns
{
    public static TrainingOptions AddingOptions(DemoOptions o) =>
        new(o.SeqLen, o.Epochs, o.BatchesPerEpoch, o.Batch, o.Seed, o.LearningRate, ClipNorm: 1.0, TestSize: 1000);

    public static TrainingOptions ReberOptions(DemoOptions o) =>
        new(0, o.Epochs, o.BatchesPerEpoch, o.Batch, o.Seed, o.LearningRate, ClipNorm: 1.0, TestSize: 1000);

    /// <summary>A vanilla RNN, a GRU and an LSTM with the same hidden size, each with a linear head.</summary>
    public static IEnumerable<SequenceModel> AddingModels(DemoOptions o)
    {
        yield return Model("RNN (tanh)", CellKind.RnnTanh, 2, 1, HeadInput.LastStep, o);
        yield return Model("GRU", CellKind.Gru, 2, 1, HeadInput.LastStep, o);
        yield return Model("LSTM", CellKind.Lstm, 2, 1, HeadInput.LastStep, o);
    }

    public static SequenceModel ReberModel(DemoOptions o) => Model("LSTM", CellKind.Lstm, Tasks.EmbeddedReber.Classes, Tasks.EmbeddedReber.Classes, HeadInput.EachStep, o);

    private static SequenceModel Model(string name, CellKind kind, int input, int outputs, HeadInput headInput, DemoOptions o)
    {
        IRecurrentNetwork<float> net = Cells.Create(kind, input, o.Hidden, o.Seed);
        if (kind == CellKind.Lstm && !double.IsNaN(o.ForgetBias))
        {
            // A positive forget bias keeps the cell state flowing early in training.
            LstmGen.Training.ParameterInit.SetForgetGateBias(net.Parameters, o.ForgetBias);
        }

        return new SequenceModel($"{name}, {Cells.Describe(net)}", net, outputs, headInput, o.LearningRate, o.Seed);
    }

    /// <summary>
    /// Saves the last trained LSTM as a whole model (network, head, configuration) and loads it back into a fresh
    /// network: the reloaded model's test loss must equal the trained one's. Null when no LSTM was trained.
    /// </summary>
    public static (string Path, double Trained, double Reloaded)? SaveAndReload(IReadOnlyList<SequenceModel> models, DemoOptions o)
    {
        SequenceModel? lstm = models.LastOrDefault(m => m.Net.Config.Kind == CellKind.Lstm);
        if (lstm is null)
        {
            return null;
        }

        bool adding = lstm.Net.Config.InputSize == 2;
        string path = Path.Combine(o.OutDir, $"lstm-{(adding ? "adding" : "reber")}.safetensors");
        lstm.Model.Save(path, networkPrefix: "lstm.", headPrefix: "fc.");
        RecurrentModel<float> reloaded = RecurrentModel<float>.Load(path, c => Cells.Create(c.Kind, c.InputSize, c.HiddenSize, seed: 0));
        double TestLoss(RecurrentModel<float> model) => adding
            ? Trainers.AddingTestLoss(model, AddingOptions(o))
            : Trainers.ReberTest(model, Trainers.ReberTestStrings(ReberOptions(o)), out _);
        return (path, TestLoss(lstm.Model), TestLoss(reloaded));
    }
}

// The demo's cells, specialised by the generator for the default hidden size.
[RnnCell(Input = 2, Hidden = 32)]
public partial class AddingRnn { }

[GruCell(Input = 2, Hidden = 32)]
public partial class AddingGru { }

[LstmCell(Input = 2, Hidden = 32)]
public partial class AddingLstm { }

[LstmCell(Input = 7, Hidden = 32)]
public partial class ReberLstm { }

/// <summary>
/// Creates cells: the generated class when one is declared for the shape, else the generic network. Both are
/// <see cref="IRecurrentNetwork{T}"/>, so the training code does not care which it gets.
/// </summary>
public static class Cells
{
    public static IRecurrentNetwork<float> Create(CellKind kind, int input, int hidden, ulong seed) => (kind, input, hidden) switch
    {
        (CellKind.RnnTanh, 2, AddingRnn.HiddenSize) => new AddingRnn(seed),
        (CellKind.Gru, 2, AddingGru.HiddenSize) => new AddingGru(seed),
        (CellKind.Lstm, 2, AddingLstm.HiddenSize) => new AddingLstm(seed),
        (CellKind.Lstm, ReberLstm.InputSize, ReberLstm.HiddenSize) => new ReberLstm(seed),
        _ => new RecurrentNetwork<float>(new RecurrentConfig(kind, input, hidden), seed),
    };

    /// <summary>"generated" or "generic", for the results table.</summary>
    public static string Describe(IRecurrentNetwork<float> net) => net is RecurrentNetwork<float> ? "generic" : "generated";
}
