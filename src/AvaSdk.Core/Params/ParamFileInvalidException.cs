using System;
using AvaSdk.Errors;

namespace AvaSdk.Params
{
    /// <summary>The params file is not valid JSON (AvaParamFileInvalid); says where.</summary>
    public sealed class ParamFileInvalidException : AvaException
    {
        public ParamFileInvalidException(string path, int line, int position, string reason, Exception inner)
            : base(AvaErrors.ParamFileInvalid,
                $"The params file '{path}' is not valid JSON (line {line}, position {position}): {reason}", path, inner)
        {
            Path = path;
            Line = line;
            Position = position;
        }

        public string Path { get; }

        public int Line { get; }

        public int Position { get; }
    }
}
