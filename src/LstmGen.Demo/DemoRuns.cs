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
        yield return new SequenceModel("RNN (tanh)", Cells.Create(CellKind.RnnTanh, 2, o.Hidden, o.Seed), 1, o.LearningRate, o.Seed);
        yield return new SequenceModel("GRU", Cells.Create(CellKind.Gru, 2, o.Hidden, o.Seed), 1, o.LearningRate, o.Seed);
        yield return new SequenceModel("LSTM", Cells.Create(CellKind.Lstm, 2, o.Hidden, o.Seed), 1, o.LearningRate, o.Seed);
    }

    public static SequenceModel ReberModel(DemoOptions o) =>
        new("LSTM", Cells.Create(CellKind.Lstm, Tasks.EmbeddedReber.Classes, o.Hidden, o.Seed), Tasks.EmbeddedReber.Classes, o.LearningRate, o.Seed);

    /// <summary>Saves the last trained LSTM's parameters; returns the path, or null when none was trained.</summary>
    public static string? SaveLstm(IReadOnlyList<SequenceModel> models, string outDir)
    {
        SequenceModel? lstm = models.LastOrDefault(m => m.Net.Config.Kind == CellKind.Lstm);
        if (lstm is null)
        {
            return null;
        }

        // PyTorch state_dict names, so torch.nn.LSTM.load_state_dict reads it back (head under "head.").
        string path = Path.Combine(outDir, $"{lstm.Name.ToLowerInvariant()}-{(lstm.Net.Config.InputSize == 2 ? "adding" : "reber")}.safetensors");
        lstm.Net.Parameters.SaveSafetensors(path, metadata: new Dictionary<string, string> { ["config"] = lstm.Net.Config.ToString() });
        return path;
    }
}

/// <summary>Creates cells: the generic network, until generated ones are declared for these shapes.</summary>
public static class Cells
{
    public static IRecurrentNetwork<float> Create(CellKind kind, int input, int hidden, ulong seed) =>
        new RecurrentNetwork<float>(new RecurrentConfig(kind, input, hidden), seed);
}
