namespace AvaSdk.Running
{
    public enum TrainingOutputKind
    {
        Metric,
        Line,
        Warning,
        /// <summary>What the run found out about the log (its format), for the verbose stream.</summary>
        Note,
    }

    /// <summary>What a training run hands to its caller's thread: a metric, a raw log line, a warning, or a note.</summary>
    public readonly struct TrainingOutput
    {
        private TrainingOutput(TrainingOutputKind kind, Metric? metric, string? text, Errors.AvaError? error = null)
        {
            Kind = kind;
            Metric = metric;
            Text = text;
            Error = error;
        }

        /// <summary>For a warning: the error it is about, if any (the caller adds what its user can do about it).</summary>
        public Errors.AvaError? Error { get; }

        public TrainingOutputKind Kind { get; }

        public Metric? Metric { get; }

        public string? Text { get; }

        public static TrainingOutput Of(Metric metric) => new TrainingOutput(TrainingOutputKind.Metric, metric, null);

        public static TrainingOutput Line(string text) => new TrainingOutput(TrainingOutputKind.Line, null, text);

        public static TrainingOutput Note(string text) => new TrainingOutput(TrainingOutputKind.Note, null, text);

        public static TrainingOutput Warning(string text, Errors.AvaError? error = null) => new TrainingOutput(TrainingOutputKind.Warning, null, text, error);
    }
}
