using System.Collections.Generic;

namespace KernelOps.Model;

/// <summary>fs/d_path.c: the name of a path as seen from a root, across mounts.</summary>
internal static class DPath
{
    /// <summary>
    /// mirrors fs/d_path.c:prepend_path: "/a/b" from <paramref name="root"/> to <paramref name="path"/>,
    /// walking up dentries and, at a mount's root, to its mount point. <paramref name="unreachable"/>
    /// is set when the walk ends at a namespace root other than <paramref name="root"/> (a detached
    /// mount, or a path outside a chroot).
    /// </summary>
    public static string PrependPath(VfsPath path, VfsPath root, out bool unreachable)
    {
        unreachable = false;
        var parts = new List<string>();
        MountNamespace ns = path.Mount.Sb.Kernel.Vfs.Namespace;
        lock (ns.Lock)
        {
            VfsMount mnt = path.Mount;
            VfsDentry dentry = path.Dentry;
            while (!(dentry == root.Dentry && mnt == root.Mount))
            {
                if (dentry == mnt.Root || dentry.IsRoot)
                {
                    if (mnt.Parent == mnt)
                    {
                        unreachable = true; // the root of a mount that is not attached above: outside our root
                        break;
                    }
                    dentry = mnt.MountPoint;
                    mnt = mnt.Parent;
                    continue;
                }
                lock (dentry.Sb.DcacheLock)
                {
                    parts.Add(dentry.Name);
                    dentry = dentry.Parent;
                }
            }
        }
        if (parts.Count == 0) return "/";
        parts.Reverse();
        return "/" + string.Join("/", parts);
    }
}
