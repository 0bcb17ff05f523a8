using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace KernelOps.Analyzers.Body;

/// <summary>When a finding in a method's body is reported: depending on how a handler reaches the method.</summary>
internal enum When
{
    /// <summary>Whenever a handler reaches the method.</summary>
    Reached,
    /// <summary>When a handler reaches it synchronously, not only from deferred work (blocking is fine on a worker).</summary>
    ReachedInCall,
    /// <summary>When a handler reaches it without holding a lock on the way (a helper whose every caller holds the lock is fine).</summary>
    ReachedUnlocked,
    /// <summary>When deferred work started by a handler reaches it (it then runs on another thread, maybe later).</summary>
    ReachedDeferred,
    /// <summary>When a read or write handler (one with a position) reaches it.</summary>
    ReachedFromPositionHandler,
    /// <summary>When an open handler reaches it.</summary>
    ReachedFromOpen,
}

/// <summary>One finding in one method's body; the last message argument, the handler's name, is added when reported.</summary>
internal sealed class Finding(DiagnosticDescriptor descriptor, Location location, string[] arguments, When when, ImmutableDictionary<string, string?>? properties = null, Location? related = null)
{
    /// <summary>Replaced in the arguments by the name of the handler that reaches the method (for messages that place it themselves).</summary>
    public const string HandlerToken = "\u0001handler\u0001";

    public DiagnosticDescriptor Descriptor { get; } = descriptor;
    public Location Location { get; } = location;
    public string[] Arguments { get; } = arguments;
    public When When { get; } = when;
    public ImmutableDictionary<string, string?>? Properties { get; } = properties;

    /// <summary>A second place the code fix needs (the Errno inside a number made from it), or null.</summary>
    public Location? Related { get; } = related;
}

/// <summary>A call from one method of the handler type to another (or a property accessor).</summary>
/// <param name="UnderLock">Made while a lock is held (in the caller's own code, or inside the deferred work making it).</param>
/// <param name="Deferred">The callee runs in deferred work (a method group handed to Task.Run, a call inside such work).</param>
/// <param name="How">For a deferred call, how the work runs ("Task.Run starts").</param>
internal sealed record Call(IMethodSymbol Callee, bool UnderLock, bool Deferred, string? How);

/// <summary>What one method's body says, for the rules that depend on how handlers reach it.</summary>
internal sealed class MethodFacts(ImmutableArray<Call> calls, ImmutableArray<Finding> findings, bool declaresNonSeekable, bool writesPosition, bool returnsComputedValue)
{
    public ImmutableArray<Call> Calls { get; } = calls;
    public ImmutableArray<Finding> Findings { get; } = findings;

    /// <summary>Calls nonseekable_open/stream_open (a <c>[DeclaredNonSeekable]</c> method) on a parameter.</summary>
    public bool DeclaresNonSeekable { get; } = declaresNonSeekable;

    /// <summary>Assigns or advances its position parameter, or passes it on by reference.</summary>
    public bool WritesPosition { get; } = writesPosition;

    /// <summary>Returns something other than a constant or an Errno somewhere (a count that may be non-zero).</summary>
    public bool ReturnsComputedValue { get; } = returnsComputedValue;
}
