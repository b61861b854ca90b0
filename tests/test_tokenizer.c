/* Tokenizer and chat-template tests: llama.cpp's own vectors (SentencePiece and GPT-2), the
   Llama 3 corpus checked against the reference JS tokenizer, byte-level BPE on small vocabularies
   built here (ranks, ties, hostile metadata), streaming decode, chat rendering. */

#include "../tools/lolcat_unicode_tables.inc"   /* the generator's plain range tables, to cross-check */

/* Decodes ids with the streaming detokenizer, one token at a time, into out (NUL-terminated). */
static size_t t_detok_all(const lc_model *m, const int32_t *ids, size_t n, char *out, size_t cap) {
    lc_detokenizer d;
    size_t i, len = 0, l;
    lc_detokenizer_init(&d);
    for (i = 0; i < n && len < cap; i++) if (lc_detokenize(m, &d, ids[i], out + len, cap - 1 - len, &l) == LOLCAT_OK) len += l;
    if (lc_detokenizer_flush(&d, out + len, cap - 1 - len, &l) == LOLCAT_OK) len += l;
    out[len] = 0;
    return len;
}
/* Concatenated raw pieces (no UTF-8 repair): byte-level BPE must give the input back exactly. */
static size_t t_pieces_all(const lc_model *m, const int32_t *ids, size_t n, char *out, size_t cap) {
    size_t i, len = 0, l;
    for (i = 0; i < n; i++) if (lc_token_to_piece(m, ids[i], out + len, cap - len, &l) == LOLCAT_OK) len += l;
    return len;
}
static void t_print_ids(const char *what, const int32_t *ids, size_t n) {
    size_t i;
    fprintf(stderr, " %s", what);
    for (i = 0; i < n && i < 40; i++) fprintf(stderr, " %d", ids[i]);
    if (n > 40) fprintf(stderr, " ...");
}

/* ------------------------------------------------------------------------------------------ */
/* SentencePiece: stories260K and llama.cpp's llama-spm vectors                               */
/* ------------------------------------------------------------------------------------------ */
static void test_tokenizer_stories(void) {
    char path[1024], back[4096];
    lc_model *m;
    int32_t toks[512];
    size_t n;
    const char *text = "Once upon a time, Lily saw a big dog. \"Hi!\" she said. Zyx 123 \xc3\xa9t\xc3\xa9 \xe2\x82\xac";
    snprintf(path, sizeof path, "%s/models/stories260K/stories260K.gguf", t_shared_dir());
    if (!t_file_exists(path)) { t_skip("../shared/models/stories260K/stories260K.gguf is absent"); return; }
    if (lc_model_open_file(path, NULL, &m) != LOLCAT_OK) { CHECK(0, "cannot open %s", path); return; }
    CHECK_OK(lc_tokenize(m, "Once upon a time", 16, LOLCAT_TOKENIZE_ADD_BOS, toks, 512, &n));
    CHECK(n == 5 && toks[0] == 1 && toks[1] == 403 && toks[2] == 407 && toks[3] == 261 && toks[4] == 378, "ids of 'Once upon a time' (llama2.c: 1 403 407 261 378)");
    CHECK_OK(lc_tokenize(m, text, strlen(text), 0, toks, 512, &n));
    t_detok_all(m, toks, n, back, sizeof back);
    CHECK(strcmp(back, text) == 0, "round trip with byte fallback: '%s'", back);
    CHECK(lc_tokenize(m, text, strlen(text), 0, toks, 3, &n) == LOLCAT_ERR_BUFFER_TOO_SMALL && n > 3, "too-small buffer reports the count");
    CHECK(lc_token_to_piece(m, 600, back, 10, &n) == LOLCAT_ERR_BAD_TOKEN, "invalid token");
    CHECK(lc_chat_template_detect(m) == LOLCAT_CHAT_COMPLETION, "a base model without template is completion");
    lc_model_close(m);
}

/* llama.cpp's tokenizer tests: every string of X.gguf.inp gives the ids on the same line of
   X.gguf.out (no BOS), and decoding gives the string back. */
static void t_vocab_vectors(const char *gguf, int expect_cases) {
    char path[1024];
    unsigned char *inp, *outp;
    size_t n_inp = 0, n_out = 0;
    lc_model *m;
    const char *sep = "\n__ggml_vocab_test__\n";
    char *s, *line;
    int cases = 0, good = 0;
    snprintf(path, sizeof path, "%s/models/llama.cpp-vocab/%s", t_shared_dir(), gguf);
    if (!t_file_exists(path)) { t_skip("../shared/models/llama.cpp-vocab is absent"); return; }
    if (lc_model_open_file(path, NULL, &m) != LOLCAT_OK) { CHECK(0, "cannot open %s", path); return; }
    snprintf(path, sizeof path, "%s/models/llama.cpp-vocab/%s.inp", t_shared_dir(), gguf);
    inp = t_read_file(path, &n_inp);
    snprintf(path, sizeof path, "%s/models/llama.cpp-vocab/%s.out", t_shared_dir(), gguf);
    outp = t_read_file(path, &n_out);
    if (!inp || !outp) { CHECK(0, "cannot read the .inp/.out files of %s", gguf); free(inp); free(outp); lc_model_close(m); return; }
    inp[n_inp] = 0; outp[n_out] = 0;
    s = (char *)inp; line = (char *)outp;
    for (;;) {
        char *end = strstr(s, sep), *eol = strchr(line, '\n'), *q;
        int32_t toks[4096], want[4096];
        size_t n = 0, n_want = 0;
        char back[8192];
        int ok;
        if (!end || !eol) break;
        *end = 0; *eol = 0;
        for (q = line; *q && n_want < 4096;) { long v = strtol(q, &q, 10); want[n_want++] = (int32_t)v; while (*q == ' ') q++; }
        ok = lc_tokenize(m, s, strlen(s), 0, toks, 4096, &n) == LOLCAT_OK && n == n_want && !memcmp(toks, want, n * 4);
        if (!ok) {
            fprintf(stderr, "  %s case %d '%s':", gguf, cases, s);
            t_print_ids("got", toks, n); t_print_ids("want", want, n_want); fprintf(stderr, "\n");
        }
        t_detok_all(m, toks, n, back, sizeof back);
        /* SentencePiece drops the dummy-prefix space of a leading space, as llama.cpp does */
        if (ok && strcmp(back, s) != 0 && !(s[0] == ' ' && strcmp(back, s + 1) == 0)) { ok = 0; fprintf(stderr, "  %s case %d: decode gives '%s'\n", gguf, cases, back); }
        good += ok;
        cases++;
        s = end + strlen(sep);
        line = eol + 1;
    }
    free(inp); free(outp);
    lc_model_close(m);
    CHECK(cases == expect_cases && good == cases, "%s: %d of %d cases", gguf, good, cases);
    printf("  %s: %d/%d llama.cpp vectors exact, decode round-trips\n", gguf, good, cases);
}
static void test_tokenizer_llama_spm(void) { t_vocab_vectors("ggml-vocab-llama-spm.gguf", 46); }
static void test_tokenizer_gpt2(void) { t_vocab_vectors("ggml-vocab-gpt-2.gguf", 46); }

/* ------------------------------------------------------------------------------------------ */
/* Llama 3: tests/data/llama3_tokenizer_tests.txt against the reference JS tokenizer           */
/* ------------------------------------------------------------------------------------------ */
static const char *t_llama3_vocab_path(void) {
    const char *e = getenv("LOLCAT_LLAMA3_VOCAB");
    return e && *e ? e : "build/llama3-vocab.gguf";
}
static int t_hexval(int c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; }
static size_t t_unhex(const char *h, size_t n, char *out) {   /* "-" is empty */
    size_t i, o = 0;
    if (n == 1 && h[0] == '-') return 0;
    for (i = 0; i + 1 < n; i += 2) out[o++] = (char)(t_hexval(h[i]) * 16 + t_hexval(h[i + 1]));
    return o;
}

static void test_tokenizer_llama3(void) {
    const char *vocab = t_llama3_vocab_path(), *data = "tests/data/llama3_tokenizer_tests.txt";
    unsigned char *file;
    size_t size = 0;
    lc_model *m;
    char err[512] = "", *line, *next;
    lc_model_params mp;
    int lines = 0, good_lines = 0, cases = 0, good = 0, strings_p = 0, good_p = 0, roundtrips = 0, good_rt = 0;
    if (!t_file_exists(vocab)) {
        if (getenv("LOLCAT_REQUIRE_LLAMA3")) { CHECK(0, "%s is missing (LOLCAT_REQUIRE_LLAMA3 is set): make build/llama3-vocab.gguf", vocab); return; }
        t_skip("no Llama 3 vocabulary: set LOLCAT_LLAMA3_VOCAB or run `make build/llama3-vocab.gguf` (needs npm)");
        return;
    }
    memset(&mp, 0, sizeof mp);
    mp.error_message = err; mp.error_message_size = sizeof err;
    if (lc_model_open_file(vocab, &mp, &m) != LOLCAT_OK) { CHECK(0, "cannot open %s: %s", vocab, err); return; }
    file = t_read_file(data, &size);
    if (!file) { CHECK(0, "cannot read %s", data); lc_model_close(m); return; }
    file[size] = 0;
    CHECK(lc_model_get_info(m)->n_vocab == 128256 && lc_model_get_info(m)->bos_token == 128000, "Llama 3 vocabulary: %d tokens", lc_model_get_info(m)->n_vocab);
    for (line = (char *)file; line && *line; line = next) {
        char *tab1, *tab2, *q, text[8192], back[16384];
        int32_t want[4096], toks[4096];
        size_t n_text, n_want = 0, n = 0;
        int ok, parse, line_ok = 1;
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        if (line[0] == '#' || !line[0]) continue;
        tab1 = strchr(line, '\t'); tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        if (!tab2 || (size_t)(tab2 - tab1 - 1) / 2 >= sizeof text) { CHECK(0, "bad line in %s: %.40s", data, line); continue; }
        n_text = t_unhex(tab1 + 1, (size_t)(tab2 - tab1 - 1), text);
        for (q = tab2 + 1; *q && *q != '-' && n_want < 4096;) { long v = strtol(q, &q, 10); want[n_want++] = (int32_t)v; while (*q == ' ') q++; }
        for (parse = 0; parse < 2; parse++) {   /* flag p: plain text, s: special tokens parsed */
            if (!memchr(line, parse ? 's' : 'p', (size_t)(tab1 - line))) continue;
            ok = lc_tokenize(m, text, n_text, parse ? LOLCAT_TOKENIZE_PARSE_SPECIAL : 0, toks, 4096, &n) == LOLCAT_OK &&
                 n == n_want && !memcmp(toks, want, n * 4);
            if (!ok && cases - good < 10) {
                fprintf(stderr, "  llama3 case %d (%.*s) '%.*s':", cases, (int)(tab1 - line), line, (int)LOLCAT__MIN(n_text, 60), text);
                t_print_ids("got", toks, n); t_print_ids("want", want, n_want); fprintf(stderr, "\n");
            }
            cases++; good += ok; line_ok &= ok;
            if (!parse) {
                strings_p++; good_p += ok;
                /* decoding gives the text back (plain-text cases: every byte is in some token) */
                roundtrips++;
                if (t_pieces_all(m, toks, n, back, sizeof back) == n_text && !memcmp(back, text, n_text) &&
                    t_detok_all(m, toks, n, back, sizeof back) == n_text && !memcmp(back, text, n_text)) good_rt++;
                else if (roundtrips - good_rt < 5) fprintf(stderr, "  llama3 case %d: decode differs\n", cases - 1);
            }
        }
        lines++; good_lines += line_ok;
    }
    CHECK(lines >= 1200 && good_lines == lines && good == cases, "Llama 3 corpus: %d of %d cases exact", good_lines, lines);
    CHECK(good_p >= 500, "at least 500 distinct strings exact (%d)", good_p);
    CHECK(good_rt == roundtrips, "round trips: %d of %d", good_rt, roundtrips);
    printf("  llama3: %d/%d cases exact (%d/%d strings as plain text, %d/%d tokenizations), %d/%d decode round trips\n",
           good_lines, lines, good_p, strings_p, good, cases, good_rt, roundtrips);
    {   /* a chat prompt: markers become the control tokens, BOS from the vocabulary's add_bos */
        const lc_chat_message msgs[2] = {{"system", "Be brief."}, {"user", "Hi!"}};
        char buf[512];
        size_t len, nt;
        int32_t ids[128];
        static const int32_t want[] = {128000, 128006, 9125, 128007, 271, 3513, 10015, 13, 128009, 128006, 882, 128007, 271,
                                       13347, 0, 128009, 128006, 78191, 128007, 271};
        CHECK(lc_chat_template_detect(m) == LOLCAT_CHAT_LLAMA3, "Llama 3 template detected from tokenizer.chat_template");
        CHECK_OK(lc_chat_render(LOLCAT_CHAT_LLAMA3, msgs, 2, 1, buf, sizeof buf, &len));
        CHECK_OK(lc_tokenize(m, buf, len, LOLCAT_TOKENIZE_ADD_BOS | LOLCAT_TOKENIZE_PARSE_SPECIAL, ids, 128, &nt));
        CHECK(nt == sizeof want / sizeof want[0] && !memcmp(ids, want, sizeof want), "chat prompt ids (%d tokens)", (int)nt);
        if (nt != sizeof want / sizeof want[0] || memcmp(ids, want, sizeof want)) { t_print_ids("got", ids, nt); fprintf(stderr, "\n"); }
        CHECK(lc_token_is_eog(m, 128009) && lc_token_is_eog(m, 128001) && !lc_token_is_eog(m, 128006), "eot_id and end_of_text end a reply");
    }
    free(file);
    lc_model_close(m);
}

/* ------------------------------------------------------------------------------------------ */
/* Byte-level BPE on vocabularies built here                                                  */
/* ------------------------------------------------------------------------------------------ */
/* The 256 tokens of GPT-2's byte alphabet (ids 0..255 in byte order), then extra tokens. */
typedef struct t_bpe_vocab { const char *toks[400]; int32_t types[400]; int n; char store[256][4]; } t_bpe_vocab;
static void t_bpe_init(t_bpe_vocab *v) {
    int b;
    memset(v, 0, sizeof *v);
    for (b = 0; b < 256; b++) {
        size_t l = lc__utf8_put(lc__gpt2_byte_to_cp((unsigned)b), v->store[b]);
        v->store[b][l] = 0;
        v->toks[b] = v->store[b];
        v->types[b] = 1;
    }
    v->n = 256;
}
static int32_t t_bpe_add(t_bpe_vocab *v, const char *text, int32_t type) { v->toks[v->n] = text; v->types[v->n] = type; return v->n++; }
static unsigned char *t_bpe_gguf(const t_bpe_vocab *v, const char *pre, const char *const *merges, int n_merges, size_t *size) {
    tg_gguf g;
    unsigned char *out;
    tg_init(&g);
    tg_kv_str(&g, "general.architecture", "gpt2");
    tg_kv_str(&g, "tokenizer.ggml.model", "gpt2");
    if (pre) tg_kv_str(&g, "tokenizer.ggml.pre", pre);
    tg_kv_str_arr(&g, "tokenizer.ggml.tokens", v->toks, v->n);
    tg_kv_i32_arr(&g, "tokenizer.ggml.token_type", v->types, v->n);
    if (merges) tg_kv_str_arr(&g, "tokenizer.ggml.merges", merges, n_merges);
    out = tg_finish(&g, size);
    tg_free(&g);
    return out;
}
static lc_result t_open_mem(const unsigned char *buf, size_t n, lc_model **m, char *err, size_t err_cap) {
    lc_model_params mp;
    memset(&mp, 0, sizeof mp);
    mp.error_message = err; mp.error_message_size = err_cap;
    return lc_model_open_memory(buf, n, &mp, m);
}
static int t_ids_are(const lc_model *m, const char *text, int flags, const int32_t *want, size_t n_want) {
    int32_t toks[256];
    size_t n = 0;
    int ok = lc_tokenize(m, text, strlen(text), flags, toks, 256, &n) == LOLCAT_OK && n == n_want && !memcmp(toks, want, n * 4);
    if (!ok) { fprintf(stderr, "  '%s':", text); t_print_ids("got", toks, n); t_print_ids("want", want, n_want); fprintf(stderr, "\n"); }
    return ok;
}

static void test_tokenizer_bpe_small(void) {
    t_bpe_vocab v;
    int32_t ab, abc, bc, hi, hello, user_tok, ctrl, aa, aaaa;
    /* "a b" merges first (rank 0), then "ab c"; "b c" (rank 2) loses to it. "he llo" (rank 4)
       can only apply after "h e" and "ll o", which rank below it. */
    const char *merges[] = {"a b", "ab c", "b c", "h i", "he llo", "h e", "l l", "ll o", "x q", "a a", "aa aa"};
    unsigned char *buf;
    size_t size;
    lc_model *m = NULL;
    char err[256] = "", back[1024];
    t_bpe_init(&v);
    ab = t_bpe_add(&v, "ab", 1); abc = t_bpe_add(&v, "abc", 1); bc = t_bpe_add(&v, "bc", 1); hi = t_bpe_add(&v, "hi", 1);
    t_bpe_add(&v, "he", 1); t_bpe_add(&v, "ll", 1); t_bpe_add(&v, "llo", 1); hello = t_bpe_add(&v, "hello", 1);
    user_tok = t_bpe_add(&v, "<tool>", 4); ctrl = t_bpe_add(&v, "<|end|>", 3);
    aa = t_bpe_add(&v, "aa", 1); aaaa = t_bpe_add(&v, "aaaa", 1);
    buf = t_bpe_gguf(&v, "gpt-2", merges, 11, &size);
    CHECK_OK(t_open_mem(buf, size, &m, err, sizeof err));
    if (!m) { fprintf(stderr, "  %s\n", err); free(buf); return; }
    {
        const int32_t w1[] = {abc}, w2[] = {'c', ab}, w3[] = {hello}, w4[] = {'x', 'q'}, w5[] = {'x', bc};
        const int32_t w6[] = {aa, 'a'}, w7[] = {aaaa, aa, 'a'};
        CHECK(t_ids_are(m, "abc", 0, w1, 1), "ranked merges: a+b before b+c, then ab+c");
        CHECK(t_ids_are(m, "cab", 0, w2, 2), "merge inside a word");
        CHECK(t_ids_are(m, "hello", 0, w3, 1), "a merge of lower rank that becomes possible later");
        CHECK(t_ids_are(m, "xq", 0, w4, 2), "a merge whose result is not a token never applies");
        CHECK(t_ids_are(m, "xbc", 0, w5, 2), "b+c when no a+b competes");
        CHECK(t_ids_are(m, "aaa", 0, w6, 2), "ties go to the leftmost pair");
        CHECK(t_ids_are(m, "aaaaaaa", 0, w7, 3), "all a+a merges (rank 9) before aa+aa (rank 10)");
    }
    {   /* GPT-2 byte alphabet: ' ' is U+0120 'Ġ' = token 32 here (ids are bytes) */
        int32_t toks[64];
        size_t n;
        CHECK_OK(lc_tokenize(m, " hi", 3, 0, toks, 64, &n));
        CHECK(n == 2 && toks[0] == ' ' && toks[1] == hi, "' hi' is Ġ + hi (no 'Ġ h' merge)");
        /* user-defined tokens are cut out without PARSE_SPECIAL, control tokens only with it */
        CHECK_OK(lc_tokenize(m, "a<tool>b<|end|>", 15, 0, toks, 64, &n));
        CHECK(n == 10 && toks[0] == 'a' && toks[1] == user_tok && toks[2] == 'b' && toks[3] == '<', "user-defined token parsed, control token as text (%d ids)", (int)n);
        CHECK_OK(lc_tokenize(m, "a<tool>b<|end|>", 15, LOLCAT_TOKENIZE_PARSE_SPECIAL, toks, 64, &n));
        CHECK(n == 4 && toks[1] == user_tok && toks[3] == ctrl, "control token parsed with PARSE_SPECIAL");
        CHECK(lc_token_to_piece(m, user_tok, back, sizeof back, &n) == LOLCAT_OK && n == 6 && !memcmp(back, "<tool>", 6), "user-defined token decodes verbatim");
        CHECK(lc_token_to_piece(m, ctrl, back, sizeof back, &n) == LOLCAT_OK && n == 0, "control token decodes to nothing");
    }
    {   /* a 200 kB word goes through the heap in O(n log n) */
        size_t nbig = 200001, n, i, ok = 1;
        char *big = (char *)malloc(nbig);
        int32_t *toks = (int32_t *)malloc(nbig * sizeof(int32_t));
        memset(big, 'a', nbig);
        CHECK_OK(lc_tokenize(m, big, nbig, 0, toks, nbig, &n));
        for (i = 0; i + 1 < n; i++) ok &= toks[i] == aaaa;
        CHECK(n == nbig / 4 + 1 && ok && toks[n - 1] == 'a', "200001 'a': 50000 'aaaa' and one 'a' (%d ids)", (int)n);
        free(big); free(toks);
    }
    {   /* every byte string comes back byte for byte, whatever the pre-tokenizer does with it */
        int trial, ok = 1;
        for (trial = 0; trial < 300 && ok; trial++) {
            char text[200];
            int32_t toks[400];
            size_t n, len = (size_t)(t_rand() % 200), i;
            for (i = 0; i < len; i++) {
                uint32_t r = t_rand();
                text[i] = (char)(r % 4 == 0 ? (uint32_t)(unsigned char)"abc hi\n\r\t'sxq"[r / 4 % 14] : r % 4 == 1 ? 0x80 + r / 4 % 64 : r % 4 == 2 ? 0xc0 + r / 4 % 64 : r / 4 % 256);
            }
            ok = lc_tokenize(m, text, len, 0, toks, 400, &n) == LOLCAT_OK && t_pieces_all(m, toks, n, back, sizeof back) == len && !memcmp(back, text, len);
        }
        CHECK(ok, "random bytes (invalid UTF-8 included) round-trip exactly, trial %d", trial);
    }
    lc_model_close(m); free(buf);

    /* the same vocabulary, hostile metadata */
    {
        const char *one[] = {"a b"};
        const char *odd[] = {"abc", "a", "", "zz top", " a", "a ", "  ", "\xff\xfe b", "b c", "a b"};
        buf = t_bpe_gguf(&v, "gpt-2", NULL, 0, &size);
        CHECK(t_open_mem(buf, size, &m, err, sizeof err) == LOLCAT_ERR_CORRUPT && m == NULL, "missing merges: %s", err);
        free(buf);
        buf = t_bpe_gguf(&v, "gpt-2", odd, 10, &size);   /* no separator, unknown parts, a duplicate: all inert */
        CHECK_OK(t_open_mem(buf, size, &m, err, sizeof err));
        if (m) {
            const int32_t w[] = {'a', bc};
            CHECK(t_ids_are(m, "abc", 0, w, 2), "inert merges ignored; 'b c' (rank 8) before 'a b' (rank 9)");
            lc_model_close(m);
        }
        free(buf);
        buf = t_bpe_gguf(&v, "qwen2", one, 1, &size);   /* a split we do not implement */
        CHECK_OK(t_open_mem(buf, size, &m, err, sizeof err));
        if (m) {
            int32_t toks[8];
            size_t n;
            CHECK(lc_tokenize(m, "ab", 2, 0, toks, 8, &n) == LOLCAT_ERR_UNSUPPORTED, "unknown pre-tokenizer: tokenize says unsupported");
            CHECK(lc_token_to_piece(m, ab, back, sizeof back, &n) == LOLCAT_OK && n == 2, "but ids still decode");
            lc_model_close(m);
        }
        free(buf);
    }
    {   /* Llama 3 style (ignore_merges): a word equal to a control token's text stays plain text */
        t_bpe_vocab w;
        const char *merges2[] = {"c t"};
        int32_t ct, ctl;
        t_bpe_init(&w);
        ct = t_bpe_add(&w, "ct", 1); ctl = t_bpe_add(&w, "ctl", 3);
        buf = t_bpe_gguf(&w, "llama-bpe", merges2, 1, &size);
        CHECK_OK(t_open_mem(buf, size, &m, err, sizeof err));
        if (m) {
            const int32_t plain[] = {ct, 'l'}, special[] = {ctl}, word[] = {ct};
            CHECK(t_ids_are(m, "ctl", 0, plain, 2), "whole-word lookup skips control tokens");
            CHECK(t_ids_are(m, "ctl", LOLCAT_TOKENIZE_PARSE_SPECIAL, special, 1), "PARSE_SPECIAL finds it");
            CHECK(t_ids_are(m, "ct", 0, word, 1), "whole-word lookup of a normal token");
            lc_model_close(m);
        }
        free(buf);
    }
    {   /* a vocabulary missing most byte tokens, with a huge token text: no crash, no garbage */
        t_bpe_vocab w;
        const char *merges2[] = {"a a"};
        char *huge = (char *)malloc(300001);
        size_t n;
        int32_t toks[64];
        memset(&w, 0, sizeof w);
        memset(huge, 'z', 300000); huge[300000] = 0;
        t_bpe_add(&w, "a", 1); t_bpe_add(&w, "aa", 1); t_bpe_add(&w, huge, 1); t_bpe_add(&w, "<unk>", 2);
        buf = t_bpe_gguf(&w, NULL, merges2, 1, &size);
        CHECK_OK(t_open_mem(buf, size, &m, err, sizeof err));
        if (m) {
            char *out = (char *)malloc(300010);
            lc_detokenizer d;
            CHECK_OK(lc_tokenize(m, "aaa b", 5, 0, toks, 64, &n));
            CHECK(n == 2 && toks[0] == 1 && toks[1] == 0, "bytes without a token are dropped (no unk id): %d ids", (int)n);
            lc_detokenizer_init(&d);
            CHECK(lc_detokenize(m, &d, 2, out, 10, &n) == LOLCAT_ERR_BUFFER_TOO_SMALL && n == 300000, "long piece: size reported");
            CHECK(lc_detokenize(m, &d, 2, out, 300010, &n) == LOLCAT_OK && n == 300000 && out[299999] == 'z', "long piece decoded");
            free(out);
            lc_model_close(m);
        }
        free(buf); free(huge);
    }
}

/* The header's compact class table agrees with the generator's range tables on every codepoint
   (both come from tools/gen_unicode_tables.py; the .inc is what the JS reference was checked with). */
static void test_unicode_classes(void) {
    unsigned int cp;
    long bad = 0, counts[4] = {0, 0, 0, 0};
    for (cp = 0; cp < 0x110000; cp++) {
        int want = lc__unicode_is_letter(cp) ? LOLCAT__CL_LETTER : lc__unicode_is_number(cp) ? LOLCAT__CL_NUMBER :
                   lc__unicode_is_space(cp) ? LOLCAT__CL_SPACE : LOLCAT__CL_OTHER;
        int got = lc__unicode_class(cp);
        counts[got]++;
        if (got != want && bad++ < 5) fprintf(stderr, "  U+%04X: class %d, tables say %d\n", cp, got, want);
    }
    CHECK(bad == 0, "%ld codepoints disagree", bad);
    CHECK(counts[LOLCAT__CL_SPACE] == 25 && counts[LOLCAT__CL_LETTER] > 130000 && counts[LOLCAT__CL_NUMBER] > 1700,
          "class sizes: %ld letters, %ld numbers, %ld spaces", counts[1], counts[2], counts[3]);
    CHECK(lc__unicode_class(LOLCAT__NOT_UTF8) == LOLCAT__CL_OTHER, "invalid bytes are 'other'");
}

/* Every allocation of loading a BPE vocabulary and tokenizing may fail: clean error, no leak. */
static void test_tokenizer_oom(void) {
    t_bpe_vocab v;
    const char *merges[] = {"a b", "ab c", "h i", "x y", "q"};
    unsigned char *buf;
    size_t size;
    long total;
    int ok;
    lc_model_params mp;
    t_oom_open st;
    char text[300];
    memset(text, 'a', sizeof text);
    memcpy(text + 100, " hi <|x|> abc\n\n", 16);
    t_bpe_init(&v);
    t_bpe_add(&v, "ab", 1); t_bpe_add(&v, "abc", 1); t_bpe_add(&v, "hi", 1); t_bpe_add(&v, "<|x|>", 3);
    buf = t_bpe_gguf(&v, "llama-bpe", merges, 5, &size);
    memset(&mp, 0, sizeof mp);
    mp.allocator.alloc = t_counting_alloc; mp.allocator.free = t_counting_free;
    memset(&st, 0, sizeof st);
    st.bytes = buf; st.n = size; st.mp = &mp;
    st.text = text; st.text_len = sizeof text; st.tokenize_flags = LOLCAT_TOKENIZE_PARSE_SPECIAL;
    ok = t_fail_each_allocation(t_oom_open_step, &st, "open + tokenize", &total);
    CHECK(ok && total > 10, "%ld allocations, each failure clean", total);
    free(buf);
}

/* Streaming decode holds partial characters and never emits broken UTF-8. */
static void test_detokenizer_stream(void) {
    t_bpe_vocab v;
    const char *merges[] = {"a b"};
    unsigned char *buf;
    size_t size, n, total = 0;
    lc_model *m = NULL;
    lc_detokenizer d, saved;
    char err[256], out[64];
    t_bpe_init(&v);
    buf = t_bpe_gguf(&v, "gpt-2", merges, 1, &size);
    if (t_open_mem(buf, size, &m, err, sizeof err) != LOLCAT_OK) { CHECK(0, "open: %s", err); free(buf); return; }
    lc_detokenizer_init(&d);
    /* U+1F999 (4 bytes) arrives one byte-token at a time */
    CHECK(lc_detokenize(m, &d, 0xf0, out, sizeof out, &n) == LOLCAT_OK && n == 0, "lead byte held");
    CHECK(lc_detokenize(m, &d, 0x9f, out, sizeof out, &n) == LOLCAT_OK && n == 0, "continuation held");
    CHECK(lc_detokenize(m, &d, 0xa6, out, sizeof out, &n) == LOLCAT_OK && n == 0, "continuation held");
    saved = d;
    CHECK(lc_detokenize(m, &d, 0x99, out, 2, &n) == LOLCAT_ERR_BUFFER_TOO_SMALL && n == 4 && !memcmp(&saved, &d, sizeof d), "too small: state unchanged");
    CHECK(lc_detokenize(m, &d, 0x99, out, sizeof out, &n) == LOLCAT_OK && n == 4 && !memcmp(out, "\xf0\x9f\xa6\x99", 4), "complete character emitted");
    /* invalid sequences become U+FFFD; what follows is not swallowed */
    CHECK(lc_detokenize(m, &d, 0xe2, out, sizeof out, &n) == LOLCAT_OK && n == 0, "3-byte lead held");
    CHECK(lc_detokenize(m, &d, 'x', out, sizeof out, &n) == LOLCAT_OK && n == 4 && !memcmp(out, "\xef\xbf\xbdx", 4), "broken character: U+FFFD then x");
    CHECK(lc_detokenize(m, &d, 0xed, out, sizeof out, &n) == LOLCAT_OK && n == 0, "ED held");
    CHECK(lc_detokenize(m, &d, 0xa0, out, sizeof out, &n) == LOLCAT_OK && n == 6, "surrogate (ED A0) refused: two U+FFFD");
    CHECK(lc_detokenize(m, &d, 0xc0, out, sizeof out, &n) == LOLCAT_OK && n == 3, "C0 is never valid");
    CHECK(lc_detokenize(m, &d, 0xc3, out, sizeof out, &n) == LOLCAT_OK && n == 0, "C3 held");
    CHECK(lc_detokenizer_flush(&d, out, sizeof out, &n) == LOLCAT_OK && n == 3 && d.n_pending == 0, "flush turns the pending byte into U+FFFD");
    CHECK(lc_detokenizer_flush(&d, out, sizeof out, &n) == LOLCAT_OK && n == 0, "second flush: nothing");
    CHECK(lc_detokenize(m, &d, 300, out, sizeof out, &n) == LOLCAT_ERR_BAD_TOKEN, "bad token");
    (void)total;
    lc_model_close(m); free(buf);
}

/* ------------------------------------------------------------------------------------------ */
/* chat templates                                                                             */
/* ------------------------------------------------------------------------------------------ */
static int t_render_is(lc_chat_template t, const lc_chat_message *msgs, size_t n, int prefix, const char *want) {
    char buf[2048];
    size_t len = 0;
    lc_result r = lc_chat_render(t, msgs, n, prefix, buf, sizeof buf, &len);
    int ok = r == LOLCAT_OK && len == strlen(want) && strcmp(buf, want) == 0;
    if (!ok) fprintf(stderr, "  %s render: %s\n   got  [%s]\n   want [%s]\n", lc_chat_template_name(t), lc_result_string(r), r == LOLCAT_OK ? buf : "", want);
    return ok;
}

/* tests/data/chat_template_tests.txt: renders of the official templates by the reference
   Jinja engine (tools/gen_chat_template_tests.mjs). Line: NAME TAB PREFIX TAB MSGS TAB HEX,
   MSGS = role:hexcontent,... */
static void test_chat_reference(void) {
    const char *data = "tests/data/chat_template_tests.txt";
    unsigned char *file;
    size_t size = 0;
    char *line, *next;
    int cases = 0, good = 0;
    file = t_read_file(data, &size);
    if (!file) { CHECK(0, "cannot read %s", data); return; }
    file[size] = 0;
    for (line = (char *)file; line && *line; line = next) {
        char *f[4], *p, want[4096], contents[8][1024], roles[8][32], got[4096];
        lc_chat_message msgs[8];
        size_t n_msgs = 0, len = 0, wl;
        int k, t;
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        if (line[0] == '#' || !line[0]) continue;
        f[0] = line;
        for (k = 1; k < 4; k++) { f[k] = strchr(f[k - 1], '\t'); if (!f[k]) break; *f[k]++ = 0; }
        if (k < 4 || (t = lc_chat_template_from_name(f[0])) < 0) { CHECK(0, "bad line in %s", data); continue; }
        for (p = f[2]; *p && n_msgs < 8;) {
            char *colon = strchr(p, ':'), *comma;
            if (!colon) break;
            comma = strchr(colon, ',');
            if (!comma) comma = colon + strlen(colon);
            snprintf(roles[n_msgs], sizeof roles[0], "%.*s", (int)(colon - p), p);
            contents[n_msgs][t_unhex(colon + 1, (size_t)(comma - colon - 1), contents[n_msgs])] = 0;
            msgs[n_msgs].role = roles[n_msgs]; msgs[n_msgs].content = contents[n_msgs];
            n_msgs++;
            p = *comma ? comma + 1 : comma;
        }
        wl = t_unhex(f[3], strlen(f[3]), want);
        want[wl] = 0;
        cases++;
        if (lc_chat_render((lc_chat_template)t, msgs, n_msgs, atoi(f[1]), got, sizeof got, &len) == LOLCAT_OK && len == wl && !memcmp(got, want, wl)) good++;
        else fprintf(stderr, "  %s case %d:\n   got  [%.*s]\n   want [%s]\n", f[0], cases, (int)LOLCAT__MIN(len, sizeof got), got, want);
    }
    CHECK(cases >= 20 && good == cases, "chat templates vs the reference Jinja renders: %d of %d", good, cases);
    printf("  chat templates: %d/%d renders equal the official templates' (reference Jinja)\n", good, cases);
    free(file);
}

static void test_chat_templates(void) {
    const lc_chat_message conv[] = {{"system", "You are terse."}, {"user", "Hi"}, {"assistant", " Hello! "}, {"user", "Bye"}};
    char small[8];
    size_t len;
    /* the Mistral system message waits for the user message; render is per message */
    CHECK(t_render_is(LOLCAT_CHAT_MISTRAL, conv, 4, 1, "[INST] You are terse.\nHi [/INST] Hello! </s>[INST] Bye [/INST]"), "mistral with system");
    CHECK(t_render_is(LOLCAT_CHAT_LLAMA3, conv, 3, 0, "<|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                      "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"), "llama3 trims");
    CHECK(t_render_is(LOLCAT_CHAT_CHATML, conv + 1, 1, 1, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"), "chatml");
    CHECK(t_render_is(LOLCAT_CHAT_COMPLETION, conv, 4, 1, "You are terse.Hi Hello! Bye"), "completion concatenates");
    CHECK(t_render_is(LOLCAT_CHAT_LLAMA3, conv, 0, 1, "<|start_header_id|>assistant<|end_header_id|>\n\n"), "empty conversation: the prefix");
    {   /* per-message rendering: turn by turn equals all at once */
        lc_chat_template t;
        for (t = LOLCAT_CHAT_COMPLETION; t <= LOLCAT_CHAT_CHATML; t = (lc_chat_template)(t + 1)) {
            char all[1024], parts[1024];
            size_t la, lp = 0, l;
            lc_chat_render(t, conv, 4, 0, all, sizeof all, &la);
            lc_chat_render(t, conv, 2, 0, parts, sizeof parts, &l); lp += l;
            lc_chat_render(t, conv + 2, 1, 0, parts + lp, sizeof parts - lp, &l); lp += l;
            lc_chat_render(t, conv + 3, 1, 0, parts + lp, sizeof parts - lp, &l); lp += l;
            CHECK(la == lp && !memcmp(all, parts, la), "%s: turn-by-turn render equals the whole", lc_chat_template_name(t));
        }
    }
    CHECK(lc_chat_render(LOLCAT_CHAT_CHATML, conv, 2, 1, small, sizeof small, &len) == LOLCAT_ERR_BUFFER_TOO_SMALL && len > 8, "too small reports the length");
    CHECK(lc_chat_render(LOLCAT_CHAT_CHATML, conv, 2, 1, NULL, 0, &len) == LOLCAT_ERR_BUFFER_TOO_SMALL && len > 8, "size query with NULL");
    CHECK(lc_chat_render((lc_chat_template)9, conv, 2, 1, small, sizeof small, &len) == LOLCAT_ERR_INVALID_ARGUMENT, "bad template");
    {
        lc_chat_message bad = {"user", NULL};
        CHECK(lc_chat_render(LOLCAT_CHAT_CHATML, &bad, 1, 1, small, sizeof small, &len) == LOLCAT_ERR_INVALID_ARGUMENT, "NULL content");
    }
    CHECK(lc_chat_template_from_name("llama3") == LOLCAT_CHAT_LLAMA3 && lc_chat_template_from_name("nope") == -1 &&
          lc_chat_template_from_name(NULL) == -1 && !strcmp(lc_chat_template_name(LOLCAT_CHAT_MISTRAL), "mistral"), "names");
    CHECK(!strcmp(lc_chat_template_end_of_turn(LOLCAT_CHAT_LLAMA3), "<|eot_id|>") && !strcmp(lc_chat_template_end_of_turn(LOLCAT_CHAT_COMPLETION), ""), "end of turn");
    {   /* detection: tokenizer.chat_template first, vocabulary tokens second */
        static const struct { const char *tmpl; const char *extra_token; lc_chat_template want; } cases[] = {
            {"{{ bos_token }}{% for m in messages %}[INST] {{ m['content'] }} [/INST]{% endfor %}", NULL, LOLCAT_CHAT_MISTRAL},
            {"{% for m in messages %}<|im_start|>{{ m.role }}{% endfor %}", NULL, LOLCAT_CHAT_CHATML},
            {"<|start_header_id|>", NULL, LOLCAT_CHAT_LLAMA3},
            {"something else", NULL, LOLCAT_CHAT_COMPLETION},
            {NULL, "<|im_start|>", LOLCAT_CHAT_CHATML},
            {NULL, NULL, LOLCAT_CHAT_COMPLETION}};
        size_t c;
        for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            t_bpe_vocab v;
            const char *merges[] = {"a b"};
            tg_gguf g;
            unsigned char *buf;
            size_t size;
            lc_model *m = NULL;
            char err[256];
            t_bpe_init(&v);
            t_bpe_add(&v, "<|im_end|>", 3);
            if (cases[c].extra_token) t_bpe_add(&v, cases[c].extra_token, 3);
            tg_init(&g);
            tg_kv_str(&g, "tokenizer.ggml.model", "gpt2");
            tg_kv_str_arr(&g, "tokenizer.ggml.tokens", v.toks, v.n);
            tg_kv_i32_arr(&g, "tokenizer.ggml.token_type", v.types, v.n);
            tg_kv_str_arr(&g, "tokenizer.ggml.merges", merges, 1);
            if (cases[c].tmpl) tg_kv_str(&g, "tokenizer.chat_template", cases[c].tmpl);
            buf = tg_finish(&g, &size);
            tg_free(&g);
            if (t_open_mem(buf, size, &m, err, sizeof err) == LOLCAT_OK) {
                CHECK(lc_chat_template_detect(m) == cases[c].want, "detect case %d: %s", (int)c, lc_chat_template_name(lc_chat_template_detect(m)));
                CHECK(lc_token_is_eog(m, 256), "<|im_end|> (control) ends a reply");
                lc_model_close(m);
            } else CHECK(0, "open: %s", err);
            free(buf);
        }
    }
}

#define T_TOKENIZER_SUITES \
    {"tokenizer/stories", test_tokenizer_stories}, \
    {"tokenizer/llama_spm", test_tokenizer_llama_spm}, \
    {"tokenizer/gpt2", test_tokenizer_gpt2}, \
    {"tokenizer/llama3", test_tokenizer_llama3}, \
    {"tokenizer/unicode_classes", test_unicode_classes}, \
    {"tokenizer/bpe_small", test_tokenizer_bpe_small}, \
    {"tokenizer/out_of_memory", test_tokenizer_oom}, \
    {"tokenizer/detokenizer_stream", test_detokenizer_stream}, \
    {"chat/templates", test_chat_templates}, \
    {"chat/reference_renders", test_chat_reference},
