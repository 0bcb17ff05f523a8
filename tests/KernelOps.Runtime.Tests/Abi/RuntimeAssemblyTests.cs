using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace KernelOps.Runtime.Tests.Abi;

/// <summary>
/// KernelOps.Runtime is what every driver project references: it holds the ABI, the handler
/// views and the kernel model, and nothing a host needs (issue 14). The FUSE host, its native
/// library, its process-wide signal handling and its command line live in KernelOps.Fuse.
/// </summary>
public class RuntimeAssemblyTests
{
    [Test]
    public void The_runtime_has_no_host_code_native_FUSE_library_or_signal_handlers()
    {
        string path = typeof(KResult).Assembly.Location;
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        MetadataReader md = pe.GetMetadataReader();

        var namespaces = md.TypeDefinitions.Select(h => md.GetString(md.GetTypeDefinition(h).Namespace)).Distinct().ToArray();
        var referencedTypes = md.TypeReferences.Select(h => md.GetTypeReference(h))
            .Select(t => md.GetString(t.Namespace) + "." + md.GetString(t.Name)).ToHashSet();
        var nativeModules = new List<string>();
        for (int i = 1; i <= md.GetTableRowCount(TableIndex.ModuleRef); i++)
            nativeModules.Add(md.GetString(md.GetModuleReference(MetadataTokens.ModuleReferenceHandle(i)).Name));
        var strings = new List<string>();
        for (var h = MetadataTokens.UserStringHandle(1); !h.IsNil; h = md.GetNextHandle(h)) strings.Add(md.GetUserString(h));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(namespaces.Where(n => n.StartsWith("KernelOps.Fuse", StringComparison.Ordinal)), Is.Empty, "no FUSE types");
            Assert.That(nativeModules.Where(m => m.Contains("fuse", StringComparison.OrdinalIgnoreCase)), Is.Empty, "no libfuse import");
            Assert.That(strings.Where(s => s.Contains("libfuse", StringComparison.OrdinalIgnoreCase)), Is.Empty, "no libfuse loaded by name");
            Assert.That(referencedTypes, Does.Not.Contain("System.Runtime.InteropServices.PosixSignalRegistration"), "no process-wide signal handlers");
            Assert.That(referencedTypes, Does.Not.Contain("System.AppDomain"), "no process-exit hooks");
        }
    }
}
