namespace LstmGen.IO;

/// <summary>The floating-point element types LstmGen reads from safetensors files (the format's <c>dtype</c> strings).</summary>
public enum SafetensorsDType
{
    /// <summary><c>F32</c>: IEEE binary32.</summary>
    F32 = 0,
    /// <summary><c>F64</c>: IEEE binary64.</summary>
    F64 = 1,
    /// <summary><c>F16</c>: IEEE binary16 (read only; widened exactly on load).</summary>
    F16 = 2,
    /// <summary><c>BF16</c>: bfloat16, the upper half of a binary32 (read only; widened exactly on load).</summary>
    BF16 = 3,
}

/// <summary>The dtypes of the safetensors format and their element sizes.</summary>
internal static class SafetensorsDTypes
{
    /// <summary>
    /// Every fixed-size dtype of the format, so that tensors a prefixed load skips (an int64 <c>num_batches_tracked</c>,
    /// a float8 layer) are still checked for size. Only the four of <see cref="SafetensorsDType"/> can be loaded.
    /// </summary>
    private static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1, ["F8_E8M0"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    /// <summary>The element size of a dtype string, or 0 when the format has no such dtype.</summary>
    public static int SizeOf(string dtype) => Sizes.TryGetValue(dtype, out int size) ? size : 0;

    /// <summary>The element size of a loadable dtype.</summary>
    public static int SizeOf(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => 4,
        SafetensorsDType.F64 => 8,
        _ => 2,
    };

    /// <summary>The loadable dtype a string names, or null.</summary>
    public static SafetensorsDType? Parse(string dtype) => dtype switch
    {
        "F32" => SafetensorsDType.F32,
        "F64" => SafetensorsDType.F64,
        "F16" => SafetensorsDType.F16,
        "BF16" => SafetensorsDType.BF16,
        _ => null,
    };
}
