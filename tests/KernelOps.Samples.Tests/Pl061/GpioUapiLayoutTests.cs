using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using KernelOps.Samples.Pl061.Gpio;

namespace KernelOps.Samples.Tests.Pl061;

/// <summary>
/// The GPIO uAPI structs and ioctl numbers the sample serves must be byte-identical to the C
/// header: gcc compiles a program against &lt;linux/gpio.h&gt; (linux-libc-dev) that prints every
/// struct's size, every member's offset and the ioctl numbers, and each must equal the C# side.
/// </summary>
public class GpioUapiLayoutTests
{
    // C struct, C# type, members ("c_name", or "c_name:CsField" where they differ: the attribute's anonymous union is one field)
    private static readonly (string C, Type Cs, string[] Members)[] Structs =
    [
        ("gpiochip_info", typeof(GpioChipInfo), ["name", "label", "lines"]),
        ("gpio_v2_line_attribute", typeof(GpioV2LineAttribute), ["id", "padding", "flags:value", "values:value", "debounce_period_us:value"]),
        ("gpio_v2_line_config_attribute", typeof(GpioV2LineConfigAttribute), ["attr", "mask"]),
        ("gpio_v2_line_config", typeof(GpioV2LineConfig), ["flags", "num_attrs", "padding", "attrs"]),
        ("gpio_v2_line_request", typeof(GpioV2LineRequest), ["offsets", "consumer", "config", "num_lines", "event_buffer_size", "padding", "fd"]),
        ("gpio_v2_line_info", typeof(GpioV2LineInfo), ["name", "consumer", "offset", "num_attrs", "flags", "attrs", "padding"]),
        ("gpio_v2_line_values", typeof(GpioV2LineValues), ["bits", "mask"]),
        ("gpio_v2_line_event", typeof(GpioV2LineEvent), ["timestamp_ns", "id", "offset", "seqno", "line_seqno", "padding"]),
    ];

    private static readonly (string C, uint Value)[] Ioctls =
    [
        ("GPIO_GET_CHIPINFO_IOCTL", GpioUapi.GetChipInfo),
        ("GPIO_V2_GET_LINEINFO_IOCTL", GpioUapi.GetLineInfo),
        ("GPIO_V2_GET_LINE_IOCTL", GpioUapi.GetLine),
        ("GPIO_V2_LINE_SET_CONFIG_IOCTL", GpioUapi.LineSetConfig),
        ("GPIO_V2_LINE_GET_VALUES_IOCTL", GpioUapi.LineGetValues),
        ("GPIO_V2_LINE_SET_VALUES_IOCTL", GpioUapi.LineSetValues),
    ];

    private static readonly (string C, ulong Value)[] Constants =
    [
        ("GPIO_MAX_NAME_SIZE", GpioUapi.MaxNameSize),
        ("GPIO_V2_LINES_MAX", GpioUapi.LinesMax),
        ("GPIO_V2_LINE_NUM_ATTRS_MAX", GpioUapi.LineNumAttrsMax),
        ("GPIO_V2_LINE_FLAG_USED", (ulong)GpioV2LineFlags.Used),
        ("GPIO_V2_LINE_FLAG_ACTIVE_LOW", (ulong)GpioV2LineFlags.ActiveLow),
        ("GPIO_V2_LINE_FLAG_INPUT", (ulong)GpioV2LineFlags.Input),
        ("GPIO_V2_LINE_FLAG_OUTPUT", (ulong)GpioV2LineFlags.Output),
        ("GPIO_V2_LINE_FLAG_EDGE_RISING", (ulong)GpioV2LineFlags.EdgeRising),
        ("GPIO_V2_LINE_FLAG_EDGE_FALLING", (ulong)GpioV2LineFlags.EdgeFalling),
        ("GPIO_V2_LINE_FLAG_OPEN_DRAIN", (ulong)GpioV2LineFlags.OpenDrain),
        ("GPIO_V2_LINE_FLAG_OPEN_SOURCE", (ulong)GpioV2LineFlags.OpenSource),
        ("GPIO_V2_LINE_FLAG_BIAS_PULL_UP", (ulong)GpioV2LineFlags.BiasPullUp),
        ("GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN", (ulong)GpioV2LineFlags.BiasPullDown),
        ("GPIO_V2_LINE_FLAG_BIAS_DISABLED", (ulong)GpioV2LineFlags.BiasDisabled),
        ("GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME", (ulong)GpioV2LineFlags.EventClockRealtime),
        ("GPIO_V2_LINE_FLAG_EVENT_CLOCK_HTE", (ulong)GpioV2LineFlags.EventClockHte),
        ("GPIO_V2_LINE_ATTR_ID_FLAGS", (ulong)GpioV2AttributeId.Flags),
        ("GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES", (ulong)GpioV2AttributeId.OutputValues),
        ("GPIO_V2_LINE_ATTR_ID_DEBOUNCE", (ulong)GpioV2AttributeId.Debounce),
        ("GPIO_V2_LINE_EVENT_RISING_EDGE", (ulong)GpioV2LineEventId.RisingEdge),
        ("GPIO_V2_LINE_EVENT_FALLING_EDGE", (ulong)GpioV2LineEventId.FallingEdge),
    ];

    private static Dictionary<string, ulong>? s_c;

    private static Dictionary<string, ulong> C() => s_c ??= Compile();

    [Test]
    public void Every_struct_and_member_has_the_C_size_and_offset()
    {
        Dictionary<string, ulong> c = C();
        using (Assert.EnterMultipleScope())
        {
            foreach ((string name, Type type, string[] members) in Structs)
            {
                Assert.That((ulong)Marshal.SizeOf(type), Is.EqualTo(c[$"sizeof {name}"]), $"sizeof(struct {name})");
                foreach (string m in members)
                {
                    string cName = m.Split(':')[0], csName = m.Split(':')[^1];
                    Assert.That((ulong)Marshal.OffsetOf(type, csName), Is.EqualTo(c[$"offsetof {name}.{cName}"]), $"offsetof(struct {name}, {cName})");
                }
            }
            Assert.That((ulong)Unsafe.SizeOf<GpioV2LineEvent>(), Is.EqualTo(c["sizeof gpio_v2_line_event"]), "what read(2) copies");
        }
    }

    [Test]
    public void The_ioctl_numbers_and_constants_are_the_headers()
    {
        Dictionary<string, ulong> c = C();
        using (Assert.EnterMultipleScope())
        {
            foreach ((string name, uint value) in Ioctls) Assert.That((ulong)value, Is.EqualTo(c[name]), name);
            foreach ((string name, ulong value) in Constants) Assert.That(value, Is.EqualTo(c[name]), name);
        }
    }

    private static Dictionary<string, ulong> Compile()
    {
        var source = new StringBuilder("#include <linux/gpio.h>\n#include <stddef.h>\n#include <stdio.h>\nint main(void) {\n");
        foreach ((string name, _, string[] members) in Structs)
        {
            source.Append($"    printf(\"sizeof {name}=%zu\\n\", sizeof(struct {name}));\n");
            foreach (string m in members.Select(m => m.Split(':')[0]))
                source.Append($"    printf(\"offsetof {name}.{m}=%zu\\n\", offsetof(struct {name}, {m}));\n");
        }
        foreach (string name in Ioctls.Select(i => i.C).Concat(Constants.Select(k => k.C)))
            source.Append($"    printf(\"{name}=%llu\\n\", (unsigned long long)({name}));\n");
        source.Append("    return 0;\n}\n");

        string dir = Path.Combine(Path.GetTempPath(), "kernelops-gpio-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "gpio.c"), source.ToString());
            (int rc, string output) = Run("gcc", $"-o {dir}/gpio {dir}/gpio.c");
            if (rc == 127) Assert.Ignore("gcc is not installed: cannot compare with <linux/gpio.h>.");
            if (output.Contains("linux/gpio.h: No such file")) Assert.Ignore("<linux/gpio.h> is missing (Debian package linux-libc-dev).");
            Assert.That(rc, Is.Zero, "gcc failed:\n" + output);
            (rc, output) = Run(Path.Combine(dir, "gpio"), "");
            Assert.That(rc, Is.Zero, output);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split('='))
                .ToDictionary(p => p[0], p => ulong.Parse(p[1]));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (int ExitCode, string Output) Run(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        Process process;
        try { process = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception) { return (127, $"{file} not found"); }
        using (process)
        {
            var err = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout + err.Result);
        }
    }
}
