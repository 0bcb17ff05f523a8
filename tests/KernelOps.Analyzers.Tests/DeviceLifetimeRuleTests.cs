using System.Threading.Tasks;
using KernelOps.Analyzers.Tests.Infrastructure;

namespace KernelOps.Analyzers.Tests;

/// <summary>
/// KOPS0040: state an open file can reach must hold device-managed resources only through a
/// revocable type. Roots: per-open state and [ReachableFromFiles] arguments; the walk follows
/// fields, arrays and generic arguments of source types and stops at Revocable/Devres.
/// </summary>
public class DeviceLifetimeRuleTests
{
    private const string U = Verify.Usings + "using KernelOps.Model;\nusing System.Collections.Generic;\n";

    // The test compilations run no generator: tables are named through a field, not a generated Table.
    private static Task Check(string source) => Verify.Analyzer<FileReachableStateAnalyzer>(U + source + """

        static class Tables
        {
            public static readonly OpsTable<FileOperations> Fops = default;
        }
        """);

    private const string File = """
        [FileOperations(NonSeekable = true)]
        static partial class ChipFile
        {
            [Open] static OpenResult<Session> Open(Inode inode, FileRef file) => Errno.ENODEV;
            [Read] static KResult<nuint> Read(Session s, FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;
        }
        """;

    [Test]
    public Task Per_open_state_holding_a_mapping_directly() => Check(File + """
        sealed class Session
        {
            public IoMem {|KOPS0040:Registers|} { get; set; } = null!;
        }
        """);

    [Test]
    public Task Per_open_state_reaching_a_resource_through_nested_state_arrays_and_collections() => Check(File + """
        sealed class Session
        {
            public Shared Device = null!;
        }
        sealed class Shared
        {
            public IrqRegistration[] {|KOPS0040:Irqs|} = [];
            public List<Devm<byte[]>> {|KOPS0040:Buffers|} = new();
            public Shared? Next; // a cycle: walked once
        }
        """);

    [Test]
    public Task Revocable_and_Devres_hide_what_they_hold() => Check(File + """
        sealed class Session
        {
            public Devres<IoMem> Registers = null!;
            public Revocable<Holder> Held = null!;
            public List<Devres<IoMem>> More = new();
        }
        sealed class Holder
        {
            public IoMem Inside = null!; // only reached through the revocable
        }
        """);

    [Test]
    public Task Device_data_handed_to_a_misc_registration_in_probe() => Check("""
        sealed class ChipState
        {
            public IoMem {|KOPS0040:_regs|} = null!;
            public Devres<IoMem> Fine = null!;
        }
        [FileOperations(NonSeekable = true)]
        static partial class ChipFile
        {
            [Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;
        }
        [PlatformDriver]
        static partial class Driver
        {
            [Probe]
            static KResult Probe(CoreDevice device)
            {
                Devres<IoMem> regs = device.IoRemapResource(0);
                IoMem io = regs.Access(device);
                device.RegisterMisc("chip", Tables.Fops, new ChipState { Fine = regs });
                device.RegisterMisc("raw", Tables.Fops, {|KOPS0040:data: io|});
                return KResult.Ok;
            }
        }
        """);

    [Test]
    public Task Driver_data_is_not_reachable_from_files_and_may_hold_anything() => Check("""
        sealed class Chip
        {
            public IoMem Registers = null!;
            public IrqRegistration Irq = null!;
        }
        [PlatformDriver]
        static partial class Driver
        {
            [Probe] static ProbeResult<Chip> Probe(CoreDevice device) => new Chip();
            [Remove] static void Remove(Chip chip, CoreDevice device) { }
        }
        """);

    [Test]
    public Task The_state_of_an_anonymous_file_and_module_level_registrations_are_roots_too() => Check("""
        sealed class Request
        {
            public Devm<int[]> {|KOPS0040:Values|} = null!;
        }
        sealed class Table
        {
            public Dictionary<string, IoMem> {|KOPS0040:ByName|} = new();
        }
        [FileOperations(NonSeekable = true)]
        static partial class ChipFile
        {
            [Ioctl]
            static KResult<long> Ioctl(FileRef file, uint command, nuint argument) =>
                AnonInode.GetFd("req", Tables.Fops, new Request(), OpenFlags.O_RDONLY, file);
        }
        sealed class Module : IKernelModule
        {
            public string Name => "m";
            public KResult Init(ModuleContext context)
            {
                context.Devices.RegisterMisc("m", Tables.Fops, data: new Table());
                return KResult.Ok;
            }
            public void Exit() { }
        }
        """);
}
