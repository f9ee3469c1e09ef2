using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LstmGen.CompilerServices;

/// <summary>
/// The serpentine order of a looped cell's tiles: each call on a thread walks them the other way from the call before,
/// so the weights the last step read most recently, which are still in L1, are the first the next step reads. When the
/// recurrent weights overflow L1 (a hidden-64 LSTM's are 64 KB), one order every step evicts each line before its next
/// use; alternating keeps about an L1's worth of them. The order changes no number: every tile is computed the same way.
/// For generated cells; not part of the supported API.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TileOrder
{
    // Per thread, so threads stepping their own streams never share a written cache line.
    [ThreadStatic]
    private static bool t_reversed;

    /// <summary>Flips this thread's order and returns it: true to walk the tiles last to first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool NextReversed() => t_reversed = !t_reversed;
}
