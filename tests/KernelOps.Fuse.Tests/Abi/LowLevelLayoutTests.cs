using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using KernelOps.Fuse.Native;
using KernelOps.Fuse.Tests.Infrastructure;

namespace KernelOps.Fuse.Tests.Abi;

/// <summary>
/// The low-level API's structs (fuse_lowlevel.h, fuse_common.h, glibc's statvfs) and constants, as
/// the C# mirrors lay them out, against a gcc-compiled probe of the headers: every field of every
/// mirror (found by reflection, so a field added later is checked too) at the C offset, every
/// size, every FUSE_CAP_* and FUSE_SET_ATTR_* bit the host uses.
/// </summary>
public class LowLevelLayoutTests
{
    // C struct name -> the mirror; the mirror's field names are the C member names.
    private static readonly (string C, Type Mirror)[] Structs =
    [
        ("fuse_lowlevel_ops", typeof(FuseLowLevelOps)),
        ("fuse_entry_param", typeof(FuseEntryParam)),
        ("fuse_ctx", typeof(FuseCtx)),
        ("fuse_forget_data", typeof(FuseForgetData)),
        ("fuse_buf", typeof(FuseBuf)),
        ("fuse_conn_info", typeof(FuseConnInfo)),
        ("statvfs", typeof(NativeStatvfs)),
    ];

    private static readonly (string C, long Mirror)[] Constants =
    [
        ("FUSE_CAP_ASYNC_READ", FuseConnInfo.CapAsyncRead), ("FUSE_CAP_ATOMIC_O_TRUNC", FuseConnInfo.CapAtomicOTrunc),
        ("FUSE_CAP_EXPORT_SUPPORT", FuseConnInfo.CapExportSupport), ("FUSE_CAP_DONT_MASK", FuseConnInfo.CapDontMask),
        ("FUSE_CAP_SPLICE_WRITE", FuseConnInfo.CapSpliceWrite), ("FUSE_CAP_SPLICE_MOVE", FuseConnInfo.CapSpliceMove),
        ("FUSE_CAP_SPLICE_READ", FuseConnInfo.CapSpliceRead), ("FUSE_CAP_IOCTL_DIR", FuseConnInfo.CapIoctlDir),
        ("FUSE_CAP_AUTO_INVAL_DATA", FuseConnInfo.CapAutoInvalData), ("FUSE_CAP_READDIRPLUS", FuseConnInfo.CapReaddirplus),
        ("FUSE_CAP_READDIRPLUS_AUTO", FuseConnInfo.CapReaddirplusAuto), ("FUSE_CAP_ASYNC_DIO", FuseConnInfo.CapAsyncDio),
        ("FUSE_CAP_WRITEBACK_CACHE", FuseConnInfo.CapWritebackCache), ("FUSE_CAP_PARALLEL_DIROPS", FuseConnInfo.CapParallelDirops),
        ("FUSE_CAP_HANDLE_KILLPRIV", FuseConnInfo.CapHandleKillpriv), ("FUSE_CAP_CACHE_SYMLINKS", FuseConnInfo.CapCacheSymlinks),
        ("FUSE_CAP_EXPLICIT_INVAL_DATA", FuseConnInfo.CapExplicitInvalData),
        ("FUSE_SET_ATTR_MODE", FuseSetAttr.Mode), ("FUSE_SET_ATTR_UID", FuseSetAttr.Uid), ("FUSE_SET_ATTR_GID", FuseSetAttr.Gid),
        ("FUSE_SET_ATTR_SIZE", FuseSetAttr.Size), ("FUSE_SET_ATTR_ATIME", FuseSetAttr.Atime), ("FUSE_SET_ATTR_MTIME", FuseSetAttr.Mtime),
        ("FUSE_SET_ATTR_ATIME_NOW", FuseSetAttr.AtimeNow), ("FUSE_SET_ATTR_MTIME_NOW", FuseSetAttr.MtimeNow),
        ("FUSE_SET_ATTR_FORCE", FuseSetAttr.Force), ("FUSE_SET_ATTR_CTIME", FuseSetAttr.Ctime),
        ("FUSE_SET_ATTR_KILL_SUID", FuseSetAttr.KillSuid), ("FUSE_SET_ATTR_KILL_SGID", FuseSetAttr.KillSgid),
        ("FUSE_SET_ATTR_FILE", FuseSetAttr.File), ("FUSE_SET_ATTR_KILL_PRIV", FuseSetAttr.KillPriv),
        ("FUSE_SET_ATTR_OPEN", FuseSetAttr.Open), ("FUSE_SET_ATTR_TIMES_SET", FuseSetAttr.TimesSet), ("FUSE_SET_ATTR_TOUCH", FuseSetAttr.Touch),
        ("FUSE_ROOT_ID", 1),
    ];

    private static Dictionary<string, long> s_c = null!;

    [OneTimeSetUp]
    public void Probe()
    {
        var c = new StringBuilder(CProbe.Prelude).Append("""
            #define FUSE_USE_VERSION 312
            #include <fuse3/fuse_lowlevel.h>
            #include <sys/statvfs.h>
            int main(void) {

            """);
        foreach (var (name, mirror) in Structs)
        {
            c.Append($"    SIZE({name});\n");
            foreach (FieldInfo f in Fields(mirror)) c.Append($"    OFF({name}, {f.Name});\n");
        }
        foreach (var (name, _) in Constants) c.Append($"    P(\"{name}\", {name});\n");
        c.Append("    return 0;\n}\n");
        s_c = CProbe.Run(c.ToString(), "/usr/include/fuse3/fuse_lowlevel.h");
    }

    private static FieldInfo[] Fields(Type t) =>
        t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    [TestCaseSource(nameof(StructNames))]
    public void Every_field_of_the_mirror_is_at_the_C_offset_and_the_size_is_Cs(string name)
    {
        Type mirror = Structs.Single(s => s.C == name).Mirror;
        FieldInfo[] fields = Fields(mirror);
        Assert.That(fields, Is.Not.Empty);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(SizeOf(mirror), Is.EqualTo(s_c[name]), $"sizeof(struct {name})");
            foreach (FieldInfo f in fields)
                Assert.That((long)Marshal.OffsetOf(mirror, f.Name), Is.EqualTo(s_c[$"{name}.{f.Name}"]), $"offsetof(struct {name}, {f.Name})");
        }
    }

    [Test]
    public void The_ops_table_mirrors_every_slot_of_fuse_lowlevel_ops()
    {
        // 45 pointers and no padding: a slot missing from the mirror would shift every later one.
        Assert.That(Fields(typeof(FuseLowLevelOps)).Length * IntPtr.Size, Is.EqualTo(s_c["fuse_lowlevel_ops"]));
    }

    [Test]
    public void Every_constant_has_the_headers_value()
    {
        using (Assert.EnterMultipleScope())
        {
            foreach (var (name, mirror) in Constants) Assert.That(mirror, Is.EqualTo(s_c[name]), name);
        }
    }

    private static IEnumerable<string> StructNames() => Structs.Select(s => s.C);

    private static long SizeOf(Type t) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(t).Invoke(null, null)!;
}
