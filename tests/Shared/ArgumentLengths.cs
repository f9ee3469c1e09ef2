using System.Numerics;

namespace LstmGen.Testing;

/// <summary>
/// Every length-checked argument of <see cref="IRecurrentNetwork{T}.Forward"/>, <see cref="IRecurrentNetwork{T}.Backward"/>
/// and <see cref="IRecurrentNetwork{T}.Step"/>, one element too short and one too long, on any network (generic or
/// generated): each must throw an <see cref="ArgumentException"/> whose <see cref="ArgumentException.ParamName"/> is that
/// argument and whose message gives the length it got, before any kernel runs (the outputs keep a sentinel). The exact
/// lengths, and empty optional arguments, must be accepted. A state of the cell state c on a network without one must
/// be empty.
/// </summary>
public static class ArgumentLengths
{
    private const int SeqLen = 3, Batch = 2;

    /// <summary>Runs every check that applies to <paramref name="net"/> (Step only for unidirectional networks).</summary>
    public static void CheckAll<T>(IRecurrentNetwork<T> net)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RecurrentConfig c = net.Config;
        int stateH = c.StateRows * Batch * c.OutputHidden, stateC = c.HasCellState ? c.StateRows * Batch * c.HiddenSize : 0;
        int input = SeqLen * Batch * c.InputSize, output = SeqLen * Batch * c.OutputSize;

        Check(net, "Forward", new()
        {
            ["input"] = new(input, Optional: false), ["output"] = new(output, Optional: false),
            ["hN"] = new(stateH, Optional: true), ["cN"] = new(stateC, Optional: true),
            ["h0"] = new(stateH, Optional: true), ["c0"] = new(stateC, Optional: true),
        }, (n, a) => n.Forward(a["input"], SeqLen, Batch, a["output"], a["hN"], a["cN"], a["h0"], a["c0"], training: false),
        outputs: ["output", "hN", "cN"]);

        // Backward after a training forward of the same shape; the failed calls leave the tape in place for the valid one.
        net.Forward(new T[input], SeqLen, Batch, new T[output], default, default, default, default, training: true);
        Check(net, "Backward", new()
        {
            ["gradOutput"] = new(output, Optional: true), ["gradHN"] = new(stateH, Optional: true), ["gradCN"] = new(stateC, Optional: true),
            ["gradInput"] = new(input, Optional: true), ["gradH0"] = new(stateH, Optional: true), ["gradC0"] = new(stateC, Optional: true),
        }, (n, a) => n.Backward(a["gradOutput"], a["gradHN"], a["gradCN"], a["gradInput"], a["gradH0"], a["gradC0"]),
        outputs: ["gradInput", "gradH0", "gradC0"], beforeValid: n => n.Forward(new T[input], SeqLen, Batch, new T[output], default, default, default, default, training: true));

        if (!c.Bidirectional)
        {
            Check(net, "Step", new()
            {
                ["input"] = new(Batch * c.InputSize, Optional: false), ["h"] = new(stateH, Optional: false),
                ["c"] = new(stateC, Optional: !c.HasCellState), ["output"] = new(Batch * c.OutputHidden, Optional: true),
            }, (n, a) => n.Step(a["input"], Batch, a["h"], a["c"], a["output"]),
            outputs: ["h", "c", "output"]);
        }
    }

    /// <summary>An argument's exact length and whether it may be empty (a c of length 0 on a network without c is "optional").</summary>
    private sealed record Expected(int Length, bool Optional);

    private static void Check<T>(IRecurrentNetwork<T> net, string method, Dictionary<string, Expected> arguments,
        Action<IRecurrentNetwork<T>, Dictionary<string, T[]>> call, string[] outputs, Action<IRecurrentNetwork<T>>? beforeValid = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string where = $"{net.GetType().Name} {net.Config} {method}";
        Dictionary<string, T[]> Arrays(string? name, int length)
        {
            var arrays = arguments.ToDictionary(a => a.Key, a => new T[a.Key == name ? length : a.Value.Length]);
            foreach (string o in outputs)
            {
                arrays[o].AsSpan().Fill(T.CreateChecked(7));
            }

            return arrays;
        }

        foreach ((string name, Expected expected) in arguments)
        {
            // A c on a network without a cell state: any length but 0 is wrong. Otherwise one too short and one too long
            // (for an optional argument of length 1, "too short" would be empty, which is allowed).
            int[] wrong = expected.Length == 0 ? [1, 2] : [expected.Length - 1, expected.Length + 1];
            foreach (int length in wrong.Where(l => !(l == 0 && expected.Optional)))
            {
                Dictionary<string, T[]> arrays = Arrays(name, length);
                ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => call(net, arrays));
                Assert.True(e.ParamName == name, $"{where}: {name} of length {length} (expected {expected.Length}) threw with ParamName '{e.ParamName}': {e.Message}");
                Assert.True(expected.Length == 0 ? e.Message.Contains("must be empty", StringComparison.Ordinal)
                    : e.Message.Contains($"= {expected.Length} elements", StringComparison.Ordinal) && e.Message.Contains($"but has {length}.", StringComparison.Ordinal),
                    $"{where}: {name} of length {length}: the message does not give the lengths: {e.Message}");
                foreach (string o in outputs)
                {
                    Assert.True(arrays[o].All(v => v == T.CreateChecked(7)), $"{where}: {name} of length {length} was rejected after {o} was written.");
                }
            }
        }

        // Exact lengths, then each optional argument empty, are accepted.
        foreach (string? empty in arguments.Where(a => a.Value.Optional && a.Value.Length > 0).Select(a => a.Key).Prepend(null))
        {
            beforeValid?.Invoke(net);
            call(net, Arrays(empty, 0));
        }
    }
}
