#!/usr/bin/python3
"""tools/llama2c_to_gguf.py tests (run by `make test`).

Always: random models exported by tools/reference.py in llama2.c's version 0
(shared and separate classifier) and version 1 layouts are converted and
their lolcat-score logits compared with the float64 reference; bad files give
a one-line error and no output.
With ../shared: stories260K.bin + tok512.bin converted must hold the same 47
weight tensors and vocabulary as llama.cpp's stories260K.gguf, and give the
same greedy text, tokens and logits. Prints SKIP when ../shared is absent.

usage: tests/test_llama2c.py [BUILD_DIR]
"""

import os
import shutil
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_convert import ROOT, PY, T, run, score, rel_err, TOL_EXACT  # noqa: E402
import gguf  # noqa: E402
import reference as R  # noqa: E402
from reference import Config, layer  # noqa: E402

TOOL = os.path.join(ROOT, "tools", "llama2c_to_gguf.py")


def convert(*args):
    return run([PY, TOOL] + list(args))


def synthetic(build, work):
    V = 300
    cases = [("v0_shared", 0, True), ("v0_separate", 0, False), ("v1_separate", 1, False), ("v1_shared", 1, True)]
    for name, version, tied in cases:
        cfg = Config(V, 32, [layer("softmax", n_head=4, n_head_kv=2, n_ff=48)] * 2, tied=tied)
        model = R.round_model(R.random_model(cfg, R.case_seed(name)), gguf.F32)
        d = os.path.join(work, name)
        os.makedirs(d, exist_ok=True)
        mp, tp, out = os.path.join(d, "model.bin"), os.path.join(d, "tok.bin"), os.path.join(d, "out.gguf")
        R.write_llama2c(model, mp, version)
        tokens_text = R.write_llama2c_tokenizer(tp, V)
        rc, _, se = convert(mp, tp, "-o", out)
        if not T.check(rc == 0, "llama2c %s: converts: %s" % (name, se.strip())):
            continue
        r = gguf.GGUFReader(out)
        T.check(r.meta["tokenizer.ggml.tokens"] == tokens_text
                and r.meta["tokenizer.ggml.token_type"][:4] == [2, 3, 3, 6]
                and ("output.weight" in r.tensors) == (not tied),
                "llama2c %s: vocabulary restored (U+2581, <s>/</s>, types), classifier %s"
                % (name, "shared" if tied else "separate"))
        toks = R.case_tokens(name, cfg, 40)
        got = score(build, out, toks, d)
        ref = R.run(model, toks).numpy()
        e = rel_err(got, ref) if got is not None else 1e30
        T.check(e <= TOL_EXACT, "llama2c %s: logits vs reference rel err %.3g" % (name, e))
        print("  llama2c %-12s logits rel err vs reference %.2e" % (name, e))
    # bad input
    d = os.path.join(work, "v0_separate")
    mp, tp = os.path.join(d, "model.bin"), os.path.join(d, "tok.bin")
    data, tok = open(mp, "rb").read(), open(tp, "rb").read()
    bad = os.path.join(work, "bad")
    os.makedirs(bad, exist_ok=True)

    def put(name, content):
        p = os.path.join(bad, name)
        with open(p, "wb") as f:
            f.write(content)
        return p

    import struct
    cases = [("truncated model", put("trunc.bin", data[:-40]), tp, "truncated"),
             ("trailing bytes", put("long.bin", data + b"\0" * 8), tp, "bytes after the weights"),
             ("absurd header", put("absurd.bin", struct.pack("<7i", 64, 172, 5, 8, 4, -1 << 30, 512) + data[28:]), tp,
              "vocab_size"),
             ("short tokenizer", mp, put("short_tok.bin", tok[:len(tok) // 2]), "truncated at token"),
             ("tokenizer too long", mp, put("long_tok.bin", tok + struct.pack("<fi", 0, 1) + b"x"), "bytes after")]
    for what, m, t, needle in cases:
        out = os.path.join(bad, "out.gguf")
        rc, _, se = convert(m, t, "-o", out)
        lines = se.strip().splitlines()
        T.check(rc == 1 and len(lines) == 1 and needle in lines[0] and not os.path.exists(out)
                and not [n for n in os.listdir(bad) if n.startswith(".tmp")],
                "llama2c bad input (%s): want one line with %r and no output, got rc=%d %r" % (what, needle, rc, se))


def stories(build, work):
    shared = os.environ.get("LOLCAT_SHARED", os.path.join(ROOT, "..", "shared"))
    sdir = os.path.join(shared, "models", "stories260K")
    ref_gguf = os.path.join(sdir, "stories260K.gguf")
    if not all(os.path.isfile(os.path.join(sdir, f)) for f in ("stories260K.bin", "tok512.bin", "stories260K.gguf")):
        print("SKIP llama2c stories260K: %s not found (needs ../shared)" % sdir)
        return
    out = os.path.join(work, "stories260K.gguf")
    rc, _, se = convert(os.path.join(sdir, "stories260K.bin"), os.path.join(sdir, "tok512.bin"), "-o", out)
    if not T.check(rc == 0, "stories260K converts: %s" % se.strip()):
        return
    a, b = gguf.GGUFReader(out), gguf.GGUFReader(ref_gguf)
    weights = [n for n in b.tensors if n != "output.weight"]
    same = [n for n in weights if n in a.tensors and np.array_equal(a.tensors[n].array(), b.tensors[n].array())]
    T.check(len(weights) == 47 and len(same) == 47 and set(a.tensors) == set(weights)
            and np.array_equal(b.tensors["output.weight"].array(), a.tensors["token_embd.weight"].array()),
            "stories260K: all 47 weight tensors equal llama.cpp's (%d equal); its output.weight is our "
            "tied embedding" % len(same))
    T.check(all(a.meta[k] == b.meta[k] for k in ("tokenizer.ggml.tokens", "tokenizer.ggml.scores",
                                                 "tokenizer.ggml.token_type", "tokenizer.ggml.bos_token_id",
                                                 "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id")),
            "stories260K: vocabulary (512 texts, scores, types, ids) equals llama.cpp's")
    chat = os.path.join(build, "lolcat-chat")
    texts = []
    for m in (out, ref_gguf):
        rc, so, se = run([chat, "-m", m, "-p", "Once upon a time", "-n", "80", "--temp", "0"])
        texts.append(so if rc == 0 else "rc=%d %s" % (rc, se))
    T.check(texts[0] == texts[1] and texts[0].startswith(
        "Once upon a time, there was a little girl named Lily. She loved to play outside in the park."),
        "stories260K: same greedy text as llama.cpp's GGUF: %r" % texts[0][:90])
    tf = os.path.join(work, "story.txt")
    with open(tf, "w") as f:
        f.write(texts[0])
    ids, logits = [], []
    for k, m in enumerate((out, ref_gguf)):
        idf, lf = os.path.join(work, "ids%d.txt" % k), os.path.join(work, "logits%d.f32" % k)
        rc, _, se = run([os.path.join(build, "lolcat-score"), "-m", m, "--text", tf, "--tokens-out", idf,
                         "--logits-out", lf])
        ids.append(open(idf).read().split() if rc == 0 else se)
        logits.append(np.fromfile(lf, "<f4") if rc == 0 else None)
    T.check(ids[0] == ids[1] and len(ids[0]) > 60, "stories260K: the greedy text tokenizes to the same %d ids" % len(ids[0]))
    e = float(np.abs(logits[0] - logits[1]).max()) if logits[0] is not None and logits[1] is not None \
        and logits[0].shape == logits[1].shape else 1e30
    T.check(e <= 1e-6, "stories260K: logits over the story equal llama.cpp's file's: max |diff| %.3g" % e)
    print("  stories260K: %d tensors equal, greedy text equal, %d tokens, max |logit diff| %.2g"
          % (len(same), len(ids[0]), e))


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    torch.set_num_threads(1)
    work = os.path.join(build, "llama2c-test")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    synthetic(build, work)
    stories(build, work)
    print("test_llama2c: %d passed, %d failed" % (T.passed, T.failed))
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
