using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using KernelOps.Fuse.Tests.Infrastructure;
using KernelOps.Model;
using KernelOps.Samples.RamFs;

namespace KernelOps.Fuse.Tests.RamFs;

/// <summary>
/// Real programs (cp, diff, tar, git, mv, ln, rm, find, stat, python3) on the seed's rust_ramfs
/// (samples/RamFs) mounted in the model and served through the low-level host, as they would use
/// the file system in a kernel.
/// </summary>
public class RealProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static string Source => Path.Combine(Repository.Root, "bench");

    [Test]
    public void Cp_a_of_a_tree_then_diff_r_finds_no_difference()
    {
        using var m = new RamFsMount();
        Machine.Run("cp", ["-a", Source, m.Real("copy")], timeout: Bound);
        Machine.Run("diff", ["-r", Source, m.Real("copy")], timeout: Bound);
        // cp -a kept modes and times: stat agrees with the source for every file
        // (a directory's st_size is the file system's own: ramfs says 0 where the source's says 4096)
        string Stats(string root) => Machine.Sh($"cd '{root}' && find . -exec stat -c '%n %a %Y %F' {{}} + | sort && find . -type f -exec stat -c '%n %s' {{}} + | sort", Bound);
        Assert.That(Stats(m.Real("copy")), Is.EqualTo(Stats(Source)));
    }

    [Test]
    public void Tar_c_piped_into_tar_x_round_trips_a_tree()
    {
        using var m = new RamFsMount();
        Machine.Sh($"tar -C '{Path.GetDirectoryName(Source)}' -cf - bench | tar -C '{m.Directory}' -xf -", Bound);
        Machine.Run("diff", ["-r", Source, m.Real("bench")], timeout: Bound);
        string back = Machine.TempDirectory("untar");
        try
        {
            Machine.Sh($"tar -C '{m.Directory}' -cf - bench | tar -C '{back}' -xf -", Bound);
            Machine.Run("diff", ["-r", Source, Path.Combine(back, "bench")], timeout: Bound);
        }
        finally
        {
            Machine.Run("rm", ["-rf", back]);
        }
    }

    [Test]
    public void Git_init_add_commit_and_log_work_inside_the_mount()
    {
        using var m = new RamFsMount();
        string repo = m.Real("repo");
        string script = $"""
            set -e
            mkdir '{repo}' && cd '{repo}'
            git init -q .
            printf 'one\n' > a.txt && mkdir sub && printf 'two\n' > sub/b.txt
            git add -A
            git -c user.name=t -c user.email=t@example.com commit -q -m first
            printf 'three\n' >> a.txt
            git -c user.name=t -c user.email=t@example.com commit -q -am second
            git log --format=%s
            git status --porcelain
            git fsck --no-progress 2>&1
            git show HEAD:a.txt
            """;
        Assert.That(Machine.Sh(script, Bound), Is.EqualTo("second\nfirst\none\nthree\n"));
    }

    [Test]
    public void Mv_ln_ln_s_and_rm_rf_behave_as_on_a_kernel_file_system()
    {
        using var m = new RamFsMount();
        string d = m.Directory;
        string script = $"""
            set -e
            cd '{d}'
            mkdir -p a/b/c && printf data > a/b/c/f
            ln a/b/c/f hard && ln -s a/b/c/f soft
            stat -c '%h' hard
            cat soft; echo
            mv a z
            cat hard; echo
            cat soft 2>/dev/null || echo dangling
            readlink soft
            mv z/b/c/f z/b/c/g && mv hard z/hard
            stat -c '%h %i' z/hard | cut -d' ' -f1
            [ "$(stat -c %i z/hard)" = "$(stat -c %i z/b/c/g)" ] && echo same-inode
            mkdir q && mv q z/ && ls z
            rm -rf z soft
            ls -A
            """;
        Assert.That(Machine.Sh(script, Bound), Is.EqualTo("2\ndata\ndata\ndangling\na/b/c/f\n2\nsame-inode\nb\nhard\nq\n"));
        var left = new System.Collections.Generic.List<DirectoryEntry>();
        Assert.That(m.Shell.ReadDirectory(RamFsMount.ModelPath, left), Is.Zero);
        Assert.That(left.Select(e => e.Name), Is.EquivalentTo(new[] { ".", ".." }), "the model's directory is empty too");
    }

    [Test]
    public void Python_mmap_reads_and_writes_through_the_page_cache()
    {
        using var m = new RamFsMount();
        string file = m.Real("mapped");
        string script = """
            import mmap, os, sys
            path = sys.argv[1]
            with open(path, "wb") as f:
                f.write(b"hello world" + b"\0" * 8181)
            fd = os.open(path, os.O_RDWR)
            with mmap.mmap(fd, 0) as mm:
                print(mm[:11].decode())
                mm[0:5] = b"HELLO"
                mm[4096:4100] = b"PAGE"
                mm.flush()
            os.close(fd)
            with open(path, "rb") as f:
                data = f.read()
            print(data[:11].decode(), data[4096:4100].decode(), len(data))
            """;
        Assert.That(Machine.Run("python3", ["-c", script, file], timeout: Bound).Stdout, Is.EqualTo("hello world\nHELLO world PAGE 8192\n"));
        // the model holds what the mapping wrote (msync wrote the pages back through FUSE_WRITE)
        byte[] model = m.Shell.ReadAllBytes(m.Model("mapped"));
        Assert.That(System.Text.Encoding.ASCII.GetString(model, 0, 11) + System.Text.Encoding.ASCII.GetString(model, 4096, 4), Is.EqualTo("HELLO worldPAGE"));
    }

    [Test]
    public void Find_newer_sees_the_models_modification_times()
    {
        using var m = new RamFsMount();
        string script = $"""
            set -e
            cd '{m.Directory}'
            mkdir d && touch -d '2001-01-01 00:00:00' d/old && touch -d '2002-01-01 00:00:00' d/mark
            touch d/new
            find d -newer d/mark -type f | sort
            stat -c '%y' d/old | cut -c1-19
            """;
        Assert.That(Machine.Sh(script, Bound), Is.EqualTo("d/new\n2001-01-01 00:00:00\n"));
    }

    [Test]
    public void Stat_fields_are_the_model_inodes()
    {
        using var m = new RamFsMount();
        Machine.Sh($"cd '{m.Directory}' && printf 12345 > f && chmod 640 f && chown 7:8 f && mkdir d && ln -s f l", Bound);
        Assert.That(m.Shell.Lstat(m.Model("f"), out StatResult f), Is.Zero);
        Assert.That(m.Shell.Lstat(m.Model("d"), out StatResult d), Is.Zero);
        Assert.That(m.Shell.Lstat(m.Model("l"), out StatResult l), Is.Zero);
        string Stat(string name) => Machine.Run("stat", ["-c", "%i %a %F %u %g %s %h %b %Y", m.Real(name)]).Stdout.Trim();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Stat("f"), Is.EqualTo($"{f.Inode} 640 regular file 7 8 5 1 {f.Blocks} {f.ModifyTime.tv_sec}"));
            Assert.That(Stat("d"), Is.EqualTo($"{d.Inode} 755 directory 0 0 0 2 0 {d.ModifyTime.tv_sec}"));
            Assert.That(Stat("l"), Is.EqualTo($"{l.Inode} 777 symbolic link 0 0 1 1 0 {l.ModifyTime.tv_sec}"));
            Assert.That(f.Blocks, Is.EqualTo(8), "one page, as ramfs counts st_blocks");
            // statfs answers from the model's simple_statfs (f_type is the kernel's FUSE_SUPER_MAGIC, set by its FUSE client)
            Assert.That(m.Shell.Statfs(RamFsMount.ModelPath, out StatFsResult fs), Is.Zero);
            Assert.That(Machine.Run("stat", ["-f", "-c", "%l %s %b", m.Directory]).Stdout.Trim(), Is.EqualTo($"{fs.NameLength} {fs.BlockSize} {fs.Blocks}"));
        }
    }

    [Test]
    public void An_unprivileged_user_is_refused_where_Linux_refuses()
    {
        using var m = new RamFsMount();
        Machine.Sh($"cd '{m.Directory}' && mkdir shared && chmod 1777 shared && printf root > shared/rootfile && mkdir private && chmod 700 private && printf s > private/secret", Bound);
        string script = $$"""
            cd '{{m.Directory}}'
            try() { if "$@" 2>/dev/null; then echo "$* ok"; else echo "$* refused"; fi; }
            try touch top
            try cat private/secret
            try ls private
            try sh -c 'printf x >> shared/rootfile'
            try rm shared/rootfile
            try chmod 777 shared/rootfile
            try sh -c 'printf mine > shared/mine'
            try chmod 600 shared/mine
            try mv shared/mine shared/moved
            try rm shared/moved
            """;
        string outcome = Machine.Run("setpriv", ["--reuid=1000", "--regid=1000", "--clear-groups", "sh", "-c", script], timeout: Bound).Stdout;
        Assert.That(outcome, Is.EqualTo("""
            touch top refused
            cat private/secret refused
            ls private refused
            sh -c printf x >> shared/rootfile refused
            rm shared/rootfile refused
            chmod 777 shared/rootfile refused
            sh -c printf mine > shared/mine ok
            chmod 600 shared/mine ok
            mv shared/mine shared/moved ok
            rm shared/moved ok

            """));
        Assert.That(m.Shell.ReadAllText(m.Model("shared/rootfile")), Is.EqualTo("root"), "nothing the refused calls touched changed");
    }

    [Test]
    public void An_unlinked_open_file_keeps_reading_and_fstat_answers_from_its_inode()
    {
        using var m = new RamFsMount();
        KernelStatistics before = m.Kernel.Statistics;
        string script = """
            import os, sys
            path = sys.argv[1]
            with open(path, "w") as f:
                f.write("still here")
            fd = os.open(path, os.O_RDWR)
            os.unlink(path)
            print(os.path.exists(path))
            st = os.fstat(fd)
            print(st.st_nlink, st.st_size)
            print(os.pread(fd, 100, 0).decode())
            os.pwrite(fd, b"!", 10)
            print(os.fstat(fd).st_size, os.pread(fd, 100, 0).decode())
            os.close(fd)
            """;
        Assert.That(Machine.Run("python3", ["-c", script, m.Real("gone")], timeout: Bound).Stdout,
            Is.EqualTo("False\n0 10\nstill here\n11 still here!\n"));
        // the kernel's FUSE client forgets the node when its dentry goes: then the model evicts the inode
        Machine.Sh("sync; echo 2 > /proc/sys/vm/drop_caches");
        Assert.That(Machine.WaitUntil(() => m.Host.NodeCount == 1, Bound), Is.True, $"every node forgotten ({m.Host.NodeCount} left)");
        Assert.That(m.Kernel.Statistics.LiveInodes, Is.EqualTo(before.LiveInodes), "the unlinked inode was evicted");
        Assert.That(m.Kernel.Statistics.PageCacheBytes, Is.EqualTo(before.PageCacheBytes), "with its pages");
    }

    [Test]
    public void Lookup_counts_keep_a_node_for_each_inode_the_kernel_holds()
    {
        using var m = new RamFsMount();
        Machine.Sh($"cd '{m.Directory}' && mkdir d && for i in 1 2 3 4 5; do printf $i > d/f$i; done && ln d/f1 d/hard", Bound);
        Machine.Run("stat", [m.Real("d/f1"), m.Real("d/hard"), m.Real("d/f2")]);
        using (Assert.EnterMultipleScope())
        {
            // root, d, f1..f5 (hard is f1's inode: the same node)
            Assert.That(m.Host.NodeCount, Is.LessThanOrEqualTo(7));
            Assert.That(Machine.Run("stat", ["-c", "%i", m.Real("d/f1"), m.Real("d/hard")]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct().Count(), Is.EqualTo(1));
        }
        Machine.Sh("sync; echo 2 > /proc/sys/vm/drop_caches");
        Assert.That(Machine.WaitUntil(() => m.Host.NodeCount == 1, Bound), Is.True, $"FORGET/BATCH_FORGET released them ({m.Host.NodeCount} left)");
        Assert.That(Machine.Run("cat", [m.Real("d/f3")]).Stdout, Is.EqualTo("3"), "and lookups make them again");
    }

    [Test]
    public void Rmmod_of_the_mounted_file_system_is_refused_and_the_mount_keeps_serving()
    {
        using var m = new RamFsMount();
        Machine.Sh($"echo kept > '{m.Real("f")}'");
        KResult rmmod = m.Kernel.Modules.Unload(RustRamfsModule.ModuleName);
        Assert.That(rmmod.IsOk, Is.False, "rmmod while a superblock of rust_ramfs exists");
        Assert.That(rmmod.Error, Is.EqualTo(Errno.EAGAIN).Or.EqualTo(Errno.EBUSY));
        Assert.That(Machine.Run("cat", [m.Real("f")]).Stdout, Is.EqualTo("kept\n"), "the mount still serves");
        m.Host.Unmount();
        Assert.That(m.Shell.Umount(RamFsMount.ModelPath), Is.Zero, "the host held nothing once unmounted");
        Assert.That(m.Kernel.Modules.Unload(RustRamfsModule.ModuleName).IsOk, Is.True, "then rmmod works");
    }

    [Test]
    public void A_whole_tree_mount_crosses_into_the_file_system_mounted_in_the_model()
    {
        using var m = new RamFsMount();
        string whole = Machine.TempDirectory("whole");
        try
        {
            using (FuseHost host = FuseHost.Mount(m.Kernel, whole, new FuseHostOptions { ModelRoot = "/", HandleSignals = false }))
            {
                Machine.Sh($"echo across > '{whole}/mnt/ram/x'");
                Assert.That(Machine.Run("cat", [m.Real("x")]).Stdout, Is.EqualTo("across\n"), "the same file through the other mount");
                Assert.That(Machine.Sh($"grep -c rust_ramfs '{whole}/proc/filesystems'"), Is.EqualTo("1\n"), "and the model's /proc beside it");
                Assert.That(m.Shell.Stat(m.Model("x"), out StatResult st), Is.Zero);
                Assert.That(Machine.Run("stat", ["-c", "%i", $"{whole}/mnt/ram/x"]).Stdout.Trim(), Is.EqualTo(st.Inode.ToString()));
            }
        }
        finally
        {
            Machine.CleanUp(whole);
        }
    }

    [Test, CancelAfter(120_000)]
    public void Unmounting_while_files_are_open_neither_hangs_nor_leaks()
    {
        var m = new RamFsMount();
        KernelStatistics before;
        try
        {
            string script = """
                import os, sys
                fds = [os.open(os.path.join(sys.argv[1], "f%d" % i), os.O_RDWR | os.O_CREAT) for i in range(3)]
                dfd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
                print("open", flush=True)
                sys.stdin.readline()
                try:
                    os.write(fds[0], b"x")
                    print("write worked")
                except OSError as e:
                    print("write", e.errno)
                """;
            using var holder = Machine.Start("python3", ["-c", script, m.Directory]);
            try
            {
                Assert.That(holder.StandardOutput.ReadLineAsync().WaitAsync(Bound).Result, Is.EqualTo("open"));
                Assert.That(m.Host.OpenFileCount, Is.EqualTo(4));
                Assert.That(Task.Run(m.Host.Unmount).Wait(Bound), Is.True, "unmount returned");
                Assert.That(MountTable.IsMountPoint(m.Directory), Is.False);
                holder.StandardInput.WriteLine("go");
                holder.StandardInput.Flush();
                Assert.That(holder.WaitForExit((int)Bound.TotalMilliseconds), Is.True);
                Assert.That(holder.StandardOutput.ReadToEnd(), Does.Match("^write (107|103)\n$"), "ENOTCONN or ECONNABORTED");
            }
            finally
            {
                if (!holder.HasExited) holder.Kill(entireProcessTree: true);
            }
            before = m.Kernel.Statistics;
            Assert.That(before.LiveFiles, Is.Zero, "the host's files (nodes and handles) were all released");
            Assert.That(m.Shell.Umount(RamFsMount.ModelPath), Is.Zero, "nothing pins the model's mount any more");
        }
        finally
        {
            m.Dispose();
        }
    }
}
