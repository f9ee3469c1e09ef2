using System.Diagnostics;
using LstmGen.Testing;

namespace LstmGen.Specialized.Tests;

/// <summary>
/// The paths of other CPUs, on this one: this assembly is started again with a setting that turns acceleration off
/// (DOTNET_EnableAVX2=0: Vector128 only, as on ARM64; DOTNET_EnableHWIntrinsic=0: no vector width, the scalar path), and checks there that every generated class takes the
/// path that setting selects and agrees with the generic oracle.
/// </summary>
/// <remarks>
/// For the scalar path a wiring test, not a test of the math: every generated call then delegates to
/// <see cref="RecurrentNetwork{T}"/> over the same parameters, so agreeing with that oracle exactly is what the delegation
/// means. What it can catch is the wiring: the fallback not being taken on such a machine, a call reaching the vector
/// kernels anyway, or the delegate seeing other parameters or arguments. The oracle's own math is tested against PyTorch.
/// </remarks>
[Collection(ScalarPathSwitch.Name)]
public class ScalarPathWiringTests
{
    internal const string Argument = "--path-check";

    [Theory]
    [InlineData("DOTNET_EnableAVX2", KernelPath.Vector128)]
    [InlineData("DOTNET_EnableHWIntrinsic", KernelPath.Scalar)]
    public async Task GeneratedClasses_TakeThePathASettingSelects_InAChildProcess(string setting, KernelPath path)
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
        start.ArgumentList.Add(path.ToString());
        // Only this setting: a run of the whole suite under another one (CI's) must not reach the child.
        foreach (string other in new[] { "DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic" })
        {
            start.Environment.Remove(other);
        }

        start.Environment[setting] = "0";
        using Process process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Task<string> error = process.StandardError.ReadToEndAsync(timeout.Token);
        string output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{output}\n{await error}");
        Assert.Contains($"every generated class runs on {path} and matches the generic path", output, StringComparison.Ordinal);
    }

    [Fact]
    public void KernelPath_IsTheWidestAcceleratedWidth_AndScalarForTheGenericNetwork()
    {
        foreach (Func<IRecurrentNetwork<float>> create in Declared.All)
        {
            IRecurrentNetwork<float> net = create();
            Assert.Equal(GeneratedVsGeneric.ExpectedPath, net.KernelPath);
            Assert.Equal(KernelPath.Scalar, new RecurrentNetwork<float>(net.Parameters).KernelPath);
        }
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
            Assert.Equal(KernelPath.Scalar, net.KernelPath);
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

    /// <summary>Runs in the child process: every declared cell, forward (training), backward and Step, on <paramref name="path"/>.</summary>
    internal static int Check(KernelPath path)
    {
        Console.WriteLine($"this process accelerates {GeneratedVsGeneric.ExpectedPath}");
        if (GeneratedVsGeneric.ExpectedPath != path)
        {
            return 2;
        }

        foreach (Func<IRecurrentNetwork<float>> create in Declared.All)
        {
            // Check asserts the path; on the scalar path the generated class delegates to the oracle, so the results are
            // identical, and a vector path is within the tolerance (Check throws otherwise).
            IRecurrentNetwork<float> net = create();
            double worst = GeneratedVsGeneric.Check(net, seqLen: 4, batch: 2, seed: 21, withStates: true, net.GetType().Name);
            if (path == KernelPath.Scalar && worst != 0)
            {
                Console.WriteLine($"{net.GetType().Name}: differs from the generic path ({worst:E2} of the tolerance)");
                return 1;
            }

            if (!net.Config.Bidirectional)
            {
                GeneratedVsGeneric.CheckStep(net, steps: 5, batch: 3, seed: 22, net.GetType().Name);
            }
        }

        Console.WriteLine($"every generated class runs on {path} and matches the generic path");
        return 0;
    }
}

/// <summary>The assembly's entry point: only the path check uses it (xunit does not).</summary>
public static class Program
{
    public static int Main(string[] args) =>
        args.Length == 2 && args[0] == ScalarPathWiringTests.Argument ? ScalarPathWiringTests.Check(Enum.Parse<KernelPath>(args[1])) : 0;
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
