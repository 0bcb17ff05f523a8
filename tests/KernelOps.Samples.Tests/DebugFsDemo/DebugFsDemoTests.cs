using KernelOps.Model;
using KernelOps.Samples.DebugFsDemo;

namespace KernelOps.Samples.Tests.DebugFsDemo;

internal sealed class DebugFsDemoTests
{
    [Test]
    public void The_transcript_shows_all_three_apis_and_removal()
    {
        string transcript = Transcript.Run();
        Assert.Multiple(() =>
        {
            Assert.That(transcript, Does.Contain("$ cat /sys/kernel/debug/netcard/stats\nrx_packets: 5\ntx_packets: 12\nerrors: 1\n"));
            Assert.That(transcript, Does.Contain("$ echo 70000000000 > /sys/kernel/debug/netcard/mtu\nsh: echo: write error: Numerical result out of range\n"));
            Assert.That(transcript, Does.Contain("$ echo jumbo > /sys/kernel/debug/netcard/mtu\nsh: echo: write error: Invalid argument\n$ cat /sys/kernel/debug/netcard/mtu\n9000\n"));
            Assert.That(transcript, Does.Contain("$ echo 1 > /sys/kernel/debug/netcard/reset_stats\n$ cat /sys/kernel/debug/netcard/stats\nrx_packets: 0\n"));
            Assert.That(transcript, Does.Contain("$ cat /sys/kernel/debug/netcard/queues/rx1/ring_size\n512\n"));
            Assert.That(transcript, Does.Contain("driver sees: mtu=9000 promiscuous=True name=wan0\n"));
            Assert.That(transcript, Does.Contain("cat: read error: Input/output error\n"));
            Assert.That(transcript, Does.EndWith("cat: /sys/kernel/debug/netcard/stats: No such file or directory\n"));
        });
    }

    [Test]
    public void The_conditional_file_exists_only_when_enabled_and_the_kernel_leaks_nothing()
    {
        var kernel = new Kernel();
        using (UserProcess sh = kernel.CreateProcess("sh"))
        {
            using (var card = new NetCard(kernel, queueCount: 1, ringDebug: false))
            {
                Assert.That(sh.Open(DebugFs.MountPoint + "/netcard/queues/rx0/card_stats", OpenFlags.O_RDONLY), Is.EqualTo(-(int)Errno.ENOENT));
                Assert.That(sh.ReadAllText(DebugFs.MountPoint + "/netcard/queues/rx0/ring_size"), Is.EqualTo("256\n"));
            }
            Assert.That(kernel.DebugFs.Lookup("netcard"), Is.Null);
        }
        kernel.Dispose();
        Assert.That(kernel.Statistics, Is.EqualTo(new KernelStatistics(0, 0, 0, 0)));
    }
}
