#!/usr/bin/python3
"""Converter tests (run by `make test`): tools/convert_hf.py on fixtures in the
exact on-disk formats of the LoLCATs releases, written by tools/reference.py.

Each case writes a Hugging Face base folder (config.json + safetensors) and
LoLCATs .pt files from a random model, converts them with the CLI, runs the
GGUF through build/lolcat-score and compares the logits with the float64
PyTorch reference of the same weights. Bad inputs must give a one-line error
naming the key or tensor and leave no output file.

usage: tests/test_convert.py [BUILD_DIR] [-k FILTER]
"""

import argparse
import os
import functools
import shutil
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import gguf  # noqa: E402
import reference as R  # noqa: E402
from reference import Config, layer, PROJS  # noqa: E402

PY = sys.executable
CONVERT = os.path.join(ROOT, "tools", "convert_hf.py")

# Tolerances, relative to max(1, max |reference logit|) as in the C tests.
TOL_EXACT = 2e-5          # f32 (and bf16 output of bf16 weights): float32 arithmetic only
TOL_VS_STORED = 2e-5      # any type, against the reference run on the dequantized file
# SIMD builds round activations to int8 blocks for Q8_0/Q4_0 weights, as llama.cpp does
# (docs/performance.md): on these small random models logits move by about 2e-2 of the
# largest. The scalar path keeps 2e-5 (core/reference_fixtures checks it).
TOL_VS_STORED_INT8 = {"q8_0": 5e-2, "q4_0": 5e-2}
TOL_LOSSY = {"f16": 5e-3, "q8_0": 5e-2}   # against the reference of the original weights
# Builds with AVX-512 BF16 round activations to bf16 for BF16 weights (lolcat-score --version
# lists avx512bf16): logits then move by about 6e-3 of the largest on these models.
TOL_BF16_ACT = 2e-2


class Tests:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL " + what)
        return cond


T = Tests()


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    return p.returncode, p.stdout, p.stderr


def convert(args):
    return run([PY, CONVERT, "-q"] + args)


def score(build, model, tokens, workdir):
    tok = os.path.join(workdir, "tokens.txt")
    out = os.path.join(workdir, "logits.f32")
    with open(tok, "w") as f:
        f.write(" ".join(map(str, tokens)) + "\n")
    rc, so, se = run([os.path.join(build, "lolcat-score"), "-m", model, "--tokens", tok, "--logits-out", out])
    if rc != 0:
        print("lolcat-score failed on %s: %s" % (model, se.strip()))
        return None
    return np.fromfile(out, dtype="<f4").reshape(len(tokens), -1)


def rel_err(a, b):
    b = np.asarray(b, dtype=np.float64)
    return float(np.abs(np.asarray(a, np.float64) - b).max() / max(1.0, np.abs(b).max()))


# =============================================================================
# cases
# =============================================================================

HH = dict(fmap="hedgehog", fmap_dim=8)
V = 300


def case_table():
    """name -> dict(cfg, options). Options:
    files: 'split' (distill + LoRA files), 'combined' (one file), 'none'
    yaml / finetune: write and pass --lolcats-config / --finetune-config
    base_type, shards, model_type: the base folder
    outtypes, merge: conversions to run; tokenizer: None, 'spm', 'bpe'."""
    c = {}
    lora = dict(lora=PROJS, lora_rank=4)
    c["tk_lora"] = dict(
        desc="hybrid tk w=8, Hedgehog, GQA 4/2, LoRA r=4 alpha=12 kept; distill {'model_state_dict'} "
             "with model. prefix + bare LoRA file with base_model.model.model. prefix; SPM tokenizer",
        cfg=Config(V, 32, [layer("hybrid", n_head_kv=2, **lora)] * 2, window=8, window_kind="tk",
                   lora_scale=3.0, tied=False, **HH),
        files="split", yaml=True, finetune=(4, 12), outtypes=["f32", "bf16", "f16", "q8_0"],
        tokenizer="spm", n_tok=60)
    c["tk_lora_merged"] = dict(c["tk_lora"], desc="the same files with --merge-lora",
                               merge=True, outtypes=["f32", "q8_0"], tokenizer=None)
    c["defaults_combined"] = dict(
        desc="no configs (release defaults: tk, w=64, Hedgehog, scale 2): one combined file, "
             "window_factor alias; llama3 rope scaling, untied, 3 safetensors shards, BPE tokenizer",
        cfg=Config(V, 32, [layer("hybrid", n_head=2, n_head_kv=1, d_qk=16, d_v=16, **lora)] * 2,
                   window=64, window_kind="tk", lora_scale=2.0, tied=False,
                   rope_scaling=dict(factor=4.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                     original_max_position_embeddings=32), **HH),
        files="combined", yaml=False, shards=3, outtypes=["f32"], tokenizer="bpe", n_tok=100)
    c["sw_f16_mistral"] = dict(
        desc="hybrid sw w=8, tied embeddings, F16 safetensors, model_type mistral",
        cfg=Config(V, 32, [layer("hybrid")] * 2, window=8, window_kind="sw", tied=True, **HH),
        files="split", yaml=True, base_type=gguf.F16, model_type="mistral", outtypes=["f32", "f16"],
        n_tok=50)
    c["linear_hedgehog"] = dict(
        desc="pure linear (lolcats_llama), Hedgehog F=8, head_dim 16 with H*D=64 != hidden 32",
        cfg=Config(V, 32, [layer("linear", n_head=4, n_head_kv=2, d_qk=16, d_v=16)] * 2, **HH),
        files="split", yaml=True, outtypes=["f32"], n_tok=40)
    c["linear_t2r"] = dict(
        desc="pure linear, T2R (relu) F=16 with per-head bias (1,H,1,1)",
        cfg=Config(V, 32, [layer("linear")] * 2, fmap="t2r", fmap_dim=16, fmap_bias=True),
        files="split", yaml=True, outtypes=["f32"], n_tok=40)
    c["linear_elu"] = dict(
        desc="pure linear, pos_elu (no feature-map weights), LoRA only in the checkpoint",
        cfg=Config(V, 32, [layer("linear", n_head_kv=2, **lora)] * 2, fmap="elu", lora_scale=2.0),
        files="split", yaml=True, finetune=(4, 8), outtypes=["f32"], n_tok=40)
    c["linear_hh_half"] = dict(
        desc="pure linear, softmax_dim with fullspace: false (hedgehog_half)",
        cfg=Config(V, 32, [layer("linear")] * 2, fmap="hedgehog_half", fmap_dim=8),
        files="split", yaml=True, outtypes=["f32"], n_tok=40)
    c["softmax_kept"] = dict(
        desc="softmax_attentions [0, 2] of 3 layers (no maps there), LoRA on every layer, combined file",
        cfg=Config(V, 32, [layer("softmax", **lora), layer("hybrid", **lora), layer("softmax", **lora)],
                   window=8, window_kind="tk", lora_scale=2.0, **HH),
        files="combined", yaml=True, finetune=(4, 8), outtypes=["f32"], n_tok=50)
    c["plain"] = dict(
        desc="plain base model (no checkpoint, no config): a softmax Llama GGUF, GQA, tied",
        cfg=Config(V, 32, [layer("softmax", n_head_kv=2)] * 2, tied=True),
        files="none", yaml=False, outtypes=["f32", "q8_0"], n_tok=40)
    return c


def case_dir(work, name):
    return os.path.join(work, name)


def write_case(work, name, case):
    """Writes the files of a case; returns (reference model, tokens, converter args)."""
    cfg = case["cfg"]
    d = case_dir(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    base_type = case.get("base_type", gguf.BF16)
    model = R.round_model(R.random_model(cfg, R.case_seed(name)), base_type)
    base = os.path.join(d, "base")
    R.write_hf_base(model, base, base_type, case.get("shards", 1), case.get("model_type", "llama"))
    if case.get("tokenizer") == "spm":
        R.write_spm_tokenizer(base, V)
    elif case.get("tokenizer") == "bpe":
        case["bpe_expect"] = R.write_bpe_tokenizer(base, V)
    args = [base]
    if case["files"] == "split":
        attn = R.lolcats_state(model, "model.", ("attn",))
        lora_sd = R.lolcats_state(model, "base_model.model.model.", ("lora",))
        if attn:
            R.save_checkpoint(attn, os.path.join(d, "distill.pt"), wrapped=True)
            args += ["--checkpoint", os.path.join(d, "distill.pt")]
        if lora_sd:
            R.save_checkpoint(lora_sd, os.path.join(d, "lora.pt"), wrapped=False)
            args += ["--checkpoint", os.path.join(d, "lora.pt")]
    elif case["files"] == "combined":
        sd = R.lolcats_state(model, "base_model.model.model.", ("attn", "lora"), alias=True)
        R.save_checkpoint(sd, os.path.join(d, "model.pt"), wrapped=True)
        args += ["--checkpoint", os.path.join(d, "model.pt")]
    if case.get("yaml"):
        R.write_lolcats_config(cfg, os.path.join(d, "model.yaml"))
        args += ["--lolcats-config", os.path.join(d, "model.yaml")]
    if case.get("finetune"):
        R.write_finetune_config(os.path.join(d, "finetune.yaml"), *case["finetune"])
        args += ["--finetune-config", os.path.join(d, "finetune.yaml")]
    tokens = R.case_tokens(name, cfg, case["n_tok"])
    return model, tokens, args


def check_types(name, path, outtype, case, merged):
    r = gguf.GGUFReader(path)
    want_w = gguf.type_of(outtype)
    ok = True
    for tn, t in r.tensors.items():
        small = (tn.endswith("norm.weight") or "fmap" in tn or "window_factors" in tn
                 or tn == "rope_freqs.weight")
        want = gguf.F32 if small else gguf.storage_type(want_w, t.ne[0])
        if t.type != want:
            print("  %s: %s is %s, expected %s" % (name, tn, gguf.TYPE_NAMES[t.type], gguf.TYPE_NAMES[want]))
            ok = False
    has_lora = any(".lora_" in n for n in r.tensors)
    cfg = case["cfg"]
    lora_expected = any(ls.lora for ls in cfg.layers) and not merged
    ok = ok and has_lora == lora_expected
    ok = ok and ("output.weight" in r.tensors) == (not cfg.tied)
    ok = ok and ("rope_freqs.weight" in r.tensors) == (cfg.rope_scaling is not None)
    kinds = r.meta.get("lolcat.attention.layer_kinds")
    want_kinds = [ls.kind for ls in cfg.layers]
    ok = ok and (kinds == want_kinds if any(k != "softmax" for k in want_kinds) else kinds is None)
    if lora_expected:
        ok = ok and abs(r.meta["lolcat.lora.scale"] - cfg.lora_scale) < 1e-7
    if "hybrid" in want_kinds:
        ok = ok and r.meta["lolcat.attention.window_size"] == cfg.window
        ok = ok and r.meta["lolcat.attention.window_kind"] == cfg.window_kind
    T.check(ok, "%s (%s): tensor types and lolcat keys as expected" % (name, outtype))


def check_spm_tokenizer(build, name, path, base, work):
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor()
    sp.Load(os.path.join(base, "tokenizer.model"))
    r = gguf.GGUFReader(path)
    m = r.meta
    n = sp.GetPieceSize()
    ok = m["tokenizer.ggml.model"] == "llama" and m["tokenizer.ggml.tokens"][:n] == [sp.IdToPiece(i) for i in range(n)]
    ok = ok and np.allclose(m["tokenizer.ggml.scores"][:n], [sp.GetScore(i) for i in range(n)])
    types = m["tokenizer.ggml.token_type"]
    ok = ok and types[0] == 2 and types[1] == 3 and types[2] == 3 and types[3:259] == [6] * 256
    ok = ok and all(t == 1 for t in types[259:n])
    ok = ok and m["tokenizer.ggml.bos_token_id"] == 1 and m["tokenizer.ggml.eos_token_id"] == 2
    ok = ok and m["tokenizer.ggml.add_bos_token"] is True and "tokenizer.chat_template" in m
    T.check(ok, "%s: SentencePiece vocabulary (pieces, scores, unknown/control/byte types, ids)" % name)
    # end to end: lolcat.h tokenizes like SentencePiece (byte fallback included)
    text = "once upon a time, the cat saw a dog. Zebra \u00e9t\u00e9!"
    tf, of = os.path.join(work, "text.txt"), os.path.join(work, "ids.txt")
    with open(tf, "w", encoding="utf-8") as f:
        f.write(text)
    rc, _, se = run([os.path.join(build, "lolcat-score"), "-m", path, "--text", tf, "--tokens-out", of])
    got = open(of).read().split() if rc == 0 else se
    T.check(rc == 0 and [int(t) for t in got] == [1] + sp.encode(text),
            "%s: lolcat.h tokenizes like SentencePiece: %s" % (name, got))


def check_bpe_tokenizer(name, path, expect, vocab_only=False):
    tokens, merges = expect
    m = gguf.GGUFReader(path).meta
    ok = (m["tokenizer.ggml.model"] == "gpt2" and m["tokenizer.ggml.pre"] == "llama-bpe"
          and m["tokenizer.ggml.tokens"] == tokens and m["tokenizer.ggml.merges"] == merges)
    types = m["tokenizer.ggml.token_type"]
    n = len(tokens)
    ok = ok and types[:n - 5] == [1] * (n - 5) and types[n - 5:] == [5, 5, 3, 3, 3]
    ok = ok and (m["tokenizer.ggml.bos_token_id"], m["tokenizer.ggml.eos_token_id"],
                 m["tokenizer.ggml.eot_token_id"]) == (n - 3, n - 2, n - 1)
    ok = ok and m["tokenizer.chat_template"].startswith("{% for m in messages %}")
    ok = ok and m["tokenizer.ggml.add_bos_token"] is True and m["tokenizer.ggml.add_eos_token"] is False
    T.check(ok, "%s: byte-level BPE vocabulary%s (llama-bpe, merges, control/unused types, bos/eos/eot, "
            "add_bos from the post-processor)"
            % (name, " (--vocab-only)" if vocab_only else ""))


@functools.lru_cache(maxsize=None)
def rounds_bf16(build):
    """Whether this build rounds activations to bf16 for BF16 weights (asked once per build)."""
    return "avx512bf16" in run([os.path.join(build, "lolcat-score"), "--version"])[1]


def tol_vs_stored(build, outtype):
    """Tolerance of lolcat against the reference run on the file's own weights."""
    if outtype == "bf16" and rounds_bf16(build):
        return TOL_BF16_ACT
    return TOL_VS_STORED_INT8.get(outtype, TOL_VS_STORED)


def tol_vs_checkpoint(build, outtype):
    """Tolerance of lolcat against the reference run on the checkpoint's original weights."""
    if outtype == "bf16" and rounds_bf16(build):
        return TOL_BF16_ACT
    return TOL_LOSSY.get(outtype, TOL_EXACT)


def run_case(build, work, name, case):
    model, tokens, args = write_case(work, name, case)
    d = case_dir(work, name)
    ref = R.run(model, tokens).numpy()
    for outtype in case["outtypes"]:
        out = os.path.join(d, "%s-%s.gguf" % (name, outtype))
        extra = ["--merge-lora"] if case.get("merge") else []
        rc, _, se = convert(args + ["-o", out, "--outtype", outtype] + extra)
        if not T.check(rc == 0 and os.path.isfile(out), "%s (%s): converts: %s" % (name, outtype, se.strip())):
            continue
        check_types(name, out, outtype, case, case.get("merge"))
        got = score(build, out, tokens, d)
        if not T.check(got is not None, "%s (%s): lolcat-score runs" % (name, outtype)):
            continue
        stored = R.run(R.load_gguf(out, "hf"), tokens).numpy()
        e_stored, e_ref = rel_err(got, stored), rel_err(got, ref)
        tol_stored = tol_vs_stored(build, outtype)
        T.check(e_stored <= tol_stored, "%s (%s): lolcat vs reference on the file's weights: rel err %.3g > %g"
                % (name, outtype, e_stored, tol_stored))
        tol = tol_vs_checkpoint(build, outtype)
        T.check(e_ref <= tol, "%s (%s): lolcat vs reference of the checkpoint: rel err %.3g > %g"
                % (name, outtype, e_ref, tol))
        print("  %-18s %-5s rel err vs checkpoint reference %.2e, vs file reference %.2e"
              % (name, outtype, e_ref, e_stored))
        if outtype == case["outtypes"][0]:
            if case.get("tokenizer") == "spm":
                check_spm_tokenizer(build, name, out, os.path.join(d, "base"), d)
            elif case.get("tokenizer") == "bpe":
                check_bpe_tokenizer(name, out, case["bpe_expect"])
                voc = os.path.join(d, "vocab.gguf")
                rc, _, se = convert(["--vocab-only", os.path.join(d, "base"), "-o", voc])
                if T.check(rc == 0, "%s: --vocab-only: %s" % (name, se.strip())):
                    T.check(len(gguf.GGUFReader(voc).tensors) == 0, "%s: vocab file has no tensors" % name)
                    check_bpe_tokenizer(name, voc, case["bpe_expect"], vocab_only=True)
                    # the same facts as tools/llama3_vocab_to_gguf.py writes for this tokenizer.json
                    other = os.path.join(d, "vocab-llama3-tool.gguf")
                    rc, _, se = run([PY, os.path.join(ROOT, "tools", "llama3_vocab_to_gguf.py"),
                                     os.path.join(d, "base"), other])
                    a, b = gguf.GGUFReader(voc).meta, gguf.GGUFReader(other).meta if rc == 0 else {}
                    keys = [k for k in b if k.startswith("tokenizer.")]
                    T.check(rc == 0 and keys and all(a.get(k) == b[k] for k in keys),
                            "%s: --vocab-only agrees with tools/llama3_vocab_to_gguf.py on %s" % (
                                name, [k for k in keys if a.get(k) != b[k]] or se.strip()))


# =============================================================================
# bad input
# =============================================================================

def bad_inputs(work):
    """The tk_lora case's files, damaged one way at a time."""
    case = case_table()["tk_lora"]
    model, _, _ = write_case(work, "bad", dict(case, tokenizer=None))
    d = case_dir(work, "bad")
    base = os.path.join(d, "base")
    distill, lora_pt = os.path.join(d, "distill.pt"), os.path.join(d, "lora.pt")
    yaml_path, ft = os.path.join(d, "model.yaml"), os.path.join(d, "finetune.yaml")
    attn = R.lolcats_state(model, "model.", ("attn",))
    lsd = R.lolcats_state(model, "base_model.model.model.", ("lora",))

    def variant(fname, sd, wrapped=True):
        p = os.path.join(d, fname)
        R.save_checkpoint(sd, p, wrapped)
        return p

    def truncated(src, fname, keep):
        p = os.path.join(d, fname)
        with open(src, "rb") as f:
            data = f.read()
        with open(p, "wb") as f:
            f.write(data[:keep(len(data))])
        return p

    def args(base_dir=base, ck=(distill, lora_pt), y=yaml_path, f=ft):
        a = [base_dir]
        for c in ck:
            a += ["--checkpoint", c]
        return a + (["--lolcats-config", y] if y else []) + (["--finetune-config", f] if f else [])

    k_fmap1 = "model.layers.1.self_attn.feature_map_k.mlp.layer"
    wrong_shape = dict(attn)
    wrong_shape[k_fmap1] = torch.zeros(4, 10, 8, dtype=torch.bfloat16)
    missing = {k: v for k, v in attn.items() if k != k_fmap1}
    no_wf = {k: v for k, v in attn.items() if k != "model.layers.0.self_attn.window_factors"}
    k_b = "base_model.model.model.layers.1.self_attn.v_proj.lora_B.default.weight"
    rank_ab = dict(lsd)
    rank_ab[k_b] = lsd[k_b][:, :3].clone()
    unknown = dict(attn)
    unknown["model.layers.0.self_attn.rotary_emb.inv_freq"] = torch.zeros(4)
    beyond = dict(attn)
    beyond["model.layers.7.self_attn.window_factors"] = torch.zeros(1, 4, 1, 1)
    ft8 = os.path.join(d, "ft8.yaml")
    R.write_finetune_config(ft8, 8, 16)
    soft_yaml = os.path.join(d, "soft.yaml")
    with open(yaml_path) as f:
        y = f.read()
    with open(soft_yaml, "w") as f:
        f.write(y + "  softmax_attentions: [1]\n")
    fd12_yaml = os.path.join(d, "fd12.yaml")
    with open(fd12_yaml, "w") as f:
        f.write(y.replace("feature_dim: 8", "feature_dim: 12"))
    heads_base = os.path.join(d, "base_heads")
    shutil.copytree(base, heads_base)
    import json
    cj = os.path.join(heads_base, "config.json")
    conf = json.load(open(cj))
    conf["num_attention_heads"], conf["num_key_value_heads"] = 8, 4     # head_dim 8 -> 4
    json.dump(conf, open(cj, "w"))
    no_st = os.path.join(d, "base_no_st")
    os.makedirs(no_st, exist_ok=True)
    shutil.copy(os.path.join(base, "config.json"), no_st)
    trunc_base = os.path.join(d, "base_trunc")
    shutil.copytree(base, trunc_base)
    st = os.path.join(trunc_base, "model.safetensors")
    truncated(st, "tmp.st", lambda n: n - 100)
    os.replace(os.path.join(d, "tmp.st"), st)

    cases = [
        ("wrong feature-map shape", args(ck=(variant("shape.pt", wrong_shape), lora_pt)), k_fmap1),
        ("feature maps missing for a layer", args(ck=(variant("missing.pt", missing), lora_pt)),
         "layer 1: feature maps missing"),
        ("window factors missing", args(ck=(variant("nowf.pt", no_wf), lora_pt)), "layers.0.self_attn.window_factors"),
        ("LoRA rank != finetune r", args(f=ft8), "r: 8"),
        ("LoRA A/B ranks differ", args(ck=(distill, variant("rank.pt", rank_ab, False))), k_b),
        ("truncated .pt", args(ck=(truncated(distill, "trunc.pt", lambda n: n // 2), lora_pt)), "trunc.pt"),
        ("truncated safetensors", args(base_dir=trunc_base), "truncated safetensors file"),
        ("unknown key", args(ck=(variant("unknown.pt", unknown), lora_pt)), "rotary_emb.inv_freq"),
        ("layer beyond the model", args(ck=(variant("beyond.pt", beyond), lora_pt)), "layers.7.self_attn.window_factors"),
        ("softmax_attentions vs checkpoint", args(y=soft_yaml), "layers.1.self_attn.feature_map_q.mlp.layer"),
        ("feature_dim vs checkpoint", args(y=fd12_yaml), "feature_dim"),
        ("config.json heads vs checkpoint", args(base_dir=heads_base), "layers.0.self_attn.feature_map_q.mlp.layer"),
        ("no config.json", args(base_dir=d), "config.json"),
        ("no safetensors", args(base_dir=no_st), "model.safetensors"),
    ]
    for what, a, needle in cases:
        out = os.path.join(d, "out.gguf")
        if os.path.exists(out):
            os.unlink(out)
        rc, _, se = convert(a + ["-o", out])
        lines = se.strip().splitlines()
        leftovers = [n for n in os.listdir(d) if n.startswith(".tmp")]
        T.check(rc == 1 and len(lines) == 1 and needle in lines[0] and lines[0].startswith("convert_hf: error: ")
                and not os.path.exists(out) and not leftovers,
                "bad input (%s): want exit 1, one line naming %r, no output; got rc=%d, %r%s"
                % (what, needle, rc, se.strip(), " leftovers %s" % leftovers if leftovers else ""))
        if rc == 1 and len(lines) == 1:
            print("  bad input %-34s -> %s" % (what, lines[0][len("convert_hf: error: "):][:110]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
    ap.add_argument("-k", dest="filter", default="")
    a = ap.parse_args()
    torch.set_num_threads(1)
    work = os.path.join(a.build, "convert-test")
    os.makedirs(work, exist_ok=True)
    for name, case in case_table().items():
        if a.filter in name:
            print("%-18s %s" % (name, case["desc"]))
            run_case(a.build, work, name, case)
    if a.filter in "bad":
        bad_inputs(work)
    print("test_convert: %d passed, %d failed" % (T.passed, T.failed))
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
