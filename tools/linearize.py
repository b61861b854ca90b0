#!/usr/bin/python3
"""Linearize a Llama-family model with the LoLCATs recipe (PyTorch, CPU).

  linearize.py MODEL --data TEXT.jsonl -o OUTDIR [options]

MODEL is a Hugging Face Llama folder (config.json + safetensors [+ tokenizer.model])
or a softmax Llama GGUF. TEXT is JSON lines with a "text" field (or plain text,
one document per blank-line-separated block).

Stage 1, attention transfer: the model is frozen and every converted layer gets
Hedgehog feature maps phi_q, phi_k (per query head, W of shape (H, D, F),
kaiming-uniform initialised as in the official FeatureMapMLP) and window
factors (1, H, 1, 1) initialised at logit(0.1). Only those are trained, so that
each layer's attention output (per head, before o_proj) matches the softmax
output under MSE. The teacher's own activations feed every layer (teacher
forcing), so all layers train at once from one frozen forward pass.

Stage 2: LoRA (rank r, alpha) on q/k/v/o of the converted layers, trained with
next-token loss through the linearized model; maps and factors stay frozen.

OUTDIR receives the official LoLCATs checkpoint layouts, which
tools/convert_hf.py reads together with the base model:
  distill.pt           {'model_state_dict': model.layers.{i}.self_attn.feature_map_{q,k}.mlp.layer
                        (H, D, F), model.layers.{i}.self_attn.window_factors (1, H, 1, 1)}
  lora.pt              {'model_state_dict': base_model.model.model.layers.{i}.self_attn.
                        {q,k,v,o}_proj.lora_{A,B}.default.weight  (r, in) / (out, r)}
  model_config.yaml    the repo's model config (attention: block)
  finetune_config.yaml the repo's finetune config (finetune: lora kwargs)
  base/                the base model as a Hugging Face folder (only for GGUF input)
  log.json             settings and loss curves

Ablations: --no-transfer skips stage 1 and trains maps + factors together with
LoRA in stage 2; --kind linear converts to pure linear attention (no window).
"""

import argparse
import collections
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
import reference  # noqa: E402

PROJS = ("q", "k", "v", "o")
INIT_WINDOW_FACTOR = math.log(0.1 / 0.9)     # logit(0.1) = -2.1972245773362196


# =============================================================================
# model: a float32 Llama with optional LoLCATs attention and LoRA
# =============================================================================

class LlamaShape:
    def __init__(self, config):
        c = config
        self.vocab = c["vocab_size"]
        self.dim = c["hidden_size"]
        self.n_layers = c["num_hidden_layers"]
        self.n_heads = c["num_attention_heads"]
        self.n_kv = c.get("num_key_value_heads") or self.n_heads
        self.head_dim = c.get("head_dim") or self.dim // self.n_heads
        self.ffn = c["intermediate_size"]
        self.eps = c.get("rms_norm_eps", 1e-5)
        self.theta = c.get("rope_theta", 10000.0)
        self.tied = c.get("tie_word_embeddings", False)
        self.bos = c.get("bos_token_id", 1)
        if c.get("rope_scaling"):
            raise ValueError("rope_scaling is not supported by linearize.py yet")


def rope_tables(T, head_dim, theta, offset=0):
    inv = 1.0 / theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    ang = torch.arange(offset, offset + T, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float(), torch.sin(ang).float()


def rope(x, cos, sin):
    """rotate_half RoPE on (..., T, D)."""
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1)


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def hedgehog(x, W, eps=1e-12):
    """x (B, H, T, D), W (H, D, F) -> [softmax(xW), softmax(-xW)] clamped, (B, H, T, 2F)."""
    u = torch.einsum("bhtd,hdf->bhtf", x, W)
    return torch.cat([torch.softmax(u, -1), torch.softmax(-u, -1)], -1).clamp_min(eps)


def softmax_attention(q, k, v):
    T = q.shape[-2]
    s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    return torch.softmax(s.masked_fill(~causal, float("-inf")), -1) @ v


def window_masks(T, window, kind):
    if kind == "sw":
        return reference.sliding_masks(T, window)
    return reference.tk_official_masks(T, window)


def hybrid_attention(q, k, v, fq, fk, beta, win, lin):
    """LoLCATs hybrid (spec 3): beta * exp(s - max over window) on the window set plus
    unscaled phi_q . phi_k on the linear set, one shared denominator."""
    s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    s = s.masked_fill(~win, float("-inf"))
    m = s.amax(-1, keepdim=True)
    a = beta[None, :, None, None] * torch.exp(s - m)
    b = (fq @ fk.transpose(-1, -2)) * lin
    ab = a + b
    return (ab @ v) / ab.sum(-1, keepdim=True)


def linear_attention(fq, fk, v):
    a = (fq @ fk.transpose(-1, -2)).tril()
    return (a @ v) / a.sum(-1, keepdim=True)


class Llama:
    """Weights in Hugging Face names and layouts. `lol` holds the LoLCATs parts:
    kinds per layer, feature maps, window factors, LoRA."""

    def __init__(self, config, state_dict):
        self.config = dict(config)
        self.s = LlamaShape(config)
        self.w = {k: v.float() for k, v in state_dict.items()}
        if self.s.tied:
            self.w.pop("lm_head.weight", None)
        self.kinds = ["softmax"] * self.s.n_layers
        self.window, self.window_kind = 64, "sw"
        self.fmap_dim = 0
        self.fq, self.fk, self.wf = {}, {}, {}
        self.lora, self.lora_scale = {}, 0.0

    # -- LoLCATs parts --
    def add_feature_maps(self, kinds, window, window_kind, feature_dim, gen):
        s = self.s
        self.kinds, self.window, self.window_kind, self.fmap_dim = list(kinds), window, window_kind, feature_dim
        bound = math.sqrt(6.0 / (s.head_dim * feature_dim))   # kaiming_uniform_ on (H, D, F)
        for i, kind in enumerate(self.kinds):
            if kind == "softmax":
                continue
            for d in (self.fq, self.fk):
                d[i] = ((torch.rand(s.n_heads, s.head_dim, feature_dim, generator=gen) * 2 - 1) * bound).requires_grad_()
            if kind == "hybrid":
                self.wf[i] = torch.full((s.n_heads,), INIT_WINDOW_FACTOR).requires_grad_()

    def add_lora(self, rank, alpha, gen):
        s = self.s
        dims = {"q": (s.n_heads * s.head_dim, s.dim), "k": (s.n_kv * s.head_dim, s.dim),
                "v": (s.n_kv * s.head_dim, s.dim), "o": (s.dim, s.n_heads * s.head_dim)}
        self.lora_scale = alpha / rank
        for i, kind in enumerate(self.kinds):
            if kind == "softmax":
                continue
            for p in PROJS:
                out_dim, in_dim = dims[p]
                # PEFT: A like nn.Linear's default init (U(+-1/sqrt(in))), B = 0
                a = (torch.rand(rank, in_dim, generator=gen) * 2 - 1) / math.sqrt(in_dim)
                self.lora[i, p] = (a.requires_grad_(), torch.zeros(out_dim, rank).requires_grad_())

    def map_params(self):
        return [t for d in (self.fq, self.fk, self.wf) for t in d.values()]

    def lora_params(self):
        return [t for ab in self.lora.values() for t in ab]

    # -- forward pieces --
    def proj(self, i, p, x):
        y = x @ self.w["model.layers.%d.self_attn.%s_proj.weight" % (i, p)].T
        if (i, p) in self.lora:
            a, b = self.lora[i, p]
            y = y + self.lora_scale * ((x @ a.T) @ b.T)
        return y

    def qkv(self, i, h, cos, sin):
        s, (B, T, _) = self.s, h.shape
        q = self.proj(i, "q", h).view(B, T, s.n_heads, s.head_dim).transpose(1, 2)
        k = self.proj(i, "k", h).view(B, T, s.n_kv, s.head_dim).transpose(1, 2)
        v = self.proj(i, "v", h).view(B, T, s.n_kv, s.head_dim).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        g = s.n_heads // s.n_kv
        return q, k.repeat_interleave(g, 1), v.repeat_interleave(g, 1)

    def attend(self, i, q, k, v, masks):
        kind = self.kinds[i]
        if kind == "softmax":
            return softmax_attention(q, k, v)
        fq, fk = hedgehog(q, self.fq[i]), hedgehog(k, self.fk[i])
        if kind == "linear":
            return linear_attention(fq, fk, v)
        return hybrid_attention(q, k, v, fq, fk, torch.sigmoid(self.wf[i]), *masks)

    def mlp(self, i, x):
        pre = "model.layers.%d." % i
        h = rms_norm(x, self.w[pre + "post_attention_layernorm.weight"], self.s.eps)
        g = h @ self.w[pre + "mlp.gate_proj.weight"].T
        u = h @ self.w[pre + "mlp.up_proj.weight"].T
        return x + (F.silu(g) * u) @ self.w[pre + "mlp.down_proj.weight"].T

    def logits(self, x):
        x = rms_norm(x, self.w["model.norm.weight"], self.s.eps)
        out = self.w["model.embed_tokens.weight"] if self.s.tied else self.w["lm_head.weight"]
        return x @ out.T

    def forward(self, tokens, teacher=False):
        """tokens (B, T) -> logits (B, T, V). teacher=True runs every layer as softmax
        and also returns [(i, q, k, v, y_softmax)] of the converted layers."""
        B, T = tokens.shape
        s = self.s
        cos, sin = rope_tables(T, s.head_dim, s.theta)
        masks = window_masks(T, self.window, self.window_kind) if "hybrid" in self.kinds else None
        x = self.w["model.embed_tokens.weight"][tokens]
        saved = []
        for i in range(s.n_layers):
            h = rms_norm(x, self.w["model.layers.%d.input_layernorm.weight" % i], s.eps)
            q, k, v = self.qkv(i, h, cos, sin)
            if teacher:
                y = softmax_attention(q, k, v)
                if self.kinds[i] != "softmax":
                    saved.append((i, q, k, v, y))
            else:
                y = self.attend(i, q, k, v, masks)
            y = y.transpose(1, 2).reshape(B, T, s.n_heads * s.head_dim)
            x = self.mlp(i, x + self.proj(i, "o", y))
        out = self.logits(x)
        return (out, saved) if teacher else out


# =============================================================================
# data
# =============================================================================

def read_documents(path):
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    if path.endswith(".jsonl"):
        return [json.loads(line)["text"] for line in raw.splitlines() if line.strip()]
    return [d.strip() for d in raw.split("\n\n") if d.strip()]


def encode_documents(docs, encoder, bos):
    """Every document as [BOS] + ids."""
    return [[bos] + encoder.encode(d) for d in docs]


class TokenStream:
    """Documents packed into one stream; batches are random windows of T+1 tokens."""

    def __init__(self, docs_ids, seed):
        self.data = torch.tensor([t for d in docs_ids for t in d], dtype=torch.long)
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        return len(self.data)

    def batch(self, B, T):
        if len(self.data) < T + 2:
            raise ValueError("need more than %d training tokens, have %d" % (T + 1, len(self.data)))
        starts = self.rng.integers(0, len(self.data) - T - 1, size=B)
        x = torch.stack([self.data[s:s + T + 1] for s in starts])
        return x[:, :-1], x[:, 1:]


def load_model(path):
    """-> (config, state dict, encoder, base_is_gguf)."""
    if os.path.isdir(path):
        config, sd = hf_io.load_hf_folder(path)
        tok = os.path.join(path, "tokenizer.model")
        enc = hf_io.SpmFileEncoder(tok) if os.path.exists(tok) else None
        return config, sd, enc, False
    config, sd, meta = hf_io.load_gguf_as_hf(path)
    enc = hf_io.GGUFSpmEncoder(meta) if meta.get("tokenizer.ggml.model") == "llama" else None
    return config, sd, enc, True


# =============================================================================
# training
# =============================================================================

class Progress:
    def __init__(self, label, total, stream=sys.stderr):
        self.label, self.total, self.stream, self.t0 = label, total, stream, time.time()

    def update(self, step, **vals):
        width = 24
        done = int(width * step / max(self.total, 1))
        el = time.time() - self.t0
        eta = el / max(step, 1) * (self.total - step)
        txt = " ".join("%s %.4g" % kv for kv in vals.items())
        self.stream.write("\r%s [%s%s] %d/%d %s | %.0fs, eta %.0fs " % (
            self.label, "#" * done, "." * (width - done), step, self.total, txt, el, eta))
        if step == self.total:
            self.stream.write("\n")
        self.stream.flush()


def lr_at(step, total, lr, warmup):
    """Linear warmup, then cosine decay to 10% of lr."""
    if step < warmup:
        return lr * (step + 1) / warmup
    p = (step - warmup) / max(1, total - warmup)
    return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


def train_attention_transfer(model, stream, steps, lr, batch, seq_len, log_every=10):
    """Stage 1: MSE between hybrid/linear and softmax outputs, per layer, teacher-forced."""
    params = model.map_params()
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    masks = window_masks(seq_len, model.window, model.window_kind) if "hybrid" in model.kinds else None
    bar, curve = Progress("attention transfer", steps), []
    for step in range(steps):
        x, _ = stream.batch(batch, seq_len)
        with torch.no_grad():
            _, saved = model.forward(x, teacher=True)
        loss = 0.0
        for i, q, k, v, y in saved:
            loss = loss + F.mse_loss(model.attend(i, q, k, v, masks), y)
        loss = loss / len(saved)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps, lr, max(1, steps // 20))
        opt.zero_grad()
        loss.backward()
        opt.step()
        curve.append(loss.item())
        if (step + 1) % log_every == 0 or step + 1 == steps:
            bar.update(step + 1, mse=float(np.mean(curve[-log_every:])))
    return curve


def train_next_token(model, params, stream, steps, lr, batch, seq_len, label, log_every=10):
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    bar, curve = Progress(label, steps), []
    for step in range(steps):
        x, y = stream.batch(batch, seq_len)
        logits = model.forward(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps, lr, max(1, steps // 20))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        curve.append(loss.item())
        if (step + 1) % log_every == 0 or step + 1 == steps:
            bar.update(step + 1, loss=float(np.mean(curve[-log_every:])))
    return curve


@torch.no_grad()
def perplexity(model, docs_ids, split_at):
    """Perplexity of predictions at positions < split_at and >= split_at (whole docs)."""
    nll, cnt = [0.0, 0.0], [0, 0]
    for d in docs_ids:
        x = torch.tensor([d], dtype=torch.long)
        lp = torch.log_softmax(model.forward(x[:, :-1])[0].double(), -1)
        tok_nll = -lp.gather(1, x[0, 1:, None])[:, 0]
        pos = torch.arange(len(d) - 1)
        for part, sel in ((0, pos < split_at), (1, pos >= split_at)):
            nll[part] += tok_nll[sel].sum().item()
            cnt[part] += int(sel.sum())
    ppl = lambda n, c: math.exp(n / c) if c else float("nan")  # noqa: E731
    return {"all": ppl(sum(nll), sum(cnt)), "inside": ppl(nll[0], cnt[0]), "beyond": ppl(nll[1], cnt[1]),
            "n_inside": cnt[0], "n_beyond": cnt[1]}


# =============================================================================
# official checkpoint files
# =============================================================================

def save_checkpoints(model, outdir, args, dtype, steps_done):
    dt = torch.bfloat16 if dtype == "bf16" else torch.float32
    distill = collections.OrderedDict()
    for i, kind in enumerate(model.kinds):
        if kind == "softmax":
            continue
        pre = "model.layers.%d.self_attn." % i
        distill[pre + "feature_map_q.mlp.layer"] = model.fq[i].detach().to(dt).clone()
        distill[pre + "feature_map_k.mlp.layer"] = model.fk[i].detach().to(dt).clone()
        if kind == "hybrid":
            distill[pre + "window_factors"] = model.wf[i].detach().view(1, -1, 1, 1).to(dt).clone()
    torch.save({"model_state_dict": distill, "step": steps_done[0]}, os.path.join(outdir, "distill.pt"))
    if model.lora:
        lora = collections.OrderedDict()
        for (i, p), (a, b) in sorted(model.lora.items()):
            pre = "base_model.model.model.layers.%d.self_attn.%s_proj." % (i, p)
            lora[pre + "lora_A.default.weight"] = a.detach().to(dt).clone()
            lora[pre + "lora_B.default.weight"] = b.detach().to(dt).clone()
        torch.save({"model_state_dict": lora, "step": steps_done[1]}, os.path.join(outdir, "lora.pt"))
    softmax_layers = [i for i, k in enumerate(model.kinds) if k == "softmax"]
    attention_type = {"hybrid": "lolcats_llama_window_" + model.window_kind, "linear": "lolcats_llama"}[args.kind]
    model_cfg = {
        "name": "llama",
        "model": {"pretrained_model_name_or_path": os.path.abspath(args.model), "torch_dtype": "float32",
                  "rope_theta": model.s.theta},
        "attention": {
            "attention_type": attention_type,
            "window_size": model.window,
            "affine_attention_factors": False,
            "init_window_factor": INIT_WINDOW_FACTOR,
            "feature_map": "softmax_dim",
            "feature_map_kwargs": {"eps": 1e-12, "fullspace": True},
            "learned_kernel": "untied_head_einsum",
            "learned_kernel_kwargs": {"feature_dim": model.fmap_dim, "skip_connection": False,
                                      "bias": False, "zero_init": False},
            "tie_qk_kernels": False,
            "train_qk": False,
            "softmax_attentions": softmax_layers,
        },
    }
    ft_cfg = {"finetune": {"method": "lora", "kwargs": {
        "r": args.lora_rank, "lora_alpha": args.lora_alpha, "lora_dropout": 0,
        "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"]}}}
    import yaml
    with open(os.path.join(outdir, "model_config.yaml"), "w") as f:
        yaml.safe_dump(model_cfg, f, sort_keys=False)
    with open(os.path.join(outdir, "finetune_config.yaml"), "w") as f:
        yaml.safe_dump(ft_cfg, f, sort_keys=False)


# =============================================================================
# CLI
# =============================================================================

def parse_layers(spec, n):
    if not spec:
        return []
    out = sorted({int(x) for x in spec.split(",") if x.strip()})
    if any(i < 0 or i >= n for i in out):
        raise SystemExit("linearize: --softmax-layers must be layer indices in 0..%d" % (n - 1))
    return out


def build_parser():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="Hugging Face Llama folder or softmax GGUF")
    ap.add_argument("--data", required=True, help="training text (.jsonl with 'text' or plain text)")
    ap.add_argument("-o", "--out", required=True, help="output folder")
    ap.add_argument("--eval-data", help="held-out text: report PyTorch perplexity before/after")
    ap.add_argument("--kind", choices=("hybrid", "linear"), default="hybrid",
                    help="hybrid: sliding softmax window + linear (LoLCATs); linear: no window")
    ap.add_argument("--window", type=int, default=64, help="softmax window size w")
    ap.add_argument("--window-kind", choices=("sw", "tk"), default="sw",
                    help="sw: per-token sliding window (what lolcat.h decodes); tk: terraced blocks")
    ap.add_argument("--feature-dim", type=int, default=None, help="F (default head_dim/2, so 2F = head_dim)")
    ap.add_argument("--softmax-layers", default="", help="comma-separated layers that stay softmax")
    ap.add_argument("--steps1", type=int, default=300, help="attention-transfer steps")
    ap.add_argument("--steps2", type=int, default=300, help="LoRA finetuning steps")
    ap.add_argument("--lr1", type=float, default=1e-2, help="attention-transfer learning rate")
    ap.add_argument("--lr2", type=float, default=1e-3, help="LoRA learning rate")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--lora-rank", type=int, default=8)
    ap.add_argument("--lora-alpha", type=float, default=16)
    ap.add_argument("--no-transfer", action="store_true",
                    help="ablation: skip attention transfer; train maps + factors with LoRA in stage 2")
    ap.add_argument("--save-dtype", choices=("f32", "bf16"), default="f32")
    ap.add_argument("--max-docs", type=int, default=0, help="use at most this many training documents")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (at most 2)")
    return ap


def main(argv=None):
    args = build_parser().parse_args(argv)
    torch.set_num_threads(max(1, min(args.threads, 2)))
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)

    config, sd, encoder, from_gguf = load_model(args.model)
    if encoder is None:
        raise SystemExit("linearize: %s has no SentencePiece tokenizer to encode --data with" % args.model)
    model = Llama(config, sd)
    s = model.s
    if from_gguf:
        hf_io.save_hf_folder(os.path.join(args.out, "base"), config, sd)
    fdim = args.feature_dim or max(1, s.head_dim // 2)
    keep = parse_layers(args.softmax_layers, s.n_layers)
    kinds = ["softmax" if i in keep else args.kind for i in range(s.n_layers)]
    if all(k == "softmax" for k in kinds):
        raise SystemExit("linearize: every layer would stay softmax")

    t0 = time.time()
    docs = read_documents(args.data)
    if args.max_docs:
        docs = docs[:args.max_docs]
    stream = TokenStream(encode_documents(docs, encoder, s.bos), args.seed)
    eval_ids = encode_documents(read_documents(args.eval_data), encoder, s.bos) if args.eval_data else None
    print("linearize: %s | %d layers, H=%d Hkv=%d D=%d | kinds %s | window %d (%s) | F=%d | "
          "%d training tokens (%.0fs to encode)" % (args.model, s.n_layers, s.n_heads, s.n_kv, s.head_dim,
                                                    ",".join(k[0] for k in kinds), args.window, args.window_kind,
                                                    fdim, len(stream), time.time() - t0), file=sys.stderr)
    log = {"args": vars(args), "kinds": kinds, "feature_dim": fdim}
    if eval_ids:
        log["eval_softmax"] = perplexity(model, eval_ids, args.window)
        print("softmax teacher perplexity: %s" % json.dumps(log["eval_softmax"]), file=sys.stderr)

    model.add_feature_maps(kinds, args.window, args.window_kind, fdim, gen)
    model.add_lora(args.lora_rank, args.lora_alpha, gen)
    steps_done = [0, 0]
    if not args.no_transfer and args.steps1 > 0:
        log["stage1_mse"] = train_attention_transfer(model, stream, args.steps1, args.lr1, args.batch, args.seq_len)
        steps_done[0] = args.steps1
        if eval_ids:
            log["eval_after_transfer"] = perplexity(model, eval_ids, args.window)
            print("after attention transfer: %s" % json.dumps(log["eval_after_transfer"]), file=sys.stderr)
    params = model.lora_params()
    if args.no_transfer:
        params = params + model.map_params()
    if args.steps2 > 0:
        label = "LoRA finetune" + (" (+maps, no transfer)" if args.no_transfer else "")
        log["stage2_loss"] = train_next_token(model, params, stream, args.steps2, args.lr2, args.batch,
                                              args.seq_len, label)
        steps_done[1] = args.steps2
        if args.no_transfer:
            steps_done[0] = args.steps2
    if eval_ids:
        log["eval_final"] = perplexity(model, eval_ids, args.window)
        print("final: %s" % json.dumps(log["eval_final"]), file=sys.stderr)
    save_checkpoints(model, args.out, args, args.save_dtype, steps_done)
    log["seconds"] = time.time() - t0
    with open(os.path.join(args.out, "log.json"), "w") as f:
        json.dump(log, f, indent=1)
    print("linearize: wrote %s (%.0fs)" % (args.out, time.time() - t0), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
