using System.Linq;
using KernelOps.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace KernelOps.Generators.Tests;

/// <summary>
/// The generator renders a handler type's names from its namespaces and containing types instead of
/// with SymbolDisplay (docs/PERFORMANCE.md, generator cost): the text must be what SymbolDisplay gives,
/// keywords escaped in code and left plain in names, nested and in the global namespace alike.
/// </summary>
public class NameRenderingTests
{
    [TestCase("namespace @event.Inner;\npartial class @class { [ProcOps] internal static partial class @struct { " + Sources.Read + " } }", "@event.Inner.@class.@struct")]
    [TestCase("namespace Plain { [ProcOps] internal static partial class H { " + Sources.Read + " } }", "Plain.H")]
    [TestCase("[ProcOps] internal static partial class @checked { " + Sources.Read + " }", "@checked")]
    public void NamesMatchSymbolDisplay(string declaration, string sourceName)
    {
        var (result, output, _) = TestCompilation.RunGenerator(TestCompilation.Create(Sources.Usings + declaration));
        string generated = TestCompilation.SingleGeneratedSource(result);
        Assert.That(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error), Is.Empty);

        INamedTypeSymbol type = output.GetSymbolsWithName(sourceName.Split('.').Last().TrimStart('@'), SymbolFilter.Type).OfType<INamedTypeSymbol>().Single();
        string fullyQualified = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        string plain = type.ToDisplayString(new SymbolDisplayFormat(typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces));
        Assert.That(fullyQualified, Is.EqualTo("global::" + sourceName));
        Assert.That(generated, Does.Contain($"typeof({fullyQualified}), \"{plain}\")"));
        Assert.That(generated, Does.Contain($"=> {fullyQualified}.Read(").And.Contain($"HandlerName => \"{plain}.Read\""));
    }
}
