"""Small I/O helpers for the training tools: Hugging Face Llama folders
(config.json + model.safetensors [+ tokenizer.model]), safetensors read and
write, GGUF models as Hugging Face state dicts, and a SentencePiece-BPE
encoder over a GGUF vocabulary (the same greedy-by-score merging lolcat.h
does) for models that come without a tokenizer.model.

safetensors layout: u64 little-endian header size N, N bytes of JSON
{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}},
then the raw little-endian tensor bytes (offsets relative to the data start).
"""

import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf  # noqa: E402

ST_DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "BF16": (None, 2), "F64": (np.float64, 8)}


def read_safetensors(path):
    """-> {name: float32 torch tensor}. BF16 is widened exactly."""
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise ValueError("%s: truncated safetensors header" % path)
        (n,) = struct.unpack("<Q", raw)
        if n > 100 << 20:
            raise ValueError("%s: header of %d bytes is not plausible" % (path, n))
        header = json.loads(f.read(n).decode("utf-8"))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt = info["dtype"]
        if dt not in ST_DTYPES:
            raise ValueError("%s: tensor %s has unsupported dtype %s" % (path, name, dt))
        b, e = info["data_offsets"]
        shape = tuple(info["shape"])
        count = int(np.prod(shape)) if shape else 1
        if e > len(data) or e - b != count * ST_DTYPES[dt][1]:
            raise ValueError("%s: tensor %s lies outside the file or has the wrong size" % (path, name))
        buf = data[b:e]
        if dt == "BF16":
            a = (np.frombuffer(buf, "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            a = np.frombuffer(buf, np.dtype(ST_DTYPES[dt][0]).newbyteorder("<"))
        out[name] = torch.tensor(a.astype(np.float32).reshape(shape))
    return out


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """tensors: {name: torch tensor}; stored as F32, F16 or BF16 (round to nearest even)."""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        a = tensors[name].detach().to(torch.float32).contiguous().numpy()
        if dtype == "F32":
            b = a.astype("<f4").tobytes()
        elif dtype == "F16":
            b = a.astype("<f2").tobytes()
        elif dtype == "BF16":
            b = gguf.f32_to_bf16_bits(a).astype("<u2").tobytes()
        else:
            raise ValueError("dtype %s" % dtype)
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


# =============================================================================
# Hugging Face Llama folders
# =============================================================================

def hf_config(vocab_size, hidden_size, intermediate_size, n_layers, n_heads, n_kv_heads,
              max_positions, rms_eps=1e-5, rope_theta=10000.0, tied=True, head_dim=None,
              bos=1, eos=2):
    c = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
         "vocab_size": vocab_size, "hidden_size": hidden_size,
         "intermediate_size": intermediate_size, "num_hidden_layers": n_layers,
         "num_attention_heads": n_heads, "num_key_value_heads": n_kv_heads,
         "max_position_embeddings": max_positions, "rms_norm_eps": rms_eps,
         "rope_theta": rope_theta, "rope_scaling": None, "tie_word_embeddings": tied,
         "hidden_act": "silu", "attention_bias": False, "mlp_bias": False,
         "bos_token_id": bos, "eos_token_id": eos, "torch_dtype": "float32"}
    if head_dim is not None and head_dim * n_heads != hidden_size:
        c["head_dim"] = head_dim
    return c


def save_hf_folder(folder, config, state_dict, dtype="F32", tokenizer_model=None):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    sd = dict(state_dict)
    if config.get("tie_word_embeddings", False):
        sd.pop("lm_head.weight", None)
    write_safetensors(os.path.join(folder, "model.safetensors"), sd, dtype)
    if tokenizer_model is not None:
        with open(tokenizer_model, "rb") as src, open(os.path.join(folder, "tokenizer.model"), "wb") as dst:
            dst.write(src.read())


def load_hf_folder(folder):
    """-> (config dict, {name: float32 tensor}); shards via model.safetensors.index.json."""
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    single = os.path.join(folder, "model.safetensors")
    index = os.path.join(folder, "model.safetensors.index.json")
    sd = {}
    if os.path.exists(single):
        sd = read_safetensors(single)
    elif os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
        for fn in files:
            sd.update(read_safetensors(os.path.join(folder, fn)))
    else:
        raise FileNotFoundError("%s: no model.safetensors or model.safetensors.index.json" % folder)
    return config, sd


def load_gguf_as_hf(path):
    """A Llama GGUF (softmax layers) as (HF config, HF state dict, GGUF metadata).
    Q/K rows go back to rotate_half order."""
    import reference
    model = reference.load_gguf(path, order="hf")
    cfg = model.cfg
    if any(ls.kind != "softmax" or ls.lora or ls.lowrank for ls in cfg.layers):
        raise ValueError("%s: linearize needs a plain softmax model (no lolcat layers, LoRA or LPA)" % path)
    if cfg.rope_factors is not None:
        raise ValueError("%s: llama3 RoPE scaling is not supported by linearize.py yet" % path)
    ls0 = cfg.layers[0]
    if any((l.n_head, l.n_head_kv, l.d_qk, l.d_v, l.n_ff) != (ls0.n_head, ls0.n_head_kv, ls0.d_qk, ls0.d_v, ls0.n_ff)
           for l in cfg.layers) or ls0.d_qk != ls0.d_v:
        raise ValueError("%s: per-layer shapes must agree" % path)
    meta, _ = gguf.read_gguf(path)
    config = hf_config(cfg.n_vocab, cfg.n_embd, ls0.n_ff, len(cfg.layers), ls0.n_head, ls0.n_head_kv,
                       cfg.context_length, float(cfg.rms_eps), float(cfg.rope_theta), cfg.tied,
                       head_dim=ls0.d_qk,
                       bos=meta.get("tokenizer.ggml.bos_token_id", 1), eos=meta.get("tokenizer.ggml.eos_token_id", 2))
    sd = {k: v.to(torch.float32) for k, v in model.w.items()}
    return config, sd, meta


# =============================================================================
# SentencePiece BPE over a GGUF vocabulary
# =============================================================================

class GGUFSpmEncoder:
    """Greedy SentencePiece-BPE encoding from tokenizer.ggml.{tokens,scores,token_type}:
    dummy-prefix space, ' ' -> U+2581, merge the adjacent pair whose joined piece has the
    best score (leftmost on ties), bytes for what never forms a piece."""

    def __init__(self, meta):
        if meta.get("tokenizer.ggml.model") != "llama":
            raise ValueError("only SentencePiece ('llama') vocabularies are supported")
        self.tokens = meta["tokenizer.ggml.tokens"]
        self.scores = meta.get("tokenizer.ggml.scores", [0.0] * len(self.tokens))
        types = meta.get("tokenizer.ggml.token_type", [1] * len(self.tokens))
        self.piece = {}
        for i, (t, ty) in enumerate(zip(self.tokens, types)):
            if ty in (1, 4) and t not in self.piece:   # normal and user-defined pieces merge
                self.piece[t] = i
        self.byte = {}
        for i, t in enumerate(self.tokens):
            if len(t) == 6 and t.startswith("<0x") and t.endswith(">"):
                self.byte.setdefault(int(t[3:5], 16), i)
        self.bos = meta.get("tokenizer.ggml.bos_token_id", 1)
        self.eos = meta.get("tokenizer.ggml.eos_token_id", 2)
        # words can be encoded one by one when no piece has U+2581 after its first character
        self.split_words = not any("\u2581" in t[1:] for t in self.piece)
        self.cache = {}

    def _encode_symbols(self, s):
        syms = list(s)
        while len(syms) > 1:
            best, at = None, -1
            for i in range(len(syms) - 1):
                j = self.piece.get(syms[i] + syms[i + 1])
                if j is not None and (best is None or self.scores[j] > best):
                    best, at = self.scores[j], i
            if at < 0:
                break
            syms[at:at + 2] = [syms[at] + syms[at + 1]]
        out = []
        for sym in syms:
            if sym in self.piece:
                out.append(self.piece[sym])
            else:
                out.extend(self.byte[b] for b in sym.encode("utf-8"))
        return out

    def encode(self, text):
        if not text:
            return []
        s = ("\u2581" + text).replace(" ", "\u2581")
        if not self.split_words:
            return self._encode_symbols(s)
        out, start = [], 0
        for i in range(1, len(s) + 1):
            if i == len(s) or s[i] == "\u2581":
                w = s[start:i]
                if w not in self.cache:
                    self.cache[w] = self._encode_symbols(w)
                out.extend(self.cache[w])
                start = i
        return out

    def decode(self, ids):
        b = bytearray()
        for i in ids:
            t = self.tokens[i]
            if len(t) == 6 and t.startswith("<0x") and t.endswith(">"):
                b.append(int(t[3:5], 16))
            elif i in (self.bos, self.eos):
                continue
            else:
                b.extend(t.replace("\u2581", " ").encode("utf-8"))
        s = b.decode("utf-8", errors="replace")
        return s[1:] if s.startswith(" ") else s


class SpmFileEncoder:
    """sentencepiece's own encoder for a tokenizer.model file."""

    def __init__(self, path):
        import sentencepiece as spm
        self.sp = spm.SentencePieceProcessor(model_file=path)
        self.bos, self.eos = self.sp.bos_id(), self.sp.eos_id()

    def encode(self, text):
        return self.sp.encode(text)

    def decode(self, ids):
        return self.sp.decode(ids)
