using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace KernelOps;

/// <summary>
/// The result of a handler that returns only success or an error: <c>0</c> or <c>-errno</c> on the
/// C side. An <see cref="Errno"/> converts implicitly, so handlers write <c>return Errno.EINVAL;</c>.
/// </summary>
public readonly struct KResult : IEquatable<KResult>
{
    private readonly Errno _error;

    private KResult(Errno error) => _error = error;

    /// <summary>Success.</summary>
    public static KResult Ok => default;

    /// <summary>True when this is success.</summary>
    public bool IsOk => _error == 0;

    /// <summary>The error, or 0 on success.</summary>
    public Errno Error => _error;

    /// <summary>
    /// An error result. Zero or negative values are rejected (<see cref="NotAnErrnoException"/>): an
    /// error must be an errno, and 0 is success (<see cref="Ok"/>).
    /// </summary>
    public static KResult Fail(Errno error) => new(NotAnErrnoException.Check(error));

    /// <summary>Makes an error result from an errno.</summary>
    public static implicit operator KResult(Errno error) => Fail(error);

    /// <summary>
    /// This result with <paramref name="value"/> on success: the one-liner for a handler whose last
    /// step can only succeed or fail and whose result carries a value, as C's
    /// <c>return copy_to_user(argp, &amp;info, sizeof(info)) ? -EFAULT : 0;</c> is
    /// <c>return new UserPtr&lt;Info&gt;(argument).Write(in info).WithValue(0L);</c>. An error stays
    /// that error. (There is no conversion from <see cref="KResult"/> to <see cref="KResult{T}"/>:
    /// a success carries no value, so <c>return ptr.Write(in v);</c> does not compile.)
    /// </summary>
    public KResult<T> WithValue<T>(T value) where T : unmanaged, IEquatable<T> =>
        IsOk ? KResult<T>.Ok(value) : KResult<T>.Fail(_error);

    /// <summary>The C return convention: 0, or the negated errno.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ToNative() => -(int)_error;

    /// <inheritdoc/>
    public bool Equals(KResult other) => _error == other._error;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is KResult r && Equals(r);
    /// <inheritdoc/>
    public override int GetHashCode() => (int)_error;
    /// <inheritdoc/>
    public override string ToString() => IsOk ? "Ok" : $"-{_error}";
    /// <summary>Equality.</summary>
    public static bool operator ==(KResult a, KResult b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(KResult a, KResult b) => !a.Equals(b);
}

/// <summary>
/// A handler result carrying a value on success (a byte count, a file position) or an
/// <see cref="Errno"/>. Both convert implicitly: <c>return n;</c> and <c>return Errno.EFAULT;</c>.
/// A value-less <see cref="KResult"/> does not (its success has no value to carry): pass its
/// error on with <c>return r.Error;</c>, or give it one with <see cref="KResult.WithValue{T}"/>.
/// </summary>
public readonly struct KResult<T> : IEquatable<KResult<T>> where T : unmanaged, IEquatable<T>
{
    private readonly T _value;
    private readonly Errno _error;

    private KResult(T value, Errno error)
    {
        _value = value;
        _error = error;
    }

    /// <summary>True when this is a value, not an error.</summary>
    public bool IsOk => _error == 0;

    /// <summary>The error, or 0 on success.</summary>
    public Errno Error => _error;

    /// <summary>The value; throws when this is an error.</summary>
    public T Value => IsOk ? _value : throw new InvalidOperationException($"The result is the error {_error}.");

    /// <summary>Gets the value when this is a success.</summary>
    public bool TryGetValue([MaybeNullWhen(false)] out T value)
    {
        value = _value;
        return IsOk;
    }

    /// <summary>A success.</summary>
    public static KResult<T> Ok(T value) => new(value, 0);

    /// <summary>An error result. Zero or negative values are rejected, as by <see cref="KResult.Fail"/>.</summary>
    public static KResult<T> Fail(Errno error) => new(default, NotAnErrnoException.Check(error));

    /// <summary>Makes a success from a value.</summary>
    public static implicit operator KResult<T>(T value) => new(value, 0);

    /// <summary>Makes an error result from an errno.</summary>
    public static implicit operator KResult<T>(Errno error) => Fail(error);

    /// <inheritdoc/>
    public bool Equals(KResult<T> other) => _error == other._error && _value.Equals(other._value);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is KResult<T> r && Equals(r);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_value, _error);
    /// <inheritdoc/>
    public override string ToString() => IsOk ? $"Ok({_value})" : $"-{_error}";
    /// <summary>Equality.</summary>
    public static bool operator ==(KResult<T> a, KResult<T> b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(KResult<T> a, KResult<T> b) => !a.Equals(b);
}

/// <summary>
/// Thrown where a failure is made from an <see cref="Errno"/> that is not one: 0 (success; the
/// trap KOPS0020 reports, <c>cond ? 0L : Errno.EINVAL</c>, whose <c>0L</c> becomes <c>(Errno)0</c>)
/// or a negative number (a C-style <c>-EINVAL</c>). Inside a handler the thunk catches it, returns
/// -EIO and logs the handler's name with this message.
/// </summary>
public sealed class NotAnErrnoException : ArgumentOutOfRangeException
{
    private NotAnErrnoException(Errno error)
        : base("error", error, null) => Errno = error;

    /// <summary>The value that was used as a failure.</summary>
    public Errno Errno { get; }

    /// <summary>One line (the base class would append the parameter and the value on lines of their own).</summary>
    public override string Message => Describe(returned: false);

    /// <summary>
    /// What was wrong; <paramref name="returned"/> words it for the thunks' kernel-log line,
    /// "&lt;handler&gt; returned errno 0 as a failure: ...; returning -EIO".
    /// </summary>
    internal string Describe(bool returned)
    {
        string what = Errno == 0 ? "errno 0" : ((int)Errno).ToString(System.Globalization.CultureInfo.InvariantCulture);
        string verb = returned ? $"returned {what} as a failure" : $"{what} was used as a failure";
        return Errno == 0
            ? verb + ": 0 is success, not an errno (success is KResult.Ok or KResult<T>.Ok(value); see KOPS0020)"
            : verb + ", which is not an errno (an errno is positive; the thunk negates it)";
    }

    internal static Errno Check(Errno error) => error > 0 ? error : throw new NotAnErrnoException(error);
}
