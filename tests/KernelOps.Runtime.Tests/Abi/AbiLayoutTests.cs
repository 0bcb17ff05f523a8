using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using KernelOps.Abi;

namespace KernelOps.Runtime.Tests.Abi;

/// <summary>
/// The C-layout ops structs must be byte-identical to Linux 6.18 x86_64: same size, every member at
/// the same offset with the same size, and every slot's function-pointer type matching the C
/// prototype. Checked against the committed pahole fixtures and, where present, the live BTF.
/// </summary>
public class AbiLayoutTests
{
    private static readonly (Type Type, string CName)[] Structs =
    {
        (typeof(ProcOps), "proc_ops"),
        (typeof(FileOperations), "file_operations"),
        (typeof(PlatformDriver), "platform_driver"),
        (typeof(NativeDeviceDriver), "device_driver"),
        (typeof(InodeOperations), "inode_operations"),
        (typeof(SuperOperations), "super_operations"),
        (typeof(FileSystemType), "file_system_type"),
        (typeof(FsContextOperations), "fs_context_operations"),
    };

    private static string FixturePath(string cName) =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", cName + ".pahole.txt");

    public static System.Collections.Generic.IEnumerable<TestCaseData> Cases() =>
        Structs.Select(s => new TestCaseData(s.Type, s.CName).SetArgDisplayNames(s.CName));

    [TestCaseSource(nameof(Cases))]
    public void Matches_the_committed_pahole_fixture(Type type, string cName)
    {
        PaholeLayout layout = PaholeLayout.Parse(File.ReadAllText(FixturePath(cName)));
        AssertSameLayout(type, layout);
    }

    [TestCaseSource(nameof(Cases))]
    public void Matches_the_running_kernels_BTF(Type type, string cName)
    {
        PaholeLayout? live = PaholeLayout.FromLiveBtf(cName, out string? whyNot);
        if (live is null)
        {
            Assert.Ignore($"Live BTF check not possible: {whyNot}.");
            return;
        }
        AssertSameLayout(type, live);
    }

    [Test]
    public void ProcOps_is_96_bytes_with_12_members_as_in_Linux_6_18()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Unsafe.SizeOf<ProcOps>(), Is.EqualTo(96));
            Assert.That(typeof(ProcOps).GetFields(BindingFlags.Instance | BindingFlags.Public), Has.Length.EqualTo(12));
        }
    }

    [Test]
    public void FileOperations_is_272_bytes_with_34_members_as_in_Linux_6_18()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Unsafe.SizeOf<FileOperations>(), Is.EqualTo(272));
            Assert.That(typeof(FileOperations).GetFields(BindingFlags.Instance | BindingFlags.Public), Has.Length.EqualTo(34));
        }
    }

    [TestCase(typeof(InodeOperations), 256, 25)]
    [TestCase(typeof(SuperOperations), 216, 27)]
    [TestCase(typeof(FileSystemType), 72, 9)]
    [TestCase(typeof(FsContextOperations), 48, 6)]
    public void Vfs_tables_have_Linux_6_18s_size_and_members(Type type, int size, int members)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Marshal.SizeOf(type), Is.EqualTo(size));
            Assert.That(type.GetFields(BindingFlags.Instance | BindingFlags.Public), Has.Length.EqualTo(members));
        }
    }

    [Test]
    public void PlatformDriver_is_200_bytes_with_9_members_as_in_Linux_6_18()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Unsafe.SizeOf<PlatformDriver>(), Is.EqualTo(200));
            Assert.That(typeof(PlatformDriver).GetFields(BindingFlags.Instance | BindingFlags.Public), Has.Length.EqualTo(9));
            Assert.That(Unsafe.SizeOf<NativeDeviceDriver>(), Is.EqualTo(144));
            Assert.That(Marshal.OffsetOf<PlatformDriver>(nameof(PlatformDriver.driver)), Is.EqualTo((nint)40));
        }
    }

    [Test]
    public void Parser_rejects_text_that_is_not_pahole_output()
    {
        Assert.Throws<FormatException>(() => PaholeLayout.Parse("hello"));
        Assert.Throws<FormatException>(() => PaholeLayout.Parse("struct x {\n\tint a; /* 0 4 */\n};"));
    }

    private static void AssertSameLayout(Type type, PaholeLayout layout)
    {
        FieldInfo[] fields = type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        // Zero-size members (file_system_type's lockdep lock_class_keys without CONFIG_LOCKDEP)
        // occupy no bytes; C# has no zero-size field, so the struct leaves them out.
        PaholeMember[] sized = layout.Members.Where(m => m.Size > 0).ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Marshal.SizeOf(type), Is.EqualTo(layout.Size), $"sizeof(struct {layout.StructName})");
            Assert.That(fields, Has.Length.EqualTo(sized.Length), "member count (members with a size)");
            Assert.That(layout.Members, Has.Count.EqualTo(layout.MemberCount), "parsed member lines");
            foreach (PaholeMember member in sized)
            {
                FieldInfo? field = fields.SingleOrDefault(f => f.Name == member.Name);
                Assert.That(field, Is.Not.Null, $"C member {member.Name} has no field");
                if (field is null) continue;
                Assert.That((int)Marshal.OffsetOf(type, field.Name), Is.EqualTo(member.Offset), $"offsetof({member.Name})");
                Assert.That(SizeOfField(field), Is.EqualTo(member.Size), $"sizeof({member.Name})");
                if (member.FunctionSignature is { } c)
                {
                    Assert.That(field.FieldType.IsFunctionPointer, Is.True, $"{member.Name} is a function pointer in C");
                    if (!field.FieldType.IsFunctionPointer) continue;
                    Assert.That(field.FieldType.IsUnmanagedFunctionPointer, Is.True, $"{member.Name} must be delegate* unmanaged");
                    Type[] parameters = field.FieldType.GetFunctionPointerParameterTypes();
                    Assert.That(parameters.Select(CSharpName), Is.EqualTo(c.Parameters.Select(ExpectedCSharp)), $"{member.Name} parameters ({string.Join(", ", c.Parameters)})");
                    Assert.That(CSharpName(field.FieldType.GetFunctionPointerReturnType()), Is.EqualTo(ExpectedCSharp(c.Return)), $"{member.Name} return ({c.Return})");
                }
            }
        }
    }

    private static int SizeOfField(FieldInfo field) =>
        field.FieldType.IsFunctionPointer || field.FieldType.IsPointer ? IntPtr.Size : Marshal.SizeOf(field.FieldType);

    /// <summary>How each C type of these prototypes is spelled in our structs (x86_64 LP64).</summary>
    private static string ExpectedCSharp(string c) => c switch
    {
        "struct file *" => "NativeFile*",
        "struct inode *" => "NativeInode*",
        "struct dentry *" => "NativeDentry*",
        "struct super_block *" => "NativeSuperBlock*",
        "struct iattr *" => "NativeIattr*",
        "struct kstat *" => "NativeKstat*",
        "struct kstatfs *" => "NativeKstatfs*",
        "const struct path *" => "NativePath*",
        "struct delayed_call *" => "NativeDelayedCall*",
        "struct fs_context *" => "NativeFsContext*",
        "struct fs_parameter *" => "NativeFsParameter*",
        "struct file_system_type *" => "FileSystemType*",
        "struct dir_context *" => "NativeDirContext*",
        "bool" => "Byte",
        "umode_t" => "UInt16",
        "dev_t" or "u32" => "UInt32",
        "u64" => "UInt64",
        "int *" => "Int32*",
        "const void *" or "void *" => "Void*",
        "enum freeze_holder" => "Int32",
        "struct dquot * *" => "Void**",
        "char *" or "const char *" => "Byte*",
        "size_t" or "long unsigned int" => "UIntPtr",
        "ssize_t" or "long int" => "IntPtr",
        "loff_t" => "Int64",
        "loff_t *" => "Int64*",
        "int" => "Int32",
        "unsigned int" or "__poll_t" => "UInt32",
        "void" => "Void",
        "struct module *" => "Void*",
        "fop_flags_t" => "UInt32",
        "fl_owner_t" => "Void*",
        "struct poll_table_struct *" => "NativePollTable*",
        "struct platform_device *" => "NativePlatformDevice*",
        "pm_message_t" => "PmMessage",
        "struct file_lease * *" or "void * *" => "Void**",
        _ when c.StartsWith("struct ", StringComparison.Ordinal) && c.EndsWith('*') => "Void*",
        _ => $"<unmapped C type '{c}'>",
    };

    private static string CSharpName(Type t) => t.IsPointer ? CSharpName(t.GetElementType()!) + "*" : t.Name;
}
