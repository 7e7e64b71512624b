using System;
using Newtonsoft.Json.Linq;

namespace AvaSdk.Http
{
    /// <summary>
    /// What one service's answers mean: which statuses are worth another try and how often, whether a success must carry
    /// X-Reqid, and whether a 2xx body can still say no. The one place each service's HTTP rule lives.
    /// </summary>
    public abstract class HttpServiceRules
    {
        /// <summary>Kodo (upload, multipart, region query, downloads from its domains): shared/docs/kodo-protocol.md §8.</summary>
        public static readonly HttpServiceRules Kodo = new KodoRules();

        /// <summary>The AVA platform API: 5xx, 429 and 408 are retried; every 4xx is final; a 2xx must carry X-Reqid.</summary>
        public static readonly HttpServiceRules AvaApi = new AvaApiRules();

        /// <summary>The AVA probe or an InfluxDB /write endpoint: a 2xx whose JSON <c>code</c> is not 0 is a refusal.</summary>
        public static readonly HttpServiceRules Probe = new ProbeRules();

        /// <summary>Plain http(s) servers (downloads from any URL): no X-Reqid expected.</summary>
        public static readonly HttpServiceRules Plain = new PlainRules();

        /// <summary>The service's name in messages.</summary>
        public abstract string Service { get; }

        public abstract bool RequiresRequestId { get; }

        /// <summary>Whether every success carries a JSON object, so that a 2xx with anything else is a failure.</summary>
        public abstract bool AnswersWithJson { get; }

        public virtual bool IsRetryable(int status) => status == 429 || status == 408 || status >= 500;

        /// <summary>How many times a failure with this status may be retried within one call (at most the call's own limit).</summary>
        public virtual int RetryLimit(int status) => int.MaxValue;

        /// <summary>Why a 2xx answer is still a failure, or null when it is a success.</summary>
        public virtual string? RefusalIn(JObject? json) => null;

        private sealed class KodoRules : HttpServiceRules
        {
            // Kodo's final codes: retrying cannot help.
            private static readonly int[] FinalCodes = { 501, 509, 573, 579, 608, 612, 614, 616, 618, 630, 631, 632, 640, 701 };

            public override string Service => "Kodo";

            public override bool RequiresRequestId => true;

            public override bool AnswersWithJson => true;

            // 406 is a checksum (crc32) mismatch: the bytes changed on the way or while being read, so one more try reads
            // the file again (the C# SDK's upload rule, test vector T21).
            public override bool IsRetryable(int status) =>
                status == 406 || status == 429 || status == 408 || (status >= 500 && Array.IndexOf(FinalCodes, status) < 0);

            public override int RetryLimit(int status) => status == 406 ? 1 : int.MaxValue;
        }

        private sealed class AvaApiRules : HttpServiceRules
        {
            public override string Service => "the AVA API";

            public override bool RequiresRequestId => true;

            public override bool AnswersWithJson => true;
        }

        private sealed class ProbeRules : HttpServiceRules
        {
            public override string Service => "the metrics endpoint";

            public override bool RequiresRequestId => false;

            // An InfluxDB /write answers 204 with no body.
            public override bool AnswersWithJson => false;

            public override string? RefusalIn(JObject? json) =>
                json?["code"] is JValue { Type: JTokenType.Integer } code && (long)code != 0 ? $"it answered code {(long)code}" : null;
        }

        private sealed class PlainRules : HttpServiceRules
        {
            public override string Service => "the server";

            public override bool RequiresRequestId => false;

            public override bool AnswersWithJson => false;
        }
    }
}
