using System;

namespace KernelOps;

/// <summary>
/// File type and permission bits of a mode (include/uapi/linux/stat.h): the one set of mode
/// constants the runtime, the kernel model and file systems use.
/// </summary>
public static class UMode
{
    /// <summary>S_IFMT: the file-type bits.</summary>
    public const uint S_IFMT = 0xF000;
    /// <summary>S_IFSOCK: socket.</summary>
    public const uint S_IFSOCK = 0xC000;
    /// <summary>S_IFLNK: symbolic link.</summary>
    public const uint S_IFLNK = 0xA000;
    /// <summary>S_IFREG: regular file.</summary>
    public const uint S_IFREG = 0x8000;
    /// <summary>S_IFBLK: block device.</summary>
    public const uint S_IFBLK = 0x6000;
    /// <summary>S_IFDIR: directory.</summary>
    public const uint S_IFDIR = 0x4000;
    /// <summary>S_IFCHR: character device.</summary>
    public const uint S_IFCHR = 0x2000;
    /// <summary>S_IFIFO: FIFO.</summary>
    public const uint S_IFIFO = 0x1000;
    /// <summary>S_ISUID: set-user-ID.</summary>
    public const uint S_ISUID = 0x800;
    /// <summary>S_ISGID: set-group-ID (on a directory: new entries inherit its group).</summary>
    public const uint S_ISGID = 0x400;
    /// <summary>S_ISVTX: sticky (on a directory: only owners may remove or rename entries).</summary>
    public const uint S_ISVTX = 0x200;
    /// <summary>S_IRWXU: owner read, write, execute (0700).</summary>
    public const uint S_IRWXU = 0x1C0;
    /// <summary>S_IRUSR (0400).</summary>
    public const uint S_IRUSR = 0x100;
    /// <summary>S_IWUSR (0200).</summary>
    public const uint S_IWUSR = 0x80;
    /// <summary>S_IXUSR (0100).</summary>
    public const uint S_IXUSR = 0x40;
    /// <summary>S_IRWXG (0070).</summary>
    public const uint S_IRWXG = 0x38;
    /// <summary>S_IRGRP (0040).</summary>
    public const uint S_IRGRP = 0x20;
    /// <summary>S_IWGRP (0020).</summary>
    public const uint S_IWGRP = 0x10;
    /// <summary>S_IXGRP (0010).</summary>
    public const uint S_IXGRP = 0x8;
    /// <summary>S_IRWXO (0007).</summary>
    public const uint S_IRWXO = 0x7;
    /// <summary>S_IROTH (0004).</summary>
    public const uint S_IROTH = 0x4;
    /// <summary>S_IWOTH (0002).</summary>
    public const uint S_IWOTH = 0x2;
    /// <summary>S_IXOTH (0001).</summary>
    public const uint S_IXOTH = 0x1;
    /// <summary>S_IRWXUGO: every read/write/execute bit (0777).</summary>
    public const uint S_IRWXUGO = 0x1FF;
    /// <summary>S_IALLUGO: every permission bit including setuid, setgid and sticky (07777).</summary>
    public const uint S_IALLUGO = 0xFFF;
    /// <summary>S_IRUGO: read for user, group and others (0444).</summary>
    public const uint S_IRUGO = 0x124;
    /// <summary>S_IWUGO: write for user, group and others (0222).</summary>
    public const uint S_IWUGO = 0x92;
    /// <summary>S_IXUGO: execute/search for user, group and others (0111).</summary>
    public const uint S_IXUGO = 0x49;

    /// <summary>S_ISDIR.</summary>
    public static bool IsDirectory(uint mode) => (mode & S_IFMT) == S_IFDIR;
    /// <summary>S_ISREG.</summary>
    public static bool IsRegular(uint mode) => (mode & S_IFMT) == S_IFREG;
    /// <summary>S_ISLNK.</summary>
    public static bool IsSymlink(uint mode) => (mode & S_IFMT) == S_IFLNK;
    /// <summary>S_ISCHR.</summary>
    public static bool IsCharDevice(uint mode) => (mode & S_IFMT) == S_IFCHR;
    /// <summary>S_ISBLK.</summary>
    public static bool IsBlockDevice(uint mode) => (mode & S_IFMT) == S_IFBLK;
    /// <summary>S_ISFIFO.</summary>
    public static bool IsFifo(uint mode) => (mode & S_IFMT) == S_IFIFO;
    /// <summary>S_ISSOCK.</summary>
    public static bool IsSocket(uint mode) => (mode & S_IFMT) == S_IFSOCK;

    /// <summary>fs_umode_to_dtype: the <c>DT_*</c> type of a mode (mode &gt;&gt; 12), as getdents reports it.</summary>
    public static byte ToDirentType(uint mode) => (byte)((mode >> 12) & 15);

    /// <summary>fs_dtype_to_umode... inverse of <see cref="ToDirentType"/>: the S_IFMT bits of a <c>DT_*</c> value.</summary>
    public static uint FromDirentType(byte type) => (uint)(type & 15) << 12;
}

/// <summary><c>LOOKUP_*</c> flags a ->lookup is given (include/linux/namei.h).</summary>
[Flags]
public enum LookupFlags : uint
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>LOOKUP_FOLLOW: follow a trailing symlink.</summary>
    Follow = 0x0001,
    /// <summary>LOOKUP_DIRECTORY: the result must be a directory.</summary>
    Directory = 0x0002,
    /// <summary>LOOKUP_AUTOMOUNT.</summary>
    Automount = 0x0004,
    /// <summary>LOOKUP_EMPTY: an empty path is allowed.</summary>
    Empty = 0x4000,
    /// <summary>LOOKUP_OPEN: the lookup is for open(2).</summary>
    Open = 0x0100,
    /// <summary>LOOKUP_CREATE: the lookup may be followed by a create.</summary>
    Create = 0x0200,
    /// <summary>LOOKUP_EXCL: ... exclusively.</summary>
    Exclusive = 0x0400,
    /// <summary>LOOKUP_RENAME_TARGET: the target of a rename.</summary>
    RenameTarget = 0x0800,
}

/// <summary>The <c>MAY_*</c> mask of a permission check (include/linux/fs.h).</summary>
[Flags]
public enum MayMask
{
    /// <summary>None (existence).</summary>
    None = 0,
    /// <summary>MAY_EXEC: execute, or search a directory.</summary>
    Exec = 0x1,
    /// <summary>MAY_WRITE.</summary>
    Write = 0x2,
    /// <summary>MAY_READ.</summary>
    Read = 0x4,
    /// <summary>MAY_APPEND.</summary>
    Append = 0x8,
    /// <summary>MAY_ACCESS: the check is access(2)'s.</summary>
    Access = 0x10,
    /// <summary>MAY_OPEN: the check is open(2)'s.</summary>
    Open = 0x20,
    /// <summary>MAY_CHDIR.</summary>
    Chdir = 0x40,
    /// <summary>MAY_NOT_BLOCK: called in RCU walk (never, in the model).</summary>
    NotBlock = 0x80,
}

/// <summary>renameat2(2) flags (include/uapi/linux/fs.h).</summary>
[Flags]
public enum RenameFlags : uint
{
    /// <summary>Replace the target if it exists.</summary>
    None = 0,
    /// <summary>RENAME_NOREPLACE: fail with EEXIST if the target exists.</summary>
    NoReplace = 1,
    /// <summary>RENAME_EXCHANGE: swap the two names atomically; both must exist.</summary>
    Exchange = 2,
    /// <summary>RENAME_WHITEOUT: leave a whiteout at the source (overlayfs; not supported by libfs).</summary>
    Whiteout = 4,
}

/// <summary><c>STATX_*</c> request and result bits (include/uapi/linux/stat.h).</summary>
[Flags]
public enum StatxMask : uint
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>STATX_TYPE.</summary>
    Type = 0x1,
    /// <summary>STATX_MODE.</summary>
    Mode = 0x2,
    /// <summary>STATX_NLINK.</summary>
    Nlink = 0x4,
    /// <summary>STATX_UID.</summary>
    Uid = 0x8,
    /// <summary>STATX_GID.</summary>
    Gid = 0x10,
    /// <summary>STATX_ATIME.</summary>
    Atime = 0x20,
    /// <summary>STATX_MTIME.</summary>
    Mtime = 0x40,
    /// <summary>STATX_CTIME.</summary>
    Ctime = 0x80,
    /// <summary>STATX_INO.</summary>
    Ino = 0x100,
    /// <summary>STATX_SIZE.</summary>
    Size = 0x200,
    /// <summary>STATX_BLOCKS.</summary>
    Blocks = 0x400,
    /// <summary>STATX_BASIC_STATS: everything stat(2) returns.</summary>
    BasicStats = 0x7FF,
    /// <summary>STATX_BTIME.</summary>
    Btime = 0x800,
    /// <summary>STATX_MNT_ID.</summary>
    MountId = 0x1000,
}

/// <summary><c>ATTR_*</c> bits of <c>iattr.ia_valid</c> (include/linux/fs.h).</summary>
[Flags]
public enum IattrValid : uint
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>ATTR_MODE.</summary>
    Mode = 1 << 0,
    /// <summary>ATTR_UID.</summary>
    Uid = 1 << 1,
    /// <summary>ATTR_GID.</summary>
    Gid = 1 << 2,
    /// <summary>ATTR_SIZE.</summary>
    Size = 1 << 3,
    /// <summary>ATTR_ATIME.</summary>
    Atime = 1 << 4,
    /// <summary>ATTR_MTIME.</summary>
    Mtime = 1 << 5,
    /// <summary>ATTR_CTIME.</summary>
    Ctime = 1 << 6,
    /// <summary>ATTR_ATIME_SET: atime is given (not "now").</summary>
    AtimeSet = 1 << 7,
    /// <summary>ATTR_MTIME_SET: mtime is given (not "now").</summary>
    MtimeSet = 1 << 8,
    /// <summary>ATTR_FORCE: skip the permission checks (truncate's privilege removal).</summary>
    Force = 1 << 9,
    /// <summary>ATTR_KILL_SUID.</summary>
    KillSuid = 1 << 11,
    /// <summary>ATTR_KILL_SGID.</summary>
    KillSgid = 1 << 12,
    /// <summary>ATTR_FILE: <c>ia_file</c> is the open file (ftruncate).</summary>
    File = 1 << 13,
    /// <summary>ATTR_KILL_PRIV.</summary>
    KillPriv = 1 << 14,
    /// <summary>ATTR_OPEN: the truncate of an O_TRUNC open.</summary>
    Open = 1 << 15,
    /// <summary>ATTR_TIMES_SET: utimensat gave explicit times.</summary>
    TimesSet = 1 << 16,
    /// <summary>ATTR_TOUCH: utimensat with times == NULL.</summary>
    Touch = 1 << 17,
}

/// <summary><c>file_system_type.fs_flags</c> (include/linux/fs.h).</summary>
[Flags]
public enum FsFlags
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>FS_REQUIRES_DEV: mounts a block device (not modelled: such a type cannot be mounted).</summary>
    RequiresDev = 1,
    /// <summary>FS_BINARY_MOUNTDATA: the mount(2) data is binary (parse_monolithic gets it raw).</summary>
    BinaryMountData = 2,
    /// <summary>FS_HAS_SUBTYPE.</summary>
    HasSubtype = 4,
    /// <summary>FS_USERNS_MOUNT: can be mounted by root in a user namespace (the seed's ramfs).</summary>
    UserNsMount = 8,
    /// <summary>FS_DISALLOW_NOTIFY_PERM.</summary>
    DisallowNotifyPerm = 16,
    /// <summary>FS_ALLOW_IDMAP.</summary>
    AllowIdmap = 32,
    /// <summary>FS_RENAME_DOES_D_MOVE: the file system moves dentries itself in ->rename.</summary>
    RenameDoesDMove = 32768,
}

/// <summary>A mount option's kind (<c>enum fs_value_type</c>, include/linux/fs_context.h).</summary>
public enum FsParameterType
{
    /// <summary>fs_value_is_undefined.</summary>
    Undefined = 0,
    /// <summary>fs_value_is_flag: "ro", no value.</summary>
    Flag = 1,
    /// <summary>fs_value_is_string: "mode=0755".</summary>
    String = 2,
}
