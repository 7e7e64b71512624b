using System;
using System.IO;

namespace AvaSdk.IO
{
    /// <summary>
    /// An OS lock on a file of its own (flock on Linux: the kernel releases it with its process, kill -9 included), held
    /// until disposed. The file is removed while still held, so no one else can be holding it then; one a killed holder
    /// left is simply taken by the next.
    /// </summary>
    public sealed class FileLock : IDisposable
    {
        private readonly string path;
        private readonly FileStream held;

        private FileLock(string path, FileStream held)
        {
            this.path = path;
            this.held = held;
        }

        /// <summary>Takes the lock, or returns null with <paramref name="busy"/> set when another holds it.</summary>
        /// <exception cref="IOException">The file cannot be made (a folder we may not write to, …).</exception>
        /// <exception cref="UnauthorizedAccessException">The same.</exception>
        public static FileLock? TryTake(string path, out bool busy)
        {
            busy = false;
            try
            {
                return new FileLock(path, new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));
            }
            catch (IOException) when (File.Exists(path))
            {
                busy = true;
                return null;
            }
        }

        public void Dispose()
        {
            File.Delete(path);
            held.Dispose();
        }
    }
}
