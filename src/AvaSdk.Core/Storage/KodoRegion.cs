using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using AvaSdk.Http;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Serilog;

namespace AvaSdk.Storage
{
    /// <summary>A bucket's hosts as Kodo's region query answered them (kodo-protocol.md §7.1), and until when they hold.</summary>
    public sealed class KodoRegion
    {
        public KodoRegion(string regionId, IReadOnlyList<Uri> upHosts, IReadOnlyList<Uri> sourceDomains, DateTimeOffset expires, string source)
        {
            RegionId = regionId;
            UpHosts = upHosts;
            SourceDomains = sourceDomains;
            Expires = expires;
            Source = source;
        }

        public string RegionId { get; }

        /// <summary><c>up.domains</c> then <c>up.old</c>, in the answer's order: the first is preferred.</summary>
        public IReadOnlyList<Uri> UpHosts { get; }

        /// <summary><c>io_src.domains</c>: the bucket's own source domains, for signed downloads of qiniu:// URLs.</summary>
        public IReadOnlyList<Uri> SourceDomains { get; }

        public DateTimeOffset Expires { get; }

        /// <summary>Where the answer came from, for Get-AvaConfig and the log.</summary>
        public string Source { get; }
    }

    /// <summary>
    /// Asks the uc host (then, for the default one, its backups) which region a bucket lives in, and keeps the answer
    /// for its ttl in a file shared by every AvaSdk command on the machine, so a job's many commands ask once.
    /// Hosts in the answer come without a scheme and take the uc host's.
    /// </summary>
    public sealed class KodoRegionResolver
    {
        /// <summary>The answer is trusted for at most this long, whatever ttl it claims.</summary>
        private static readonly TimeSpan MaxTtl = TimeSpan.FromDays(1);

        private static readonly string[] DefaultUcBackups = { "https://kodo-config.qiniuapi.com", "https://uc.qbox.me" };

        private readonly ServiceHttp http;
        private readonly IReadOnlyList<Uri> ucHosts;
        private readonly string cacheFile;
        private readonly ILogger log;

        public KodoRegionResolver(ServiceHttp http, Uri ucHost, string cacheFile, ILogger log)
        {
            this.http = http;
            this.cacheFile = cacheFile;
            this.log = log;
            var hosts = new List<Uri> { ucHost };
            if (string.Equals(ucHost.GetLeftPart(UriPartial.Authority), KodoSettings.DefaultUcHost, StringComparison.OrdinalIgnoreCase))
                hosts.AddRange(DefaultUcBackups.Select(h => new Uri(h)));
            ucHosts = hosts;
        }

        /// <summary>The cache every command on this machine shares.</summary>
        public static string DefaultCacheFile => Path.Combine(Path.GetTempPath(), "avasdk", "kodo-regions.json");

        /// <param name="refresh">Ask again even if a cached answer holds (after Kodo said "incorrect region").</param>
        public async Task<KodoRegion> ResolveAsync(string accessKey, string bucket, bool refresh, CancellationToken cancellationToken)
        {
            var cacheKey = $"{accessKey}:{bucket}@{ucHosts[0].GetLeftPart(UriPartial.Authority)}";
            if (!refresh && ReadCache(cacheKey) is KodoRegion cached)
                return cached;
            Exception? lastFailure = null;
            foreach (var uc in ucHosts)
            {
                var url = new Uri($"{uc.GetLeftPart(UriPartial.Authority)}/v4/query?ak={Uri.EscapeDataString(accessKey)}&bucket={Uri.EscapeDataString(bucket)}");
                try
                {
                    var answer = await http.ExecuteAsync(async attempt =>
                    {
                        using var response = await http.Client.GetAsync(url, attempt.Token).ConfigureAwait(false);
                        return await http.EnsureSuccessAsync(response).ConfigureAwait(false);
                    }, cancellationToken).ConfigureAwait(false);
                    var region = Parse(answer, uc, bucket);
                    WriteCache(cacheKey, answer, uc, region.Expires);
                    log.Information("Bucket {Bucket:l} is in region {Region:l}: upload to {Hosts:l}", bucket, region.RegionId, string.Join(", ", region.UpHosts));
                    return region;
                }
                catch (Exception ex) when (ex is ServiceHttpException || ex is HttpRequestException || ex is IOException)
                {
                    lastFailure = ex;
                    if (ex is ServiceHttpException { Status: >= 400 and < 500 })
                        break;
                    log.Information("The region query at {Host:l} failed ({Error:l})", uc.GetLeftPart(UriPartial.Authority), ex.GetBaseException().Message);
                }
            }
            throw new Errors.AvaException(Errors.AvaErrors.RegionUnknown, $"Could not find the region of bucket '{bucket}': the region query at {ucHosts[0].GetLeftPart(UriPartial.Authority)} failed ({lastFailure?.GetBaseException().Message}). " +
                $"Check the access key and the bucket name, or name the hosts yourself (${KodoSettings.UploadHostVariable}, ${KodoSettings.DomainVariable}).", bucket, lastFailure);
        }

        private static KodoRegion Parse(JObject answer, Uri uc, string bucket, DateTimeOffset? expires = null, string? source = null)
        {
            if (answer["hosts"] is not JArray { Count: > 0 } hosts || hosts[0] is not JObject first)
                throw new ServiceHttpException(200, null, $"the region query for bucket '{bucket}' answered no hosts");
            IReadOnlyList<Uri> Domains(params string[] path)
            {
                var list = new List<Uri>();
                foreach (var name in path)
                    if (first.SelectToken(name) is JArray domains)
                        foreach (var domain in domains.Values<string>())
                            if (!string.IsNullOrWhiteSpace(domain) && Uri.TryCreate(domain!.Contains("://") ? domain : $"{uc.Scheme}://{domain}", UriKind.Absolute, out var url))
                                list.Add(url);
                return list;
            }
            var up = Domains("up.domains", "up.old");
            if (up.Count == 0)
                throw new ServiceHttpException(200, null, $"the region query for bucket '{bucket}' answered no upload hosts");
            var ttl = TimeSpan.FromSeconds(Math.Max(0, (long?)first["ttl"] ?? 0));
            var until = expires ?? DateTimeOffset.UtcNow + (ttl < MaxTtl ? ttl : MaxTtl);
            return new KodoRegion((string?)first["region"] ?? "?", up, Domains("io_src.domains"), until,
                source ?? $"region query at {uc.GetLeftPart(UriPartial.Authority)}");
        }

        private KodoRegion? ReadCache(string cacheKey)
        {
            try
            {
                if (!File.Exists(cacheFile) || IO.JsonText.ParseObject(File.ReadAllText(cacheFile))[cacheKey] is not JObject entry)
                    return null;
                var expires = DateTimeOffset.FromUnixTimeSeconds((long?)entry["expires"] ?? 0);
                if (expires <= DateTimeOffset.UtcNow || entry["answer"] is not JObject answer || (string?)entry["uc"] is not string uc)
                    return null;
                return Parse(answer, new Uri(uc), cacheKey, expires, $"region query at {new Uri(uc).GetLeftPart(UriPartial.Authority)}, cached in {cacheFile} until {expires:u}");
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is JsonException || ex is ServiceHttpException || ex is UriFormatException)
            {
                // A damaged or unreadable cache costs one query, nothing more.
                return null;
            }
        }

        private void WriteCache(string cacheKey, JObject answer, Uri uc, DateTimeOffset expires)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(cacheFile)!);
                JObject all;
                try
                {
                    all = File.Exists(cacheFile) ? IO.JsonText.ParseObject(File.ReadAllText(cacheFile)) : new JObject();
                }
                catch (JsonException)
                {
                    all = new JObject();
                }
                all[cacheKey] = new JObject { ["expires"] = expires.ToUnixTimeSeconds(), ["uc"] = uc.ToString(), ["answer"] = answer };
                IO.AtomicFile.WriteAllText(cacheFile, all.ToString(Formatting.Indented));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                log.Information("The region cache {File:l} could not be written ({Error:l}); the next command asks again", cacheFile, ex.Message);
            }
        }
    }

    /// <summary>Where uploads of a bucket go: a host the user named, or the hosts of the bucket's region.</summary>
    public sealed class KodoUpHosts
    {
        private readonly Uri? fixedHost;
        private readonly KodoRegionResolver? resolver;
        private readonly string? accessKey;

        private KodoUpHosts(Uri? fixedHost, KodoRegionResolver? resolver, string? accessKey)
        {
            this.fixedHost = fixedHost;
            this.resolver = resolver;
            this.accessKey = accessKey;
        }

        public static KodoUpHosts Fixed(Uri host) => new KodoUpHosts(host, null, null);

        public static KodoUpHosts FromRegion(KodoRegionResolver resolver, string accessKey) => new KodoUpHosts(null, resolver, accessKey);

        /// <summary>True when the hosts come from the region query, so "incorrect region" is worth asking again.</summary>
        public bool CanRefresh => resolver != null;

        public async Task<IReadOnlyList<Uri>> GetAsync(string bucket, bool refresh, CancellationToken cancellationToken) =>
            fixedHost != null ? new[] { fixedHost } : (await resolver!.ResolveAsync(accessKey!, bucket, refresh, cancellationToken).ConfigureAwait(false)).UpHosts;
    }
}
