using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KernelOps.DocFilter;

/// <summary>
/// <c>KernelOps.DocFilter ASSEMBLY XMLDOC</c>: removes from the compiler's XML documentation file
/// every member a user of the assembly cannot reach. The compiler writes the doc comments of
/// internal and private members too, so without this the shipped docs (IntelliSense, the package)
/// list members such as <c>DevFs.Mknod</c> that user code cannot call. What stays is decided by
/// the compiler's own rules: the assembly is loaded as a reference of a Roslyn compilation and
/// every symbol reachable from outside (public or protected, inside such types) contributes its
/// documentation comment ID, the same ID the compiler wrote.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: KernelOps.DocFilter ASSEMBLY XMLDOC");
            return 2;
        }
        string assembly = args[0], xml = args[1];
        foreach (string path in args)
        {
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"KernelOps.DocFilter: {path} does not exist");
                return 1;
            }
        }

        HashSet<string> visible = VisibleIds(assembly);
        XDocument doc = XDocument.Load(xml, LoadOptions.PreserveWhitespace);
        XElement? members = doc.Root?.Element("members");
        if (members is null)
        {
            Console.Error.WriteLine($"KernelOps.DocFilter: {xml} has no <members>");
            return 1;
        }
        List<XElement> hidden = members.Elements("member").Where(m => !visible.Contains((string?)m.Attribute("name") ?? "")).ToList();
        foreach (XElement member in hidden)
        {
            // drop the member with the whitespace before it, so the file stays tidy
            if (member.PreviousNode is XText indent && string.IsNullOrWhiteSpace(indent.Value)) indent.Remove();
            member.Remove();
        }
        doc.Save(xml, SaveOptions.DisableFormatting);
        Console.WriteLine($"KernelOps.DocFilter: {xml}: kept {members.Elements("member").Count()} members, removed {hidden.Count} internal ones");
        return 0;
    }

    private static HashSet<string> VisibleIds(string assemblyPath)
    {
        string name = Path.GetFileNameWithoutExtension(assemblyPath);
        // The framework this tool runs on resolves the assembly's references (System.*).
        string tpa = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "";
        List<MetadataReference> references = tpa.Split(Path.PathSeparator)
            .Where(p => p.Length > 0 && !string.Equals(Path.GetFileNameWithoutExtension(p), name, StringComparison.OrdinalIgnoreCase))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
        MetadataReference target = MetadataReference.CreateFromFile(assemblyPath);
        references.Add(target);
        CSharpCompilation compilation = CSharpCompilation.Create("KernelOps.DocFilter.Probe", references: references);
        var assembly = (IAssemblySymbol)(compilation.GetAssemblyOrModuleSymbol(target)
            ?? throw new InvalidOperationException($"{assemblyPath} did not load as an assembly"));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        Collect(assembly.GlobalNamespace, ids);
        return ids;
    }

    private static void Collect(INamespaceSymbol ns, HashSet<string> ids)
    {
        foreach (INamespaceSymbol child in ns.GetNamespaceMembers()) Collect(child, ids);
        foreach (INamedTypeSymbol type in ns.GetTypeMembers()) Collect(type, ids);
    }

    private static void Collect(INamedTypeSymbol type, HashSet<string> ids)
    {
        if (!Reachable(type)) return;
        Add(type, ids);
        foreach (ISymbol member in type.GetMembers())
        {
            if (member is INamedTypeSymbol nested) Collect(nested, ids);
            else if (Reachable(member)) Add(member, ids);
        }
    }

    // What code outside the assembly can name: public, or protected (protected internal) in a type
    // it can derive from; the caller has checked the containing types. An explicit interface
    // implementation is private, but reachable through its interface when that interface is.
    private static bool Reachable(ISymbol symbol) =>
        symbol.DeclaredAccessibility is Accessibility.Public
        || (symbol.DeclaredAccessibility is Accessibility.Protected or Accessibility.ProtectedOrInternal && symbol.ContainingType is { IsSealed: false })
        || ImplementsReachableInterface(symbol);

    private static bool ImplementsReachableInterface(ISymbol symbol) => symbol switch
    {
        IMethodSymbol m => m.ExplicitInterfaceImplementations.Any(i => ReachableType(i.ContainingType)),
        IPropertySymbol p => p.ExplicitInterfaceImplementations.Any(i => ReachableType(i.ContainingType)),
        IEventSymbol e => e.ExplicitInterfaceImplementations.Any(i => ReachableType(i.ContainingType)),
        _ => false,
    };

    private static bool ReachableType(INamedTypeSymbol? type)
    {
        for (; type is not null; type = type.ContainingType)
            if (!Reachable(type)) return false;
        return true;
    }

    private static void Add(ISymbol symbol, HashSet<string> ids)
    {
        if (symbol.GetDocumentationCommentId() is { } id) ids.Add(id);
    }
}
