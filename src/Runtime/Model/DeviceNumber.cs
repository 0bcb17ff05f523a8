namespace KernelOps.Model;

/// <summary>
/// Device numbers. Inside the kernel a <c>dev_t</c> is <c>MKDEV(major, minor)</c> = major &lt;&lt; 20 |
/// minor (include/linux/kdev_t.h); user space (mknod's argument, stat's st_rdev) uses glibc's
/// 64-bit <c>makedev</c> encoding, which new_decode_dev/new_encode_dev translate.
/// </summary>
public static class DeviceNumber
{
    /// <summary>MINORBITS.</summary>
    public const int MinorBits = 20;

    /// <summary>MINORMASK.</summary>
    public const uint MinorMask = (1u << MinorBits) - 1;

    /// <summary>MKDEV(major, minor): the kernel's dev_t.</summary>
    public static uint Make(uint major, uint minor) => (major << MinorBits) | (minor & MinorMask);

    /// <summary>MAJOR(dev).</summary>
    public static uint Major(uint dev) => dev >> MinorBits;

    /// <summary>MINOR(dev).</summary>
    public static uint Minor(uint dev) => dev & MinorMask;

    /// <summary>glibc <c>makedev(major, minor)</c>: the user-space dev_t that mknod(2) takes and stat(2) returns.</summary>
    public static ulong MakeUser(uint major, uint minor) =>
        ((ulong)(major & 0xFFFFF000u) << 32) | ((ulong)(major & 0xFFFu) << 8) | ((ulong)(minor & 0xFFFFFF00u) << 12) | (minor & 0xFFu);

    /// <summary>glibc <c>major(dev)</c>.</summary>
    public static uint UserMajor(ulong dev) => (uint)(((dev >> 32) & 0xFFFFF000UL) | ((dev >> 8) & 0xFFFUL));

    /// <summary>glibc <c>minor(dev)</c>.</summary>
    public static uint UserMinor(ulong dev) => (uint)(((dev >> 12) & 0xFFFFFF00UL) | (dev & 0xFFUL));

    /// <summary>User dev_t to kernel dev_t (mknod: new_decode_dev of the low 32 bits, as the syscall takes an unsigned int).</summary>
    internal static uint FromUser(ulong dev) => Make(UserMajor(dev), UserMinor(dev));

    /// <summary>Kernel dev_t to user dev_t (stat: new_encode_dev widened as glibc reads it).</summary>
    internal static ulong ToUser(uint dev) => MakeUser(Major(dev), Minor(dev));
}

/// <summary>What stat(2) and statx(2) report (<c>struct kstat</c> as the model fills it).</summary>
/// <param name="Device">st_dev: the filesystem's device (user encoding).</param>
/// <param name="Inode">st_ino.</param>
/// <param name="Mode">st_mode: type and permission bits.</param>
/// <param name="LinkCount">st_nlink.</param>
/// <param name="RDevice">st_rdev: for device nodes, the device (user encoding, see <see cref="DeviceNumber.MakeUser"/>).</param>
/// <param name="Size">st_size.</param>
public readonly record struct StatResult(ulong Device, ulong Inode, uint Mode, uint LinkCount, ulong RDevice, long Size)
{
    /// <summary>S_IFCHR: character device.</summary>
    public const uint S_IFCHR = UMode.S_IFCHR;
    /// <summary>S_IFBLK: block device.</summary>
    public const uint S_IFBLK = UMode.S_IFBLK;

    /// <summary>st_uid.</summary>
    public uint Uid { get; init; }

    /// <summary>st_gid.</summary>
    public uint Gid { get; init; }

    /// <summary>st_blksize.</summary>
    public uint BlockSize { get; init; }

    /// <summary>st_blocks: 512-byte units.</summary>
    public long Blocks { get; init; }

    /// <summary>st_atim.</summary>
    public KernelOps.Abi.KernelTimespec AccessTime { get; init; }

    /// <summary>st_mtim.</summary>
    public KernelOps.Abi.KernelTimespec ModifyTime { get; init; }

    /// <summary>st_ctim.</summary>
    public KernelOps.Abi.KernelTimespec ChangeTime { get; init; }

    /// <summary>statx's stx_mask: the fields filled.</summary>
    public StatxMask Mask { get; init; }

    /// <summary>statx's stx_attributes (STATX_ATTR_MOUNT_ROOT ...).</summary>
    public ulong Attributes { get; init; }

    /// <summary>statx's stx_attributes_mask.</summary>
    public ulong AttributesMask { get; init; }

    /// <summary>statx's stx_mnt_id.</summary>
    public ulong MountId { get; init; }

    /// <summary>True for a character device node.</summary>
    public bool IsCharacterDevice => UMode.IsCharDevice(Mode);

    /// <summary>True for a directory (S_ISDIR).</summary>
    public bool IsDirectory => UMode.IsDirectory(Mode);

    /// <summary>True for a regular file (S_ISREG).</summary>
    public bool IsRegular => UMode.IsRegular(Mode);

    /// <summary>S_ISLNK.</summary>
    public bool IsSymbolicLink => UMode.IsSymlink(Mode);

    /// <summary>True for a symbolic link (S_ISLNK).</summary>
    public bool IsSymlink => UMode.IsSymlink(Mode);

    /// <summary>major(st_rdev).</summary>
    public uint RDeviceMajor => DeviceNumber.UserMajor(RDevice);

    /// <summary>minor(st_rdev).</summary>
    public uint RDeviceMinor => DeviceNumber.UserMinor(RDevice);
}

/// <summary>What statfs(2) reports (<c>struct statfs</c>).</summary>
/// <param name="Type">f_type: the file system's magic.</param>
/// <param name="BlockSize">f_bsize.</param>
/// <param name="Blocks">f_blocks.</param>
/// <param name="FreeBlocks">f_bfree.</param>
/// <param name="AvailableBlocks">f_bavail.</param>
/// <param name="Files">f_files.</param>
/// <param name="FreeFiles">f_ffree.</param>
/// <param name="FsId">f_fsid (val[0] in the low 32 bits).</param>
/// <param name="NameLength">f_namelen.</param>
/// <param name="FragmentSize">f_frsize.</param>
/// <param name="Flags">f_flags: ST_* (ST_VALID always).</param>
public readonly record struct StatFsResult(long Type, long BlockSize, ulong Blocks, ulong FreeBlocks, ulong AvailableBlocks,
    ulong Files, ulong FreeFiles, ulong FsId, long NameLength, long FragmentSize, long Flags);
