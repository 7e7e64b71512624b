using System;
using System.IO;
using ScottPlot;
using SkiaSharp;

namespace AvaSdk.Charts
{
    /// <summary>
    /// DejaVu Sans, inside this assembly: SkiaSharp's Linux build without dependencies reads no system font, and a
    /// training image may have none, so every label is drawn with this one (its license is Fonts/DejaVuSans-LICENSE.txt).
    /// </summary>
    internal sealed class EmbeddedFont : IFontResolver
    {
        public const string Name = "DejaVu Sans";

        private static readonly Lazy<SKData> Data = new Lazy<SKData>(() =>
        {
            using var stream = typeof(EmbeddedFont).Assembly.GetManifestResourceStream("AvaSdk.Charts.Fonts.DejaVuSans.ttf")
                ?? throw new InvalidOperationException("The font resource is missing from AvaSdk.Core.");
            return SKData.Create(stream);
        });

        private static readonly object Gate = new object();
        private static bool registered;

        /// <summary>Puts the font before ScottPlot's own resolvers (once for the process: ScottPlot keeps them in a static list).</summary>
        public static void Register()
        {
            lock (Gate)
            {
                if (registered)
                    return;
                Fonts.FontResolvers.Insert(0, new EmbeddedFont());
                registered = true;
            }
        }

        /// <summary>A typeface of the font for drawing outside ScottPlot (the chart's title).</summary>
        public static SKTypeface Typeface() => SKTypeface.FromData(Data.Value);

        // One face serves every weight and slant: a chart's labels do not need a bold one.
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
            fontName == Name ? Typeface() : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            fontName == Name ? Typeface() : null;
    }
}
