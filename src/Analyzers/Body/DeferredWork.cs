using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace KernelOps.Analyzers.Body;

/// <summary>How code handed to an API runs relative to the call that handed it over.</summary>
internal sealed class Deferral(string description, bool later)
{
    /// <summary>How the message says it, e.g. "Task.Run starts".</summary>
    public string Description { get; } = description;

    /// <summary>
    /// True when the code may run after the handler returned (Task.Run, a timer, after an await);
    /// false when it runs on other threads during the call only (Parallel.For), so the handler's
    /// values are still alive but its task is not there.
    /// </summary>
    public bool Later { get; } = later;

    public static readonly Deferral AfterAwait = new("runs after an await", later: true);
}

/// <summary>
/// The BCL APIs that run a delegate they are given on another thread: the thread pool, threads,
/// timers, continuations, cancellation callbacks, synchronisation contexts, Parallel. Not data in
/// the Runtime because they are not the Runtime's; the KOPS0016 page lists them.
/// </summary>
internal static class DeferredWork
{
    // (containing type's metadata name, member name) -> how it runs the delegate.
    private static readonly Dictionary<(string Type, string Member), Deferral> Apis = new()
    {
        [("System.Threading.Tasks.Task", "Run")] = new("Task.Run starts", later: true),
        [("System.Threading.Tasks.Task", "ContinueWith")] = new("ContinueWith runs", later: true),
        [("System.Threading.Tasks.Task", ".ctor")] = new("a new Task runs", later: true),
        [("System.Threading.Tasks.Task`1", "ContinueWith")] = new("ContinueWith runs", later: true),
        [("System.Threading.Tasks.Task`1", ".ctor")] = new("a new Task runs", later: true),
        [("System.Threading.Tasks.TaskFactory", "StartNew")] = new("TaskFactory.StartNew starts", later: true),
        [("System.Threading.Tasks.TaskFactory", "ContinueWhenAll")] = new("ContinueWhenAll runs", later: true),
        [("System.Threading.Tasks.TaskFactory", "ContinueWhenAny")] = new("ContinueWhenAny runs", later: true),
        [("System.Threading.Tasks.TaskFactory`1", "StartNew")] = new("TaskFactory.StartNew starts", later: true),
        [("System.Threading.Tasks.TaskFactory`1", "ContinueWhenAll")] = new("ContinueWhenAll runs", later: true),
        [("System.Threading.Tasks.TaskFactory`1", "ContinueWhenAny")] = new("ContinueWhenAny runs", later: true),
        [("System.Threading.ThreadPool", "QueueUserWorkItem")] = new("ThreadPool.QueueUserWorkItem runs", later: true),
        [("System.Threading.ThreadPool", "UnsafeQueueUserWorkItem")] = new("ThreadPool.UnsafeQueueUserWorkItem runs", later: true),
        [("System.Threading.ThreadPool", "RegisterWaitForSingleObject")] = new("RegisterWaitForSingleObject runs", later: true),
        [("System.Threading.ThreadPool", "UnsafeRegisterWaitForSingleObject")] = new("RegisterWaitForSingleObject runs", later: true),
        [("System.Threading.Thread", ".ctor")] = new("a new Thread runs", later: true),
        [("System.Threading.Timer", ".ctor")] = new("a Timer runs", later: true),
        [("System.Timers.Timer", "add_Elapsed")] = new("a Timer's Elapsed runs", later: true),
        [("System.Threading.CancellationToken", "Register")] = new("CancellationToken.Register runs", later: true),
        [("System.Threading.CancellationToken", "UnsafeRegister")] = new("CancellationToken.UnsafeRegister runs", later: true),
        [("System.Threading.SynchronizationContext", "Post")] = new("SynchronizationContext.Post runs", later: true),
        [("System.Threading.SynchronizationContext", "Send")] = new("SynchronizationContext.Send runs on another thread", later: false),
        [("System.Threading.Tasks.Parallel", "For")] = new("Parallel.For runs on other threads", later: false),
        [("System.Threading.Tasks.Parallel", "ForEach")] = new("Parallel.ForEach runs on other threads", later: false),
        [("System.Threading.Tasks.Parallel", "Invoke")] = new("Parallel.Invoke runs on other threads", later: false),
        [("System.Threading.Tasks.Parallel", "ForAsync")] = new("Parallel.ForAsync runs", later: true),
        [("System.Threading.Tasks.Parallel", "ForEachAsync")] = new("Parallel.ForEachAsync runs", later: true),
    };

    /// <summary>How <paramref name="method"/> (a method, constructor or event accessor) runs the delegates it is given, or null when it runs them in place or not at all.</summary>
    public static Deferral? Of(IMethodSymbol? method)
    {
        if (method?.ContainingType is not { } type) return null;
        INamedTypeSymbol definition = type.OriginalDefinition;
        string name = definition.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + definition.MetadataName : definition.MetadataName;
        return Apis.TryGetValue((name, method.Name), out Deferral? deferral) ? deferral : null;
    }
}
