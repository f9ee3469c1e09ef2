namespace LstmGen.IO;

/// <summary>
/// A safetensors file is malformed, or does not hold exactly the parameters of the target network.
/// The message says what is wrong, with the expected and the actual value; <see cref="TensorName"/> names the tensor
/// when one is at fault. When this is thrown by a load, the target parameters were not changed. (It derives from
/// <see cref="FormatException"/> because <see cref="InvalidDataException"/> is sealed.)
/// </summary>
public sealed class SafetensorsFormatException : FormatException
{
    /// <summary>Creates an exception with a default message.</summary>
    public SafetensorsFormatException()
        : base("The safetensors data is malformed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public SafetensorsFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public SafetensorsFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception about one tensor.</summary>
    public SafetensorsFormatException(string message, string? tensorName, Exception? innerException = null)
        : base(message, innerException)
    {
        TensorName = tensorName;
    }

    /// <summary>The full name of the tensor at fault as the file spells it (with any prefix), or null when the problem is not one tensor's.</summary>
    public string? TensorName { get; }
}
