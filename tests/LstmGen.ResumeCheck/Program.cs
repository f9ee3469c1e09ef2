using LstmGen.ResumeCheck;

// resume CHECKPOINT STEPS OUT: restores the checkpoint into a freshly built model and optimizer, trains STEPS more
// steps and saves the model to OUT.
if (args.Length != 4 || args[0] != "resume")
{
    Console.Error.WriteLine("usage: LstmGen.ResumeCheck resume CHECKPOINT STEPS OUT");
    return 2;
}

ResumeScenario.Resume(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), args[3]);
return 0;
