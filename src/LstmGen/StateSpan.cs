namespace LstmGen;

/// <summary>
/// A recurrent state that a call reads: h, and for the LSTM c, each laid out as PyTorch's <c>h_0</c>/<c>c_0</c>,
/// (layers*directions, batch, size). An empty span means zeros. It is a different type from <see cref="StateSpan{T}"/>,
/// which a call writes, so a state going in and a state coming out cannot be swapped by mistake.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public readonly ref struct ReadOnlyStateSpan<T>
{
    /// <summary>A state of h and (LSTM) c; leave <paramref name="c"/> empty for a GRU or RNN.</summary>
    public ReadOnlyStateSpan(ReadOnlySpan<T> h, ReadOnlySpan<T> c = default)
    {
        H = h;
        C = c;
    }

    /// <summary>h: (layers*directions, batch, OutputHidden), or empty for zeros.</summary>
    public ReadOnlySpan<T> H { get; }

    /// <summary>c (LSTM only): (layers*directions, batch, HiddenSize), or empty for zeros.</summary>
    public ReadOnlySpan<T> C { get; }
}

/// <summary>
/// A recurrent state that a call writes (or, in <see cref="IRecurrentNetwork{T}.Step"/>, reads and updates in place): h,
/// and for the LSTM c, laid out as PyTorch's <c>h_n</c>/<c>c_n</c>, (layers*directions, batch, size). An empty span means
/// "not wanted" where a call only writes.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public readonly ref struct StateSpan<T>
{
    /// <summary>A state of h and (LSTM) c; leave <paramref name="c"/> empty for a GRU or RNN.</summary>
    public StateSpan(Span<T> h, Span<T> c = default)
    {
        H = h;
        C = c;
    }

    /// <summary>h: (layers*directions, batch, OutputHidden).</summary>
    public Span<T> H { get; }

    /// <summary>c (LSTM only): (layers*directions, batch, HiddenSize).</summary>
    public Span<T> C { get; }

    /// <summary>
    /// This state as one a call reads: for carrying the state of one call into the next (truncated BPTT, chunked
    /// inference). Explicit, so that an output state never goes in where an input state is meant by accident.
    /// </summary>
    public ReadOnlyStateSpan<T> AsReadOnly() => new(H, C);
}
