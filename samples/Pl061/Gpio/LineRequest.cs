using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Threading;
using KernelOps;

namespace KernelOps.Samples.Pl061.Gpio;

/// <summary>
/// A line request (<c>struct linereq</c>): the lines one GPIO_V2_GET_LINE_IOCTL requested, their
/// edge events (a bounded FIFO dropping the oldest when full, as the kfifo does) and the wait queue
/// readers sleep on. It is the per-open state of the request's anonymous file.
/// </summary>
internal sealed class LineRequest
{
    private const GpioV2LineFlags Served = GpioV2LineFlags.ActiveLow | GpioV2LineFlags.Input | GpioV2LineFlags.Output |
        GpioV2LineFlags.EdgeRising | GpioV2LineFlags.EdgeFalling | GpioV2LineFlags.EventClockRealtime;
    private const GpioV2LineFlags EdgeFlags = GpioV2LineFlags.EdgeRising | GpioV2LineFlags.EdgeFalling;

    private readonly Queue<GpioV2LineEvent> _events = new();
    private readonly int _capacity;
    private uint _seqno;

    private LineRequest(GpioDevice device, int[] offsets, GpioV2LineFlags[] flags, int capacity)
    {
        Device = device;
        Offsets = offsets;
        Flags = flags;
        LineSeqno = new uint[offsets.Length];
        _capacity = capacity;
    }

    public GpioDevice Device { get; }

    /// <summary>The chip offsets, by index in the request.</summary>
    public int[] Offsets { get; }

    /// <summary>Each line's flags.</summary>
    public GpioV2LineFlags[] Flags { get; }

    public uint[] LineSeqno { get; }

    /// <summary>Readers of the request's events sleep here (<c>lr-&gt;wait</c>).</summary>
    public WaitQueueHead Wait { get; } = new();

    /// <summary>Guards the FIFO and the sequence numbers (<c>lr-&gt;wait.lock</c>).</summary>
    public object Lock { get; } = new();

    public bool HasEvents
    {
        get { lock (Lock) return _events.Count > 0; }
    }

    public bool TryTake(out GpioV2LineEvent e)
    {
        lock (Lock) return _events.TryDequeue(out e);
    }

    /// <summary>
    /// mirrors drivers/gpio/gpiolib-cdev.c:linereq_create: validates the request, requests each
    /// line and configures it, then hands a new descriptor to the caller in <c>ulr.fd</c>.
    /// </summary>
    public static unsafe KResult<long> Create(GpioDevice gdev, IGpioChip chip, FileRef chipFile, nuint argument)
    {
        var user = new UserPtr<GpioV2LineRequest>(argument);
        KResult copied = user.Read(out GpioV2LineRequest ulr);
        if (!copied.IsOk) return copied.Error;
        if (ulr.num_lines == 0 || ulr.num_lines > GpioUapi.LinesMax) return Errno.EINVAL;
        for (int i = 0; i < 5; i++)
            if (ulr.padding[i] != 0) return Errno.EINVAL;
        int n = (int)ulr.num_lines;
        var flags = new GpioV2LineFlags[n];
        KResult valid = ValidateConfig(ref ulr.config, flags);
        if (!valid.IsOk) return valid.Error;

        var offsets = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (ulr.offsets[i] >= (uint)gdev.LineCount) return Errno.EINVAL; // gpio_device_get_desc
            offsets[i] = (int)ulr.offsets[i];
        }
        int capacity = ulr.event_buffer_size == 0 ? n * 16 : (int)Math.Min(ulr.event_buffer_size, GpioUapi.LinesMax * 16);
        string consumer = GpioUapi.ReadName(ulr.consumer, GpioUapi.MaxNameSize);
        var request = new LineRequest(gdev, offsets, flags, capacity);

        int requested = 0;
        KResult result = KResult.Ok;
        for (; requested < n && result.IsOk; requested++)
        {
            result = gdev.RequestLine(offsets[requested], consumer);
            if (!result.IsOk) break;
            result = request.Configure(chip, requested, OutputValue(ref ulr.config, requested));
        }
        if (!result.IsOk)
        {
            request.Free(chip, requested);
            return result.Error;
        }

        using AnonFd fd = AnonInode.Reserve("gpio-line", LineRequestFile.Table, request, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, chipFile);
        if (!fd.IsValid)
        {
            request.Free(chip, n);
            return fd.Error;
        }
        ulr.fd = fd.Fd;
        if (!user.Write(ulr).IsOk) return Errno.EFAULT; // disposing the reservation drops the file: its release frees the lines
        fd.Install();
        return 0L;
    }

    // Configures line i: direction, then the edge detector (edge_detector_setup).
    private KResult Configure(IGpioChip chip, int i, bool outputValue)
    {
        int offset = Offsets[i];
        GpioV2LineFlags f = Flags[i];
        bool activeLow = (f & GpioV2LineFlags.ActiveLow) != 0;
        lock (Device.Lock) Device.Line(offset).ActiveLow = activeLow;
        if ((f & GpioV2LineFlags.Output) != 0) return chip.DirectionOutput(offset, outputValue ^ activeLow);
        if ((f & GpioV2LineFlags.Input) == 0) return KResult.Ok; // "as is"
        KResult r = chip.DirectionInput(offset);
        if (!r.IsOk || (f & EdgeFlags) == 0) return r;

        // A rising edge of an active-low line is a falling edge of the pin.
        GpioEdge edge = GpioEdge.None;
        if ((f & GpioV2LineFlags.EdgeRising) != 0) edge |= activeLow ? GpioEdge.Falling : GpioEdge.Rising;
        if ((f & GpioV2LineFlags.EdgeFalling) != 0) edge |= activeLow ? GpioEdge.Rising : GpioEdge.Falling;
        lock (Device.Lock)
        {
            GpioLine line = Device.Line(offset);
            line.Edges = f & EdgeFlags;
            line.EdgeHandler = () => OnEdge(i);
        }
        r = chip.SetIrqType(offset, edge);
        return r.IsOk ? chip.SetIrqEnabled(offset, true) : r;
    }

    // mirrors drivers/gpio/gpiolib-cdev.c:edge_irq_thread (on the interrupt thread)
    private void OnEdge(int i)
    {
        GpioV2LineFlags f = Flags[i];
        GpioV2LineEventId id;
        if ((f & EdgeFlags) == EdgeFlags)
        {
            // both edges: which one is read back from the line (gpiod_get_value_cansleep)
            using RevocableGuard<IGpioChip> chip = Device.Chip.TryAccess();
            if (chip.Value is null || !chip.Value.Get(Offsets[i]).TryGetValue(out bool level)) return;
            bool active = level ^ ((f & GpioV2LineFlags.ActiveLow) != 0);
            id = active ? GpioV2LineEventId.RisingEdge : GpioV2LineEventId.FallingEdge;
        }
        else
        {
            id = (f & GpioV2LineFlags.EdgeRising) != 0 ? GpioV2LineEventId.RisingEdge : GpioV2LineEventId.FallingEdge;
        }
        var e = new GpioV2LineEvent
        {
            timestamp_ns = (f & GpioV2LineFlags.EventClockRealtime) != 0
                ? (ulong)(DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100
                : (ulong)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency)),
            id = (uint)id,
            offset = (uint)Offsets[i],
        };
        lock (Lock)
        {
            // mirrors linereq_put_event: a full FIFO drops its oldest event
            if (_events.Count >= _capacity) _events.Dequeue();
            e.seqno = ++_seqno;
            e.line_seqno = ++LineSeqno[i];
            _events.Enqueue(e);
        }
        Wait.WakeUp(); // wake_up_poll(&lr->wait, EPOLLIN)
    }

    /// <summary>
    /// mirrors drivers/gpio/gpiolib-cdev.c:linereq_free for the first <paramref name="count"/> lines:
    /// stop their edge detectors (through the chip while it is there) and free them.
    /// </summary>
    public void Free(IGpioChip? chip, int count)
    {
        for (int i = 0; i < count; i++)
        {
            int offset = Offsets[i];
            bool hadEdges;
            lock (Device.Lock)
            {
                hadEdges = Device.Line(offset).EdgeHandler is not null;
                Device.Line(offset).EdgeHandler = null;
            }
            if (hadEdges && chip is not null) chip.SetIrqEnabled(offset, false);
            Device.FreeLine(offset);
        }
    }

    // mirrors gpio_v2_line_config_flags: a FLAGS attribute whose mask has the line overrides the default
    private static GpioV2LineFlags LineFlags(ref GpioV2LineConfig config, int line)
    {
        for (int a = 0; a < config.num_attrs; a++)
        {
            GpioV2LineConfigAttribute attr = config.Attribute(a);
            if (attr.attr.id == (uint)GpioV2AttributeId.Flags && (attr.mask & (1UL << line)) != 0) return (GpioV2LineFlags)attr.attr.value;
        }
        return (GpioV2LineFlags)config.flags;
    }

    // mirrors gpio_v2_line_config_output_value
    private static bool OutputValue(ref GpioV2LineConfig config, int line)
    {
        for (int a = 0; a < config.num_attrs; a++)
        {
            GpioV2LineConfigAttribute attr = config.Attribute(a);
            if (attr.attr.id == (uint)GpioV2AttributeId.OutputValues && (attr.mask & (1UL << line)) != 0) return (attr.attr.value & (1UL << line)) != 0;
        }
        return false;
    }

    // mirrors gpio_v2_line_config_validate + gpio_v2_line_flags_validate, for the served subset
    private static unsafe KResult ValidateConfig(ref GpioV2LineConfig config, GpioV2LineFlags[] flags)
    {
        if (config.num_attrs > GpioUapi.LineNumAttrsMax) return Errno.EINVAL;
        for (int i = 0; i < 5; i++)
            if (config.padding[i] != 0) return Errno.EINVAL;
        for (int a = 0; a < config.num_attrs; a++)
        {
            GpioV2LineConfigAttribute attr = config.Attribute(a);
            if (attr.attr.padding != 0) return Errno.EINVAL;
            if (attr.attr.id is not ((uint)GpioV2AttributeId.Flags or (uint)GpioV2AttributeId.OutputValues)) return Errno.EINVAL; // debounce: not served
        }
        for (int line = 0; line < flags.Length; line++)
        {
            GpioV2LineFlags f = LineFlags(ref config, line);
            if ((f & ~Served) != 0) return Errno.EINVAL; // drive, bias, HTE: not served by this subset
            if ((f & GpioV2LineFlags.Input) != 0 && (f & GpioV2LineFlags.Output) != 0) return Errno.EINVAL;
            if ((f & EdgeFlags) != 0 && (f & GpioV2LineFlags.Input) == 0) return Errno.EINVAL; // edges need an input
            if ((f & GpioV2LineFlags.EventClockRealtime) != 0 && (f & EdgeFlags) == 0) return Errno.EINVAL;
            flags[line] = f;
        }
        return KResult.Ok;
    }

    /// <summary>The consumer label of a request, for logs.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("linereq ").Append(Device.Name).Append(" lines");
        foreach (int o in Offsets) text.Append(' ').Append(o);
        return text.ToString();
    }
}

/// <summary>
/// A line request's file (drivers/gpio/gpiolib-cdev.c's line_fileops): read delivers
/// <c>struct gpio_v2_line_event</c>s (blocking, or EAGAIN with O_NONBLOCK), poll reports them,
/// GPIO_V2_LINE_GET_VALUES_IOCTL and GPIO_V2_LINE_SET_VALUES_IOCTL read and drive the lines,
/// release frees them. Once the chip is gone every call answers ENODEV and poll EPOLLHUP | EPOLLERR,
/// and a reader asleep in read wakes with ENODEV: the device's disconnect does it, and the chip
/// checks here are the ones gpiolib-cdev makes.
/// </summary>
[FileOperations(NonSeekable = true)]
internal static partial class LineRequestFile
{
    // Never called: the file is made by GPIO_V2_GET_LINE_IOCTL (AnonInode.Reserve), not opened by
    // path. It declares the per-open state for the generator.
    [Open]
    private static OpenResult<LineRequest> Open(Inode inode, FileRef file) => Errno.ENXIO;

    // mirrors drivers/gpio/gpiolib-cdev.c:linereq_read
    [Read]
    private static unsafe KResult<nuint> Read(LineRequest request, FileRef file, UserSliceWriter destination, ref long position)
    {
        if (request.Device.IsRemoved) return Errno.ENODEV;
        int size = sizeof(GpioV2LineEvent);
        if (destination.Length < (nuint)size) return Errno.EINVAL;
        nuint done = 0;
        do
        {
            if (!request.TryTake(out GpioV2LineEvent e))
            {
                if (done > 0) return done;
                if ((file.Flags & OpenFlags.O_NONBLOCK) != 0) return Errno.EAGAIN;
                KResult slept = request.Wait.WaitEventInterruptible(() => request.HasEvents);
                if (!slept.IsOk) return slept.Error;
                continue;
            }
            if (!destination.Write(new ReadOnlySpan<byte>(&e, size)).IsOk) return Errno.EFAULT;
            done += (nuint)size;
        }
        while (destination.Length >= (nuint)size);
        return done;
    }

    // mirrors drivers/gpio/gpiolib-cdev.c:linereq_poll
    [Poll]
    private static PollEvents Poll(LineRequest request, FileRef file, PollTable table)
    {
        if (request.Device.IsRemoved) return PollEvents.Hup | PollEvents.Err;
        table.Wait(file, request.Wait);
        return request.HasEvents ? PollEvents.In | PollEvents.RdNorm : PollEvents.None;
    }

    // mirrors drivers/gpio/gpiolib-cdev.c:linereq_ioctl (GET_VALUES and SET_VALUES; SET_CONFIG is not served)
    [Ioctl]
    private static KResult<long> Ioctl(LineRequest request, FileRef file, uint command, nuint argument)
    {
        using RevocableGuard<IGpioChip> chip = request.Device.Chip.TryAccess();
        if (chip.Value is null) return Errno.ENODEV;
        if (command == GpioUapi.LineGetValues) return GetValues(request, chip.Value, argument);
        if (command == GpioUapi.LineSetValues) return SetValues(request, chip.Value, argument);
        return Errno.EINVAL;
    }

    // mirrors drivers/gpio/gpiolib-cdev.c:linereq_release
    [Release]
    private static KResult Release(LineRequest request, Inode inode, FileRef file)
    {
        using RevocableGuard<IGpioChip> chip = request.Device.Chip.TryAccess();
        request.Free(chip.Value, request.Offsets.Length);
        return KResult.Ok;
    }

    // mirrors linereq_get_values
    private static KResult<long> GetValues(LineRequest request, IGpioChip chip, nuint argument)
    {
        var user = new UserPtr<GpioV2LineValues>(argument);
        KResult copied = user.Read(out GpioV2LineValues lv);
        if (!copied.IsOk) return copied.Error;
        ulong lines = request.Offsets.Length == 64 ? ulong.MaxValue : (1UL << request.Offsets.Length) - 1;
        if ((lv.mask & lines) == 0) return Errno.EINVAL;
        ulong bits = 0;
        for (int i = 0; i < request.Offsets.Length; i++)
        {
            if ((lv.mask & (1UL << i)) == 0) continue;
            KResult<bool> level = chip.Get(request.Offsets[i]);
            if (!level.TryGetValue(out bool high)) return level.Error;
            if (high ^ ((request.Flags[i] & GpioV2LineFlags.ActiveLow) != 0)) bits |= 1UL << i;
        }
        lv.bits = bits;
        copied = user.Write(lv);
        return copied.WithValue(0L);
    }

    // mirrors linereq_set_values
    private static KResult<long> SetValues(LineRequest request, IGpioChip chip, nuint argument)
    {
        KResult copied = new UserPtr<GpioV2LineValues>(argument).Read(out GpioV2LineValues lv);
        if (!copied.IsOk) return copied.Error;
        int set = 0;
        for (int i = 0; i < request.Offsets.Length; i++)
        {
            if ((lv.mask & (1UL << i)) == 0) continue;
            if ((request.Flags[i] & GpioV2LineFlags.Output) == 0) return Errno.EPERM; // setting inputs is not allowed
            set++;
        }
        if (set == 0) return Errno.EINVAL;
        for (int i = 0; i < request.Offsets.Length; i++)
        {
            if ((lv.mask & (1UL << i)) == 0) continue;
            bool value = ((lv.bits >> i) & 1) != 0;
            KResult r = chip.Set(request.Offsets[i], value ^ ((request.Flags[i] & GpioV2LineFlags.ActiveLow) != 0));
            if (!r.IsOk) return r.Error;
        }
        return 0L;
    }
}
