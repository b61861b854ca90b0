#!/usr/bin/python3
"""Convert a llama2.c checkpoint and its tokenizer into a GGUF for lolcat.h.

Usage:
  llama2c_to_gguf.py MODEL.bin TOKENIZER.bin -o OUT.gguf [--outtype f32|f16|bf16|q8_0] [--name NAME]

MODEL.bin: llama2.c's legacy ("version 0") export, as stories260K.bin: a
Config of 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
vocab_size, seq_len; a negative vocab_size means the classifier is not
shared with the embedding), then float32 weights in run.c's order (token
embedding, attention norms, wq, wk, wv, wo, ffn norms, w1, w2, w3, final
norm, the two RoPE tables, which are skipped, and the classifier if not
shared). The "version 1" export (magic "ak42", 256-byte header) is read too.
llama2.c's RoPE already rotates adjacent pairs, as llama.cpp does, so Q/K
rows are written unchanged.

TOKENIZER.bin: llama2.c's tokenizer (tok512.bin, tokenizer.bin): int32
max_token_length, then per token a float32 score, an int32 length and the
bytes. It becomes a SentencePiece ("llama") vocabulary: spaces back to
U+2581, <unk> unknown, <s> and </s> control, <0xNN> byte tokens.

Errors (truncated files, absurd headers, a tokenizer of the wrong size) are
one line naming the file; no output is left behind.
"""

import argparse
import os
import re
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf  # noqa: E402


class ConvertError(Exception):
    pass


MAGIC_V1 = 0x616B3432   # "ak42"
TOKEN_NORMAL, TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_BYTE = 1, 2, 3, 6


def read_model(path):
    """-> (config dict, {gguf name: float32 array in numpy (out, in) shape})."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 28:
        raise ConvertError("%s: %d bytes, too short for a llama2.c header" % (path, size))
    (magic,) = struct.unpack_from("<I", data, 0)
    if magic == MAGIC_V1:
        if len(data) < 256:
            raise ConvertError("%s: truncated version-1 header" % path)
        (version,) = struct.unpack_from("<i", data, 4)
        if version != 1:
            raise ConvertError("%s: llama2.c export version %d is not supported (0 and 1 are; "
                               "version 2 is the int8 runq format)" % (path, version))
        dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack_from("<7i", data, 8)
        shared = data[36] == 1
        pos = 256
    else:
        version = 0
        dim, hidden, n_layers, n_heads, n_kv, vocab, seq_len = struct.unpack_from("<7i", data, 0)
        shared = vocab > 0
        vocab = abs(vocab)
        pos = 28
    vals = dict(dim=dim, hidden_dim=hidden, n_layers=n_layers, n_heads=n_heads, n_kv_heads=n_kv,
                vocab_size=vocab, seq_len=seq_len)
    for k, v in vals.items():
        if not 0 < v <= (1 << 20):
            raise ConvertError("%s: header field %s = %d is out of range (not a llama2.c checkpoint?)"
                               % (path, k, v))
    if dim % n_heads or n_heads % n_kv or (dim // n_heads) % 2:
        raise ConvertError("%s: dim %d, n_heads %d, n_kv_heads %d are inconsistent" % (path, dim, n_heads, n_kv))
    hs = dim // n_heads
    kv_dim = n_kv * hs
    L = n_layers
    # (name, shape of one layer or the whole tensor, per layer?)
    if version == 0:
        order = [("token_embd", (vocab, dim), False), ("attn_norm", (dim,), True),
                 ("attn_q", (dim, dim), True), ("attn_k", (kv_dim, dim), True),
                 ("attn_v", (kv_dim, dim), True), ("attn_output", (dim, dim), True),
                 ("ffn_norm", (dim,), True), ("ffn_gate", (hidden, dim), True),
                 ("ffn_down", (dim, hidden), True), ("ffn_up", (hidden, dim), True),
                 ("output_norm", (dim,), False), (None, (seq_len * hs // 2,), False),
                 (None, (seq_len * hs // 2,), False)]
    else:
        order = [("attn_norm", (dim,), True), ("ffn_norm", (dim,), True), ("output_norm", (dim,), False),
                 ("token_embd", (vocab, dim), False), ("attn_q", (dim, dim), True),
                 ("attn_k", (kv_dim, dim), True), ("attn_v", (kv_dim, dim), True),
                 ("attn_output", (dim, dim), True), ("ffn_gate", (hidden, dim), True),
                 ("ffn_down", (dim, hidden), True), ("ffn_up", (hidden, dim), True)]
    if not shared:
        order.append(("output", (vocab, dim), False))
    need = pos + 4 * sum(int(np.prod(s)) * (L if per else 1) for _, s, per in order)
    if len(data) < need:
        raise ConvertError("%s: truncated: %d bytes, the header implies %d" % (path, len(data), need))
    if len(data) > need:
        raise ConvertError("%s: %d bytes after the weights the header implies (%d); wrong format?"
                           % (path, len(data) - need, need))
    weights = {}
    for name, shape, per in order:
        n = int(np.prod(shape))
        count = n * (L if per else 1)
        a = np.frombuffer(data, dtype="<f4", count=count, offset=pos).astype(np.float32)
        pos += 4 * count
        if name is None:
            continue
        if per:
            for i in range(L):
                weights["blk.%d.%s.weight" % (i, name)] = a[i * n:(i + 1) * n].reshape(shape)
        else:
            weights[name + ".weight"] = a.reshape(shape)
    cfg = dict(vals, shared=shared, head_size=hs, version=version)
    return cfg, weights


def read_tokenizer(path, n_vocab):
    """-> (tokens, scores, types) in llama.cpp's SentencePiece form."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 4:
        raise ConvertError("%s: too short for a llama2.c tokenizer" % path)
    (max_len,) = struct.unpack_from("<i", data, 0)
    pos, tokens, scores, types = 4, [], [], []
    byte_re = re.compile(r"<0x[0-9A-F]{2}>$")
    for i in range(n_vocab):
        if pos + 8 > len(data):
            raise ConvertError("%s: truncated at token %d of %d (the model's vocab_size)" % (path, i, n_vocab))
        score, n = struct.unpack_from("<fi", data, pos)
        pos += 8
        if n < 0 or n > max(max_len, 0) or pos + n > len(data):
            raise ConvertError("%s: token %d has a bad length %d" % (path, i, n))
        raw = data[pos:pos + n]
        pos += n
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ConvertError("%s: token %d is not UTF-8: %r" % (path, i, raw))
        if text.strip("\n") in ("<s>", "</s>"):       # llama2.c exports them as "\n<s>\n"
            text, ttype = text.strip("\n"), TOKEN_CONTROL
        elif i == 0 and text == "<unk>":
            ttype = TOKEN_UNKNOWN
        elif byte_re.match(text):
            ttype = TOKEN_BYTE
        else:
            text, ttype = text.replace(" ", "\u2581"), TOKEN_NORMAL
        tokens.append(text)
        scores.append(score)
        types.append(ttype)
    if pos != len(data):
        raise ConvertError("%s: %d bytes after %d tokens; the model has vocab_size %d"
                           % (path, len(data) - pos, n_vocab, n_vocab))
    return tokens, scores, types


def convert(model_path, tok_path, out, outtype="f32", name=None):
    cfg, weights = read_model(model_path)
    tokens, scores, types = read_tokenizer(tok_path, cfg["vocab_size"])
    wtype = gguf.type_of(outtype)
    arch = "llama"
    w = gguf.GGUFWriter(out)
    w.add_string("general.architecture", arch)
    w.add_string("general.name", name or os.path.splitext(os.path.basename(model_path))[0])
    w.add_u32("general.file_type", {gguf.F32: 0, gguf.F16: 1, gguf.Q8_0: 7, gguf.BF16: 32}[wtype])
    w.add_u32(arch + ".context_length", cfg["seq_len"])
    w.add_u32(arch + ".embedding_length", cfg["dim"])
    w.add_u32(arch + ".feed_forward_length", cfg["hidden_dim"])
    w.add_u32(arch + ".block_count", cfg["n_layers"])
    w.add_u32(arch + ".attention.head_count", cfg["n_heads"])
    w.add_u32(arch + ".attention.head_count_kv", cfg["n_kv_heads"])
    w.add_u32(arch + ".rope.dimension_count", cfg["head_size"])
    w.add_f32(arch + ".rope.freq_base", 10000.0)
    w.add_f32(arch + ".attention.layer_norm_rms_epsilon", 1e-5)
    w.add_u32(arch + ".vocab_size", cfg["vocab_size"])
    w.add_string("tokenizer.ggml.model", "llama")
    w.add_array("tokenizer.ggml.tokens", tokens, gguf.STRING)
    w.add_array("tokenizer.ggml.scores", scores, gguf.FLOAT32)
    w.add_array("tokenizer.ggml.token_type", types, gguf.INT32)
    for key, text in (("unknown", "<unk>"), ("bos", "<s>"), ("eos", "</s>")):
        if text in tokens:
            w.add_u32("tokenizer.ggml.%s_token_id" % key, tokens.index(text))
    order = ["token_embd.weight", "output_norm.weight", "output.weight"]
    for i in range(cfg["n_layers"]):
        order += ["blk.%d.%s.weight" % (i, n) for n in ("attn_norm", "attn_q", "attn_k", "attn_v",
                                                       "attn_output", "ffn_norm", "ffn_gate",
                                                       "ffn_down", "ffn_up")]
    for n in order:
        if n in weights:
            a = weights[n]
            w.add_tensor(n, a, gguf.storage_type(wtype, a.shape[-1], a.ndim > 1))
    w.write()
    return cfg


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("model", help="llama2.c checkpoint (.bin)")
    ap.add_argument("tokenizer", help="llama2.c tokenizer (tokenizer.bin, tok512.bin)")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--outtype", default="f32", choices=("f32", "f16", "bf16", "q8_0"))
    ap.add_argument("--name", help="general.name (default: the model file's name)")
    a = ap.parse_args(argv)
    try:
        cfg = convert(a.model, a.tokenizer, a.output, a.outtype, a.name)
    except ConvertError as e:
        print("llama2c_to_gguf: error: %s" % e, file=sys.stderr)
        return 1
    except OSError as e:
        print("llama2c_to_gguf: error: %s: %s" % (e.filename, e.strerror), file=sys.stderr)
        return 1
    print("llama2c_to_gguf: wrote %s (dim %d, %d layers, %d/%d heads, vocab %d, %s classifier, %s)"
          % (a.output, cfg["dim"], cfg["n_layers"], cfg["n_heads"], cfg["n_kv_heads"], cfg["vocab_size"],
             "shared" if cfg["shared"] else "separate", a.outtype), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
