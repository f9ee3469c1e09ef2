using System.Numerics;
using LstmGen.Training;

namespace LstmGen.IO;

/// <summary>One tensor of a module: its name without a prefix, its PyTorch shape and its place in the module's flat buffer.</summary>
internal sealed record TensorSlot(string Name, int[] Shape, int Offset, int Length);

/// <summary>
/// The tensors of one module as a load fills them and a save writes them: a network's <see cref="ParameterSet{T}"/> or a
/// <see cref="Linear{T}"/> head, each one flat buffer of values in the order of its tensors.
/// </summary>
internal sealed class SafetensorsModule
{
    private SafetensorsModule(string description, IReadOnlyList<TensorSlot> slots, int length)
    {
        Description = description;
        Slots = slots;
        Length = length;
    }

    /// <summary>How messages name the module, e.g. <c>Lstm(input=4, ...)</c> or <c>Linear(inFeatures=5, ...)</c>.</summary>
    public string Description { get; }

    /// <summary>The tensors in buffer order.</summary>
    public IReadOnlyList<TensorSlot> Slots { get; }

    /// <summary>Elements of the module's buffer.</summary>
    public int Length { get; }

    /// <summary>The tensor of that name (without prefix), or null.</summary>
    public TensorSlot? Find(string name)
    {
        foreach (TensorSlot slot in Slots)
        {
            if (slot.Name == name)
            {
                return slot;
            }
        }

        return null;
    }

    /// <summary>A network's parameters under PyTorch's names (<c>weight_ih_l0</c>, ...).</summary>
    public static SafetensorsModule Of(ParameterLayout layout) =>
        new(layout.Config.ToString(), [.. layout.Parameters.Select(p => new TensorSlot(p.Name, p.Shape, p.Offset, p.Length))], layout.TotalLength);

    /// <summary><c>torch.nn.Linear</c>'s <c>weight</c> (out, in) and, when it has one, <c>bias</c> (out).</summary>
    public static SafetensorsModule Of<T>(Linear<T> linear)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int weight = linear.OutFeatures * linear.InFeatures;
        List<TensorSlot> slots = [new("weight", [linear.OutFeatures, linear.InFeatures], 0, weight)];
        if (linear.HasBias)
        {
            slots.Add(new("bias", [linear.OutFeatures], weight, linear.OutFeatures));
        }

        return new(linear.ToString(), slots, linear.Values.Length);
    }
}
