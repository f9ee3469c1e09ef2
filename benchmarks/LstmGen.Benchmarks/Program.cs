using BenchmarkDotNet.Running;
using LstmGen.Benchmarks;

// `quick [--json FILE]`: the fast interleaved ratio mode; `first-block SCENARIO [--prepare]`: the first block's latency in a
// fresh process; anything else goes to BenchmarkDotNet's switcher.
if (args.Length > 0 && args[0] == "quick")
{
    return QuickMode.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "first-block")
{
    return FirstBlock.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(ScenarioBenchmarks).Assembly).Run(args);
return 0;
