using System;
using System.Linq;

namespace KernelOps.Generators.Tests;

/// <summary>The generator's copy of the Runtime's slot roles must number them as the Runtime does.</summary>
public class SlotRoleMirrorTests
{
    [Test]
    public void GeneratorSlotRoleMatchesTheRuntimes()
    {
        Type runtime = typeof(KernelOps.Abi.SlotRole);
        Type mirror = typeof(KernelOps.Generators.OpsTableGenerator).Assembly.GetType("KernelOps.Generators.Discovery.SlotRole", throwOnError: true)!;
        Assert.That(Enum.GetNames(mirror), Is.EqualTo(Enum.GetNames(runtime)));
        Assert.That(Enum.GetValues(mirror).Cast<object>().Select(Convert.ToInt32), Is.EqualTo(Enum.GetValues(runtime).Cast<object>().Select(Convert.ToInt32)));
    }
}
