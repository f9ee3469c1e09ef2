using LstmGen.Testing;

namespace LstmGen.Tests.Generic;

/// <summary>The generic oracle against real PyTorch, every fixture, in double and in float.</summary>
public class PyTorchFixtureTests
{
    public static TheoryData<string> Cases() => new(PyTorchFixture.CaseIds());

    [Theory]
    [MemberData(nameof(Cases))]
    public void Double_path_matches_PyTorch(string fixture)
    {
        PyTorchFixture f = PyTorchFixture.Load(fixture);
        FixtureRunner.Run(f, new RecurrentNetwork<double>(f.Config), FixtureRunner.DoubleRelative);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float_path_matches_PyTorch(string fixture)
    {
        PyTorchFixture f = PyTorchFixture.Load(fixture);
        FixtureRunner.Run(f, new RecurrentNetwork<float>(f.Config), FixtureRunner.FloatRelative);
    }
}
