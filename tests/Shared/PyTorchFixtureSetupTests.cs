using System.Runtime.CompilerServices;

namespace LstmGen.Testing;

/// <summary>
/// Compiled into every test project that runs the PyTorch fixtures (tests/Shared is linked into each), so each checks
/// that it runs the whole bundled set and that a wrong LSTMGEN_FIXTURES_DIR fails instead of being skipped.
/// </summary>
public class PyTorchFixtureSetupTests
{
    [Fact]
    public void Every_bundled_fixture_is_found()
    {
        // Bundled with this test assembly: exactly the expected number, and exactly the files of the repository's folder.
        IReadOnlyList<string> bundled = PyTorchFixture.CaseIds(extra: null);
        string[] inRepository = Directory.EnumerateFiles(RepositoryFixtures(), "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Equal(PyTorchFixture.BundledCount, bundled.Count);
        Assert.Equal(inRepository, bundled);
    }

    public static TheoryData<string> WrongDirectories() => new()
    {
        "",
        "  ",
        Path.Combine(Path.GetTempPath(), "lstmgen-no-such-folder-" + Environment.ProcessId),
        "__empty__",
    };

    [Theory]
    [MemberData(nameof(WrongDirectories))]
    public void A_wrong_or_empty_fixtures_dir_fails_naming_the_path(string path)
    {
        string? empty = null;
        if (path == "__empty__")
        {
            // A folder that exists but holds no fixture.
            empty = Directory.CreateTempSubdirectory("lstmgen-empty-").FullName;
            path = empty;
        }

        try
        {
            Exception e = Assert.ThrowsAny<IOException>(() => PyTorchFixture.CaseIds(path));
            Assert.Contains(PyTorchFixture.ExtraDirectoryVariable, e.Message, StringComparison.Ordinal);
            Assert.Contains($"'{path}'", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (empty is not null)
            {
                Directory.Delete(empty);
            }
        }
    }

    [Fact]
    public void A_fixtures_dir_adds_its_cases_after_the_bundled_ones()
    {
        string dir = Directory.CreateTempSubdirectory("lstmgen-extra-").FullName;
        try
        {
            File.Copy(Path.Combine(PyTorchFixture.BundledDirectory, "lstm_i3_h2_l1_seq2_b1.json"), Path.Combine(dir, "extra.json"));
            IReadOnlyList<string> ids = PyTorchFixture.CaseIds(dir);
            Assert.Equal([.. PyTorchFixture.CaseIds(extra: null), "env:extra.json"], ids);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string RepositoryFixtures([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "fixtures", "pytorch"));
}
