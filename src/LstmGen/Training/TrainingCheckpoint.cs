using System.Globalization;
using System.Numerics;
using LstmGen.IO;

namespace LstmGen.Training;

/// <summary>What <see cref="TrainingCheckpoint.Restore"/> gives back besides the model and optimizer it fills.</summary>
/// <param name="StepCount">The optimizer's steps so far.</param>
/// <param name="Random">The generator saved with the checkpoint, where it was; null when none was saved.</param>
/// <param name="Metadata">The file's metadata (the caller's own entries under <c>user.</c>).</param>
public sealed record CheckpointState(int StepCount, SeededRandom? Random, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Training checkpoints that resume bit for bit: the whole model (as <see cref="RecurrentModel{T}.Save"/> writes it),
/// the optimizer's moments, step count and learning rate, and the caller's random generator, in one safetensors file
/// written beside the path and moved over it. Restoring into a model and an optimizer built as before and training on
/// gives exactly the numbers the uninterrupted run gives, in this process or a fresh one.
/// </summary>
public static class TrainingCheckpoint
{
    private const string OptimizerKey = "optimizer", StepsKey = "optimizer.step_count", RateKey = "optimizer.learning_rate", RandomKey = "random_state";

    /// <summary>Saves a checkpoint.</summary>
    /// <param name="path">The file.</param>
    /// <param name="model">The model.</param>
    /// <param name="optimizer">The optimizer over <see cref="RecurrentModel{T}.Parameters"/>.</param>
    /// <param name="random">The generator the training draws its data from, if any.</param>
    /// <param name="metadata">The caller's own entries (epoch, ...), stored under <c>user.</c>.</param>
    public static void Save<T>(string path, RecurrentModel<T> model, Optimizer<T> optimizer, SeededRandom? random = null,
        IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckOptimizer(model, optimizer);
        SafetensorsWriter writer = model.Writer("rnn.", "fc.");
        writer.Metadata[OptimizerKey] = NameOf(optimizer);
        writer.Metadata[StepsKey] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture);
        writer.Metadata[RateKey] = optimizer.LearningRate.ToString("R", CultureInfo.InvariantCulture);
        if (random is SeededRandom r)
        {
            writer.Metadata[RandomKey] = r.State.ToString(CultureInfo.InvariantCulture);
        }

        foreach (KeyValuePair<string, string> entry in metadata ?? new Dictionary<string, string>())
        {
            writer.Metadata["user." + entry.Key] = entry.Value;
        }

        foreach ((string slot, T[][] buffers) in optimizer.StateSlots)
        {
            for (int i = 0; i < buffers.Length; i++)
            {
                writer.Add<T>(SlotName(slot, i), buffers[i], [buffers[i].Length]);
            }
        }

        writer.Save(path);
    }

    /// <summary>
    /// Restores a checkpoint into <paramref name="model"/> and <paramref name="optimizer"/>, which must be built as the
    /// saved ones were (same configuration, head and optimizer type). Nothing is changed when the file does not fit.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="model">The model to fill.</param>
    /// <param name="optimizer">The optimizer over its parameters, to fill.</param>
    /// <returns>The step count, the saved generator and the metadata.</returns>
    public static CheckpointState Restore<T>(string path, RecurrentModel<T> model, Optimizer<T> optimizer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckOptimizer(model, optimizer);
        using SafetensorsReader reader = SafetensorsReader.Open(path);
        RecurrentModel<T> saved = RecurrentModel<T>.Load(reader, null);
        if (!saved.Network.Config.Equals(model.Network.Config) || saved.Head.InFeatures != model.Head.InFeatures
            || saved.Head.OutFeatures != model.Head.OutFeatures || saved.Head.HasBias != model.Head.HasBias || saved.HeadInput != model.HeadInput)
        {
            throw new ArgumentException($"model must be built as the checkpoint's: {saved.Network.Config}, head {saved.Head}, {saved.HeadInput}; but is {model.Network.Config}, head {model.Head}, {model.HeadInput}.", nameof(model));
        }

        IReadOnlyDictionary<string, string> m = reader.Metadata;
        string kind = m.TryGetValue(OptimizerKey, out string? k) ? k : throw new SafetensorsFormatException($"The file has no '{OptimizerKey}' metadata: it is a model, not a training checkpoint.");
        if (kind != NameOf(optimizer))
        {
            throw new ArgumentException($"optimizer must be a {kind}, as the checkpoint's was, but is a {NameOf(optimizer)}.", nameof(optimizer));
        }

        // Everything is read and checked before anything is changed.
        var slots = optimizer.StateSlots.Select(s => (s.Buffers, Values: s.Buffers.Select((b, i) => ReadSlot<T>(reader, SlotName(s.Slot, i), b.Length)).ToArray())).ToArray();
        int steps = int.Parse(m[StepsKey], NumberStyles.None, CultureInfo.InvariantCulture);
        double rate = double.Parse(m[RateKey], NumberStyles.Float, CultureInfo.InvariantCulture);
        SeededRandom? random = m.TryGetValue(RandomKey, out string? state)
            ? new SeededRandom(ulong.Parse(state, NumberStyles.None, CultureInfo.InvariantCulture)) : null;

        model.Network.Parameters.Set(saved.Network.Parameters.Values);
        model.Head.Set(saved.Head.Values);
        foreach ((T[][] buffers, T[][] values) in slots)
        {
            for (int i = 0; i < buffers.Length; i++)
            {
                values[i].CopyTo(buffers[i], 0);
            }
        }

        optimizer.StepCount = steps;
        optimizer.LearningRate = rate;
        return new CheckpointState(steps, random, m);
    }

    private static T[] ReadSlot<T>(SafetensorsReader reader, string name, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!reader.Contains(name))
        {
            throw new SafetensorsFormatException($"The checkpoint has no optimizer state '{name}'.");
        }

        T[] values = reader.Read<T>(name);
        return values.Length == length ? values
            : throw new SafetensorsFormatException(FormattableString.Invariant($"The checkpoint's optimizer state '{name}' has {values.Length} elements, but the parameter buffer has {length}."));
    }

    private static void CheckOptimizer<T>(RecurrentModel<T> model, Optimizer<T> optimizer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (optimizer.Parameters.Count != model.Parameters.Count || !optimizer.Parameters.Zip(model.Parameters).All(p => ReferenceEquals(p.First, p.Second)))
        {
            throw new ArgumentException("optimizer must be over the model's Parameters, in their order (the network's, then the head's).", nameof(optimizer));
        }
    }

    private static string SlotName(string slot, int buffer) => FormattableString.Invariant($"optimizer.{slot}.{buffer}");

    private static string NameOf<T>(Optimizer<T> optimizer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string name = optimizer.GetType().Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? name : name[..tick];
    }
}
