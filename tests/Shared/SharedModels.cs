namespace LstmGen.Testing;

/// <summary>
/// The real amp models in <c>../shared/models</c> beside the repository (or <c>LSTMGEN_SHARED_MODELS</c>). They are not
/// ours to copy (their licences are in that folder's README), so tests read them where they are.
/// </summary>
internal static class SharedModels
{
    public const string NeuralPi = "neuralpi_TS9.json";
    public const string Proteus = "proteus_MesaMiniRec_HighGain_DirectOut.json";
    public const string NeuralSeed = "neuralseed_gru8_ts9_pytorch.json";
    public const string AidaX = "aidax_tw40_california_clean_deerinkstudios.json";

    public const string EnvironmentVariable = "LSTMGEN_SHARED_MODELS";

    /// <summary>The folder: the environment variable when set, else <c>../shared/models</c> from the repository root.</summary>
    public static string Directory { get; } = Locate();

    /// <summary>True under CI (<c>CI=true</c>), where a missing model fails instead of skipping.</summary>
    public static bool IsCI => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The path of a model; fails naming where it looked when the file is not there.</summary>
    public static string PathOf(string file)
    {
        string path = Path.Combine(Directory, file);
        Assert.True(File.Exists(path), $"shared model '{file}' not found at {path} (set {EnvironmentVariable} to the folder holding it).");
        return path;
    }

    /// <summary>The first of <paramref name="files"/> that is missing, or null.</summary>
    public static string? Missing(IEnumerable<string> files) => files.FirstOrDefault(f => !File.Exists(Path.Combine(Directory, f)));

    private static string Locate()
    {
        string? overridden = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(overridden))
        {
            return Path.GetFullPath(overridden);
        }

        // The repository root is the folder with LstmGen.sln above the test binaries.
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LstmGen.sln")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "models"));
            }
        }

        return Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "shared", "models"));
    }

    /// <summary>The reason to skip a test that needs <paramref name="files"/>, or null to run it (always under CI, so that it fails there).</summary>
    public static string? SkipReason(string[] files) => Missing(files) is string missing && !IsCI
        ? $"shared model '{missing}' not found in {Directory} (set {EnvironmentVariable}; with CI=true this test fails instead)"
        : null;
}

/// <summary>A fact that needs shared models: skipped, visibly, when they are missing, except under CI where it runs and fails.</summary>
public sealed class SharedModelFactAttribute : FactAttribute
{
    public SharedModelFactAttribute(params string[] files) => Skip = SharedModels.SkipReason(files);
}

/// <summary>A theory that needs shared models: skipped, visibly, when they are missing, except under CI where it runs and fails.</summary>
public sealed class SharedModelTheoryAttribute : TheoryAttribute
{
    public SharedModelTheoryAttribute(params string[] files) => Skip = SharedModels.SkipReason(files);
}
