using BenchmarkDotNet.Running;
using LstmGen.Benchmarks;

// `quick [--json FILE]`: the fast interleaved ratio mode; `first-block SCENARIO [--prepare]`: the first block's latency in a
// fresh process; `first-call [--prepare]`: see FirstCall; anything else goes to BenchmarkDotNet's switcher.
if (args.Length > 0 && args[0] == "quick")
{
    return QuickMode.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "first-block")
{
    return FirstBlock.Run(args[1..]);
}

// `first-call [--prepare]`: the first Step and Forward of a fresh process, with or without IRecurrentNetwork.Prepare().
if (args.Length > 0 && args[0] == "first-call")
{
    return FirstCall.Run(args[1..]);
}

// `ab OTHER_BUILD_DIR`: this build's generated kernels against another build's, alternated in one process; see BuildComparison.
if (args.Length > 0 && args[0] == "ab")
{
    return BuildComparison.Run(args[1..]);
}

// `ulp [sigmoid|tanh]`: VectorMath's activations over all 2^32 floats against double precision; see UlpCheck.
if (args.Length > 0 && args[0] == "ulp")
{
    return UlpCheck.Run(args[1..]);
}

// `latency`: each activation's cost on a dependent chain, in cycles; see LatencyCheck.
if (args.Length > 0 && args[0] == "latency")
{
    return LatencyCheck.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(ScenarioBenchmarks).Assembly).Run(args);
return 0;
