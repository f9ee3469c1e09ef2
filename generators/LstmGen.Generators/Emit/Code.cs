using System;
using System.Globalization;

namespace LstmGen.Generators.Emit;

/// <summary>Names and expression builders for emitted vector code, formatted invariantly.</summary>
internal static class Code
{
    private const string Vector256 = "global::System.Runtime.Intrinsics.Vector256";
    private const string Vector128 = "global::System.Runtime.Intrinsics.Vector128";

    // The width the cell methods are being written in, and in a 128-bit set the lanes of each block of 8 that the
    // statements being written cover (0 or 4). Set only by Narrow() and EachHalf(), on the thread that emits the file
    // (the generator writes a file on one thread), and restored when their scope ends.
    [ThreadStatic]
    private static bool t_narrow;

    [ThreadStatic]
    private static int t_lane;

    /// <summary>The vector type's static members: Vector256, or Vector128 in the 128-bit cell set.</summary>
    public static string V => t_narrow ? Vector128 : Vector256;

    /// <summary>The type of a vector: Vector256&lt;float&gt; (a block of 8 units), or Vector128&lt;float&gt; (half a block).</summary>
    public static string VF => V + "<float>";

    /// <summary>What the cell methods' names end in: nothing, or <c>128</c> in the 128-bit set (<c>Cell128</c>, ...).</summary>
    public static string CellSuffix => t_narrow ? "128" : "";

    /// <summary>True while the 128-bit cell set is written.</summary>
    public static bool IsNarrow => t_narrow;

    /// <summary>The code written until the scope is disposed is the 128-bit cell set.</summary>
    public static Scope Narrow() => new Scope(narrow: true, lane: 0);

    /// <summary>
    /// Writes <paramref name="body"/> once, or in the 128-bit set once per half of each block of 8 (lanes 0..3, then
    /// 4..7), each in its own scope: the cell math is lane by lane, so a half is the same code with every packed offset
    /// 4 further (<see cref="Ld"/>, <see cref="LdE"/>, <see cref="St"/>, <see cref="StE"/> add it); the scalar reads
    /// of h that are broadcast do not move.
    /// </summary>
    public static void EachHalf(SourceWriter w, Action body)
    {
        if (!t_narrow)
        {
            body();
            return;
        }

        for (int lane = 0; lane < 8; lane += 4)
        {
            w.Line($"// Lanes {lane}..{lane + 3} of each block of 8.");
            using (w.Block())
            using (new Scope(narrow: true, lane))
            {
                body();
            }
        }
    }

    /// <summary>An offset expression moved to the current half's lanes (unchanged in the Vector256 set and in lanes 0..3).</summary>
    public static string Lane(string offset) =>
        t_lane == 0 ? offset
        : int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out int constant) ? Inv($"{constant + t_lane}")
        : Inv($"({offset} + {t_lane})");

    /// <summary>Restores the width and lanes in force before it was made.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly bool _narrow;
        private readonly int _lane;

        public Scope(bool narrow, int lane)
        {
            _narrow = t_narrow;
            _lane = t_lane;
            t_narrow = narrow;
            t_lane = lane;
        }

        public void Dispose()
        {
            t_narrow = _narrow;
            t_lane = _lane;
        }
    }

    public const string U = "global::System.Runtime.CompilerServices.Unsafe";
    public const string VM = "global::LstmGen.Kernels.VectorMath";
    public const string Hot = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";
    public const string Generated = "[global::System.CodeDom.Compiler.GeneratedCode(\"LstmGen.Generators\", \"1.0.0\")]";

    /// <summary>A constant offset, or a variable plus a constant offset.</summary>
    public static string O(int constant, string? variable) =>
        variable is null ? Inv($"{constant}") : constant == 0 ? variable : Inv($"{variable} + {constant}");

    /// <summary>Loads a vector at a constant offset.</summary>
    public static string Ld(string reference, int offset) => Inv($"{V}.LoadUnsafe(ref {reference}, {offset + t_lane})");

    /// <summary>Loads a vector at an offset expression.</summary>
    public static string LdE(string reference, string offset) => Inv($"{V}.LoadUnsafe(ref {reference}, (nuint)({Lane(offset)}))");

    /// <summary>Stores a vector at a constant offset.</summary>
    public static string St(string value, string reference, int offset) => Inv($"{V}.StoreUnsafe({value}, ref {reference}, {offset + t_lane});");

    /// <summary>Stores a vector at an offset expression.</summary>
    public static string StE(string value, string reference, string offset) => Inv($"{V}.StoreUnsafe({value}, ref {reference}, (nuint)({Lane(offset)}));");

    /// <summary>
    /// a * b + c, fused; in the 128-bit set <c>Vector128.MultiplyAddEstimate</c>, one JIT intrinsic that is fused where the
    /// CPU has a multiply-add (FMLA on ARM64, FMA on x64) and a multiply and an add where it has not (x64 without AVX2
    /// has no FMA, and Vector128.FusedMultiplyAdd would be emulated there lane by lane).
    /// </summary>
    public static string Fma(string a, string b, string c) => Inv($"{V}.{(t_narrow ? "MultiplyAddEstimate" : "FusedMultiplyAdd")}({a}, {b}, {c})");

    public static string Bool(bool value) => value ? "true" : "false";

    public static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
