using System;
using System.Globalization;

namespace LstmGen.Generators.Emit;

/// <summary>Names and expression builders for emitted vector code, formatted invariantly.</summary>
internal static class Code
{
    public const string V = "global::System.Runtime.Intrinsics.Vector256";
    public const string VF = "global::System.Runtime.Intrinsics.Vector256<float>";
    public const string U = "global::System.Runtime.CompilerServices.Unsafe";
    public const string VM = "global::LstmGen.Kernels.VectorMath";
    public const string Hot = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";
    public const string Generated = "[global::System.CodeDom.Compiler.GeneratedCode(\"LstmGen.Generators\", \"1.0.0\")]";

    /// <summary>A constant offset, or a variable plus a constant offset.</summary>
    public static string O(int constant, string? variable) =>
        variable is null ? Inv($"{constant}") : constant == 0 ? variable : Inv($"{variable} + {constant}");

    /// <summary>Loads a vector at a constant offset.</summary>
    public static string Ld(string reference, int offset) => Inv($"{V}.LoadUnsafe(ref {reference}, {offset})");

    /// <summary>Loads a vector at an offset expression.</summary>
    public static string LdE(string reference, string offset) => Inv($"{V}.LoadUnsafe(ref {reference}, (nuint)({offset}))");

    /// <summary>Stores a vector at a constant offset.</summary>
    public static string St(string value, string reference, int offset) => Inv($"{V}.StoreUnsafe({value}, ref {reference}, {offset});");

    /// <summary>Stores a vector at an offset expression.</summary>
    public static string StE(string value, string reference, string offset) => Inv($"{V}.StoreUnsafe({value}, ref {reference}, (nuint)({offset}));");

    /// <summary>a * b + c, fused.</summary>
    public static string Fma(string a, string b, string c) => Inv($"{V}.FusedMultiplyAdd({a}, {b}, {c})");

    public static string Bool(bool value) => value ? "true" : "false";

    public static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
