#!/usr/bin/python3
"""Rebuild the shipped default model, models/lolcat-stories.gguf, end to end (`make default-model`).

  default_model.py TEACHER.gguf [--work build/default-model] [--out models]

1. corpus: 10000 documents of 500 tokens (5.0M tokens) sampled from the teacher (stories260K) with
   build/lolcat-chat at temperature 1 (no top-k/top-p/min-p), seeds 1..10000; 100 held-out
   documents from seeds 1000001..1000100.
2. tools/train_llama.py: a 1024-piece SentencePiece BPE tokenizer and a softmax Llama
   (dim 128, 4 layers, 4 heads / 2 KV heads, FFN 320, context 512) trained from scratch.
3. tools/linearize.py: LoLCATs with sliding windows of 32 tokens, Hedgehog F = 16,
   attention transfer, then LoRA r=8 alpha=16 on q/k/v/o. Writes the official .pt files.
4. tools/convert_hf.py: the softmax folder + .pt files -> models/lolcat-stories.gguf (q8_0),
   and the softmax model alone -> models/lolcat-stories-softmax.gguf (q8_0).
5. build/lolcat-score on the held-out documents -> models/quality.md; the held-out text is
   copied to models/heldout-stories.jsonl so the table can be rerun from the repository.
Every stage is skipped when its output exists (delete WORK to start over). All seeds are
fixed; PyTorch on CPU with one thread is deterministic for a given machine and library.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = sys.executable or "/usr/bin/python3"
sys.path.insert(0, HERE)
import lolcats_eval  # noqa: E402
import lolcats_experiment  # noqa: E402

WINDOW = 32
CORPUS_DOCS, HELDOUT_DOCS, DOC_TOKENS = 10000, 100, 500
TRAIN = ["--vocab", "1024", "--dim", "128", "--layers", "4", "--heads", "4", "--kv-heads", "2",
         "--ffn", "320", "--ctx", "512", "--batch", "8", "--lr", "3e-3", "--seed", "1234"]
LINEARIZE = ["--window", str(WINDOW), "--window-kind", "sw", "--feature-dim", "16", "--batch", "4",
             "--seq-len", "512", "--lr1", "1e-2", "--lr2", "1e-3", "--lora-rank", "8", "--lora-alpha", "16",
             "--seed", "0"]


def stage(name, out, fn):
    if os.path.exists(out):
        print("default_model: %s: %s exists, skipped" % (name, out), file=sys.stderr)
        return
    t0 = time.time()
    fn()
    print("default_model: %s done in %.0fs" % (name, time.time() - t0), file=sys.stderr)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("teacher")
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "default-model"))
    ap.add_argument("--out", default=os.path.join(ROOT, "models"))
    ap.add_argument("--pretrain-steps", type=int, default=600)
    ap.add_argument("--steps1", type=int, default=150)
    ap.add_argument("--steps2", type=int, default=150)
    a = ap.parse_args(argv)
    w = a.work
    os.makedirs(w, exist_ok=True)
    os.makedirs(a.out, exist_ok=True)
    run = lolcats_experiment.run
    corpus, held = os.path.join(w, "corpus.jsonl"), os.path.join(w, "heldout.jsonl")
    softmax, lol = os.path.join(w, "softmax"), os.path.join(w, "lolcats")

    stage("corpus", corpus, lambda: run([PY, os.path.join(HERE, "sample_corpus.py"), a.teacher, corpus,
                                         "--first-seed", "1", "--docs", str(CORPUS_DOCS), "-n", str(DOC_TOKENS)]))
    stage("held-out text", held, lambda: run([PY, os.path.join(HERE, "sample_corpus.py"), a.teacher, held,
                                              "--first-seed", "1000001", "--docs", str(HELDOUT_DOCS),
                                              "-n", str(DOC_TOKENS)]))
    stage("softmax pretraining", os.path.join(softmax, "model.safetensors"),
          lambda: run([PY, os.path.join(HERE, "train_llama.py"), "--data", corpus, "-o", softmax,
                       "--steps", str(a.pretrain_steps)] + TRAIN, log=os.path.join(w, "train_llama.log")))
    stage("linearize", os.path.join(lol, "lora.pt"),
          lambda: run([PY, os.path.join(HERE, "linearize.py"), softmax, "--data", corpus, "-o", lol,
                       "--steps1", str(a.steps1), "--steps2", str(a.steps2)] + LINEARIZE,
                      log=os.path.join(w, "linearize.log")))
    model = os.path.join(a.out, "lolcat-stories.gguf")
    soft = os.path.join(a.out, "lolcat-stories-softmax.gguf")
    lolcats_experiment.convert(softmax, lol, model, outtype="q8_0")
    lolcats_experiment.convert(softmax, None, soft, outtype="q8_0")
    shutil.copyfile(held, os.path.join(a.out, "heldout-stories.jsonl"))

    tok = os.path.join(w, "heldout-tokens")
    lolcats_eval.tokenize(os.path.join(softmax, "tokenizer.model"), held, tok)
    res = {"softmax": lolcats_eval.score(soft, tok, WINDOW), "lolcats": lolcats_eval.score(model, tok, WINDOW)}
    s = res["softmax"]
    rows = ["| model | perplexity | inside window (pos < %d) | beyond window (pos >= %d) |" % (WINDOW, WINDOW),
            "|---|---|---|---|",
            lolcats_experiment.fmt_row("softmax (lolcat-stories-softmax.gguf)", s),
            lolcats_experiment.fmt_row("LoLCATs hybrid w=%d (lolcat-stories.gguf)" % WINDOW, res["lolcats"], s)]
    table = "\n".join(rows)
    with open(os.path.join(a.out, "quality.md"), "w") as f:
        f.write("%d held-out documents (%d predictions inside the window, %d beyond)\n\n%s\n"
                % (s["docs"], s["n_inside"], s["n_beyond"], table))
    with open(os.path.join(w, "quality.json"), "w") as f:
        json.dump(res, f, indent=1)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
