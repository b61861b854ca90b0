#!/usr/bin/python3
"""Held-out perplexity of GGUF models with build/lolcat-score, inside and beyond a window.

  lolcats_eval.py tokenize --vocab VOCAB DATA.jsonl TOKDIR [--max-tokens N]
      VOCAB is a GGUF with a SentencePiece vocabulary or a tokenizer.model file.
      Writes TOKDIR/NNNN.tokens, one document per file ([BOS] + ids).
  lolcats_eval.py score MODEL.gguf TOKDIR --split-at W [--json OUT.json]
      Runs lolcat-score on every document (one lc_eval call each, the default sliding
      windows) and pools the negative log-likelihood over all documents: perplexity of
      all predictions, of predictions made at positions < W (inside the softmax window)
      and at positions >= W (depending on the recurrent state).
"""

import argparse
import glob
import json
import math
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)


def make_encoder(vocab):
    import hf_io
    if vocab.endswith(".gguf"):
        import gguf
        meta, _ = gguf.read_gguf(vocab)
        return hf_io.GGUFSpmEncoder(meta)
    return hf_io.SpmFileEncoder(vocab)


def tokenize(vocab, data, outdir, max_tokens=0):
    """One file per document; max_tokens > 0 keeps only the first max_tokens ids of each."""
    import linearize
    enc = make_encoder(vocab)
    docs = linearize.encode_documents(linearize.read_documents(data), enc, enc.bos)
    if max_tokens > 0:
        docs = [d[:max_tokens] for d in docs]
    os.makedirs(outdir, exist_ok=True)
    for old in glob.glob(os.path.join(outdir, "*.tokens")):
        os.remove(old)
    for i, ids in enumerate(docs):
        with open(os.path.join(outdir, "%04d.tokens" % i), "w") as f:
            f.write(" ".join(map(str, ids)) + "\n")
    return len(docs), sum(len(d) for d in docs)


LINE = re.compile(r"perplexity(_before|_after)? ([0-9.eE+-]+|inf|nan) over (\d+) predictions")


def score(model, tokdir, split_at, scorer=os.path.join(ROOT, "build", "lolcat-score"), threads=1):
    """-> {"all", "inside", "beyond": perplexity, "n_inside", "n_beyond", "docs"}"""
    files = sorted(glob.glob(os.path.join(tokdir, "*.tokens")))
    if not files:
        raise SystemExit("lolcats_eval: no .tokens files in %s" % tokdir)
    nll = {"": 0.0, "_before": 0.0, "_after": 0.0}
    cnt = {"": 0, "_before": 0, "_after": 0}
    for fn in files:
        r = subprocess.run([scorer, "-m", model, "--tokens", fn, "--split-at", str(split_at), "-t", str(threads)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        if r.returncode != 0:
            raise SystemExit("lolcats_eval: lolcat-score failed on %s: %s" % (fn, r.stderr.decode(errors="replace")))
        for m in LINE.finditer(r.stdout.decode()):
            part, ppl, n = m.group(1) or "", float(m.group(2)), int(m.group(3))
            nll[part] += math.log(ppl) * n
            cnt[part] += n
    ppl = lambda p: math.exp(nll[p] / cnt[p]) if cnt[p] else float("nan")  # noqa: E731
    return {"all": ppl(""), "inside": ppl("_before"), "beyond": ppl("_after"),
            "n_inside": cnt["_before"], "n_beyond": cnt["_after"], "docs": len(files)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tokenize")
    t.add_argument("--vocab", required=True)
    t.add_argument("data")
    t.add_argument("outdir")
    t.add_argument("--max-tokens", type=int, default=0, help="truncate every document")
    s = sub.add_parser("score")
    s.add_argument("model")
    s.add_argument("tokdir")
    s.add_argument("--split-at", type=int, required=True)
    s.add_argument("--json")
    a = ap.parse_args(argv)
    if a.cmd == "tokenize":
        n, toks = tokenize(a.vocab, a.data, a.outdir, a.max_tokens)
        print("lolcats_eval: %d documents, %d tokens -> %s" % (n, toks, a.outdir))
        return 0
    res = score(a.model, a.tokdir, a.split_at)
    print("%s: perplexity %.4f | inside window (pos < %d) %.4f over %d | beyond %.4f over %d | %d docs"
          % (a.model, res["all"], a.split_at, res["inside"], res["n_inside"], res["beyond"], res["n_beyond"],
             res["docs"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
