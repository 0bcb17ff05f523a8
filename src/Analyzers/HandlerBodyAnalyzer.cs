using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using KernelOps.Analyzers.Body;
using KernelOps.Analyzers.Diagnostics;
using KernelOps.Generators.Discovery;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KernelOps.Analyzers;

/// <summary>
/// Looks inside the methods the kernel calls (handlers, and the debugfs callbacks that run exactly
/// where handlers run) and inside the methods and property accessors of the same type they reach:
/// KOPS0009 (blocking on a task), KOPS0010 (writing static state outside a lock), KOPS0015 (an
/// Errno made a number), KOPS0016 (deferred work using what only the call may), KOPS0017 (per-open
/// state in statics) and KOPS0019 (a read or write bypassing its position). Each body is read once
/// (<see cref="BodyScan"/>); whether a finding is reported depends on how handlers reach it: under
/// a lock, from deferred work, from an open or a read handler.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HandlerBodyAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.BlocksOnTask,
        DiagnosticDescriptors.UnsynchronizedStaticWrite,
        DiagnosticDescriptors.ErrnoAsNumber,
        DiagnosticDescriptors.DeferredWorkUsesCallScoped,
        DiagnosticDescriptors.PerOpenStateInStatic,
        DiagnosticDescriptors.PositionBypassed);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            KindCatalog catalog = KindCatalog.Create(start.Compilation);
            if (catalog.IsEmpty) return;
            Markers markers = Markers.Read(start.Compilation);
            start.RegisterSymbolStartAction(symbolStart => StartType(symbolStart, catalog, markers), SymbolKind.NamedType);
        });
    }

    private static void StartType(SymbolStartAnalysisContext context, KindCatalog catalog, Markers markers)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        ImmutableArray<HandlerEntry> entries = HandlerEntry.Find(type, catalog, markers.MaterializedFromNothing);
        if (entries.IsEmpty) return;

        var entryOf = entries.ToDictionary(e => e.Method, e => e, (IEqualityComparer<IMethodSymbol>)SymbolEqualityComparer.Default);
        ITypeSymbol? stateType = PerOpenStateType(type, catalog);
        var facts = new ConcurrentDictionary<IMethodSymbol, MethodFacts>(SymbolEqualityComparer.Default);

        context.RegisterOperationBlockAction(block =>
        {
            if (block.OwningSymbol is not IMethodSymbol { MethodKind: MethodKind.Ordinary or MethodKind.PropertyGet or MethodKind.PropertySet } method) return;
            entryOf.TryGetValue(method, out HandlerEntry? entry);
            facts[method] = BodyScan.Scan(method, type, markers, entry, stateType, block.OperationBlocks);
        });

        context.RegisterSymbolEndAction(end =>
        {
            var all = new Reachability(entries, facts);
            var fromPosition = new Reachability(entries.Where(e => e.ParameterMarkedWith(markers.FilePosition) is not null), facts);
            var fromOpen = new Reachability(entries.Where(e => e.Role == SlotRole.Open), facts);

            foreach (KeyValuePair<IMethodSymbol, MethodFacts> pair in facts)
            {
                foreach (Finding finding in pair.Value.Findings)
                {
                    (string Entry, string? How)? reached = finding.When switch
                    {
                        When.Reached => all.Any(pair.Key),
                        When.ReachedInCall => all.InCall(pair.Key),
                        When.ReachedUnlocked => all.Unlocked(pair.Key),
                        When.ReachedDeferred => all.Deferred(pair.Key),
                        When.ReachedFromPositionHandler => fromPosition.Any(pair.Key),
                        When.ReachedFromOpen => fromOpen.Any(pair.Key),
                        _ => null,
                    };
                    if (reached is not { } r) continue;
                    object[] arguments = finding.Arguments
                        .Select(a => a.Length == 0 && r.How is not null ? r.How : a.Replace(Finding.HandlerToken, r.Entry))
                        .Append(r.Entry)
                        .Cast<object>()
                        .ToArray();
                    end.ReportDiagnostic(Diagnostic.Create(finding.Descriptor, finding.Location,
                        finding.Related is { } related ? new[] { related } : null, finding.Properties, arguments));
                }
            }

            CheckPositionAdvanced(end, type, entries, facts, fromOpen, markers);
        });
    }

    /// <summary>The per-open state type of a handler type: what its creating (open) handler returns in OpenResult&lt;T&gt;.</summary>
    private static ITypeSymbol? PerOpenStateType(INamedTypeSymbol type, KindCatalog catalog)
    {
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (catalog.FindKind(attribute.AttributeClass) is not { } kind) continue;
            foreach (SlotDescription slot in kind.Slots)
            {
                if (slot.Stateful is not { Role: StatefulVariant.RoleCreate } variant) continue;
                foreach (IMethodSymbol method in type.GetMembers().OfType<IMethodSymbol>())
                {
                    if (method.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, slot.HandlerAttribute)) &&
                        variant.InferState(method) is { } state)
                    {
                        return state;
                    }
                }
            }
        }
        return null;
    }

    /// <summary>
    /// KOPS0019, the second form: a read handler of a seekable file that never advances its
    /// position while returning something that may be a count. ksys_read stores the position the
    /// handler leaves; unchanged, the next read starts where this one did, and cat never ends.
    /// </summary>
    private static void CheckPositionAdvanced(SymbolAnalysisContext context, INamedTypeSymbol type, ImmutableArray<HandlerEntry> entries,
        ConcurrentDictionary<IMethodSymbol, MethodFacts> facts, Reachability fromOpen, Markers markers)
    {
        bool seekable = entries.Any(e => e.Role == SlotRole.Seek) && !facts.Any(f => f.Value.DeclaresNonSeekable && fromOpen.Any(f.Key) is not null);
        if (!seekable) return;
        foreach (HandlerEntry entry in entries.Where(e => e.Role == SlotRole.Read))
        {
            if (entry.ParameterMarkedWith(markers.FilePosition) is not { } position || !facts.TryGetValue(entry.Method, out MethodFacts? f)) continue;
            if (f.WritesPosition || !f.ReturnsComputedValue) continue;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PositionBypassed, position.Locations.FirstOrDefault() ?? entry.Method.Locations.FirstOrDefault(),
                entry.Method.Name,
                $"never advances its position '{position.Name}', on a seekable file: after a read that returns bytes f_pos stays where it was and the next read returns them again, so cat never reaches the end; add what was copied to '{position.Name}'"));
        }
    }

    /// <summary>
    /// Which methods of the type the given entries reach, and how: through deferred work or in the
    /// call, with or without a lock held on the way. Deferred work runs without its starter's locks.
    /// </summary>
    private sealed class Reachability
    {
        // For each method and each of the four ways (bit 0: deferred, bit 1: under a lock), the first
        // entry reaching it that way and, for deferred ways, how the work runs.
        private readonly Dictionary<IMethodSymbol, (string Entry, string? How)?[]> _reached = new(SymbolEqualityComparer.Default);

        public Reachability(IEnumerable<HandlerEntry> entries, ConcurrentDictionary<IMethodSymbol, MethodFacts> facts)
        {
            var queue = new Queue<(IMethodSymbol Method, int Way)>();
            foreach (HandlerEntry entry in entries) Visit(entry.Method, 0, (entry.Method.Name, null), queue);
            while (queue.Count > 0)
            {
                (IMethodSymbol method, int way) = queue.Dequeue();
                if (!facts.TryGetValue(method, out MethodFacts? f)) continue;
                (string Entry, string? How) from = _reached[method][way]!.Value;
                foreach (Call call in f.Calls)
                {
                    int next = call.Deferred
                        ? 1 | (call.UnderLock ? 2 : 0)
                        : way | (call.UnderLock ? 2 : 0);
                    Visit(call.Callee, next, call.Deferred ? (from.Entry, call.How ?? from.How) : from, queue);
                }
            }
        }

        private void Visit(IMethodSymbol method, int way, (string Entry, string? How) from, Queue<(IMethodSymbol, int)> queue)
        {
            if (!_reached.TryGetValue(method, out (string Entry, string? How)?[]? ways)) _reached[method] = ways = new (string, string?)?[4];
            if (ways[way] is not null) return;
            ways[way] = from;
            queue.Enqueue((method, way));
        }

        private (string Entry, string? How)? First(IMethodSymbol method, System.Func<int, bool> way)
        {
            if (!_reached.TryGetValue(method, out (string Entry, string? How)?[]? ways)) return null;
            for (int w = 0; w < 4; w++)
            {
                if (way(w) && ways[w] is { } r) return r;
            }
            return null;
        }

        public (string Entry, string? How)? Any(IMethodSymbol method) => First(method, _ => true);

        public (string Entry, string? How)? InCall(IMethodSymbol method) => First(method, w => (w & 1) == 0);

        public (string Entry, string? How)? Unlocked(IMethodSymbol method) => First(method, w => (w & 2) == 0);

        public (string Entry, string? How)? Deferred(IMethodSymbol method) => First(method, w => (w & 1) != 0);
    }
}
