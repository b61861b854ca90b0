/* Fuzz harness bodies. The libFuzzer drivers (fuzz/fuzz_*.c) call them, and the unit tests
   (tests/test_security.c) replay every input under tests/data/regress/ through them, so a crash
   found once stays fixed. Include after the lolcat.h implementation and tests/test_util.h.

   Each harness checks invariants beyond "no crash": failures come with a message and leave
   nothing allocated, frees get back the size that was allocated, a model that loads also runs,
   a refused state blob leaves the context byte-for-byte unchanged. FZ_FAIL aborts (libFuzzer
   then saves the input); the unit tests redefine it to a failed CHECK. */
#ifndef LOLCAT_FUZZ_HARNESS_H
#define LOLCAT_FUZZ_HARNESS_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#ifndef FZ_FAIL
#define FZ_FAIL(...) do { fprintf(stderr, "fuzz invariant: "); fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); abort(); } while (0)
#endif
#define FZ_REQUIRE(cond, ...) do { if (!(cond)) FZ_FAIL(__VA_ARGS__); } while (0)

/* ---- a budgeted allocator that checks sizes ----------------------------------------------- */
/* Refuses one allocation over limit_one or a live total over limit_total (so a tiny file that
   declares a huge context exercises the out-of-memory path instead of exhausting the machine),
   and checks that every free receives the size its allocation had. */
typedef struct fz_budget { size_t live, limit_one, limit_total; long n_alloc; } fz_budget;

static void *fz_alloc(size_t n, void *ud) {
    fz_budget *b = (fz_budget *)ud;
    unsigned char *p;
    if (n > b->limit_one || n > b->limit_total - b->live) return NULL;
    p = (unsigned char *)malloc(n + 16);
    if (!p) return NULL;
    memcpy(p, &n, sizeof n);
    b->live += n;
    b->n_alloc++;
    return p + 16;
}
static void fz_free(void *ptr, size_t n, void *ud) {
    fz_budget *b = (fz_budget *)ud;
    unsigned char *p;
    size_t had;
    if (!ptr) return;
    p = (unsigned char *)ptr - 16;
    memcpy(&had, p, sizeof had);
    FZ_REQUIRE(had == n, "free of %zu bytes got size %zu", had, n);
    b->live -= n;
    b->n_alloc--;
    free(p);
}
static lc_allocator fz_allocator(fz_budget *b, size_t limit_one, size_t limit_total) {
    lc_allocator a;
    b->live = 0; b->n_alloc = 0; b->limit_one = limit_one; b->limit_total = limit_total;
    a.alloc = fz_alloc; a.free = fz_free; a.user = b;
    return a;
}

static int fz_all_finite(const float *x, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) if (!(x[i] - x[i] == 0.0f)) return 0;
    return 1;
}

/* ---- tokenizer checks shared by the harnesses ---------------------------------------------- */
/* Tokenizes text; checks ids, the size protocol and streaming detokenization. Returns the
   number of tokens (or -1 if the tokenizer refused) and the decoded text in *decoded. */
static long fz_tokenize_check(const lc_model *m, const char *text, size_t len, int flags, char *decoded, size_t dec_cap,
                              size_t *dec_len) {
    int32_t small[4], *toks;
    size_t n = 0, n2 = 0, i, o = 0;
    int n_vocab = lc_model_get_info(m)->n_vocab;
    lc_detokenizer d;
    lc_result r = lc_tokenize(m, text, len, flags, small, 4, &n);
    *dec_len = 0;
    if (r != LOLCAT_OK && r != LOLCAT_ERR_BUFFER_TOO_SMALL) return -1;
    FZ_REQUIRE((r == LOLCAT_OK) == (n <= 4), "tokenize: result %s with %zu tokens and cap 4", lc_result_string(r), n);
    toks = (int32_t *)malloc((n ? n : 1) * sizeof *toks);
    FZ_REQUIRE(toks != NULL, "harness out of memory");
    r = lc_tokenize(m, text, len, flags, toks, n, &n2);
    FZ_REQUIRE(r == LOLCAT_OK && n2 == n, "tokenize with the reported size: %s, %zu vs %zu", lc_result_string(r), n2, n);
    FZ_REQUIRE(n <= 4 || memcmp(small, toks, sizeof small) == 0, "tokenize: a short buffer got other ids");
    lc_detokenizer_init(&d);
    for (i = 0; i < n; i++) {
        size_t l = 0;
        FZ_REQUIRE(toks[i] >= 0 && toks[i] < n_vocab, "token %d out of range [0, %d)", toks[i], n_vocab);
        r = lc_detokenize(m, &d, toks[i], decoded + o, dec_cap - o, &l);
        if (r == LOLCAT_OK) o += l;
    }
    {
        size_t l = 0;
        r = lc_detokenizer_flush(&d, decoded + o, dec_cap - o, &l);
        if (r == LOLCAT_OK) o += l;
    }
    *dec_len = o;
    free(toks);
    return (long)n;
}

/* Every token's piece, text and lookup (at most max_tokens of them). */
static void fz_vocab_walk(const lc_model *m, int max_tokens) {
    int n_vocab = lc_model_get_info(m)->n_vocab, t;
    char piece[64];
    for (t = 0; t < n_vocab && t < max_tokens; t++) {
        const char *text; size_t len, plen;
        lc_result r = lc_token_text(m, t, &text, &len);
        if (r != LOLCAT_OK) break;
        {
            int32_t id = lc_token_lookup(m, text, len);
            const char *t2; size_t l2;
            FZ_REQUIRE(id >= 0 && id <= t, "lookup of token %d's own text gives %d", t, id);
            FZ_REQUIRE(lc_token_text(m, id, &t2, &l2) == LOLCAT_OK && l2 == len && memcmp(t2, text, len) == 0, "lookup of token %d finds other text", t);
        }
        r = lc_token_to_piece(m, t, piece, sizeof piece, &plen);
        FZ_REQUIRE(r == LOLCAT_OK || r == LOLCAT_ERR_BUFFER_TOO_SMALL, "token_to_piece(%d): %s", t, lc_result_string(r));
        if (r == LOLCAT_ERR_BUFFER_TOO_SMALL) FZ_REQUIRE(plen > sizeof piece, "piece size protocol");
        (void)lc_token_is_eog(m, t);
    }
    {
        size_t plen;
        lc_result r = lc_token_to_piece(m, n_vocab, piece, sizeof piece, &plen);
        FZ_REQUIRE(r == LOLCAT_ERR_BAD_TOKEN || r == LOLCAT_ERR_NO_VOCAB, "token n_vocab must be refused: %s", lc_result_string(r));
    }
}

static const char *const fz_texts[] = {
    "Once upon a time, there was a little girl named Lily.",
    "  leading spaces and\ttabs\nnewlines  ",
    "<s>special</s> <|im_end|> <|eot_id|> <unk>",
    "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad\xe6\x96\x87 \xe2\x96\x81",
    "\xff\xfe\xc3\x28\xe2\x82 broken utf-8 \xed\xa0\x80 \xf4\x90\x80\x80",
    "",
};

/* ---- GGUF loader from memory ---------------------------------------------------------------- */
/* Opens the bytes as a model; when it loads, creates a context, evaluates a few tokens in a
   prefill and a decode step, saves and restores the state, tokenizes and samples. */
static void fz_gguf_run(const uint8_t *data, size_t size, int deep_vocab) {
    fz_budget b;
    lc_model_params mp;
    lc_model *m = NULL;
    char err[512];
    lc_result r;
    const lc_model_info *info;
    int i;
    memset(&mp, 0, sizeof mp);
    mp.allocator = fz_allocator(&b, (size_t)64 << 20, (size_t)256 << 20);
    mp.error_message = err; mp.error_message_size = sizeof err;
    err[0] = 0;
    r = lc_model_open_memory(data, size, &mp, &m);
    if (r != LOLCAT_OK) {
        FZ_REQUIRE(m == NULL, "failed open left a model");
        FZ_REQUIRE(err[0] != 0, "open failed (%s) without a message", lc_result_string(r));
        FZ_REQUIRE(b.live == 0 && b.n_alloc == 0, "failed open leaks %zu bytes", b.live);
        return;
    }
    info = lc_model_get_info(m);
    FZ_REQUIRE(info && info->n_vocab > 0, "loaded model without a vocabulary size");
    {   /* metadata and tensor API */
        const char *s; size_t n; int64_t iv; double dv;
        lc_tensor_info ti;
        (void)lc_model_meta_string(m, "general.name", &s, &n);
        (void)lc_model_meta_int(m, "llama.block_count", &iv);
        (void)lc_model_meta_float(m, "llama.rope.freq_base", &dv);
        for (i = 0; i < lc_model_tensor_count(m); i++) {
            FZ_REQUIRE(lc_model_tensor_get(m, i, &ti) == LOLCAT_OK, "tensor %d", i);
            FZ_REQUIRE(ti.n_bytes == lc_type_size(ti.type, (uint64_t)(ti.ne[0] * ti.ne[1] * ti.ne[2] * ti.ne[3])),
                       "tensor %d: size", i);
        }
        for (i = 0; i < info->n_layer; i++) (void)lc_model_layer_kind(m, i);
        for (i = 0; i < lc_model_meta_count(m); i++) {
            lc_meta_entry e;
            FZ_REQUIRE(lc_model_meta_get(m, i, &e) == LOLCAT_OK && e.key_len > 0 && e.raw_size > 0, "metadata entry %d", i);
        }
        FZ_REQUIRE(lc_model_meta_get(m, lc_model_meta_count(m), NULL) != LOLCAT_OK, "metadata entry past the end");
        {
            lc_chat_template t = lc_chat_template_detect(m);
            FZ_REQUIRE((int)t >= 0 && t <= LOLCAT_CHAT_CHATML, "detected template %d", (int)t);
        }
    }
    {   /* tokenizer, if any */
        char dec[4096];
        size_t dl;
        size_t k;
        for (k = 0; k < sizeof fz_texts / sizeof fz_texts[0]; k++)
            fz_tokenize_check(m, fz_texts[k], strlen(fz_texts[k]), (int)(k & 3), dec, sizeof dec, &dl);
        fz_vocab_walk(m, deep_vocab ? 1 << 20 : 64);
    }
    if (info->n_layer > 0) {
        lc_ctx_params cp = lc_ctx_default_params();
        lc_ctx *c = NULL, *c2 = NULL;
        cp.n_ctx = 8; cp.n_batch = 2; cp.n_threads = 1;
        cp.window_mode = size & 1 ? LOLCAT_WINDOW_TERRACE : LOLCAT_WINDOW_SLIDING;
        r = lc_ctx_create(m, &cp, &c);
        FZ_REQUIRE(r == LOLCAT_OK || r == LOLCAT_ERR_OUT_OF_MEMORY, "ctx_create: %s", lc_result_string(r));
        if (r == LOLCAT_OK) {
            int32_t toks[3];
            float *logits_all;
            toks[0] = 0; toks[1] = info->n_vocab - 1; toks[2] = (int32_t)(size % (size_t)info->n_vocab);
            FZ_REQUIRE(lc_eval(c, toks, 3) == LOLCAT_OK, "eval of 3 tokens: %s", lc_ctx_last_error(c));
            FZ_REQUIRE(lc_eval(c, toks + 1, 1) == LOLCAT_OK, "decode step: %s", lc_ctx_last_error(c));
            {
                int32_t bad = info->n_vocab;
                FZ_REQUIRE(lc_eval(c, &bad, 1) == LOLCAT_ERR_BAD_TOKEN, "token n_vocab must be refused");
            }
            logits_all = (float *)malloc(2 * (size_t)info->n_vocab * sizeof(float));
            if (logits_all) {
                FZ_REQUIRE(lc_eval_all_logits(c, toks, 2, logits_all) == LOLCAT_OK, "eval_all_logits: %s", lc_ctx_last_error(c));
                FZ_REQUIRE(memcmp(logits_all + info->n_vocab, lc_get_logits(c), (size_t)info->n_vocab * sizeof(float)) == 0,
                           "last row of eval_all_logits differs from lc_get_logits");
                free(logits_all);
            }
            {   /* the state round-trips into a second context */
                size_t need = lc_ctx_state_size(c), w = 0;
                unsigned char *blob = (unsigned char *)malloc(need);
                if (blob) {
                    FZ_REQUIRE(lc_ctx_state_save(c, blob, need, &w) == LOLCAT_OK && w == need, "state save");
                    if (lc_ctx_create(m, &cp, &c2) == LOLCAT_OK) {
                        unsigned char *again = (unsigned char *)malloc(need);
                        r = lc_ctx_state_load(c2, blob, need);
                        /* a blob only fails to load if it holds inf/nan (a hostile model can produce those) */
                        FZ_REQUIRE(r == LOLCAT_OK || r == LOLCAT_ERR_CORRUPT, "state load of a fresh blob: %s", lc_ctx_last_error(c2));
                        if (r == LOLCAT_OK && again) {
                            FZ_REQUIRE(lc_ctx_state_save(c2, again, need, &w) == LOLCAT_OK && memcmp(again, blob, need) == 0,
                                       "restored state saves to different bytes");
                        }
                        free(again);
                        lc_ctx_destroy(c2);
                    }
                    free(blob);
                }
            }
            {   /* a fork continues exactly like its source */
                lc_ctx *f = NULL;
                int32_t t = toks[2];
                FZ_REQUIRE(lc_ctx_n_past(c) == 6, "n_past %lld after 6 tokens", (long long)lc_ctx_n_past(c));
                (void)lc_ctx_state_memory(c);
                lc_ctx_set_threads(c, 1);
                r = lc_ctx_fork(c, &f);
                FZ_REQUIRE(r == LOLCAT_OK || r == LOLCAT_ERR_OUT_OF_MEMORY, "fork: %s", lc_result_string(r));
                if (r == LOLCAT_OK) {
                    FZ_REQUIRE(lc_eval(f, &t, 1) == LOLCAT_OK && lc_eval(c, &t, 1) == LOLCAT_OK, "eval after fork");
                    FZ_REQUIRE(memcmp(lc_get_logits(f), lc_get_logits(c), (size_t)info->n_vocab * sizeof(float)) == 0, "fork diverges");
                    lc_ctx_destroy(f);
                }
            }
            {
                lc_sampler *smp;
                lc_sampler_params sp = lc_sampler_default_params();
                sp.top_k = (int)(size % 5); sp.repeat_penalty = 1.1f;
                if (lc_sampler_create(m, &sp, &smp) == LOLCAT_OK) {
                    int32_t t = lc_sampler_sample(smp, lc_get_logits(c));
                    FZ_REQUIRE(t >= 0 && t < info->n_vocab, "sampled token %d", t);
                    lc_sampler_destroy(smp);
                }
            }
            lc_ctx_destroy(c);
        }
    }
    lc_model_close(m);
    FZ_REQUIRE(b.live == 0 && b.n_alloc == 0, "leak of %zu bytes in %ld allocations", b.live, b.n_alloc);
}

static void fz_gguf(const uint8_t *data, size_t size) { fz_gguf_run(data, size, 0); }
/* Hostile vocabulary metadata: the same, with every token of the vocabulary walked. */
static void fz_vocab(const uint8_t *data, size_t size) { fz_gguf_run(data, size, 1); }

/* ---- tokenizer on arbitrary bytes, fixed vocabularies ------------------------------------- */
/* The vocabularies: a built-in SentencePiece-like one with control and user-defined tokens,
   the shared llama.cpp vocabularies when present (LOLCAT_SHARED or ../shared), and the Llama 3
   vocabulary `make test` builds (LOLCAT_LLAMA3_VOCAB or build/llama3-vocab.gguf). */
#define FZ_N_VOCABS 4
static lc_model *fz_vocabs[FZ_N_VOCABS];
static unsigned char *fz_vocab_bytes[FZ_N_VOCABS];
static int fz_vocabs_ready;

static unsigned char *fz_builtin_vocab(size_t *size) {
    tg_gguf *g = (tg_gguf *)calloc(1, sizeof *g);
    static const char *extra[] = {"<|im_start|>", "<|im_end|>", "<tool>", "\xe2\x96\x81the", "\xe2\x96\x81\xe2\x96\x81", "ab", "abc", "\xc3\xa9", "\xe2\x96\x81"};
    static const int32_t extra_type[] = {3, 3, 4, 1, 1, 1, 1, 1, 1};
    const char *toks[300];
    char store[300][16];
    float scores[300];
    int32_t types[300];
    int i, n = 0;
    unsigned char *out;
    for (i = 0; i < 259 + 26; i++, n++) {
        if (i == 0) snprintf(store[n], 16, "<unk>");
        else if (i == 1) snprintf(store[n], 16, "<s>");
        else if (i == 2) snprintf(store[n], 16, "</s>");
        else if (i < 259) snprintf(store[n], 16, "<0x%02X>", i - 3);
        else snprintf(store[n], 16, "\xe2\x96\x81%c", 'a' + (i - 259));
        toks[n] = store[n];
        scores[n] = i < 259 ? 0.0f : -(float)i;
        types[n] = i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1;
    }
    for (i = 0; i < 9; i++, n++) { toks[n] = extra[i]; scores[n] = -1.0f - (float)i; types[n] = extra_type[i]; }
    tg_init(g);
    tg_kv_str(g, "general.architecture", "llama");
    tg_kv_str(g, "tokenizer.ggml.model", "llama");
    tg_kv_str_arr(g, "tokenizer.ggml.tokens", toks, n);
    tg_kv_f32_arr(g, "tokenizer.ggml.scores", scores, n);
    tg_kv_i32_arr(g, "tokenizer.ggml.token_type", types, n);
    tg_kv_u32(g, "tokenizer.ggml.bos_token_id", 1);
    tg_kv_u32(g, "tokenizer.ggml.eos_token_id", 2);
    tg_kv_u32(g, "tokenizer.ggml.unknown_token_id", 0);
    out = tg_finish(g, size);
    tg_free(g);
    free(g);
    return out;
}

static void fz_vocabs_init(void) {
    const char *shared = getenv("LOLCAT_SHARED");
    static const char *names[2] = {"ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf"};
    size_t n;
    int i;
    if (fz_vocabs_ready) return;
    fz_vocabs_ready = 1;
    fz_vocab_bytes[0] = fz_builtin_vocab(&n);
    if (lc_model_open_memory(fz_vocab_bytes[0], n, NULL, &fz_vocabs[0]) != LOLCAT_OK) FZ_FAIL("built-in vocabulary does not load");
    for (i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/models/llama.cpp-vocab/%s", shared ? shared : "../shared", names[i]);
        if (lc_model_open_file(path, NULL, &fz_vocabs[1 + i]) != LOLCAT_OK) fz_vocabs[1 + i] = NULL;
    }
    {
        const char *l3 = getenv("LOLCAT_LLAMA3_VOCAB");
        if (lc_model_open_file(l3 ? l3 : "build/llama3-vocab.gguf", NULL, &fz_vocabs[3]) != LOLCAT_OK) fz_vocabs[3] = NULL;
    }
}
static void fz_vocabs_free(void) {
    int i;
    for (i = 0; i < FZ_N_VOCABS; i++) { lc_model_close(fz_vocabs[i]); fz_vocabs[i] = NULL; free(fz_vocab_bytes[i]); fz_vocab_bytes[i] = NULL; }
    fz_vocabs_ready = 0;
}

static int fz_valid_utf8(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t need = c < 0x80 ? 1 : (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3 : (c >= 0xf0 && c <= 0xf4) ? 4 : 0, k;
        if (!need || i + need > n) return 0;
        for (k = 1; k < need; k++) if ((s[i + k] & 0xc0) != 0x80) return 0;
        if (need > 2 && ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f) || (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] > 0x8f))) return 0;
        i += need;
    }
    return 1;
}

/* Input: byte 0 picks the vocabulary (bits 0-1: built-in, llama-spm, gpt-2, Llama 3) and the
   flags (bits 2-3); the rest is text. */
static void fz_tokenize(const uint8_t *data, size_t size) {
    const lc_model *m;
    const char *text;
    size_t len, dl;
    char *dec;
    long n;
    int flags;
    fz_vocabs_init();
    if (size < 1) return;
    m = fz_vocabs[data[0] % FZ_N_VOCABS];
    if (!m) m = fz_vocabs[0];
    flags = (data[0] >> 2) & 3;
    text = (const char *)data + 1;
    len = size - 1;
    dec = (char *)malloc(8 * len + 64);
    FZ_REQUIRE(dec != NULL, "harness out of memory");
    n = fz_tokenize_check(m, text, len, flags, dec, 8 * len + 64, &dl);
    /* SentencePiece with full byte fallback decodes valid UTF-8 back exactly, unless the text
       holds U+2581 (decodes as a space) or a special token (a new dummy prefix follows it) */
    if (n >= 0 && m == fz_vocabs[0] && fz_valid_utf8((const unsigned char *)text, len) && !memchr(text, 0xe2, len) && !memchr(text, '<', len)) {
        FZ_REQUIRE(dl == len && memcmp(dec, text, len) == 0, "round trip of %zu bytes gives %zu bytes", len, dl);
    }
    /* byte-level BPE is lossless on any valid UTF-8 (special-token text aside) */
    if (n >= 0 && (m == fz_vocabs[2] || m == fz_vocabs[3]) && fz_valid_utf8((const unsigned char *)text, len) && !memchr(text, '<', len)) {
        FZ_REQUIRE(dl == len && memcmp(dec, text, len) == 0, "byte-level BPE round trip of %zu bytes gives %zu bytes", len, dl);
    }
    free(dec);
}

/* ---- state blobs ------------------------------------------------------------------------------ */
/* Small models of every layer kind, with contexts holding some state; the blob to restore is
   the input. Byte 0: bits 0-1 pick the context, bit 2 rewrites the payload size field to
   match, bit 3 recomputes the checksum (so mutations reach the checks behind it). */
#define FZ_N_STATE 4
static lc_model *fz_state_models[FZ_N_STATE];
static unsigned char *fz_state_bytes[FZ_N_STATE];
static lc_ctx *fz_state_ctx[FZ_N_STATE];
static int fz_state_ready;

static tm_spec fz_state_spec(int k) {
    tm_spec s = tm_default();
    s.n_vocab = 64; s.n_embd = 16; s.n_head = 2; s.n_head_kv = 1; s.dk = 8; s.dv = 8; s.n_ff = 16; s.fdim = 4; s.window = 3;
    s.seed = 100 + (uint64_t)k;
    if (k == 0) s.kinds = "shl";
    if (k == 1) { s.kinds = "hh"; s.window_tk = 1; }
    if (k == 2) { s.kinds = "ss"; }
    if (k == 3) { s.kinds = "l"; s.fmap = "elu"; s.dv = 4; }
    return s;
}
static lc_ctx_params fz_state_params(int k) {
    lc_ctx_params cp = lc_ctx_default_params();
    cp.n_ctx = 24; cp.n_threads = 1; cp.n_batch = 4;
    cp.window_mode = k == 1 ? LOLCAT_WINDOW_TERRACE : LOLCAT_WINDOW_SLIDING;
    return cp;
}
/* Puts context k into its reference state: n tokens of a fixed sequence. */
static void fz_state_prime(int k, int n) {
    int32_t toks[16];
    lc_ctx_reset(fz_state_ctx[k]);
    t_random_tokens(toks, 16, 64, 7 + (uint64_t)k);
    if (n > 0 && lc_eval(fz_state_ctx[k], toks, (size_t)n) != LOLCAT_OK) FZ_FAIL("state model eval");
}
static void fz_state_init(void) {
    int k;
    if (fz_state_ready) return;
    fz_state_ready = 1;
    for (k = 0; k < FZ_N_STATE; k++) {
        tm_spec s = fz_state_spec(k);
        lc_ctx_params cp = fz_state_params(k);
        size_t n;
        fz_state_bytes[k] = tm_build(&s, &n);
        if (lc_model_open_memory(fz_state_bytes[k], n, NULL, &fz_state_models[k]) != LOLCAT_OK) FZ_FAIL("state model %d", k);
        if (lc_ctx_create(fz_state_models[k], &cp, &fz_state_ctx[k]) != LOLCAT_OK) FZ_FAIL("state ctx %d", k);
    }
}
static void fz_state_free(void) {
    int k;
    for (k = 0; k < FZ_N_STATE; k++) {
        lc_ctx_destroy(fz_state_ctx[k]); lc_model_close(fz_state_models[k]); free(fz_state_bytes[k]);
        fz_state_ctx[k] = NULL; fz_state_models[k] = NULL; fz_state_bytes[k] = NULL;
    }
    fz_state_ready = 0;
}

static void fz_state(const uint8_t *data, size_t size) {
    int k;
    lc_ctx *c;
    unsigned char *blob, *before, *after;
    size_t n, nb, na;
    lc_result r;
    fz_state_init();
    if (size < 1) return;
    k = data[0] & 3;
    c = fz_state_ctx[k];
    fz_state_prime(k, 5 + k);
    n = size - 1;
    blob = (unsigned char *)malloc(n + 1);
    FZ_REQUIRE(blob != NULL, "harness out of memory");
    memcpy(blob, data + 1, n);
    if ((data[0] & 4) && n >= 24) { uint64_t payload = n >= 56 ? (uint64_t)n - 56 : 0; memcpy(blob + 16, &payload, 8); }
    if ((data[0] & 8) && n >= 8) { uint64_t sum = lc__fnv1a(LOLCAT__FNV_INIT, blob, n - 8); memcpy(blob + n - 8, &sum, 8); }
    nb = lc_ctx_state_size(c);
    before = (unsigned char *)malloc(nb);
    FZ_REQUIRE(before && lc_ctx_state_save(c, before, nb, NULL) == LOLCAT_OK, "save before");
    r = lc_ctx_state_load(c, blob, n);
    na = lc_ctx_state_size(c);
    after = (unsigned char *)malloc(na);
    FZ_REQUIRE(after && lc_ctx_state_save(c, after, na, NULL) == LOLCAT_OK, "save after");
    if (r != LOLCAT_OK) {
        FZ_REQUIRE(lc_ctx_last_error(c)[0] != 0, "refused blob without a message (%s)", lc_result_string(r));
        FZ_REQUIRE(na == nb && memcmp(before, after, nb) == 0, "refused blob (%s) changed the context", lc_result_string(r));
    } else {
        /* an accepted blob is exactly what the context saves back, and the context runs */
        int32_t t = 3;
        FZ_REQUIRE(na == n && memcmp(after, blob, n) == 0, "accepted blob saves back differently");
        r = lc_eval(c, &t, 1);
        FZ_REQUIRE(r == LOLCAT_OK || r == LOLCAT_ERR_CONTEXT_FULL, "eval after restore: %s", lc_ctx_last_error(c));
    }
    free(before); free(after); free(blob);
}

/* ---- chat template renderer ------------------------------------------------------------------ */
/* Input: byte 0 picks the template (values past the last one must be refused), byte 1 bit 0
   asks for the assistant prefix; the rest is NUL-separated role/content strings (a role of one
   byte S, U or A stands for system, user, assistant). */
#define FZ_MAX_MSGS 16
static void fz_chat(const uint8_t *data, size_t size) {
    lc_chat_message msgs[FZ_MAX_MSGS];
    char *text, *strs[2 * FZ_MAX_MSGS];
    size_t n_str = 0, n_msg, i, len = 0, len2 = 0;
    int t, pre;
    lc_result r;
    char *buf, *part;
    fz_vocabs_init();
    if (size < 2) return;
    t = data[0] % 6;
    pre = data[1] & 1;
    text = (char *)malloc(size - 2 + 1);
    FZ_REQUIRE(text != NULL, "harness out of memory");
    memcpy(text, data + 2, size - 2);
    text[size - 2] = 0;
    strs[n_str++] = text;
    for (i = 0; i < size - 2 && n_str < 2 * FZ_MAX_MSGS; i++)
        if (text[i] == 0) strs[n_str++] = text + i + 1;
    n_msg = n_str / 2;
    for (i = 0; i < n_msg; i++) {
        const char *role = strs[2 * i];
        if (!strcmp(role, "S")) role = "system";
        else if (!strcmp(role, "U")) role = "user";
        else if (!strcmp(role, "A")) role = "assistant";
        msgs[i].role = role;
        msgs[i].content = strs[2 * i + 1];
    }
    (void)lc_chat_template_from_name(strs[0]);
    (void)lc_chat_template_name((lc_chat_template)t);
    (void)lc_chat_template_end_of_turn((lc_chat_template)t);
    r = lc_chat_render((lc_chat_template)t, msgs, n_msg, pre, NULL, 0, &len);
    if (t > LOLCAT_CHAT_CHATML) {
        FZ_REQUIRE(r == LOLCAT_ERR_INVALID_ARGUMENT, "template %d accepted", t);
        free(text);
        return;
    }
    FZ_REQUIRE(r == LOLCAT_ERR_BUFFER_TOO_SMALL, "render into nothing: %s", lc_result_string(r));
    buf = (char *)malloc(len + 1);
    part = (char *)malloc(len + 1);
    FZ_REQUIRE(buf && part, "harness out of memory");
    r = lc_chat_render((lc_chat_template)t, msgs, n_msg, pre, buf, len + 1, &len2);
    FZ_REQUIRE(r == LOLCAT_OK && len2 == len && buf[len] == 0 && strlen(buf) == len, "render: %s, %zu vs %zu bytes", lc_result_string(r), len2, len);
    if (len > 0) {   /* a buffer one byte short: refused, and what was written is a prefix */
        r = lc_chat_render((lc_chat_template)t, msgs, n_msg, pre, part, len, &len2);
        FZ_REQUIRE(r == LOLCAT_ERR_BUFFER_TOO_SMALL && len2 == len && memcmp(part, buf, len) == 0, "short buffer");
    }
    if (t != LOLCAT_CHAT_MISTRAL) {   /* rendering turn by turn and appending gives the same text */
        size_t o = 0, l;
        for (i = 0; i <= n_msg; i++) {
            int last = i == n_msg;
            r = lc_chat_render((lc_chat_template)t, msgs + i, last ? 0 : 1, last ? pre : 0, part + o, len + 1 - o, &l);
            FZ_REQUIRE(r == LOLCAT_OK, "message %zu alone: %s", i, lc_result_string(r));
            o += l;
        }
        FZ_REQUIRE(o == len && memcmp(part, buf, len) == 0, "turn-by-turn rendering differs from the whole");
    }
    if (t == LOLCAT_CHAT_CHATML || t == LOLCAT_CHAT_COMPLETION)
        for (i = 0; i < n_msg; i++) FZ_REQUIRE(strstr(buf, msgs[i].content) != NULL, "content %zu missing", i);
    {   /* the rendered prompt tokenizes with special tokens parsed */
        size_t dl;
        char *dec = (char *)malloc(8 * len + 64);
        FZ_REQUIRE(dec != NULL, "harness out of memory");
        fz_tokenize_check(fz_vocabs[0], buf, len, LOLCAT_TOKENIZE_ADD_BOS | LOLCAT_TOKENIZE_PARSE_SPECIAL, dec, 8 * len + 64, &dl);
        free(dec);
    }
    free(part); free(buf); free(text);
}

#endif
