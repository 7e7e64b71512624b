using System;
using System.IO;

namespace AvaSdk
{
    /// <summary>What a metrics chart is written as.</summary>
    public enum ChartFormat
    {
        Png,
        Svg,

        /// <summary>One self-contained page: an SVG per panel and a little script for hovering, nothing fetched.</summary>
        Html,
    }

    internal static class ChartFormats
    {
        /// <summary>The format a file's extension names (.png, .svg, .html, .htm); null for any other.</summary>
        public static ChartFormat? FromExtension(string path) => Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => ChartFormat.Png,
            ".svg" => ChartFormat.Svg,
            ".html" or ".htm" => ChartFormat.Html,
            _ => null,
        };
    }
}
