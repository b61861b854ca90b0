#!/usr/bin/env python3
"""Pure-Python byte-level BPE tokenizer (GPT-2 / Llama 3) over a vocab GGUF.

A slow, readable reference for lolcat.h's C tokenizer and a checker for the
test vectors.  It reads tokenizer.ggml.{tokens,token_type,merges,pre} from a
GGUF and classifies codepoints with tools/lolcat_unicode_tables.inc, i.e.
exactly the data the C code gets.

    python3 tools/bpe_tokenize_ref.py VOCAB.gguf "some text" [--special]
    python3 tools/bpe_tokenize_ref.py VOCAB.gguf --tests tests/data/llama3_tokenizer_tests.txt
    python3 tools/bpe_tokenize_ref.py VOCAB.gguf --llamacpp-tests models/ggml-vocab-gpt-2.gguf

--tests reads the FLAGS/HEX/IDS format written by
tools/gen_llama3_tokenizer_tests.mjs; --llamacpp-tests reads llama.cpp's
PREFIX.inp / PREFIX.out pair (see the report in the generator's header).

Pre-tokenizers ("tokenizer.ggml.pre"), written out by hand as the regex
alternations they implement:
  gpt-2:     's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
  llama-bpe: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|
             ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+
"""

import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from llama3_vocab_to_gguf import read_kv  # noqa: E402

# codepoint classes
OTHER, LETTER, NUMBER, SPACE = 0, 1, 2, 3


def load_tables(path=os.path.join(HERE, "lolcat_unicode_tables.inc")):
    with open(path, encoding="ascii") as f:
        inc = f.read()
    out = {}
    for name in ("letter", "number", "space"):
        m = re.search(r"lc__unicode_%s_ranges\[\]\[2\] = \{([^;]*)\};" % name, inc)
        out[name] = [(int(a, 16), int(b, 16)) for a, b in
                     re.findall(r"\{0x([0-9A-Fa-f]+),0x([0-9A-Fa-f]+)\}", m.group(1))]
    return out


class Classifier:
    def __init__(self, tables):
        self.cls = {}
        for name, c in (("letter", LETTER), ("number", NUMBER), ("space", SPACE)):
            for lo, hi in tables[name]:
                for cp in range(lo, hi + 1):
                    self.cls[cp] = c

    def __call__(self, cp):
        return self.cls.get(cp, OTHER)


def bytes_to_unicode():
    """GPT-2's byte -> printable character map: printable Latin-1 bytes map
    to themselves, the remaining 68 bytes to U+0100.. in byte order."""
    keep = [b for b in range(256)
            if 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or 0xAE <= b <= 0xFF]
    m, n = {}, 0
    for b in range(256):
        if b in keep:
            m[b] = chr(b)
        else:
            m[b] = chr(256 + n)
            n += 1
    return m


def split_gpt2(cps, cl):
    out, i, n = [], 0, len(cps)
    C = [cl(c) for c in cps]
    while i < n:
        c = cps[i]
        # 's|'t|'re|'ve|'m|'ll|'d  (case-sensitive)
        if c == 0x27 and i + 1 < n:
            nxt = "".join(chr(x) for x in cps[i + 1:i + 3])
            hit = None
            for suf in ("s", "t", "re", "ve", "m", "ll", "d"):
                if nxt.startswith(suf):
                    hit = suf
                    break
            if hit:
                out.append((i, i + 1 + len(hit)))
                i += 1 + len(hit)
                continue
        # ' ?\p{L}+' | ' ?\p{N}+' | ' ?[^\s\p{L}\p{N}]+'
        j = i + 1 if (c == 0x20 and i + 1 < n and C[i + 1] != SPACE) else i
        if C[j] != SPACE:
            k = j
            while k < n and C[k] == C[j]:
                k += 1
            out.append((i, k))
            i = k
            continue
        # \s+(?!\S) | \s+
        k = i
        while k < n and C[k] == SPACE:
            k += 1
        end = k if (k == n or k - i == 1) else k - 1
        out.append((i, end))
        i = end
    return out


def split_llama3(cps, cl):
    out, i, n = [], 0, len(cps)
    C = [cl(c) for c in cps]
    NL = (0x0A, 0x0D)
    while i < n:
        c = cps[i]
        # (?i:'s|'t|'re|'ve|'m|'ll|'d)  -- ASCII case folding only, like llama.cpp
        if c == 0x27 and i + 1 < n:
            nxt = "".join(chr(x).lower() if x < 0x80 else "\0" for x in cps[i + 1:i + 3])
            hit = None
            for suf in ("s", "t", "re", "ve", "m", "ll", "d"):
                if nxt.startswith(suf):
                    hit = suf
                    break
            if hit:
                out.append((i, i + 1 + len(hit)))
                i += 1 + len(hit)
                continue
        # [^\r\n\p{L}\p{N}]?\p{L}+
        j = i
        if C[i] != LETTER and C[i] != NUMBER and c not in NL and i + 1 < n and C[i + 1] == LETTER:
            j = i + 1
        if C[j] == LETTER:
            k = j
            while k < n and C[k] == LETTER:
                k += 1
            out.append((i, k))
            i = k
            continue
        # \p{N}{1,3}
        if C[i] == NUMBER:
            k = i
            while k < n and k - i < 3 and C[k] == NUMBER:
                k += 1
            out.append((i, k))
            i = k
            continue
        # ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        j = i + 1 if (c == 0x20 and i + 1 < n and C[i + 1] == OTHER) else i
        if C[j] == OTHER:
            k = j
            while k < n and C[k] == OTHER:
                k += 1
            while k < n and cps[k] in NL:
                k += 1
            out.append((i, k))
            i = k
            continue
        # here C[i] == SPACE
        k = i
        last_nl = -1
        while k < n and C[k] == SPACE:
            if cps[k] in NL:
                last_nl = k
            k += 1
        if last_nl >= 0:            # \s*[\r\n]+
            end = last_nl + 1
        elif k == n or k - i == 1:  # \s+(?!\S) at the end, or \s+
            end = k
        else:                       # \s+(?!\S): leave one space for the next word
            end = k - 1
        out.append((i, end))
        i = end
    return out


class Tokenizer:
    def __init__(self, gguf_path):
        _, _, meta = read_kv(gguf_path)
        self.tokens = meta["tokenizer.ggml.tokens"]
        self.types = meta["tokenizer.ggml.token_type"]
        self.pre = meta.get("tokenizer.ggml.pre", "gpt-2")
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        self.ranks = {}
        for r, m in enumerate(meta["tokenizer.ggml.merges"]):
            a, b = m.split(" ")
            self.ranks[(a, b)] = r
        self.ignore_merges = self.pre in ("llama-bpe", "llama3", "llama-v3")
        self.split = split_llama3 if self.ignore_merges else split_gpt2
        self.specials = sorted((t for t, ty in zip(self.tokens, self.types) if ty in (3, 4)),
                               key=len, reverse=True)
        self.special_first = set(t[0] for t in self.specials if t)
        self.cl = Classifier(load_tables())
        self.b2u = bytes_to_unicode()

    def bpe(self, word):
        if self.ignore_merges and word in self.ids:
            return [word]
        parts = list(word)
        while len(parts) > 1:
            best, bi = None, -1
            for k in range(len(parts) - 1):
                r = self.ranks.get((parts[k], parts[k + 1]))
                if r is not None and (best is None or r < best):
                    best, bi = r, k
            if best is None:
                break
            parts[bi:bi + 2] = [parts[bi] + parts[bi + 1]]
        return parts

    def encode_text(self, text):
        cps = [ord(ch) for ch in text]
        ids = []
        for a, b in self.split(cps, self.cl):
            piece = "".join(self.b2u[x] for x in text[a:b].encode("utf-8"))
            for p in self.bpe(piece):
                ids.append(self.ids[p])
        return ids

    def encode(self, text, parse_special=False):
        if not parse_special:
            return self.encode_text(text)
        ids, i, start = [], 0, 0
        while i < len(text):
            hit = None
            if text[i] in self.special_first:
                for sp in self.specials:  # longest first
                    if text.startswith(sp, i):
                        hit = sp
                        break
            if hit:
                ids += self.encode_text(text[start:i])
                ids.append(self.ids[hit])
                i += len(hit)
                start = i
            else:
                i += 1
        ids += self.encode_text(text[start:])
        return ids


def run_tests(tok, path, verbose):
    passed = failed = 0
    with open(path, encoding="ascii") as f:
        for ln, line in enumerate(f, 1):
            if line.startswith("#") or not line.strip():
                continue
            flags, hx, ids = line.rstrip("\n").split("\t")
            text = "" if hx == "-" else bytes.fromhex(hx).decode("utf-8")
            want = [] if ids == "-" else [int(x) for x in ids.split()]
            for mode in "sp":
                if mode not in flags:
                    continue
                got = tok.encode(text, parse_special=(mode == "s"))
                if got == want:
                    passed += 1
                else:
                    failed += 1
                    if verbose or failed <= 20:
                        print("FAIL line %d [%s] %r\n  want %s\n  got  %s" % (ln, mode, text, want, got))
    print("%d passed, %d failed" % (passed, failed))
    return failed == 0


def run_llamacpp_tests(tok, prefix):
    with open(prefix + ".inp", "rb") as f:
        inp = f.read().decode("utf-8").split("\n__ggml_vocab_test__\n")
    with open(prefix + ".out", encoding="ascii") as f:
        out = f.read().split("\n")
    passed = failed = 0
    for text, ids in zip(inp, out[:len(inp) - 1]):
        want = [int(x) for x in ids.split()]
        got = tok.encode(text)
        if got == want:
            passed += 1
        else:
            failed += 1
            print("FAIL %r\n  want %s\n  got  %s" % (text, want, got))
    print("%d passed, %d failed" % (passed, failed))
    return failed == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("gguf")
    ap.add_argument("text", nargs="?")
    ap.add_argument("--special", action="store_true", help="parse special tokens in TEXT")
    ap.add_argument("--tests", help="FLAGS/HEX/IDS expectations file")
    ap.add_argument("--llamacpp-tests", help="llama.cpp PREFIX of PREFIX.inp/PREFIX.out")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    tok = Tokenizer(args.gguf)
    ok = True
    if args.text is not None:
        print(" ".join(map(str, tok.encode(args.text, args.special))))
    if args.tests:
        ok &= run_tests(tok, args.tests, args.verbose)
    if args.llamacpp_tests:
        ok &= run_llamacpp_tests(tok, args.llamacpp_tests)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
