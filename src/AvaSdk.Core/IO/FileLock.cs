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

        /// <summary>
        /// Waits up to <paramref name="bound"/> for the lock on <paramref name="path"/>, a file that is never removed (so
        /// two processes can never hold it at once, on two files of one name); null when the bound ran out. The lock is
        /// held until the stream is disposed, and dies with its process.
        /// </summary>
        /// <exception cref="OperationCanceledException"><paramref name="stopping"/> was cancelled.</exception>
        public static FileStream? WaitForPersistent(string path, TimeSpan bound, System.Threading.CancellationToken stopping)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                }
                catch (IOException) when (clock.Elapsed < bound)
                {
                    stopping.WaitHandle.WaitOne(20);
                    stopping.ThrowIfCancellationRequested();
                }
                catch (IOException)
                {
                    return null;
                }
            }
        }

        public void Dispose()
        {
            File.Delete(path);
            held.Dispose();
        }
    }
}
