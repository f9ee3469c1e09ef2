using System.Diagnostics;
using System.Runtime.Intrinsics;
using LstmGen.Testing;

namespace LstmGen.Specialized.Tests;

/// <summary>
/// The path a machine without AVX2 takes: this assembly is started again with DOTNET_EnableAVX2=0, where
/// Vector256 is not accelerated, and checks the generated classes there against the generic oracle.
/// </summary>
/// <remarks>
/// A wiring test, not a test of the math: without Vector256 every generated call delegates to
/// <see cref="RecurrentNetwork{T}"/> over the same parameters, so agreeing with that oracle is what the delegation means.
/// What it can catch is the wiring: the fallback not being taken on such a machine, a call reaching the vector kernels
/// anyway, or the delegate seeing other parameters or arguments. The oracle's own math is tested against PyTorch.
/// </remarks>
[Collection(ScalarPathSwitch.Name)]
public class ScalarPathWiringTests
{
    internal const string Argument = "--scalar-path-check";

    [Fact]
    public async Task ScalarPath_DelegatesToOracle_WithoutAvx2_InAChildProcess()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(ScalarPathWiringTests).Assembly.Location);
        start.ArgumentList.Add(Argument);
        start.Environment["DOTNET_EnableAVX2"] = "0";
        using Process process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Task<string> error = process.StandardError.ReadToEndAsync(timeout.Token);
        string output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{output}\n{await error}");
        Assert.Contains("Vector256 accelerated: False", output, StringComparison.Ordinal);
        Assert.Contains("scalar path matches the generic path", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ScalarPath_DelegatesToOracle_WhenForced()
    {
        var net = new BiGru(seed: 4);
        var rng = new Random(4);
        float[] input = GeneratedVsGeneric.Random(rng, 3 * 2 * BiGru.InputSize);
        float[] up = GeneratedVsGeneric.Random(rng, 3 * 2 * BiGru.OutputSize);
        (float[] Output, float[] Grads) Run()
        {
            float[] output = new float[up.Length];
            net.Parameters.ZeroGradients();
            net.Forward(input, output, 2, training: true);
            net.Backward(up);
            return (output, net.Parameters.Gradients.ToArray());
        }

        (float[] vectorOut, float[] vectorGrads) = Run();
        BiGru.ForceScalarPath = true;
        try
        {
            (float[] scalarOut, float[] scalarGrads) = Run();
            var generic = new RecurrentNetwork<float>(net.Parameters);
            float[] genericOut = new float[up.Length];
            generic.Forward(input, genericOut, 2);
            Assert.Equal(genericOut, scalarOut);
            double tolerance = GeneratedVsGeneric.Tolerance(net.Config, 3);
            TensorAssert.Close("vector vs scalar output", Array.ConvertAll(scalarOut, v => (double)v), (ReadOnlySpan<float>)vectorOut, tolerance, 1e-12);
            TensorAssert.Close("vector vs scalar grads", Array.ConvertAll(scalarGrads, v => (double)v), (ReadOnlySpan<float>)vectorGrads, tolerance, 1e-12);
        }
        finally
        {
            BiGru.ForceScalarPath = false;
        }
    }

    /// <summary>Runs in the child process: every declared cell, forward (training), backward and Step.</summary>
    internal static int Check()
    {
        Console.WriteLine($"Vector256 accelerated: {Vector256.IsHardwareAccelerated}");
        if (Vector256.IsHardwareAccelerated)
        {
            return 2;
        }

        foreach (Func<IRecurrentNetwork<float>> create in Declared.All)
        {
            // Without acceleration the generated class delegates to the oracle, so the results are identical.
            IRecurrentNetwork<float> net = create();
            double worst = GeneratedVsGeneric.Check(net, seqLen: 4, batch: 2, seed: 21, withStates: true, net.GetType().Name);
            if (worst != 0)
            {
                Console.WriteLine($"{net.GetType().Name}: differs from the generic path ({worst:E2} of the tolerance)");
                return 1;
            }
        }

        Console.WriteLine("scalar path matches the generic path");
        return 0;
    }
}

/// <summary>The assembly's entry point: only the scalar-path check uses it (xunit does not).</summary>
public static class Program
{
    public static int Main(string[] args) => args.Length == 1 && args[0] == ScalarPathWiringTests.Argument ? ScalarPathWiringTests.Check() : 0;
}
/// <summary>
/// Tests that flip a generated class's ForceScalarPath, a process-wide static, run alone: a test of the same class running
/// beside them would see its calls change path halfway (and rows that must be bit-identical differ in rounding).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScalarPathSwitch
{
    public const string Name = "Scalar path switch";
}
