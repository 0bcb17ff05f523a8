using System;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Abi;

/// <summary>
/// The model's own ops tables (/proc/devices, /proc/misc, debugfs value files) are generated from
/// attributed handler types by the same generator users run, not written by hand in its shape.
/// </summary>
public class ModelTablesTests
{
    [Test]
    public void EveryThunkOfTheModel_IsInAGeneratedHandlerType()
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
        string[] handWritten = typeof(KResult).Assembly.GetTypes()
            .Where(t => t.Namespace is not null)
            .SelectMany(t => t.GetMethods(All).Where(m => m.IsDefined(typeof(UnmanagedCallersOnlyAttribute))).Select(m => (Type: t, Method: m)))
            .Where(x => !IsHandlerType(x.Type))
            // what the kernel passes to a file system by pointer (filldir's actor, a delayed_call)
            .Where(x => !x.Method.IsDefined(typeof(KernelCallbackAttribute)))
            .Select(x => $"{x.Type.FullName}.{x.Method.Name}")
            .ToArray();
        Assert.That(handWritten, Is.Empty, "thunks written by hand instead of generated");
    }

    [Test]
    public void TheModelsTables_AreTheGeneratedOnes()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ProcDeviceFiles.Devices.Table.Name, Is.EqualTo("KernelOps.Model.ProcDeviceFiles.Devices"));
            Assert.That(DebugFsValueFile.TableFor(0x1A4 /* 0644 */), Is.EqualTo(DebugFsValueFile.ReadWrite.Table));
            Assert.That(DebugFsValueFile.TableFor(0x124 /* 0444 */), Is.EqualTo(DebugFsValueFile.ReadOnly.Table));
            Assert.That(DebugFsValueFile.TableFor(0x92 /* 0222 */), Is.EqualTo(DebugFsValueFile.WriteOnly.Table));
        }
        unsafe
        {
            FileOperations* ro = DebugFsValueFile.ReadOnly.Table.Pointer;
            Assert.That(ro->read != null && ro->write == null && ro->llseek != null, Is.True, "fops_u32_ro: read and llseek only");
        }
    }

    // A type whose attribute is a table kind ([ProcOps], [FileOperations], ...), for which the generator emits the thunks.
    private static bool IsHandlerType(Type type) =>
        type.GetCustomAttributes(inherit: false).Any(a => a.GetType().IsDefined(typeof(OpsTableKindAttribute), inherit: false));
}
