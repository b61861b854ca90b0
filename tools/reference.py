#!/usr/bin/python3
"""Float64 PyTorch reference of LoLCATs-linearized Llama models for lolcat.h.

Written from docs (/work/shared/docs/lolcats-reference.md, "the spec") and
docs/gguf-schema.md. Internally it follows Hugging Face conventions: q/k rows
in rotate_half order and nn.Linear weights of shape (out, in). Models loaded
from a GGUF file can also run directly in llama.cpp's row order
(adjacent-pair RoPE), which cross-checks the Q/K permutation.

Usage:
  reference.py fixtures OUTDIR        write the test fixtures + manifest.txt
  reference.py selfcheck              internal consistency checks (or --self-check)
  reference.py run MODEL.gguf TOKENS OUT.f32 [--mode sliding|terrace] [--decode-from P]
                                      logits of any supported GGUF file
  reference.py sample MODEL.gguf N OUT.tokens [--seed S] [--temp T] [--first ID]
                                      N token ids sampled from the model (a token file
                                      the model itself finds likely, e.g. for perplexity)

Prefill semantics of hybrid layers (mode):
  sliding  every position i attends softmax over [max(0,i-w+1), i] and linearly
           over [0, i-w]; identical to token-by-token decode (lolcat.h default).
  terrace  the official parallel masks of the checkpoint's window kind for the
           prompt (tk: end-aligned terraced blocks incl. the short-prompt
           double counting; sw: the sliding masks), then recurrent decode.
"""

import argparse
import json
import math
import os
import struct
import sys
import zlib
from dataclasses import dataclass, field, replace

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf  # noqa: E402

DT = torch.float64
LAYER_KINDS = ("softmax", "linear", "hybrid")
FMAP_KINDS = ("hedgehog", "hedgehog_half", "t2r", "elu")
PROJS = ("q", "k", "v", "o")


def f32(x):
    """Round a python number to the float32 value a GGUF f32 key stores."""
    return float(np.float32(x))


# =============================================================================
# configuration
# =============================================================================

@dataclass
class LayerSpec:
    kind: str = "softmax"        # softmax | linear | hybrid
    n_head: int = 4
    n_head_kv: int = 4
    d_qk: int = 8                # Q/K head size (also the RoPE size)
    d_v: int = 8                 # V head size; o_proj input is n_head * d_v
    n_ff: int = 64
    lowrank: dict = field(default_factory=dict)  # proj -> rank R (W = B @ A)
    lora: tuple = ()             # projections with LoRA adapters
    lora_rank: int = 0


@dataclass
class Config:
    n_vocab: int
    n_embd: int
    layers: list
    rms_eps: float = 1e-5
    rope_theta: float = 10000.0
    rope_scaling: dict = None    # transformers' llama3 rope_scaling dict
    rope_factors: np.ndarray = None  # per-frequency divisors (rope_freqs.weight)
    tied: bool = True
    window: int = 64
    window_kind: str = "tk"
    fmap: str = "hedgehog"
    fmap_dim: int = 8
    fmap_eps: float = 1e-12
    fmap_bias: bool = False      # t2r only: one bias scalar per head
    lora_scale: float = 2.0
    context_length: int = 512

    def __post_init__(self):
        # values that live in f32 GGUF keys are used at f32 precision, so the
        # reference computes with exactly what the file says
        self.rms_eps = f32(self.rms_eps)
        self.rope_theta = f32(self.rope_theta)
        self.fmap_eps = f32(self.fmap_eps)
        self.lora_scale = f32(self.lora_scale)
        for ls in self.layers:
            assert ls.kind in LAYER_KINDS and ls.n_head % ls.n_head_kv == 0
            assert ls.d_qk % 2 == 0
        assert self.fmap in FMAP_KINDS and self.window_kind in ("sw", "tk")
        if self.rope_scaling is not None and self.rope_factors is None:
            d = self.rope_dim()
            base = rope_base_inv_freq(self.rope_theta, d)
            new = llama3_inv_freq(self.rope_theta, d, **self.rope_scaling)
            self.rope_factors = (base / new).astype(np.float32)

    def rope_dim(self):
        dims = {ls.d_qk for ls in self.layers}
        if len(dims) != 1:
            raise NotImplementedError("RoPE needs one Q/K head size for all layers")
        return dims.pop()

    def n_features(self, ls):
        """Width of phi(x) for a layer."""
        return {"hedgehog": 2 * self.fmap_dim, "hedgehog_half": self.fmap_dim,
                "t2r": self.fmap_dim, "elu": ls.d_qk}[self.fmap]


# =============================================================================
# RoPE frequencies
# =============================================================================

def rope_base_inv_freq(theta, dim):
    """theta^(-2i/dim), i = 0 .. dim/2-1 (float64)."""
    return 1.0 / theta ** (np.arange(0, dim, 2, dtype=np.float64) / dim)


def llama3_inv_freq(theta, dim, factor, low_freq_factor, high_freq_factor,
                    original_max_position_embeddings):
    """Llama 3.1 frequency scaling, the same rule as transformers'
    _compute_llama3_parameters: short wavelengths keep their frequency, long
    ones are divided by factor, and the band between is interpolated."""
    old_ctx = original_max_position_embeddings
    low_wavelen = old_ctx / low_freq_factor
    high_wavelen = old_ctx / high_freq_factor
    out = []
    for freq in rope_base_inv_freq(theta, dim):
        wavelen = 2 * math.pi / freq
        if wavelen < high_wavelen:
            out.append(freq)
        elif wavelen > low_wavelen:
            out.append(freq / factor)
        else:
            smooth = (old_ctx / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
            out.append((1 - smooth) * freq / factor + smooth * freq)
    return np.array(out)


def rope_inv_freq(cfg):
    """Frequencies the model runs with. With llama3 scaling they are derived
    from the float32 divisors exactly as stored in rope_freqs.weight."""
    d = cfg.rope_dim()
    inv = rope_base_inv_freq(cfg.rope_theta, d)
    if cfg.rope_factors is not None:
        inv = inv / np.asarray(cfg.rope_factors, dtype=np.float64)
    return torch.tensor(inv, dtype=DT)


def rope_angles(pos, inv_freq):
    ang = torch.as_tensor(pos, dtype=DT)[:, None] * inv_freq[None, :]  # (T, D/2)
    return torch.cos(ang), torch.sin(ang)


def rope_rotate_half(x, cos, sin):
    """HF Llama RoPE on (.., T, D): dims i and i+D/2 form a pair."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def rope_pairs(x, cos, sin):
    """llama.cpp RoPE on (.., T, D): dims 2i and 2i+1 form a pair."""
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], dim=-1).flatten(-2)


# =============================================================================
# model weights and their GGUF names
# =============================================================================

def layer_prefix(i):
    return "model.layers.%d." % i


def proj_module(p):
    return "self_attn.%s_proj" % p


GGUF_PROJ = {"q": "attn_q", "k": "attn_k", "v": "attn_v", "o": "attn_output"}


def tensor_table(cfg):
    """Every tensor of a model: (hf_name, gguf_name, shape, permutation, is_weight).

    permutation: None, ("rows", n_head, head_dim) for Q/K rows, or ("fmap",)
    for the D axis of a (H, D, F) feature map. is_weight marks the big matrices
    whose storage type is selectable; the rest always stay F32.
    """
    E, V = cfg.n_embd, cfg.n_vocab
    t = [("model.embed_tokens.weight", "token_embd.weight", (V, E), None, True),
         ("model.norm.weight", "output_norm.weight", (E,), None, False)]
    if not cfg.tied:
        t.append(("lm_head.weight", "output.weight", (V, E), None, True))
    for i, ls in enumerate(cfg.layers):
        hf, gg = layer_prefix(i), "blk.%d." % i
        H, Hkv = ls.n_head, ls.n_head_kv
        t.append((hf + "input_layernorm.weight", gg + "attn_norm.weight", (E,), None, False))
        shapes = {"q": (H * ls.d_qk, E), "k": (Hkv * ls.d_qk, E),
                  "v": (Hkv * ls.d_v, E), "o": (E, H * ls.d_v)}
        perms = {"q": ("rows", H, ls.d_qk), "k": ("rows", Hkv, ls.d_qk), "v": None, "o": None}
        for p in PROJS:
            out_dim, in_dim = shapes[p]
            m, g = hf + proj_module(p), gg + GGUF_PROJ[p]
            if p in ls.lowrank:
                if p in ls.lora:
                    raise NotImplementedError("LoRA on a low-rank projection")
                r = ls.lowrank[p]
                t.append((m + ".lpa_A.weight", g + "_a.weight", (r, in_dim), None, True))
                t.append((m + ".lpa_B.weight", g + "_b.weight", (out_dim, r), perms[p], True))
            else:
                t.append((m + ".weight", g + ".weight", shapes[p], perms[p], True))
            if p in ls.lora:
                r = ls.lora_rank
                t.append((m + ".lora_A.default.weight", g + ".weight.lora_a", (r, in_dim), None, True))
                t.append((m + ".lora_B.default.weight", g + ".weight.lora_b", (out_dim, r), perms[p], True))
        if ls.kind != "softmax" and cfg.fmap != "elu":
            fshape = (H, ls.d_qk, cfg.fmap_dim)
            for qk in "qk":
                t.append((hf + "self_attn.feature_map_%s.mlp.layer" % qk,
                          gg + "attn_fmap_%s.weight" % qk, fshape, ("fmap",), False))
                if cfg.fmap == "t2r" and cfg.fmap_bias:
                    t.append((hf + "self_attn.feature_map_%s.mlp.bias" % qk,
                              gg + "attn_fmap_%s.bias" % qk, (H,), None, False))
        if ls.kind == "hybrid":
            t.append((hf + "self_attn.window_factors", gg + "attn_window_factors.weight",
                      (H,), None, False))
        t.append((hf + "post_attention_layernorm.weight", gg + "ffn_norm.weight", (E,), None, False))
        t.append((hf + "mlp.gate_proj.weight", gg + "ffn_gate.weight", (ls.n_ff, E), None, True))
        t.append((hf + "mlp.up_proj.weight", gg + "ffn_up.weight", (ls.n_ff, E), None, True))
        t.append((hf + "mlp.down_proj.weight", gg + "ffn_down.weight", (E, ls.n_ff), None, True))
    return t


def apply_perm(a, perm, inverse=False):
    if perm is None:
        return a
    if perm[0] == "rows":
        return gguf.permute_qk_rows(a, perm[1], perm[2], inverse=inverse)
    return gguf.permute_fmap(a, inverse=inverse)


def storage_type(is_weight, shape, wtype):
    """Type a tensor is written with: gguf.storage_type's policy."""
    return gguf.storage_type(wtype, shape[-1], is_weight)


@dataclass
class Model:
    cfg: Config
    w: dict                      # hf_name -> float64 tensor
    order: str = "hf"            # "hf": rotate_half rows; "gguf": llama.cpp pair rows

    def export(self, wtype=gguf.F32):
        """-> [(gguf_name, float32 array in GGUF order, storage type)]"""
        assert self.order == "hf"
        out = []
        if self.cfg.rope_factors is not None:
            out.append(("rope_freqs.weight", np.asarray(self.cfg.rope_factors, np.float32), gguf.F32))
        for hf, gg, shape, perm, is_weight in tensor_table(self.cfg):
            a = self.w[hf].numpy()
            assert a.shape == shape, (hf, a.shape, shape)
            a = apply_perm(a, perm).astype(np.float32)
            out.append((gg, a, storage_type(is_weight, shape, wtype)))
        return out

    def stored(self, wtype=gguf.F32):
        """The model exactly as a GGUF file of this weight type holds it:
        every tensor goes through its storage type and back."""
        w = {}
        table = {gg: (hf, perm) for hf, gg, _, perm, _ in tensor_table(self.cfg)}
        for gg, a, ttype in self.export(wtype):
            if gg == "rope_freqs.weight":
                continue
            hf, perm = table[gg]
            back = apply_perm(gguf.roundtrip(a, ttype), perm, inverse=True)
            w[hf] = torch.tensor(np.ascontiguousarray(back), dtype=DT)
        return Model(self.cfg, w, "hf")


# =============================================================================
# building blocks
# =============================================================================

def rms_norm(x, weight, eps):
    return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * weight


def silu(x):
    return x * torch.sigmoid(x)


def projection(model, i, p, x):
    """y = x W^T (or x A^T B^T for low rank) + scale * (x lora_A^T) lora_B^T."""
    m = layer_prefix(i) + proj_module(p)
    w, ls = model.w, model.cfg.layers[i]
    if p in ls.lowrank:
        y = (x @ w[m + ".lpa_A.weight"].T) @ w[m + ".lpa_B.weight"].T
    else:
        y = x @ w[m + ".weight"].T
    if p in ls.lora:
        y = y + model.cfg.lora_scale * ((x @ w[m + ".lora_A.default.weight"].T)
                                        @ w[m + ".lora_B.default.weight"].T)
    return y


def feature_map(model, i, which, x):
    """phi for layer i (which = 'q' or 'k') on post-RoPE, already repeated
    heads x: (H, T, D) -> (H, T, n_features). Per query head weights."""
    cfg = model.cfg
    eps = cfg.fmap_eps
    if cfg.fmap == "elu":
        return torch.clamp_min(torch.nn.functional.elu(x) + 1, eps)
    hf = layer_prefix(i) + "self_attn.feature_map_%s.mlp." % which
    u = torch.einsum("htd,hdf->htf", x, model.w[hf + "layer"])
    if cfg.fmap == "hedgehog":
        phi = torch.cat([torch.softmax(u, -1), torch.softmax(-u, -1)], dim=-1)
    elif cfg.fmap == "hedgehog_half":
        phi = torch.softmax(u, -1)
    else:  # t2r
        if cfg.fmap_bias:
            u = u + model.w[hf + "bias"][:, None, None]
        phi = torch.relu(u)
    return torch.clamp_min(phi, eps)


def repeat_kv(x, n_rep):
    """(Hkv, T, D) -> (H, T, D): query head h uses kv head h // n_rep."""
    return x.repeat_interleave(n_rep, dim=0)


# ---- masks (q_len == k_len == L, no prior state) -----------------------------

def sliding_masks(L, w):
    """(window, linear) boolean masks of the per-token sliding window,
    written with explicit index comparisons."""
    i = torch.arange(L)[:, None]
    j = torch.arange(L)[None, :]
    return (j <= i) & (j > i - w), j <= i - w


def sw_official_masks(L, w):
    """The sw checkpoint's get_masks, literally: causal tril minus a tril
    shifted down by w."""
    causal = torch.tril(torch.ones(L, L, dtype=torch.int64))
    linear = torch.tril(torch.ones(L, L, dtype=torch.int64), diagonal=-w)
    return (causal - linear) != 0, linear != 0


def tk_official_masks(L, w):
    """The tk checkpoint's get_masks, literally (spec 3.2): m = ceil(L/w)
    all-ones w x w blocks on the diagonal, plus the same rolled left by w
    columns, cropped to the LAST L rows and columns, tril. Masks are then used
    as "!= 0": with m == 1 the roll is a no-op, values become 2 and 1-2 = -1, so
    every causal key lands in BOTH the window and the linear set."""
    m = math.ceil(L / w)
    blocks = torch.block_diag(*[torch.ones(w, w, dtype=torch.int64)] * m)
    mask = blocks + torch.roll(blocks, -w, -1)
    mask = mask[-L:, -L:]
    return torch.tril(mask) != 0, torch.tril(1 - mask) != 0


def tk_closed_form_masks(L, w):
    """The spec's closed form of tk_official_masks, used only by selfcheck."""
    m = math.ceil(L / w)
    i = torch.arange(L)[:, None]
    j = torch.arange(L)[None, :]
    causal = j <= i
    if m == 1:
        return causal, causal
    off = m * w - L
    bi, bj = (i + off) // w, (j + off) // w
    return causal & (bj >= bi - 1), causal & (bj <= bi - 2)


# ---- attention, parallel forms -----------------------------------------------

def softmax_parallel(q, k, v):
    L = q.shape[1]
    s = q @ k.transpose(1, 2) / math.sqrt(q.shape[-1])
    causal = torch.ones(L, L, dtype=torch.bool).tril()
    s = s.masked_fill(~causal, float("-inf"))
    return torch.softmax(s, -1) @ v


def linear_parallel(fq, fk, v):
    """Spec 4.7 prefill as a masked matrix product. The official code adds
    1e-12 to the denominator; it is dropped here (decode has none either)."""
    a = (fq @ fk.transpose(1, 2)).tril()
    return (a @ v) / a.sum(-1, keepdim=True)


def hybrid_parallel(q, k, v, fq, fk, beta, win, lin):
    """Spec 3: beta * exp(s - m) over the window set plus unscaled phi_q.phi_k
    over the linear set, one shared denominator, no epsilon. m is the max of
    the window scores only (the asymmetric stabiliser)."""
    s = q @ k.transpose(1, 2) / math.sqrt(q.shape[-1])
    s = s.masked_fill(~win, float("-inf"))
    m = s.amax(-1, keepdim=True)       # finite: j == i is always in the window
    a = beta[:, None, None] * torch.exp(s - m)
    b = (fq @ fk.transpose(1, 2)) * lin
    ab = a + b
    return (ab @ v) / ab.sum(-1, keepdim=True)


# =============================================================================
# a running model: parallel prefill + recurrent decode with explicit state
# =============================================================================

class LayerState:
    """Per layer, per query head (spec 4.1):
    softmax: all keys/values; linear: S (H, nf, Dv), z (H, nf);
    hybrid: the last <= w raw post-RoPE keys/values plus S, z of older keys."""

    def __init__(self):
        self.k = self.v = None
        self.S = self.z = None


class Session:
    """Feeds tokens like HF generate does: the first call is a parallel
    prefill (any length), later calls are single-token decodes."""

    def __init__(self, model, mode="sliding"):
        assert mode in ("sliding", "terrace")
        self.model, self.cfg, self.mode = model, model.cfg, mode
        self.inv_freq = rope_inv_freq(model.cfg)
        self.rope = rope_rotate_half if model.order == "hf" else rope_pairs
        self.states = [LayerState() for _ in model.cfg.layers]
        self.n_past = 0

    # -- shared per-layer pieces --
    def _qkv(self, i, h, pos):
        """Projections -> heads -> RoPE -> repeat_kv, as process_qkv does."""
        ls, T = self.cfg.layers[i], h.shape[0]
        q = projection(self.model, i, "q", h).view(T, ls.n_head, ls.d_qk).transpose(0, 1)
        k = projection(self.model, i, "k", h).view(T, ls.n_head_kv, ls.d_qk).transpose(0, 1)
        v = projection(self.model, i, "v", h).view(T, ls.n_head_kv, ls.d_v).transpose(0, 1)
        cos, sin = rope_angles(pos, self.inv_freq)
        q, k = self.rope(q, cos, sin), self.rope(k, cos, sin)
        g = ls.n_head // ls.n_head_kv
        return q, repeat_kv(k, g), repeat_kv(v, g)

    def _beta(self, i):
        return torch.sigmoid(self.model.w[layer_prefix(i) + "self_attn.window_factors"])

    def _block(self, i, x, pos, attend):
        """One decoder layer around an attention function."""
        w, ls, pre = self.model.w, self.cfg.layers[i], layer_prefix(i)
        h = rms_norm(x, w[pre + "input_layernorm.weight"], self.cfg.rms_eps)
        q, k, v = self._qkv(i, h, pos)
        y = attend(i, q, k, v)                          # (H, T, Dv)
        y = y.transpose(0, 1).reshape(x.shape[0], ls.n_head * ls.d_v)
        x = x + projection(self.model, i, "o", y)
        h = rms_norm(x, w[pre + "post_attention_layernorm.weight"], self.cfg.rms_eps)
        f = silu(h @ w[pre + "mlp.gate_proj.weight"].T) * (h @ w[pre + "mlp.up_proj.weight"].T)
        return x + f @ w[pre + "mlp.down_proj.weight"].T

    def _logits(self, x):
        w = self.model.w
        x = rms_norm(x, w["model.norm.weight"], self.cfg.rms_eps)
        out = w["model.embed_tokens.weight"] if self.cfg.tied else w["lm_head.weight"]
        return x @ out.T

    def _run(self, tokens, attend):
        tokens = torch.as_tensor(tokens, dtype=torch.long)
        pos = torch.arange(self.n_past, self.n_past + len(tokens))
        x = self.model.w["model.embed_tokens.weight"][tokens]
        for i in range(len(self.cfg.layers)):
            x = self._block(i, x, pos, attend)
        self.n_past += len(tokens)
        return self._logits(x)

    # -- prefill --
    def _hybrid_masks(self, L):
        w = self.cfg.window
        if self.mode == "sliding":
            return sliding_masks(L, w)
        if self.cfg.window_kind == "tk":
            return tk_official_masks(L, w)
        return sw_official_masks(L, w)

    def _attend_prefill(self, i, q, k, v):
        kind, st, L = self.cfg.layers[i].kind, self.states[i], q.shape[1]
        if kind == "softmax":
            st.k, st.v = k, v
            return softmax_parallel(q, k, v)
        fq, fk = feature_map(self.model, i, "q", q), feature_map(self.model, i, "k", k)
        if kind == "linear":
            st.S, st.z = fk.transpose(1, 2) @ v, fk.sum(1)
            return linear_parallel(fq, fk, v)
        win, lin = self._hybrid_masks(L)
        y = hybrid_parallel(q, k, v, fq, fk, self._beta(i), win, lin)
        # spec 4.2: keys older than the last w go to (S, z), the rest to the cache
        n_old = max(0, L - self.cfg.window)
        st.S = fk[:, :n_old].transpose(1, 2) @ v[:, :n_old]
        st.z = fk[:, :n_old].sum(1)
        st.k, st.v = k[:, n_old:], v[:, n_old:]
        return y

    def prefill(self, tokens):
        if self.n_past:
            raise NotImplementedError("multi-token calls after the first are not modelled")
        return self._run(tokens, self._attend_prefill)

    # -- decode --
    def _attend_decode(self, i, q, k, v):
        """One token; q, k, v are (H, 1, D)."""
        ls, st, m = self.cfg.layers[i], self.states[i], self.model
        H = ls.n_head
        if ls.kind == "softmax":
            st.k = k if st.k is None else torch.cat([st.k, k], 1)
            st.v = v if st.v is None else torch.cat([st.v, v], 1)
            s = (st.k @ q.transpose(1, 2))[..., 0] / math.sqrt(ls.d_qk)   # (H, n)
            p = torch.softmax(s, -1)
            return (p[:, :, None] * st.v).sum(1, keepdim=True)

        nf = self.cfg.n_features(ls)
        if st.S is None:
            st.S, st.z = torch.zeros(H, nf, ls.d_v, dtype=DT), torch.zeros(H, nf, dtype=DT)
        fq = feature_map(m, i, "q", q)[:, 0]                           # (H, nf)

        if ls.kind == "linear":
            # spec 4.7: the state includes the current token, no epsilon
            fk = feature_map(m, i, "k", k)[:, 0]
            st.S = st.S + fk[:, :, None] * v[:, 0, None, :]
            st.z = st.z + fk
            return (torch.einsum("hf,hfd->hd", fq, st.S) / (fq * st.z).sum(-1, keepdim=True))[:, None]

        # hybrid, spec 4.3: evict the oldest key into (S, z) BEFORE the output
        if st.k is not None and st.k.shape[1] == self.cfg.window:
            fe = feature_map(m, i, "k", st.k[:, :1])[:, 0]             # phi_k recomputed
            st.S = st.S + fe[:, :, None] * st.v[:, 0, None, :]
            st.z = st.z + fe
            st.k, st.v = st.k[:, 1:], st.v[:, 1:]
        st.k = k if st.k is None else torch.cat([st.k, k], 1)
        st.v = v if st.v is None else torch.cat([st.v, v], 1)
        s = (st.k @ q.transpose(1, 2))[..., 0] / math.sqrt(ls.d_qk)       # (H, n)
        a = self._beta(i)[:, None] * torch.exp(s - s.amax(-1, keepdim=True))
        num = (a[:, :, None] * st.v).sum(1) + torch.einsum("hf,hfd->hd", fq, st.S)
        den = a.sum(1) + (fq * st.z).sum(-1)
        return (num / den[:, None])[:, None]

    def decode(self, token):
        """One token through the recurrent path; works from an empty state."""
        return self._run([token], self._attend_decode)


def run(model, tokens, mode="sliding", decode_from=-1):
    """Logits (T, vocab) for every position. decode_from = -1: one call with
    the whole sequence; P >= 0: one call with tokens[:P] (skipped if P == 0),
    then one decode call per remaining token."""
    s = Session(model, mode)
    if decode_from < 0:
        return s.prefill(tokens)
    out = [s.prefill(tokens[:decode_from])] if decode_from > 0 else []
    out += [s.decode(t) for t in tokens[decode_from:]]
    return torch.cat(out, 0)


# =============================================================================
# GGUF
# =============================================================================

def fake_vocab(n_vocab):
    """A minimal SentencePiece-style vocabulary: <unk> <s> </s>, 256 byte
    tokens, then word pieces."""
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    types = [2, 3, 3] + [6] * 256              # unknown, control, byte
    letters = "abcdefghijklmnopqrstuvwxyz"
    pieces = ["\u2581" + c for c in letters] + list(letters)
    pieces += [a + b for a in letters for b in letters]
    extra = n_vocab - len(tokens)
    if extra < 0:
        raise ValueError("vocab must have at least 259 entries")
    tokens += pieces[:extra]
    types += [1] * extra
    scores = [0.0] * 259 + [float(-i) for i in range(extra)]
    return tokens, scores, types


def per_layer(values):
    """u32 when every layer agrees, else a u32 array."""
    return values[0] if len(set(values)) == 1 else list(values)


def write_gguf(model, path, wtype=gguf.F32, name="lolcat-reference"):
    """Write model (HF order) following docs/gguf-schema.md. Returns the
    model as stored (dequantized), which is what expectations must use."""
    cfg, layers = model.cfg, model.cfg.layers
    arch = "llama"
    w = gguf.GGUFWriter(path)
    w.add_string("general.architecture", arch)
    w.add_u32("general.alignment", gguf.DEFAULT_ALIGNMENT)
    w.add_string("general.name", name)
    w.add_u32(arch + ".block_count", len(layers))
    w.add_u32(arch + ".context_length", cfg.context_length)
    w.add_u32(arch + ".embedding_length", cfg.n_embd)
    w.add_u32(arch + ".vocab_size", cfg.n_vocab)
    for key, attr in [("feed_forward_length", "n_ff"), ("attention.head_count", "n_head"),
                      ("attention.head_count_kv", "n_head_kv"),
                      ("attention.key_length", "d_qk"), ("attention.value_length", "d_v")]:
        v = per_layer([getattr(ls, attr) for ls in layers])
        if isinstance(v, list):
            w.add_array(arch + "." + key, v, gguf.UINT32)
        else:
            w.add_u32(arch + "." + key, v)
    w.add_f32(arch + ".attention.layer_norm_rms_epsilon", cfg.rms_eps)
    w.add_f32(arch + ".rope.freq_base", cfg.rope_theta)
    w.add_u32(arch + ".rope.dimension_count", cfg.rope_dim())

    tokens, scores, types = fake_vocab(cfg.n_vocab)
    w.add_string("tokenizer.ggml.model", "llama")
    w.add_array("tokenizer.ggml.tokens", tokens, gguf.STRING)
    w.add_array("tokenizer.ggml.scores", scores, gguf.FLOAT32)
    w.add_array("tokenizer.ggml.token_type", types, gguf.INT32)
    w.add_u32("tokenizer.ggml.unknown_token_id", 0)
    w.add_u32("tokenizer.ggml.bos_token_id", 1)
    w.add_u32("tokenizer.ggml.eos_token_id", 2)

    kinds = [ls.kind for ls in layers]
    if any(k != "softmax" for k in kinds):
        # a pure softmax model is written as a plain llama.cpp file
        w.add_u32("lolcat.schema_version", 1)
        w.add_array("lolcat.attention.layer_kinds", kinds, gguf.STRING)
        if "hybrid" in kinds:
            w.add_u32("lolcat.attention.window_size", cfg.window)
            w.add_string("lolcat.attention.window_kind", cfg.window_kind)
        w.add_string("lolcat.feature_map.kind", cfg.fmap)
        if cfg.fmap != "elu":
            w.add_u32("lolcat.feature_map.dim", cfg.fmap_dim)
        w.add_f32("lolcat.feature_map.eps", cfg.fmap_eps)
    if any(ls.lora for ls in layers):
        w.add_f32("lolcat.lora.scale", cfg.lora_scale)

    for gg, a, ttype in model.export(wtype):
        w.add_tensor(gg, a, ttype)
    w.write()
    return model.stored(wtype)


def _layer_values(meta, key, n, default):
    v = meta.get(key, default)
    return list(v) if isinstance(v, list) else [v] * n


def load_gguf(path, order="gguf"):
    """Build a Model from a GGUF file. order="gguf" keeps Q/K rows and the
    feature-map D axis as stored and runs llama.cpp's pair RoPE; order="hf"
    undoes the permutation and runs rotate_half RoPE."""
    meta, tensors = gguf.read_gguf(path)
    arch = meta["general.architecture"]
    if arch != "llama":
        raise NotImplementedError("architecture %r" % arch)
    n = meta[arch + ".block_count"]
    E = meta[arch + ".embedding_length"]
    n_vocab = len(meta["tokenizer.ggml.tokens"]) if "tokenizer.ggml.tokens" in meta \
        else tensors["token_embd.weight"][1][1]
    H = _layer_values(meta, arch + ".attention.head_count", n, None)
    Hkv = _layer_values(meta, arch + ".attention.head_count_kv", n, None)
    Hkv = [hk if hk is not None else h for hk, h in zip(Hkv, H)]
    dqk = _layer_values(meta, arch + ".attention.key_length", n, None)
    dqk = [d if d is not None else E // h for d, h in zip(dqk, H)]
    dv = _layer_values(meta, arch + ".attention.value_length", n, None)
    dv = [d if d is not None else k for d, k in zip(dv, dqk)]
    ff = _layer_values(meta, arch + ".feed_forward_length", n, None)
    kinds = meta.get("lolcat.attention.layer_kinds", ["softmax"] * n)
    n_rot = meta.get(arch + ".rope.dimension_count", dqk[0])
    if any(d != n_rot for d in dqk):
        raise NotImplementedError("partial RoPE (rope.dimension_count < key_length)")

    layers = []
    for i in range(n):
        g = "blk.%d." % i
        lowrank = {p: tensors[g + GGUF_PROJ[p] + "_a.weight"][2].shape[0]
                   for p in PROJS if g + GGUF_PROJ[p] + "_a.weight" in tensors}
        lora = tuple(p for p in PROJS if g + GGUF_PROJ[p] + ".weight.lora_a" in tensors)
        ranks = {tensors[g + GGUF_PROJ[p] + ".weight.lora_a"][2].shape[0] for p in lora}
        if len(ranks) > 1:
            raise NotImplementedError("different LoRA ranks within a layer")
        layers.append(LayerSpec(kind=kinds[i], n_head=H[i], n_head_kv=Hkv[i], d_qk=dqk[i],
                                d_v=dv[i], n_ff=ff[i], lowrank=lowrank, lora=lora,
                                lora_rank=ranks.pop() if ranks else 0))
    rope_factors = tensors["rope_freqs.weight"][2] if "rope_freqs.weight" in tensors else None
    fmap_dim = meta.get("lolcat.feature_map.dim")
    if fmap_dim is None:  # optional key: take F from a feature-map tensor
        ne = [t[1] for name, t in tensors.items() if name.endswith("attn_fmap_q.weight")]
        fmap_dim = ne[0][0] if ne else 0
    cfg = Config(
        n_vocab=n_vocab, n_embd=E, layers=layers,
        rms_eps=meta.get(arch + ".attention.layer_norm_rms_epsilon", 1e-5),
        rope_theta=meta.get(arch + ".rope.freq_base", 10000.0),
        rope_factors=rope_factors,
        tied="output.weight" not in tensors,
        window=meta.get("lolcat.attention.window_size", 64),
        window_kind=meta.get("lolcat.attention.window_kind", "tk"),
        fmap=meta.get("lolcat.feature_map.kind", "hedgehog"),
        fmap_dim=fmap_dim,
        fmap_eps=meta.get("lolcat.feature_map.eps", 1e-12),
        fmap_bias=any(k.endswith("attn_fmap_q.bias") for k in tensors),
        lora_scale=meta.get("lolcat.lora.scale", 0.0),
        context_length=meta.get(arch + ".context_length", 2048))

    w = {}
    for hf, gg, shape, perm, _ in tensor_table(cfg):
        if gg not in tensors:
            raise ValueError("missing tensor %s" % gg)
        a = tensors[gg][2]
        if a.shape != shape:
            raise ValueError("%s has shape %s, expected %s" % (gg, a.shape, shape))
        if order == "hf":
            a = apply_perm(a, perm, inverse=True)
        w[hf] = torch.tensor(np.ascontiguousarray(a), dtype=DT)
    return Model(cfg, w, order)


# =============================================================================
# random models and fixtures
# =============================================================================

def logit(p):
    return math.log(p / (1 - p))


def random_model(cfg, seed):
    """Random weights at scales that keep attention informative: q/k big
    enough for peaked softmax scores, Hedgehog maps ~N(0, 0.5), window
    factors spread over sigmoid^-1(0.1 .. 0.7), norms ~1."""
    rng = np.random.default_rng(seed)
    E, w = cfg.n_embd, {}

    def normal(shape, std):
        return torch.tensor(rng.normal(0.0, std, size=shape), dtype=DT)

    def norm_weight():
        return torch.tensor(1.0 + 0.1 * rng.normal(size=E), dtype=DT)

    w["model.embed_tokens.weight"] = normal((cfg.n_vocab, E), 1.0)
    w["model.norm.weight"] = norm_weight()
    if not cfg.tied:
        w["lm_head.weight"] = normal((cfg.n_vocab, E), 2.0 / math.sqrt(E))
    for i, ls in enumerate(cfg.layers):
        pre = layer_prefix(i)
        H, Hkv = ls.n_head, ls.n_head_kv
        dims = {"q": (H * ls.d_qk, E), "k": (Hkv * ls.d_qk, E),
                "v": (Hkv * ls.d_v, E), "o": (E, H * ls.d_v)}
        # q.k / sqrt(D) then has a standard deviation of about 3
        gain = {"q": 1.7, "k": 1.7, "v": 1.0, "o": 0.7}
        w[pre + "input_layernorm.weight"] = norm_weight()
        w[pre + "post_attention_layernorm.weight"] = norm_weight()
        for p in PROJS:
            out_dim, in_dim = dims[p]
            std = gain[p] / math.sqrt(in_dim)
            m = pre + proj_module(p)
            if p in ls.lowrank:
                r = ls.lowrank[p]
                s = math.sqrt(std / math.sqrt(r))  # var(B @ A) = std^2
                w[m + ".lpa_A.weight"] = normal((r, in_dim), s)
                w[m + ".lpa_B.weight"] = normal((out_dim, r), s)
            else:
                w[m + ".weight"] = normal(dims[p], std)
            if p in ls.lora:
                # scale * B @ A is about 40% of the base weight
                r = ls.lora_rank
                sa = 1.0 / math.sqrt(in_dim)
                sb = 0.4 * std / (cfg.lora_scale * math.sqrt(r) * sa)
                w[m + ".lora_A.default.weight"] = normal((r, in_dim), sa)
                w[m + ".lora_B.default.weight"] = normal((out_dim, r), sb)
        if ls.kind != "softmax" and cfg.fmap != "elu":
            for qk in "qk":
                hf = pre + "self_attn.feature_map_%s.mlp." % qk
                w[hf + "layer"] = normal((H, ls.d_qk, cfg.fmap_dim), 0.5)
                if cfg.fmap == "t2r" and cfg.fmap_bias:
                    w[hf + "bias"] = normal((H,), 0.5)
        if ls.kind == "hybrid":
            w[pre + "self_attn.window_factors"] = torch.tensor(
                rng.uniform(logit(0.1), logit(0.7), size=H), dtype=DT)
        w[pre + "mlp.gate_proj.weight"] = normal((ls.n_ff, E), 1.0 / math.sqrt(E))
        w[pre + "mlp.up_proj.weight"] = normal((ls.n_ff, E), 1.0 / math.sqrt(E))
        w[pre + "mlp.down_proj.weight"] = normal((E, ls.n_ff), 1.0 / math.sqrt(ls.n_ff))
    return Model(cfg, w, "hf")


def layer(kind, **kw):
    return LayerSpec(kind=kind, **kw)


# name -> (description, Config, weight type, sequence length, terrace P list)
# Terrace lines use window w = 8 unless noted; -1 = whole sequence in one call.
def fixture_cases():
    V = 300
    hyb = dict(window=8, window_kind="tk", fmap="hedgehog", fmap_dim=8)
    q4 = dict(n_ff=64)
    c = {}
    c["softmax_gqa"] = ("plain llama.cpp-style softmax Llama, GQA H=4 Hkv=2, untied output, no lolcat keys",
                        Config(V, 32, [layer("softmax", n_head_kv=2)] * 2, tied=False),
                        gguf.F32, 70, [])
    c["linear_hedgehog"] = ("pure linear attention, Hedgehog map (softmax_dim fullspace), tied",
                            Config(V, 32, [layer("linear")] * 2, fmap="hedgehog", fmap_dim=8),
                            gguf.F32, 60, [])
    c["linear_t2r"] = ("pure linear attention, T2R ReLU map with per-head bias, F=16",
                       Config(V, 32, [layer("linear")] * 2, fmap="t2r", fmap_dim=16, fmap_bias=True),
                       gguf.F32, 50, [])
    c["linear_elu"] = ("pure linear attention, elu+1 map (no weights), GQA H=4 Hkv=2",
                       Config(V, 32, [layer("linear", n_head_kv=2)] * 2, fmap="elu"),
                       gguf.F32, 45, [])
    c["linear_hh_half"] = ("pure linear attention, hedgehog_half (softmax_dim, F features)",
                           Config(V, 32, [layer("linear")] * 2, fmap="hedgehog_half", fmap_dim=8),
                           gguf.F32, 55, [])
    c["hybrid_sw"] = ("hybrid Hedgehog, sw window w=8 (terrace == sliding, so no terrace lines)",
                      Config(V, 32, [layer("hybrid")] * 2, **dict(hyb, window_kind="sw")),
                      gguf.F32, 77, [])
    c["hybrid_tk"] = ("hybrid Hedgehog, tk window w=8; terrace P<w, =w, 2w, 3w, 2.5w, whole",
                      Config(V, 32, [layer("hybrid")] * 2, **hyb),
                      gguf.F32, 61, [5, 8, 16, 24, 20, -1])
    c["mixed"] = ("layers softmax + hybrid + linear in one model, tk w=8, untied",
                  Config(V, 32, [layer("softmax"), layer("hybrid"), layer("linear")], tied=False, **hyb),
                  gguf.F32, 80, [6, 20, -1])
    c["hybrid_gqa"] = ("hybrid with GQA H=8 Hkv=2 (G=4), H*D=64 > E=32, tk window w=12 (not a power of 2)",
                       Config(V, 32, [layer("hybrid", n_head=8, n_head_kv=2)] * 2,
                              **dict(hyb, window=12)),
                       gguf.F32, 90, [7, 30, -1])
    c["lowrank"] = ("low-rank (LPA) q,k,v,o: W = B @ A with R=8/8/8/12, hybrid tk w=8",
                    Config(V, 32, [layer("hybrid", n_head_kv=2,
                                     lowrank={"q": 8, "k": 8, "v": 8, "o": 12})] * 2, **hyb),
                    gguf.F32, 60, [])
    c["lora"] = ("LoRA r=4 on q,k,v,o with scale 2 (alpha/r), GQA, hybrid tk w=8",
                 Config(V, 32, [layer("hybrid", n_head_kv=2, lora=PROJS, lora_rank=4)] * 2,
                        lora_scale=2.0, **hyb),
                 gguf.F32, 60, [])
    c["dqk_dv"] = ("Dqk=16 != Dv=8, H=4 Hkv=2, E=32, FF=96, F=16, softmax + hybrid layers",
                   Config(V, 32, [layer("softmax", n_head_kv=2, d_qk=16, d_v=8, n_ff=96),
                                  layer("hybrid", n_head_kv=2, d_qk=16, d_v=8, n_ff=96)],
                          **dict(hyb, fmap_dim=16)),
                   gguf.F32, 70, [])
    c["llama3_rope"] = ("llama3 RoPE scaling (factor 4, low 1, high 4, original 32, D=16: all "
                        "three frequency bands), rope_freqs.weight, theta 10000, untied",
                        Config(V, 32, [layer("hybrid", n_head=2, n_head_kv=1, d_qk=16, d_v=16),
                                       layer("softmax", n_head=2, n_head_kv=1, d_qk=16, d_v=16)],
                               rope_scaling=dict(factor=4.0, low_freq_factor=1.0,
                                                 high_freq_factor=4.0,
                                                 original_max_position_embeddings=32),
                               tied=False, **hyb),
                        gguf.F32, 140, [])
    c["per_layer"] = ("per-layer arrays: H 4/2, Hkv 2/1, Dv 8/16, FF 64/96; hybrid + linear",
                      Config(V, 32, [layer("hybrid", n_head=4, n_head_kv=2, d_v=8, n_ff=64),
                                     layer("linear", n_head=2, n_head_kv=1, d_v=16, n_ff=96)],
                             **hyb),
                      gguf.F32, 50, [])
    for name, t, tied in [("f16", gguf.F16, True), ("bf16", gguf.BF16, False),
                          ("q8_0", gguf.Q8_0, False), ("q4_0", gguf.Q4_0, True)]:
        c["quant_" + name] = ("hybrid tk w=8 with all weight matrices in %s (%s output)"
                              % (gguf.TYPE_NAMES[t], "tied" if tied else "untied"),
                              Config(V, 32, [layer("hybrid", n_head_kv=2, **q4)] * 2,
                                     tied=tied, **hyb),
                              t, 50, [])
    return c


def case_seed(name):
    return zlib.crc32(name.encode())


def case_tokens(name, cfg, n_tok):
    """Random ids, skipping <unk> <s> </s> (no BOS handling in the tests)."""
    rng = np.random.default_rng(case_seed(name) + 1)
    return rng.integers(3, cfg.n_vocab, size=n_tok).tolist()


def write_logits(path, logits):
    np.ascontiguousarray(logits.numpy(), dtype="<f4").tofile(path)


def make_fixtures(outdir, only=None):
    os.makedirs(outdir, exist_ok=True)
    manifest = []
    for name, (desc, cfg, wtype, n_tok, terrace) in fixture_cases().items():
        if only and name not in only:
            continue
        seed = case_seed(name)
        model = random_model(cfg, seed)
        stored = write_gguf(model, os.path.join(outdir, name + ".gguf"), wtype,
                            name="lolcat fixture " + name)
        tokens = case_tokens(name, cfg, n_tok)
        with open(os.path.join(outdir, name + ".tokens"), "w") as f:
            f.write(" ".join(map(str, tokens)) + "\n")
        lines = [("sliding", -1)] + [("terrace", p) for p in terrace]
        for mode, p in lines:
            fname = "%s.%s.%s.logits" % (name, mode, "all" if p < 0 else "p%d" % p)
            write_logits(os.path.join(outdir, fname), run(stored, tokens, mode, p))
            manifest.append("%s %s %d %s" % (name, mode, p, fname))
        print("%-16s %s" % (name, desc))
    tmp = os.path.join(outdir, ".manifest.txt.tmp")
    with open(tmp, "w") as f:
        f.write("\n".join(manifest) + "\n")
    os.replace(tmp, os.path.join(outdir, "manifest.txt"))


# =============================================================================
# fixtures in the on-disk formats of the releases (for tools/convert_hf.py)
# =============================================================================
# A Hugging Face base folder (config.json + safetensors, bf16 like the
# releases) and LoLCATs .pt files written with torch.save, keys exactly as the
# spec (section 5) lists them. The converter must turn these back into a GGUF
# whose logits equal the reference run of the same Model.

def round_model(model, base_type=gguf.BF16):
    """The model with every weight rounded to what the files hold (base
    weights as base_type, LoLCATs parameters as bf16, like the releases), so
    the reference computes with exactly the values written to disk."""
    base = set(base_tensor_names(model.cfg))
    w = {k: torch.tensor(gguf.roundtrip(v.numpy().astype(np.float32),
                                        base_type if k in base else gguf.BF16), dtype=DT)
         for k, v in model.w.items()}
    return Model(model.cfg, w, model.order)


ST_NAMES = {gguf.F32: "F32", gguf.F16: "F16", gguf.BF16: "BF16"}


def write_safetensors(path, tensors, ttype=gguf.BF16):
    """tensors: {name: float array}; every tensor stored as ttype (F32, F16
    or BF16). Layout: u64 header length, JSON header, raw data."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, a in tensors.items():
        a = np.asarray(a, dtype=np.float32)
        raw = gguf.quantize(a, ttype)
        header[name] = {"dtype": ST_NAMES[ttype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


def base_tensor_names(cfg):
    """HF names of the base model's tensors (what model.safetensors holds)."""
    lolcats = ("feature_map_", "window_factors", "lora_")
    return [hf for hf, _, _, _, _ in tensor_table(cfg) if not any(s in hf for s in lolcats)]


def write_hf_base(model, folder, ttype=gguf.BF16, shards=1, model_type="llama"):
    """config.json plus model.safetensors (or `shards` files and
    model.safetensors.index.json) holding the base weights of model."""
    cfg = model.cfg
    ls = cfg.layers[0]
    for other in cfg.layers:
        assert (other.n_head, other.n_head_kv, other.d_qk, other.d_v, other.n_ff) == \
            (ls.n_head, ls.n_head_kv, ls.d_qk, ls.d_v, ls.n_ff) and not other.lowrank
    assert ls.d_qk == ls.d_v
    os.makedirs(folder, exist_ok=True)
    conf = {"architectures": ["MistralForCausalLM" if model_type == "mistral" else "LlamaForCausalLM"],
            "model_type": model_type, "hidden_act": "silu", "hidden_size": cfg.n_embd,
            "intermediate_size": ls.n_ff, "num_attention_heads": ls.n_head,
            "num_key_value_heads": ls.n_head_kv, "num_hidden_layers": len(cfg.layers),
            "rms_norm_eps": cfg.rms_eps, "rope_theta": cfg.rope_theta,
            "max_position_embeddings": cfg.context_length, "tie_word_embeddings": cfg.tied,
            "vocab_size": cfg.n_vocab, "bos_token_id": 1, "eos_token_id": 2,
            "torch_dtype": {gguf.BF16: "bfloat16", gguf.F16: "float16"}.get(ttype, "float32")}
    if ls.d_qk * ls.n_head != cfg.n_embd:
        conf["head_dim"] = ls.d_qk
    if cfg.rope_scaling:
        conf["rope_scaling"] = dict(cfg.rope_scaling, rope_type="llama3")
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(conf, f, indent=2)
    names = base_tensor_names(cfg)
    tensors = {n: model.w[n].numpy() for n in names}
    if shards == 1:
        write_safetensors(os.path.join(folder, "model.safetensors"), tensors, ttype)
        return
    parts = [names[i::shards] for i in range(shards)]
    weight_map = {}
    for k, part in enumerate(parts):
        fname = "model-%05d-of-%05d.safetensors" % (k + 1, shards)
        write_safetensors(os.path.join(folder, fname), {n: tensors[n] for n in part}, ttype)
        weight_map.update({n: fname for n in part})
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=2)


def lolcats_state(model, prefix="model.", what=("attn", "lora"), alias=False):
    """The LoLCATs parameters of model as a state dict of bf16 torch tensors,
    with the on-disk names and shapes: feature maps (H, D, F), window factors
    and T2R biases (1, H, 1, 1), LoRA A (r, in) and B (out, r)."""
    from collections import OrderedDict
    sd = OrderedDict()
    for hf, t in model.w.items():
        is_lora = ".lora_" in hf
        is_attn = "feature_map_" in hf or hf.endswith("window_factors")
        if not ((is_lora and "lora" in what) or (is_attn and "attn" in what)):
            continue
        if hf.endswith("window_factors") or hf.endswith("mlp.bias"):
            t = t.reshape(1, -1, 1, 1)
        key = prefix + hf[len("model."):]
        if alias and key.endswith("window_factors"):
            key = key[:-1]                 # the tk layer's alias `window_factor`
        sd[key] = t.to(torch.bfloat16)
    return sd


def save_checkpoint(sd, path, wrapped):
    """torch.save a bare state dict, or the trainer's {'model_state_dict': ...}."""
    obj = {"model_state_dict": sd, "step": 100, "eval/loss": 1.5} if wrapped else sd
    torch.save(obj, path)


ATTENTION_TYPE = {("hybrid", "tk"): "lolcats_llama_window_tk", ("hybrid", "sw"): "lolcats_llama_window_sw",
                  ("linear", "tk"): "lolcats_llama", ("linear", "sw"): "lolcats_llama"}
FEATURE_MAP = {"hedgehog": ("softmax_dim", True), "hedgehog_half": ("softmax_dim", False),
               "t2r": ("relu", True), "elu": ("pos_elu", True)}


def write_lolcats_config(cfg, path):
    """A model config YAML in the layout of the repo's configs/model/*.yaml."""
    kinds = {ls.kind for ls in cfg.layers if ls.kind != "softmax"}
    assert len(kinds) == 1
    soft = [i for i, ls in enumerate(cfg.layers) if ls.kind == "softmax"]
    fmap, fullspace = FEATURE_MAP[cfg.fmap]
    lines = ["name: llama", "model:", '  pretrained_model_name_or_path: "fixture"',
             "  torch_dtype: bfloat16", "", "attention:",
             "  attention_type: " + ATTENTION_TYPE[(kinds.pop(), cfg.window_kind)],
             "  state_chunk_len: 1024", "  window_size: %d" % cfg.window,
             "  affine_attention_factors: false", "  init_window_factor: -2.1972245773362196",
             "  feature_map: " + fmap, "  feature_map_kwargs:", "    eps: 1e-12",
             "    fullspace: %s" % ("true" if fullspace else "false"), "  layer_idx: null",
             "  learned_kernel: untied_head_einsum", "  learned_kernel_kwargs:",
             "    feature_dim: %d" % cfg.fmap_dim, "    skip_connection: false",
             "    bias: %s" % ("true" if cfg.fmap_bias else "false"), "    zero_init: false",
             "  tie_qk_kernels: false", "  train_qk: false"]
    if soft:
        lines.append("  softmax_attentions: [%s]" % ", ".join(map(str, soft)))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_finetune_config(path, r, alpha, targets=("q_proj", "k_proj", "v_proj", "o_proj")):
    """A finetune config YAML like configs/experiment/finetune_lora_*.yaml."""
    with open(path, "w") as f:
        f.write("dataset:\n  name: alpaca_clean\n\ntrainer:\n  name: default_lm\n  bf16: true\n\n"
                "finetune:\n  method: lora\n  kwargs:\n    r: %d\n    lora_alpha: %s\n"
                "    lora_dropout: 0\n    target_modules: [%s]\n"
                % (r, alpha, ", ".join('"%s"' % t for t in targets)))


def write_spm_tokenizer(folder, vocab_size):
    """Trains a tiny SentencePiece BPE model with byte fallback (like Llama 2's
    and Mistral's) into folder/tokenizer.model."""
    import io
    import sentencepiece as spm
    text = ["once upon a time there was a little cat named tom.",
            "the cat liked to sit in the sun and look at the birds.",
            "one day a big dog came to the garden and the cat ran up a tree.",
            "tom was happy when the dog went away, and he slept all day."] * 20
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(text), model_writer=buf,
                                   vocab_size=vocab_size, model_type="bpe", byte_fallback=True,
                                   character_coverage=1.0, num_threads=1, minloglevel=2,
                                   bos_id=1, eos_id=2, unk_id=0)
    with open(os.path.join(folder, "tokenizer.model"), "wb") as f:
        f.write(buf.getvalue())
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>",
                   "eos_token": "</s>", "chat_template": "{{ bos_token }}{{ messages[0]['content'] }}"}, f)


def _bytes_to_unicode():
    """GPT-2's byte -> printable character table."""
    keep = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    chars, n = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + n)
            n += 1
    return chars


LLAMA3_PRE_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def write_bpe_tokenizer(folder, n_vocab):
    """A tiny Llama-3-style byte-level BPE tokenizer.json (the 256 byte
    symbols, a few merges, special tokens at the end) + tokenizer_config.json.
    Returns (tokens, merges) as the GGUF must hold them."""
    b2u = _bytes_to_unicode()
    vocab = [b2u[b] for b in range(256)]
    merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a")]
    for a, b in merges:
        vocab.append(a + b)
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"]
    n_normal = n_vocab - len(specials) - 2       # two unused ids before the specials
    assert n_normal >= len(vocab)
    vocab += ["x%d" % i for i in range(n_normal - len(vocab))]
    first_special = n_normal + 2
    tok = {"version": "1.0", "added_tokens": [
        {"id": first_special + k, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True} for k, s in enumerate(specials)],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3_PRE_REGEX}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "Sequence", "processors": [
            {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                        {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [], "special_tokens": {}}]},
        "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "byte_fallback": False,
                  "vocab": {t: i for i, t in enumerate(vocab)},
                  "merges": [a + " " + b for a, b in merges]}}
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>",
                   "chat_template": "{% for m in messages %}{{ m['content'] }}<|eot_id|>{% endfor %}"}, f)
    tokens = vocab + ["[PAD%d]" % (n_normal + k) for k in range(2)] + specials
    return tokens, [a + " " + b for a, b in merges]


def write_llama2c(model, path, version=0, seq_len=64):
    """Exports a softmax model in llama2.c's checkpoint layout: version 0
    (run.c's legacy format: 7-int32 header, negative vocab_size when the
    classifier is separate, RoPE tables after the final norm) or version 1
    (export.py's "ak42" header of 256 bytes). Q/K rows go out in llama2.c's
    adjacent-pair RoPE order, which is the GGUF order."""
    cfg, w = model.cfg, model.w
    ls = cfg.layers[0]
    assert all(l.kind == "softmax" and l.d_qk == l.d_v == cfg.n_embd // l.n_head for l in cfg.layers)
    E, L, hs = cfg.n_embd, len(cfg.layers), ls.d_qk
    params = [E, ls.n_ff, L, ls.n_head, ls.n_head_kv, cfg.n_vocab, seq_len]

    def per_layer(name, perm=None):
        out = []
        for i in range(L):
            a = w[layer_prefix(i) + name].numpy()
            out.append(gguf.permute_qk_rows(a, perm[0], hs) if perm else a)
        return out

    norms_a = per_layer("input_layernorm.weight")
    norms_f = per_layer("post_attention_layernorm.weight")
    mats = [per_layer("self_attn.q_proj.weight", (ls.n_head,)),
            per_layer("self_attn.k_proj.weight", (ls.n_head_kv,)),
            per_layer("self_attn.v_proj.weight"), per_layer("self_attn.o_proj.weight"),
            per_layer("mlp.gate_proj.weight"), per_layer("mlp.down_proj.weight"),
            per_layer("mlp.up_proj.weight")]
    emb, final = w["model.embed_tokens.weight"].numpy(), w["model.norm.weight"].numpy()
    if version == 0:
        if not cfg.tied:
            params[5] = -cfg.n_vocab
        head = struct.pack("<7i", *params)
        freqs = 1.0 / 10000.0 ** (np.arange(0, hs, 2) / hs)
        ang = np.outer(np.arange(seq_len), freqs)
        parts = [emb] + norms_a + [m for group in mats[:4] for m in group] + norms_f
        parts += [m for group in mats[4:] for m in group] + [final, np.cos(ang), np.sin(ang)]
    else:
        head = struct.pack("<Ii7iB", 0x616B3432, 1, *params, int(cfg.tied))
        head += b"\0" * (256 - len(head))
        parts = norms_a + norms_f + [final, emb] + [m for group in mats for m in group]
    if not cfg.tied:
        parts.append(w["lm_head.weight"].numpy())
    with open(path, "wb") as f:
        f.write(head)
        for p in parts:
            f.write(np.ascontiguousarray(p, dtype="<f4").tobytes())


def write_llama2c_tokenizer(path, n_vocab):
    """fake_vocab in llama2.c's tokenizer.bin layout (as its tokenizer.py
    exports: U+2581 as a space, <s> and </s> wrapped in newlines)."""
    tokens, scores, _ = fake_vocab(n_vocab)
    out = []
    for i, (t, s) in enumerate(zip(tokens, scores)):
        if i in (1, 2):
            t = "\n" + t + "\n"
        b = t.replace("\u2581", " ").encode("utf-8")
        out.append(struct.pack("<fi", s, len(b)) + b)
    with open(path, "wb") as f:
        f.write(struct.pack("<i", max(len(x) - 8 for x in out)) + b"".join(out))
    return tokens


# =============================================================================
# self-check
# =============================================================================

class Checker:
    def __init__(self):
        self.failed = 0
        self.n = 0

    def close(self, what, a, b, tol=1e-9):
        self.n += 1
        err = (torch.as_tensor(a) - torch.as_tensor(b)).abs().max().item()
        ok = err < tol
        if not ok:
            self.failed += 1
        print("%s %-70s max|diff| %.3g" % ("ok  " if ok else "FAIL", what, err))
        return ok

    def true(self, what, cond):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%s %s" % ("ok  " if cond else "FAIL", what))


def check_quantizers(ck):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4, 64)).astype(np.float32)
    for t in (gguf.F16, gguf.BF16):
        r = gguf.roundtrip(x, t)
        ck.true("%s: storing its own output again changes nothing" % gguf.TYPE_NAMES[t],
                np.array_equal(gguf.roundtrip(r, t), r))
    for t, step, qmax in ((gguf.Q8_0, 0.5, 127), (gguf.Q4_0, 1.0, 8)):
        # per block: rounding costs step*|d| (Q4_0's clamp at 15 up to a whole
        # |d|), plus |q| times the f16 rounding of d (relative 2^-11)
        raw = np.frombuffer(gguf.quantize(x, t), np.uint8).reshape(-1, gguf.BLOCK[t][1])
        d = np.abs(raw[:, :2].copy().view(np.float16).astype(np.float64))[:, 0]
        err = np.abs(gguf.roundtrip(x, t) - x).reshape(-1, 32).max(1)
        ck.true("%s: error within %.1f step + f16 scale rounding in every block"
                % (gguf.TYPE_NAMES[t], step),
                (err <= (step * (1 + 2 ** -10) + qmax * 2 ** -10) * d).all())
    # bf16 round-to-nearest-even on exact ties
    ties = np.array([1 + 2 ** -8, 1 + 3 * 2 ** -8, -(1 + 2 ** -8)], np.float32)
    ck.true("bf16 ties round to even",
            np.array_equal(gguf.roundtrip(ties, gguf.BF16),
                           np.array([1.0, 1 + 2 ** -6, -1.0], np.float32)))
    # q8_0: d = amax/127, the largest element comes back within half a step
    b = gguf.quantize(x[0, :32], gguf.Q8_0)
    d = np.frombuffer(b[:2], np.float16)[0]
    ck.true("q8_0 scale is f16(amax/127)",
            d == np.float16(np.abs(x[0, :32]).max() / np.float32(127)))
    # q4_0: the largest-magnitude element maps to q=0, i.e. -8*d = that value
    blk = np.linspace(-1, 0.75, 32).astype(np.float32)
    q = np.frombuffer(gguf.quantize(blk, gguf.Q4_0), np.uint8)
    ck.true("q4_0 packs element j low / j+16 high, max |x| -> code 0",
            (q[2] & 15) == 0 and gguf.roundtrip(blk, gguf.Q4_0)[0] == -1.0
            and (q[2] >> 4) == min(15, int(np.float32(blk[16]) * np.float32(8) + np.float32(8.5))))
    # the permutation and its inverse
    a = np.arange(3 * 8 * 5).reshape(24, 5)
    p = gguf.permute_qk_rows(a, 3, 8)
    ck.true("permute_qk_rows: GGUF row 2i+j == HF row j*D/2+i, inverse undoes it",
            all((p[h * 8 + 2 * i + j] == a[h * 8 + j * 4 + i]).all()
                for h in range(3) for i in range(4) for j in range(2))
            and (gguf.permute_qk_rows(p, 3, 8, inverse=True) == a).all())
    f = np.arange(2 * 8 * 3).reshape(2, 8, 3)
    pf = gguf.permute_fmap(f)
    ck.true("permute_fmap permutes the D axis the same way",
            all((pf[h, 2 * i + j] == f[h, j * 4 + i]).all()
                for h in range(2) for i in range(4) for j in range(2))
            and (gguf.permute_fmap(pf, inverse=True) == f).all())


def check_gguf_metadata_roundtrip(ck, tmpdir):
    path = os.path.join(tmpdir, "types.gguf")
    w = gguf.GGUFWriter(path, alignment=64)
    vals = [("u8", gguf.UINT8, 200), ("i8", gguf.INT8, -100), ("u16", gguf.UINT16, 60000),
            ("i16", gguf.INT16, -30000), ("u32", gguf.UINT32, 4000000000),
            ("i32", gguf.INT32, -2000000000), ("f32", gguf.FLOAT32, f32(0.1)),
            ("bool", gguf.BOOL, True), ("str", gguf.STRING, "h\u00e9llo"),
            ("u64", gguf.UINT64, 2 ** 63 + 5), ("i64", gguf.INT64, -2 ** 62),
            ("f64", gguf.FLOAT64, 0.1)]
    for k, t, v in vals:
        w.add("t." + k, v, t)
    for k, t, v in vals:
        w.add_array("t.arr_" + k, [v, v], t)
    w.add_array("t.empty", [], gguf.STRING)
    arrs = {}
    for t in (gguf.F32, gguf.F16, gguf.BF16, gguf.Q8_0, gguf.Q4_0):
        a = np.random.default_rng(t).normal(size=(3, 2, 64)).astype(np.float32)
        arrs["x." + gguf.TYPE_NAMES[t]] = (t, a)
        w.add_tensor("x." + gguf.TYPE_NAMES[t], a, t)
    w.write()
    r = gguf.GGUFReader(path)
    ok = r.alignment == 64 and all(r.meta["t." + k] == v and r.meta_types["t." + k] == (t, None)
                                   and r.meta["t.arr_" + k] == [v, v] for k, t, v in vals)
    ok = ok and r.meta["t.empty"] == [] and all(t.offset % 64 == 0 for t in r.tensors.values())
    ok = ok and all(t.ne == [64, 2, 3] and t.type == arrs[n][0]
                    and np.array_equal(t.array(), gguf.roundtrip(arrs[n][1], t.type))
                    for n, t in r.tensors.items())
    ck.true("GGUF writer -> reader: every metadata type, arrays, alignment 64, all tensor types", ok)
    # a failed write leaves nothing behind
    bad = gguf.GGUFWriter(os.path.join(tmpdir, "bad.gguf"))
    bad.add_tensor("t", np.zeros(32, np.float32))

    def disk_full(fd):
        raise OSError("simulated: no space left on device")
    real_fsync, os.fsync = os.fsync, disk_full   # fail after the temp file exists
    try:
        bad.write()
    except OSError:
        pass
    finally:
        os.fsync = real_fsync
    ck.true("failed write leaves no file", not any(n.startswith(("bad", ".tmp"))
                                                   for n in os.listdir(tmpdir)))


def check_masks(ck):
    ok = True
    for w in (1, 2, 3, 4, 8, 12):
        for L in range(1, 5 * w + 3):
            a, b = tk_official_masks(L, w), tk_closed_form_masks(L, w)
            ok = ok and torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
            s, t = sw_official_masks(L, w), sliding_masks(L, w)
            ok = ok and torch.equal(s[0], t[0]) and torch.equal(s[1], t[1])
    ck.true("tk masks == spec 3.2 closed form; sw masks == sliding (w 1..12, L 1..5w+2)", ok)


def check_model(ck, name, model, tokens, tmpdir, wtype=gguf.F32):
    ref = run(model, tokens, "sliding", -1)
    ck.close("%s: sliding parallel == decode of every token" % name,
             ref, run(model, tokens, "sliding", 0))
    for p in (1, 7, len(tokens) // 2, len(tokens) - 1):
        ck.close("%s: sliding prefill %d + decode == parallel" % (name, p),
                 ref, run(model, tokens, "sliding", p))
    if any(ls.kind == "hybrid" for ls in model.cfg.layers) and model.cfg.window_kind == "sw":
        w, worst = model.cfg.window, 0.0
        lens = sorted({m * w + d for m in (1, 2, 3) for d in (-1, 0, 1)})
        for n in lens:
            r = run(model, tokens[:n], "sliding", -1)
            worst = max(worst, (run(model, tokens[:n], "terrace", -1) - r).abs().max().item())
        for p in lens:
            worst = max(worst, (run(model, tokens, "terrace", p) - ref).abs().max().item())
        ck.close("%s: sw terrace == sliding, lengths/prefills %s" % (name, lens), worst, 0.0)
    # write, read back, run in llama.cpp row order with pair RoPE
    path = os.path.join(tmpdir, name + ".gguf")
    stored = write_gguf(model, path, wtype)
    a = run(stored, tokens, "sliding", -1)
    for order in ("gguf", "hf"):
        back = load_gguf(path, order)
        ck.close("%s (%s): GGUF read back, %s order == reference" % (name, gguf.TYPE_NAMES[wtype], order),
                 a, run(back, tokens, "sliding", -1))
    if any(ls.kind == "hybrid" for ls in model.cfg.layers) and model.cfg.window_kind == "tk":
        back = load_gguf(path, "gguf")
        p = 2 * model.cfg.window + model.cfg.window // 2
        ck.close("%s: terrace prefill %d + decode, GGUF order == reference" % (name, p),
                 run(stored, tokens, "terrace", p), run(back, tokens, "terrace", p))


def check_stories260k(ck):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "..", "..", "shared", "models", "stories260K", "stories260K.gguf")
    if not os.path.exists(path):
        print("skip stories260K (not found)")
        return
    model = load_gguf(path, "gguf")
    meta, _ = gguf.read_gguf(path)
    vocab = meta["tokenizer.ggml.tokens"]
    s, tokens, logits = Session(model), [1], None
    logits = s.prefill(tokens)
    for _ in range(40):
        tokens.append(int(logits[-1].argmax()))
        logits = s.decode(tokens[-1])
    text = "".join(vocab[t] for t in tokens[1:]).replace("\u2581", " ").strip()
    ck.true("stories260K greedy (llama.cpp order, pair RoPE): %r..." % text[:60],
            text.startswith("Once upon a time, there was a little girl named Lily."))
    ck.close("stories260K: decode == parallel", run(model, tokens, "sliding", -1),
             run(model, tokens, "sliding", 1))


def check_llama3(ck):
    c = fixture_cases()["llama3_rope"][1]
    d = c.rope_dim()
    f = np.asarray(c.rope_factors, np.float64)
    exact = llama3_inv_freq(c.rope_theta, d, **c.rope_scaling)
    stored = rope_base_inv_freq(c.rope_theta, d) / f
    # i=1 by hand: wavelen 2*pi*sqrt(10) = 19.87, smooth = (32/19.87 - 1)/3,
    # divisor = 1/((1 - smooth)/4 + smooth) = 2.4836
    ck.true("llama3 fixture: divisors 1 | 2.4836 | 4 x6 (all three bands), f32 storage "
            "within 1e-7 of the exact frequencies",
            f[0] == 1 and abs(f[1] - 2.4836) < 1e-4 and (f[2:] == 4).all()
            and np.abs(stored / exact - 1).max() < 1e-7)


def selfcheck():
    import tempfile
    torch.set_num_threads(1)
    ck = Checker()
    check_quantizers(ck)
    check_masks(ck)
    with tempfile.TemporaryDirectory() as tmp:
        check_gguf_metadata_roundtrip(ck, tmp)
        check_llama3(ck)
        for name, (desc, cfg, wtype, n_tok, _) in fixture_cases().items():
            check_model(ck, name, random_model(cfg, case_seed(name)),
                        case_tokens(name, cfg, n_tok), tmp, wtype)
        # the sw property on models beyond hybrid_sw: mixed layers and GQA with other windows
        for name in ("mixed", "hybrid_gqa"):
            desc, cfg, wtype, n_tok, _ = fixture_cases()[name]
            cfg = replace(cfg, window_kind="sw")
            check_model(ck, name + "_as_sw", random_model(cfg, case_seed(name)),
                        case_tokens(name, cfg, n_tok), tmp)
    check_stories260k(ck)
    print("%d checks, %d failed" % (ck.n, ck.failed))
    return ck.failed == 0


# =============================================================================
# CLI
# =============================================================================

def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--self-check":
        argv = ["selfcheck"] + argv[1:]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    fx = sub.add_parser("fixtures", help="write test fixtures")
    fx.add_argument("outdir")
    fx.add_argument("--only", nargs="*", help="case names")
    sub.add_parser("selfcheck", help="internal consistency checks")
    rn = sub.add_parser("run", help="logits of a GGUF model")
    rn.add_argument("model")
    rn.add_argument("tokens", help="file of whitespace-separated token ids")
    rn.add_argument("out", help="raw float32 logits, one row per position")
    rn.add_argument("--mode", default="sliding", choices=("sliding", "terrace"))
    rn.add_argument("--decode-from", type=int, default=-1)
    sm = sub.add_parser("sample", help="sample token ids from a GGUF model")
    sm.add_argument("model")
    sm.add_argument("n", type=int)
    sm.add_argument("out", help="file of space-separated token ids")
    sm.add_argument("--seed", type=int, default=1)
    sm.add_argument("--temp", type=float, default=1.0)
    sm.add_argument("--first", type=int, default=1, help="first token (default 1, BOS)")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)   # bit-stable float64 sums
    if a.cmd == "fixtures":
        make_fixtures(a.outdir, a.only)
    elif a.cmd == "selfcheck":
        return 0 if selfcheck() else 1
    elif a.cmd == "sample":
        gen = torch.Generator().manual_seed(a.seed)
        s, tokens = Session(load_gguf(a.model)), [a.first]
        logits = s.prefill(tokens)[-1]
        while len(tokens) < a.n:
            p = torch.softmax(logits / a.temp, -1)
            tokens.append(int(torch.multinomial(p, 1, generator=gen)))
            logits = s.decode(tokens[-1])[-1]
        with open(a.out, "w") as f:
            f.write(" ".join(map(str, tokens)) + "\n")
    else:
        with open(a.tokens) as f:
            tokens = [int(t) for t in f.read().split()]
        write_logits(a.out, run(load_gguf(a.model), tokens, a.mode, a.decode_from))
    return 0


if __name__ == "__main__":
    sys.exit(main())
