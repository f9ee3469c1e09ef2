using System.Diagnostics;
using LstmGen.IO;
using LstmGen.ResumeCheck;
using LstmGen.Training;

namespace LstmGen.Tests.Training;

/// <summary>Checkpoints resume bit for bit: N steps equal k steps, a checkpoint, and N-k steps in a fresh process.</summary>
public class CheckpointTests
{
    private const int Steps = 10, Split = 6;

    [Fact]
    public void Training_resumed_in_a_fresh_process_equals_the_uninterrupted_run()
    {
        // Uninterrupted.
        (RecurrentModel<float> reference, Adam<float> refOptimizer) = ResumeScenario.Build();
        var random = new SeededRandom(99);
        ResumeScenario.Train(reference, refOptimizer, ref random, Steps);

        // Split: k steps here, a checkpoint, the rest in another process.
        string dir = Directory.CreateTempSubdirectory("lstmgen-resume-").FullName;
        try
        {
            (RecurrentModel<float> model, Adam<float> optimizer) = ResumeScenario.Build();
            random = new SeededRandom(99);
            ResumeScenario.Train(model, optimizer, ref random, Split);
            string checkpoint = Path.Combine(dir, "checkpoint.safetensors"), resumed = Path.Combine(dir, "resumed.safetensors");
            TrainingCheckpoint.Save(checkpoint, model, optimizer, random, new Dictionary<string, string> { ["epoch"] = "3" });
            RunResume(checkpoint, Steps - Split, resumed);

            RecurrentModel<float> fromOtherProcess = RecurrentModel<float>.Load(resumed);
            Assert.Equal(reference.Network.Parameters.Values.ToArray(), fromOtherProcess.Network.Parameters.Values.ToArray());
            Assert.Equal(reference.Head.Values.ToArray(), fromOtherProcess.Head.Values.ToArray());
            Assert.NotEqual(model.Head.Values.ToArray(), fromOtherProcess.Head.Values.ToArray()); // it did train on
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_checkpoint_restores_the_moments_the_step_count_the_rate_and_the_generator()
    {
        (RecurrentModel<float> model, Adam<float> optimizer) = ResumeScenario.Build();
        var random = new SeededRandom(5);
        ResumeScenario.Train(model, optimizer, ref random, 5);
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-checkpoint-{Guid.NewGuid():N}.safetensors");
        try
        {
            TrainingCheckpoint.Save(path, model, optimizer, random, new Dictionary<string, string> { ["epoch"] = "2" });
            (RecurrentModel<float> fresh, Adam<float> freshOptimizer) = ResumeScenario.Build();
            CheckpointState state = TrainingCheckpoint.Restore(path, fresh, freshOptimizer);
            Assert.Equal(5, state.StepCount);
            Assert.Equal(5, freshOptimizer.StepCount);
            Assert.Equal(optimizer.LearningRate, freshOptimizer.LearningRate);
            Assert.Equal(random.State, state.Random!.Value.State);
            Assert.Equal("2", state.Metadata["user.epoch"]);

            // The same next steps in this process too.
            SeededRandom a = random, b = state.Random!.Value;
            ResumeScenario.Train(model, optimizer, ref a, 3);
            ResumeScenario.Train(fresh, freshOptimizer, ref b, 3);
            Assert.Equal(model.Network.Parameters.Values.ToArray(), fresh.Network.Parameters.Values.ToArray());

            // A checkpoint does not fit another optimizer type or another model.
            var sgd = new Sgd<float>(fresh.Parameters, lr: 0.1);
            ArgumentException e = Assert.Throws<ArgumentException>("optimizer", () => TrainingCheckpoint.Restore(path, fresh, sgd));
            Assert.Contains("must be a Adam", e.Message, StringComparison.Ordinal);
            var other = new RecurrentModel<float>(new RecurrentNetwork<float>(new RecurrentConfig(CellKind.Lstm, 3, 7)), new Linear<float>(7, 2), HeadInput.LastStep);
            e = Assert.Throws<ArgumentException>("model", () => TrainingCheckpoint.Restore(path, other, new Adam<float>(other.Parameters)));
            Assert.Contains("must be built as the checkpoint's", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_saved_model_loads_whole_and_a_plain_state_dict_needs_its_configuration()
    {
        (RecurrentModel<float> model, _) = ResumeScenario.Build();
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-model-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path, networkPrefix: "rec.", headPrefix: "lin.");
            RecurrentModel<float> loaded = RecurrentModel<float>.Load(path, c => new ResumeGru());
            Assert.IsType<ResumeGru>(loaded.Network);
            Assert.Equal(HeadInput.LastStep, loaded.HeadInput);
            Assert.Equal(model.Network.Parameters.Values.ToArray(), loaded.Network.Parameters.Values.ToArray());
            Assert.Equal(model.Head.Values.ToArray(), loaded.Head.Values.ToArray());

            // The same tensors as a PyTorch state_dict would hold them, without LstmGen's metadata.
            string plain = path + ".plain";
            new SafetensorsWriter().Add(model.Network.Parameters, "rec.").Add(model.Head, "lin.").Save(plain);
            SafetensorsFormatException noMetadata = Assert.Throws<SafetensorsFormatException>(() => RecurrentModel<float>.Load(plain));
            Assert.Contains("pass its configuration", noMetadata.Message, StringComparison.Ordinal);
            RecurrentModel<float> fromStateDict = RecurrentModel<float>.Load(plain, model.Network.Config, HeadInput.LastStep, "rec.", "lin.");
            Assert.Equal(model.Head.Values.ToArray(), fromStateDict.Head.Values.ToArray());
            SafetensorsFormatException wrongPrefix = Assert.Throws<SafetensorsFormatException>(() => RecurrentModel<float>.Load(plain, model.Network.Config, HeadInput.LastStep, "rec.", "fc."));
            Assert.Contains("'lin.weight'", wrongPrefix.Message, StringComparison.Ordinal);
            File.Delete(plain);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void RunResume(string checkpoint, int steps, string output)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "LstmGen.ResumeCheck.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { dll, "resume", checkpoint, steps.ToString(System.Globalization.CultureInfo.InvariantCulture), output })
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        string errors = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(120_000))
        {
            process.Kill();
            throw new Xunit.Sdk.XunitException("the resuming process did not finish within 2 minutes");
        }

        Assert.True(process.ExitCode == 0, $"the resuming process exited with {process.ExitCode}: {errors}");
    }
}
