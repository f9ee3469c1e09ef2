using System.Buffers.Binary;
using System.ComponentModel;
using LstmGen.Training;

namespace LstmGen.CompilerServices;

/// <summary>
/// Builds parameters and heads from weights the generator baked into a class as float32 little-endian bytes
/// (<c>[LstmCell(..., Weights = "model.json")]</c>). For generated code; not part of the supported API.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class BakedWeights
{
    /// <summary>New parameters of <paramref name="config"/> holding <paramref name="data"/>, every parameter in PyTorch order.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is not exactly the parameters' float32 bytes.</exception>
    public static ParameterSet<float> Parameters(RecurrentConfig config, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(config);
        var parameters = new ParameterSet<float>(new ParameterLayout(config));
        parameters.Set(Floats(data, parameters.Length, nameof(data)));
        return parameters;
    }

    /// <summary>A new Linear(<paramref name="inFeatures"/> → <paramref name="outFeatures"/>) holding W then b from <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is not exactly the head's float32 bytes.</exception>
    public static Linear<float> Head(int inFeatures, int outFeatures, bool bias, ReadOnlySpan<byte> data)
    {
        var head = new Linear<float>(inFeatures, outFeatures, bias);
        head.Set(Floats(data, head.Values.Length, nameof(data)));
        return head;
    }

    private static float[] Floats(ReadOnlySpan<byte> data, int count, string argument)
    {
        if (data.Length != count * sizeof(float))
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"baked weights must be {count} float32 values ({count * sizeof(float)} bytes), but are {data.Length} bytes; regenerate the class."), argument);
        }

        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(data.Slice(i * sizeof(float)));
        }

        return values;
    }
}
