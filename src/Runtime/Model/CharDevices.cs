using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// A registered character or misc device: its file_operations (as the VFS will call them), the
/// module that registered it (pinned by every open, released by the last close) and its data.
/// Reference-counted like the cdev's kobject: the registration holds one reference and every open
/// file one more, so open files keep their fops and data after <see cref="Dispose"/> (unregister),
/// while new opens fail.
/// </summary>
public abstract class DeviceRegistration : IDisposable
{
    private readonly KernelCounters _counters;
    private int _refs = 1;
    private nint _dataWord;
    private int _removed;

    private protected DeviceRegistration(KernelCounters counters, FileDispatch dispatch, LoadedModule? owner, object? data)
    {
        _counters = counters;
        Dispatch = dispatch;
        Owner = owner;
        if (data is not null)
        {
            _dataWord = GCHandle.ToIntPtr(GCHandle.Alloc(data));
            counters.Update(handles: 1);
        }
    }

    /// <summary>True once the device was unregistered (new opens fail; open files go on).</summary>
    public bool IsRemoved => Volatile.Read(ref _removed) != 0;

    /// <summary>Open files still holding the device (its reference count without the registration's own).</summary>
    public int OpenFileCount => Math.Max(0, Volatile.Read(ref _refs) - (IsRemoved ? 0 : 1));

    /// <summary>Unregisters the device (cdev_del / misc_deregister). Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _removed, 1) != 0) return;
        Unregister();
        Put();
    }

    internal FileDispatch Dispatch { get; }

    internal LoadedModule? Owner { get; }

    internal nint DataWord => Volatile.Read(ref _dataWord);

    /// <summary>The disconnect of a device registered by a bound driver (devm), or null.</summary>
    internal DisconnectGate? Gate { get; private set; }

    /// <summary>
    /// Makes this a driver's disconnectable registration: its files are opened through the gate's
    /// proxy, and its data, the driver's refcounted state, is disposed (if IDisposable) with the last
    /// reference, after the last close.
    /// </summary>
    internal void AttachGate(DisconnectGate gate) => Gate = gate;

    private protected abstract void Unregister();

    /// <summary>kobject_get unless the count already reached zero. Called under the registry lock.</summary>
    internal bool TryGet() => Atomics.IncrementNotZero(ref _refs);

    /// <summary>kobject_put: the last reference frees the data handle.</summary>
    internal void Put()
    {
        int left = Interlocked.Decrement(ref _refs);
        if (left > 0) return;
        if (left < 0) throw new InvalidOperationException("device reference count underflow");
        nint word = Interlocked.Exchange(ref _dataWord, 0);
        if (word == 0) return;
        // SAFETY: no file references the device any more, so no FileRef.DeviceData can read the word.
        GCHandle handle = GCHandle.FromIntPtr(word);
        object? data = handle.Target;
        handle.Free();
        _counters.Update(handles: -1);
        if (Gate is not null && data is IDisposable disposable)
        {
            // the cdev's release (video_device.release): the driver's refcounted state goes now
            try { disposable.Dispose(); }
            catch (Exception e) { CurrentTask.Printk($"kernelops: disposing the data of {this} threw {e.GetType().FullName}: {e.Message}"); }
        }
    }
}

/// <summary>A <c>struct cdev</c> added with cdev_add: minors [Dev, Dev + Count) open through its fops.</summary>
public sealed class CharDevice : DeviceRegistration
{
    private readonly CharDeviceRegistry _registry;

    internal CharDevice(CharDeviceRegistry registry, FileDispatch dispatch, LoadedModule? owner, object? data, uint dev, uint count)
        : base(registry.Counters, dispatch, owner, data)
    {
        _registry = registry;
        Dev = dev;
        Count = count;
    }

    /// <summary>The first device number (MKDEV(major, minor)).</summary>
    public uint Dev { get; }

    /// <summary>How many consecutive minors it serves.</summary>
    public uint Count { get; }

    /// <summary>MAJOR(Dev).</summary>
    public uint Major => DeviceNumber.Major(Dev);

    /// <summary>MINOR(Dev).</summary>
    public uint Minor => DeviceNumber.Minor(Dev);

    private protected override void Unregister() => _registry.RemoveCdev(this);

    /// <inheritdoc/>
    public override string ToString() => $"cdev {Major}:{Minor}+{Count}";
}

/// <summary>A <c>struct miscdevice</c> registered with misc_register (major 10).</summary>
public sealed class MiscDevice : DeviceRegistration
{
    private readonly CharDeviceRegistry _registry;

    internal MiscDevice(CharDeviceRegistry registry, FileDispatch dispatch, LoadedModule? owner, object? data, string name, uint minor, uint mode)
        : base(registry.Counters, dispatch, owner, data)
    {
        _registry = registry;
        Name = name;
        Minor = minor;
        Mode = mode;
    }

    /// <summary>The device name: <c>/proc/misc</c> lists it and its node is <c>/dev/NAME</c>.</summary>
    public string Name { get; }

    /// <summary>The permission bits of its <c>/dev</c> node (miscdevice.mode; 0600 when registered with 0).</summary>
    public uint Mode { get; }

    /// <summary>The minor number (fixed, or allocated for MISC_DYNAMIC_MINOR).</summary>
    public uint Minor { get; }

    /// <summary>MKDEV(MISC_MAJOR, Minor).</summary>
    public uint Dev => DeviceNumber.Make(CharDeviceRegistry.MiscMajor, Minor);

    private protected override void Unregister() => _registry.RemoveMisc(this);

    /// <inheritdoc/>
    public override string ToString() => $"misc {Name} (10:{Minor})";
}

/// <summary>A range of device numbers reserved with register_chrdev_region / alloc_chrdev_region; dispose to unregister.</summary>
public sealed class ChrdevRegion : IDisposable
{
    private readonly CharDeviceRegistry _registry;
    private int _released;

    internal ChrdevRegion(CharDeviceRegistry registry, uint major, uint baseMinor, uint count, string name)
    {
        _registry = registry;
        Major = major;
        BaseMinor = baseMinor;
        Count = count;
        Name = name;
    }

    /// <summary>The major number.</summary>
    public uint Major { get; }

    /// <summary>The first minor.</summary>
    public uint BaseMinor { get; }

    /// <summary>The number of minors.</summary>
    public uint Count { get; }

    /// <summary>The name shown in /proc/devices.</summary>
    public string Name { get; }

    /// <summary>MKDEV(Major, BaseMinor).</summary>
    public uint Dev => DeviceNumber.Make(Major, BaseMinor);

    /// <summary>True once unregistered.</summary>
    public bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>unregister_chrdev_region. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) _registry.RemoveRegion(this);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Major,3} {Name} (minors {BaseMinor}..{BaseMinor + Count - 1})";
}

/// <summary>
/// The <c>/dev</c> node of a device made with <see cref="CharDeviceRegistry.CreateDevice"/>
/// (device_create); dispose it for device_destroy, which removes the node (files open on it keep it
/// until their last close).
/// </summary>
public sealed class DeviceNode : IDisposable
{
    private readonly DevFs _dev;
    private int _destroyed;

    internal DeviceNode(DevFs dev, string name, uint number, uint mode)
    {
        _dev = dev;
        Name = name;
        Dev = number;
        Mode = mode;
    }

    /// <summary>The node's name under <c>/dev</c>.</summary>
    public string Name { get; }

    /// <summary>Its device number (MKDEV(major, minor)).</summary>
    public uint Dev { get; }

    /// <summary>Its permission bits.</summary>
    public uint Mode { get; }

    /// <summary>True once destroyed.</summary>
    public bool IsDestroyed => Volatile.Read(ref _destroyed) != 0;

    /// <summary>device_destroy: removes the node, if it is still this device's. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _destroyed, 1) == 0) _dev.DeleteDeviceNode(Name, this);
    }

    /// <inheritdoc/>
    public override string ToString() => $"device {Name} ({DeviceNumber.Major(Dev)}:{DeviceNumber.Minor(Dev)})";
}

/// <summary>
/// The kernel's character-device tables (fs/char_dev.c chrdevs and cdev_map, drivers/char/misc.c
/// misc_list): region registration with fixed or dynamic majors, cdevs, misc devices, and the
/// open path (chrdev_open, misc_open). Thread-safe; one per <see cref="Kernel"/>.
/// </summary>
public sealed class CharDeviceRegistry
{
    /// <summary>MISC_MAJOR (include/uapi/linux/major.h).</summary>
    public const uint MiscMajor = 10;
    /// <summary>MISC_DYNAMIC_MINOR (include/linux/miscdevice.h): ask misc_register for a free minor.</summary>
    public const uint MiscDynamicMinor = 255;
    /// <summary>CHRDEV_MAJOR_MAX (fs/char_dev.c).</summary>
    public const uint ChrdevMajorMax = 512;

    private const int ChrdevMajorHashSize = 255; // CHRDEV_MAJOR_HASH_SIZE
    private const uint ChrdevMajorDynEnd = 234, ChrdevMajorDynExtStart = 511, ChrdevMajorDynExtEnd = 384;
    private const int DynamicMinors = 128; // DYNAMIC_MINORS (drivers/char/misc.c)
    private const int MaxNameLength = 63; // char name[64] in struct char_device_struct

    private readonly Kernel _kernel;
    private readonly Lock _lock = new(); // chrdevs_lock, cdev_lock (kobj_map) and misc_mtx in one
    private readonly List<ChrdevRegion> _regions = new(); // sorted by (major, baseminor)
    private readonly List<CharDevice> _cdevs = new(); // newest first
    private readonly List<MiscDevice> _misc = new(); // misc_list: newest first (list_add)
    private readonly HashSet<uint> _miscMinors = new();
    private ChrdevRegion? _miscRegion;
    private CharDevice? _miscCdev;

    internal CharDeviceRegistry(Kernel kernel)
    {
        _kernel = kernel;
        ChrdevOpen = new ChrdevOpenDispatch(this);
    }

    internal KernelCounters Counters => _kernel.Counters;

    /// <summary>def_chr_fops: what a character device node's inode starts with.</summary>
    internal FileDispatch ChrdevOpen { get; }

    /// <summary>mirrors drivers/char/misc.c:misc_init: register_chrdev(MISC_MAJOR, "misc", &amp;misc_fops).</summary>
    internal void Boot()
    {
        _miscRegion = RegisterRegion(MiscMajor, 0, DeviceNumber.MinorMask + 1, "misc");
        _miscCdev = AddCdevCore(new MiscOpenDispatch(this), null, null, DeviceNumber.Make(MiscMajor, 0), DeviceNumber.MinorMask + 1);
    }

    /// <summary>
    /// register_chrdev_region(MKDEV(major, baseMinor), count, name) for a fixed major, or
    /// alloc_chrdev_region when <paramref name="major"/> is 0 (the major is then chosen as
    /// fs/char_dev.c:find_dynamic_major does: 254 down to 234, then 511 down to 384). Unlike
    /// register_chrdev_region, a range may not run on into the next major (EINVAL).
    /// </summary>
    /// <exception cref="KernelErrorException">EINVAL for a major of 512 or more or a range past the last minor; EBUSY when it overlaps a registered range or no dynamic major is free.</exception>
    public ChrdevRegion RegisterRegion(uint major, uint baseMinor, uint count, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        _kernel.ThrowIfDisposed();
        // mirrors fs/char_dev.c:__register_chrdev_region
        string op = $"register_chrdev_region({major}:{baseMinor}, {count}, \"{name}\")";
        if (major >= ChrdevMajorMax)
        {
            _kernel.Log.Printk($"CHRDEV \"{name}\" major requested ({major}) is greater than the maximum ({ChrdevMajorMax - 1})");
            throw new KernelErrorException(Errno.EINVAL, op);
        }
        if (baseMinor > DeviceNumber.MinorMask || count == 0 || count > DeviceNumber.MinorMask + 1 - baseMinor)
        {
            _kernel.Log.Printk($"CHRDEV \"{name}\" minor range requested ({baseMinor}-{(ulong)baseMinor + count - 1}) is out of range of maximum range (0-{DeviceNumber.MinorMask}) for a single major");
            throw new KernelErrorException(Errno.EINVAL, op);
        }
        if (name.Length > MaxNameLength) name = name[..MaxNameLength]; // strscpy into name[64]
        lock (_lock)
        {
            if (major == 0)
            {
                int found = FindDynamicMajor();
                if (found < 0)
                {
                    _kernel.Log.Printk($"CHRDEV \"{name}\" dynamic allocation region is full");
                    throw new KernelErrorException(Errno.EBUSY, op);
                }
                major = (uint)found;
            }
            int index = 0;
            for (; index < _regions.Count; index++)
            {
                ChrdevRegion curr = _regions[index];
                if (curr.Major < major) continue;
                if (curr.Major > major) break;
                if (curr.BaseMinor + curr.Count <= baseMinor) continue;
                if (curr.BaseMinor >= baseMinor + count) break;
                throw new KernelErrorException(Errno.EBUSY, op);
            }
            var region = new ChrdevRegion(this, major, baseMinor, count, name);
            _regions.Insert(index, region);
            return region;
        }
    }

    /// <summary>alloc_chrdev_region(&amp;dev, baseMinor, count, name): <see cref="RegisterRegion"/> with a dynamic major.</summary>
    /// <exception cref="KernelErrorException">As <see cref="RegisterRegion"/>.</exception>
    public ChrdevRegion AllocRegion(uint baseMinor, uint count, string name) => RegisterRegion(0, baseMinor, count, name);

    /// <summary>
    /// cdev_init + cdev_add: from now on opening a node with a device number in
    /// [<paramref name="dev"/>, <paramref name="dev"/> + <paramref name="count"/>) calls
    /// <paramref name="fops"/>. <paramref name="data"/> is what handlers get from
    /// <see cref="FileRef.DeviceData{T}"/>. Dispose the result for cdev_del.
    /// </summary>
    [PublishesTable]
    public CharDevice AddCdev(OpsTable<FileOperations> fops, uint dev, uint count, [PublishesTable, ReachableFromFiles] object? data = null) =>
        AddCdev(fops, dev, count, data, owner: null);

    internal CharDevice AddCdev(OpsTable<FileOperations> fops, uint dev, uint count, object? data, LoadedModule? owner)
    {
        if (fops.IsNull) throw new ArgumentException("A character device needs a file_operations table.", nameof(fops));
        return AddCdev(new FopsDispatch(fops, owner), dev, count, data, owner);
    }

    /// <summary>cdev_add with the dispatch its files are opened through (a driver's disconnect proxy).</summary>
    internal CharDevice AddCdev(FileDispatch dispatch, uint dev, uint count, object? data, LoadedModule? owner)
    {
        if (count == 0) throw new KernelErrorException(Errno.EINVAL, "cdev_add");
        _kernel.ThrowIfDisposed();
        return AddCdevCore(dispatch, owner, data, dev, count);
    }

    private CharDevice AddCdevCore(FileDispatch dispatch, LoadedModule? owner, object? data, uint dev, uint count)
    {
        var cdev = new CharDevice(this, dispatch, owner, data, dev, count);
        lock (_lock) _cdevs.Insert(0, cdev); // kobj_map
        return cdev;
    }

    /// <summary>
    /// misc_register: a device on major 10 at <paramref name="minor"/>, or at a free minor for
    /// <see cref="MiscDynamicMinor"/> (127 down to 0, then 256 up, as drivers/char/misc.c:misc_minor_alloc).
    /// Its node appears at once as <c>/dev/NAME</c>, a character device with <paramref name="mode"/>
    /// (0600 when 0), as devtmpfs makes it; <see cref="DeviceRegistration.Dispose"/> (misc_deregister)
    /// removes it. A <c>/dev/NAME</c> that already exists is left alone, and not removed later.
    /// </summary>
    /// <param name="mode">miscdevice.mode: the node's permission bits (07777 at most); 0 for devtmpfs' 0600.</param>
    /// <exception cref="KernelErrorException">EBUSY when the minor is taken or none is free; EEXIST when the name is; EINVAL for a bad name or minor.</exception>
    [PublishesTable]
    public MiscDevice RegisterMisc(string name, OpsTable<FileOperations> fops, uint minor = MiscDynamicMinor, [PublishesTable, ReachableFromFiles] object? data = null, uint mode = 0) =>
        RegisterMisc(name, fops, minor, data, owner: null, mode);

    internal MiscDevice RegisterMisc(string name, OpsTable<FileOperations> fops, uint minor, object? data, LoadedModule? owner, uint mode = 0)
    {
        if (fops.IsNull) throw new ArgumentException("A misc device needs a file_operations table.", nameof(fops));
        CheckNodeMode(mode);
        return RegisterMisc(name, new FopsDispatch(fops, owner), minor, data, owner, mode);
    }

    /// <summary>misc_register with the dispatch its files are opened through (a driver's disconnect proxy).</summary>
    internal MiscDevice RegisterMisc(string name, FileDispatch dispatch, uint minor, object? data, LoadedModule? owner, uint mode = 0)
    {
        MiscDevice device = RegisterMiscCore(name, dispatch, minor, data, owner, mode);
        // device_create(&misc_class, ...): devtmpfs makes the node (misc_devnode supplies the mode)
        _kernel.Dev.CreateDeviceNode(name, device.Mode, device.Dev, device);
        return device;
    }

    private MiscDevice RegisterMiscCore(string name, FileDispatch dispatch, uint minor, object? data, LoadedModule? owner, uint mode)
    {
        ArgumentNullException.ThrowIfNull(name);
        string op = $"misc_register(\"{name}\")";
        if (name.Length == 0 || name.Contains('/') || name.Length > Vfs.NameMax) throw new KernelErrorException(Errno.EINVAL, op);
        if (minor > DeviceNumber.MinorMask) throw new KernelErrorException(Errno.EINVAL, op);
        _kernel.ThrowIfDisposed();
        lock (_lock)
        {
            if (minor == MiscDynamicMinor)
            {
                int found = -1;
                for (int i = 0; i < DynamicMinors && found < 0; i++)
                    if (!_miscMinors.Contains((uint)(DynamicMinors - i - 1))) found = DynamicMinors - i - 1;
                for (uint m = MiscDynamicMinor + 1; found < 0 && m <= DeviceNumber.MinorMask; m++)
                    if (!_miscMinors.Contains(m)) found = (int)m;
                if (found < 0) throw new KernelErrorException(Errno.EBUSY, op);
                minor = (uint)found;
            }
            else if (_miscMinors.Contains(minor))
            {
                throw new KernelErrorException(Errno.EBUSY, op);
            }
            foreach (MiscDevice m in _misc)
                if (m.Name == name) throw new KernelErrorException(Errno.EEXIST, op); // device_create fails on a duplicate name
            _miscMinors.Add(minor);
            var device = new MiscDevice(this, dispatch, owner, data, name, minor, mode == 0 ? DefaultNodeMode : mode);
            _misc.Insert(0, device); // list_add(&misc->list, &misc_list)
            return device;
        }
    }

    /// <summary>The registered regions in /proc/devices order.</summary>
    public IReadOnlyList<ChrdevRegion> Regions
    {
        get { lock (_lock) return _regions.ToArray(); }
    }

    /// <summary>The registered misc devices in /proc/misc order (newest first).</summary>
    public IReadOnlyList<MiscDevice> MiscDevices
    {
        get { lock (_lock) return _misc.ToArray(); }
    }

    /// <summary>
    /// The text of /proc/devices: fs/proc/devices.c:devinfo_show with fs/char_dev.c:chrdev_show
    /// ("%3d %s\n" per region, by major) and the (empty: none are modelled) block section.
    /// </summary>
    public string ProcDevicesText()
    {
        var text = new StringBuilder("Character devices:\n");
        lock (_lock)
        {
            foreach (ChrdevRegion r in _regions) text.Append($"{r.Major,3} {r.Name}\n");
        }
        text.Append("\nBlock devices:\n");
        return text.ToString();
    }

    /// <summary>The text of /proc/misc: drivers/char/misc.c:misc_seq_show ("%3i %s\n", misc_list order).</summary>
    public string ProcMiscText()
    {
        var text = new StringBuilder();
        lock (_lock)
        {
            foreach (MiscDevice m in _misc) text.Append($"{m.Minor,3} {m.Name}\n");
        }
        return text.ToString();
    }

    internal void RemoveRegion(ChrdevRegion region)
    {
        lock (_lock) _regions.Remove(region); // __unregister_chrdev_region
    }

    internal void RemoveCdev(CharDevice cdev)
    {
        lock (_lock) _cdevs.Remove(cdev); // cdev_unmap; open files keep their reference (cdev_del's comment)
    }

    internal void RemoveMisc(MiscDevice device)
    {
        // misc_deregister: device_destroy first (devtmpfs deletes the node), then the list entry
        _kernel.Dev.DeleteDeviceNode(device.Name, device);
        lock (_lock)
        {
            _misc.Remove(device);
            _miscMinors.Remove(device.Minor);
        }
    }

    /// <summary>
    /// device_create(class, NULL, <paramref name="dev"/>, NULL, "%s", <paramref name="name"/>) as
    /// far as the model goes: the device's node appears as <c>/dev/NAME</c>, a character device
    /// with <paramref name="mode"/> (0600 when 0), as devtmpfs makes it. Pair it with a chrdev
    /// region and <see cref="AddCdev(OpsTable{FileOperations}, uint, uint, object?)"/> so an open
    /// reaches a driver (ENXIO otherwise, as for any node with no cdev). Dispose the result for
    /// device_destroy, which removes the node. A <c>/dev/NAME</c> that already exists is left alone.
    /// </summary>
    /// <param name="mode">The node's permission bits (07777 at most); 0 for devtmpfs' 0600.</param>
    /// <exception cref="KernelErrorException">EINVAL for an empty name, one with '/' or longer than NAME_MAX.</exception>
    public DeviceNode CreateDevice(string name, uint dev, uint mode = 0)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Contains('/') || name.Length > Vfs.NameMax)
            throw new KernelErrorException(Errno.EINVAL, $"device_create(\"{name}\")");
        CheckNodeMode(mode);
        _kernel.ThrowIfDisposed();
        var node = new DeviceNode(_kernel.Dev, name, dev, mode == 0 ? DefaultNodeMode : mode);
        _kernel.Dev.CreateDeviceNode(name, node.Mode, dev, node);
        return node;
    }

    // drivers/base/devtmpfs.c:devtmpfs_create_node: "if (!mode) mode = 0600"
    private const uint DefaultNodeMode = 0x180;

    private static void CheckNodeMode(uint mode)
    {
        if ((mode & ~ProcFs.S_IALLUGO) != 0)
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "A device node's mode is its permission bits (07777 at most); the type is S_IFCHR.");
    }

    /// <summary>Kernel shutdown: the misc core goes last.</summary>
    internal void Shutdown()
    {
        _miscCdev?.Dispose();
        _miscRegion?.Dispose();
    }

    // mirrors fs/char_dev.c:find_dynamic_major (under chrdevs_lock)
    private int FindDynamicMajor()
    {
        for (int i = ChrdevMajorHashSize - 1; i >= (int)ChrdevMajorDynEnd; i--)
        {
            bool bucketEmpty = true; // chrdevs[i] == NULL: no major hashes to bucket i
            foreach (ChrdevRegion r in _regions)
                if (r.Major % ChrdevMajorHashSize == i) { bucketEmpty = false; break; }
            if (bucketEmpty) return i;
        }
        for (int i = (int)ChrdevMajorDynExtStart; i >= (int)ChrdevMajorDynExtEnd; i--)
        {
            bool used = false;
            foreach (ChrdevRegion r in _regions)
                if (r.Major == i) { used = true; break; }
            if (!used) return i;
        }
        return -1;
    }

    // kobj_lookup + cdev_get: the most specific (smallest) range containing dev, newest first.
    private CharDevice? LookupCdev(uint dev)
    {
        lock (_lock)
        {
            CharDevice? best = null;
            foreach (CharDevice c in _cdevs)
            {
                if (dev < c.Dev || dev - c.Dev >= c.Count) continue;
                if (best is null || c.Count < best.Count) best = c;
            }
            return best is not null && best.TryGet() ? best : null;
        }
    }

    private MiscDevice? LookupMisc(uint minor)
    {
        lock (_lock)
        {
            foreach (MiscDevice m in _misc)
                if (m.Minor == minor) return m.TryGet() ? m : null;
            return null;
        }
    }

    /// <summary>
    /// fops_get + replace_fops + -&gt;open, shared by chrdev_open and misc_open: pins the device's
    /// module (or fails with <paramref name="failure"/>), makes the device's fops the file's, hands
    /// the file the device reference the caller took, and calls the new open.
    /// </summary>
    private static unsafe int ReplaceFopsAndOpen(DeviceRegistration device, NativeInode* inode, NativeFile* file, int failure)
    {
        // SAFETY: file is the struct file being opened, live for the call; FromNative reads its f_model.
        OpenFile? record = OpenFile.FromNative(file);
        if (record is null)
        {
            device.Put();
            return failure;
        }
        if (device.Owner is { } owner && !owner.TryGet())
        {
            device.Put();
            return failure;
        }
        LoadedModule? oldOwner = record.PinnedOwner;
        DeviceRegistration? oldDevice = record.Cdev;
        record.PinnedOwner = device.Owner;
        record.Cdev = device;
        record.Dispatch = device.Dispatch;
        // SAFETY: file is the struct file being opened, owned by do_dentry_open's caller for this call.
        file->f_op = device.Dispatch.Ops;
        file->f_device = device.DataWord;
        oldOwner?.Put(); // fops_put(old fops)
        oldDevice?.Put();
        return device.Dispatch.Open(inode, file);
    }

    /// <summary>def_chr_fops: only open, which is fs/char_dev.c:chrdev_open.</summary>
    private sealed class ChrdevOpenDispatch(CharDeviceRegistry registry) : FileDispatch
    {
        public override unsafe void* Ops => null;
        public override bool HasRead => false;
        public override bool HasWrite => false;
        public override bool HasLlseek => true; // def_chr_fops.llseek = noop_llseek
        public override bool HasIoctl => false;

        // mirrors fs/char_dev.c:chrdev_open
        public override unsafe int Open(NativeInode* inode, NativeFile* file)
        {
            // SAFETY: inode is the node's live inode (the file holds the node reference).
            CharDevice? cdev = registry.LookupCdev(inode->i_rdev);
            return cdev is null ? -(int)Errno.ENXIO : ReplaceFopsAndOpen(cdev, inode, file, -(int)Errno.ENXIO);
        }

        public override unsafe nint Read(NativeFile* file, byte* buffer, nuint count, long* position) => -(nint)Errno.EINVAL;
        public override unsafe nint Write(NativeFile* file, byte* buffer, nuint count, long* position) => -(nint)Errno.EINVAL;
        // SAFETY: the VFS passes the live file it holds a reference to for the call.
        public override unsafe long Llseek(NativeFile* file, long offset, int whence) => file->f_pos; // noop_llseek
        public override unsafe nint Ioctl(NativeFile* file, uint command, nuint argument) => -(nint)Errno.ENOTTY;
        public override unsafe int Release(NativeInode* inode, NativeFile* file) => 0;
    }

    /// <summary>misc_fops: only open, which is drivers/char/misc.c:misc_open.</summary>
    private sealed class MiscOpenDispatch(CharDeviceRegistry registry) : FileDispatch
    {
        public override unsafe void* Ops => null;
        public override bool HasRead => false;
        public override bool HasWrite => false;
        public override bool HasLlseek => true; // misc_fops.llseek = noop_llseek
        public override bool HasIoctl => false;

        // mirrors drivers/char/misc.c:misc_open. Linux also sets file->private_data to the
        // miscdevice; the model hands the registration's data through FileRef.DeviceData instead and
        // leaves private_data 0, free for the handler's per-open state.
        public override unsafe int Open(NativeInode* inode, NativeFile* file)
        {
            // SAFETY: as in ChrdevOpenDispatch.
            MiscDevice? device = registry.LookupMisc(DeviceNumber.Minor(inode->i_rdev));
            return device is null ? -(int)Errno.ENODEV : ReplaceFopsAndOpen(device, inode, file, -(int)Errno.ENODEV);
        }

        public override unsafe nint Read(NativeFile* file, byte* buffer, nuint count, long* position) => -(nint)Errno.EINVAL;
        public override unsafe nint Write(NativeFile* file, byte* buffer, nuint count, long* position) => -(nint)Errno.EINVAL;
        // SAFETY: as in ChrdevOpenDispatch.Llseek.
        public override unsafe long Llseek(NativeFile* file, long offset, int whence) => file->f_pos; // noop_llseek
        public override unsafe nint Ioctl(NativeFile* file, uint command, nuint argument) => -(nint)Errno.ENOTTY;
        public override unsafe int Release(NativeInode* inode, NativeFile* file) => 0;
    }
}
