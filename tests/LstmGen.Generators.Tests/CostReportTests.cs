extern alias gen;

using System.Runtime.CompilerServices;
using gen::LstmGen.Generators;

namespace LstmGen.Generators.Tests;

/// <summary>The compile-time cost report: its arithmetic, and the generator README's table, which must stay current.</summary>
public class CostReportTests
{
    private static readonly (string Attribute, RecurrentConfig Config)[] Shapes =
    [
        ("[LstmCell(Input = 5, Hidden = 6, Layers = 2, Bidirectional = true)]", new(CellKind.Lstm, 5, 6, 2, bidirectional: true)),
        ("[LstmCell(Input = 1, Hidden = 8)]", new(CellKind.Lstm, 1, 8)),
        ("[LstmCell(Input = 1, Hidden = 16)]", new(CellKind.Lstm, 1, 16)),
        ("[LstmCell(Input = 1, Hidden = 32)]", new(CellKind.Lstm, 1, 32)),
        ("[LstmCell(Input = 1, Hidden = 40)]", new(CellKind.Lstm, 1, 40)),
        ("[LstmCell(Input = 1, Hidden = 64)]", new(CellKind.Lstm, 1, 64)),
        ("[GruCell(Input = 1, Hidden = 8)]", new(CellKind.Gru, 1, 8)),
        ("[GruCell(Input = 16, Hidden = 64)]", new(CellKind.Gru, 16, 64)),
        ("[LstmCell(Input = 32, Hidden = 128, Layers = 2)]", new(CellKind.Lstm, 32, 128, 2)),
        ("[LstmCell(Input = 8, Hidden = 16, Layers = 3, Bidirectional = true, ProjSize = 4)]", new(CellKind.Lstm, 8, 16, 3, bidirectional: true, projSize: 4)),
    ];

    [Fact]
    public void Flops_and_bytes_follow_from_the_shape()
    {
        // LSTM 1 -> 8: 4 gates of 8 rows over 1 input and 8 hidden, 2 flops per multiply-add; weights in 8-unit blocks:
        // (1 + 8 + 1) rows of 32 packed columns.
        var report = new CostReport(Planner.Plan(RandomShapeTests.Model(new RecurrentConfig(CellKind.Lstm, 1, 8))));
        Assert.Equal(2 * 32 * (1 + 8), report.ForwardFlops);
        Assert.Equal(2 * report.ForwardFlops, report.BackwardFlops);
        Assert.Equal(4 * (1 + 8 + 1) * 32, report.StepWeightBytes);
        Assert.Contains("fit a 32 KB L1", report.Cache, StringComparison.Ordinal);

        // LSTM 1 -> 64: 4 * (1 + 64 + 1) * 256 bytes = 66 KB, over L1.
        var large = new CostReport(Planner.Plan(RandomShapeTests.Model(new RecurrentConfig(CellKind.Lstm, 1, 64))));
        Assert.Equal(4 * (1 + 64 + 1) * 256, large.StepWeightBytes);
        Assert.Contains("exceed a 32 KB L1 but fit a 1 MB L2", large.Cache, StringComparison.Ordinal);
        Assert.StartsWith("looped", large.Choice, StringComparison.Ordinal);
    }

    [Fact]
    public void The_readme_table_is_current()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "generators", "LstmGen.Generators", "README.md")).ReplaceLineEndings("\n");
        string[] rows = [.. Shapes.Select(s => new CostReport(Planner.Plan(RandomShapeTests.Model(s.Config))).TableRow(s.Attribute))];
        string table = string.Join("\n", rows);
        Assert.True(readme.Contains(table, StringComparison.Ordinal), "The cost table in generators/LstmGen.Generators/README.md is out of date; its rows are:\n" + table);
    }

    private static string RepositoryRoot([CallerFilePath] string path = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}
