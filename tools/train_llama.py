#!/usr/bin/python3
"""Train a SentencePiece tokenizer and a small softmax Llama from scratch (PyTorch, CPU).

  train_llama.py --data CORPUS.jsonl -o HF_DIR [--vocab 1024] [--dim 128] [--layers 4]
                 [--heads 4] [--kv-heads 2] [--ffn 320] [--ctx 512] [--steps 1500] ...

Writes a Hugging Face Llama folder: config.json, model.safetensors, tokenizer.model
(SentencePiece BPE with byte fallback, the Llama 2 tokenizer settings), plus
train_log.json. The model uses tools/linearize.py's Llama forward pass, so the
softmax model trained here is exactly the one linearize.py later converts.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import hf_io  # noqa: E402
import linearize  # noqa: E402


def train_tokenizer(docs, prefix, vocab_size, threads):
    """SentencePiece BPE, byte fallback, no normalization or whitespace folding
    (what lolcat.h's SPM tokenizer reproduces), ids 0 <unk> 1 <s> 2 </s>."""
    import sentencepiece as spm
    lines = [l for d in docs for l in d.split("\n") if l.strip()]
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_prefix=prefix, vocab_size=vocab_size,
        model_type="bpe", byte_fallback=True, character_coverage=1.0,
        normalization_rule_name="identity", add_dummy_prefix=True, remove_extra_whitespaces=False,
        split_digits=True, unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        shuffle_input_sentence=False, num_threads=threads, minloglevel=2)
    return prefix + ".model"


def init_weights(shape_cfg, gen):
    """GPT-2 style: N(0, 0.02), residual outputs scaled by 1/sqrt(2 * layers), norms 1."""
    s = linearize.LlamaShape(shape_cfg)
    std, res = 0.02, 0.02 / math.sqrt(2 * s.n_layers)
    w = {"model.embed_tokens.weight": torch.randn(s.vocab, s.dim, generator=gen) * std,
         "model.norm.weight": torch.ones(s.dim)}
    if not s.tied:
        w["lm_head.weight"] = torch.randn(s.vocab, s.dim, generator=gen) * std
    for i in range(s.n_layers):
        p = "model.layers.%d." % i
        w[p + "input_layernorm.weight"] = torch.ones(s.dim)
        w[p + "post_attention_layernorm.weight"] = torch.ones(s.dim)
        w[p + "self_attn.q_proj.weight"] = torch.randn(s.n_heads * s.head_dim, s.dim, generator=gen) * std
        w[p + "self_attn.k_proj.weight"] = torch.randn(s.n_kv * s.head_dim, s.dim, generator=gen) * std
        w[p + "self_attn.v_proj.weight"] = torch.randn(s.n_kv * s.head_dim, s.dim, generator=gen) * std
        w[p + "self_attn.o_proj.weight"] = torch.randn(s.dim, s.n_heads * s.head_dim, generator=gen) * res
        w[p + "mlp.gate_proj.weight"] = torch.randn(s.ffn, s.dim, generator=gen) * std
        w[p + "mlp.up_proj.weight"] = torch.randn(s.ffn, s.dim, generator=gen) * std
        w[p + "mlp.down_proj.weight"] = torch.randn(s.dim, s.ffn, generator=gen) * res
    return w


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="training corpus (.jsonl with 'text')")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--eval-data", help="held-out corpus for a final perplexity")
    ap.add_argument("--vocab", type=int, default=1024)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=320)
    ap.add_argument("--ctx", type=int, default=512, help="training sequence length = context length")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--short-ctx", type=int, default=128,
                    help="sequence length of the first --short-frac of the steps (same tokens per step)")
    ap.add_argument("--short-frac", type=float, default=0.7)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (at most 2)")
    a = ap.parse_args(argv)
    torch.set_num_threads(max(1, min(a.threads, 2)))
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()

    docs = linearize.read_documents(a.data)
    tok_path = train_tokenizer(docs, os.path.join(a.out, "spm"), a.vocab, a.threads)
    enc = hf_io.SpmFileEncoder(tok_path)
    ids = linearize.encode_documents(docs, enc, enc.bos)
    stream = linearize.TokenStream(ids, a.seed)
    print("train_llama: %d docs, %d tokens with a %d-piece tokenizer (%.0fs)"
          % (len(docs), len(stream), a.vocab, time.time() - t0), file=sys.stderr)

    config = hf_io.hf_config(a.vocab, a.dim, a.ffn, a.layers, a.heads, a.kv_heads, a.ctx,
                             rms_eps=1e-5, rope_theta=10000.0, tied=True,
                             bos=enc.bos, eos=enc.eos)
    w = init_weights(config, gen)
    model = linearize.Llama(config, w)
    params = list(model.w.values())
    for p in params:
        p.requires_grad_()
    n_params = sum(p.numel() for p in params)
    decay = [p for p in params if p.dim() == 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, 0.95))
    bar, curve = linearize.Progress("pretrain %.2fM params" % (n_params / 1e6), a.steps), []
    n_short = int(a.short_frac * a.steps) if a.short_ctx and a.short_ctx < a.ctx else 0
    for step in range(a.steps):
        if step < n_short:   # cheaper attention early; the rest trains the full context
            x, y = stream.batch(a.batch * a.ctx // a.short_ctx, a.short_ctx)
        else:
            x, y = stream.batch(a.batch, a.ctx)
        logits = model.forward(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        for g in opt.param_groups:
            g["lr"] = linearize.lr_at(step, a.steps, a.lr, max(1, a.steps // 30))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        curve.append(loss.item())
        if (step + 1) % 10 == 0 or step + 1 == a.steps:
            bar.update(step + 1, loss=float(np.mean(curve[-10:])))

    sd = {k: v.detach() for k, v in model.w.items()}
    log = {"args": vars(a), "n_params": n_params, "train_tokens": len(stream), "loss": curve}
    if a.eval_data:
        ev = linearize.encode_documents(linearize.read_documents(a.eval_data), enc, enc.bos)
        log["eval"] = linearize.perplexity(linearize.Llama(config, sd), ev, 32)
        print("held-out perplexity: %s" % json.dumps(log["eval"]), file=sys.stderr)
    hf_io.save_hf_folder(a.out, config, sd, tokenizer_model=tok_path)
    log["seconds"] = time.time() - t0
    with open(os.path.join(a.out, "train_log.json"), "w") as f:
        json.dump(log, f, indent=1)
    print("train_llama: wrote %s (%.0fs)" % (a.out, time.time() - t0), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
