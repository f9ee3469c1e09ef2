using System.Globalization;
using LstmGen.Demo;
using LstmGen.Demo.Training;
using Spectre.Console;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args is ["amp", .. var ampArgs])
{
    return AmpCommand.Run(ampArgs, Console.Out, Console.Error);
}

DemoOptions options;
try
{
    options = DemoOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(DemoOptions.Usage);
    return 0;
}

if (options.Task == "check")
{
    return GradientCheckDemo.Run();
}

// Redirected output defaults to 80 columns; the results table reads better a little wider.
AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 110);
var results = new List<TrainingResult>();
var models = new List<SequenceModel>();
AnsiConsole.MarkupLine($"[bold]LstmGen demo[/]: seed {options.Seed}, {options.Epochs} epochs x {options.BatchesPerEpoch} batches of {options.Batch}");
AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
    .Start(ctx =>
    {
        if (options.Task is "adding" or "all")
        {
            var trainOptions = DemoRuns.AddingOptions(options);
            foreach (SequenceModel model in DemoRuns.AddingModels(options))
            {
                ProgressTask bar = ctx.AddTask($"adding T={options.SeqLen}: {model.Name}", maxValue: 1.0);
                results.Add(Trainers.TrainAdding(model, trainOptions, p => bar.Value = p));
                models.Add(model);
            }
        }

        if (options.Task is "reber" or "all")
        {
            SequenceModel model = DemoRuns.ReberModel(options);
            ProgressTask bar = ctx.AddTask($"embedded Reber: {model.Name}", maxValue: 1.0);
            results.Add(Trainers.TrainReber(model, DemoRuns.ReberOptions(options), p => bar.Value = p));
            models.Add(model);
        }
    });

var table = new Table().AddColumns("task", "model", "loss, epoch 1", "loss, last", "test loss", "reference", "time");
foreach (TrainingResult r in results)
{
    string reference = r.Task == "adding"
        ? $"baseline {LstmGen.Demo.Tasks.AddingProblem.BaselineMse:0.000}"
        : $"{r.Accuracy:P1} solved";
    table.AddRow(r.Task, r.Model, $"{r.LossCurve[0]:0.0000}", $"{r.LossCurve[^1]:0.0000}", $"{r.TestLoss:0.0000}", reference, $"{r.Elapsed.TotalSeconds:0.0} s");
}

AnsiConsole.Write(table);
Directory.CreateDirectory(options.OutDir);
string plotPath = Path.Combine(options.OutDir, "loss.svg");
IReadOnlyList<(string, double)> baselines = results.Any(r => r.Task == "adding")
    ? [($"adding: baseline (predict the mean) {LstmGen.Demo.Tasks.AddingProblem.BaselineMse:0.000}", LstmGen.Demo.Tasks.AddingProblem.BaselineMse)]
    : [];
File.WriteAllText(plotPath, SvgPlot.Render("LstmGen demo: training loss per epoch", results.Select(r => ($"{r.Task}: {r.Model}", (IReadOnlyList<double>)r.LossCurve)).ToList(), baselines));
AnsiConsole.MarkupLine($"loss curves: [blue]{plotPath}[/]");
if (DemoRuns.SaveAndReload(models, options) is var (path, trained, reloaded))
{
    // The whole model (LSTM, head, configuration) under PyTorch names: {lstm: nn.LSTM, fc: nn.Linear}'s state_dict.
    string same = trained.Equals(reloaded) ? "identical" : "DIFFERENT";
    AnsiConsole.MarkupLine($"trained LSTM model saved whole: [blue]{path}[/]; reloaded, its test loss is {reloaded:0.000000} against {trained:0.000000} trained ({same})");
    if (!trained.Equals(reloaded))
    {
        return 1;
    }
}

return 0;
