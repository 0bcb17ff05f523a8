using System.Text;

namespace KernelOps.Generators.Emit;

/// <summary>A StringBuilder with indentation: generated code is emitted as text, not SyntaxFactory trees.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder;
    private int _indent;

    public SourceWriter(int capacity = 1024) => _builder = new StringBuilder(capacity);

    public SourceWriter Line(string text = "")
    {
        if (text.Length > 0)
        {
            _builder.Append(' ', _indent * 4);
            _builder.Append(text);
        }
        _builder.Append('\n');
        return this;
    }

    public SourceWriter Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return this;
    }

    public SourceWriter Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
        return this;
    }

    public SourceWriter Indent()
    {
        _indent++;
        return this;
    }

    public SourceWriter Outdent()
    {
        _indent--;
        return this;
    }

    public override string ToString() => _builder.ToString();
}
