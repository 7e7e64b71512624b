namespace AvaSdk.Charts
{
    /// <summary>How a metrics chart looks: its size in pixels, its title, and whether values are on a log scale.</summary>
    internal sealed record ChartOptions(int Width, int? Height, string? Title, bool LogScale)
    {
        /// <summary>A panel's height when none is asked for.</summary>
        public const int DefaultPanelHeight = 300;

        /// <summary>Below this a panel has no room for its axes, its title and a curve.</summary>
        public const int MinimumPanelHeight = 120;
    }
}
