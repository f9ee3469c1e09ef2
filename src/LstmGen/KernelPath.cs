namespace LstmGen;

/// <summary>
/// The code a network's calls run on, from the widest vectors the CPU accelerates (<see cref="IRecurrentNetwork{T}.KernelPath"/>).
/// A generated class decides it once per process; the generic <see cref="RecurrentNetwork{T}"/> is always
/// <see cref="Scalar"/>.
/// </summary>
public enum KernelPath
{
    /// <summary>
    /// The generic network's scalar loops: the generic <see cref="RecurrentNetwork{T}"/>, and generated classes where no
    /// vector width is accelerated (<c>DOTNET_EnableHWIntrinsic=0</c>) or whose packed weights would be too large.
    /// </summary>
    Scalar,

    /// <summary>
    /// Generated kernels in 128-bit vectors, each block of 8 units as two halves: ARM64 (AdvSimd), and x64 without AVX2
    /// (<c>DOTNET_EnableAVX2=0</c>, or NativeAOT's default instruction set).
    /// </summary>
    Vector128,

    /// <summary>Generated kernels in 256-bit vectors: x64 with AVX2 and FMA.</summary>
    Vector256,

    /// <summary>
    /// <see cref="Vector256"/> cells with 512-bit matrix tiles and paired activations: x64 with AVX-512 (turned off by
    /// <c>DOTNET_EnableAVX512=0</c>).
    /// </summary>
    Vector512,
}
