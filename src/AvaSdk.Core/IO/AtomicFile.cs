using System;
using System.IO;
using System.Text;

namespace AvaSdk.IO
{
    /// <summary>Writes a file so that readers see the old content or the new, never half of either.</summary>
    public static class AtomicFile
    {
        private static readonly Encoding Utf8NoBom = new UTF8Encoding(false);

        public static void WriteAllText(string path, string content) => WriteAllBytes(path, Utf8NoBom.GetBytes(content));

        public static void WriteAllBytes(string path, byte[] bytes)
        {
            // The writer's pid in the name tells a temp file left by a killed writer from one being written now.
            var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                {
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(true);
                }
                if (File.Exists(path))
                    File.Replace(temp, path, null);
                else
                    File.Move(temp, path);
            }
            finally
            {
                if (File.Exists(temp))
                    File.Delete(temp);
            }
        }

        /// <summary>
        /// Deletes the temp files that writers of <paramref name="path"/> killed mid-write left beside it (a process that is
        /// gone never renames them); those of live processes, this one included, are theirs.
        /// </summary>
        public static void RemoveLeftovers(string path)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!Directory.Exists(folder))
                return;
            var prefix = $".{Path.GetFileName(path)}.";
            foreach (var temp in Directory.EnumerateFiles(folder, prefix + "*.tmp"))
            {
                var writer = Path.GetFileName(temp).Substring(prefix.Length).Split('-')[0];
                if (!int.TryParse(writer, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) ||
                    pid == Environment.ProcessId || IsRunning(pid))
                    continue;
                try
                {
                    File.Delete(temp);
                }
                catch (IOException)
                {
                    // Someone else cleaned it up first.
                }
            }
        }

        private static bool IsRunning(int pid)
        {
            if (Directory.Exists("/proc/self"))
                return Directory.Exists($"/proc/{pid}");
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }
    }
}
