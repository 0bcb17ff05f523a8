using System;
using System.Collections.Generic;
using System.Threading;

namespace KernelOps.Model;

/// <summary>One managed resource of a device (<c>struct devres</c>): a name and how to release it.</summary>
internal sealed class DevresNode(string name, Action release)
{
    public string Name { get; } = name;
    public Action Release { get; } = release;
}

/// <summary>
/// A device's managed resources (drivers/base/devres.c: <c>dev-&gt;devres_head</c>): acquisitions
/// are appended as they succeed; <see cref="ReleaseAll"/> releases them newest first, which is how a
/// failed probe unwinds the steps before the failure and how unbind undoes a successful one.
/// Every acquisition first passes <see cref="Reserve"/>, the devres_alloc that fault injection fails.
/// Thread-safe.
/// </summary>
internal sealed class DevresList(Device device)
{
    private readonly Lock _lock = new();
    private readonly List<DevresNode> _nodes = new();

    /// <summary>The resources' names, oldest first.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_lock) return _nodes.ConvertAll(n => n.Name);
        }
    }

    /// <summary>
    /// devres_alloc for an acquisition named <paramref name="name"/>: the fault-injection site. A
    /// failure throws ENOMEM, as every devm_* function returns -ENOMEM when devres_alloc fails.
    /// </summary>
    public void Reserve(string name)
    {
        if (device.Model.Kernel.FaultInjection.ShouldFail($"{name} ({device.Name})"))
            throw new KernelErrorException(Errno.ENOMEM, name);
    }

    /// <summary>devres_add: the resource is acquired; it is released at unbind or when probe fails.</summary>
    public DevresNode Add(string name, Action release)
    {
        var node = new DevresNode(name, release);
        lock (_lock) _nodes.Add(node);
        device.Model.Counters.Update(devresNodes: 1);
        if (device.Model.LogDevres) device.Log($"DEVRES ADD {name}");
        return node;
    }

    /// <summary>
    /// devres_release (devm_*_free): releases one resource now, if it is still on the list. False
    /// when it was already released (at unbind, or by an earlier call).
    /// </summary>
    public bool ReleaseOne(DevresNode node)
    {
        lock (_lock)
        {
            if (!_nodes.Remove(node)) return false;
        }
        Release(node);
        return true;
    }

    /// <summary>mirrors drivers/base/devres.c:devres_release_all: newest first. Returns how many were released.</summary>
    public int ReleaseAll()
    {
        int released = 0;
        while (true)
        {
            DevresNode node;
            lock (_lock)
            {
                if (_nodes.Count == 0) return released;
                node = _nodes[^1];
                _nodes.RemoveAt(_nodes.Count - 1);
            }
            Release(node);
            released++;
        }
    }

    private void Release(DevresNode node)
    {
        if (device.Model.LogDevres) device.Log($"DEVRES REL {node.Name}");
        try
        {
            node.Release();
        }
        catch (Exception e)
        {
            device.Log($"devres: releasing {node.Name} threw {e.GetType().FullName}: {e.Message}");
        }
        finally
        {
            device.Model.Counters.Update(devresNodes: -1);
        }
    }
}
