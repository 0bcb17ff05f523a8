using KernelOps.Model;
using KernelOps.Samples.Pl061.Hardware;
using static KernelOps.Samples.Pl061.Hardware.Pl061Hardware;

namespace KernelOps.Samples.Tests.Pl061;

/// <summary>The PL061 register model against the TRM (ARM DDI 0190B): what a driver can rely on.</summary>
public class Pl061HardwareTests
{
    private static uint Id(Pl061Hardware hw, uint first)
    {
        uint id = 0;
        for (uint i = 0; i < 4; i++) id |= (hw.Read(first + 4 * i, 4) & 0xFF) << (int)(8 * i);
        return id;
    }

    [Test]
    public void The_ID_registers_identify_an_ARM_PL061_PrimeCell()
    {
        var hw = new Pl061Hardware();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Id(hw, GPIOPeriphID0), Is.EqualTo(0x00041061u));
            Assert.That(Id(hw, GPIOPCellID0), Is.EqualTo(0xB105F00Du));
            Assert.That(hw.Read(GPIOPeriphID0, 4), Is.EqualTo(0x61u), "one byte per word");
        }
    }

    [Test]
    public void GPIODATA_reads_and_writes_only_the_bits_its_address_bits_9_to_2_select()
    {
        var hw = new Pl061Hardware();
        hw.Write(GPIODIR, 1, 0x0F);                 // pins 0-3 outputs
        hw.Write(0x3FC, 1, 0xFF);                   // mask 0xFF: all outputs high
        using (Assert.EnterMultipleScope())
        {
            Assert.That(hw.Read(0x3FC, 1), Is.EqualTo(0x0Fu), "inputs read their (low) pins");
            Assert.That(hw.Read(0x004, 1), Is.EqualTo(0x01u), "address 0x004 masks bit 0");
            Assert.That(hw.Read(0x020, 1), Is.EqualTo(0x08u), "address 0x020 masks bit 3");
            Assert.That(hw.Read(0x000, 1), Is.Zero, "address 0: nothing selected");
        }
        hw.Write(0x008, 1, 0x00);                   // clears bit 1 only
        hw.Write(0x010, 1, 0xFF);                   // mask bit 2: value bit 2 is 1 -> unchanged (already 1)
        Assert.That(hw.Read(0x3FC, 1), Is.EqualTo(0x0Du));
        Assert.That(hw.Output(1), Is.False);
        Assert.That(hw.Output(0), Is.True);
        Assert.That(hw.Output(4), Is.Null, "an input drives nothing");
    }

    [Test]
    public void Data_written_to_an_input_is_not_latched()
    {
        var hw = new Pl061Hardware();
        hw.Write(0x3FC, 1, 0x01);                   // pin 0 is still an input
        hw.Write(GPIODIR, 1, 0x01);
        Assert.That(hw.Output(0), Is.False, "hence pl061_direction_output writes the value again");
        hw.Write(0x004, 1, 0x01);
        Assert.That(hw.Output(0), Is.True);
    }

    [Test]
    public void Edges_latch_in_RIS_as_IS_IBE_and_IEV_select_and_GPIOIC_clears_them()
    {
        var hw = new Pl061Hardware();
        hw.Write(GPIOIEV, 1, 0x01);                 // pin 0 rising, pin 1 falling, pin 2 both
        hw.Write(GPIOIBE, 1, 0x04);
        hw.SetInput(0, true);
        hw.SetInput(1, true);
        hw.SetInput(2, true);
        Assert.That(hw.Read(GPIORIS, 1), Is.EqualTo(0x05u), "rising on 0 and 2, not on falling-only 1");
        hw.SetInput(1, false);
        Assert.That(hw.Read(GPIORIS, 1), Is.EqualTo(0x07u));
        Assert.That(hw.Read(GPIOMIS, 1), Is.Zero, "nothing enabled");
        hw.Write(GPIOIC, 1, 0x03);
        Assert.That(hw.Read(GPIORIS, 1), Is.EqualTo(0x04u));
    }

    [Test]
    public void Level_sensitive_pins_show_their_level_in_RIS_until_it_changes()
    {
        var hw = new Pl061Hardware();
        hw.Write(GPIOIS, 1, 0x01);
        hw.Write(GPIOIEV, 1, 0x01);                 // high level
        Assert.That(hw.Read(GPIORIS, 1), Is.Zero);
        hw.SetInput(0, true);
        Assert.That(hw.Read(GPIORIS, 1), Is.EqualTo(0x01u));
        hw.Write(GPIOIC, 1, 0x01);
        Assert.That(hw.Read(GPIORIS, 1), Is.EqualTo(0x01u), "GPIOIC does not clear a level");
        hw.SetInput(0, false);
        Assert.That(hw.Read(GPIORIS, 1), Is.Zero);
    }

    [Test]
    public void GPIOINTR_follows_the_masked_status()
    {
        using var kernel = new Kernel();
        InterruptLine line = kernel.DeviceModel.Interrupts.AllocateLine("pl061");
        var hw = new Pl061Hardware();
        hw.Connect(line);
        hw.Write(GPIOIBE, 1, 0x01);
        hw.SetInput(0, true);
        Assert.That(line.IsAsserted, Is.False, "masked");
        hw.Write(GPIOIE, 1, 0x01);
        Assert.That(line.IsAsserted, Is.True);
        Assert.That(hw.Read(GPIOMIS, 1), Is.EqualTo(0x01u));
        hw.Write(GPIOIC, 1, 0x01);
        Assert.That(line.IsAsserted, Is.False);
    }

    [Test]
    public void Read_only_registers_ignore_writes_and_misaligned_addresses_decode_to_nothing()
    {
        var hw = new Pl061Hardware();
        hw.Write(GPIORIS, 1, 0xFF);
        hw.Write(GPIOPeriphID0, 1, 0x00);
        hw.Write(GPIODIR + 1, 1, 0xFF);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(hw.Read(GPIORIS, 1), Is.Zero);
            Assert.That(hw.Read(GPIOPeriphID0, 1), Is.EqualTo(0x61u));
            Assert.That(hw.Read(GPIODIR, 1), Is.Zero);
            Assert.That(hw.Read(GPIODIR + 1, 1), Is.Zero);
            Assert.That(hw.Read(GPIOIC, 1), Is.Zero, "write-only");
        }
    }
}
