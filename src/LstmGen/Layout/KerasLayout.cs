// Shared layout file: compiled into the runtime (net10.0) and linked into the generator (netstandard2.0).
namespace LstmGen;

/// <summary>
/// Where PyTorch's gate rows are in a Keras (RTNeural, AIDA-X) recurrent layer's columns: the LSTM's order is the same
/// (i, f, g, o as Keras' i, f, c, o); the GRU's Keras z, r, n are PyTorch's r, z, n with the first two swapped.
/// </summary>
internal static class KerasLayout
{
    /// <summary>The Keras (AIDA-X) layer type of a recurrent kind: "lstm" or "gru"; null for a kind Keras files do not hold.</summary>
    public static string? LayerType(CellKind kind) => kind switch
    {
        CellKind.Lstm => "lstm",
        CellKind.Gru => "gru",
        _ => null,
    };

    /// <summary>The rows of a Keras recurrent layer's bias: the GRU (reset_after) keeps b_ih and b_hh apart, the LSTM sums them.</summary>
    public static int BiasRows(CellKind kind) => kind == CellKind.Gru ? 2 : 1;

    /// <summary>The Keras column of PyTorch gate row <paramref name="row"/> (gate row / hidden, unit row % hidden).</summary>
    public static int Column(CellKind kind, int row, int hidden)
    {
        int gate = row / hidden;
        int kerasGate = kind == CellKind.Gru && gate < 2 ? 1 - gate : gate;
        return (kerasGate * hidden) + (row % hidden);
    }
}
