using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using KernelOps.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace KernelOps.Generators.Tests;

/// <summary>
/// The XML documentation that ships with KernelOps.Runtime (bin/ and the package) describes only
/// what a user can call: the compiler documents internal members too, and the build filters them
/// out (src/DocFilter).
/// </summary>
public class PublicDocsTests
{
    private static readonly string XmlPath = Path.ChangeExtension(typeof(KResult).Assembly.Location, ".xml");

    private static string[] DocumentedIds() =>
        XDocument.Load(XmlPath).Root!.Element("members")!.Elements("member").Select(m => (string)m.Attribute("name")!).ToArray();

    [Test]
    public void EveryDocumentedMember_IsReachableFromUserCode()
    {
        Compilation compilation = TestCompilation.Create("class UserCode { }");
        var unreachable = new List<string>();
        foreach (string id in DocumentedIds())
        {
            var symbols = DocumentationCommentId.GetSymbolsForDeclarationId(id, compilation);
            Assert.That(symbols, Is.Not.Empty, $"{id} names nothing in the assembly");
            if (!symbols.All(Reachable)) unreachable.Add(id);
        }
        Assert.That(unreachable, Is.Empty, "internal members in the shipped docs");
    }

    [Test]
    public void TheInternalsTheIssueNamed_AreGone_AndThePublicSurfaceIsThere()
    {
        string[] ids = DocumentedIds();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ids.Where(id => id.StartsWith("M:KernelOps.Model.DevFs.Mknod", StringComparison.Ordinal)), Is.Empty);
            Assert.That(ids.Where(id => id.StartsWith("M:KernelOps.Model.DeviceNumber.ToUser", StringComparison.Ordinal)), Is.Empty);
            Assert.That(ids.Where(id => id.StartsWith("T:KernelOps.Model.OpenFile", StringComparison.Ordinal)), Is.Empty);
            Assert.That(ids, Does.Contain("T:KernelOps.FileRef"));
            Assert.That(ids, Does.Contain("M:KernelOps.FileRef.GetReference"));
            Assert.That(ids, Does.Contain("T:KernelOps.Model.DevFs"));
        }
    }

    [Test]
    public void EveryPublicTypeAndMember_IsDocumented()
    {
        // The build requires a doc comment on every public member (CS1591 is an error); the filter
        // must not have dropped any of them.
        Compilation compilation = TestCompilation.Create("class UserCode { }");
        IAssemblySymbol runtime = compilation.SourceModule.ReferencedAssemblySymbols.Single(a => a.Name == "KernelOps.Runtime");
        var documented = DocumentedIds().ToHashSet(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (ISymbol symbol in Reachables(runtime.GlobalNamespace))
        {
            // accessors are documented on their property or event; records' synthesized members
            // ([CompilerGenerated]) and default constructors have no source to document
            if (symbol is IMethodSymbol { MethodKind: MethodKind.PropertyGet or MethodKind.PropertySet or MethodKind.EventAdd or MethodKind.EventRemove }
                || symbol.GetAttributes().Any(a => a.AttributeClass?.Name == "CompilerGeneratedAttribute")
                || symbol is IMethodSymbol { MethodKind: MethodKind.Constructor, Parameters.Length: 0 })
                continue;
            if (symbol.GetDocumentationCommentId() is { } id && !documented.Contains(id)) missing.Add(id);
        }
        Assert.That(missing, Is.Empty, string.Join("\n", missing));
    }

    private static IEnumerable<ISymbol> Reachables(INamespaceSymbol ns)
    {
        foreach (INamespaceSymbol child in ns.GetNamespaceMembers())
            foreach (ISymbol s in Reachables(child)) yield return s;
        foreach (INamedTypeSymbol type in ns.GetTypeMembers())
            foreach (ISymbol s in Reachables(type)) yield return s;
    }

    private static IEnumerable<ISymbol> Reachables(INamedTypeSymbol type)
    {
        // C# 14 extension blocks compile to unspeakable grouping types (<G>$..., <M>$...): their
        // members are documented on the static class that declares the block, as user code sees them
        if (!Reachable(type) || !type.CanBeReferencedByName) yield break;
        yield return type;
        // a delegate is documented on its type; Invoke, BeginInvoke, EndInvoke and its constructor
        // are synthesized by the compiler with no source to document
        if (type.TypeKind == TypeKind.Delegate) yield break;
        foreach (ISymbol member in type.GetMembers())
        {
            if (member is INamedTypeSymbol nested)
                foreach (ISymbol s in Reachables(nested)) yield return s;
            else if (Reachable(member) && member is not IMethodSymbol { MethodKind: MethodKind.ExplicitInterfaceImplementation })
                yield return member;
        }
    }

    // Reachable from user code: public, or protected where the user can derive; inside such types.
    private static bool Reachable(ISymbol symbol)
    {
        for (ISymbol? s = symbol; s is not null and not INamespaceSymbol; s = s.ContainingSymbol)
        {
            bool visible = s.DeclaredAccessibility is Accessibility.Public
                || (s.DeclaredAccessibility is Accessibility.Protected or Accessibility.ProtectedOrInternal && s.ContainingType is { IsSealed: false })
                || ImplementsReachableInterface(s);
            if (!visible) return false;
        }
        return true;
    }

    // An explicit implementation is reachable through its interface, when that interface is.
    private static bool ImplementsReachableInterface(ISymbol symbol) => symbol switch
    {
        IMethodSymbol m => m.ExplicitInterfaceImplementations.Any(i => Reachable(i.ContainingType)),
        IPropertySymbol p => p.ExplicitInterfaceImplementations.Any(i => Reachable(i.ContainingType)),
        IEventSymbol e => e.ExplicitInterfaceImplementations.Any(i => Reachable(i.ContainingType)),
        _ => false,
    };
}
