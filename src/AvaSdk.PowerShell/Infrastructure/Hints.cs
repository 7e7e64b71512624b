namespace AvaSdk.PowerShell.Infrastructure
{
    /// <summary>The hints several cmdlets give for the same error (see AvaCmdlet.Hint), written once.</summary>
    internal static class Hints
    {
        public const string RetryCompletion = "Complete-AvaTrainInstance -Retry sends what is kept once the platform or the metrics endpoint answers.";
        public const string SendArchiveByHand = "Send-AvaFile can send it by hand: the archive, with -Key set to the key above.";
        public static string StartOrResume(object? id) => id == null
            ? "Start a new instance with New-AvaTrainInstance."
            : $"Start a new instance with New-AvaTrainInstance, or resume this one with New-AvaTrainInstance -Id {id}.";
        public const string PassCredential = "Pass -Credential (user name = access key, password = secret key).";
    }
}
