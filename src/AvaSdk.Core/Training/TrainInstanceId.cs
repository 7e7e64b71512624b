using System;
using System.Globalization;
using System.Security.Cryptography;

namespace AvaSdk.Training
{
    /// <summary>Instance ids: they become folder names, so only a safe alphabet is accepted.</summary>
    public static class TrainInstanceId
    {
        public const string EnvironmentVariable = "AVA_TRAINING_INSTANCE_ID";
        public const int MaxLength = 128;

        /// <summary>Null when <paramref name="id"/> is acceptable, else why not.</summary>
        public static string? Validate(string? id)
        {
            if (string.IsNullOrEmpty(id))
                return "it is empty";
            if (id!.Length > MaxLength)
                return $"it has {id.Length} characters, more than {MaxLength}";
            if (id[0] == '.')
                return "it starts with '.', as the workspace's own folders (run/.jobs) and '.' and '..' do";
            foreach (var c in id)
            {
                var allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                if (!allowed)
                    return $"it contains '{c}'; only letters, digits, '.', '_' and '-' are allowed";
            }
            return null;
        }

        /// <summary>
        /// A new id that sorts by creation time (UTC, to the millisecond) and is unique through 32 random bits,
        /// e.g. <c>20261125-054911-123-9f3a61c2</c>.
        /// </summary>
        public static string NewId(DateTimeOffset now)
        {
            var random = new byte[4];
            using (var rng = RandomNumberGenerator.Create())
                rng.GetBytes(random);
            return now.UtcDateTime.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture) + "-" +
                BitConverter.ToString(random).Replace("-", string.Empty).ToLowerInvariant();
        }
    }
}
