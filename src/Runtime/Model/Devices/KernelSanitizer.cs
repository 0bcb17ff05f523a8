using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;

namespace KernelOps.Model;

/// <summary>What a <see cref="SanitizerReport"/> found, in KASAN's words where it has them.</summary>
public enum SanitizerReportKind
{
    /// <summary>A revoked resource (an unmapped <c>IoMem</c>, a revoked <c>Devres&lt;T&gt;</c>) was used.</summary>
    UseAfterRevoke,
    /// <summary>Device-managed memory (<c>Devm&lt;T&gt;</c>, devm_kzalloc) was used after devres freed it.</summary>
    UseAfterFree,
    /// <summary>An access outside the resource (an MMIO offset past the mapping, or misaligned).</summary>
    OutOfBounds,
    /// <summary>A resource was released twice (a guard disposed twice, free_irq twice).</summary>
    DoubleFree,
    /// <summary>An interrupt handler ran, or was about to run, after free_irq.</summary>
    IrqAfterFree,
    /// <summary>A wait that can never end: free_irq from its own handler, unbinding a device from its own callback or file call.</summary>
    Deadlock,
}

/// <summary>
/// One finding of the <see cref="KernelSanitizer"/>: what happened, to which resource, where.
/// </summary>
/// <param name="Kind">What was found.</param>
/// <param name="Resource">The resource, named as the kernel names it (<c>IoMem pl061.0 [mem 0x10000000-0x10000fff]</c>).</param>
/// <param name="Detail">What the access was and what had happened to the resource.</param>
/// <param name="CallSite">The caller's member, file and line (<c>Pl061.Get (Pl061Driver.cs:42)</c>).</param>
/// <param name="StackTrace">The managed stack of the access.</param>
/// <param name="Task">The thread that made the access (<c>comm</c>).</param>
public sealed record SanitizerReport(SanitizerReportKind Kind, string Resource, string Detail, string CallSite, string StackTrace, string Task)
{
    /// <summary>The report's title line, as KASAN prints it: <c>BUG: KASAN: use-after-revoke in ...</c>.</summary>
    public string Title => $"BUG: KernelOps sanitizer: {KindText(Kind)} in {CallSite}";

    internal static string KindText(SanitizerReportKind kind) => kind switch
    {
        SanitizerReportKind.UseAfterRevoke => "use-after-revoke",
        SanitizerReportKind.UseAfterFree => "use-after-free",
        SanitizerReportKind.OutOfBounds => "out-of-bounds",
        SanitizerReportKind.DoubleFree => "double-free",
        SanitizerReportKind.IrqAfterFree => "irq-after-free",
        _ => "deadlock",
    };
}

/// <summary>How the sanitizer continues after a report (KASAN's <c>kasan.fault=</c>).</summary>
public enum SanitizerMode
{
    /// <summary><c>kasan.fault=report</c>: record, print, and let the access go on with a poisoned value (reads of dead MMIO give all-ones, writes are dropped).</summary>
    Report,
    /// <summary><c>kasan.fault=panic</c>: record, print, then throw <see cref="SanitizerPanicException"/> from the faulting access.</summary>
    Panic,
}

/// <summary>Thrown from a faulting access when the sanitizer runs in <see cref="SanitizerMode.Panic"/>.</summary>
public sealed class SanitizerPanicException(SanitizerReport report) : Exception(report.Title)
{
    /// <summary>The report that caused the panic.</summary>
    public SanitizerReport Report { get; } = report;
}

/// <summary>
/// The kernel's lifetime sanitizer, the model's KASAN for device resources: every use of a revoked
/// resource, of device-managed memory after devres freed it, an out-of-bounds MMIO access, an
/// interrupt handler after free_irq and the waits that can never end (free_irq from its own
/// handler, a device unbound from inside its own call) produce a report naming the resource and the
/// call site, printed to the kernel log between KASAN's rulers and kept in <see cref="Reports"/>.
/// Nothing it finds is a silent success. Thread-safe.
/// </summary>
public sealed class KernelSanitizer
{
    private const int MaxKept = 1024;
    private readonly KernelLog _log;
    private readonly Lock _lock = new();
    private readonly List<SanitizerReport> _reports = new();
    private long _count;
    private int _mode;

    internal KernelSanitizer(KernelLog log) => _log = log;

    /// <summary>What happens after a report (default <see cref="SanitizerMode.Report"/>).</summary>
    public SanitizerMode Mode
    {
        get => (SanitizerMode)Volatile.Read(ref _mode);
        set => Volatile.Write(ref _mode, (int)value);
    }

    /// <summary>The reports so far (the first 1024 are kept; <see cref="Count"/> counts them all).</summary>
    public IReadOnlyList<SanitizerReport> Reports
    {
        get { lock (_lock) return _reports.ToArray(); }
    }

    /// <summary>How many reports were made since boot or the last <see cref="Clear"/>.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Forgets the reports so far.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _reports.Clear();
            _count = 0;
        }
    }

    /// <summary>Reports <paramref name="kind"/> on <paramref name="resource"/> at the given call site.</summary>
    internal void Report(SanitizerReportKind kind, string resource, string detail, string member, string file, int line)
    {
        string callSite = member.Length == 0 && file.Length == 0
            ? "(unknown)"
            : $"{member} ({Path.GetFileName(file)}:{line})";
        var report = new SanitizerReport(kind, resource, detail, callSite, new StackTrace(2, fNeedFileInfo: true).ToString(),
            Thread.CurrentThread.Name ?? $"thread {Environment.CurrentManagedThreadId}");
        lock (_lock)
        {
            _count++;
            if (_reports.Count < MaxKept) _reports.Add(report);
        }
        var text = new StringBuilder();
        text.Append("==================================================================\n");
        text.Append(report.Title).Append('\n');
        text.Append(report.Detail).Append('\n');
        text.Append("Resource: ").Append(resource).Append('\n');
        text.Append("Task: ").Append(report.Task).Append('\n');
        text.Append("Call trace:\n").Append(report.StackTrace.TrimEnd()).Append('\n');
        text.Append("==================================================================");
        foreach (string l in text.ToString().Split('\n')) _log.Printk(l);
        if (Mode == SanitizerMode.Panic) throw new SanitizerPanicException(report);
    }
}

/// <summary>
/// Fault injection for the device model (Documentation/fault-injection/fault-injection.rst): every
/// devres acquisition (devres_alloc in each devm_* function) is a fault site, and
/// <see cref="FailNth"/> makes the calling thread's Nth site fail with ENOMEM, as writing N to
/// <c>/proc/self/fail-nth</c> does for a task. A test runs probe with N = 1, 2, ... until a run
/// injects nothing: every acquisition step has then failed once.
/// </summary>
public sealed class FaultInjection
{
    [ThreadStatic] private static FailNthState? t_state;
    private readonly KernelLog _log;

    internal FaultInjection(KernelLog log) => _log = log;

    /// <summary>
    /// /proc/self/fail-nth: the <paramref name="nth"/> fault site the calling thread reaches (1 is the
    /// next) fails, until the scope is disposed. Scopes do not nest.
    /// </summary>
    public FailNthScope FailNth(int nth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nth, 1);
        if (t_state is not null) throw new InvalidOperationException("fail-nth is already set on this thread");
        var state = new FailNthState(this, nth);
        t_state = state;
        return new FailNthScope(state);
    }

    /// <summary>should_fail: counts the site for the calling thread's fail-nth and says whether it fails now.</summary>
    internal bool ShouldFail(string site)
    {
        FailNthState? state = t_state;
        if (state is null || state.Owner != this || state.Remaining <= 0) return false;
        if (--state.Remaining != 0) return false;
        _log.Printk($"FAULT_INJECTION: forcing a failure in {site}");
        return true;
    }

    internal sealed class FailNthState(FaultInjection owner, int nth)
    {
        public FaultInjection Owner { get; } = owner;
        public int Remaining = nth;

        public static void Clear(FailNthState state)
        {
            if (t_state == state) t_state = null;
        }
    }
}

/// <summary>The calling thread's fail-nth setting; dispose to clear it.</summary>
public readonly struct FailNthScope : IDisposable
{
    private readonly FaultInjection.FailNthState? _state;

    internal FailNthScope(FaultInjection.FailNthState state) => _state = state;

    /// <summary>
    /// Reading /proc/self/fail-nth: 0 once the fault was injected, otherwise how many more sites
    /// the thread must reach before it is.
    /// </summary>
    public int Remaining => _state is null ? 0 : Math.Max(0, _state.Remaining);

    /// <summary>True once the Nth site failed.</summary>
    public bool Injected => _state is not null && _state.Remaining <= 0;

    /// <summary>Clears the setting.</summary>
    public void Dispose()
    {
        if (_state is not null) FaultInjection.FailNthState.Clear(_state);
    }
}
