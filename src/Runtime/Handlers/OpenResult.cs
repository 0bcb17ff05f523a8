using System;
using System.Diagnostics.CodeAnalysis;

namespace KernelOps;

/// <summary>
/// What a stateful open handler returns: the new per-open state, or an <see cref="Errno"/>. Both
/// convert implicitly: <c>return new Reader(device);</c> and <c>return Errno.EBUSY;</c>. The thunk
/// stores the state in <c>file-&gt;private_data</c> as one GCHandle word; release takes it back.
/// </summary>
public readonly struct OpenResult<TState> where TState : class
{
    private readonly TState? _state;
    private readonly Errno _error;

    private OpenResult(TState? state, Errno error)
    {
        _state = state;
        _error = error;
    }

    /// <summary>True when open succeeded.</summary>
    public bool IsOk => _error == 0;

    /// <summary>The error, or 0 on success.</summary>
    public Errno Error => _error;

    /// <summary>The state on success.</summary>
    public bool TryGetState([NotNullWhen(true)] out TState? state)
    {
        state = _state;
        return _error == 0 && state is not null;
    }

    /// <summary>A success carrying <paramref name="state"/> (which must not be null).</summary>
    public static OpenResult<TState> Ok(TState state) => new(state ?? throw new ArgumentNullException(nameof(state)), 0);

    /// <summary>A failure.</summary>
    public static OpenResult<TState> Fail(Errno error) =>
        new(null, NotAnErrnoException.Check(error));

    /// <summary>Makes a success from the state.</summary>
    public static implicit operator OpenResult<TState>(TState state) => Ok(state);

    /// <summary>Makes a failure from an errno.</summary>
    public static implicit operator OpenResult<TState>(Errno error) => Fail(error);

    /// <inheritdoc/>
    public override string ToString() => IsOk ? $"Ok({_state})" : $"-{_error}";
}
