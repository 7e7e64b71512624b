using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using AvaSdk.Errors;

namespace AvaSdk.Snapshots
{
    /// <summary>A snapshot model's tar.gz: each file a regular entry named by its file name, with its mode and mtime.</summary>
    public static class SnapshotArchive
    {
        /// <summary>Writes the archive under a temporary name and renames it when complete, so a half-written one is never taken for a model.</summary>
        /// <exception cref="AvaException">AvaSnapshotArchiveInvalid: two files share a name; AvaSnapshotFileNotFound: a file is missing.</exception>
        public static void Create(IReadOnlyList<string> files, string destination)
        {
            RequireDistinctNames(files, destination);
            foreach (var file in files.Where(f => !File.Exists(f)))
                throw new AvaException(AvaErrors.SnapshotFileNotFound, $"The file '{file}' does not exist, so the model archive '{destination}' was not made.", file);
            var partial = destination + ".partial";
            try
            {
                using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
                // Weights barely compress; the fastest level keeps the CPU for the training.
                using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
                using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
                {
                    foreach (var file in files)
                        WriteFile(tar, file);
                }
                File.Move(partial, destination, overwrite: true);
            }
            catch
            {
                File.Delete(partial);
                throw;
            }
        }

        /// <summary>Checks, before anything is written, that no two of <paramref name="files"/> would have the same name in <paramref name="archive"/>.</summary>
        /// <exception cref="AvaException">AvaSnapshotArchiveInvalid: two files share a name.</exception>
        public static void RequireDistinctNames(IReadOnlyList<string> files, string archive)
        {
            var clash = files.GroupBy(Path.GetFileName, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (clash != null)
                throw new AvaException(AvaErrors.SnapshotArchiveInvalid, $"The files {string.Join(", ", clash.Select(f => $"'{f}'"))} would have the same name '{clash.Key}' in the model archive '{archive}'.", archive);
        }

        // An explicit regular entry, not TarWriter.WriteEntry(path): a symbolic link among the files is packed as the file it points to.
        private static void WriteFile(TarWriter tar, string file)
        {
            using var data = File.OpenRead(file);
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, Path.GetFileName(file))
            {
                DataStream = data,
                Mode = OperatingSystem.IsWindows() ? WindowsFileMode : File.GetUnixFileMode(file),
                ModificationTime = File.GetLastWriteTimeUtc(file),
            });
        }

        private const UnixFileMode WindowsFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    }
}
