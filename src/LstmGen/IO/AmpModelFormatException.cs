namespace LstmGen.IO;

/// <summary>
/// An amp model file (GuitarML or AIDA-X JSON) is malformed, or describes a model this library cannot run. The message
/// names the file, the place in it (<see cref="Location"/>) and what was expected.
/// </summary>
public sealed class AmpModelFormatException : FormatException
{
    /// <summary>Creates an exception with a default message.</summary>
    public AmpModelFormatException()
        : base("The amp model file is malformed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public AmpModelFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    public AmpModelFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception about one place in the file.</summary>
    public AmpModelFormatException(string message, string? location, Exception? innerException = null)
        : base(message, innerException)
    {
        Location = location;
    }

    /// <summary>
    /// Where in the JSON the problem is, as a path like <c>state_dict["rec.weight_ih_l0"]</c> or
    /// <c>layers[0].weights[1]</c>; null when it is not one place (the file is not JSON, say).
    /// </summary>
    public string? Location { get; }
}
