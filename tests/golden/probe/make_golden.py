#!/usr/bin/env python3
"""Write the golden probe lines (`<framework dir>/<log name>.lp`) for every fixture in fixtures.json.

This is an independent implementation of tests/golden/probe/SPEC.md (standard library only). It never
runs or reads the product: the product's golden test compares its own output against these files.

Usage:  python3 make_golden.py [FIXTURES_DIR]
        FIXTURES_DIR defaults to $AVASDK_FIXTURES, else ../../../../shared/fixtures relative to this script.

The output is deterministic: every point carries the fixed instance id, and every log line arrives at the
fixed instant; a metric's time is that instant unless its series already has a point at that time or later
(SPEC "Unique times within a series"), then 100 ns after the series' latest time.

Decisions where SPEC.md leaves room (each one is a reading of a line that occurs in the fixtures, or a
choice that changes no line of the fixtures but had to be made) are marked "DECISION:" below.
"""

import json
import math
import os
import re
import sys
from collections import Counter

INSTANCE_ID = "ava-golden"
# 2026-01-01T00:00:00Z in nanoseconds since the epoch: every log line "arrives" at this instant.
ARRIVAL_NS = 1767225600000000000
# SPEC "Unique times within a series": a metric whose series already has a point at its time or later
# takes this many ns after that series' latest time.
SERIES_STEP_NS = 100

# --------------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------------

# ANSI colour escapes: ESC '[' then any non-letters, ended by one letter (e.g. "\x1b[91m", "\x1b[0m").
ANSI_RE = re.compile(r"\x1b\[[^A-Za-z]*[A-Za-z]")

# The SPEC's number: [-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?, or nan / inf.
# nan / inf are recognised (so the line is understood) but their metric is never sent.
# DECISION (no fixture line has one): nan/inf are matched case-insensitively, with an optional sign,
# and "inf" may be spelled "infinity" - the spellings C printf and Python produce.
NUM = r"(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:[nN][aA][nN]|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?))"
NUM_FULL_RE = re.compile(r"^" + NUM + r"$")


def to_float(text):
    """The double a SPEC number denotes (float() understands every spelling NUM accepts)."""
    return float(text)


# SPEC "Lines": a line ends at \r\n, \n, \r, or a run of one or more \b (backspace).
LINE_END_RE = re.compile(rb"\r\n|\n|\r|\x08+")
# SPEC "Lines": a line longer than this many bytes (before its line end) is not parsed.
LONGEST_PARSED_LINE = 1024 * 1024


def split_lines(data):
    """Split the log's bytes at its line ends, then decode each line and remove ANSI colour escapes.
    A line too long to parse becomes an empty one: it is still a line, but nothing is read from it."""
    pieces = LINE_END_RE.split(data)
    # A final line end ends the last line; it does not start an empty one.
    if pieces and pieces[-1] == b"":
        pieces.pop()
    # The logs are ASCII; undecodable bytes (none in the fixtures) would become U+FFFD.
    return [ANSI_RE.sub("", p.decode("utf-8", errors="replace")) if len(p) <= LONGEST_PARSED_LINE else ""
            for p in pieces]


def metric_measurement(name, phase):
    """`ava_metric_training_` (Train) or `ava_metric_training_val_` (Test/Validation) + mapped name."""
    if name in ("lr", "learning-rate", "learning_rate"):
        mapped = "learning_rate"
    elif name == "acc":
        mapped = "accuracy"
    elif name in ("cross-entropy", "ce"):
        mapped = "loss"
    else:
        # Lower-case, then every character outside [a-z0-9] becomes "_"
        # ("output:loss" -> "output_loss", "time-cost" -> "time_cost", "top_k_accuracy_5" stays).
        mapped = re.sub(r"[^a-z0-9]", "_", name.lower())
    prefix = "ava_metric_training_" if phase == "train" else "ava_metric_training_val_"
    return prefix + mapped


def escape_measurement(text):
    return text.replace(",", "\\,").replace(" ", "\\ ")


def escape_tag(text):
    return str(text).replace(",", "\\,").replace(" ", "\\ ").replace("=", "\\=")


def format_float(value):
    # Python's repr is the shortest decimal that reads back as the same double ("0.001", "1e-05",
    # "230.337"); SPEC.md accepts any decimal form of the same double.
    return repr(float(value))


# --------------------------------------------------------------------------------------------------
# Points
# --------------------------------------------------------------------------------------------------


class Metric:
    """One metric read from a log line. phase is 'train', 'test' or 'validation'.
    iteration / epoch / batch are None when not known."""

    def __init__(self, name, value, phase, iteration=None, epoch=None, batch=None):
        self.name = name
        self.value = value
        self.phase = phase
        self.iteration = iteration
        self.epoch = epoch
        self.batch = batch


class PointWriter:
    """Turns metrics, in log order, into probe lines, adding the progress points (SPEC 'Points' 2)."""

    def __init__(self, progress_count):
        # progress_count(metric) -> the sample_num count C for a Train metric with Iteration and Batch.
        self.progress_count = progress_count
        # The largest Iteration that has produced progress points so far; None = none yet, so the
        # first Train metric with an Iteration and a Batch (even Iteration 0) produces them: "greater
        # than every Iteration that produced progress points before" holds vacuously.
        self.max_progress_iteration = None
        # SPEC "Unique times within a series": series key -> the latest time (ns) given to a metric of it.
        self.series_latest = {}
        self.lines = []

    def series_time(self, m, arrival_ns):
        """The time of metric m (SPEC "Unique times within a series"): its line's arrival time, unless an
        earlier metric of the same series already has that time or a later one; then 100 ns after the
        latest time of that series. The series is the measurement with the tags batch (Iteration or none),
        epoch (or none) and phase (id and job_type are fixed, so they need not be part of the key)."""
        key = (metric_measurement(m.name, m.phase), m.iteration, m.epoch, m.phase)
        latest = self.series_latest.get(key)
        t = arrival_ns if latest is None or latest < arrival_ns else latest + SERIES_STEP_NS
        self.series_latest[key] = t
        return t

    def add(self, m, arrival_ns=ARRIVAL_NS):
        # Every metric takes a time, the non-finite ones too (SPEC "Unique times within a series").
        t = self.series_time(m, arrival_ns)
        # Non-finite values (nan, inf) are never sent - and, since the progress points belong to
        # "each metric ... whose value is finite", they cannot produce progress points either.
        if not math.isfinite(m.value):
            return
        tags = []
        if m.iteration is not None:
            tags.append("batch=" + escape_tag(m.iteration))
        if m.epoch is not None:
            tags.append("epoch=" + escape_tag(m.epoch))
        tags += ["id=" + escape_tag(INSTANCE_ID), "job_type=training", "phase=" + escape_tag(m.phase)]
        self.lines.append(
            "%s,%s value=%s %d"
            % (escape_measurement(metric_measurement(m.name, m.phase)), ",".join(tags),
               format_float(m.value), t))

        if m.phase != "train" or m.iteration is None or m.batch is None:
            return
        if self.max_progress_iteration is not None and m.iteration <= self.max_progress_iteration:
            return
        self.max_progress_iteration = m.iteration

        epoch_tag = "" if m.epoch is None else ",epoch=" + escape_tag(m.epoch)
        # The progress points carry the time of their metric.
        self.lines.append(
            "ava_metric_training_sample_num,batch=%s%s,id=%s,job_type=training count=%d %d"
            % (escape_tag(m.iteration), epoch_tag, escape_tag(INSTANCE_ID),
               self.progress_count(m), t))
        self.lines.append(
            "ava_metric_meta_info,batch=%s,batch_in_epoch=%s%s,id=%s,job_type=training value=1 %d"
            % (escape_tag(m.iteration), escape_tag(m.batch), epoch_tag, escape_tag(INSTANCE_ID),
               t))


# --------------------------------------------------------------------------------------------------
# Caffe
# --------------------------------------------------------------------------------------------------

# All patterns are searched anywhere in the line (after the glog prefix "I0331 11:06:34.719523 ...]").
CAFFE_SPEED_LOSS_RE = re.compile(r"Iteration (\d+) \((" + NUM + r") iter/s, [^)]*\), loss = (" + NUM + r")")
CAFFE_LOSS_RE = re.compile(r"Iteration (\d+), loss = (" + NUM + r")")
CAFFE_LR_RE = re.compile(r"Iteration (\d+), lr = (" + NUM + r")")
CAFFE_TESTING_RE = re.compile(r"Iteration (\d+), Testing net \(#\d+\)")
# "Train net output #0: loss = 2.30337 (* 1 = 2.30337 loss)": the value is the first number after
# " = "; the "(* weight = weighted loss)" suffix is ignored.
CAFFE_TRAIN_OUT_RE = re.compile(r"Train net output #\d+: (\S+) = (" + NUM + r")")
CAFFE_TEST_OUT_RE = re.compile(r"Test net output #\d+: (\S+) = (" + NUM + r")")


def caffe_points(lines, samples, per_iteration):
    epoch_len = -(-samples // per_iteration)  # L = ceil(samples / B)

    def where(iteration):
        """(epoch, batch) of an Iteration: Iteration div L, Iteration mod L; unknown if no Iteration."""
        if iteration is None:
            return None, None
        return iteration // epoch_len, iteration % epoch_len

    writer = PointWriter(lambda m: m.iteration * per_iteration)  # Caffe C = Iteration x B
    latest_iteration = None   # the iteration of the latest solver line ("Iteration N, ...")
    testing_iteration = None  # the iteration of the last "Iteration N, Testing net (#k)" line

    for line in lines:
        m = CAFFE_SPEED_LOSS_RE.search(line)
        if m:
            it = int(m.group(1))
            latest_iteration = it
            e, b = where(it)
            writer.add(Metric("speed", to_float(m.group(2)), "train", it, e, b))
            writer.add(Metric("loss", to_float(m.group(3)), "train", it, e, b))
            continue
        m = CAFFE_LOSS_RE.search(line)
        if m:
            it = int(m.group(1))
            latest_iteration = it
            e, b = where(it)
            writer.add(Metric("loss", to_float(m.group(2)), "train", it, e, b))
            continue
        m = CAFFE_LR_RE.search(line)
        if m:
            it = int(m.group(1))
            latest_iteration = it
            e, b = where(it)
            writer.add(Metric("lr", to_float(m.group(2)), "train", it, e, b))
            continue
        m = CAFFE_TESTING_RE.search(line)
        if m:
            # No metric; the Test net outputs that follow belong to this iteration.
            # DECISION: a "Testing net" line is also an iteration "seen" for later Train net outputs
            # (it carries the solver's current iteration). In the fixtures every Train net output
            # follows its own "Iteration N, loss = X" line, so this changes no golden line.
            testing_iteration = int(m.group(1))
            latest_iteration = testing_iteration
            continue
        m = CAFFE_TRAIN_OUT_RE.search(line)
        if m:
            # The raw net output, under "output:NAME" (so "loss" becomes ava_metric_training_output_loss
            # and does not collide with the solver's smoothed loss line).
            e, b = where(latest_iteration)
            writer.add(Metric("output:" + m.group(1), to_float(m.group(2)), "train",
                              latest_iteration, e, b))
            continue
        m = CAFFE_TEST_OUT_RE.search(line)
        if m:
            # Test metrics never produce progress points (only Train ones do).
            e, b = where(testing_iteration)
            writer.add(Metric(m.group(1), to_float(m.group(2)), "test", testing_iteration, e, b))
            continue
    return writer.lines


# --------------------------------------------------------------------------------------------------
# MXNet
# --------------------------------------------------------------------------------------------------

# "Epoch[e] Batch [n]" or "Batch [a-n]" (the end n counts), or "Iter[e]" instead of "Epoch[e]".
MX_BATCH = r"(?:Epoch|Iter)\[(\d+)\]\s+Batch\s*\[(?:\d+-)?(\d+)\]"
# Speedometer: "... Epoch[0] Batch [50]\tSpeed: 707.55 samples/sec\tTrain-accuracy=0.198750"
MX_SPEED_RE = re.compile(MX_BATCH + r"\s+Speed: (" + NUM + r") samples/sec(.*)$")
# The learning-rate logger: "... Epoch[e] Batch [n] learning-rate: X" or "... lr: X".
MX_BATCH_LR_RE = re.compile(MX_BATCH + r"\s+(?:learning-rate|lr): (" + NUM + r")")
MX_TRAIN_END_RE = re.compile(r"Epoch\[(\d+)\] Train-([^=\s]+)=(" + NUM + r")")
MX_VALIDATION_RE = re.compile(r"Epoch\[(\d+)\] Validation-([^=\s]+)=(" + NUM + r")")
MX_TIME_COST_RE = re.compile(r"Epoch\[(\d+)\] Time cost=(" + NUM + r")")
MX_UPDATE_LR_RE = re.compile(r"Update\[(\d+)\]: Change learning rate to (" + NUM + r")")
# Any Epoch[e] / Iter[e] on a line sets the epoch the next "Update[n]" line belongs to.
# DECISION: every line carrying "Epoch[e]" counts, metric or not (e.g. "Epoch[0] Resetting Data
# Iterator"). In the fixtures every "Update[n]: Change learning rate" line sits between two
# Speedometer lines of the same epoch (e.g. resnet-164 line 2419 between Epoch[219] Batch [250] and
# Batch [300]), so any reading gives the same epoch.
MX_ANY_EPOCH_RE = re.compile(r"(?:Epoch|Iter)\[(\d+)\]")


def mxnet_points(lines, samples, per_iteration):
    epoch_len = -(-samples // per_iteration)  # L = ceil(samples / B)
    # MXNet C = Epoch x samples + Batch x B (the Batch of the Speedometer line, not Iteration mod L).
    writer = PointWriter(lambda m: m.epoch * samples + m.batch * per_iteration)
    latest_epoch = None

    for line in lines:
        m = MX_SPEED_RE.search(line)
        if m:
            e, n = int(m.group(1)), int(m.group(2))
            it = e * epoch_len + n
            writer.add(Metric("speed", to_float(m.group(3)), "train", it, e, n))
            # Then every whitespace-separated name=value token, left to right.
            # DECISION (no fixture line has one): a token that is not "name=<number>" is skipped.
            for token in m.group(4).split():
                name, sep, value = token.partition("=")
                if not sep or not name or not NUM_FULL_RE.match(value):
                    continue
                if name.startswith("Train-"):
                    name = name[len("Train-"):]
                writer.add(Metric(name, to_float(value), "train", it, e, n))
            latest_epoch = e
            continue
        m = MX_BATCH_LR_RE.search(line)
        if m:
            e, n = int(m.group(1)), int(m.group(2))
            writer.add(Metric("lr", to_float(m.group(3)), "train", e * epoch_len + n, e, n))
            latest_epoch = e
            continue
        m = MX_UPDATE_LR_RE.search(line)
        if m:
            # Iteration n, the epoch of the latest Epoch[e]/Iter[e] line before it, no Batch (so it
            # never produces progress points).
            writer.add(Metric("lr", to_float(m.group(2)), "train", int(m.group(1)), latest_epoch, None))
            # (an Update line carries no Epoch[e], so latest_epoch is left as it is)
            continue
        m = MX_TRAIN_END_RE.search(line)
        if m:
            e = int(m.group(1))
            writer.add(Metric(m.group(2), to_float(m.group(3)), "train", None, e, None))
            latest_epoch = e
            continue
        m = MX_VALIDATION_RE.search(line)
        if m:
            e = int(m.group(1))
            writer.add(Metric(m.group(2), to_float(m.group(3)), "validation", None, e, None))
            latest_epoch = e
            continue
        m = MX_TIME_COST_RE.search(line)
        if m:
            e = int(m.group(1))
            writer.add(Metric("time-cost", to_float(m.group(2)), "train", None, e, None))
            latest_epoch = e
            continue
        m = MX_ANY_EPOCH_RE.search(line)
        if m:
            latest_epoch = int(m.group(1))
    return writer.lines


# --------------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------------


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    fixtures_dir = argv[1] if len(argv) > 1 else (
        os.environ.get("AVASDK_FIXTURES") or os.path.join(here, "..", "..", "..", "..", "shared", "fixtures"))
    with open(os.path.join(here, "fixtures.json"), encoding="utf-8") as f:
        fixtures = json.load(f)

    for rel in sorted(fixtures):
        info = fixtures[rel]
        per_iteration = info["batchSize"] * info["gpus"]  # B = batchSize x gpus
        with open(os.path.join(fixtures_dir, rel), "rb") as f:
            lines = split_lines(f.read())
        framework = info["framework"].lower()
        if framework == "caffe":
            out = caffe_points(lines, info["samples"], per_iteration)
        elif framework == "mxnet":
            out = mxnet_points(lines, info["samples"], per_iteration)
        else:
            raise SystemExit("unknown framework %r for %s" % (info["framework"], rel))

        framework_dir, name = os.path.split(rel)
        target = os.path.join(here, framework_dir, os.path.splitext(name)[0] + ".lp")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        # Lines joined with "\n", with a final "\n"; written with "\n" on every platform.
        with open(target, "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(line + "\n" for line in out))

        counts = Counter(line.split(",", 1)[0] for line in out)
        print("%s: %d lines" % (os.path.relpath(target, here), len(out)))
        for measurement in sorted(counts):
            print("    %-45s %d" % (measurement, counts[measurement]))


if __name__ == "__main__":
    main(sys.argv)
