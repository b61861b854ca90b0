#!/usr/bin/env python3
"""Generate the Unicode tables a hand-written GPT-2 / Llama 3 pre-tokenizer needs.

Usage:
    python3 tools/gen_unicode_tables.py [-o tools/lolcat_unicode_tables.inc] [--marks]
    python3 tools/gen_unicode_tables.py --embed lolcat.h

--embed rewrites the compact class table inside lolcat.h, between the lines
"BEGIN GENERATED: tools/gen_unicode_tables.py" and "END GENERATED" (the
header's own copy: one sorted array of class runs, see class_runs()).

Writes C source (default: tools/lolcat_unicode_tables.inc next to this script;
"-o -" prints to stdout) holding sorted, merged, inclusive codepoint ranges:

    lc__unicode_letter_ranges[][2]   \\p{L}  (Lu Ll Lt Lm Lo)
    lc__unicode_number_ranges[][2]   \\p{N}  (Nd Nl No)
    lc__unicode_space_ranges[][2]    \\s     (the Unicode White_Space property)
    lc__unicode_mark_ranges[][2]     \\p{M}  (Mn Mc Me), only with --marks
    lc__unicode_fold_to_ascii[][2]   non-ASCII codepoints whose simple case
                                     folding is an ASCII letter

plus a few static inline lookup helpers (binary search), which can be left
out by defining LC__UNICODE_NO_HELPERS before including the file.

What \\s means.  The HF `tokenizers` library compiles tokenizer.json regexes
with Oniguruma (the `onig` crate; `fancy-regex`, i.e. the Rust `regex`
crate's classes, when built for wasm).  In both, \\s with Unicode is the
White_Space property: U+0009..U+000D, U+0020, U+0085, U+00A0, U+1680,
U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 (= Zs + Zl + Zp +
TAB..CR + NEL).  llama.cpp's hand-written pre-tokenizers use the same set.
JavaScript's /\\s/u (transformers.js and friends) differs: it also matches
U+FEFF (BOM / ZWNBSP) and does NOT match U+0085 (NEL).  Python's
str.isspace() differs too (it also matches U+001C..U+001F), so this script
does not use it.

The \\p{M} table is not needed by the GPT-2 or Llama 3 regexes (it is by a
few other llama.cpp pre-tokenizers), hence optional.

Case folding.  The Llama 3 regex starts with (?i:'s|'t|'re|'ve|'m|'ll|'d).
Under Unicode simple case folding the only non-ASCII codepoints that fold to
an ASCII letter are U+017F LATIN SMALL LETTER LONG S -> 's' and U+212A
KELVIN SIGN -> 'k' (this script recomputes that list), so a faithful
Oniguruma match also accepts "'\\u017F".  llama.cpp and transformers.js only
accept ASCII letters there; the table lets the C side pick either.

The Unicode version is the one of this Python's unicodedata module; it is
written into the generated file.
"""

import argparse
import os
import sys
import unicodedata

MAX_CP = 0x110000

# TAB, LF, VT, FF, CR and NEL: the Cc codepoints that are White_Space.
_SPACE_CONTROLS = (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85)

# PropList.txt White_Space, unchanged since Unicode 6.3 (U+180E left Zs then).
_EXPECTED_WHITE_SPACE = [
    (0x0009, 0x000D), (0x0020, 0x0020), (0x0085, 0x0085), (0x00A0, 0x00A0),
    (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F),
    (0x205F, 0x205F), (0x3000, 0x3000),
]


def category_ranges(pred):
    """Inclusive [lo, hi] ranges of every codepoint for which pred(cp) holds,
    adjacent codepoints merged."""
    out = []
    lo = None
    for cp in range(MAX_CP):
        if pred(cp):
            if lo is None:
                lo = cp
            hi = cp
        elif lo is not None:
            out.append((lo, hi))
            lo = None
    if lo is not None:
        out.append((lo, hi))
    return out


def major(cp):
    return unicodedata.category(chr(cp))[0]


def is_space(cp):
    return cp in _SPACE_CONTROLS or major(cp) == "Z"


def fold_to_ascii():
    """Non-ASCII codepoints whose case folding is a single ASCII letter.

    str.casefold() is full case folding; a one-character result is also the
    simple (C/S) folding, which is what regex engines use for (?i)."""
    out = []
    for cp in range(0x80, MAX_CP):
        f = chr(cp).casefold()
        if len(f) == 1 and f.isascii() and f.isalpha():
            out.append((cp, ord(f)))
    return out


def fmt_ranges(name, ranges, comment, per_line=4):
    lines = ["/* %s: %d ranges */" % (comment, len(ranges)),
             "static const unsigned int %s[][2] = {" % name]
    row = []
    for lo, hi in ranges:
        row.append("{0x%X,0x%X}" % (lo, hi))
        if len(row) == per_line:
            lines.append("    " + ",".join(row) + ",")
            row = []
    if row:
        lines.append("    " + ",".join(row) + ",")
    lines.append("};")
    lines.append("#define %s_N (sizeof(%s) / sizeof(%s[0]))"
                 % (name.upper(), name, name))
    return "\n".join(lines)


HELPERS = r"""
#ifndef LC__UNICODE_NO_HELPERS
/* 1 if cp lies in one of the n sorted, disjoint, inclusive ranges r. */
static inline int lc__unicode_in_ranges(const unsigned int (*r)[2], size_t n,
                                        unsigned int cp) {
    size_t lo = 0, hi = n;
    if (n == 0 || cp < r[0][0] || cp > r[n - 1][1]) return 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < r[mid][0]) hi = mid;
        else if (cp > r[mid][1]) lo = mid + 1;
        else return 1;
    }
    return 0;
}
static inline int lc__unicode_is_letter(unsigned int cp) {
    if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
    return lc__unicode_in_ranges(lc__unicode_letter_ranges,
                                 LC__UNICODE_LETTER_RANGES_N, cp);
}
static inline int lc__unicode_is_number(unsigned int cp) {
    if (cp < 0x80) return cp >= '0' && cp <= '9';
    return lc__unicode_in_ranges(lc__unicode_number_ranges,
                                 LC__UNICODE_NUMBER_RANGES_N, cp);
}
static inline int lc__unicode_is_space(unsigned int cp) {
    if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
    return lc__unicode_in_ranges(lc__unicode_space_ranges,
                                 LC__UNICODE_SPACE_RANGES_N, cp);
}
%(mark_helper)s/* Simple case folding restricted to results in ASCII letters: returns the
   lower-case ASCII letter cp folds to, or cp itself. */
static inline unsigned int lc__unicode_fold_ascii(unsigned int cp) {
    size_t i;
    if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 0x20 : cp;
    for (i = 0; i < LC__UNICODE_FOLD_TO_ASCII_N; i++)
        if (lc__unicode_fold_to_ascii[i][0] == cp)
            return lc__unicode_fold_to_ascii[i][1];
    return cp;
}
#endif /* LC__UNICODE_NO_HELPERS */
"""

MARK_HELPER = r"""static inline int lc__unicode_is_mark(unsigned int cp) {
    return lc__unicode_in_ranges(lc__unicode_mark_ranges,
                                 LC__UNICODE_MARK_RANGES_N, cp);
}
"""


def generate(with_marks):
    letters = category_ranges(lambda cp: major(cp) == "L")
    numbers = category_ranges(lambda cp: major(cp) == "N")
    spaces = category_ranges(is_space)
    if spaces != _EXPECTED_WHITE_SPACE:
        sys.exit("unexpected White_Space set: %r" % spaces)
    marks = category_ranges(lambda cp: major(cp) == "M") if with_marks else None
    folds = fold_to_ascii()

    ver = unicodedata.unidata_version
    out = []
    out.append("""/* lolcat_unicode_tables.inc -- GENERATED by tools/gen_unicode_tables.py,
   do not edit.  Unicode %s (Python %d.%d unicodedata).

   Sorted, disjoint, inclusive codepoint ranges for a hand-written GPT-2 /
   Llama 3 pre-tokenizer:
     letter = \\p{L} (Lu Ll Lt Lm Lo)
     number = \\p{N} (Nd Nl No)
     space  = \\s as in HF tokenizers (Oniguruma) and llama.cpp: the
              White_Space property, 0009-000D 0020 0085 00A0 1680 2000-200A
              2028 2029 202F 205F 3000.  NB: JavaScript's /\\s/u also matches
              U+FEFF and does not match U+0085.%s
   fold_to_ascii = non-ASCII codepoints whose simple case folding is an
     ASCII letter (for the (?i:'s|'t|'re|'ve|'m|'ll|'d) contraction match;
     llama.cpp and transformers.js only fold ASCII).
   Define LC__UNICODE_NO_HELPERS to get the tables without the helpers.
   The helpers need size_t (<stddef.h>). */
""" % (ver, sys.version_info[0], sys.version_info[1],
       "\n     mark   = \\p{M} (Mn Mc Me)" if with_marks else ""))
    out.append('#define LC__UNICODE_VERSION "%s"\n' % ver)
    out.append(fmt_ranges("lc__unicode_letter_ranges", letters, "\\p{L}"))
    out.append("")
    out.append(fmt_ranges("lc__unicode_number_ranges", numbers, "\\p{N}"))
    out.append("")
    out.append(fmt_ranges("lc__unicode_space_ranges", spaces,
                          "\\s (White_Space)"))
    out.append("")
    if with_marks:
        out.append("#define LC__UNICODE_HAVE_MARKS 1")
        out.append(fmt_ranges("lc__unicode_mark_ranges", marks, "\\p{M}"))
        out.append("")
    lines = ["/* non-ASCII codepoint -> ASCII letter it case-folds to */",
             "static const unsigned int lc__unicode_fold_to_ascii[][2] = {"]
    for cp, to in folds:
        lines.append("    {0x%X,'%c'}, /* %s */" % (cp, to, unicodedata.name(chr(cp))))
    lines.append("};")
    lines.append("#define LC__UNICODE_FOLD_TO_ASCII_N "
                 "(sizeof(lc__unicode_fold_to_ascii) / "
                 "sizeof(lc__unicode_fold_to_ascii[0]))")
    out.append("\n".join(lines))
    out.append(HELPERS % {"mark_helper": MARK_HELPER if with_marks else ""})
    counts = dict(letter=len(letters), number=len(numbers), space=len(spaces),
                  mark=len(marks) if marks else 0, fold=len(folds))
    return "\n".join(out), counts


def class_runs():
    """The letter/number/space classes as one sorted list of runs: entry
    (first << 2) | cls starts a run of class cls (0 other, 1 letter, 2 number,
    3 space) that lasts until the next entry's first codepoint."""
    classes = [(1, category_ranges(lambda cp: major(cp) == "L")),
               (2, category_ranges(lambda cp: major(cp) == "N")),
               (3, category_ranges(is_space))]
    runs = sorted((lo, hi, c) for c, rs in classes for lo, hi in rs)
    out, end = [], 0          # end: first codepoint after the previous run

    def start(cp, c):
        if not out or (out[-1] & 3) != c:
            out.append(cp << 2 | c)

    for lo, hi, c in runs:
        if lo < end:
            sys.exit("overlapping classes at U+%04X" % lo)
        if lo > end:
            start(end, 0)
        start(lo, c)
        end = hi + 1
    start(end, 0)
    return out


BEGIN_MARK = "/* BEGIN GENERATED: tools/gen_unicode_tables.py --embed"
END_MARK = "/* END GENERATED */"


def embed(path):
    runs = class_runs()
    ver = unicodedata.unidata_version
    lines = [BEGIN_MARK + " (Unicode %s), do not edit */" % ver,
             "/* Classes of the pre-tokenizers: entry (first << 2) | class starts a run of codepoints of that",
             "   class (0 other, 1 \\p{L}, 2 \\p{N}, 3 White_Space = \\s) that lasts until the next entry. */",
             "static const uint32_t lc__unicode_class_runs[%d] = {" % len(runs)]
    row = ""
    for v in runs:
        item = "%d," % v
        if len(row) + len(item) > 99:
            lines.append(row)
            row = ""
        row += item
    lines.append(row)
    lines.append("};")
    lines.append(END_MARK)
    block = "\n".join(lines)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    a = text.find(BEGIN_MARK)
    b = text.find(END_MARK, a)
    if a < 0 or b < 0:
        sys.exit("%s: markers %r ... %r not found" % (path, BEGIN_MARK, END_MARK))
    text = text[:a] + block + text[b + len(END_MARK):]
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print("embedded %d class runs (Unicode %s) in %s" % (len(runs), ver, path), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("-o", "--output",
                    default=os.path.join(here, "lolcat_unicode_tables.inc"),
                    help='output path, "-" for stdout')
    ap.add_argument("--marks", action="store_true",
                    help="also emit the \\p{M} table and lc__unicode_is_mark")
    ap.add_argument("--embed", metavar="HEADER",
                    help="rewrite the class table between the markers in HEADER (lolcat.h) instead")
    args = ap.parse_args()
    if args.embed:
        embed(args.embed)
        return
    text, counts = generate(args.marks)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="ascii", newline="\n") as f:
            f.write(text)
        print("wrote %s (%d bytes): %s" % (
            args.output, len(text),
            ", ".join("%s=%d" % kv for kv in counts.items())), file=sys.stderr)


if __name__ == "__main__":
    main()
