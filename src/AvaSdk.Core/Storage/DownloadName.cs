using System;
using System.IO;
using System.Linq;
using AvaSdk.Errors;

namespace AvaSdk.Storage
{
    /// <summary>
    /// The local file name a download takes from its URL or key. The name comes from the server's side of the
    /// trust line, so it must name a file inside the destination folder and nothing else.
    /// </summary>
    public static class DownloadName
    {
        /// <summary>The longest file name Linux file systems take (NAME_MAX), in UTF-8 bytes.</summary>
        public const int MaxNameBytes = 255;

        // Windows opens these as devices whatever the folder or extension ("nul.txt" included).
        private static readonly string[] DeviceNames =
        {
            "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
            "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM\u00B9", "COM\u00B2", "COM\u00B3",
            "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT\u00B9", "LPT\u00B2", "LPT\u00B3",
        };

        /// <summary>The decoded last segment of <paramref name="uri"/>'s key or path, checked to be a plain file name.</summary>
        /// <exception cref="AvaException">AvaDestinationRequired when the URL names no file; AvaDownloadNameUnsafe when its name could leave the folder.</exception>
        public static string Of(string uri)
        {
            var path = QiniuUri.IsQiniu(uri) ? QiniuUri.Parse(uri).Key : new Uri(uri).AbsolutePath;
            var name = Uri.UnescapeDataString(path.TrimEnd('/').Split('/').Last());
            if (name.Length == 0)
                throw new AvaException(AvaErrors.DestinationRequired, $"'{TransferErrors.RedactToken(uri)}' names no file, so the download needs a file name of its own.", uri);
            if (WhyUnsafe(name) is string why)
                throw new AvaException(AvaErrors.DownloadNameUnsafe, $"The file name '{Printable(name)}' taken from '{TransferErrors.RedactToken(uri)}' is not safe to create in the destination folder: {why}. " +
                    "Nothing was written.", uri);
            return name;
        }

        /// <summary>Why <paramref name="name"/> is not a plain file name on every platform, or null when it is one.</summary>
        public static string? WhyUnsafe(string name)
        {
            if (name.Trim('.', ' ').Length == 0)
                return "it names the folder or its parent";
            if (name.IndexOfAny(new[] { '/', '\\' }) >= 0)
                return "it holds a path separator";
            if (name.Any(char.IsControl))
                return "it holds a NUL or control character";
            if (Path.IsPathRooted(name) || (name.Length >= 2 && name[1] == ':' && char.IsLetter(name[0])))
                return "it is a rooted path";
            var stem = name.Split('.')[0].TrimEnd(' ');
            if (DeviceNames.Contains(stem, StringComparer.OrdinalIgnoreCase))
                return $"'{stem}' is a Windows device name";
            return null;
        }

        /// <summary><paramref name="name"/>, cut between characters to at most <paramref name="maxBytes"/> UTF-8 bytes.</summary>
        public static string Truncated(string name, int maxBytes)
        {
            var bytes = 0;
            var end = 0;
            foreach (var rune in name.EnumerateRunes())
            {
                bytes += rune.Utf8SequenceLength;
                if (bytes > maxBytes)
                    break;
                end += rune.Utf16SequenceLength;
            }
            return name.Substring(0, end);
        }

        // A name with control characters is shown escaped, so the message itself stays on one readable line.
        private static string Printable(string name) =>
            string.Concat(name.Select(c => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString()));
    }
}
