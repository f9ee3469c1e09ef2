namespace LstmGen.Generators;

/// <summary>
/// The names of the members the emitter adds to a cell class. The parser rejects a class that is named like one of them
/// (CS0542) or declares a non-method member under one of these names; a test keeps this list equal to the emitted members.
/// </summary>
internal static class GeneratedMembers
{
    /// <summary>Methods: a user method of the same name is allowed (an overload), anything else is not.</summary>
    public static readonly string[] Methods = { "Forward", "Backward", "Step", "Prepare" };

    /// <summary>Constants, fields, properties and nested types.</summary>
    public static readonly string[] Others =
    {
        "InputSize", "HiddenSize", "NumLayers", "Directions", "ProjSize", "OutputHidden", "OutputSize", "StateRows",
        "GateCount", "Bidirectional", "BatchFirst", "Bias", "Config", "Parameters", "KernelPath", "ForceScalarPath", "_network",
        "Kernel",
    };

    /// <summary>The members added only when the attribute names a weights file.</summary>
    public static readonly string[] Baked = { "CreateBakedParameters", "CreateBakedHead", "CreateBakedModel", "BakedParameterData", "BakedHeadData" };
}
