using System;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using AvaSdk.Errors;

namespace AvaSdk.Training
{
    /// <summary>
    /// Which node of its job this process is, and how the nodes of one job find each other. Distributed launchers run the
    /// same script on every node and tell each its rank and the job's size through variables; they are read in this order,
    /// the first one set wins:
    /// <list type="number">
    /// <item><c>AVA_NODE</c> / <c>AVA_NUM_NODES</c> (or New-AvaTrainInstance -Node): the user's word;</item>
    /// <item><c>OMPI_COMM_WORLD_RANK</c> / <c>OMPI_COMM_WORLD_SIZE</c>: Open MPI and Horovod;</item>
    /// <item><c>PMI_RANK</c> / <c>PMI_SIZE</c>: MPICH and Intel MPI;</item>
    /// <item><c>RANK</c> / <c>WORLD_SIZE</c>: PyTorch-style launchers;</item>
    /// <item><c>DMLC_ROLE</c>, <c>DMLC_NUM_WORKER</c>, <c>DMLC_WORKER_ID</c>: distributed MXNet (ps-lite).</item>
    /// </list>
    /// None set: one node, rank 0. The job key (for run/.jobs/) is <c>JOB_NAME</c>, else the launcher's own identity of
    /// the job: <c>MASTER_ADDR:MASTER_PORT</c>, <c>DMLC_PS_ROOT_URI:DMLC_PS_ROOT_PORT</c>, the Open MPI job id, the PMIx namespace.
    /// </summary>
    public sealed class JobNode
    {
        public const string RankVariable = "AVA_NODE";
        public const string SizeVariable = "AVA_NUM_NODES";

        private static readonly (string Rank, string Size)[] Launchers =
        {
            ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
            ("PMI_RANK", "PMI_SIZE"),
            ("RANK", "WORLD_SIZE"),
        };

        private static readonly string[][] JobKeys =
        {
            new[] { Platform.PlatformConfig.JobNameVariable },
            new[] { "MASTER_ADDR", "MASTER_PORT" },
            new[] { "DMLC_PS_ROOT_URI", "DMLC_PS_ROOT_PORT" },
            new[] { "OMPI_MCA_ess_base_jobid" },
            new[] { "PMIX_NAMESPACE" },
        };

        private JobNode(int rank, int size, string source, string? role, string? jobKey, string? jobKeySource, bool rankFromLog = false, bool claimed = true)
        {
            RankFromLog = rankFromLog;
            Claimed = claimed;
            Rank = rank;
            Size = size;
            Source = source;
            Role = role;
            JobKey = jobKey;
            JobKeySource = jobKeySource;
        }

        /// <summary>A listed instance's job as its status.json tells it: the nodes, seen from none of them.</summary>
        internal static JobNode Listed(int size) => size > 1 ? new JobNode(0, size, "status.json", null, null, null) : Single;

        /// <summary>A job of one node.</summary>
        public static JobNode Single { get; } = new JobNode(0, 1, "default", null, null, null);

        public int Rank { get; }

        /// <summary>How many nodes (workers) the job has.</summary>
        public int Size { get; }

        /// <summary>Where the rank and size came from: <c>env:RANK,WORLD_SIZE</c>, <c>parameter</c>, <c>default</c>.</summary>
        public string Source { get; }

        /// <summary>The DMLC role when the launcher is ps-lite's (worker, server, scheduler); else null.</summary>
        public string? Role { get; }

        /// <summary>
        /// A DMLC worker of several with no rank variable: ps-lite gives worker ranks at run time, so it takes the first free
        /// slot of the instance for its files (its <see cref="Rank"/>), and its metrics take their node from the Node[n]
        /// prefix of its log once it appears (they wait until then).
        /// </summary>
        public bool RankFromLog { get; }

        /// <summary>False until a <see cref="RankFromLog"/> worker has taken its slot (when it starts its instance).</summary>
        internal bool Claimed { get; }

        /// <summary>The same worker in slot <paramref name="slot"/>.</summary>
        internal JobNode InSlot(int slot) => new JobNode(slot, Size, $"slot {slot} of {Size}, taken as the first free one (DMLC workers of several; the metrics' node comes from the log's Node[n])",
            Role, JobKey, JobKeySource, rankFromLog: true, claimed: true);

        /// <summary>A DMLC server or scheduler runs beside the workers and reports nothing.</summary>
        public bool IsWorker => Role == null || Role == "worker";

        public bool IsMultiNode => Size > 1;

        /// <summary>The node that uploads snapshots, records models and completes the instance on the platform.</summary>
        public bool IsLeader => IsWorker && Claimed && Rank == 0;

        /// <summary>What the nodes of one job share, to meet under run/.jobs/; null when the environment names no job.</summary>
        public string? JobKey { get; }

        public string? JobKeySource { get; }

        /// <summary>The rank on every metric, file name and log line of a multi-node job; null on a single-node one.</summary>
        public int? Tag => IsMultiNode ? Rank : null;

        /// <summary>This process's node, from the environment and, when given, a rank that overrides it.</summary>
        /// <exception cref="AvaException">AvaNodeInvalid: a rank or size that is not a whole number, a rank past the size.</exception>
        public static JobNode Resolve(Func<string, string?> environment, int? rank = null)
        {
            string? Read(string name) => environment(name) is string value && value.Trim().Length > 0 ? value.Trim() : null;
            var (jobKey, jobKeySource) = FindJobKey(Read);

            if (rank != null || Read(RankVariable) != null)
            {
                var given = rank ?? Number(Read(RankVariable)!, "env:" + RankVariable, 0);
                var source = rank != null ? "parameter" : "env:" + RankVariable;
                var (size, sizeSource) = Read(SizeVariable) is string s ? (Number(s, "env:" + SizeVariable, 1), "env:" + SizeVariable) : LauncherSize(Read);
                if (size == null)
                {
                    if (given != 0)
                        throw new AvaException(AvaErrors.NodeInvalid, $"Node {given} was given, but nothing says how many nodes the job has. Set ${SizeVariable} to the job's number of nodes.", source);
                    size = 1;
                }
                return Checked(given, size.Value, sizeSource == null ? source : $"{source},{sizeSource}", null, jobKey, jobKeySource);
            }
            foreach (var (rankName, sizeName) in Launchers)
            {
                if (Read(rankName) is string r && Read(sizeName) is string s)
                    return Checked(Number(r, "env:" + rankName, 0), Number(s, "env:" + sizeName, 1), $"env:{rankName},{sizeName}", null, jobKey, jobKeySource);
            }
            if (Read("DMLC_ROLE") is string role)
            {
                role = role.ToLowerInvariant();
                var workers = Read("DMLC_NUM_WORKER") is string w ? Number(w, "env:DMLC_NUM_WORKER", 1) : 1;
                if (role != "worker")
                    return new JobNode(0, workers, "env:DMLC_ROLE", role, jobKey, jobKeySource);
                if (Read("DMLC_WORKER_ID") is string id)
                    return Checked(Number(id, "env:DMLC_WORKER_ID", 0), workers, "env:DMLC_WORKER_ID,DMLC_NUM_WORKER", role, jobKey, jobKeySource);
                if (workers == 1)
                    return new JobNode(0, 1, "env:DMLC_NUM_WORKER", role, jobKey, jobKeySource);
                // ps-lite names the worker's rank at run time: it takes a slot when its instance starts (see RankFromLog).
                return new JobNode(0, workers, "env:DMLC_ROLE,DMLC_NUM_WORKER", role, jobKey, jobKeySource, rankFromLog: true, claimed: false);
            }
            return jobKey == null ? Single : new JobNode(0, 1, "default", null, jobKey, jobKeySource);
        }

        /// <summary>The job file's name for <see cref="JobKey"/>: the key itself when it is a safe file name, else a safe form plus a hash of it.</summary>
        public string? JobFileName
        {
            get
            {
                if (JobKey == null)
                    return null;
                var safe = new string(JobKey.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_' || c == '.' ? c : '_').ToArray());
                if (safe == JobKey && safe.Length <= 100 && safe[0] != '.')
                    return safe;
                var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JobKey))).Substring(0, 16).ToLowerInvariant();
                return $"{safe.Substring(0, Math.Min(safe.Length, 80))}-{hash}";
            }
        }

        /// <summary>Refuses a process that is not a worker (a DMLC server or scheduler): it trains nothing, so it has no part in an instance.</summary>
        /// <exception cref="AvaException">AvaNodeNotWorker.</exception>
        public void RequireWorker()
        {
            if (!IsWorker)
                throw new AvaException(AvaErrors.NodeNotWorker, $"This process is a DMLC {Role} (DMLC_ROLE), not a worker: it trains nothing and has no part in the training instance. " +
                    "Start the instance only where DMLC_ROLE is 'worker'.", "env:DMLC_ROLE");
        }

        public override string ToString() => IsMultiNode ? $"node {Rank} of {Size}" : "a single node";

        private static (string?, string?) FindJobKey(Func<string, string?> read)
        {
            foreach (var names in JobKeys)
            {
                var values = names.Select(read).ToList();
                if (values.All(v => v != null))
                    return (string.Join(":", values), "env:" + string.Join(",", names));
            }
            return (null, null);
        }

        private static (int?, string?) LauncherSize(Func<string, string?> read)
        {
            foreach (var name in Launchers.Select(l => l.Size).Append("DMLC_NUM_WORKER"))
            {
                if (read(name) is string size)
                    return (Number(size, "env:" + name, 1), "env:" + name);
            }
            return (null, null);
        }

        private static JobNode Checked(int rank, int size, string source, string? role, string? jobKey, string? jobKeySource)
        {
            if (rank >= size)
                throw new AvaException(AvaErrors.NodeInvalid, $"Node {rank} is not one of the job's {size} node(s) (ranks 0 to {size - 1}), as {source} say.", source);
            return new JobNode(rank, size, source, role, jobKey, jobKeySource);
        }

        private static int Number(string text, string source, int least)
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= least)
                return number;
            throw new AvaException(AvaErrors.NodeInvalid, $"{source} is '{text}', which is not a whole number of at least {least}.", source);
        }
    }
}
