using System.Collections.Immutable;
using KernelOps.Generators.Diagnostics;
using Microsoft.CodeAnalysis;

namespace KernelOps.Analyzers.Diagnostics;

/// <summary>The KernelOps diagnostic catalogue. Each id has a page under docs/diagnostics.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = GeneratorDiagnostics.Category;

    private static string HelpLink(string id) => GeneratorDiagnostics.HelpLink(id);

    /// <summary>KOPS0001: a handler's signature differs from its slot's safe signature.</summary>
    public static readonly DiagnosticDescriptor SignatureMismatch = new(
        id: "KOPS0001",
        title: "Handler signature does not match its slot",
        messageFormat: "'{0}' implements {1} slot '{2}' but its signature does not match; expected '{3}' (parameter names may differ); the slot stays null",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A handler must have exactly the parameter types, ref kinds and return type of its operation's Invoke, because the generated thunk forwards to it.",
        helpLinkUri: HelpLink("KOPS0001"));

    /// <summary>KOPS0002: a handler is an instance method.</summary>
    public static readonly DiagnosticDescriptor NotStatic = new(
        id: "KOPS0002",
        title: "Handler method must be static",
        messageFormat: "'{0}' implements slot '{1}' but is not static; a C function pointer carries no instance, so the slot stays null",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Ops-table slots are plain C function pointers: the kernel passes the file, never an object. Per-open state belongs in file->private_data.",
        helpLinkUri: HelpLink("KOPS0002"));

    /// <summary>KOPS0003: the handler type cannot receive a generated partial declaration.</summary>
    public static readonly DiagnosticDescriptor InvalidHandlerType = new(
        id: "KOPS0003",
        title: "Handler type cannot get a generated table",
        messageFormat: "'{0}' cannot get a generated {1} table: {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generator adds the table and thunks to the handler type as another partial declaration, and one static table must serve exactly one type.",
        helpLinkUri: HelpLink("KOPS0003"));

    /// <summary>KOPS0004: two methods claim the same slot.</summary>
    public static readonly DiagnosticDescriptor DuplicateSlot = new(
        id: "KOPS0004",
        title: "Two methods implement the same slot",
        messageFormat: "'{0}' implements slot '{2}', which {1} also implements; a slot holds one function pointer, so neither is used and the slot stays null",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A slot is one function pointer. Which method was meant cannot be guessed, so none is used.",
        helpLinkUri: HelpLink("KOPS0004"));

    /// <summary>KOPS0005: a handler attribute that fills no slot.</summary>
    public static readonly DiagnosticDescriptor NoSuchSlot = new(
        id: "KOPS0005",
        title: "Handler attribute fills no slot",
        messageFormat: "'{0}' is marked [{1}] but {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A method marked as an op that no generated table will point at is the /dev/printerfact bug: the code is written, the table does not declare it, and the kernel answers EINVAL.",
        helpLinkUri: HelpLink("KOPS0005"));

    /// <summary>KOPS0006: the project does not allow unsafe code.</summary>
    public static readonly DiagnosticDescriptor UnsafeNotAllowed = new(
        id: "KOPS0006",
        title: "Generated ops tables need unsafe code",
        messageFormat: "'{0}' gets a generated {1} table of C function pointers, which needs unsafe code; set <AllowUnsafeBlocks>true</AllowUnsafeBlocks> in the project",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The table is native memory filled with function pointers to [UnmanagedCallersOnly] thunks; taking their addresses is unsafe code. Without it no table is generated.",
        helpLinkUri: HelpLink("KOPS0006"));

    /// <summary>KOPS0007: a handler attribute on a lambda or local function.</summary>
    public static readonly DiagnosticDescriptor HandlerCapturesState = new(
        id: "KOPS0007",
        title: "Handler must be a member method, not a lambda or local function",
        messageFormat: "'{0}' is marked [{1}] but is a {2}; a C function pointer cannot carry the closure it may capture, and no table will point at it",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Lambdas and local functions can capture locals, parameters and 'this'; a C function pointer is one address with no context word. Discovery only looks at member methods, so the op would silently not exist.",
        helpLinkUri: HelpLink("KOPS0007"));

    /// <summary>KOPS0008: an async or awaitable-returning handler. Created and reported by the generator (<see cref="GeneratorDiagnostics"/>).</summary>
    public static readonly DiagnosticDescriptor AsyncHandler = GeneratorDiagnostics.AsyncHandler;

    /// <summary>KOPS0009: a handler blocks on a task.</summary>
    public static readonly DiagnosticDescriptor BlocksOnTask = new(
        id: "KOPS0009",
        title: "Handler blocks on a task",
        messageFormat: "'{0}' {1} (reached from handler '{2}'), blocking inside an op that holds the caller's references and maybe f_pos_lock; removal and unload wait for it",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Sync-over-async inside an op: proc/debugfs removal and module unload wait for calls in flight, so a handler waiting on work that needs the same entry, lock or thread-pool thread deadlocks them.",
        helpLinkUri: HelpLink("KOPS0009"));

    /// <summary>KOPS0010: a handler writes shared static state without synchronisation.</summary>
    public static readonly DiagnosticDescriptor UnsynchronizedStaticWrite = new(
        id: "KOPS0010",
        title: "Handler writes shared static state without synchronisation",
        messageFormat: "'{0}' writes static {1} '{2}' outside a lock (reached from handler '{3}'); ops run on many CPUs at once, so this update can be lost or torn",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Two processes reading the same file run the handler concurrently. Use lock, a KernelMutex guard, Interlocked, Volatile, per-open state (an open handler returning OpenResult<T>), or per-entry state in Inode.Data<T>().",
        helpLinkUri: HelpLink("KOPS0010"));

    /// <summary>KOPS0011: an implementer of a [MaterializedFromNothing] interface can carry state.</summary>
    public static readonly DiagnosticDescriptor StatefulMaterializedCallback = new(
        id: "KOPS0011",
        title: "Callback type created with default(T) must be a stateless readonly struct",
        messageFormat: "'{0}' implements '{1}', which the runtime creates with default(T), but {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The callback's identity travels in its type (Rust debugfs's materialize_zst). The runtime never stores a value; it makes one with default(T). Any field, constructor logic or disposal would be silently skipped or zero.",
        helpLinkUri: HelpLink("KOPS0011"));

    /// <summary>KOPS0012: one type carries two table kinds.</summary>
    public static readonly DiagnosticDescriptor MultipleKinds = new(
        id: "KOPS0012",
        title: "One handler type carries two table kinds",
        messageFormat: "'{0}' carries {1}; each kind would generate its own 'Table' member, so no table is generated. Use one type per kind.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A handler type has exactly one generated Table. Two kinds on one type would also share one set of handler attributes, so which slot of which table [Read] fills would be a guess.",
        helpLinkUri: HelpLink("KOPS0012"));

    /// <summary>KOPS0013: the explicit declaration of a kind attribute differs from what is implemented.</summary>
    public static readonly DiagnosticDescriptor DeclaredOpsMismatch = new(
        id: "KOPS0013",
        title: "Declared ops differ from implemented ops",
        messageFormat: "'{0}': {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The /dev/printerfact bug: read was written but not declared, and the kernel answered EINVAL. When a kind attribute states its slots explicitly (Ops = [...]), that list must equal the slots the methods implement.",
        helpLinkUri: HelpLink("KOPS0013"));

    /// <summary>KOPS0014: a seekable file with no lseek handler.</summary>
    public static readonly DiagnosticDescriptor SeekableWithoutLseek = new(
        id: "KOPS0014",
        title: "Seekable file has no lseek handler",
        messageFormat: "'{0}' leaves {1} slot '{2}' null without declaring the file non-seekable; lseek will fail with ESPIPE. Implement [Lseek], call file.NonseekableOpen()/StreamOpen() in open, or set {3}.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "include/linux/proc_fs.h calls proc_lseek 'mandatory unless nonseekable_open()'. Since Linux 6.0 a null slot clears FMODE_LSEEK and lseek answers ESPIPE, which is safe but rarely intended: say it on purpose.",
        helpLinkUri: HelpLink("KOPS0014"));

    /// <summary>KOPS0015: an Errno turned into a number inside a handler.</summary>
    public static readonly DiagnosticDescriptor ErrnoAsNumber = new(
        id: "KOPS0015",
        title: "Errno becomes a number inside a handler",
        messageFormat: "'{0}' turns Errno '{1}' into a number in '{2}' (reached from handler '{3}'); a handler's number is a success (ENOTTY as 25), and a negative one becomes EIO: return the Errno itself",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A handler reports an error by returning the Errno (its KResult converts it); the thunk makes -errno. A number made from an Errno is taken as a count or position: (long)Errno.ENOTTY succeeds with 25, -(long)Errno.EINVAL is a negative success the thunk turns into EIO.",
        helpLinkUri: HelpLink("KOPS0015"));

    /// <summary>KOPS0016: deferred work started in a handler touches what only the handler call may.</summary>
    public static readonly DiagnosticDescriptor DeferredWorkUsesCallScoped = new(
        id: "KOPS0016",
        title: "Deferred work uses what only the handler call may use",
        messageFormat: "'{0}' {1}, in work that {2} (reached from handler '{3}'); that work runs on another thread, in no task of the caller, maybe after the handler returned",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A user address (ioctl's argument, a UserPtr<T>) means something only in the calling task's address space, and copy_to_user/copy_from_user, wait_event_interruptible and the task's kernel reach the calling task only on its own thread, during the call. Work started with Task.Run, a thread, a timer, ContinueWith or after an await runs elsewhere and later.",
        helpLinkUri: HelpLink("KOPS0016"));

    /// <summary>KOPS0017: per-open state kept in a static.</summary>
    public static readonly DiagnosticDescriptor PerOpenStateInStatic = new(
        id: "KOPS0017",
        title: "Per-open state kept in a static",
        messageFormat: "'{0}' {1} (reached from handler '{2}'); every open file shares a static, so one open's state becomes another's: return the state from open (OpenResult<T>) and take it as the handlers' first parameter",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Per-open state belongs in file->private_data, which the generated thunks manage for an open handler returning OpenResult<T>: created at open, handed to every op of that file, freed at release. A static keyed by the file leaks on a missed release, outlives the file and races with other opens; a static overwritten by each open is simply shared.",
        helpLinkUri: HelpLink("KOPS0017"));

    /// <summary>KOPS0018: module init publishes a table before the data its handlers read.</summary>
    public static readonly DiagnosticDescriptor PublishedBeforeInitialised = new(
        id: "KOPS0018",
        title: "Module init publishes a table before the data its handlers read",
        messageFormat: "'{0}' writes {1} after '{2}' published '{3}', whose handlers read it; from that call on any CPU may run them and see it unset: write it before the registration",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "proc_create_data, cdev_add, misc_register and debugfs_create_file make the table callable when they return. Everything its handlers read must be complete before that call: the order seed 001 admits is unsound.",
        helpLinkUri: HelpLink("KOPS0018"),
        customTags: WellKnownDiagnosticTags.CompilationEnd);

    /// <summary>KOPS0019: a read or write handler bypasses its position.</summary>
    public static readonly DiagnosticDescriptor PositionBypassed = new(
        id: "KOPS0019",
        title: "Read or write handler bypasses its position",
        messageFormat: "'{0}' {1}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A read or write works at its ref long position: f_pos for read(2) (under f_pos_lock where that applies), the offset for pread(2); the VFS stores what the handler leaves there. f_pos read directly is racy and wrong for pread, and a seekable read that never advances its position returns the same bytes forever.",
        helpLinkUri: HelpLink("KOPS0019"));

    /// <summary>KOPS0020: a constant zero becomes an Errno and so a failure.</summary>
    public static readonly DiagnosticDescriptor ZeroErrnoFailure = new(
        id: "KOPS0020",
        title: "Errno 0 becomes a failure",
        messageFormat: "'{0}' is Errno 0 here, which '{1}' takes as a failure: 0 is not an errno, so this never succeeds and a handler returns EIO; {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "C# converts a constant zero of any integer type to any enum implicitly, so 'cond ? 0L : Errno.EINVAL' is an Errno conditional: its 0L becomes (Errno)0 and then a KResult, KResult<T>, OpenResult<T> or ProbeResult<T> failure, which throws (a handler returns -EIO and logs it). The same holds for (Errno)0, default(Errno) and a const Errno of 0. Write the success form.",
        helpLinkUri: HelpLink("KOPS0020"));

    /// <summary>KOPS0030: a setting the kind requires (file_system_type's name) is missing or unusable.</summary>
    public static readonly DiagnosticDescriptor MissingRequiredSetting = new(
        id: "KOPS0030",
        title: "A required table setting is missing",
        messageFormat: "'{0}': {1} needs '{2}': {3}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Some table fields are part of what the table is: a file_system_type without a name cannot be registered (register_filesystem has nothing for mount -t to find), so the kind marks the setting Required and the declaration must give it.",
        helpLinkUri: HelpLink("KOPS0030"));

    /// <summary>KOPS0040: state an open file can reach holds a device-managed resource directly.</summary>
    public static readonly DiagnosticDescriptor DeviceManagedReachableFromFile = new(
        id: "KOPS0040",
        title: "State reachable from an open file holds a device-managed resource",
        messageFormat: "'{0}' holds '{1}', which is device-managed (released when the driver is unbound), and open files reach it as {2}; a file outlives the binding, so reach it through Revocable<T> or Devres<T>",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The seed's devm_kzalloc-for-chardev-data bug: per-open state and a character device's data live until the last close, devres until unbind. A process that keeps the file open and calls it after an unplug touches a released mapping, interrupt or buffer. Hold such resources behind a revocable reference (Rust for Linux's Devres<T>).",
        helpLinkUri: HelpLink("KOPS0040"));

    /// <summary>Every descriptor, in id order.</summary>
    public static ImmutableArray<DiagnosticDescriptor> All { get; } = ImmutableArray.Create(
        SignatureMismatch, NotStatic, InvalidHandlerType, DuplicateSlot, NoSuchSlot, UnsafeNotAllowed,
        HandlerCapturesState, AsyncHandler, BlocksOnTask, UnsynchronizedStaticWrite, StatefulMaterializedCallback,
        MultipleKinds, DeclaredOpsMismatch, SeekableWithoutLseek, ErrnoAsNumber, DeferredWorkUsesCallScoped,
        PerOpenStateInStatic, PublishedBeforeInitialised, PositionBypassed, ZeroErrnoFailure,
        MissingRequiredSetting, DeviceManagedReachableFromFile);

    /// <summary>The descriptors the generator reports rather than an analyzer (part of <see cref="All"/>).</summary>
    public static ImmutableArray<DiagnosticDescriptor> ReportedByGenerator => GeneratorDiagnostics.All;

#pragma warning disable CS8524 // exhaustive over the declared kinds: a new ProblemKind is a build error (CS8509) until it has a rule
    /// <summary>The descriptor reporting <paramref name="kind"/>.</summary>
    public static DiagnosticDescriptor For(ProblemKind kind) => kind switch
    {
        ProblemKind.SignatureMismatch => SignatureMismatch,
        ProblemKind.NotStatic => NotStatic,
        ProblemKind.InvalidHandlerType => InvalidHandlerType,
        ProblemKind.DuplicateSlot => DuplicateSlot,
        ProblemKind.NoSuchSlot => NoSuchSlot,
        ProblemKind.UnsafeNotAllowed => UnsafeNotAllowed,
        ProblemKind.AsyncHandler => AsyncHandler,
        ProblemKind.MissingRequiredSetting => MissingRequiredSetting,
    };
#pragma warning restore CS8524
}
