using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using KernelOps.Abi;

namespace KernelOps.Samples.Tests.Native;

/// <summary>
/// An exception or a fault must never cross the unmanaged boundary (issue 16.1): C code
/// (<c>thunk_fuzz.c</c>) calls every slot of a stateless and a stateful generated
/// <c>file_operations</c> table with NULL, 0x10, misaligned, top-of-address-space and poison
/// pointers in every pointer argument and in every struct file, inode and poll_table field the
/// thunks and the views they build read. It runs in a child process, so a thunk that let a fault
/// through kills the child (exit 134 or 139) and this test reports it, instead of taking the test
/// host down. Every call must answer the errno below.
/// </summary>
[NonParallelizable]
public class ThunkFuzzTests
{
    private const long EBADF = -(long)Errno.EBADF, EINVAL = -(long)Errno.EINVAL, EFAULT = -(long)Errno.EFAULT, ENODEV = -(long)Errno.ENODEV;
    private const long EPOLLERR = (long)PollEvents.Err, EPOLLIN = (long)PollEvents.In;

    [Test]
    public void CCallingEverySlotWithInvalidPointers_KillsNothing_AndGetsTheErrnos()
    {
        string library = Gcc.CompileShared("thunk_fuzz.c");
        try
        {
            (int exitCode, string output) = RunChild(library);
            Assert.That(exitCode, Is.Zero, "the child process died or failed:\n" + output);
            Assert.That(output, Does.Contain(ThunkFuzz.Done), output);

            Dictionary<string, long> answers = output.Split('\n')
                .Where(l => l.Contains(" -> ", StringComparison.Ordinal) && !l.StartsWith("log:", StringComparison.Ordinal))
                .Select(l => l.Split(" -> "))
                .ToDictionary(p => p[0], p => long.Parse(p[1]));
            Assert.That(answers, Has.Count.EqualTo(2 * (2 + 10 * 5 + 10 * 5 + 15 * 5)), "per table: open and release of the good file, then 10 slots, 10 other arguments and 15 fields, each with 5 bad values");
            using (Assert.EnterMultipleScope())
            {
                foreach ((string call, long rc) in answers)
                    Assert.That(rc, Is.EqualTo(Expected(call)), call);
            }
        }
        finally
        {
            File.Delete(library);
        }
    }

    // "<table> <slot> <what>=<bad>" -> the answer a correct thunk gives.
    private static long Expected(string call)
    {
        string[] words = call.Split(' ');
        bool stateful = words[0] == "stateful";
        string slot = words[1];
        if (words[2] == "good") return 0;
        string[] what = words[2].Split('=');
        string field = what[0], bad = what[1];
        // A handler that ran with valid arguments: what the fuzz targets answer.
        long ran = slot switch
        {
            "read" or "write" => 4,
            "poll" => EPOLLIN,
            _ => 0,
        };
        return field switch
        {
            "file" => slot == "poll" ? EPOLLERR : EBADF,
            "inode" => EINVAL,
            "position" => bad == "NULL" ? ran : EFAULT,               // NULL: a stream file's missing position
            "buffer" => bad == "misaligned" ? ran : EFAULT,          // a user address, reached by copy_*_user only
            "argument" => bad == "misaligned" ? 0 : EFAULT,           // likewise, through UserPtr<long>
            "table" => bad == "NULL" ? EPOLLIN : EPOLLERR,           // NULL: queue nothing
            "owner" => 0,                                             // an opaque cookie
            "private_data" when !stateful => ran,                     // not read by a stateless table
            "private_data" when slot == "poll" => EPOLLERR,
            "private_data" when slot == "release" => bad == "NULL" ? 0 : EINVAL, // nothing to free, or a word that is no state
            "private_data" => EINVAL,
            "f_model" => 0,                                           // only counted when it is a model record
            "f_device" or "f_inode" or "i_private" => ENODEV,         // the views give the handler null
            "_qproc" => EPOLLIN,                                      // poll_wait queues nothing
            _ => throw new ArgumentException("no expectation for " + call),
        };
    }

    private static (int ExitCode, string Output) RunChild(string library)
    {
        string assembly = typeof(ThunkFuzzTests).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet", [assembly, "thunk-fuzz", library])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process child = Process.Start(psi)!;
        var stderr = child.StandardError.ReadToEndAsync();
        string stdout = child.StandardOutput.ReadToEnd();
        if (!child.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            child.Kill(entireProcessTree: true);
            Assert.Fail("the fuzz child hung:\n" + stdout);
        }
        return (child.ExitCode, stdout + stderr.Result);
    }
}
