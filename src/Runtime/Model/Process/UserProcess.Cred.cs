using System;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using KernelOps.Abi;

namespace KernelOps.Model;

// kernel/sys.c and kernel/groups.c: the credential syscalls (for tests and hosts that run as a user).
public sealed partial class UserProcess
{
    /// <summary>NGROUPS_MAX.</summary>
    public const int MaxGroups = 65536;

    private const uint Unchanged = uint.MaxValue; // (uid_t)-1

    /// <summary>
    /// setuid(2) (kernel/sys.c:__sys_setuid): with CAP_SETUID every id becomes <paramref name="uid"/>;
    /// otherwise only the effective and file-system ids, to the real or saved uid. Leaving uid 0 drops
    /// the capabilities (security/commoncap.c).
    /// </summary>
    public int SetUid(uint uid)
    {
        Credentials old = Credentials; // the task's own (objective) credentials, what prepare_creds copies
        if (old.HasCapability(Capability.Setuid))
            return Commit(old.With(uid, uid, uid, uid, old.Gid, old.Egid, old.Sgid, old.Fsgid, old.Groups));
        if (uid != old.Uid && uid != old.Suid) return -(int)Errno.EPERM;
        return Commit(old.With(old.Uid, uid, old.Suid, uid, old.Gid, old.Egid, old.Sgid, old.Fsgid, old.Groups));
    }

    /// <summary>setgid(2) (kernel/sys.c:__sys_setgid).</summary>
    public int SetGid(uint gid)
    {
        Credentials old = Credentials; // the task's own (objective) credentials, what prepare_creds copies
        if (old.HasCapability(Capability.Setgid))
            return Commit(old.With(old.Uid, old.Euid, old.Suid, old.Fsuid, gid, gid, gid, gid, old.Groups));
        if (gid != old.Gid && gid != old.Sgid) return -(int)Errno.EPERM;
        return Commit(old.With(old.Uid, old.Euid, old.Suid, old.Fsuid, old.Gid, gid, old.Sgid, gid, old.Groups));
    }

    /// <summary>setresuid(2): uint.MaxValue leaves an id unchanged; without CAP_SETUID each new id must be one of the old three.</summary>
    public int SetResUid(uint ruid, uint euid, uint suid)
    {
        Credentials old = Credentials; // the task's own (objective) credentials, what prepare_creds copies
        if (!old.HasCapability(Capability.Setuid))
        {
            foreach (uint id in new[] { ruid, euid, suid })
                if (id != Unchanged && id != old.Uid && id != old.Euid && id != old.Suid) return -(int)Errno.EPERM;
        }
        uint r = ruid == Unchanged ? old.Uid : ruid, e = euid == Unchanged ? old.Euid : euid, s = suid == Unchanged ? old.Suid : suid;
        return Commit(old.With(r, e, s, e, old.Gid, old.Egid, old.Sgid, old.Fsgid, old.Groups));
    }

    /// <summary>setresgid(2).</summary>
    public int SetResGid(uint rgid, uint egid, uint sgid)
    {
        Credentials old = Credentials; // the task's own (objective) credentials, what prepare_creds copies
        if (!old.HasCapability(Capability.Setgid))
        {
            foreach (uint id in new[] { rgid, egid, sgid })
                if (id != Unchanged && id != old.Gid && id != old.Egid && id != old.Sgid) return -(int)Errno.EPERM;
        }
        uint r = rgid == Unchanged ? old.Gid : rgid, e = egid == Unchanged ? old.Egid : egid, s = sgid == Unchanged ? old.Sgid : sgid;
        return Commit(old.With(old.Uid, old.Euid, old.Suid, old.Fsuid, r, e, s, e, old.Groups));
    }

    /// <summary>setgroups(2) (kernel/groups.c): CAP_SETGID (EPERM), at most <see cref="MaxGroups"/> (EINVAL).</summary>
    public int SetGroups(ReadOnlySpan<uint> groups)
    {
        if (groups.Length > MaxGroups) return -(int)Errno.EINVAL;
        Credentials old = Credentials; // the task's own (objective) credentials, what prepare_creds copies
        if (!old.HasCapability(Capability.Setgid)) return -(int)Errno.EPERM; // may_setgroups
        return Commit(old.With(old.Uid, old.Euid, old.Suid, old.Fsuid, old.Gid, old.Egid, old.Sgid, old.Fsgid, Credentials.Sorted(groups)));
    }

    /// <summary>setgroups(2) with the list in user memory.</summary>
    public int SetGroups(int size, nuint list)
    {
        if ((uint)size > MaxGroups) return -(int)Errno.EINVAL;
        uint[] groups = new uint[size];
        using (EnterTask())
        {
            if (size > 0 && Memory.CopyFromUser(MemoryMarshal.AsBytes(groups.AsSpan()), list) != 0) return -(int)Errno.EFAULT;
        }
        return SetGroups(groups);
    }

    /// <summary>setfsuid(2): returns the old fsuid; changes it only with CAP_SETUID or to one of the other uids.</summary>
    public uint SetFsUid(uint uid)
    {
        Credentials old = Credentials; // the task's own (objective) credentials, what prepare_creds copies
        if (uid == old.Uid || uid == old.Euid || uid == old.Suid || uid == old.Fsuid || old.HasCapability(Capability.Setuid))
        {
            if (uid != old.Fsuid) Commit(old.With(old.Uid, old.Euid, old.Suid, uid, old.Gid, old.Egid, old.Sgid, old.Fsgid, old.Groups));
        }
        return old.Fsuid;
    }

    /// <summary>setfsgid(2) (kernel/sys.c:__sys_setfsgid): returns the old fsgid; changes it only with CAP_SETGID or to one of the other gids.</summary>
    public uint SetFsGid(uint gid)
    {
        Credentials old = Credentials; // the task's own (objective) credentials, what prepare_creds copies
        if (gid == old.Gid || gid == old.Egid || gid == old.Sgid || gid == old.Fsgid || old.HasCapability(Capability.Setgid))
        {
            if (gid != old.Fsgid) Commit(old.With(old.Uid, old.Euid, old.Suid, old.Fsuid, old.Gid, old.Egid, old.Sgid, gid, old.Groups));
        }
        return old.Fsgid;
    }

    /// <summary>Drops a capability from the process (capset for tests: an otherwise-root caller without, say, CAP_DAC_OVERRIDE).</summary>
    public void DropCapability(Capability capability) => Credentials = Credentials.WithoutCapability(capability);

    // commit_creds: the process's credentials (a thread's override is left alone, as Linux's subjective creds)
    private int Commit(Credentials credentials)
    {
        Credentials = credentials;
        return 0;
    }
}
