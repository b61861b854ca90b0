#!/usr/bin/python3
"""Sample a text corpus from a model with build/lolcat-chat.

Every document is one lolcat-chat run from an empty prompt (BOS only) with its
own seed, plain temperature sampling (no top-k/top-p/min-p), written as one
JSON line {"seed": S, "text": "..."}. Runs are spread over --jobs processes;
the output is ordered by seed, so the file depends only on the arguments.

  sample_corpus.py MODEL.gguf OUT.jsonl --first-seed 1 --docs 8000 -n 500 [--jobs 2]
"""
import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sample(chat, model, seed, n_tokens, temp):
    cmd = [chat, "-m", model, "-p", "", "-n", str(n_tokens), "--temp", str(temp),
           "--top-k", "0", "--top-p", "1", "--min-p", "0", "--seed", str(seed), "-t", "1"]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(cmd), r.stderr.decode(errors="replace")))
    return r.stdout.decode("utf-8", errors="replace").strip()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("-n", "--tokens", type=int, default=500, help="tokens sampled per document")
    ap.add_argument("--temp", type=float, default=1.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--chat", default=os.path.join(ROOT, "build", "lolcat-chat"))
    a = ap.parse_args(argv)
    if not os.path.exists(a.chat):
        sys.exit("sample_corpus: %s not found (run make first)" % a.chat)
    seeds = list(range(a.first_seed, a.first_seed + a.docs))
    t0, done, chars = time.time(), 0, 0
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f, ThreadPoolExecutor(a.jobs) as pool:
        for seed, text in zip(seeds, pool.map(lambda s: sample(a.chat, a.model, s, a.tokens, a.temp), seeds)):
            f.write(json.dumps({"seed": seed, "text": text}, ensure_ascii=False) + "\n")
            done += 1
            chars += len(text)
            if done % 100 == 0 or done == len(seeds):
                el = time.time() - t0
                sys.stderr.write("\rsample_corpus: %d/%d docs, %.1f MB text, %.0f s, ~%.0f tok/s "
                                 % (done, len(seeds), chars / 1e6, el, done * a.tokens / max(el, 1e-9)))
                sys.stderr.flush()
    os.replace(tmp, a.out)
    sys.stderr.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
