#!/usr/bin/python3
"""LoLCATs on a real softmax model, end to end, with ablations.

  lolcats_experiment.py TEACHER.gguf WORKDIR [--train-data T.jsonl | --train-docs N]
                        [--eval-data E.jsonl | --eval-docs M] [--window 64] [--feature-dim F]
                        [--steps1 S1] [--steps2 S2] [--batch B] [--seq-len L]
                        [--variants lolcats,no_transfer,linear] [--max-ratio X]

1. Text: unless given, training and held-out documents are sampled from the teacher
   with build/lolcat-chat (temperature 1, seeds 1.. for training, 1000001.. held out).
2. Each variant runs tools/linearize.py, which writes the official LoLCATs .pt files;
   tools/convert_hf.py turns base + .pt files into a GGUF.
     lolcats      attention transfer, then LoRA              (the paper's recipe)
     no_transfer  maps swapped in untrained, then maps + factors + LoRA finetuned
     linear       pure linear attention (no window): transfer, then LoRA
3. build/lolcat-score measures held-out perplexity of the teacher and of every variant,
   pooled over documents, for positions inside (< w) and beyond (>= w) the window.
--max-ratio X fails (exit 1) unless the lolcats variant's perplexity is at most X times
the teacher's: the CI check.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = sys.executable or "/usr/bin/python3"
sys.path.insert(0, HERE)
import lolcats_eval  # noqa: E402

VARIANTS = {
    "lolcats": ("LoLCATs: attention transfer + LoRA", []),
    "no_transfer": ("(a) no attention transfer: maps + LoRA finetuned only", ["--no-transfer"]),
    "linear": ("(b) pure linear attention, no window: transfer + LoRA", ["--kind", "linear"]),
}


def run(cmd, log=None):
    """Runs cmd; with log, its output goes (streamed) to that file and is shown on failure."""
    t0 = time.time()
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    if log:
        with open(log, "wb") as f:
            r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    else:
        r = subprocess.run(cmd)
    if r.returncode != 0:
        if log:
            with open(log, "rb") as f:
                sys.stderr.write(f.read().decode(errors="replace")[-3000:])
        raise SystemExit("lolcats_experiment: command failed (%d): %s" % (r.returncode, " ".join(cmd)))
    return time.time() - t0


def convert(base, ckdir, out, outtype="f32"):
    """Base Hugging Face folder + official .pt checkpoints (ckdir None: none) -> GGUF,
    through tools/convert_hf.py."""
    converter = os.environ.get("LOLCAT_CONVERT_HF", os.path.join(HERE, "convert_hf.py"))
    if not os.path.exists(converter):
        raise SystemExit("lolcats_experiment: %s not found (set LOLCAT_CONVERT_HF to another copy)" % converter)
    cmd = [PY, converter, base, "-o", out, "--outtype", outtype]
    if ckdir:
        cmd += ["--checkpoint", os.path.join(ckdir, "distill.pt"),
                "--lolcats-config", os.path.join(ckdir, "model_config.yaml")]
        if os.path.exists(os.path.join(ckdir, "lora.pt")):
            cmd += ["--checkpoint", os.path.join(ckdir, "lora.pt"),
                    "--finetune-config", os.path.join(ckdir, "finetune_config.yaml")]
    run(cmd)


def sample(teacher, out, first_seed, docs, tokens):
    """Sampled text is kept beside a key naming the teacher (its bytes' hash) and the settings,
    so a changed teacher or setting samples again instead of reusing stale text."""
    h = hashlib.sha256()
    if os.path.isfile(teacher):
        with open(teacher, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    else:
        h.update(os.path.abspath(teacher).encode())
    key = "%s first-seed %d docs %d tokens %d\n" % (h.hexdigest(), first_seed, docs, tokens)
    key_file = out + ".key"
    if os.path.exists(out) and os.path.exists(key_file):
        with open(key_file) as f:
            if f.read() == key:
                return
    run([PY, os.path.join(HERE, "sample_corpus.py"), teacher, out, "--first-seed", str(first_seed),
         "--docs", str(docs), "-n", str(tokens)])
    with open(key_file, "w") as f:
        f.write(key)


def fmt_row(name, r, ref=None):
    rel = lambda k: " (%+.1f%%)" % (100 * (r[k] / ref[k] - 1)) if ref else ""  # noqa: E731
    return "| %s | %.3f%s | %.3f%s | %.3f%s |" % (name, r["all"], rel("all"), r["inside"], rel("inside"),
                                                 r["beyond"], rel("beyond"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("teacher")
    ap.add_argument("workdir")
    ap.add_argument("--train-data")
    ap.add_argument("--eval-data")
    ap.add_argument("--vocab", help="tokenizer for the held-out text (default: the teacher GGUF)")
    ap.add_argument("--train-docs", type=int, default=400)
    ap.add_argument("--eval-docs", type=int, default=100)
    ap.add_argument("--doc-tokens", type=int, default=500)
    ap.add_argument("--eval-max-tokens", type=int, default=0,
                    help="score only the first N tokens of each held-out document (0: all)")
    ap.add_argument("--window", type=int, default=64)
    ap.add_argument("--feature-dim", type=int)
    ap.add_argument("--steps1", type=int, default=200)
    ap.add_argument("--steps2", type=int, default=200)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--lr2", type=float, default=1e-3)
    ap.add_argument("--variants", default="lolcats,no_transfer,linear")
    ap.add_argument("--max-ratio", type=float, help="fail unless lolcats/teacher perplexity <= this")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    os.makedirs(a.workdir, exist_ok=True)
    t0 = time.time()
    train = a.train_data or os.path.join(a.workdir, "train.jsonl")
    held = a.eval_data or os.path.join(a.workdir, "heldout.jsonl")
    if not a.train_data:
        sample(a.teacher, train, 1, a.train_docs, a.doc_tokens)
    if not a.eval_data:
        sample(a.teacher, held, 1000001, a.eval_docs, a.doc_tokens)
    tokdir = os.path.join(a.workdir, "heldout-tokens")
    lolcats_eval.tokenize(a.vocab or a.teacher, held, tokdir, a.eval_max_tokens)

    results = {"teacher": lolcats_eval.score(a.teacher, tokdir, a.window)}
    for name in [v for v in a.variants.split(",") if v]:
        out = os.path.join(a.workdir, name)
        cmd = [PY, os.path.join(HERE, "linearize.py"), a.teacher, "--data", train, "-o", out,
               "--window", str(a.window), "--steps1", str(a.steps1), "--steps2", str(a.steps2),
               "--batch", str(a.batch), "--seq-len", str(a.seq_len), "--lr2", str(a.lr2),
               "--seed", str(a.seed)] + VARIANTS[name][1]
        if a.feature_dim:
            cmd += ["--feature-dim", str(a.feature_dim)]
        secs = run(cmd, log=os.path.join(a.workdir, name + ".log"))
        base = a.teacher if os.path.isdir(a.teacher) else os.path.join(out, "base")
        gguf_path = os.path.join(a.workdir, name + ".gguf")
        convert(base, out, gguf_path)
        results[name] = lolcats_eval.score(gguf_path, tokdir, a.window)
        results[name]["train_seconds"] = secs

    t = results["teacher"]
    lines = ["held-out: %d documents sampled from the teacher, %d predictions inside the window "
             "(positions < %d), %d beyond" % (t["docs"], t["n_inside"], a.window, t["n_beyond"]),
             "", "| model | perplexity | inside window | beyond window |", "|---|---|---|---|",
             fmt_row("softmax teacher (%s)" % os.path.basename(a.teacher), t)]
    for name in results:
        if name != "teacher":
            lines.append(fmt_row(VARIANTS[name][0], results[name], t))
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(a.workdir, "results.md"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(a.workdir, "results.json"), "w") as f:
        json.dump({"args": vars(a), "results": results, "seconds": time.time() - t0}, f, indent=1)
    print("lolcats_experiment: %.0fs" % (time.time() - t0), file=sys.stderr)
    if a.max_ratio is not None and "lolcats" in results:
        ratio = results["lolcats"]["all"] / t["all"]
        ok = ratio <= a.max_ratio
        print("%s: linearized/teacher perplexity %.3f / %.3f = %.3f (limit %.3f)"
              % ("ok" if ok else "FAIL", results["lolcats"]["all"], t["all"], ratio, a.max_ratio))
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
