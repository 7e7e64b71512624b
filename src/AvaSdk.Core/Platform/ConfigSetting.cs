namespace AvaSdk
{
    /// <summary>One resolved configuration value and where it came from. Secrets are masked in <see cref="Value"/>.</summary>
    public sealed class ConfigSetting
    {
        public ConfigSetting(string name, string? value, string source, string description)
        {
            Name = name;
            Value = value;
            Source = source;
            Description = description;
        }

        public string Name { get; }

        /// <summary>The value as shown: secrets appear as <c>********</c>, access keys by their first characters.</summary>
        public string? Value { get; }

        /// <summary><c>env:NAME</c>, <c>&lt;file&gt;:key</c>, <c>default</c>, <c>derived</c>, or <c>not set</c>.</summary>
        public string Source { get; }

        public string Description { get; }

        public override string ToString() => $"{Name} = {Value ?? "(not set)"} ({Source})";
    }
}
