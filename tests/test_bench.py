#!/usr/bin/python3
"""build/lolcat-bench tests (run by `make test`).

The bench measures; these tests check that what it prints is consistent, not how fast the
machine is: the jitter probe's lines add up (every gap it counts is over 10 us, the mean
gap is no longer than the longest, no thread loses more than all of its time; with 2 threads a
cache-line round trip between them takes some time, and ends even with both threads on one
CPU), bad arguments are
refused with exit code 2, and a short run on a synthetic 110M model writes a CSV whose
rows carry positive speeds, and a LoLCATs state that stops growing once the window is
full; beside the 1-thread prefill, 2 prompts of 1 thread at once count their tokens once.

usage: tests/test_bench.py [BUILD_DIR]
"""

import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
BENCH = os.path.join(BUILD, "lolcat-bench")
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what)


def run(*args, timeout=600):
    p = subprocess.run([BENCH, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


JITTER = re.compile(r"^  (\d+) busy, thread (\d+): lost +([0-9.]+)% in (\d+) gaps \(([0-9.]+)/s, mean ([0-9.]+) us\), "
                    r"(\d+) over 1 ms, longest ([0-9.]+) ms$")


def test_jitter_probe():
    rc, out, err = run("-t", "2", "--jitter-probe", "0.3")
    check(rc == 0, "--jitter-probe 0.3 exits 0 (rc %d, %s)" % (rc, err.strip()))
    lines = [m for m in (JITTER.match(l) for l in out.splitlines()) if m]
    teams = sorted({int(m.group(1)) for m in lines})
    check(teams and teams[0] == 1, "a line for 1 busy thread first: %r" % out)
    check(len(teams) == 2 and teams[1] == 2, "then lines for 2 busy threads: %r" % out)
    for m in lines:
        team, thread, lost, gaps, per_s, mean_us, long_gaps, longest_ms = (
            int(m.group(1)), int(m.group(2)), float(m.group(3)), int(m.group(4)), float(m.group(5)),
            float(m.group(6)), int(m.group(7)), float(m.group(8)))
        what = "team %d thread %d: " % (team, thread)
        check(0 <= thread < team, what + "thread id within the team")
        check(0.0 <= lost < 100.0, what + "lost share %.2f%% in [0, 100)" % lost)
        check(long_gaps <= gaps, what + "gaps over 1 ms are among the gaps")
        # the loop stops at its first clock read past 0.3 s, so it ran 0.3 s plus at most its
        # longest gap; the printed figures are rounded (rate to 1/s, mean to 0.1 us, share to 0.01%)
        t_lo, t_hi = 0.3, 0.3 + longest_ms * 1e-3 + 1e-4
        check(gaps / t_hi - 0.5 <= per_s <= gaps / t_lo + 0.5, what + "gaps per second match the count over about 0.3 s")
        if gaps:
            check(mean_us >= 10.0, what + "a counted gap is over 10 us, mean %.1f" % mean_us)
            check(longest_ms * 1000.0 + 0.01 >= mean_us, what + "the longest gap is at least the mean")
            check((long_gaps > 0) == (longest_ms > 1.0), what + "a gap over 1 ms iff the longest is over 1 ms")
            lost_s = gaps * mean_us * 1e-6   # lost time = gaps x mean, as a share of the run
            check(lost_s / t_hi * 100.0 * 0.994 - 0.006 <= lost <= lost_s / t_lo * 100.0 * 1.006 + 0.006,
                  what + "lost = gaps x mean")
        else:
            check(lost == 0.0 and long_gaps == 0, what + "no gaps, nothing lost")


ROUND_TRIP = re.compile(r"^  cache-line round trip, thread 0 -> 1 -> 0: best (\d+) ns, median (\d+) ns \(7 batches of up to 20000\)$")


def last_round_trip(out):
    """(best, median) from the round-trip line if it is the output's last line, else None"""
    m = ROUND_TRIP.match(out.splitlines()[-1]) if out.strip() else None
    return (int(m.group(1)), int(m.group(2))) if m else None


def test_round_trip():
    # 2 threads: one line after the jitter lines; a round trip takes time (a race on the batch
    # counter once printed 0 ns), the best batch is no slower than the median
    rc, out, err = run("-t", "2", "--jitter-probe", "0.1")
    check(rc == 0, "--jitter-probe 0.1 exits 0 (rc %d, %s)" % (rc, err.strip()))
    trip = last_round_trip(out)
    check(sum(1 for l in out.splitlines() if ROUND_TRIP.match(l)) == 1 and trip, "one round-trip line, the last: %r" % out)
    if trip:
        best, median = trip
        check(5 <= best <= median, "round trip: 5 ns <= best %d <= median %d" % (best, median))
        check(median < 100000000, "round trip: median %d ns under 0.1 s (a batch is cut short after 0.1 s)" % median)
    # 1 thread: nothing to bounce a line with
    rc, out, err = run("-t", "1", "--jitter-probe", "0.1")
    check(rc == 0 and "round trip" not in out, "-t 1: no round-trip line (rc %d): %r" % (rc, out))
    # both threads on one CPU: every trip waits for a time slice, so each batch is cut short
    # after 0.1 s, and the run must still end (a stale stop signal once could hang it)
    if not shutil.which("taskset"):
        print("skip: taskset not found, the one-CPU round trip is not run")
        return
    try:
        p = subprocess.run(["taskset", "-c", "0", BENCH, "-t", "2", "--jitter-probe", "0.05"],
                           capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        check(False, "one CPU: the round trip ends within 120 s")
        return
    trip = last_round_trip(p.stdout)
    check(p.returncode == 0 and trip, "one CPU: exits 0 with the round-trip line (rc %d): %r" % (p.returncode, p.stdout))
    if trip:
        best, median = trip
        check(5 <= best <= median < 1000000000, "one CPU: 5 ns <= best %d <= median %d < 1 s" % (best, median))


def test_bad_arguments():
    for args in (["--jitter-probe", "0"], ["--jitter-probe", "-1"], ["--jitter-probe", "601"],
                 ["--jitter-probe", "nan"], ["--jitter-probe"], ["--no-such-option"]):
        rc, out, err = run(*args, timeout=60)
        check(rc == 2 and err.strip(), "%s: exit code 2 with a message (rc %d, %r)" % (" ".join(args), rc, err))


def run_csv(*args):
    """lolcat-bench with args, writing its CSV to a temporary file: (rc, stdout, stderr, CSV rows)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bench.csv")
        rc, out, err = run(*args, "--csv", path)
        if not os.path.exists(path):
            return rc, out, err, []
        with open(path) as f:
            return rc, out, err, list(csv.DictReader(f))


def test_short_run_csv():
    rc, out, err, rows = run_csv("-t", "2", "--shape", "stories110M", "--type", "q8_0", "--attn", "hybrid",
                                 "--positions", "0,200,400", "--prefill", "24", "--decode-tokens", "2", "--one-token", "4")
    check(rc == 0, "short bench run exits 0 (rc %d, %s)" % (rc, err.strip()[-300:]))
    if rc != 0:
        return
    kinds = {r["kind"] for r in rows}
    check({"machine", "decode", "prefill", "prefill_token_by_token"} <= kinds, "CSV kinds: %s" % sorted(kinds))
    machine = [r for r in rows if r["kind"] == "machine"]
    check(machine and float(machine[0]["weight_gbps"]) > 0 and float(machine[0]["gflops"]) > 0,
          "the machine row has a bandwidth and an FMA peak")
    decode = {int(r["n"]): r for r in rows if r["kind"] == "decode"}
    check(sorted(decode) == [0, 200, 400], "decode rows at positions 0, 200 and 400: %s" % sorted(decode))
    for n, r in decode.items():
        check(float(r["tok_per_s"]) > 0 and float(r["weight_gbps"]) > 0, "decode at %d: positive speed" % n)
        check(abs(float(r["ms_per_tok"]) * float(r["tok_per_s"]) - 1000.0) < 1.0, "decode at %d: ms x tok/s = 1000" % n)
        check(float(r["state_bytes"]) > 0, "decode at %d: a LoLCATs model holds a state" % n)
    check(len(decode) == 3 and decode[200]["state_bytes"] == decode[400]["state_bytes"],
          "past the window (64), the state does not grow with the position")
    pre = [r for r in rows if r["kind"] == "prefill"]
    check(len(pre) == 2 and {r["threads"] for r in pre} == {"1", "2"}, "prefill rows for 2 threads and for 1")
    for r in pre:
        check(float(r["tok_per_s"]) > 0, "prefill on %s threads: positive speed" % r["threads"])
    check("decode  pos    400" in out and "prefill     24 tok" in out, "the printed table has the same rows")
    # beside the 1-thread prefill, 2 prompts of 1 thread each at once: the machine's own scaling
    apart = [r for r in rows if r["kind"] == "prefill_apart"]
    one = [r for r in pre if r["threads"] == "1"]
    check(len(apart) == 1 and apart[0]["threads"] == "2" and apart[0]["n"] == "24",
          "one prefill_apart row, for 2 prompts of 24 tokens: %s" % [(r["threads"], r["n"]) for r in apart])
    if apart and one:
        ratio = float(apart[0]["tok_per_s"]) / float(one[0]["tok_per_s"])
        # tokens counted once: 2 threads cannot give 3x one (a double count would read about 3.6x)
        check(0 < ratio < 3, "2 prompts at once against 1 thread: %.2fx, in (0, 3)" % ratio)
    line = re.search(r"prefill +24 tok, 2 prompts of 1 thread at once: +([0-9.]+) tok/s in all +\(([0-9.]+)x one thread", out)
    check(line and apart and abs(float(line.group(1)) - float(apart[0]["tok_per_s"])) < 0.01,
          "the printed line carries the CSV's speed")
    # one thread, or --no-single-thread: no 1-thread prefill to stand beside, so no prompts at once
    for args in (["-t", "1"], ["-t", "2", "--no-single-thread"]):
        rc, out, err = run(*args, "--shape", "stories110M", "--type", "q8_0", "--attn", "hybrid", "--positions", "none",
                           "--prefill", "8", "--one-token", "0")
        check(rc == 0 and "prefill      8 tok" in out and "at once" not in out,
              "%s: a prefill, and no prompts at once (rc %d)" % (" ".join(args), rc))


def test_side_by_side():
    # a model with no softmax layer, several rounds: the positions run side by side, token by
    # token, and each reports its median step (CSV kind decode_median)
    rc, out, err, rows = run_csv("-t", "2", "--shape", "stories110M", "--type", "q8_0", "--attn", "hybrid",
                                 "--positions", "0,200,400", "--prefill", "0", "--rounds", "3", "--decode-tokens", "2")
    check(rc == 0, "side by side: exits 0 (rc %d, %s)" % (rc, err.strip()[-300:]))
    if rc == 0:
        check("the positions side by side token by token" in out, "side by side: the decode header says so")
        steps = re.findall(r"median step +([0-9.]+) ms \(([0-9.]+) tok/s\) of ([0-9]+), the positions side by side", out)
        check(len(steps) == 3 and all(n == "6" for _, _, n in steps),
              "side by side: a median of 6 steps (3 rounds of 2) per position: %s" % steps)
        med = {int(r["n"]): r for r in rows if r["kind"] == "decode_median"}
        check(sorted(med) == [0, 200, 400], "side by side: decode_median rows at 0, 200 and 400: %s" % sorted(med))
        for n, r in med.items():
            check(float(r["tok_per_s"]) > 0 and abs(float(r["ms_per_tok"]) * float(r["tok_per_s"]) - 1000.0) < 1.0,
                  "side by side at %d: positive speed, ms x tok/s = 1000" % n)
        for (ms, _, _), n in zip(steps, (0, 200, 400)):
            check(n in med and abs(float(ms) - float(med[n]["ms_per_tok"])) < 0.01, "side by side at %d: the printed median is the CSV's" % n)
    # a softmax model's cache grows with the position: one context, positions one after another
    rc, out, err, rows = run_csv("-t", "2", "--shape", "stories110M", "--type", "q8_0", "--attn", "softmax",
                                 "--positions", "0,200", "--prefill", "0", "--rounds", "3", "--decode-tokens", "2")
    check(rc == 0 and "side by side" not in out and not [r for r in rows if r["kind"] == "decode_median"],
          "softmax: no positions side by side, no decode_median rows (rc %d)" % rc)
    # --summary's long_context_ratio: the worse type's median step at 32k against 256; with no
    # prefill, the prefill figures read n/a
    rc, out, err, rows = run_csv("-t", "2", "--shape", "stories110M", "--type", "q8_0,f32", "--attn", "hybrid",
                                 "--positions", "256,32k", "--prefill", "0", "--rounds", "3", "--decode-tokens", "2", "--summary")
    line = re.search(r"decode_roofline_fraction=(\S+) long_context_ratio=(\S+) prefill_peak_fraction=(\S+) thread_scaling=(\S+)", out)
    check(rc == 0 and line, "summary: exits 0 with the summary line (rc %d)" % rc)
    if line:
        med = {(r["type"], int(r["n"])): float(r["ms_per_tok"]) for r in rows if r["kind"] == "decode_median"}
        want = max(med[(t, 32768)] / med[(t, 256)] for t in ("q8_0", "f32")) if len(med) == 4 else None
        check(want is not None and abs(float(line.group(2)) - want) < 0.002,
              "summary: long_context_ratio %s is the worse median ratio %s" % (line.group(2), want))
        check(line.group(3) == "n/a" and line.group(4) == "n/a", "summary: no prefill, so n/a: %s" % line.group(0))

if __name__ == "__main__":
    if not os.path.exists(BENCH):
        print("FAIL: %s not built" % BENCH)
        sys.exit(1)
    test_jitter_probe()
    test_round_trip()
    test_bad_arguments()
    test_short_run_csv()
    test_side_by_side()
    print("test_bench: %d checks, %d failed" % (checks, failures))
    sys.exit(1 if failures else 0)
