using System.Collections.Generic;
using System.Globalization;
using System.Text;
using LstmGen.Generators.Emit;
using LstmGen.Generators.Model;
using static LstmGen.Generators.Emit.Code;

namespace LstmGen.Generators.Weights;

/// <summary>
/// The second generated file of a class with baked weights: a parameterless constructor over the weights, factories for
/// the parameters, the head and the whole model, and the tensors as float32 little-endian bytes in RVA data
/// (<c>ReadOnlySpan&lt;byte&gt;</c> over a constant array: no allocation, no file IO, nothing to load at run time).
/// </summary>
internal static class WeightsEmitter
{
    private const string Baked = "global::LstmGen.CompilerServices.BakedWeights";
    private const string Linear = "global::LstmGen.Training.Linear<float>";
    private const string Model = "global::LstmGen.RecurrentModel<float>";
    private const string HeadInput = "global::LstmGen.HeadInput";

    /// <summary>The hint name of the weights file, beside the kernel's.</summary>
    public static string HintName(CellModel m) => m.HintName.Replace(".LstmGen.g.cs", ".LstmGen.Weights.g.cs");

    public static string Emit(BakedWeights weights)
    {
        CellModel m = weights.Request.Cell;
        string source = weights.Failed
            ? Inv($"the file {weights.FileName} could not be baked (reported as an error): members declared only.")
            : Inv($"{weights.Format} from {weights.FileName}, tensors \"{weights.Prefix}*\"") + (weights.HeadPrefix is { } h ? Inv($", head \"{h}*\"") : "") + ".";
        return Emitter.EmitFile(m, Inv($"[{m.AttributeName}(Weights = \"{weights.FileName}\")]"), "Weights baked in at build time: " + source, w =>
        {
            using (w.Block($"partial class {m.ClassName}"))
            {
                if (weights.Failed)
                {
                    EmitDeclarations(w, m);
                }
                else
                {
                    EmitMembers(w, weights);
                }
            }
        });
    }

    // Declarations only: the file's error fails the build, and code using the class shows that error alone.
    private static void EmitDeclarations(SourceWriter w, CellModel m)
    {
        string fail = Inv($"throw new global::System.InvalidOperationException(\"The weights of {m.ClassName} could not be baked; see its error.\")");
        w.Line($"#pragma warning disable CS1591 // declarations only: the weights file's error fails the build");
        w.Line($"public {m.ClassName}() : this(CreateBakedParameters()) {{ }}");
        w.Line($"public static global::LstmGen.ParameterSet<float> CreateBakedParameters() => {fail};");
    }

    private static void EmitMembers(SourceWriter w, BakedWeights weights)
    {
        CellModel m = weights.Request.Cell;
        string config = Emitter.NewConfig(m);
        w.Line($"/// <summary>Creates the network with the weights baked in at build time from <c>{Xml(weights.FileName)}</c>: no file is read.</summary>");
        w.Line($"{Generated}");
        w.Line($"public {m.ClassName}() : this(CreateBakedParameters()) {{ }}");
        w.Line();
        w.Line($"/// <summary>A new copy of the baked parameters, under PyTorch's names, e.g. to share among instances.</summary>");
        w.Line($"{Generated}");
        w.Line($"public static global::LstmGen.ParameterSet<float> CreateBakedParameters() => {Baked}.Parameters({config}, BakedParameterData);");
        w.Line();
        if (weights.HeadPrefix is { } head)
        {
            string inFeatures = Inv($"{m.ToConfig().OutputSize}");
            w.Line($"/// <summary>A new Linear({inFeatures} → {weights.HeadOut}) with the head baked in from <c>{Xml(weights.FileName)}</c> (<c>{Xml(head)}weight</c>{(weights.HeadBias ? Inv($", <c>{Xml(head)}bias</c>") : "")}).</summary>");
            w.Line($"{Generated}");
            w.Line($"public static {Linear} CreateBakedHead() => {Baked}.Head({inFeatures}, {weights.HeadOut}, {Bool(weights.HeadBias)}, BakedHeadData);");
            w.Line();
            w.Line($"/// <summary>The whole model: a new network and head from the baked weights; the residual defaults to what the file says{(weights.Residual ? " (model_data.skip)" : "")}.</summary>");
            w.Line($"{Generated}");
            w.Line($"public static {Model} CreateBakedModel({HeadInput} headInput = {HeadInput}.EachStep, bool residual = {Bool(weights.Residual)})");
            w.Line($"    => new(new {m.ClassName}(), CreateBakedHead(), headInput, residual);");
            w.Line();
        }

        var tensors = new List<(string Name, string Source, int[] Shape)>();
        foreach (ParameterInfo p in new ParameterLayout(m.ToConfig()).Parameters)
        {
            tensors.Add((p.Name, weights.Prefix + p.Name, p.Shape));
        }

        w.Line($"// Every parameter in PyTorch's order (the ParameterSet layout), float32 little-endian.");
        EmitData(w, "BakedParameterData", weights.Parameters, tensors);
        if (weights.HeadPrefix is { } h)
        {
            var headTensors = new List<(string, string, int[])> { ("weight", h + "weight", new[] { weights.HeadOut, m.ToConfig().OutputSize }) };
            if (weights.HeadBias)
            {
                headTensors.Add(("bias", h + "bias", new[] { weights.HeadOut }));
            }

            w.Line();
            w.Line($"// The head: W (out, in) row-major, then b; float32 little-endian.");
            EmitData(w, "BakedHeadData", weights.Head, headTensors);
        }
    }

    private static void EmitData(SourceWriter w, string name, EquatableArray<byte> bytes, List<(string Name, string Source, int[] Shape)> tensors)
    {
        using (w.Block($"private static global::System.ReadOnlySpan<byte> {name} => new byte[]", close: "};"))
        {
            int next = 0;
            foreach ((string tensor, string source, int[] shape) in tensors)
            {
                int length = 4;
                foreach (int d in shape)
                {
                    length *= d;
                }

                w.Line($"// {tensor} {ShapeText(shape)}, from \"{source}\"");
                var line = new StringBuilder();
                for (int i = 0; i < length; i++)
                {
                    line.Append("0x").Append(bytes[next + i].ToString("X2", CultureInfo.InvariantCulture)).Append(',');
                    if (i % 32 == 31 || i == length - 1)
                    {
                        w.Line($"{line}");
                        line.Clear();
                    }
                    else
                    {
                        line.Append(' ');
                    }
                }

                next += length;
            }
        }
    }

    private static string ShapeText(int[] shape)
    {
        var parts = new List<string>();
        foreach (int d in shape)
        {
            parts.Add(d.ToString(CultureInfo.InvariantCulture));
        }

        return "[" + string.Join(", ", parts) + "]";
    }

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
