using LstmGen.Training;

namespace LstmGen.ResumeCheck;

/// <summary>
/// One training run, the same in every process: a generated GRU with a head on the last step, Adam, a step-decayed
/// learning rate and batches drawn from a seeded generator that the checkpoint carries.
/// </summary>
public static class ResumeScenario
{
    public const int SeqLen = 9, Batch = 4;

    /// <summary>A model, its optimizer and the data generator, as a run starts.</summary>
    public static (RecurrentModel<float> Model, Adam<float> Optimizer) Build()
    {
        var model = new RecurrentModel<float>(new ResumeGru(seed: 17), new Linear<float>(ResumeGru.HiddenSize, 2, seed: 18), HeadInput.LastStep);
        return (model, new Adam<float>(model.Parameters, lr: 0.02));
    }

    /// <summary>Trains <paramref name="steps"/> steps, drawing each batch from <paramref name="random"/>.</summary>
    public static void Train(RecurrentModel<float> model, Adam<float> optimizer, ref SeededRandom random, int steps)
    {
        float[] input = new float[SeqLen * Batch * ResumeGru.InputSize], target = new float[Batch * 2];
        for (int s = 0; s < steps; s++)
        {
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = (float)random.NextNormal();
            }

            for (int i = 0; i < target.Length; i++)
            {
                target[i] = (float)random.NextUniform(-1, 1);
            }

            model.TrainStep(input, Batch, target, optimizer, maxGradNorm: 1.0);
            if (optimizer.StepCount % 4 == 0)
            {
                optimizer.LearningRate *= 0.5; // a schedule: the checkpoint must carry the changed rate
            }
        }
    }

    /// <summary>The other process's part: restore, train on, save the model.</summary>
    public static void Resume(string checkpoint, int steps, string output)
    {
        (RecurrentModel<float> model, Adam<float> optimizer) = Build();
        CheckpointState state = TrainingCheckpoint.Restore(checkpoint, model, optimizer);
        SeededRandom random = state.Random ?? throw new InvalidOperationException("the checkpoint has no generator state");
        Train(model, optimizer, ref random, steps);
        model.Save(output);
    }
}

[GruCell(Input = 3, Hidden = 7)]
public partial class ResumeGru { }
