namespace LstmGen.Tests.Hardening;

/// <summary>
/// Random span lengths and dimensions against the runtime API: every call either succeeds with exactly the lengths
/// the shapes require, or throws an ArgumentException naming a parameter; never an access violation, an
/// IndexOutOfRangeException or a silently wrong shape.
/// </summary>
public class ApiFuzzTests
{
    [Fact]
    public void Random_lengths_and_dimensions_throw_argument_exceptions_or_succeed()
    {
        var rng = new SeededRandom(2026);
        int succeeded = 0, rejected = 0;
        for (int trial = 0; trial < 3000; trial++)
        {
            var config = new RecurrentConfig((CellKind)rng.NextInt(4), 1 + rng.NextInt(4), 2 + rng.NextInt(4), 1 + rng.NextInt(3), rng.NextInt(2) == 0, rng.NextInt(2) == 0, rng.NextInt(2) == 0);
            var net = new RecurrentNetwork<float>(config, seed: (ulong)trial);
            // Mostly valid counts, sometimes zero or negative.
            int seqLen = rng.NextInt(8) == 0 ? -rng.NextInt(2) : 1 + rng.NextInt(3);
            int batch = rng.NextInt(8) == 0 ? -rng.NextInt(2) : 1 + rng.NextInt(3);
            int s = Math.Max(seqLen, 0), b = Math.Max(batch, 0);
            int Jitter(int exact) => rng.NextInt(12) switch { 0 => Math.Max(0, exact - 1), 1 => exact + 1, 2 => 0, _ => exact };
            float[] input = new float[Jitter(s * b * config.InputSize)];
            float[] output = new float[Jitter(s * b * config.OutputSize)];
            float[] hN = new float[Jitter(config.StateRows * b * config.OutputHidden)];
            float[] cN = new float[config.HasCellState ? Jitter(config.StateRows * b * config.HiddenSize) : (rng.NextInt(8) == 0 ? 3 : 0)];
            bool valid = seqLen > 0 && batch > 0 && input.Length == s * b * config.InputSize && output.Length == s * b * config.OutputSize
                && (hN.Length == 0 || hN.Length == config.StateRows * b * config.OutputHidden)
                && (cN.Length == 0 || (config.HasCellState && cN.Length == config.StateRows * b * config.HiddenSize));
            try
            {
                net.Forward(input, output, batch, final: new(hN, cN), training: rng.NextInt(2) == 0);
                Assert.True(valid, $"trial {trial}: accepted invalid lengths for {config}");
                succeeded++;
            }
            catch (ArgumentException e)
            {
                Assert.False(valid, $"trial {trial}: rejected valid lengths: {e.Message}");
                Assert.False(string.IsNullOrEmpty(e.ParamName), $"trial {trial}: no parameter named: {e.Message}");
                rejected++;
            }
        }

        // Both outcomes must actually have been exercised.
        Assert.True(succeeded > 100 && rejected > 100, $"{succeeded} succeeded, {rejected} rejected");
    }
}
