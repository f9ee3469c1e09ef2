using System.Numerics;

namespace LstmGen.Testing;

/// <summary>
/// Every length-checked argument of <see cref="IRecurrentNetwork{T}.Forward"/>, <see cref="IRecurrentNetwork{T}.Backward"/>
/// and <see cref="IRecurrentNetwork{T}.Step"/>, one element too short and one too long, on any network (generic or
/// generated): each must throw an <see cref="ArgumentException"/> whose <see cref="ArgumentException.ParamName"/> is that
/// argument (the state for its parts: "initial" for initial.H) and whose message names it and gives the length it got, before any kernel runs (the outputs keep a sentinel). The exact
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
            ["final.H"] = new(stateH, Optional: true), ["final.C"] = new(stateC, Optional: true),
            ["initial.H"] = new(stateH, Optional: true), ["initial.C"] = new(stateC, Optional: true),
        }, (n, a) => n.Forward(a["input"], a["output"], Batch, initial: new(a["initial.H"], a["initial.C"]), final: new(a["final.H"], a["final.C"])),
        outputs: ["output", "final.H", "final.C"], derived: Batch * c.InputSize);

        // Backward after a training forward of the same shape; the failed calls leave the tape in place for the valid one.
        net.Forward(new T[input], new T[output], Batch, training: true);
        Check(net, "Backward", new()
        {
            ["gradOutput"] = new(output, Optional: true), ["gradFinal.H"] = new(stateH, Optional: true), ["gradFinal.C"] = new(stateC, Optional: true),
            ["gradInput"] = new(input, Optional: true), ["gradInitial.H"] = new(stateH, Optional: true), ["gradInitial.C"] = new(stateC, Optional: true),
        }, (n, a) => n.Backward(a["gradOutput"], gradInput: a["gradInput"], gradFinal: new(a["gradFinal.H"], a["gradFinal.C"]), gradInitial: new(a["gradInitial.H"], a["gradInitial.C"])),
        outputs: ["gradInput", "gradInitial.H", "gradInitial.C"], beforeValid: n => n.Forward(new T[input], new T[output], Batch, training: true));

        if (!c.Bidirectional)
        {
            Check(net, "Step", new()
            {
                ["input"] = new(Batch * c.InputSize, Optional: false), ["state.H"] = new(stateH, Optional: false),
                ["state.C"] = new(stateC, Optional: !c.HasCellState), ["output"] = new(Batch * c.OutputHidden, Optional: true),
            }, (n, a) => n.Step(a["input"], a["output"], new(a["state.H"], a["state.C"])),
            outputs: ["state.H", "state.C", "output"], derived: c.InputSize);
        }
    }

    /// <summary>An argument's exact length and whether it may be empty (a c of length 0 on a network without c is "optional").</summary>
    private sealed record Expected(int Length, bool Optional);

    // The argument's name in messages is "state.H"; its parameter (ParamName) is "state".
    private static string Parameter(string name) => name.Split('.')[0];

    // derived: the input's length is a multiple of this, and the multiple is a count (seqLen or batch) that the call takes
    // from it; a wrong input length that is still a multiple means another count, which the next argument then contradicts.
    private static void Check<T>(IRecurrentNetwork<T> net, string method, Dictionary<string, Expected> arguments,
        Action<IRecurrentNetwork<T>, Dictionary<string, T[]>> call, string[] outputs, Action<IRecurrentNetwork<T>>? beforeValid = null,
        int derived = 0)
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
                bool otherCount = name == "input" && length % derived == 0;
                if (otherCount)
                {
                    // Another seqLen or batch: rejected on an argument whose length follows from it.
                    Assert.True(e.ParamName is not null && e.ParamName != "input", $"{where}: input of length {length} (another count) threw with ParamName '{e.ParamName}': {e.Message}");
                }
                else
                {
                    Assert.True(e.ParamName == Parameter(name), $"{where}: {name} of length {length} (expected {expected.Length}) threw with ParamName '{e.ParamName}': {e.Message}");
                    bool lengths = name == "input"
                        ? e.Message.Contains(FormattableString.Invariant($"a non-zero multiple of"), StringComparison.Ordinal)
                        : e.Message.Contains(FormattableString.Invariant($"= {expected.Length} elements"), StringComparison.Ordinal);
                    Assert.True(expected.Length == 0 ? e.Message.Contains("must be empty", StringComparison.Ordinal)
                        : lengths && e.Message.StartsWith(name + " must", StringComparison.Ordinal) && e.Message.Contains($"but has {length}.", StringComparison.Ordinal),
                        $"{where}: {name} of length {length}: the message does not name it and give the lengths: {e.Message}");
                }

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
