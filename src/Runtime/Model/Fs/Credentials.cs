using System;
using System.Collections.Immutable;
using System.Threading;

namespace KernelOps.Model;

/// <summary>The capabilities the model checks (include/uapi/linux/capability.h numbers).</summary>
public enum Capability
{
    /// <summary>CAP_CHOWN: change any file's owner and group.</summary>
    Chown = 0,
    /// <summary>CAP_DAC_OVERRIDE: bypass read, write and execute permission checks.</summary>
    DacOverride = 1,
    /// <summary>CAP_DAC_READ_SEARCH: bypass read checks on files and read/search checks on directories.</summary>
    DacReadSearch = 2,
    /// <summary>CAP_FOWNER: act as the owner of any file (chmod, utimes, sticky directories).</summary>
    Fowner = 3,
    /// <summary>CAP_FSETID: keep set-user/group-ID bits on writes and chown; set S_ISGID without being in the group.</summary>
    Fsetid = 4,
    /// <summary>CAP_KILL.</summary>
    Kill = 5,
    /// <summary>CAP_SETGID: setgid/setgroups to anything.</summary>
    Setgid = 6,
    /// <summary>CAP_SETUID: setuid to anything.</summary>
    Setuid = 7,
    /// <summary>CAP_LINUX_IMMUTABLE.</summary>
    LinuxImmutable = 9,
    /// <summary>CAP_SYS_CHROOT.</summary>
    SysChroot = 18,
    /// <summary>CAP_SYS_ADMIN: mount and umount among much else.</summary>
    SysAdmin = 21,
    /// <summary>CAP_SYS_RESOURCE.</summary>
    SysResource = 24,
    /// <summary>CAP_MKNOD: create character and block device nodes.</summary>
    Mknod = 27,
}

/// <summary>
/// A task's credentials (<c>struct cred</c>, include/linux/cred.h): real, effective, saved and file-system
/// user and group ids, supplementary groups, and the effective and permitted capability sets. Immutable,
/// as Linux's are (commit_creds replaces them). Root (uid 0) starts with every capability; the setuid
/// family drops them as kernel/sys.c and security/commoncap.c do.
/// </summary>
public sealed class Credentials
{
    /// <summary>Every capability the model knows (CAP_FULL_SET for what it checks).</summary>
    public const ulong FullCapabilitySet = (1UL << 41) - 1;

    /// <summary>Root in the initial user namespace with every capability: what init and the FUSE host start with.</summary>
    public static Credentials Root { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, ImmutableArray<uint>.Empty, FullCapabilitySet, FullCapabilitySet);

    internal Credentials(uint uid, uint euid, uint suid, uint fsuid, uint gid, uint egid, uint sgid, uint fsgid,
        ImmutableArray<uint> groups, ulong effective, ulong permitted)
    {
        Uid = uid; Euid = euid; Suid = suid; Fsuid = fsuid;
        Gid = gid; Egid = egid; Sgid = sgid; Fsgid = fsgid;
        Groups = groups;
        EffectiveCapabilities = effective;
        PermittedCapabilities = permitted;
    }

    /// <summary>
    /// Credentials for a caller of another identity (what a FUSE host hands the model per request):
    /// all ids set to <paramref name="uid"/>/<paramref name="gid"/>, the given supplementary groups,
    /// and root's capabilities only for uid 0.
    /// </summary>
    public static Credentials For(uint uid, uint gid, params uint[] groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ulong caps = uid == 0 ? FullCapabilitySet : 0;
        return new Credentials(uid, uid, uid, uid, gid, gid, gid, gid, Sorted(groups), caps, caps);
    }

    /// <summary>Real user id.</summary>
    public uint Uid { get; }
    /// <summary>Effective user id.</summary>
    public uint Euid { get; }
    /// <summary>Saved set-user-id.</summary>
    public uint Suid { get; }
    /// <summary>File-system user id (owner of new files, permission checks).</summary>
    public uint Fsuid { get; }
    /// <summary>Real group id.</summary>
    public uint Gid { get; }
    /// <summary>Effective group id.</summary>
    public uint Egid { get; }
    /// <summary>Saved set-group-id.</summary>
    public uint Sgid { get; }
    /// <summary>File-system group id.</summary>
    public uint Fsgid { get; }
    /// <summary>Supplementary groups, sorted (groups_sort).</summary>
    public ImmutableArray<uint> Groups { get; }
    /// <summary>cap_effective as a bit set (bit n is <see cref="Capability"/> n).</summary>
    public ulong EffectiveCapabilities { get; }
    /// <summary>cap_permitted.</summary>
    public ulong PermittedCapabilities { get; }

    /// <summary>capable(cap): the capability is in the effective set.</summary>
    public bool HasCapability(Capability capability) => (EffectiveCapabilities & (1UL << (int)capability)) != 0;

    /// <summary>mirrors kernel/groups.c:in_group_p: <paramref name="gid"/> is the fsgid or a supplementary group.</summary>
    public bool InGroup(uint gid) => gid == Fsgid || Groups.BinarySearch(gid) >= 0;

    /// <summary>A copy with the capability removed from the effective and permitted sets (capset for tests).</summary>
    public Credentials WithoutCapability(Capability capability)
    {
        ulong bit = 1UL << (int)capability;
        return new Credentials(Uid, Euid, Suid, Fsuid, Gid, Egid, Sgid, Fsgid, Groups, EffectiveCapabilities & ~bit, PermittedCapabilities & ~bit);
    }

    internal Credentials With(uint uid, uint euid, uint suid, uint fsuid, uint gid, uint egid, uint sgid, uint fsgid, ImmutableArray<uint> groups)
    {
        // mirrors security/commoncap.c:cap_emulate_setxuid and cap_task_fix_setuid (no SECURE_KEEP_CAPS):
        ulong effective = EffectiveCapabilities, permitted = PermittedCapabilities;
        bool hadRoot = Uid == 0 || Euid == 0 || Suid == 0;
        bool hasRoot = uid == 0 || euid == 0 || suid == 0;
        if (hadRoot && !hasRoot) { permitted = 0; effective = 0; }   // no root id left: drop everything
        if (Euid == 0 && euid != 0) effective = 0;                      // euid 0 -> non-0: clear effective
        if (Euid != 0 && euid == 0) effective = permitted;              // non-0 -> 0: effective = permitted
        if (Fsuid == 0 && fsuid != 0) effective &= ~FsCapabilityMask;   // fsuid leaves 0: drop the fs caps
        else if (Fsuid != 0 && fsuid == 0) effective |= permitted & FsCapabilityMask;
        return new Credentials(uid, euid, suid, fsuid, gid, egid, sgid, fsgid, groups, effective, permitted);
    }

    /// <summary>CAP_FS_SET (include/linux/capability.h: CAP_FS_MASK and CAP_LINUX_IMMUTABLE): the capabilities that follow fsuid.</summary>
    internal const ulong FsCapabilityMask = (1UL << (int)Capability.Chown) | (1UL << (int)Capability.Mknod) | (1UL << (int)Capability.DacOverride) |
        (1UL << (int)Capability.DacReadSearch) | (1UL << (int)Capability.Fowner) | (1UL << (int)Capability.Fsetid) |
        (1UL << (int)Capability.LinuxImmutable) | (1UL << 32) /* CAP_MAC_OVERRIDE */;

    internal static ImmutableArray<uint> Sorted(ReadOnlySpan<uint> groups)
    {
        uint[] copy = groups.ToArray();
        Array.Sort(copy);
        return ImmutableArray.Create(copy);
    }

    /// <inheritdoc/>
    public override string ToString() => $"uid={Uid} euid={Euid} fsuid={Fsuid} gid={Gid} egid={Egid} fsgid={Fsgid} groups=[{string.Join(",", Groups)}] caps=0x{EffectiveCapabilities:x}";
}

/// <summary>
/// The calling task's subjective credentials (<c>current_cred()</c>): the process's, or the thread's
/// override while a <see cref="UserProcess.OverrideCredentials"/> scope is open (override_creds).
/// </summary>
internal static class CurrentCred
{
    [ThreadStatic] private static Credentials? t_override;

    /// <summary>The credentials the current syscall runs with; root outside any task (kernel threads).</summary>
    public static Credentials Get() => t_override ?? CurrentTask.Process?.Credentials ?? Credentials.Root;

    /// <summary>current_cred() of a syscall of <paramref name="process"/> about to enter its task: the thread's override or the process's.</summary>
    public static Credentials GetFor(UserProcess process) => t_override ?? process.Credentials;

    /// <summary>override_creds: until the scope is disposed, syscalls on this thread use <paramref name="credentials"/>.</summary>
    public static Scope Override(Credentials credentials)
    {
        var scope = new Scope(t_override);
        t_override = credentials;
        return scope;
    }

    /// <summary>revert_creds on dispose.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly Credentials? _previous;

        internal Scope(Credentials? previous) => _previous = previous;

        public void Dispose() => t_override = _previous;
    }

    /// <summary>mirrors kernel/capability.c:capable.</summary>
    public static bool Capable(Capability capability) => Get().HasCapability(capability);

    /// <summary>mirrors kernel/capability.c:capable_wrt_inode_uidgid (every id is mapped in the one user namespace).</summary>
    public static bool CapableWrtInode(Capability capability) => Capable(capability);

    /// <summary>mirrors fs/inode.c:inode_owner_or_capable.</summary>
    // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native stays allocated until VfsInode.Destroy runs after the last reference.
    public static unsafe bool InodeOwnerOrCapable(VfsInode inode) =>
        Get().Fsuid == inode.Native->i_uid || CapableWrtInode(Capability.Fowner);

    /// <summary>mirrors fs/attr.c:in_group_or_capable.</summary>
    public static bool InGroupOrCapable(uint gid) => Get().InGroup(gid) || CapableWrtInode(Capability.Fsetid);
}

/// <summary>The per-process part of <c>struct fs_struct</c> the model keeps besides root and cwd.</summary>
internal static class FsUmask
{
    /// <summary>The default umask (init's 0022).</summary>
    public const uint Default = 0x12;

    /// <summary>current_umask(): the calling process's umask (0 for kernel threads).</summary>
    public static uint Current => CurrentTask.Process is { } p ? Volatile.Read(ref p.UmaskValue) : 0;
}
