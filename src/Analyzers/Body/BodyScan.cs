using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using KernelOps.Analyzers.Diagnostics;
using KernelOps.Generators.Discovery;
using KernelOps.Generators.Extensions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace KernelOps.Analyzers.Body;

/// <summary>
/// Reads one method body of a handler type (a handler, a helper, a property accessor) into
/// <see cref="MethodFacts"/>: its calls to other methods of the type, and every finding of the body
/// rules with the condition under which it is reported (KOPS0009, KOPS0010, KOPS0015-KOPS0017,
/// KOPS0019). Whether a finding is reported depends on how handlers reach the method, which only
/// the whole type's call graph knows (<see cref="HandlerBodyAnalyzer"/>).
/// </summary>
internal sealed class BodyScan
{
    private readonly IMethodSymbol _method;
    private readonly INamedTypeSymbol _type;
    private readonly Markers _markers;
    private readonly HandlerEntry? _entry;
    private readonly ITypeSymbol? _stateType;
    private readonly IParameterSymbol? _position;

    private readonly List<Call> _calls = new();
    private readonly List<Finding> _findings = new();
    private readonly HashSet<IOperation> _errnoReported = new();
    private bool _declaresNonSeekable;
    private bool _writesPosition;
    private bool _returnsComputedValue;

    // Deferred work in this body: the lambdas and local functions handed to a deferral API, and the
    // methods of the type handed over as method groups.
    private readonly Dictionary<IOperation, Deferral> _deferredFunctions = new();
    private readonly Dictionary<IOperation, (bool HasAwait, List<int> AwaitStarts, List<TextSpanPair> AwaitLoops)> _awaits = new();

    // Values valid only during the call, and values that identify the open file (KOPS0016, KOPS0017).
    private readonly HashSet<ISymbol> _callScoped = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ISymbol> _fileIdentity = new(SymbolEqualityComparer.Default);

    private readonly record struct TextSpanPair(int Start, int End);

    private BodyScan(IMethodSymbol method, INamedTypeSymbol type, Markers markers, HandlerEntry? entry, ITypeSymbol? stateType)
    {
        _method = method;
        _type = type;
        _markers = markers;
        _entry = entry;
        _stateType = stateType;
        _position = entry?.ParameterMarkedWith(markers.FilePosition);
    }

    /// <summary>The method as messages name it: a property accessor as <c>Value.set</c>.</summary>
    private string MethodName => _method.AssociatedSymbol is IPropertySymbol property
        ? property.Name + (_method.MethodKind == MethodKind.PropertySet ? ".set" : ".get")
        : _method.Name;

    public static MethodFacts Scan(IMethodSymbol method, INamedTypeSymbol type, Markers markers, HandlerEntry? entry, ITypeSymbol? stateType, ImmutableArray<IOperation> blocks)
    {
        var scan = new BodyScan(method, type, markers, entry, stateType);
        IOperation[] operations = blocks.SelectMany(b => b.DescendantsAndSelf()).ToArray();
        scan.FindTaintedValues(operations);
        scan.FindDeferredWork(operations);
        foreach (IOperation operation in operations) scan.Inspect(operation);
        return new MethodFacts(scan._calls.ToImmutableArray(), scan.WithoutNestedRepeats(), scan._declaresNonSeekable, scan._writesPosition, scan._returnsComputedValue);
    }

    // ---- deferred work ------------------------------------------------------------------------

    private void FindDeferredWork(IOperation[] operations)
    {
        // Lambdas stored in a local and handed over through it: Action work = () => ...; Task.Run(work);
        var lambdaLocals = new Dictionary<ILocalSymbol, IAnonymousFunctionOperation>(SymbolEqualityComparer.Default);
        foreach (IVariableDeclaratorOperation declarator in operations.OfType<IVariableDeclaratorOperation>())
        {
            if (declarator.Initializer?.Value is { } value && Unwrap(value) is IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda })
            {
                lambdaLocals[declarator.Symbol] = lambda;
            }
        }

        var deferredLocalFunctions = new Dictionary<IMethodSymbol, Deferral>(SymbolEqualityComparer.Default);
        foreach (IOperation operation in operations)
        {
            (Deferral? deferral, IEnumerable<IOperation> handedOver) = operation switch
            {
                IInvocationOperation i => (DeferredWork.Of(i.TargetMethod), i.Arguments.Select(a => a.Value)),
                IObjectCreationOperation c => (DeferredWork.Of(c.Constructor), c.Arguments.Select(a => a.Value)),
                IEventAssignmentOperation { Adds: true } e when e.EventReference is IEventReferenceOperation r => (DeferredWork.Of(r.Event.AddMethod), new[] { e.HandlerValue }),
                _ => (null, Enumerable.Empty<IOperation>()),
            };
            if (deferral is null) continue;

            foreach (IOperation value in handedOver)
            {
                switch (Unwrap(value))
                {
                    case IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda }:
                        _deferredFunctions[lambda] = deferral;
                        break;
                    case IDelegateCreationOperation { Target: IMethodReferenceOperation { Method: var target } }:
                        if (target.MethodKind == MethodKind.LocalFunction) deferredLocalFunctions[target.OriginalDefinition] = deferral;
                        else if (IsOwnMethod(target)) _calls.Add(new Call(target.OriginalDefinition, UnderLock: false, Deferred: true, deferral.Description));
                        break;
                    case ILocalReferenceOperation local when lambdaLocals.TryGetValue(local.Local, out IAnonymousFunctionOperation? stored):
                        _deferredFunctions[stored] = deferral;
                        break;
                    default:
                        // State handed to the work (QueueUserWorkItem's state, StartNew's state).
                        if (deferral.Later && FirstCallScopedReference(value) is { } reference)
                        {
                            AddDeferredFinding(reference, $"hands {Describe(reference)} to the work", deferral.Description, When.Reached);
                        }
                        break;
                }
            }
        }

        foreach (ILocalFunctionOperation function in operations.OfType<ILocalFunctionOperation>())
        {
            if (deferredLocalFunctions.TryGetValue(function.Symbol.OriginalDefinition, out Deferral? deferral)) _deferredFunctions[function] = deferral;
        }
    }

    /// <summary>The deferred work <paramref name="operation"/> runs in, its boundary (null: the async method itself), and whether a lock is held where it runs.</summary>
    private (Deferral? Deferral, IOperation? Boundary, bool Locked) Region(IOperation operation)
    {
        bool locked = false;
        IOperation child = operation;
        for (IOperation? parent = operation.Parent; parent is not null; child = parent, parent = parent.Parent)
        {
            switch (parent)
            {
                case ILockOperation @lock when child == @lock.Body:
                    locked = true;
                    break;
                case IUsingOperation @using when child != @using.Resources && HoldsKernelMutex(@using.Resources):
                    locked = true;
                    break;
                case IBlockOperation block when KernelMutexHeldBefore(block, child):
                    locked = true;
                    break;
                case IAnonymousFunctionOperation or ILocalFunctionOperation:
                    if (_deferredFunctions.TryGetValue(parent, out Deferral? deferral)) return (deferral, parent, locked);
                    if (IsAsync(parent) && AfterAwait(parent, operation)) return (Deferral.AfterAwait, parent, locked);
                    break; // a synchronous lambda or local function runs where it is called
            }
        }
        if (_method.IsAsync && AfterAwait(RootOf(operation), operation))
        {
            return (Deferral.AfterAwait, null, locked);
        }
        return (null, null, locked);
    }

    private static IOperation RootOf(IOperation operation)
    {
        IOperation root = operation;
        while (root.Parent is not null) root = root.Parent;
        return root;
    }

    private static bool IsAsync(IOperation function) => function switch
    {
        IAnonymousFunctionOperation a => a.Symbol.IsAsync,
        ILocalFunctionOperation l => l.Symbol.IsAsync,
        _ => false,
    };

    /// <summary>True when <paramref name="operation"/> can run after an await of <paramref name="function"/>: it follows one, or shares a loop with one.</summary>
    private bool AfterAwait(IOperation function, IOperation operation)
    {
        if (!_awaits.TryGetValue(function, out var awaits))
        {
            var starts = new List<int>();
            var loops = new List<TextSpanPair>();
            foreach (IOperation o in OwnOperations(function))
            {
                bool awaiting = o is IAwaitOperation || o is IForEachLoopOperation { IsAsynchronous: true } || o is IUsingOperation { IsAsynchronous: true } || o is IUsingDeclarationOperation { IsAsynchronous: true };
                if (!awaiting) continue;
                starts.Add(o.Syntax.SpanStart);
                for (IOperation? p = o.Parent; p is not null && p != function; p = p.Parent)
                {
                    if (p is ILoopOperation) loops.Add(new TextSpanPair(p.Syntax.Span.Start, p.Syntax.Span.End));
                }
            }
            awaits = (starts.Count > 0, starts, loops);
            _awaits[function] = awaits;
        }
        if (!awaits.HasAwait) return false;
        int at = operation.Syntax.SpanStart;
        return awaits.AwaitStarts.Any(s => s < at) || awaits.AwaitLoops.Any(l => l.Start <= at && at < l.End);
    }

    /// <summary>The operations of a function's own body, not of the functions nested in it.</summary>
    private static IEnumerable<IOperation> OwnOperations(IOperation function)
    {
        var stack = new Stack<IOperation>(function.ChildOperations);
        while (stack.Count > 0)
        {
            IOperation o = stack.Pop();
            yield return o;
            if (o is IAnonymousFunctionOperation or ILocalFunctionOperation) continue;
            foreach (IOperation c in o.ChildOperations) stack.Push(c);
        }
    }

    // ---- values valid only during the call, values identifying the file ----------------------

    private void FindTaintedValues(IOperation[] operations)
    {
        foreach (IParameterSymbol parameter in _method.Parameters)
        {
            if (_markers.IsCallScopedType(parameter.Type)) _callScoped.Add(parameter);
            if (_markers.IsFileRef(parameter.Type)) _fileIdentity.Add(parameter);
        }
        if (_entry is not null)
        {
            for (int i = 0; i < _method.Parameters.Length && _entry.Invoke is { } invoke; i++)
            {
                if (Markers.Has(invoke.Parameters[i], _markers.CallScoped)) _callScoped.Add(_method.Parameters[i]);
            }
        }

        // A local made from such a value is such a value: nuint address = argument + 8;
        var flows = new List<(ILocalSymbol Local, IOperation Value)>();
        foreach (IOperation operation in operations)
        {
            if (operation is IVariableDeclaratorOperation { Initializer.Value: { } init } declarator) flows.Add((declarator.Symbol, init));
            else if (operation is ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment) flows.Add((target.Local, assignment.Value));
        }
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach ((ILocalSymbol local, IOperation value) in flows)
            {
                if (!_callScoped.Contains(local) && FirstCallScopedReference(value) is not null) changed |= _callScoped.Add(local);
                if (!_fileIdentity.Contains(local) && IdentifiesFile(value)) changed |= _fileIdentity.Add(local);
            }
        }
    }

    private IOperation? FirstCallScopedReference(IOperation value) =>
        value.DescendantsAndSelf().FirstOrDefault(o => ReferencedSymbol(o) is { } s && IsCallScoped(s, o));

    private bool IsCallScoped(ISymbol symbol, IOperation reference) =>
        _callScoped.Contains(symbol) || (symbol is ILocalSymbol && _markers.IsCallScopedType(reference.Type));

    private static ISymbol? ReferencedSymbol(IOperation operation) => operation switch
    {
        ILocalReferenceOperation l => l.Local,
        IParameterReferenceOperation p => p.Parameter,
        _ => null,
    };

    /// <summary>
    /// True when <paramref name="value"/> identifies the open file: the <c>FileRef</c> itself, its
    /// pointer, its private data word or hash, or a local made from one (not what is reached through
    /// it: its inode, its device's data, its flags).
    /// </summary>
    private bool IdentifiesFile(IOperation value)
    {
        foreach (IOperation o in value.DescendantsAndSelf())
        {
            if (ReferencedSymbol(o) is not { } symbol || !_fileIdentity.Contains(symbol)) continue;
            if (symbol is ILocalSymbol) return true;
            ITypeSymbol? reached = o.Parent switch
            {
                IPropertyReferenceOperation p when p.Instance == o => p.Type,
                IInvocationOperation i when i.Instance == o => i.Type,
                _ => null,
            };
            if (reached is null || reached is IPointerTypeSymbol || reached.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr or SpecialType.System_Int32) return true;
        }
        return false;
    }

    private string Describe(IOperation reference)
    {
        ISymbol symbol = ReferencedSymbol(reference)!;
        if (_markers.IsCallScopedType(reference.Type))
        {
            return $"'{symbol.Name}' (a {reference.Type!.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}, valid only during the call)";
        }
        return symbol is IParameterSymbol
            ? $"'{symbol.Name}', which is valid only during the handler call (a user-space address of the calling task)"
            : $"'{symbol.Name}', made from a value valid only during the handler call";
    }

    // ---- the walk -----------------------------------------------------------------------------

    private void Inspect(IOperation operation)
    {
        switch (operation)
        {
            case IInvocationOperation invocation:
                InspectInvocation(invocation);
                break;

            case IPropertyReferenceOperation property:
                InspectProperty(property);
                break;

            case IAssignmentOperation assignment:
                InspectAssignment(assignment);
                break;

            case IIncrementOrDecrementOperation increment:
                CheckStaticWrite(increment.Target, simple: false, increment);
                NotePositionWrite(increment.Target);
                break;

            case IConversionOperation { Operand: var operand } conversion when _markers.IsErrno(operand.Type) && Markers.IsNumber(conversion.Type):
                CheckErrnoNumber(conversion, operand);
                break;

            case ILocalReferenceOperation or IParameterReferenceOperation:
                InspectReference(operation);
                break;

            case IReturnOperation { ReturnedValue: { } returned } @return when !InNestedFunction(@return):
                IOperation value = Unwrap(returned);
                if (!value.ConstantValue.HasValue && !_markers.IsErrno(value.Type)) _returnsComputedValue = true;
                break;
        }
    }

    private void InspectInvocation(IInvocationOperation invocation)
    {
        IMethodSymbol target = invocation.TargetMethod;
        var region = Region(invocation);

        if (IsOwnMethod(target))
        {
            _calls.Add(new Call(target.OriginalDefinition, region.Locked, region.Deferral is not null, region.Deferral?.Description));
        }

        if (region.Deferral is null && BlockingCall(target) is { } blocking)
        {
            Add(DiagnosticDescriptors.BlocksOnTask, invocation, When.ReachedInCall, blocking);
        }

        if (_markers.IsCallScopedMethod(target))
        {
            string what = $"calls '{target.ContainingType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}.{target.Name}', which acts on the calling task";
            if (region.Deferral is { } deferral) AddDeferredFinding(invocation, what, deferral.Description, When.Reached);
            else AddDeferredFinding(invocation, what, how: null, When.ReachedDeferred);
        }

        if (Markers.Has(target.OriginalDefinition, _markers.FilePosition))
        {
            Add(DiagnosticDescriptors.PositionBypassed, invocation, When.ReachedFromPositionHandler,
                $"reads f_pos with {target.Name}() (reached from handler '{Finding.HandlerToken}'); a read or write works at its position parameter (f_pos under f_pos_lock for read(2), the offset for pread(2)): use it");
        }

        if (invocation.Instance is IParameterReferenceOperation && Markers.Has(target.OriginalDefinition, _markers.DeclaredNonSeekable))
        {
            _declaresNonSeekable = true;
        }

        // Convert.ToInt64(Errno.EINVAL) and friends.
        if (SymbolEqualityComparer.Default.Equals(target.ContainingType, _markers.Convert) && Markers.IsNumber(target.ReturnType) &&
            invocation.Arguments.Length >= 1 && Unwrap(invocation.Arguments[0].Value) is var converted && _markers.IsErrno(converted.Type))
        {
            CheckErrnoNumber(invocation, converted);
        }

        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out)
            {
                if (!_markers.IsAtomicAccess(target)) CheckStaticWrite(argument.Value, simple: argument.Parameter.RefKind == RefKind.Out, argument.Value);
                NotePositionWrite(argument.Value);
            }
        }

        if (invocation.Instance is { } instance && IsStaticCollection(instance))
        {
            CheckPerOpenKeys(instance, invocation.Arguments.Select(a => a.Value), invocation);
        }
    }

    private void InspectProperty(IPropertyReferenceOperation property)
    {
        if (property.Property.Name == "Result" && IsTaskType(property.Property.ContainingType) && Region(property).Deferral is null)
        {
            Add(DiagnosticDescriptors.BlocksOnTask, property, When.ReachedInCall, "reads Task.Result");
        }

        // A property of the type with accessor bodies: its getter and/or setter are called.
        if (SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, _type) && !IsAutoProperty(property.Property))
        {
            var region = Region(property);
            bool written = property.Parent is IAssignmentOperation a && a.Target == property || property.Parent is IIncrementOrDecrementOperation;
            bool read = !(property.Parent is ISimpleAssignmentOperation s && s.Target == property);
            if (written && property.Property.SetMethod is { } setter) _calls.Add(new Call(setter.OriginalDefinition, region.Locked, region.Deferral is not null, region.Deferral?.Description));
            if (read && property.Property.GetMethod is { } getter) _calls.Add(new Call(getter.OriginalDefinition, region.Locked, region.Deferral is not null, region.Deferral?.Description));
        }

        if (property.Property.IsIndexer && property.Instance is { } instance && IsStaticCollection(instance))
        {
            CheckPerOpenKeys(instance, property.Arguments.Select(a => a.Value), property);
        }
    }

    private void InspectAssignment(IAssignmentOperation assignment)
    {
        if (assignment is IDeconstructionAssignmentOperation deconstruction)
        {
            foreach (IOperation target in TupleElements(deconstruction.Target))
            {
                CheckStaticWrite(target, simple: true, target);
                NotePositionWrite(target);
            }
            return;
        }

        CheckStaticWrite(assignment.Target, assignment is ISimpleAssignmentOperation, assignment);
        NotePositionWrite(assignment.Target);

        if (StaticRoot(assignment.Target) is { } root)
        {
            IOperation value = Unwrap(assignment.Value);
            if (_stateType is not null && SymbolEqualityComparer.Default.Equals(value.Type, _stateType))
            {
                Add(DiagnosticDescriptors.PerOpenStateInStatic, assignment, When.Reached,
                    $"stores the per-open state '{_stateType.Name}' in static '{Name(root)}'");
            }
            else if (assignment is ISimpleAssignmentOperation &&
                (value is IObjectCreationOperation { Type.IsReferenceType: true } || IdentifiesFile(value)))
            {
                Add(DiagnosticDescriptors.PerOpenStateInStatic, assignment, When.ReachedFromOpen,
                    $"stores what this open made in static '{Name(root)}', which the next open overwrites");
            }
        }
    }

    private void InspectReference(IOperation reference)
    {
        if (ReferencedSymbol(reference) is not { } symbol || !IsCallScoped(symbol, reference)) return;
        var region = Region(reference);
        if (region.Deferral is not { Later: true } deferral || region.Boundary is null) return;
        // Only what the work captured from outside: its own values are its own.
        if (symbol.DeclaringSyntaxReferences.FirstOrDefault() is { } declaration && region.Boundary.Syntax.Span.Contains(declaration.Span)) return;
        AddDeferredFinding(reference, "uses " + Describe(reference), deferral.Description, When.Reached);
    }

    internal static IEnumerable<IOperation> TupleElements(IOperation target)
    {
        switch (target)
        {
            case ITupleOperation tuple:
                foreach (IOperation element in tuple.Elements)
                {
                    foreach (IOperation e in TupleElements(element)) yield return e;
                }
                break;
            case IDeclarationExpressionOperation:
                break; // (var a, var b) = ...: new locals
            default:
                yield return target;
                break;
        }
    }

    // ---- KOPS0010 -----------------------------------------------------------------------------

    /// <summary>
    /// A write whose target is static storage: a static field (not const, [ThreadStatic], or
    /// volatile for a plain store), a field or auto-property of a struct held in one, an element of
    /// an array held in one, or a static auto-property declared in source; outside a lock or a held
    /// KernelMutex guard.
    /// </summary>
    private void CheckStaticWrite(IOperation target, bool simple, IOperation write)
    {
        if (StaticRoot(target) is not { } root) return;
        if (root is IFieldSymbol field && (field.IsConst || Markers.Has(field, _markers.ThreadStatic) || (simple && field.IsVolatile && target is IFieldReferenceOperation { Instance: null }))) return;
        if (root is IPropertySymbol property && !(IsAutoProperty(property) && property.Locations.Any(l => l.IsInSource))) return;
        if (target is IPropertyReferenceOperation { Instance: null, Property: var own } && SymbolEqualityComparer.Default.Equals(own.ContainingType, _type) && !IsAutoProperty(own)) return; // its setter's body is analysed

        var region = Region(write);
        if (region.Locked) return;

        string kind = target switch
        {
            IArrayElementReferenceOperation => "array element",
            IFieldReferenceOperation { Instance: not null } or IPropertyReferenceOperation { Instance: not null } => "struct member",
            IPropertyReferenceOperation => "property",
            _ => "field",
        };
        ImmutableDictionary<string, string?>? properties = InterlockedFix(target, write) is { } fix
            ? ImmutableDictionary<string, string?>.Empty.Add(KnownNames.FixProperty, fix)
            : null;
        // Deferred work runs without the caller's locks: report it however the method is reached.
        _findings.Add(new Finding(DiagnosticDescriptors.UnsynchronizedStaticWrite, write.Syntax.GetLocation(),
            new[] { MethodName, kind, Name(target) }, region.Deferral is null ? When.ReachedUnlocked : When.Reached, properties));
    }

    /// <summary>The Interlocked call that makes the write atomic, when it is mechanical: ++/--/+=/-= of an int, long, uint or ulong field.</summary>
    private static string? InterlockedFix(IOperation target, IOperation write)
    {
        if (target is not IFieldReferenceOperation { Field.IsReadOnly: false } field) return null;
        bool signed = field.Field.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64;
        bool unsigned = field.Field.Type.SpecialType is SpecialType.System_UInt32 or SpecialType.System_UInt64;
        if (!signed && !unsigned) return null;
        return write switch
        {
            IIncrementOrDecrementOperation { IsPostfix: true } i when i.Parent is not IExpressionStatementOperation => null, // its value is the old one
            IIncrementOrDecrementOperation i => i.Kind == OperationKind.Increment ? "Increment" : "Decrement",
            ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Add, OperatorMethod: null, IsChecked: false } => "Add",
            ICompoundAssignmentOperation { OperatorKind: BinaryOperatorKind.Subtract, OperatorMethod: null, IsChecked: false } when signed => "Subtract",
            _ => null,
        };
    }

    /// <summary>The static field or property whose storage <paramref name="target"/> writes, or null.</summary>
    internal static ISymbol? StaticRoot(IOperation target) => target switch
    {
        IFieldReferenceOperation { Field: { IsStatic: true } field } => field,
        IPropertyReferenceOperation { Property: { IsStatic: true } property } => property,
        IFieldReferenceOperation { Instance: { } instance, Field.ContainingType.IsValueType: true } => StaticRoot(instance),
        IPropertyReferenceOperation { Instance: { } instance, Property.ContainingType.IsValueType: true } p when IsAutoProperty(p.Property) => StaticRoot(instance),
        IArrayElementReferenceOperation { ArrayReference: var array } => StaticRoot(array),
        _ => null,
    };

    private static string Name(ISymbol symbol) => symbol.ContainingType.Name + "." + symbol.Name;

    private static string Name(IOperation target) => target switch
    {
        IFieldReferenceOperation { Instance: { } i } f => Name(i) + "." + f.Field.Name,
        IPropertyReferenceOperation { Instance: { } i } p => Name(i) + "." + p.Property.Name,
        IArrayElementReferenceOperation a => Name(a.ArrayReference) + "[...]",
        IFieldReferenceOperation f => Name(f.Field),
        IPropertyReferenceOperation p => Name(p.Property),
        _ => target.Syntax.ToString(),
    };

    internal static bool IsAutoProperty(IPropertySymbol property) =>
        property.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));

    private static bool HoldsKernelMutex(IOperation resource) => resource switch
    {
        IVariableDeclarationGroupOperation group => group.Declarations.Any(d => d.Declarators.Any(v => IsKernelMutexGuard(v.Symbol.Type))),
        _ => IsKernelMutexGuard(resource.Type),
    };

    private static bool KernelMutexHeldBefore(IBlockOperation block, IOperation child)
    {
        foreach (IOperation statement in block.Operations)
        {
            if (statement == child) return false;
            if (statement is IUsingDeclarationOperation { DeclarationGroup: var group } && HoldsKernelMutex(group)) return true;
        }
        return false;
    }

    private static bool IsKernelMutexGuard(ITypeSymbol? type) =>
        type is { Name: "Guard", ContainingType: { Name: "KernelMutex", ContainingNamespace: { Name: "KernelOps", ContainingNamespace.IsGlobalNamespace: true } } };

    // ---- KOPS0009 -----------------------------------------------------------------------------

    private static string? BlockingCall(IMethodSymbol method)
    {
        INamedTypeSymbol? type = method.ContainingType;
        if (type is null) return null;
        string ns = type.ContainingNamespace?.ToDisplayString() ?? string.Empty;
        if (ns is not ("System.Threading.Tasks" or "System.Runtime.CompilerServices")) return null;
        return method.Name switch
        {
            "Wait" or "WaitAll" or "WaitAny" when type.Name == "Task" => $"calls Task.{method.Name}()",
            "GetResult" when type.Name.EndsWith("Awaiter", System.StringComparison.Ordinal) => "calls GetAwaiter().GetResult()",
            _ => null,
        };
    }

    private static bool IsTaskType(INamedTypeSymbol? type) =>
        type is { Name: "Task" or "ValueTask", ContainingNamespace: var ns } && ns?.ToDisplayString() == "System.Threading.Tasks";

    // ---- KOPS0015 -----------------------------------------------------------------------------

    /// <summary>
    /// An Errno made a number: follows the number through negation, numeric conversions and
    /// arithmetic to where it is used, and reports it unless it is only compared, formatted,
    /// matched or used as an index. Fixable when that use takes an Errno as well (a KResult).
    /// </summary>
    private void CheckErrnoNumber(IOperation conversion, IOperation errno)
    {
        IOperation top = conversion;
        bool combined = false; // with other numbers: replacing it all with the Errno would drop them
        while (top.Parent is { } parent && CarriesTheNumber(parent))
        {
            combined |= parent is IBinaryOperation;
            top = parent;
        }
        if (!_errnoReported.Add(top)) return;

        // Through implicit conversions to non-numbers (boxing for string concatenation or formatting).
        IOperation consumed = top;
        while (consumed.Parent is IConversionOperation { IsImplicit: true, OperatorMethod: null } boxing && !Markers.IsNumber(boxing.Type)) consumed = boxing;
        switch (consumed.Parent)
        {
            case IBinaryOperation b when !IsArithmetic(b.OperatorKind) || b.Type?.SpecialType == SpecialType.System_String:
            case IInterpolationOperation:
            case IIsPatternOperation:
            case ISwitchExpressionOperation s when s.Value == consumed:
            case ISwitchOperation:
            case IArrayElementReferenceOperation a when a.ArrayReference != consumed:
                return; // compared, formatted, matched, an index: not a result
        }

        IOperation use = top;
        while (use.Parent is IConditionalOperation c && (c.WhenTrue == use || c.WhenFalse == use)) use = c;
        bool fixable = !combined && use.Parent is IConversionOperation { OperatorMethod: not null } toResult && AcceptsErrno(toResult.Type);

        _findings.Add(new Finding(DiagnosticDescriptors.ErrnoAsNumber, top.Syntax.GetLocation(),
            new[] { MethodName, errno.Syntax.ToString(), top.Syntax.ToString() }, When.Reached,
            fixable ? ImmutableDictionary<string, string?>.Empty.Add(KnownNames.FixProperty, KnownNames.FixReturnErrno) : null,
            related: errno.Syntax.GetLocation()));
    }

    /// <summary>An operation whose value is still the number it was given: negation, a numeric conversion, arithmetic.</summary>
    private static bool CarriesTheNumber(IOperation parent) => parent switch
    {
        IUnaryOperation { OperatorMethod: null } => true,
        IConversionOperation { OperatorMethod: null } c => Markers.IsNumber(c.Type),
        IBinaryOperation { OperatorMethod: null } b => IsArithmetic(b.OperatorKind) && Markers.IsNumber(b.Type),
        _ => false,
    };

    private static bool IsArithmetic(BinaryOperatorKind kind) => kind is
        BinaryOperatorKind.Add or BinaryOperatorKind.Subtract or BinaryOperatorKind.Multiply or BinaryOperatorKind.Divide or
        BinaryOperatorKind.Remainder or BinaryOperatorKind.LeftShift or BinaryOperatorKind.RightShift or BinaryOperatorKind.UnsignedRightShift or
        BinaryOperatorKind.And or BinaryOperatorKind.Or or BinaryOperatorKind.ExclusiveOr;

    /// <summary>True for a result type an Errno converts to implicitly (KResult, KResult&lt;T&gt;, OpenResult&lt;T&gt;).</summary>
    private bool AcceptsErrno(ITypeSymbol? type) => ErrnoResults.AcceptsErrno(type, _markers.Errno);

    // ---- KOPS0016 -----------------------------------------------------------------------------

    private void AddDeferredFinding(IOperation at, string what, string? how, When when) =>
        _findings.Add(new Finding(DiagnosticDescriptors.DeferredWorkUsesCallScoped, at.Syntax.GetLocation(),
            new[] { MethodName, what, how ?? string.Empty }, when));

    // ---- KOPS0017 -----------------------------------------------------------------------------

    private bool IsStaticCollection(IOperation instance) => StaticRoot(instance) is not null && _markers.IsCollection(instance.Type);

    private void CheckPerOpenKeys(IOperation collection, IEnumerable<IOperation> arguments, IOperation use)
    {
        foreach (IOperation argument in arguments)
        {
            if (IdentifiesFile(argument))
            {
                Add(DiagnosticDescriptors.PerOpenStateInStatic, use, When.Reached, $"keeps data in static '{Name(collection)}' keyed by the open file");
                return;
            }
            if (_stateType is not null && SymbolEqualityComparer.Default.Equals(Unwrap(argument).Type, _stateType))
            {
                Add(DiagnosticDescriptors.PerOpenStateInStatic, use, When.Reached, $"puts the per-open state '{_stateType.Name}' in static '{Name(collection)}'");
                return;
            }
        }
    }

    // ---- KOPS0019 -----------------------------------------------------------------------------

    private void NotePositionWrite(IOperation target)
    {
        if (_position is not null && target is IParameterReferenceOperation p && SymbolEqualityComparer.Default.Equals(p.Parameter, _position))
        {
            _writesPosition = true;
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    private bool IsOwnMethod(IMethodSymbol method) =>
        SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, _type) &&
        method.MethodKind is MethodKind.Ordinary or MethodKind.PropertyGet or MethodKind.PropertySet;

    private static bool InNestedFunction(IOperation operation)
    {
        for (IOperation? p = operation.Parent; p is not null; p = p.Parent)
        {
            if (p is IAnonymousFunctionOperation or ILocalFunctionOperation) return true;
        }
        return false;
    }

    /// <summary>Strips implicit conversions and delegate-typed conversions around a value.</summary>
    internal static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation { IsImplicit: true } c) operation = c.Operand;
        return operation;
    }

    private void Add(DiagnosticDescriptor descriptor, IOperation at, When when, string what) =>
        _findings.Add(new Finding(descriptor, at.Syntax.GetLocation(), new[] { MethodName, what }, when));

    /// <summary>KOPS0016 once per place: a call inside a reported use of a captured value reports the call only.</summary>
    private ImmutableArray<Finding> WithoutNestedRepeats()
    {
        var result = ImmutableArray.CreateBuilder<Finding>(_findings.Count);
        foreach (Finding finding in _findings)
        {
            bool nested = finding.Descriptor == DiagnosticDescriptors.DeferredWorkUsesCallScoped && _findings.Any(other =>
                other != finding && other.Descriptor == finding.Descriptor && other.When == finding.When &&
                other.Location.SourceSpan.Contains(finding.Location.SourceSpan) && other.Location.SourceSpan != finding.Location.SourceSpan);
            if (!nested) result.Add(finding);
        }
        return result.ToImmutable();
    }
}
