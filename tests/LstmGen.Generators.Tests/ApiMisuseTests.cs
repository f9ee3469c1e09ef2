using Microsoft.CodeAnalysis;

namespace LstmGen.Generators.Tests;

/// <summary>Misuse of the public API that the compiler rejects: a state going in and a state coming out cannot be swapped.</summary>
public class ApiMisuseTests
{
    private static IEnumerable<Diagnostic> Errors(string body)
    {
        string source = "#pragma warning disable CS1591\nusing System;\nusing LstmGen;\n[LstmCell(Input = 2, Hidden = 3)]\npublic partial class Net { }\n"
            + "public static class Use\n{\n    public static void Call(float[] x, float[] y, float[] h0, float[] c0, float[] hN, float[] cN)\n    {\n"
            + "        var net = new Net();\n        var initial = new ReadOnlyStateSpan<float>(h0, c0);\n        var final = new StateSpan<float>(hN, cN);\n"
            + "        " + body + "\n    }\n}\n";
        (Compilation output, _) = GeneratorHarness.Run(GeneratorHarness.Compilation(source));
        return output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void The_right_order_compiles() => Assert.Empty(Errors("net.Forward(x, y, 1, initial, final); net.Step(x, y, final);"));

    [Theory]
    [InlineData("net.Forward(x, y, 1, final, initial);")]
    [InlineData("net.Forward(x, y, 1, initial: final);")]
    [InlineData("net.Forward(x, y, 1, final: initial);")]
    [InlineData("net.Backward(y, x, final, initial);")]
    [InlineData("net.Step(x, y, initial);")]
    public void Swapped_states_do_not_compile(string call) =>
        Assert.Contains(Errors(call), d => d.Id == "CS1503");

    [Theory]
    [InlineData("net.Parameters.Values[0] = 1f;", "CS8331")]
    [InlineData("net.Parameters[\"weight_hh_l0\"][0] = 1f;", "CS8331")]
    [InlineData("Span<float> kept = default; net.Parameters.Update(v => kept = v); kept[0] = 1f;", "CS8175")]
    public void A_write_that_a_kernel_could_miss_does_not_compile(string code, string id)
    {
        // Values and the indexers are read-only; the span an update gets cannot leave the update, so no write can
        // happen after the kernel's packed copy was made without the version changing.
        Assert.Contains(Errors(code), d => d.Id == id);
        Assert.Empty(Errors("net.Parameters.Update(\"weight_hh_l0\", v => v[0] = 1f); net.Parameters.Set(\"weight_hh_l0\", new float[36]);"));
    }
}
