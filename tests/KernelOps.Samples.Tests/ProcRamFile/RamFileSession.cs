using System;
using System.Text;
using KernelOps.Model;
using KernelOps.Samples.ProcRamFile;

namespace KernelOps.Samples.Tests.ProcRamFile;

/// <summary>A kernel with the RAM-file module loaded and a shell process, disposed after each test.</summary>
internal sealed class RamFileSession : IDisposable
{
    public RamFileSession(long maxBytes = RamFileData.DefaultMaxBytes)
    {
        Kernel = new Kernel();
        Module = new RamFileModule(maxBytes);
        Kernel.Modules.Load(Module);
        Shell = Kernel.CreateProcess("sh");
    }

    public Kernel Kernel { get; }
    public RamFileModule Module { get; }
    public UserProcess Shell { get; }
    public const string Path = RamFileModule.Path;

    public string Cat() => Encoding.ASCII.GetString(Shell.ReadAllBytes(Path));

    public void Echo(string text, bool append = false) =>
        Shell.WriteAllBytes(Path, Encoding.ASCII.GetBytes(text + "\n"), append);

    /// <summary>Maps a user buffer holding <paramref name="text"/>.</summary>
    public UserMapping MapText(string text, UserProcess? process = null)
    {
        process ??= Shell;
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        UserMapping m = process.Memory.Map((nuint)Math.Max(bytes.Length, 1));
        Assert.That(process.Memory.CopyToUser(m.Address, bytes), Is.EqualTo((nuint)0));
        return m;
    }

    public string ReadUser(UserMapping m, int length, UserProcess? process = null)
    {
        var bytes = new byte[length];
        Assert.That((process ?? Shell).Memory.CopyFromUser(bytes, m.Address), Is.EqualTo((nuint)0));
        return Encoding.ASCII.GetString(bytes);
    }

    public void Dispose() => Kernel.Dispose();
}
