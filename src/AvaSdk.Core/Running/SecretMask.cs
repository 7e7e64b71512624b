using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace AvaSdk.Running
{
    /// <summary>
    /// The configured secrets a trainer's output must not carry into what AvaSdk keeps or shows, as CI systems mask
    /// secrets in build logs: each one is replaced by "***", by literal match. A secret shorter than
    /// <see cref="ShortestMasked"/> characters is not masked (it would mask ordinary words); <see cref="LeavesSomeUnmasked"/>
    /// says so, never which one.
    /// </summary>
    public sealed class SecretMask
    {
        /// <summary>The shortest secret masked, in characters.</summary>
        public const int ShortestMasked = 8;

        public static readonly SecretMask None = new SecretMask(Array.Empty<string?>());

        private readonly byte[][] secrets;

        public SecretMask(IEnumerable<string?> configured)
        {
            var distinct = configured.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).Distinct(StringComparer.Ordinal).ToList();
            LeavesSomeUnmasked = distinct.Any(s => s.Length < ShortestMasked);
            // Longest first: of two secrets found at the same place, the longer is masked whole.
            secrets = distinct.Where(s => s.Length >= ShortestMasked).Select(s => Encoding.UTF8.GetBytes(s)).OrderByDescending(b => b.Length).ToArray();
        }

        /// <summary>True when a configured secret is too short to be masked.</summary>
        public bool LeavesSomeUnmasked { get; }

        /// <summary><paramref name="text"/> with its secrets masked, for what AvaSdk logs of its own (the trainer's command line).</summary>
        public string Mask(string text)
        {
            var masker = ForStream();
            var bytes = Encoding.UTF8.GetBytes(text);
            var masked = masker.Mask(bytes, bytes.Length);
            var start = Encoding.UTF8.GetString(masked.Array!, masked.Offset, masked.Count);
            var rest = masker.Finish();
            return start + Encoding.UTF8.GetString(rest.Array!, rest.Offset, rest.Count);
        }

        /// <summary>A masker for one stream of bytes (a pipe), read in chunks.</summary>
        public SecretMasker ForStream() => new SecretMasker(secrets);
    }

    /// <summary>
    /// Masks one stream's chunks in place. The end of a chunk that may be the start of a secret waits for the next
    /// chunk (at most the longest secret's length less one byte), so a secret split across two reads is still caught.
    /// UTF-8 is matched as bytes: a literal match of the bytes is a literal match of the text.
    /// </summary>
    public sealed class SecretMasker
    {
        private static readonly byte[] Replacement = Encoding.ASCII.GetBytes("***");
        private readonly byte[][] secrets;
        private readonly int[] nextAt;
        private readonly int longest;
        private byte[] work = Array.Empty<byte>();
        // What may start a secret waits at work[heldFrom, heldFrom + held), behind the masked bytes last handed out.
        private int heldFrom;
        private int held;

        internal SecretMasker(byte[][] secrets)
        {
            this.secrets = secrets;
            nextAt = new int[secrets.Length];
            longest = secrets.Length == 0 ? 0 : secrets.Max(s => s.Length);
        }

        /// <summary>
        /// The masked bytes of what waited and <paramref name="count"/> bytes of <paramref name="chunk"/>, but for an
        /// end that may start a secret; valid until the next call.
        /// </summary>
        public ArraySegment<byte> Mask(byte[] chunk, int count)
        {
            if (secrets.Length == 0)
                return new ArraySegment<byte>(chunk, 0, count);
            TakeHeld();
            var length = held + count;
            if (work.Length < length)
                Array.Resize(ref work, Math.Max(length, work.Length * 2));
            Buffer.BlockCopy(chunk, 0, work, held, count);
            return MaskWork(length, streamEnded: false);
        }

        /// <summary>The stream ended: what waited is masked, and goes on.</summary>
        public ArraySegment<byte> Finish()
        {
            if (secrets.Length == 0)
                return new ArraySegment<byte>(work, 0, 0);
            TakeHeld();
            return MaskWork(held, streamEnded: true);
        }

        private ArraySegment<byte> MaskWork(int length, bool streamEnded)
        {
            // A replacement is shorter than any secret masked, so the masked bytes never overtake the ones still to read.
            int read = 0, written = 0;
            Array.Fill(nextAt, -2);
            var waits = length;
            while (NextSecret(read, length) is var (at, secretLength))
            {
                // A longer secret may start here and go on in the next chunk.
                if (!streamEnded && MayBeginSecret(at, length))
                {
                    waits = at;
                    break;
                }
                Move(read, at, ref written);
                Buffer.BlockCopy(Replacement, 0, work, written, Replacement.Length);
                written += Replacement.Length;
                read = at + secretLength;
            }
            if (!streamEnded && waits == length)
                waits = StartOfSecretAtEnd(read, length);
            Move(read, waits, ref written);
            Buffer.BlockCopy(work, waits, work, written, length - waits);
            heldFrom = written;
            held = length - waits;
            return new ArraySegment<byte>(work, 0, written);
        }

        // The caller is done with the masked bytes: what waited moves to the front.
        private void TakeHeld()
        {
            if (held > 0 && heldFrom > 0)
                Buffer.BlockCopy(work, heldFrom, work, 0, held);
            heldFrom = 0;
        }

        private void Move(int from, int to, ref int written)
        {
            if (to > from)
                Buffer.BlockCopy(work, from, work, written, to - from);
            written += to - from;
        }

        // The first secret in work[from, length), the longest of those found there.
        private (int At, int Length)? NextSecret(int from, int length)
        {
            (int At, int Length)? first = null;
            for (var i = 0; i < secrets.Length; i++)
            {
                if (nextAt[i] == -1)
                    continue;
                if (nextAt[i] < from)
                {
                    var found = work.AsSpan(from, length - from).IndexOf(secrets[i]);
                    nextAt[i] = found < 0 ? -1 : from + found;
                    if (found < 0)
                        continue;
                }
                if (first == null || nextAt[i] < first.Value.At)
                    first = (nextAt[i], secrets[i].Length);
            }
            return first;
        }

        // Where the bytes that may begin a secret start, at the end of work[from, length); length when none may.
        private int StartOfSecretAtEnd(int from, int length)
        {
            for (var start = Math.Max(from, length - longest + 1); start < length; start++)
            {
                if (MayBeginSecret(start, length))
                    return start;
            }
            return length;
        }

        // True when work[start, length) is the beginning of a secret longer than it.
        private bool MayBeginSecret(int start, int length)
        {
            var end = work.AsSpan(start, length - start);
            foreach (var secret in secrets)
            {
                if (secret.Length > end.Length && secret.AsSpan().StartsWith(end))
                    return true;
            }
            return false;
        }
    }
}
