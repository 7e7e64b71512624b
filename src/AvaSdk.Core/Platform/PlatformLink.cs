using Newtonsoft.Json.Linq;

namespace AvaSdk.Platform
{
    /// <summary>
    /// What ties a local instance to its record on the AVA platform: the training, the instance object as the platform
    /// knows it (sent back whole on update, as the platform expects), and whether its completion has been reported.
    /// Kept in status.json under "platform".
    /// </summary>
    internal sealed class PlatformLink
    {
        public PlatformLink(string trainingName, JObject instance, bool reported)
        {
            TrainingName = trainingName;
            Instance = instance;
            Reported = reported;
        }

        public string TrainingName { get; }

        public JObject Instance { get; }

        /// <summary>False from the local completion until the platform has accepted it.</summary>
        public bool Reported { get; set; }

        public JObject ToJson() => new JObject { ["training"] = TrainingName, ["instance"] = Instance, ["reported"] = Reported };

        public static PlatformLink? FromJson(JToken? token) =>
            token is JObject json && json["training"] is JValue training && json["instance"] is JObject instance
                ? new PlatformLink((string)training!, instance, (bool?)json["reported"] ?? true)
                : null;
    }
}
