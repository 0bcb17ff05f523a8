using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;

namespace KernelOps.Model;

/// <summary>How an interrupt line signals (IRQ_TYPE_LEVEL_HIGH or IRQ_TYPE_EDGE_RISING).</summary>
public enum IrqTrigger
{
    /// <summary>Level: the line fires while the hardware holds it asserted (handle_level_irq).</summary>
    Level,
    /// <summary>Edge: each <see cref="InterruptLine.Pulse"/> fires once (handle_edge_irq).</summary>
    Edge,
}

/// <summary>
/// An interrupt line of the machine (<c>struct irq_desc</c>), as the hardware side of the model
/// drives it: a device model asserts it with <see cref="SetLevel"/> (level-triggered, as the PL061's
/// GPIOINTR) or <see cref="Pulse"/> (edge-triggered). Whatever handler is registered on it runs on
/// the kernel's interrupt thread. Thread-safe.
/// </summary>
public sealed class InterruptLine : IDisposable
{
    private readonly InterruptController _controller;

    internal InterruptLine(InterruptController controller, int number, string name, IrqTrigger trigger)
    {
        _controller = controller;
        Number = number;
        Name = name;
        Trigger = trigger;
    }

    /// <summary>The interrupt number (what IORESOURCE_IRQ carries).</summary>
    public int Number { get; }

    /// <summary>The line's name (the hardware's), for logs.</summary>
    public string Name { get; }

    /// <summary>Level or edge.</summary>
    public IrqTrigger Trigger { get; }

    /// <summary>How many times a handler ran for this line (kstat_irqs, the count in /proc/interrupts).</summary>
    public long Count => Interlocked.Read(ref HandledCount);

    /// <summary>True once the line was disabled because nobody handled it ("irq N: nobody cared").</summary>
    public bool IsDisabled { get { lock (_controller.Lock) return Disabled; } }

    /// <summary>True while the hardware holds a level-triggered line asserted.</summary>
    public bool IsAsserted { get { lock (_controller.Lock) return Asserted; } }

    /// <summary>A level-triggered line: the hardware asserts (true) or deasserts (false) it.</summary>
    public void SetLevel(bool asserted) => _controller.SetLevel(this, asserted);

    /// <summary>An edge-triggered line: one interrupt.</summary>
    public void Pulse() => _controller.Pulse(this);

    /// <summary>irq_free_desc: the line leaves the machine (with its hardware); it never fires again. Idempotent.</summary>
    public void Dispose() => _controller.FreeLine(this);

    /// <inheritdoc/>
    public override string ToString() => $"irq {Number} ({Name})";

    // ---- under InterruptController.Lock --------------------------------------------------------
    internal IrqAction? Action;
    internal bool Asserted, Pending, Queued, Running, Disabled, Dead;
    internal IrqAction? RunningAction;
    internal int Unhandled;
    internal long HandledCount;
}

/// <summary>A handler registered on a line (<c>struct irqaction</c>).</summary>
internal sealed class IrqAction(InterruptLine line, IIrqHandler handler, Device device, string name)
{
    public InterruptLine Line { get; } = line;
    public IIrqHandler Handler { get; } = handler;
    public Device Device { get; } = device;
    public string Name { get; } = name;
    public volatile bool Freed;
}

/// <summary>
/// The kernel's interrupt core (kernel/irq/): line descriptors, request_irq/free_irq and one
/// interrupt thread that runs the handlers (the CPU taking interrupts). free_irq removes the handler,
/// then waits until it is not running (synchronize_irq), so no handler runs after free_irq returns;
/// a level line no handler answers is disabled after 1000 tries, as note_interrupt does after 99,900
/// of 100,000. Lines are not shared (no IRQF_SHARED): a second request is EBUSY. Thread-safe.
/// </summary>
public sealed class InterruptController
{
    /// <summary>The first number <see cref="AllocateLine"/> hands out (below are the legacy ISA lines).</summary>
    public const int FirstDynamicIrq = 32;
    private const int NobodyCared = 1000;

    // A handler that throws on every interrupt of a storm must not flood the log: printk_ratelimited.
    private static readonly RateLimitSite HandlerErrors = new("kernelops_irq_handler");

    private readonly DeviceModel _model;
    private readonly Dictionary<int, InterruptLine> _lines = new();
    private readonly Queue<InterruptLine> _queue = new();
    private int _next = FirstDynamicIrq;
    private Thread? _thread;
    private bool _stopping;

    internal InterruptController(DeviceModel model) => _model = model;

    /// <summary>desc-&gt;lock for every line (a Monitor: synchronize_irq and the thread sleep on it).</summary>
    internal object Lock { get; } = new();

    /// <summary>
    /// irq_alloc_desc: a new interrupt line for a piece of hardware (<paramref name="name"/>), to be
    /// given to its device as <see cref="IoResource.Irq(InterruptLine)"/>.
    /// </summary>
    public InterruptLine AllocateLine(string name, IrqTrigger trigger = IrqTrigger.Level)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (Lock)
        {
            var line = new InterruptLine(this, _next++, name, trigger);
            _lines.Add(line.Number, line);
            return line;
        }
    }

    /// <summary>The text of /proc/interrupts: number, count, controller and the handler's name per line.</summary>
    public string ProcInterruptsText()
    {
        var text = new StringBuilder("           CPU0\n");
        lock (Lock)
        {
            var numbers = new List<int>(_lines.Keys);
            numbers.Sort();
            foreach (int n in numbers)
            {
                InterruptLine l = _lines[n];
                string trigger = l.Trigger == IrqTrigger.Level ? "level" : "edge";
                text.Append($"{n,3}: {l.HandledCount,10}  kernelops  {trigger,-5}  {l.Action?.Name}".TrimEnd()).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>mirrors kernel/irq/manage.c:request_threaded_irq (no sharing, no thread function).</summary>
    internal IrqAction Request(Device device, int irq, IIrqHandler handler, string name)
    {
        lock (Lock)
        {
            if (_stopping || !_lines.TryGetValue(irq, out InterruptLine? line) || line.Dead)
                throw new KernelErrorException(Errno.EINVAL, $"request_irq({irq}, \"{name}\")");
            if (line.Action is not null)
                throw new KernelErrorException(Errno.EBUSY, $"request_irq({irq}, \"{name}\"): already used by \"{line.Action.Name}\"");
            var action = new IrqAction(line, handler, device, name);
            line.Action = action;
            line.Unhandled = 0;
            line.Disabled = false;
            // irq_startup: a level line already asserted fires at once; an edge seen with no handler is gone.
            line.Pending = line.Trigger == IrqTrigger.Level && line.Asserted;
            _model.Counters.Update(irqActions: 1);
            EnsureThreadLocked();
            TriggerLocked(line);
            return action;
        }
    }

    /// <summary>mirrors kernel/irq/manage.c:free_irq: remove the handler, then synchronize_irq.</summary>
    internal void Free(IrqAction action, string member, string file, int lineNumber)
    {
        InterruptLine line = action.Line;
        lock (Lock)
        {
            if (action.Freed)
            {
                _model.Kernel.Sanitizer.Report(SanitizerReportKind.DoubleFree, $"irq {line.Number} ({action.Name})",
                    $"free_irq of a handler that was already freed", member, file, lineNumber);
                return;
            }
            if (line.Action == action) line.Action = null;
            action.Freed = true;
            _model.Counters.Update(irqActions: -1);
            if (Thread.CurrentThread == _thread && line.RunningAction == action)
            {
                // synchronize_irq would wait for the caller itself.
                _model.Kernel.Sanitizer.Report(SanitizerReportKind.Deadlock, $"irq {line.Number} ({action.Name})",
                    "free_irq called from its own handler: synchronize_irq would wait for itself forever; not waiting", member, file, lineNumber);
                return;
            }
            while (line.Running && line.RunningAction == action) Monitor.Wait(Lock);
        }
    }

    internal void SetLevel(InterruptLine line, bool asserted)
    {
        lock (Lock)
        {
            if (line.Dead) return;
            line.Asserted = asserted;
            if (!asserted || line.Trigger != IrqTrigger.Level) return;
            line.Pending = true;
            TriggerLocked(line);
        }
    }

    internal void Pulse(InterruptLine line)
    {
        lock (Lock)
        {
            if (line.Dead) return;
            line.Pending = true;
            TriggerLocked(line);
        }
    }

    internal void FreeLine(InterruptLine line)
    {
        lock (Lock)
        {
            if (line.Dead) return;
            line.Dead = true;
            line.Asserted = false;
            line.Pending = false;
            _lines.Remove(line.Number);
        }
    }

    /// <summary>Frees the line numbered <paramref name="irq"/>, if there is one (hardware unplugged).</summary>
    internal void FreeLineNumber(int irq)
    {
        InterruptLine? line;
        lock (Lock) _lines.TryGetValue(irq, out line);
        line?.Dispose();
    }

    private void TriggerLocked(InterruptLine line)
    {
        if (!line.Pending || line.Action is null || line.Disabled || line.Dead || line.Queued || line.Running) return;
        line.Queued = true;
        _queue.Enqueue(line);
        Monitor.PulseAll(Lock);
    }

    private void EnsureThreadLocked()
    {
        if (_thread is not null) return;
        _thread = new Thread(Run) { IsBackground = true, Name = "irq/kernelops" };
        _thread.Start();
    }

    // The CPU taking interrupts: handle_level_irq / handle_edge_irq for one line at a time.
    private void Run()
    {
        Kernel kernel = _model.Kernel;
        using CurrentTask.Scope task = CurrentTask.Enter(null, kernel.Log, null, kernel);
        while (true)
        {
            InterruptLine line;
            IrqAction action;
            lock (Lock)
            {
                while (_queue.Count == 0 && !_stopping) Monitor.Wait(Lock);
                if (_stopping) return;
                line = _queue.Dequeue();
                line.Queued = false;
                if (!line.Pending || line.Action is null || line.Disabled || line.Dead) continue;
                action = line.Action;
                line.Pending = false;
                line.Running = true;
                line.RunningAction = action;
            }
            IrqReturn result = IrqReturn.None;
            try
            {
                if (action.Freed)
                {
                    kernel.Sanitizer.Report(SanitizerReportKind.IrqAfterFree, $"irq {line.Number} ({action.Name})",
                        "the interrupt thread was about to run a handler after free_irq", "", "", 0);
                }
                else
                {
                    result = action.Handler.Handle(new BoundDevice(action.Device));
                }
            }
            catch (Exception e)
            {
                if (kernel.Log.RateLimit(HandlerErrors))
                    kernel.Log.Printk($"irq {line.Number}: handler \"{action.Name}\" threw {e.GetType().FullName}: {e.Message}");
            }
            lock (Lock)
            {
                line.Running = false;
                line.RunningAction = null;
                line.HandledCount++;
                if (result == IrqReturn.Handled) line.Unhandled = 0;
                else if (line.Trigger == IrqTrigger.Level && line.Asserted && ++line.Unhandled >= NobodyCared)
                {
                    // mirrors kernel/irq/spurious.c:__report_bad_irq + note_interrupt
                    line.Disabled = true;
                    kernel.Log.Printk($"irq {line.Number}: nobody cared (handler \"{line.Action?.Name}\" answered IRQ_NONE {NobodyCared} times)");
                    kernel.Log.Printk($"Disabling IRQ #{line.Number}");
                }
                if (line.Trigger == IrqTrigger.Level && line.Asserted) line.Pending = true;
                Monitor.PulseAll(Lock); // synchronize_irq waiters
                TriggerLocked(line);
            }
        }
    }

    /// <summary>Kernel shutdown: stops the interrupt thread; handlers still registered are leaks of a driver, logged.</summary>
    internal void Shutdown()
    {
        Thread? thread;
        var leaked = new List<IrqAction>();
        lock (Lock)
        {
            _stopping = true;
            foreach (InterruptLine l in _lines.Values)
                if (l.Action is { } a) leaked.Add(a);
            thread = _thread;
            Monitor.PulseAll(Lock);
        }
        if (thread is not null && thread != Thread.CurrentThread) thread.Join();
        foreach (IrqAction a in leaked)
        {
            _model.Kernel.Log.Printk($"kernelops: irq {a.Line.Number} handler \"{a.Name}\" of {a.Device.Name} was never freed; freeing it");
            Free(a, "", "", 0);
        }
        lock (Lock)
        {
            foreach (InterruptLine l in _lines.Values) l.Dead = true;
            _lines.Clear();
        }
    }
}
