using System;
using System.IO;
using System.Text;
using KernelOps.Abi;

namespace KernelOps.Model;

// What a shell does with a few syscalls: cat, echo >, echo >>.
public sealed partial class UserProcess
{
    /// <summary>Reads a whole file as <c>cat</c> does: open O_RDONLY, read until 0, close.</summary>
    /// <exception cref="KernelErrorException">Any step failed; the message names the syscall and path.</exception>
    public byte[] ReadAllBytes(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        const int chunk = 4096;
        int fd = Check(Open(path, OpenFlags.O_RDONLY), "open", path);
        UserMapping buffer = default;
        try
        {
            buffer = Memory.Map(chunk);
            var result = new MemoryStream();
            Span<byte> bounce = stackalloc byte[chunk];
            while (true)
            {
                nint n = Read(fd, buffer.Address, chunk);
                if (n < 0) throw new KernelErrorException((Errno)(-n), $"read(\"{path}\")");
                if (n == 0) break;
                Memory.CopyFromUser(bounce[..(int)n], buffer.Address);
                result.Write(bounce[..(int)n]);
            }
            return result.ToArray();
        }
        finally
        {
            if (buffer.Length != 0) Memory.Unmap(buffer.Address);
            Close(fd);
        }
    }

    /// <summary>
    /// Writes <paramref name="data"/> as the shell's <c>echo &gt;</c> does (O_WRONLY|O_CREAT|O_TRUNC),
    /// or <c>echo &gt;&gt;</c> (O_WRONLY|O_CREAT|O_APPEND) when <paramref name="append"/>, writing until
    /// everything is taken (a write of 0 is ENOSPC, as coreutils' full_write says).
    /// </summary>
    /// <exception cref="KernelErrorException">Any step failed; the message names the syscall and path.</exception>
    public void WriteAllBytes(string path, ReadOnlySpan<byte> data, bool append = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        OpenFlags flags = OpenFlags.O_WRONLY | OpenFlags.O_CREAT | (append ? OpenFlags.O_APPEND : OpenFlags.O_TRUNC);
        int fd = Check(Open(path, flags, 0x1B6 /* 0666 */), "open", path);
        UserMapping buffer = default;
        try
        {
            if (data.IsEmpty) return;
            const int maxChunk = 1 << 20;
            buffer = Memory.Map((nuint)Math.Min(data.Length, maxChunk));
            while (!data.IsEmpty)
            {
                int piece = (int)Math.Min((nuint)data.Length, buffer.Length);
                Memory.CopyToUser(buffer.Address, data[..piece]);
                int done = 0;
                while (done < piece)
                {
                    nint n = Write(fd, buffer.Address + (nuint)done, (nuint)(piece - done));
                    if (n < 0) throw new KernelErrorException((Errno)(-n), $"write(\"{path}\")");
                    if (n == 0) throw new KernelErrorException(Errno.ENOSPC, $"write(\"{path}\")");
                    done += (int)n;
                }
                data = data[piece..];
            }
        }
        finally
        {
            if (buffer.Length != 0) Memory.Unmap(buffer.Address);
            Close(fd);
        }
    }

    /// <summary><see cref="ReadAllBytes"/> decoded as UTF-8.</summary>
    public string ReadAllText(string path) => Encoding.UTF8.GetString(ReadAllBytes(path));

    /// <summary><see cref="WriteAllBytes"/> of <paramref name="text"/> encoded as UTF-8.</summary>
    public void WriteAllText(string path, string text, bool append = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteAllBytes(path, Encoding.UTF8.GetBytes(text), append);
    }

    private static int Check(int result, string syscall, string path) =>
        result >= 0 ? result : throw new KernelErrorException((Errno)(-result), $"{syscall}(\"{path}\")");
}
