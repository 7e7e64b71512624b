using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace AvaSdk.HelpBuilder
{
    /// <summary>One cmdlet's page in platyPS's layout, read with Markdig.</summary>
    internal sealed class CommandDoc
    {
        public string Name { get; private set; } = string.Empty;
        public List<string> Synopsis { get; } = new List<string>();
        public List<string> SyntaxSets { get; } = new List<string>();
        public List<string> Description { get; } = new List<string>();
        public List<Example> Examples { get; } = new List<Example>();
        public List<ParameterDoc> Parameters { get; } = new List<ParameterDoc>();
        public List<TypeDoc> Inputs { get; } = new List<TypeDoc>();
        public List<TypeDoc> Outputs { get; } = new List<TypeDoc>();
        public List<string> Notes { get; } = new List<string>();
        public List<(string Text, string Uri)> Links { get; } = new List<(string, string)>();

        public static CommandDoc Read(string path)
        {
            var pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();
            var document = Markdown.Parse(File.ReadAllText(path), pipeline);
            var doc = new CommandDoc();
            string section = string.Empty;
            Example? example = null;
            ParameterDoc? parameter = null;
            TypeDoc? type = null;
            foreach (var block in document)
            {
                switch (block)
                {
                    case HeadingBlock { Level: 1 } h:
                        doc.Name = Text.Of(h.Inline);
                        break;
                    case HeadingBlock { Level: 2 } h:
                        section = Text.Of(h.Inline);
                        example = null; parameter = null; type = null;
                        break;
                    case HeadingBlock { Level: 3 } h:
                        var title = Text.Of(h.Inline);
                        switch (section)
                        {
                            case "SYNTAX": doc.SyntaxSets.Add(title.Replace(" (Default)", string.Empty)); break;
                            case "EXAMPLES": doc.Examples.Add(example = new Example(title)); break;
                            case "PARAMETERS":
                                parameter = title == "CommonParameters" ? null : new ParameterDoc(title.TrimStart('-'));
                                if (parameter != null) doc.Parameters.Add(parameter);
                                break;
                            case "INPUTS": doc.Inputs.Add(type = new TypeDoc(title)); break;
                            case "OUTPUTS": doc.Outputs.Add(type = new TypeDoc(title)); break;
                        }
                        break;
                    case FencedCodeBlock code:
                        var content = string.Join("\n", code.Lines.Lines.Take(code.Lines.Count).Select(l => l.ToString()));
                        if (section == "EXAMPLES" && example != null && example.Code == null)
                            example.Code = content;
                        else if (section == "PARAMETERS" && parameter != null && code.Info == "yaml")
                            parameter.ReadYaml(content);
                        break;
                    case ParagraphBlock or ListBlock:
                        var paragraphs = Text.Paragraphs(block);
                        switch (section)
                        {
                            case "SYNOPSIS": doc.Synopsis.AddRange(paragraphs); break;
                            case "DESCRIPTION": doc.Description.AddRange(paragraphs); break;
                            case "EXAMPLES": example?.Remarks.AddRange(paragraphs); break;
                            case "PARAMETERS": parameter?.Description.AddRange(paragraphs); break;
                            case "INPUTS":
                            case "OUTPUTS": type?.Description.AddRange(paragraphs); break;
                            case "NOTES": doc.Notes.AddRange(paragraphs.SelectMany(ErrorList.Expand)); break;
                            case "RELATED LINKS":
                                if (block is ParagraphBlock { Inline: { } inline })
                                    foreach (var link in inline.Descendants<LinkInline>())
                                        doc.Links.Add((Text.Of(link), link.Url ?? string.Empty));
                                break;
                        }
                        break;
                }
            }
            if (doc.Name.Length == 0)
                throw new InvalidDataException($"{path}: no '# <cmdlet name>' heading.");
            return doc;
        }
    }

    internal sealed class Example
    {
        public Example(string title) => Title = title;
        public string Title { get; }
        public string? Code { get; set; }
        public List<string> Remarks { get; } = new List<string>();
    }

    internal sealed class TypeDoc
    {
        public TypeDoc(string name) => Name = name;
        public string Name { get; }
        public List<string> Description { get; } = new List<string>();
    }

    internal sealed class ParameterDoc
    {
        public ParameterDoc(string name) => Name = name;
        public string Name { get; }
        public List<string> Description { get; } = new List<string>();
        public Dictionary<string, string> Fields { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public string Type => Field("Type");
        public bool IsSwitch => Type == "SwitchParameter";
        public bool Required => Field("Required") == "True";
        public string Position => Field("Position");
        public string Aliases => Field("Aliases");
        public string DefaultValue => Field("Default value");
        public IReadOnlyList<string> AcceptedValues => Field("Accepted values").Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
        public string PipelineInput => Field("Accept pipeline input");
        public bool Globbing => Field("Accept wildcard characters") == "True";

        public bool InSet(string set)
        {
            var sets = Field("Parameter Sets");
            return sets == "(All)" || sets.Split(',').Select(s => s.Trim()).Contains(set);
        }

        public void ReadYaml(string yaml)
        {
            foreach (var line in yaml.Split('\n'))
            {
                var colon = line.IndexOf(':');
                if (colon > 0)
                    Fields[line.Substring(0, colon).Trim()] = line.Substring(colon + 1).Trim();
            }
        }

        private string Field(string name) => Fields.TryGetValue(name, out var value) ? value : string.Empty;
    }

    /// <summary>Plain text of Markdown: what MAML and about topics hold.</summary>
    internal static class Text
    {
        public static string Of(ContainerInline? inline)
        {
            if (inline == null)
                return string.Empty;
            var text = new System.Text.StringBuilder();
            foreach (var child in inline)
            {
                switch (child)
                {
                    case LiteralInline literal: text.Append(literal.Content.ToString()); break;
                    case CodeInline code: text.Append(code.Content); break;
                    case LineBreakInline: text.Append(' '); break;
                    case HtmlEntityInline entity: text.Append(entity.Transcoded.ToString()); break;
                    // <workspace>, <file>: placeholders in the text, which CommonMark reads as HTML tags.
                    case HtmlInline html: text.Append(html.Tag); break;
                    case AutolinkInline autolink: text.Append(autolink.Url); break;
                    case ContainerInline container: text.Append(Of(container)); break;
                }
            }
            return text.ToString();
        }

        /// <summary>A paragraph as one string; a list as one string per item, each starting with "- ".</summary>
        public static IEnumerable<string> Paragraphs(Block block)
        {
            if (block is ParagraphBlock paragraph)
                yield return Of(paragraph.Inline);
            else if (block is ListBlock list)
                foreach (var item in list.OfType<ListItemBlock>())
                    yield return "- " + string.Join(" ", item.OfType<ParagraphBlock>().Select(p => Of(p.Inline)));
        }
    }

    /// <summary>
    /// A page's "Errors: AvaX, AvaY." paragraph, written out from the catalogue (AvaSdk.Errors.AvaErrors): each id with
    /// its category and meaning, so the help says what the code raises. An id the catalogue does not have stops the build.
    /// </summary>
    internal static class ErrorList
    {
        private const string Prefix = "Errors:";

        public static IEnumerable<string> Expand(string paragraph)
        {
            if (!paragraph.StartsWith(Prefix, StringComparison.Ordinal))
            {
                yield return paragraph;
                yield break;
            }
            yield return "Errors (FullyQualifiedErrorId, then ErrorCategory):";
            foreach (var id in paragraph.Substring(Prefix.Length).TrimEnd('.').Split(',').Select(s => s.Trim()).Where(s => s.Length > 0))
            {
                var error = AvaSdk.Errors.AvaErrors.Find(id) ?? throw new InvalidDataException($"The help names the error id '{id}', which AvaSdk.Errors.AvaErrors does not have.");
                yield return $"{error.Id} ({error.Kind}): {error.Meaning}.";
            }
        }
    }
}
