using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using KernelOps.Fuse.Native;
using KernelOps.Fuse.Tests.Infrastructure;

namespace KernelOps.Fuse.Tests.Abi;

/// <summary>
/// The structs the host shares with libfuse3 and glibc must match the C headers: gcc compiles a
/// probe of &lt;fuse3/fuse_lowlevel.h&gt; and &lt;sys/stat.h&gt; that prints sizes, offsets and, for the
/// bit-fields of fuse_file_info, the bit each one sets; the C# mirrors must agree.
/// </summary>
public unsafe class FuseLayoutTests
{
    private static Dictionary<string, long>? s_c;

    private static readonly string[] FileInfoBits =
        ["writepage", "direct_io", "keep_cache", "flush", "nonseekable", "flock_release", "cache_readdir", "noflush"];

    [OneTimeSetUp]
    public void Probe()
    {
        var c = new StringBuilder(CProbe.Prelude).Append("""
            #define FUSE_USE_VERSION 312
            #include <fuse3/fuse_lowlevel.h>
            #include <sys/stat.h>
            static unsigned bit_of(struct fuse_file_info *fi) { unsigned w; memcpy(&w, (char *)fi + 4, 4); return w; }
            int main(void) {
                struct fuse_file_info fi;
                P("fuse_file_info", sizeof(struct fuse_file_info));
                OFF(fuse_file_info, flags); OFF(fuse_file_info, fh); OFF(fuse_file_info, lock_owner); OFF(fuse_file_info, poll_events);
            """);
        foreach (string b in FileInfoBits)
            c.Append($"    memset(&fi, 0, sizeof fi); fi.{b} = 1; P(\"bit.{b}\", bit_of(&fi));\n");
        c.Append("    memset(&fi, 0, sizeof fi); fi.padding2 = 0xFFFFFFFFu; { unsigned w; memcpy(&w, (char *)&fi + 8, 4); P(\"padding2_word8\", w); }\n");
        c.Append("""
                P("fuse_args", sizeof(struct fuse_args)); OFF(fuse_args, argv); OFF(fuse_args, allocated);
                P("stat", sizeof(struct stat));
                OFF(stat, st_ino); OFF(stat, st_nlink); OFF(stat, st_mode); OFF(stat, st_rdev); OFF(stat, st_size);
                OFF(stat, st_blksize); OFF(stat, st_blocks); OFF(stat, st_atim); OFF(stat, st_mtim); OFF(stat, st_ctim);
                return 0;
            }
            """);
        s_c = CProbe.Run(c.ToString(), "/usr/include/fuse3/fuse_lowlevel.h");
    }

    [Test]
    public void Fuse_file_info_size_offsets_and_bit_fields_match()
    {
        FuseFileInfo fi = default;
        byte* b = (byte*)&fi;
        using (Assert.EnterMultipleScope())
        {
            Check("fuse_file_info", sizeof(FuseFileInfo));
            Check("fuse_file_info.flags", (byte*)&fi.flags - b);
            Check("fuse_file_info.fh", (byte*)&fi.fh - b);
            Check("fuse_file_info.lock_owner", (byte*)&fi.lock_owner - b);
            Check("fuse_file_info.poll_events", (byte*)&fi.poll_events - b);
            Assert.That((byte*)&fi.bits - b, Is.EqualTo(4), "the bit-field word");
            Assert.That((byte*)&fi.padding2 - b, Is.EqualTo(8));
            Check("padding2_word8", uint.MaxValue);
            uint[] mine = [FuseFileInfo.WritepageBit, FuseFileInfo.DirectIoBit, FuseFileInfo.KeepCacheBit, FuseFileInfo.FlushBit,
                FuseFileInfo.NonseekableBit, FuseFileInfo.FlockReleaseBit, FuseFileInfo.CacheReaddirBit, FuseFileInfo.NoflushBit];
            for (int i = 0; i < FileInfoBits.Length; i++) Check("bit." + FileInfoBits[i], mine[i]);
        }
    }

    [Test]
    public void Fuse_file_info_accessors_set_exactly_their_bit()
    {
        FuseFileInfo fi = default;
        fi.DirectIo = true;
        Assert.That(fi.bits, Is.EqualTo((uint)s_c!["bit.direct_io"]));
        fi.DirectIo = false;
        fi.Nonseekable = true;
        Assert.That(fi.bits, Is.EqualTo((uint)s_c["bit.nonseekable"]));
        fi.Nonseekable = false;
        fi.KeepCache = true;
        Assert.That(fi.bits, Is.EqualTo((uint)s_c["bit.keep_cache"]));
    }

    [Test]
    public void Fuse_args_match()
    {
        FuseArgs args = default;
        byte* a = (byte*)&args;
        using (Assert.EnterMultipleScope())
        {
            Check("fuse_args", sizeof(FuseArgs));
            Check("fuse_args.argv", (byte*)&args.argv - a);
            Check("fuse_args.allocated", (byte*)&args.allocated - a);
        }
    }

    [Test]
    public void Struct_stat_matches_glibc()
    {
        NativeStat st = default;
        byte* s = (byte*)&st;
        using (Assert.EnterMultipleScope())
        {
            Check("stat", sizeof(NativeStat));
            Check("stat.st_ino", (byte*)&st.st_ino - s);
            Check("stat.st_nlink", (byte*)&st.st_nlink - s);
            Check("stat.st_mode", (byte*)&st.st_mode - s);
            Check("stat.st_rdev", (byte*)&st.st_rdev - s);
            Check("stat.st_size", (byte*)&st.st_size - s);
            Check("stat.st_blksize", (byte*)&st.st_blksize - s);
            Check("stat.st_blocks", (byte*)&st.st_blocks - s);
            Check("stat.st_atim", (byte*)&st.st_atim - s);
            Check("stat.st_mtim", (byte*)&st.st_mtim - s);
            Check("stat.st_ctim", (byte*)&st.st_ctim - s);
        }
    }

    private static void Check(string name, long csharp) =>
        Assert.That(csharp, Is.EqualTo(s_c![name]), name);
}
