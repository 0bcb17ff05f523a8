using System;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps;

/// <summary>What an interrupt handler answers (<c>irqreturn_t</c>, include/linux/irqreturn.h).</summary>
public enum IrqReturn
{
    /// <summary>IRQ_NONE: the interrupt was not from this device (or not handled).</summary>
    None = 0,
    /// <summary>IRQ_HANDLED: the handler dealt with it.</summary>
    Handled = 1,
}

/// <summary>
/// An interrupt handler (Rust-for-Linux's <c>irq::Handler</c>): the registration owns the instance
/// and calls <see cref="Handle"/> on the kernel's interrupt thread whenever the line fires, never
/// after free_irq has returned. The handler gets a <see cref="BoundDevice"/>: a devm registration
/// is freed while the device is being unbound, before its earlier resources are released, so the
/// handler may use its device's <see cref="Devres{T}"/> resources without a guard.
/// </summary>
public interface IIrqHandler
{
    /// <summary>Handles one interrupt; return <see cref="IrqReturn.None"/> when it was not this device's.</summary>
    IrqReturn Handle(BoundDevice device);
}

/// <summary>
/// A requested interrupt line (<c>devm_request_irq</c>). The device's devres frees it at unbind;
/// <see cref="Dispose"/> frees it earlier (devm_free_irq). Either way free_irq waits for a handler
/// that is running (synchronize_irq), and the handler never runs again.
/// </summary>
[DeviceManaged]
public sealed class IrqRegistration : IDisposable
{
    private readonly IrqAction _action;
    private readonly Action _release;

    internal IrqRegistration(IrqAction action, Action release)
    {
        _action = action;
        _release = release;
    }

    /// <summary>The interrupt number.</summary>
    public int Irq => _action.Line.Number;

    /// <summary>The name shown in /proc/interrupts.</summary>
    public string Name => _action.Name;

    /// <summary>True once freed.</summary>
    public bool IsFreed => _action.Freed;

    /// <summary>devm_free_irq: frees the line now (waiting for a running handler) instead of at unbind. Idempotent.</summary>
    public void Dispose() => _release();

    /// <inheritdoc/>
    public override string ToString() => $"irq {Irq} ({Name})";
}
