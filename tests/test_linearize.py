#!/usr/bin/python3
"""Checks of tools/linearize.py's training math and checkpoint output (fast, no ../shared).

1. The float32 training forward pass equals tools/reference.py's float64 LoLCATs model
   (hybrid sw and tk windows, pure linear, GQA, LoRA) within 1e-4 relative.
2. Attention transfer lowers the layer-output MSE of a random softmax model a lot, and
   only feature maps and window factors change.
3. The .pt files and YAML configs have the official layouts (spec 5): keys, shapes,
   container, and LoRA B rows / feature-map D axis in Hugging Face order.
4. The GGUF-vocabulary SentencePiece encoder equals sentencepiece itself on a BPE model
   trained here, and build/lolcat-tokenize equals it on the shipped model's vocabulary.
Prints one line per check and "N checks, M failed"; exit status 1 on any failure.
"""

import collections
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import gguf  # noqa: E402
import hf_io  # noqa: E402
import linearize  # noqa: E402
import reference  # noqa: E402

FAILED, COUNT = [0], [0]


def check(what, ok, detail=""):
    COUNT[0] += 1
    if not ok:
        FAILED[0] += 1
    print("%s %s %s" % ("ok  " if ok else "FAIL", what, detail))


def random_base(seed, E=32, H=4, Hkv=2, D=8, ff=48, V=300, layers=2):
    """A random softmax model in both representations (reference float64, linearize float32)."""
    cfg = reference.Config(V, E, [reference.LayerSpec("softmax", H, Hkv, D, D, ff)] * layers)
    ref = reference.random_model(cfg, seed)
    config = hf_io.hf_config(V, E, ff, layers, H, Hkv, 512, rms_eps=float(cfg.rms_eps),
                             rope_theta=float(cfg.rope_theta), tied=True, head_dim=D)
    return ref, config, {k: v.float() for k, v in ref.w.items()}


def to_reference(model, ref_base, window_kind):
    """The linearize model (maps, factors, LoRA) as a reference.Model."""
    cfg = ref_base.cfg
    w = dict(ref_base.w)
    layers = []
    for i, ls in enumerate(cfg.layers):
        lora = tuple(p for p in linearize.PROJS if (i, p) in model.lora)
        layers.append(reference.LayerSpec(model.kinds[i], ls.n_head, ls.n_head_kv, ls.d_qk, ls.d_v, ls.n_ff,
                                          lora=lora, lora_rank=model.lora[i, "q"][0].shape[0] if lora else 0))
        pre = "model.layers.%d.self_attn." % i
        if model.kinds[i] != "softmax":
            w[pre + "feature_map_q.mlp.layer"] = model.fq[i].detach().double()
            w[pre + "feature_map_k.mlp.layer"] = model.fk[i].detach().double()
        if model.kinds[i] == "hybrid":
            w[pre + "window_factors"] = model.wf[i].detach().double()
        for p in lora:
            a, b = model.lora[i, p]
            w[pre + "%s_proj.lora_A.default.weight" % p] = a.detach().double()
            w[pre + "%s_proj.lora_B.default.weight" % p] = b.detach().double()
    rcfg = reference.Config(cfg.n_vocab, cfg.n_embd, layers, rms_eps=cfg.rms_eps, rope_theta=cfg.rope_theta,
                            window=model.window, window_kind=window_kind, fmap="hedgehog",
                            fmap_dim=model.fmap_dim, lora_scale=model.lora_scale)
    return reference.Model(rcfg, w)


def test_forward_matches_reference():
    gen = torch.Generator().manual_seed(5)
    cases = [("hybrid sw w=8", ["hybrid", "hybrid"], "sw"), ("hybrid tk w=8", ["hybrid", "hybrid"], "tk"),
             ("linear", ["linear", "linear"], "sw"), ("softmax + hybrid", ["softmax", "hybrid"], "sw")]
    for name, kinds, wk in cases:
        ref_base, config, sd = random_base(11)
        m = linearize.Llama(config, sd)
        m.add_feature_maps(kinds, 8, wk, 6, gen)
        m.add_lora(4, 8.0, gen)
        with torch.no_grad():   # non-zero LoRA B and spread window factors, so every term counts
            for (i, p), (a, b) in m.lora.items():
                b.normal_(0, 0.3, generator=gen)
            for t in m.wf.values():
                t.uniform_(-2.5, 0.5, generator=gen)
        tokens = torch.randint(3, 300, (1, 37), generator=gen)
        with torch.no_grad():
            ours = m.forward(tokens)[0].double()
        rm = to_reference(m, ref_base, wk)
        theirs = reference.Session(rm, "terrace" if wk == "tk" else "sliding").prefill(tokens[0].tolist())
        err = ((ours - theirs).abs().max() / theirs.abs().max()).item()
        check("training forward == reference.py (%s, GQA 4/2, LoRA r=4), 37 tokens" % name, err < 1e-4,
              "max rel err %.2g" % err)


def test_attention_transfer_and_checkpoints(tmp):
    ref_base, config, sd = random_base(12, layers=3)
    for k in sd:   # softer attention than random_model's peaked scores, as in trained models
        if k.endswith(("q_proj.weight", "k_proj.weight")):
            sd[k] = sd[k] * 0.5
    m = linearize.Llama(config, sd)
    gen = torch.Generator().manual_seed(1)
    kinds = ["hybrid", "softmax", "hybrid"]
    m.add_feature_maps(kinds, 8, "sw", 4, gen)
    m.add_lora(2, 4.0, gen)
    before = {k: v.clone() for k, v in m.w.items()}
    fq0 = m.fq[0].detach().clone()
    rng = np.random.default_rng(0)
    docs = [[1] + rng.integers(3, 300, size=200).tolist() for _ in range(8)]
    stream = linearize.TokenStream(docs, 0)
    curve = linearize.train_attention_transfer(m, stream, 300, 2e-2, 4, 64, log_every=1000)
    first, last = np.mean(curve[:5]), np.mean(curve[-5:])
    check("attention transfer: MSE falls by more than 2x in 300 steps", last < first / 2,
          "%.4g -> %.4g" % (first, last))
    check("attention transfer changes the maps and nothing of the base model",
          all(torch.equal(before[k], m.w[k]) for k in before) and not torch.equal(fq0, m.fq[0].detach())
          and all(torch.count_nonzero(b) == 0 for _, b in m.lora.values()))
    bound = math.sqrt(6.0 / (8 * 4))
    m2 = linearize.Llama(config, sd)
    m2.add_feature_maps(kinds, 8, "sw", 4, torch.Generator().manual_seed(2))
    check("Hedgehog init: uniform within the kaiming bound sqrt(6/(D*F)); factors = logit(0.1)",
          m2.fq[0].abs().max().item() <= bound and m2.fq[0].abs().max().item() > 0.8 * bound
          and all(abs(t.detach() - math.log(1 / 9)).max() < 1e-6 for t in m2.wf.values()))

    class A:
        model, kind, lora_rank, lora_alpha = "base", "hybrid", 2, 4.0
    with torch.no_grad():
        for _, b in m.lora.values():
            b.normal_(0, 0.1)
    linearize.save_checkpoints(m, tmp, A, "f32", (60, 0))
    d = torch.load(os.path.join(tmp, "distill.pt"))
    lo = torch.load(os.path.join(tmp, "lora.pt"))
    dk = d["model_state_dict"]
    want = {"model.layers.%d.self_attn.%s" % (i, s): shape for i in (0, 2)
            for s, shape in (("feature_map_q.mlp.layer", (4, 8, 4)), ("feature_map_k.mlp.layer", (4, 8, 4)),
                             ("window_factors", (1, 4, 1, 1)))}
    check("distill.pt: {'model_state_dict': ...} with exactly the spec's keys and shapes, layer 1 absent",
          isinstance(dk, collections.OrderedDict) and {k: tuple(v.shape) for k, v in dk.items()} == want)
    dims = {"q": (32, 32), "k": (16, 32), "v": (16, 32), "o": (32, 32)}
    want = {}
    for i in (0, 2):
        for p, (out_dim, in_dim) in dims.items():
            pre = "base_model.model.model.layers.%d.self_attn.%s_proj." % (i, p)
            want[pre + "lora_A.default.weight"] = (2, in_dim)
            want[pre + "lora_B.default.weight"] = (out_dim, 2)
    lk = lo["model_state_dict"]
    check("lora.pt: PEFT keys, A (r, in) and B (out, r) for q/k/v/o",
          {k: tuple(v.shape) for k, v in lk.items()} == want)
    check("checkpoint tensors equal the trained ones (HF row order, no permutation)",
          torch.equal(dk["model.layers.2.self_attn.feature_map_k.mlp.layer"], m.fk[2].detach())
          and torch.equal(lk["base_model.model.model.layers.0.self_attn.k_proj.lora_B.default.weight"],
                          m.lora[0, "k"][1].detach()))
    import yaml
    mc = yaml.safe_load(open(os.path.join(tmp, "model_config.yaml")))["attention"]
    fc = yaml.safe_load(open(os.path.join(tmp, "finetune_config.yaml")))["finetune"]
    check("model_config.yaml / finetune_config.yaml carry type, window, F, softmax layers, r, alpha",
          mc["attention_type"] == "lolcats_llama_window_sw" and mc["window_size"] == 8
          and mc["learned_kernel_kwargs"]["feature_dim"] == 4 and mc["softmax_attentions"] == [1]
          and fc["kwargs"]["r"] == 2 and fc["kwargs"]["lora_alpha"] == 4.0
          and fc["kwargs"]["target_modules"] == ["q_proj", "k_proj", "v_proj", "o_proj"])


def test_spm_encoder(tmp):
    import sentencepiece as spm
    rng = np.random.default_rng(3)
    words = ["once", "upon", "a", "time", "there", "was", "little", "girl", "named", "Lily", "she", "loved",
             "to", "play", "with", "her", "big", "red", "ball", "park", "dog", "happy", "sad", "said", "Tom"]
    lines = [" ".join(rng.choice(words, size=12)) + rng.choice([".", "!", "?", ","]) for _ in range(3000)]
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_prefix=os.path.join(tmp, "t"),
                                   vocab_size=300, model_type="bpe", byte_fallback=True,
                                   character_coverage=1.0, normalization_rule_name="identity",
                                   remove_extra_whitespaces=False, unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
                                   minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(tmp, "t.model"))
    n = sp.get_piece_size()
    types = [2 if sp.is_unknown(i) else 3 if sp.is_control(i) else 6 if sp.is_byte(i) else 1 for i in range(n)]
    meta = {"tokenizer.ggml.model": "llama", "tokenizer.ggml.tokens": [sp.id_to_piece(i) for i in range(n)],
            "tokenizer.ggml.scores": [sp.get_score(i) for i in range(n)], "tokenizer.ggml.token_type": types,
            "tokenizer.ggml.bos_token_id": 1, "tokenizer.ggml.eos_token_id": 2}
    enc = hf_io.GGUFSpmEncoder(meta)
    texts = lines[:200] + ["Lily and Tom played.\nThe end.", "  two  spaces", "caf\u00e9 \u2603 zebra", ""]
    same = sum(enc.encode(t) == sp.encode(t) for t in texts)
    for t in texts:
        if enc.encode(t) != sp.encode(t):
            print("  differs: %r ours %s sentencepiece %s" % (t, enc.encode(t), sp.encode(t)))
    check("GGUF-vocab SPM encoder == sentencepiece (BPE, byte fallback) on %d texts" % len(texts),
          same == len(texts), "%d/%d equal" % (same, len(texts)))


def test_shipped_vocab():
    """lolcat.h's tokenizer (build/lolcat-tokenize) on the shipped model's vocabulary equals the
    GGUF-vocab encoder above (== sentencepiece) on the held-out stories."""
    import json
    model = os.path.join(ROOT, "models", "lolcat-stories.gguf")
    tool = os.path.join(ROOT, "build", "lolcat-tokenize")
    if not (os.path.exists(model) and os.path.exists(tool)):
        print("SKIP shipped-model tokenizer check (needs models/lolcat-stories.gguf and build/lolcat-tokenize)")
        return
    meta, _ = gguf.read_gguf(model)
    enc = hf_io.GGUFSpmEncoder(meta)
    with open(os.path.join(ROOT, "models", "heldout-stories.jsonl")) as f:
        docs = [json.loads(line)["text"] for line in f][:20]
    same = 0
    for d in docs:
        r = subprocess.run([tool, "-m", model], input=d.encode("utf-8"), stdout=subprocess.PIPE, check=True)
        same += [int(x) for x in r.stdout.split()] == enc.encode(d)
    check("lolcat-tokenize == Python SPM encoder on the shipped vocabulary, %d held-out stories" % len(docs),
          same == len(docs), "%d/%d equal" % (same, len(docs)))


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    test_forward_matches_reference()
    with tempfile.TemporaryDirectory() as tmp:
        test_attention_transfer_and_checkpoints(tmp)
        test_spm_encoder(tmp)
    test_shipped_vocab()
    print("%d checks, %d failed" % (COUNT[0], FAILED[0]))
    return 1 if FAILED[0] else 0


if __name__ == "__main__":
    sys.exit(main())
