using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LstmGen.CompilerServices;

/// <summary>Copies of whole 8-float vectors, for generated cells (their record rows and padded states).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class VectorCopy
{
    /// <summary>Copies <paramref name="length"/> floats, a multiple of 8, from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(ref float source, ref float destination, int length)
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            // The Vector128 cells: 4 floats at a time.
            for (int v = 0; v < length; v += 4)
            {
                Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref source, (nuint)v), ref destination, (nuint)v);
            }

            return;
        }

        for (int v = 0; v < length; v += 8)
        {
            Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref source, (nuint)v), ref destination, (nuint)v);
        }
    }
}
