using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LstmGen.CompilerServices;
using Xunit;

namespace LstmGen.Tests.CompilerServices;

/// <summary>
/// The driver's scratch: every piece starts on a 64-byte line wherever the memory starts, the slack covers the most pieces
/// a call takes, pieces never overlap, and rented scratch comes zeroed. (Alignment is for speed only; a piece off its line still computes
/// the same, so only this test can see it lost.)
/// </summary>
public class ScratchTests
{
    // Odd lengths, so that each piece ends off a line and the next must be moved up to one.
    private static readonly int[] Pieces = [1, 37, 0, 8, 15, 17, 3, 64, 5, 31, 2, 9];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(15)]
    public void Pieces_start_on_cache_lines_and_fit_the_slack(int startFloats)
    {
        Assert.Equal(Scratch.MaxPieces, Pieces.Length);
        int length = Pieces.Sum();
        // A pinned array, so its address is fixed; the memory handed over starts startFloats past a line boundary.
        float[] backing = GC.AllocateArray<float>(length + Scratch.Slack + (2 * Scratch.LineFloats), pinned: true);
        nint origin = Marshal.UnsafeAddrOfPinnedArrayElement(backing, 0);
        int line = (int)((64 - (origin & 63)) & 63) / sizeof(float);
        Span<float> memory = backing.AsSpan(line + startFloats, length + Scratch.Slack);

        var scratch = new Scratch(memory);
        long previousEnd = -1;
        foreach (int n in Pieces)
        {
            Span<float> piece = scratch.Take(n);
            Assert.Equal(n, piece.Length);
            long at = Unsafe.ByteOffset(ref backing[0], ref MemoryMarshal.GetReference(piece)) + origin;
            Assert.True(at % 64 == 0, $"a piece of {n} floats starts {at % 64} bytes past a line");
            Assert.True(at >= previousEnd, "pieces overlap");
            previousEnd = at + (n * sizeof(float));
        }
    }

    [Fact]
    public void Rented_scratch_has_the_slack_and_is_cleared()
    {
        int length = Scratch.StackFloats + 1;
        float[]? rented = Scratch.RentIfLarge(length, "seqLen");
        Assert.NotNull(rented);
        try
        {
            rented.AsSpan().Fill(1f);
            Span<float> memory = Scratch.Cleared(rented, length);
            Assert.Equal(length + Scratch.Slack, memory.Length);
            Assert.All(memory.ToArray(), v => Assert.Equal(0f, v));
            var scratch = new Scratch(memory);
            Assert.Equal(length, scratch.Take(length).Length);
        }
        finally
        {
            Scratch.Return(rented);
        }
    }

    [Fact]
    public void Contiguous_scratch_takes_pieces_back_to_back()
    {
        Span<float> memory = new float[Pieces.Sum()];
        var scratch = Scratch.Contiguous(memory);
        int offset = 0;
        foreach (int n in Pieces)
        {
            Span<float> piece = scratch.Take(n);
            Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(piece), ref MemoryMarshal.GetReference(memory[offset..])));
            offset += n;
        }
    }
}
