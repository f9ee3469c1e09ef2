using BenchmarkDotNet.Running;
using LstmGen.Benchmarks;

// `quick [--json FILE]`: the fast interleaved ratio mode; anything else goes to BenchmarkDotNet's switcher.
if (args.Length > 0 && args[0] == "quick")
{
    return QuickMode.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(ScenarioBenchmarks).Assembly).Run(args);
return 0;
