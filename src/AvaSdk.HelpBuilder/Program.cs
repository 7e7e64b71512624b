using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml.Linq;
using Markdig;
using Markdig.Syntax;

namespace AvaSdk.HelpBuilder
{
    /// <summary>
    /// docs/*.md (platyPS's layout, one page per cmdlet, plus about_*.md) → the module's help: one MAML file for the
    /// cmdlets' assembly and an about_*.help.txt per topic. Usage: AvaSdk.HelpBuilder &lt;docs folder&gt; &lt;output folder&gt; &lt;assembly file name&gt;.
    /// </summary>
    public static class Program
    {
        private static readonly XNamespace Msh = "http://msh";
        private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        public static int Main(string[] args)
        {
            if (args.Length != 3)
            {
                Console.Error.WriteLine("Usage: AvaSdk.HelpBuilder <docs folder> <output folder> <assembly file name>");
                return 2;
            }
            var (docs, output, assembly) = (args[0], args[1], args[2]);
            Directory.CreateDirectory(output);
            var commands = Directory.GetFiles(docs, "*-*.md").OrderBy(f => f, StringComparer.Ordinal).Select(CommandDoc.Read).ToList();
            var help = new XElement(Msh + "helpItems", new XAttribute("schema", "maml"), commands.Select(ToMaml));
            new XDocument(new XDeclaration("1.0", "utf-8", null), help).Save(Path.Combine(output, $"{assembly}-Help.xml"));
            foreach (var topic in Directory.GetFiles(docs, "about_*.md"))
                File.WriteAllText(Path.Combine(output, Path.GetFileNameWithoutExtension(topic) + ".help.txt"), AboutTopic(topic));
            Console.WriteLine($"Help for {commands.Count} cmdlet(s) written to {output}");
            return 0;
        }

        private static XElement ToMaml(CommandDoc doc)
        {
            var dash = doc.Name.IndexOf('-');
            return new XElement(Command + "command",
                new XAttribute(XNamespace.Xmlns + "maml", Maml), new XAttribute(XNamespace.Xmlns + "command", Command), new XAttribute(XNamespace.Xmlns + "dev", Dev),
                new XElement(Command + "details",
                    new XElement(Command + "name", doc.Name),
                    new XElement(Command + "verb", doc.Name.Substring(0, dash)),
                    new XElement(Command + "noun", doc.Name.Substring(dash + 1)),
                    Description(doc.Synopsis)),
                Description(doc.Description),
                new XElement(Command + "syntax", doc.SyntaxSets.Select(set => SyntaxItem(doc, set))),
                new XElement(Command + "parameters", doc.Parameters.Select(p => Parameter(p, forSyntax: false))),
                new XElement(Command + "inputTypes", doc.Inputs.Select(t => new XElement(Command + "inputType", TypeName(t.Name), Description(t.Description)))),
                new XElement(Command + "returnValues", doc.Outputs.Select(t => new XElement(Command + "returnValue", TypeName(t.Name), Description(t.Description)))),
                new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paras(doc.Notes))),
                new XElement(Command + "examples", doc.Examples.Select((e, i) => new XElement(Command + "example",
                    new XElement(Maml + "title", $"-------------------------- {e.Title} --------------------------"),
                    new XElement(Dev + "code", e.Code ?? string.Empty),
                    new XElement(Dev + "remarks", Paras(e.Remarks))))),
                new XElement(Command + "relatedLinks", doc.Links.Select(l => new XElement(Maml + "navigationLink",
                    new XElement(Maml + "linkText", l.Text), new XElement(Maml + "uri", l.Uri)))));
        }

        // The parameters of one set as in-box cmdlets list them: positional ones in order, then the mandatory, the other
        // values, the switches. Get-Help prints a switch as [-Name] and a value as [-Name] <Type>, so switches carry no
        // parameterValue.
        private static XElement SyntaxItem(CommandDoc doc, string set)
        {
            var parameters = doc.Parameters.Where(p => set == "__AllParameterSets" || p.InSet(set))
                .OrderBy(p => int.TryParse(p.Position, out var position) ? position : int.MaxValue)
                .ThenBy(p => p.Required ? 0 : p.IsSwitch ? 2 : 1);
            return new XElement(Command + "syntaxItem", new XElement(Maml + "name", doc.Name), parameters.Select(p => Parameter(p, forSyntax: true)));
        }

        private static XElement Parameter(ParameterDoc p, bool forSyntax)
        {
            var position = p.Position.Length == 0 || p.Position == "Named" ? "named" : p.Position;
            var pipeline = p.PipelineInput.StartsWith("True", StringComparison.Ordinal) ? "true " + p.PipelineInput.Substring(4).Trim() : "false";
            var element = new XElement(Command + "parameter",
                new XAttribute("required", p.Required ? "true" : "false"),
                new XAttribute("variableLength", p.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
                new XAttribute("globbing", p.Globbing ? "true" : "false"),
                new XAttribute("pipelineInput", pipeline),
                new XAttribute("position", position),
                new XAttribute("aliases", p.Aliases.Length == 0 ? "none" : p.Aliases),
                new XElement(Maml + "name", p.Name));
            if (!forSyntax)
                element.Add(Description(p.Description));
            if (p.AcceptedValues.Count > 0)
                element.Add(new XElement(Command + "parameterValueGroup", p.AcceptedValues.Select(v =>
                    new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute("variableLength", "false"), v))));
            if (!p.IsSwitch)
                element.Add(new XElement(Command + "parameterValue", new XAttribute("required", "true"), new XAttribute("variableLength", "false"), p.Type));
            if (!forSyntax)
            {
                element.Add(TypeName(p.Type));
                element.Add(new XElement(Dev + "defaultValue", p.DefaultValue.Length == 0 ? "None" : p.DefaultValue));
            }
            return element;
        }

        private static XElement TypeName(string name) => new XElement(Dev + "type", new XElement(Maml + "name", name), new XElement(Maml + "uri"));

        private static XElement Description(IEnumerable<string> paragraphs) => new XElement(Maml + "description", Paras(paragraphs));

        private static IEnumerable<XElement> Paras(IEnumerable<string> paragraphs) => paragraphs.Select(p => new XElement(Maml + "para", p));

        // An about topic as PowerShell shows it: headings flush left, text indented by 4 and wrapped at 80, code by 8.
        private static string AboutTopic(string path)
        {
            var document = Markdown.Parse(File.ReadAllText(path));
            var text = new StringBuilder();
            foreach (var block in document)
            {
                switch (block)
                {
                    case HeadingBlock { Level: 1 } h:
                        text.AppendLine("TOPIC").Append("    ").AppendLine(Text.Of(h.Inline)).AppendLine();
                        break;
                    case HeadingBlock h:
                        text.AppendLine(Text.Of(h.Inline));
                        break;
                    case FencedCodeBlock code:
                        foreach (var line in code.Lines.Lines.Take(code.Lines.Count).Select(l => l.ToString()))
                            text.AppendLine(line.Length == 0 ? string.Empty : "        " + line);
                        text.AppendLine();
                        break;
                    case ParagraphBlock or ListBlock:
                        foreach (var paragraph in Text.Paragraphs(block))
                            foreach (var line in Wrap(paragraph, 76))
                                text.Append("    ").AppendLine(line);
                        text.AppendLine();
                        break;
                }
            }
            return text.ToString().TrimEnd() + Environment.NewLine;
        }

        private static IEnumerable<string> Wrap(string paragraph, int width)
        {
            var line = new StringBuilder();
            foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > width)
                {
                    yield return line.ToString();
                    line.Clear();
                }
                if (line.Length > 0)
                    line.Append(' ');
                line.Append(word);
            }
            if (line.Length > 0)
                yield return line.ToString();
        }
    }
}
