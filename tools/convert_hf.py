#!/usr/bin/python3
"""Convert a Hugging Face Llama/Mistral model plus the official LoLCATs
checkpoints into one GGUF file for lolcat.h (docs/gguf-schema.md).

Usage:
  convert_hf.py BASE_DIR -o OUT.gguf [--checkpoint FILE.pt ...]
                [--lolcats-config MODEL_CONFIG.yaml] [--finetune-config FT_CONFIG.yaml]
                [--outtype f32|f16|bf16|q8_0] [--merge-lora]
  convert_hf.py --vocab-only DIR -o VOCAB.gguf

BASE_DIR holds config.json and model.safetensors (or shards listed in
model.safetensors.index.json), BF16/F16/F32; tokenizer.json or
tokenizer.model and tokenizer_config.json are used when present. Tensors are
read lazily and written one at a time, so memory stays around the size of the
largest tensor.

--checkpoint takes LoLCATs .pt files in every published form (attention
transfer, LoRA, or the single 70B/405B file; a bare state dict or
{'model_state_dict': ...}); keys are matched from "layers." on, so any prefix
works. Without --lolcats-config the released setting is assumed: tk hybrid
layers, window 64, Hedgehog (softmax_dim, fullspace) maps whose width comes
from the tensors. Without --finetune-config the LoRA scale is 2. LoRA stays
separate (applied at run time) unless --merge-lora folds W + scale*B*A in
before any rounding. Norms, feature maps and window factors stay F32.
--outtype defaults to the precision of the base weights (bf16 for the
releases), so nothing is rounded.

On any error the converter prints one line naming the file, key or tensor
and exits with status 1; no output file is left behind.
"""

import argparse
import json
import os
import re
import struct
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf  # noqa: E402


class ConvertError(Exception):
    """A problem with the inputs; str() is the one-line message for the user."""


PROJS = ("q", "k", "v", "o")
GGUF_PROJ = {"q": "attn_q", "k": "attn_k", "v": "attn_v", "o": "attn_output"}
HF_PROJ = {p: "self_attn.%s_proj" % p for p in PROJS}

# =============================================================================
# safetensors, read lazily
# =============================================================================

# safetensors dtype -> (numpy dtype of the raw values, bytes per value)
ST_DTYPES = {"F32": ("<f4", 4), "F16": ("<f2", 2), "BF16": ("<u2", 2)}
MAX_HEADER = 100 << 20


class SafetensorsFile:
    """One .safetensors file: an 8-byte little-endian header length, a JSON
    header {name: {dtype, shape, data_offsets: [begin, end]}} and the raw
    data. Only the header is read up front; every offset is checked against
    the file size so a truncated file fails before anything is written."""

    def __init__(self, path):
        self.path = path
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                raise ConvertError("%s: truncated safetensors file (%d bytes)" % (path, size))
            (n,) = struct.unpack("<Q", head)
            if n > MAX_HEADER or n > size - 8:
                raise ConvertError("%s: truncated or corrupt safetensors file (header of %d bytes "
                                   "in a %d-byte file)" % (path, n, size))
            try:
                header = json.loads(f.read(n).decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise ConvertError("%s: corrupt safetensors header (%s)" % (path, e))
        if not isinstance(header, dict):
            raise ConvertError("%s: corrupt safetensors header" % path)
        self.data_start = 8 + n
        self.entries = {}
        for name, e in header.items():
            if name == "__metadata__":
                continue
            try:
                dtype, shape, (begin, end) = e["dtype"], [int(d) for d in e["shape"]], e["data_offsets"]
            except (KeyError, TypeError, ValueError):
                raise ConvertError("%s: tensor %s has a malformed header entry" % (path, name))
            if dtype not in ST_DTYPES:
                raise ConvertError("%s: tensor %s has dtype %s (BF16, F16 and F32 are supported)"
                                   % (path, name, dtype))
            nbytes = int(np.prod(shape, dtype=np.int64)) * ST_DTYPES[dtype][1]
            if end - begin != nbytes or begin < 0 or min(shape, default=1) < 0:
                raise ConvertError("%s: tensor %s: %d data bytes for shape %s %s"
                                   % (path, name, end - begin, shape, dtype))
            if self.data_start + end > size:
                raise ConvertError("%s: truncated safetensors file: tensor %s ends at byte %d of %d"
                                   % (path, name, self.data_start + end, size))
            self.entries[name] = (dtype, tuple(shape), begin)

    def read(self, name):
        """-> (raw numpy array in the file's shape, safetensors dtype)."""
        dtype, shape, begin = self.entries[name]
        npt, width = ST_DTYPES[dtype]
        n = int(np.prod(shape, dtype=np.int64))
        with open(self.path, "rb") as f:
            f.seek(self.data_start + begin)
            buf = f.read(n * width)
        if len(buf) != n * width:
            raise ConvertError("%s: truncated safetensors file while reading %s" % (self.path, name))
        return np.frombuffer(buf, dtype=npt).reshape(shape), dtype


class SafetensorsModel:
    """model.safetensors, or the shards named by model.safetensors.index.json."""

    def __init__(self, folder):
        index = os.path.join(folder, "model.safetensors.index.json")
        single = os.path.join(folder, "model.safetensors")
        self.where = {}
        if os.path.isfile(index):
            try:
                with open(index, encoding="utf-8") as f:
                    weight_map = json.load(f)["weight_map"]
            except (OSError, ValueError, KeyError) as e:
                raise ConvertError("%s: unreadable index (%s)" % (index, e))
            files = {}
            for name, fname in weight_map.items():
                path = os.path.join(folder, fname)
                if fname not in files:
                    if not os.path.isfile(path):
                        raise ConvertError("%s: shard %s (holding %s) is missing" % (index, fname, name))
                    files[fname] = SafetensorsFile(path)
                if name not in files[fname].entries:
                    raise ConvertError("%s: tensor %s is not in %s" % (index, name, fname))
                self.where[name] = files[fname]
        elif os.path.isfile(single):
            st = SafetensorsFile(single)
            self.where = {name: st for name in st.entries}
        else:
            raise ConvertError("%s: no model.safetensors or model.safetensors.index.json "
                               "(PyTorch .bin weights are not supported)" % folder)

    def names(self):
        return list(self.where)

    def shape(self, name):
        return self.where[name].entries[name][1]

    def dtype(self, name):
        return self.where[name].entries[name][0]

    def read(self, name):
        return self.where[name].read(name)


def to_f32(raw, dtype):
    if dtype == "BF16":
        return gguf.bf16_bits_to_f32(raw).reshape(raw.shape)
    return raw.astype(np.float32)


# =============================================================================
# configs
# =============================================================================

def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise ConvertError("%s: %s" % (path, e.strerror))
    except ValueError as e:
        raise ConvertError("%s: not valid JSON (%s)" % (path, e))


def read_yaml(path):
    import yaml
    try:
        with open(path, encoding="utf-8") as f:
            y = yaml.safe_load(f)
    except OSError as e:
        raise ConvertError("%s: %s" % (path, e.strerror))
    except yaml.YAMLError as e:
        raise ConvertError("%s: not valid YAML (%s)" % (path, str(e).splitlines()[0]))
    if not isinstance(y, dict):
        raise ConvertError("%s: expected a YAML mapping" % path)
    return y


class BaseConfig:
    """The hyperparameters of config.json that the GGUF needs."""

    def __init__(self, folder):
        path = os.path.join(folder, "config.json")
        c = read_json(path)
        self.path = path
        mt = c.get("model_type")
        if mt not in ("llama", "mistral"):
            raise ConvertError("%s: model_type %r is not supported (llama, mistral are)" % (path, mt))
        self.model_type = mt

        def need(key):
            v = c.get(key)
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ConvertError("%s: %s must be a positive integer, got %r" % (path, key, v))
            return v

        self.n_embd = need("hidden_size")
        self.n_layer = need("num_hidden_layers")
        self.n_head = need("num_attention_heads")
        self.n_head_kv = c.get("num_key_value_heads") or self.n_head
        if self.n_head % self.n_head_kv:
            raise ConvertError("%s: num_attention_heads %d is not a multiple of num_key_value_heads %d"
                               % (path, self.n_head, self.n_head_kv))
        self.head_dim = c.get("head_dim") or self.n_embd // self.n_head
        if self.head_dim % 2 or (not c.get("head_dim") and self.n_embd % self.n_head):
            raise ConvertError("%s: head size %d is not usable" % (path, self.head_dim))
        self.n_ff = need("intermediate_size")
        self.n_vocab = need("vocab_size")
        self.rms_eps = float(c.get("rms_norm_eps", 1e-6))
        self.rope_theta = float(c.get("rope_theta", 10000.0))
        self.rope_scaling = c.get("rope_scaling")
        self.context_length = int(c.get("max_position_embeddings", 2048))
        self.tied = bool(c.get("tie_word_embeddings", False))
        self.name = os.path.basename(os.path.normpath(folder))
        self.bos_id, self.eos_id = c.get("bos_token_id"), c.get("eos_token_id")
        act = c.get("hidden_act", "silu")
        if act != "silu":
            raise ConvertError("%s: hidden_act %r is not supported (silu is)" % (path, act))
        for key in ("attention_bias", "mlp_bias"):
            if c.get(key):
                raise ConvertError("%s: %s is not supported" % (path, key))
        sw = c.get("sliding_window")
        if mt == "mistral" and sw and sw < self.context_length:
            note("%s: sliding_window %d of the softmax layers is not modelled (like llama.cpp); "
                 "keep contexts within it" % (path, sw))

    def rope_factors(self):
        """llama3 scaling -> the per-frequency divisors of rope_freqs.weight, else None."""
        rs = self.rope_scaling
        if not rs:
            return None
        kind = rs.get("rope_type", rs.get("type"))
        if kind == "default":
            return None
        if kind != "llama3":
            raise ConvertError("%s: rope_scaling type %r is not supported (llama3 is)" % (self.path, kind))
        try:
            factor, lo, hi, old = (float(rs["factor"]), float(rs["low_freq_factor"]),
                                   float(rs["high_freq_factor"]),
                                   float(rs["original_max_position_embeddings"]))
        except (KeyError, TypeError, ValueError) as e:
            raise ConvertError("%s: rope_scaling llama3 lacks %s" % (self.path, e))
        # Llama 3.1's rule: long wavelengths are divided by factor, short ones
        # kept, the band between interpolated; stored as divisors of theta^(-2i/d)
        d = self.head_dim
        out = []
        for i in range(0, d, 2):
            freq = 1.0 / self.rope_theta ** (i / d)
            wavelen = 2 * np.pi / freq
            if wavelen < old / hi:
                new = freq
            elif wavelen > old / lo:
                new = freq / factor
            else:
                smooth = (old / wavelen - lo) / (hi - lo)
                new = (1 - smooth) * freq / factor + smooth * freq
            out.append(freq / new)
        return np.array(out, dtype=np.float32)


ATTENTION_TYPES = {
    "lolcats_llama": ("linear", None),
    "lolcats_llama_window_tk": ("hybrid", "tk"),
    "lolcats_llama_window_tk_gen": ("hybrid", "tk"),
    "lolcats_long_llama_window_tk": ("hybrid", "tk"),
    "lolcats_llama_window_sw": ("hybrid", "sw"),
    "lolcats_llama_window_sw_linear": ("hybrid", "sw"),
    "lolcats_long_llama_window_sw": ("hybrid", "sw"),
}


class LolcatsConfig:
    """The attention: block of a LoLCATs model config (or the release defaults)."""

    def __init__(self, path=None):
        self.path = path or "(release defaults)"
        self.kind, self.window_kind, self.window = "hybrid", "tk", 64
        self.fmap, self.fmap_dim, self.bias, self.eps = "hedgehog", None, False, 1e-12
        self.softmax_layers = set()
        self.model_overrides = {}
        if path is None:
            return
        y = read_yaml(path)
        att = y.get("attention")
        if not isinstance(att, dict):
            raise ConvertError("%s: no attention: block" % path)
        t = att.get("attention_type")
        if t not in ATTENTION_TYPES:
            raise ConvertError("%s: attention_type %r is not supported (%s)"
                               % (path, t, ", ".join(sorted(ATTENTION_TYPES))))
        self.kind, self.window_kind = ATTENTION_TYPES[t]
        if self.kind == "hybrid":
            self.window = self._int(att, "window_size", 64)
        if att.get("affine_attention_factors"):
            raise ConvertError("%s: affine_attention_factors: true is not supported" % path)
        if att.get("tie_qk_kernels"):
            raise ConvertError("%s: tie_qk_kernels: true is not supported" % path)
        fm = att.get("feature_map")
        kw = att.get("feature_map_kwargs") or {}
        if fm == "softmax_dim":
            self.fmap = "hedgehog" if kw.get("fullspace", True) else "hedgehog_half"
        elif fm == "relu":
            self.fmap = "t2r"
        elif fm == "pos_elu":
            self.fmap = "elu"
        else:
            raise ConvertError("%s: feature_map %r is not supported (softmax_dim, relu, pos_elu)" % (path, fm))
        try:
            self.eps = float(kw.get("eps", 1e-12))   # YAML reads "1e-12" as a string
        except (TypeError, ValueError):
            raise ConvertError("%s: feature_map_kwargs.eps %r is not a number" % (path, kw.get("eps")))
        if self.fmap != "elu":
            lk = att.get("learned_kernel", "untied_head_einsum")
            if lk != "untied_head_einsum":
                raise ConvertError("%s: learned_kernel %r is not supported (untied_head_einsum is)" % (path, lk))
            lkw = att.get("learned_kernel_kwargs") or {}
            if lkw.get("skip_connection"):
                raise ConvertError("%s: learned_kernel_kwargs.skip_connection: true is not supported" % path)
            if lkw.get("feature_dim") is not None:
                self.fmap_dim = self._int(lkw, "feature_dim", None)
            self.bias = bool(lkw.get("bias", False))
        sa = att.get("softmax_attentions") or []
        if not isinstance(sa, list) or not all(isinstance(i, int) and i >= 0 for i in sa):
            raise ConvertError("%s: softmax_attentions must be a list of layer indices" % path)
        self.softmax_layers = set(sa)
        model = y.get("model") or {}
        for key in ("rope_theta", "rope_scaling"):
            if key in model:
                self.model_overrides[key] = model[key]

    def _int(self, d, key, default):
        v = d.get(key, default)
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise ConvertError("%s: %s must be a positive integer, got %r" % (self.path, key, v))
        return v


class FinetuneConfig:
    """finetune: {method: lora, kwargs: {r, lora_alpha, target_modules}}."""

    def __init__(self, path=None):
        self.path, self.r, self.scale, self.targets = path, None, 2.0, None
        if path is None:
            return
        y = read_yaml(path)
        ft = y.get("finetune")
        if not isinstance(ft, dict) or not isinstance(ft.get("kwargs"), dict):
            raise ConvertError("%s: no finetune: block with kwargs" % path)
        if ft.get("method", "lora") != "lora":
            raise ConvertError("%s: finetune method %r is not supported (lora is)" % (path, ft.get("method")))
        kw = ft["kwargs"]
        r, alpha = kw.get("r"), kw.get("lora_alpha")
        if not isinstance(r, int) or r <= 0 or not isinstance(alpha, (int, float)) or isinstance(alpha, bool):
            raise ConvertError("%s: finetune.kwargs needs r (positive integer) and lora_alpha" % path)
        self.r, self.scale = r, float(alpha) / r
        tm = kw.get("target_modules")
        if tm is not None:
            targets = set()
            for m in tm:
                p = str(m).split(".")[-1]
                if p not in ("q_proj", "k_proj", "v_proj", "o_proj"):
                    raise ConvertError("%s: LoRA target %r is not supported (q/k/v/o_proj are)" % (path, m))
                targets.add(p[0])
            self.targets = targets


# =============================================================================
# LoLCATs checkpoints
# =============================================================================

KEY_RE = re.compile(r"(?:^|\.)layers\.(\d+)\.(.+)$")
SUFFIXES = {"self_attn.window_factors": ("window_factors",),
            "self_attn.window_factor": ("window_factors",)}
for _qk in "qk":
    SUFFIXES["self_attn.feature_map_%s.mlp.layer" % _qk] = ("fmap", _qk)
    SUFFIXES["self_attn.feature_map_%s.mlp.bias" % _qk] = ("fmap_bias", _qk)
for _p in PROJS:
    for _ab in "AB":
        SUFFIXES["self_attn.%s_proj.lora_%s.default.weight" % (_p, _ab)] = ("lora_" + _ab, _p)


# torch storage class -> numpy dtype of its elements
TORCH_STORAGES = {"BFloat16Storage": "<u2", "HalfStorage": "<f2", "FloatStorage": "<f4",
                  "DoubleStorage": "<f8", "LongStorage": "<i8", "IntStorage": "<i4",
                  "ShortStorage": "<i2", "CharStorage": "i1", "ByteStorage": "u1", "BoolStorage": "?"}


class _Storage:
    def __init__(self, kind):
        self.kind = kind


def _read_torch_zip(path):
    """Reads a torch.save file (the zip format of torch >= 1.6) without
    torch and without running any code from it: the pickle may only name
    OrderedDict, storages and the tensor rebuild function. Tensors come back
    as (numpy array, storage kind)."""
    import collections
    import pickle
    import zipfile
    try:
        z = zipfile.ZipFile(path)
        names = z.namelist()
    except (zipfile.BadZipFile, OSError) as e:
        with open(path, "rb") as f:
            head = f.read(4)
        if head[:2] == b"\x80\x02" or head[:1] == b"\x80":
            raise ConvertError("%s: the legacy (pre-1.6) torch.save format is not supported" % path)
        raise ConvertError("%s: truncated or not a torch.save file (%s)" % (path, e))
    pkl = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
    if len(pkl) != 1:
        raise ConvertError("%s: not a torch.save file (no data.pkl)" % path)
    root = pkl[0][:-len("data.pkl")]

    def rebuild(storage, offset, size, stride, *rest):
        raw, kind = storage
        if not size:
            return raw[offset:offset + 1].reshape(()), kind
        need = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
        if min(size) > 0 and need > raw.size:
            raise ConvertError("%s: a tensor of shape %s needs %d elements, its storage has %d"
                               % (path, tuple(size), need, raw.size))
        a = np.lib.stride_tricks.as_strided(raw[offset:], shape=tuple(size),
                                            strides=tuple(s * raw.itemsize for s in stride))
        return np.array(a), kind

    def rebuild_parameter(data, requires_grad, hooks):
        return data

    storages = {}

    class Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            if module == "torch" and name in TORCH_STORAGES:
                return _Storage(name)
            if (module, name) == ("collections", "OrderedDict"):
                return collections.OrderedDict
            if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                return rebuild
            if (module, name) == ("torch._utils", "_rebuild_parameter"):
                return rebuild_parameter
            raise pickle.UnpicklingError("it wants %s.%s, which a checkpoint does not need" % (module, name))

        def persistent_load(self, pid):
            if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"
                    and isinstance(pid[1], _Storage)):
                raise pickle.UnpicklingError("unknown persistent id")
            kind, key = pid[1].kind, str(pid[2])
            if key not in storages:
                rec = root + "data/" + key
                try:
                    data = z.read(rec)
                except KeyError:
                    raise ConvertError("%s: storage %s is missing (truncated file?)" % (path, rec))
                dt = np.dtype(TORCH_STORAGES[kind])
                storages[key] = (np.frombuffer(data[:len(data) // dt.itemsize * dt.itemsize], dtype=dt), kind)
            return storages[key]

    try:
        with z:
            return Unpickler(z.open(pkl[0]), encoding="utf-8").load()
    except ConvertError:
        raise
    except Exception as e:  # zipfile.BadZipFile, EOFError, UnpicklingError, zlib.error, ...
        msg = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise ConvertError("%s: cannot read checkpoint, truncated or corrupt (%s)" % (path, msg[:160]))


def load_checkpoint(path):
    """-> {original key: float32 numpy array} of a torch.save'd state dict."""
    if not os.path.isfile(path):
        raise ConvertError("%s: no such checkpoint file" % path)
    obj = _read_torch_zip(path)
    if isinstance(obj, dict) and "model_state_dict" in obj:
        obj = obj["model_state_dict"]
    if not isinstance(obj, dict):
        raise ConvertError("%s: expected a state dict, got %s" % (path, type(obj).__name__))
    out = {}
    for key, t in obj.items():
        if not (isinstance(t, tuple) and len(t) == 2 and isinstance(t[0], np.ndarray)):
            raise ConvertError("%s: key %r is not a tensor" % (path, key))
        a, kind = t
        if kind == "BFloat16Storage":
            a = gguf.bf16_bits_to_f32(a).reshape(a.shape)
        elif kind not in ("HalfStorage", "FloatStorage", "DoubleStorage"):
            raise ConvertError("%s: key %r is a %s tensor, not floating point" % (path, key, kind[:-7]))
        out[key] = np.asarray(a, dtype=np.float32)
    return out


class LayerParams:
    def __init__(self):
        self.fmap, self.fmap_bias, self.lora_A, self.lora_B = {}, {}, {}, {}
        self.window_factors = None
        self.keys = {}      # (field, which) -> "file: key", for messages


def parse_checkpoints(paths, n_layer):
    """Sort every key of every file into per-layer parameters."""
    layers = [LayerParams() for _ in range(n_layer)]
    for path in paths:
        for key, a in load_checkpoint(path).items():
            m = KEY_RE.search(key)
            what = SUFFIXES.get(m.group(2)) if m else None
            if what is None:
                raise ConvertError("%s: key %r is not a LoLCATs parameter (feature maps, window "
                                   "factors or q/k/v/o LoRA expected)" % (path, key))
            i = int(m.group(1))
            if i >= n_layer:
                raise ConvertError("%s: key %r is for layer %d but the base model has %d layers"
                                   % (path, key, i, n_layer))
            L, field = layers[i], what[0]
            where = "%s: %s" % (path, key)
            slot = (field,) + what[1:]
            if slot in L.keys:
                old = getattr(L, field) if field == "window_factors" else getattr(L, field)[what[1]]
                if old.size != a.size or not np.array_equal(old.reshape(-1), a.reshape(-1)):
                    raise ConvertError("%s conflicts with %s" % (where, L.keys[slot]))
                continue
            L.keys[slot] = where
            if field == "window_factors":
                L.window_factors = a
            else:
                getattr(L, field)[what[1]] = a
    return layers


# =============================================================================
# tokenizer
# =============================================================================

TOKEN_NORMAL, TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_USER_DEFINED, TOKEN_UNUSED, TOKEN_BYTE = 1, 2, 3, 4, 5, 6

# Pre-tokenizer regexes of tokenizer.json -> llama.cpp's tokenizer.ggml.pre
LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def _pre_tokenizer_kind(tok):
    pre = tok.get("pre_tokenizer") or {}
    steps = pre.get("pretokenizers", [pre]) if pre.get("type") == "Sequence" else [pre]
    regexes = [s.get("pattern", {}).get("Regex") for s in steps if s.get("type") == "Split"]
    byte_level = [s for s in steps if s.get("type") == "ByteLevel"]
    if LLAMA3_SPLIT in regexes:
        return "llama-bpe"
    if not regexes and byte_level and byte_level[0].get("use_regex", True):
        return "gpt2"
    return None


def _token_content(v):
    return v.get("content") if isinstance(v, dict) else v


def _chat_template(tc):
    t = tc.get("chat_template")
    if isinstance(t, list):
        t = {x.get("name"): x.get("template") for x in t}.get("default")
    return t if isinstance(t, str) and t else None


def _pad_vocab(tokens, types, scores, n_vocab, where):
    if n_vocab is None:
        return
    if len(tokens) > n_vocab:
        raise ConvertError("%s: tokenizer has %d tokens but vocab_size is %d" % (where, len(tokens), n_vocab))
    for i in range(len(tokens), n_vocab):
        tokens.append("[PAD%d]" % i)
        types.append(TOKEN_UNUSED)
        if scores is not None:
            scores.append(-1000.0)


def tokenizer_kv(folder, n_vocab=None, cfg_ids=(None, None)):
    """-> list of (key, vtype, value, elem_type) for the tokenizer.ggml.* keys,
    or [] when the folder has no tokenizer."""
    spm = os.path.join(folder, "tokenizer.model")
    tj = os.path.join(folder, "tokenizer.json")
    tcp = os.path.join(folder, "tokenizer_config.json")
    tc = read_json(tcp) if os.path.isfile(tcp) else {}
    kv = []
    if os.path.isfile(spm):
        import sentencepiece
        sp = sentencepiece.SentencePieceProcessor()
        try:
            sp.Load(spm)
        except (OSError, RuntimeError) as e:
            raise ConvertError("%s: not a SentencePiece model (%s)" % (spm, str(e).splitlines()[0]))
        tokens, scores, types = [], [], []
        for i in range(sp.GetPieceSize()):
            tokens.append(sp.IdToPiece(i))
            scores.append(float(sp.GetScore(i)))
            types.append(TOKEN_UNKNOWN if sp.IsUnknown(i) else TOKEN_CONTROL if sp.IsControl(i)
                         else TOKEN_UNUSED if sp.IsUnused(i) else TOKEN_BYTE if sp.IsByte(i)
                         else TOKEN_NORMAL)
        added = os.path.join(folder, "added_tokens.json")
        if os.path.isfile(added):
            for text, i in sorted(read_json(added).items(), key=lambda x: x[1]):
                if i < len(tokens):
                    continue
                if i != len(tokens):
                    raise ConvertError("%s: token id %d of %r leaves a gap" % (added, i, text))
                tokens.append(text)
                scores.append(-1000.0)
                types.append(TOKEN_USER_DEFINED)
        _pad_vocab(tokens, types, scores, n_vocab, spm)
        ids = {"bos": sp.bos_id(), "eos": sp.eos_id(), "unknown": sp.unk_id(), "padding": sp.pad_id()}
        kv += [("tokenizer.ggml.model", gguf.STRING, "llama", None),
               ("tokenizer.ggml.tokens", gguf.ARRAY, tokens, gguf.STRING),
               ("tokenizer.ggml.scores", gguf.ARRAY, scores, gguf.FLOAT32),
               ("tokenizer.ggml.token_type", gguf.ARRAY, types, gguf.INT32)]
    elif os.path.isfile(tj):
        tok = read_json(tj)
        model = tok.get("model") or {}
        if model.get("type") != "BPE" or not isinstance(model.get("vocab"), dict):
            raise ConvertError("%s: model type %r is not supported (byte-level BPE is; "
                               "SentencePiece models need tokenizer.model)" % (tj, model.get("type")))
        pre = _pre_tokenizer_kind(tok)
        if pre is None:
            if model.get("byte_fallback"):
                raise ConvertError("%s: SentencePiece-style BPE; tokenizer.model is needed" % tj)
            # An unknown split written as "default" would silently tokenize differently from
            # the real tokenizer; "unknown" makes lc_tokenize refuse with UNSUPPORTED instead.
            note("%s: pre-tokenizer not recognised (GPT-2 and Llama 3 are); written as 'unknown': "
                 "lolcat.h will decode but refuse to tokenize" % tj)
            pre = "unknown"
        id_to_text, special = {}, {}
        for text, i in model["vocab"].items():
            id_to_text[i] = text
        for a in tok.get("added_tokens", []):
            id_to_text[a["id"]] = a["content"]
            special[a["id"]] = bool(a.get("special"))
        for i, a in (tc.get("added_tokens_decoder") or {}).items():
            if int(i) not in special:
                id_to_text[int(i)] = a["content"]
                special[int(i)] = bool(a.get("special"))
        n = max(id_to_text) + 1
        tokens, types = [], []
        for i in range(n):
            if i not in id_to_text:
                tokens.append("[PAD%d]" % i)
                types.append(TOKEN_UNUSED)
            else:
                tokens.append(id_to_text[i])
                types.append(TOKEN_NORMAL if i not in special else
                             TOKEN_CONTROL if special[i] else TOKEN_USER_DEFINED)
        _pad_vocab(tokens, types, None, n_vocab, tj)
        merges = []
        for m in model.get("merges", []):
            if isinstance(m, str):
                if m.count(" ") != 1:
                    raise ConvertError("%s: merge %r is not 'left right'" % (tj, m))
                merges.append(m)
            else:
                if len(m) != 2 or " " in m[0] or " " in m[1]:
                    raise ConvertError("%s: merge %r cannot be stored as 'left right'" % (tj, m))
                merges.append(m[0] + " " + m[1])
        text_to_id = {t: i for i, t in enumerate(tokens)}
        ids = {}
        for field in ("bos", "eos", "unk", "pad"):
            t = _token_content(tc.get(field + "_token"))
            if t is not None and t in text_to_id:
                ids["unknown" if field == "unk" else "padding" if field == "pad" else field] = text_to_id[t]
        if "<|eot_id|>" in text_to_id:
            ids["eot"] = text_to_id["<|eot_id|>"]
        # BOS/EOS added by the post-processor (Llama 3 has no add_bos_token in its config)
        pp = tok.get("post_processor") or {}
        for proc in pp.get("processors", [pp]) if pp.get("type") == "Sequence" else [pp]:
            single = proc.get("single") if proc.get("type") == "TemplateProcessing" else None
            if single:
                tc.setdefault("add_bos_token", "SpecialToken" in single[0])
                tc.setdefault("add_eos_token", "SpecialToken" in single[-1])
        kv += [("tokenizer.ggml.model", gguf.STRING, "gpt2", None),
               ("tokenizer.ggml.pre", gguf.STRING, pre, None),
               ("tokenizer.ggml.tokens", gguf.ARRAY, tokens, gguf.STRING),
               ("tokenizer.ggml.token_type", gguf.ARRAY, types, gguf.INT32),
               ("tokenizer.ggml.merges", gguf.ARRAY, merges, gguf.STRING)]
    else:
        return []
    # config.json's ids fill what the tokenizer files leave open
    for field, v in zip(("bos", "eos"), cfg_ids):
        if isinstance(v, list):
            v = v[0] if v else None
        if ids.get(field, -1) < 0 and isinstance(v, int):
            ids[field] = v
    n_tok = len(tokens)
    for field in ("bos", "eos", "eot", "unknown", "padding"):
        v = ids.get(field, -1)
        if v is not None and 0 <= v < n_tok:
            kv.append(("tokenizer.ggml.%s_token_id" % field, gguf.UINT32, v, None))
    for field in ("add_bos_token", "add_eos_token"):
        if isinstance(tc.get(field), bool):
            kv.append(("tokenizer.ggml." + field, gguf.BOOL, tc[field], None))
    tmpl = _chat_template(tc)
    if tmpl:
        kv.append(("tokenizer.chat_template", gguf.STRING, tmpl, None))
    return kv


def add_kv(w, kv):
    for key, vtype, value, elem in kv:
        if vtype == gguf.ARRAY:
            w.add_array(key, value, elem)
        else:
            w.add(key, value, vtype)


# =============================================================================
# the conversion plan
# =============================================================================

FILE_TYPE = {gguf.F32: 0, gguf.F16: 1, gguf.Q8_0: 7, gguf.BF16: 32}   # llama.cpp's general.file_type


def note(msg):
    print("convert_hf: note: " + msg, file=sys.stderr)


class Converter:
    def __init__(self, args):
        self.args = args
        self.cfg = BaseConfig(args.base_dir)
        self.st = SafetensorsModel(args.base_dir)
        self.lol = LolcatsConfig(args.lolcats_config)
        self.ft = FinetuneConfig(args.finetune_config)
        for key, v in self.lol.model_overrides.items():
            if getattr(self.cfg, key) != v:
                note("%s: model.%s overrides config.json" % (args.lolcats_config, key))
            setattr(self.cfg, key, float(v) if key == "rope_theta" else v)
        self.layers = parse_checkpoints(args.checkpoint or [], self.cfg.n_layer)
        self._decide_kinds()
        self._check_lolcats()
        self._check_base()
        self.wtype = gguf.type_of(args.outtype) if args.outtype else self._source_type()
        self.rope_factors = self.cfg.rope_factors()

    # -- layer kinds and LoLCATs tensors --
    def _decide_kinds(self):
        n = self.cfg.n_layer
        have_attn = any(L.fmap or L.window_factors is not None for L in self.layers)
        if self.args.lolcats_config is None and not have_attn and not any(L.lora_A or L.lora_B for L in self.layers):
            self.kinds = ["softmax"] * n          # a plain base model
            return
        for i in self.lol.softmax_layers:
            if i >= n:
                raise ConvertError("%s: softmax_attentions lists layer %d but the base model has %d layers"
                                   % (self.lol.path, i, n))
        self.kinds = ["softmax" if i in self.lol.softmax_layers else self.lol.kind for i in range(n)]

    def _check_lolcats(self):
        c, lol = self.cfg, self.lol
        H, D = c.n_head, c.head_dim
        F = lol.fmap_dim
        for i, (kind, L) in enumerate(zip(self.kinds, self.layers)):
            pre = "layers.%d.self_attn." % i
            if kind == "softmax":
                for slot, where in L.keys.items():
                    if slot[0] in ("fmap", "fmap_bias", "window_factors"):
                        raise ConvertError("%s: layer %d is a softmax layer (%s) but has LoLCATs attention "
                                           "weights" % (where, i, "softmax_attentions" if i in lol.softmax_layers
                                                        else "no LoLCATs attention"))
            else:
                if lol.fmap == "elu":
                    for slot, where in L.keys.items():
                        if slot[0] in ("fmap", "fmap_bias"):
                            raise ConvertError("%s: the pos_elu feature map has no weights" % where)
                else:
                    for qk in "qk":
                        if qk not in L.fmap:
                            raise ConvertError("layer %d: feature maps missing (no key ending in %sfeature_map_%s.mlp.layer)"
                                               % (i, pre, qk))
                        a = L.fmap[qk]
                        if a.ndim != 3 or a.shape[0] != H or a.shape[1] != D:
                            raise ConvertError("%s: shape %s, expected (%d, %d, F) for H=%d heads of D=%d"
                                               % (L.keys[("fmap", qk)], tuple(a.shape), H, D, H, D))
                        if F is None:
                            F = a.shape[2]
                        if a.shape[2] != F:
                            raise ConvertError("%s: feature dim %d, expected %d (%s)" % (
                                L.keys[("fmap", qk)], a.shape[2], F,
                                "learned_kernel_kwargs.feature_dim" if lol.fmap_dim else "as in earlier layers"))
                        if lol.bias:
                            if qk not in L.fmap_bias:
                                raise ConvertError("layer %d: feature map bias missing (no key ending in "
                                                   "%sfeature_map_%s.mlp.bias; the config says bias: true)" % (i, pre, qk))
                            b = L.fmap_bias[qk]
                            if b.size != H:
                                raise ConvertError("%s: shape %s, expected one value per head (1, %d, 1, 1)"
                                                   % (L.keys[("fmap_bias", qk)], tuple(b.shape), H))
                        elif qk in L.fmap_bias:
                            raise ConvertError("%s: feature map bias given but the config has no bias "
                                               "(learned_kernel_kwargs.bias)" % L.keys[("fmap_bias", qk)])
                if kind == "hybrid":
                    if L.window_factors is None:
                        raise ConvertError("layer %d: window factors missing (no key ending in %swindow_factors)" % (i, pre))
                    if L.window_factors.size != H:
                        raise ConvertError("%s: shape %s, expected (1, %d, 1, 1)"
                                           % (L.keys[("window_factors",)], tuple(L.window_factors.shape), H))
                elif L.window_factors is not None:
                    raise ConvertError("%s: layer %d is pure linear attention (attention_type lolcats_llama) "
                                       "but has window factors" % (L.keys[("window_factors",)], i))
            # LoRA, on any layer
            dims = {"q": (c.n_embd, H * D), "k": (c.n_embd, c.n_head_kv * D),
                    "v": (c.n_embd, c.n_head_kv * D), "o": (H * D, c.n_embd)}
            for p in PROJS:
                A, B = L.lora_A.get(p), L.lora_B.get(p)
                if A is None and B is None:
                    continue
                if A is None or B is None:
                    have = L.keys[("lora_A" if A is not None else "lora_B", p)]
                    raise ConvertError("%s: LoRA %s without its %s" % (have, "A" if A is not None else "B",
                                                                      "B" if A is not None else "A"))
                ka, kb = L.keys[("lora_A", p)], L.keys[("lora_B", p)]
                n_in, n_out = dims[p]
                if A.ndim != 2 or A.shape[1] != n_in:
                    raise ConvertError("%s: shape %s, expected (r, %d)" % (ka, tuple(A.shape), n_in))
                if B.ndim != 2 or B.shape[0] != n_out:
                    raise ConvertError("%s: shape %s, expected (%d, r)" % (kb, tuple(B.shape), n_out))
                if B.shape[1] != A.shape[0]:
                    raise ConvertError("%s: LoRA rank %d does not match rank %d of %s" % (kb, B.shape[1], A.shape[0], ka))
                if self.ft.r is not None and A.shape[0] != self.ft.r:
                    raise ConvertError("%s: LoRA rank %d does not match r: %d of %s"
                                       % (ka, A.shape[0], self.ft.r, self.ft.path))
                if self.ft.targets is not None and p not in self.ft.targets:
                    raise ConvertError("%s: %s_proj is not among the target_modules of %s" % (ka, p, self.ft.path))
        self.fmap_dim = F
        self.has_lora = any(L.lora_A for L in self.layers)

    # -- base tensors --
    def _expected_base(self):
        """HF name -> shape, in GGUF order of appearance."""
        c = self.cfg
        E, H, Hkv, D = c.n_embd, c.n_head, c.n_head_kv, c.head_dim
        exp = {"model.embed_tokens.weight": (c.n_vocab, E), "model.norm.weight": (E,)}
        if not c.tied:
            exp["lm_head.weight"] = (c.n_vocab, E)
        for i in range(c.n_layer):
            p = "model.layers.%d." % i
            exp[p + "input_layernorm.weight"] = (E,)
            exp[p + "self_attn.q_proj.weight"] = (H * D, E)
            exp[p + "self_attn.k_proj.weight"] = (Hkv * D, E)
            exp[p + "self_attn.v_proj.weight"] = (Hkv * D, E)
            exp[p + "self_attn.o_proj.weight"] = (E, H * D)
            exp[p + "post_attention_layernorm.weight"] = (E,)
            exp[p + "mlp.gate_proj.weight"] = (c.n_ff, E)
            exp[p + "mlp.up_proj.weight"] = (c.n_ff, E)
            exp[p + "mlp.down_proj.weight"] = (E, c.n_ff)
        return exp

    def _check_base(self):
        exp = self._expected_base()
        have = set(self.st.names())
        for name, shape in exp.items():
            if name not in have:
                raise ConvertError("%s: tensor %s is missing" % (self.args.base_dir, name))
            if self.st.shape(name) != shape:
                raise ConvertError("%s: tensor %s has shape %s, config.json implies %s"
                                   % (self.args.base_dir, name, self.st.shape(name), shape))
        for name in sorted(have - set(exp)):
            if name.endswith("rotary_emb.inv_freq"):
                continue
            if name == "lm_head.weight" and self.cfg.tied:
                note("lm_head.weight ignored: tie_word_embeddings is true")
                continue
            raise ConvertError("%s: unexpected tensor %s" % (self.args.base_dir, name))

    def _source_type(self):
        types = {self.st.dtype(n) for n in self._expected_base()}
        return {"BF16": gguf.BF16, "F16": gguf.F16}.get(types.pop(), gguf.F32) if len(types) == 1 else gguf.F32

    # -- writing --
    def _weight(self, name, wtype, perm=None, lora=None):
        """Producer of one base matrix: permuted Q/K rows, LoRA merged."""
        def produce():
            raw, dtype = self.st.read(name)
            same = {gguf.BF16: "BF16", gguf.F16: "F16", gguf.F32: "F32"}.get(wtype)
            if lora is None and same == dtype:
                a = raw if perm is None else gguf.permute_qk_rows(raw, *perm)
                return np.ascontiguousarray(a).tobytes()     # already the stored encoding
            a = to_f32(raw, dtype)
            if lora is not None:
                A, B = lora
                a = (a.astype(np.float64) + self.ft.scale * (B.astype(np.float64) @ A.astype(np.float64))
                     ).astype(np.float32)
            if perm is not None:
                a = gguf.permute_qk_rows(a, *perm)
            return a
        return produce

    def write(self, out):
        c, lol, args = self.cfg, self.lol, self.args
        arch = "llama"
        w = gguf.GGUFWriter(out)
        w.add_string("general.architecture", arch)
        w.add_string("general.name", c.name)
        w.add_u32("general.file_type", FILE_TYPE[self.wtype])
        if self.wtype == gguf.Q8_0:
            w.add_u32("general.quantization_version", 2)
        w.add_u32(arch + ".block_count", c.n_layer)
        w.add_u32(arch + ".context_length", c.context_length)
        w.add_u32(arch + ".embedding_length", c.n_embd)
        w.add_u32(arch + ".feed_forward_length", c.n_ff)
        w.add_u32(arch + ".attention.head_count", c.n_head)
        w.add_u32(arch + ".attention.head_count_kv", c.n_head_kv)
        if c.head_dim != c.n_embd // c.n_head:
            w.add_u32(arch + ".attention.key_length", c.head_dim)
            w.add_u32(arch + ".attention.value_length", c.head_dim)
        w.add_f32(arch + ".attention.layer_norm_rms_epsilon", c.rms_eps)
        w.add_f32(arch + ".rope.freq_base", c.rope_theta)
        w.add_u32(arch + ".rope.dimension_count", c.head_dim)
        w.add_u32(arch + ".vocab_size", c.n_vocab)
        add_kv(w, tokenizer_kv(args.base_dir, c.n_vocab, (c.bos_id, c.eos_id)))
        if any(k != "softmax" for k in self.kinds):
            w.add_u32("lolcat.schema_version", 1)
            w.add_array("lolcat.attention.layer_kinds", self.kinds, gguf.STRING)
            if "hybrid" in self.kinds:
                w.add_u32("lolcat.attention.window_size", lol.window)
                w.add_string("lolcat.attention.window_kind", lol.window_kind)
            w.add_string("lolcat.feature_map.kind", lol.fmap)
            if lol.fmap != "elu":
                w.add_u32("lolcat.feature_map.dim", self.fmap_dim)
            w.add_f32("lolcat.feature_map.eps", lol.eps)
        keep_lora = self.has_lora and not args.merge_lora
        if keep_lora:
            w.add_f32("lolcat.lora.scale", self.ft.scale)

        wt = self.wtype

        def st(ne0):
            return gguf.storage_type(wt, ne0)

        def small(a):
            return lambda: np.ascontiguousarray(a, dtype=np.float32)

        def base(name, gg, perm=None, lora=None, is_weight=True):
            shape = self.st.shape(name)
            ttype = st(shape[-1]) if is_weight else gguf.F32
            w.add_lazy_tensor(gg, ttype, list(reversed(shape)), self._weight(name, ttype, perm, lora))

        H, Hkv, D = c.n_head, c.n_head_kv, c.head_dim
        base("model.embed_tokens.weight", "token_embd.weight")
        if self.rope_factors is not None:
            w.add_lazy_tensor("rope_freqs.weight", gguf.F32, [len(self.rope_factors)], small(self.rope_factors))
        base("model.norm.weight", "output_norm.weight", is_weight=False)
        if not c.tied:
            base("lm_head.weight", "output.weight")
        perms = {"q": (H, D), "k": (Hkv, D), "v": None, "o": None}
        for i, (kind, L) in enumerate(zip(self.kinds, self.layers)):
            hf, gg = "model.layers.%d." % i, "blk.%d." % i
            base(hf + "input_layernorm.weight", gg + "attn_norm.weight", is_weight=False)
            for p in PROJS:
                lora = (L.lora_A[p], L.lora_B[p]) if p in L.lora_A else None
                base(hf + HF_PROJ[p] + ".weight", gg + GGUF_PROJ[p] + ".weight", perms[p],
                     lora if args.merge_lora else None)
                if lora and keep_lora:
                    A, B = lora
                    if perms[p]:
                        B = gguf.permute_qk_rows(B, *perms[p])
                    w.add_lazy_tensor(gg + GGUF_PROJ[p] + ".weight.lora_a", st(A.shape[1]),
                                      list(reversed(A.shape)), small(A))
                    w.add_lazy_tensor(gg + GGUF_PROJ[p] + ".weight.lora_b", st(B.shape[1]),
                                      list(reversed(B.shape)), small(B))
            if kind != "softmax" and lol.fmap != "elu":
                for qk in "qk":
                    f = gguf.permute_fmap(L.fmap[qk])
                    w.add_lazy_tensor(gg + "attn_fmap_%s.weight" % qk, gguf.F32, list(reversed(f.shape)), small(f))
                    if lol.bias and lol.fmap == "t2r":
                        b = L.fmap_bias[qk].reshape(-1)
                        w.add_lazy_tensor(gg + "attn_fmap_%s.bias" % qk, gguf.F32, [H], small(b))
            if kind == "hybrid":
                w.add_lazy_tensor(gg + "attn_window_factors.weight", gguf.F32, [H],
                                  small(L.window_factors.reshape(-1)))
            base(hf + "post_attention_layernorm.weight", gg + "ffn_norm.weight", is_weight=False)
            base(hf + "mlp.gate_proj.weight", gg + "ffn_gate.weight")
            base(hf + "mlp.up_proj.weight", gg + "ffn_up.weight")
            base(hf + "mlp.down_proj.weight", gg + "ffn_down.weight")
        if lol.bias and lol.fmap in ("hedgehog", "hedgehog_half") and any(k != "softmax" for k in self.kinds):
            note("feature-map biases dropped: a per-head constant does not change softmax_dim features")
        w.write(progress=Progress() if not args.quiet else None)
        return w


class Progress:
    """A one-line progress bar on stderr (a final summary when not a terminal)."""

    def __init__(self):
        self.tty = sys.stderr.isatty()
        self.t0 = time.time()

    def __call__(self, i, n, name):
        if name is None:
            msg = "%d tensors in %.1f s" % (n, time.time() - self.t0)
            print(("\r%-79s" % ("convert_hf: " + msg)) if self.tty else "convert_hf: " + msg, file=sys.stderr)
            return
        if self.tty:
            width = 30
            done = width * i // max(n, 1)
            sys.stderr.write("\r[%s%s] %4d/%d %-32.32s" % ("#" * done, "." * (width - done), i + 1, n, name))
            sys.stderr.flush()


def write_vocab_only(folder, out):
    kv = tokenizer_kv(folder)
    if not kv:
        raise ConvertError("%s: no tokenizer.json or tokenizer.model" % folder)
    w = gguf.GGUFWriter(out)
    w.add_string("general.architecture", "llama")
    w.add_string("general.name", os.path.basename(os.path.normpath(folder)))
    n = len([v for k, _, v, _ in kv if k == "tokenizer.ggml.tokens"][0])
    w.add_u32("llama.vocab_size", n)
    add_kv(w, kv)
    w.write()
    return n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("base_dir", nargs="?", help="Hugging Face model folder")
    ap.add_argument("-o", "--output", required=True, help="output .gguf")
    ap.add_argument("--checkpoint", action="append", metavar="FILE.pt",
                    help="LoLCATs checkpoint (repeat for several files)")
    ap.add_argument("--lolcats-config", metavar="YAML", help="LoLCATs model config (attention: block)")
    ap.add_argument("--finetune-config", metavar="YAML", help="LoLCATs finetune config (LoRA r, lora_alpha)")
    ap.add_argument("--outtype", choices=("f32", "f16", "bf16", "q8_0"),
                    help="type of the weight matrices (default: that of the base weights)")
    ap.add_argument("--merge-lora", action="store_true", help="fold LoRA into the weights")
    ap.add_argument("--vocab-only", metavar="DIR", help="write only the tokenizer of DIR")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    args = ap.parse_args(argv)
    try:
        if args.vocab_only:
            if args.base_dir or args.checkpoint or args.lolcats_config or args.finetune_config:
                ap.error("--vocab-only takes only DIR and -o")
            n = write_vocab_only(args.vocab_only, args.output)
            if not args.quiet:
                print("convert_hf: wrote %s (%d tokens)" % (args.output, n), file=sys.stderr)
            return 0
        if not args.base_dir:
            ap.error("BASE_DIR is required")
        if not os.path.isdir(args.base_dir):
            raise ConvertError("%s: not a folder" % args.base_dir)
        conv = Converter(args)
        conv.write(args.output)
        if not args.quiet:
            kinds = {k: conv.kinds.count(k) for k in ("softmax", "hybrid", "linear") if k in conv.kinds}
            print("convert_hf: wrote %s (%s, %s layers, %s%s)" % (
                args.output, gguf.TYPE_NAMES[conv.wtype],
                " + ".join("%d %s" % (n, k) for k, n in kinds.items()), conv.lol.fmap if len(kinds) > 1 or
                "softmax" not in kinds else "no feature maps",
                ", LoRA %s" % ("merged" if args.merge_lora else "kept") if conv.has_lora else ""), file=sys.stderr)
        return 0
    except ConvertError as e:
        print("convert_hf: error: %s" % e, file=sys.stderr)
        return 1
    except OSError as e:
        print("convert_hf: error: %s: %s" % (e.filename or args.output, e.strerror or e), file=sys.stderr)
        return 1
    except ValueError as e:   # e.g. a tensor the GGUF writer refuses
        print("convert_hf: error: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("convert_hf: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
