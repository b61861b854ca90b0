/* Security and reliability tests: fuzz regressions replayed, crafted 2^63 fields, context size
   overflow, state blobs (every byte flipped, every truncation, foreign models, window modes,
   capacities), threads sharing a model, no allocation in the hot path, out-of-memory paths and
   a 20k-token soak with constant memory. Uses test_core.c's helpers (t_open_bytes, t_run). */
#include <setjmp.h>
#include <dirent.h>
#include <pthread.h>
#include <time.h>

/* The fuzz harnesses, with failures turned into failed checks (and a jump out of the harness). */
static jmp_buf t_fz_jmp;
static int t_fz_armed;
#define FZ_FAIL(...) do { CHECK(0, __VA_ARGS__); if (t_fz_armed) longjmp(t_fz_jmp, 1); abort(); } while (0)
#include "../fuzz/fuzz_harness.h"

typedef void (*t_fz_fn)(const uint8_t *, size_t);
static int t_fz_run(t_fz_fn fn, const uint8_t *data, size_t size) {
    volatile int ok = 1;
    t_fz_armed = 1;
    if (setjmp(t_fz_jmp) == 0) fn(data, size);
    else ok = 0;
    t_fz_armed = 0;
    return ok;
}

/* ------------------------------------------------------------------------------------------ */
/* the allocation-free sort                                                                   */
/* ------------------------------------------------------------------------------------------ */
static int t_int_before(const void *a, const void *b, const void *ctx) {
    int32_t x, y; (void)ctx;
    memcpy(&x, a, 4); memcpy(&y, b, 4);
    return x < y;
}
static int t_int_cmp(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}
static void test_sort(void) {
    int32_t a[301], b[301];
    int n, i, bad = 0;
    t_seed(17);
    for (n = 0; n <= 300; n += (n < 20 ? 1 : 37)) {
        for (i = 0; i < n; i++) a[i] = b[i] = (int32_t)(t_rand() % (uint32_t)(n / 3 + 1)) - 5;   /* many duplicates */
        lc__sort(a, (size_t)n, sizeof a[0], t_int_before, NULL);
        qsort(b, (size_t)n, sizeof b[0], t_int_cmp);
        bad += n && memcmp(a, b, (size_t)n * sizeof a[0]) != 0;
    }
    CHECK(bad == 0, "lc__sort disagrees with qsort on %d arrays", bad);
    {   /* the sampler's introsort equals qsort on random, tied, sorted and reversed inputs */
        static lc__cand c1[5000], c2[5000];
        int sizes[6] = {0, 1, 17, 100, 1000, 5000}, k, pattern;
        bad = 0;
        for (k = 0; k < 6; k++)
            for (pattern = 0; pattern < 4; pattern++) {
                n = sizes[k];
                for (i = 0; i < n; i++) {
                    c1[i].id = i;
                    c1[i].logit = pattern == 0 ? (float)(t_rand() % 1000) * 0.01f : pattern == 1 ? (float)(t_rand() % 3)
                                : pattern == 2 ? (float)i : -(float)i;
                    c2[i] = c1[i];
                }
                lc__sort_cand(c1, n, pattern == 1 ? 2 : 64);   /* shallow depth forces the heapsort fallback */
                qsort(c2, (size_t)n, sizeof c2[0], lc__cand_desc);
                bad += n && memcmp(c1, c2, (size_t)n * sizeof c1[0]) != 0;
            }
        CHECK(bad == 0, "lc__sort_cand disagrees with qsort on %d arrays", bad);
    }
    {   /* candidates: descending logits, ties by id */
        lc__cand c[50];
        int ok = 1;
        for (i = 0; i < 50; i++) { c[i].id = i; c[i].logit = (float)(t_rand() % 7); }
        lc__sort(c, 50, sizeof c[0], lc__cand_before, NULL);
        for (i = 1; i < 50; i++) ok &= c[i - 1].logit > c[i].logit || (c[i - 1].logit == c[i].logit && c[i - 1].id < c[i].id);
        CHECK(ok, "candidates sorted by logit then id");
    }
}

/* ------------------------------------------------------------------------------------------ */
/* fuzz regressions and a deterministic mini-fuzz over generated seeds                        */
/* ------------------------------------------------------------------------------------------ */
static const char *t_regress_dir(void) {
    const char *e = getenv("LOLCAT_REGRESS");
    return e ? e : "tests/data/regress";
}
static t_fz_fn t_fz_by_prefix(const char *name) {
    if (!strncmp(name, "gguf-", 5)) return fz_gguf;
    if (!strncmp(name, "vocab-", 6)) return fz_vocab;
    if (!strncmp(name, "tokenize-", 9)) return fz_tokenize;
    if (!strncmp(name, "state-", 6)) return fz_state;
    if (!strncmp(name, "chat-", 5)) return fz_chat;
    return NULL;
}

/* Every input under tests/data/regress/ (named <harness>-<what>) once crashed a harness. */
static void test_fuzz_regressions(void) {
    DIR *d = opendir(t_regress_dir());
    struct dirent *e;
    int n = 0, failed = 0;
    if (!d) { CHECK(0, "cannot open %s (run the tests from the repository root)", t_regress_dir()); return; }
    while ((e = readdir(d)) != NULL) {
        char path[1024];
        size_t size;
        unsigned char *data;
        t_fz_fn fn = t_fz_by_prefix(e->d_name);
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "README.md")) continue;
        CHECK(fn != NULL, "%s: name must start with gguf-, vocab-, tokenize-, state- or chat-", e->d_name);
        if (!fn) continue;
        snprintf(path, sizeof path, "%s/%s", t_regress_dir(), e->d_name);
        data = t_read_file(path, &size);
        CHECK(data != NULL, "cannot read %s", path);
        if (!data) continue;
        if (!t_fz_run(fn, data, size)) { failed++; fprintf(stderr, "  regression input %s fails\n", e->d_name); }
        n++;
        free(data);
    }
    closedir(d);
    CHECK(n >= 1 && failed == 0, "%d of %d regression inputs fail", failed, n);
    fz_vocabs_free();
    fz_state_free();
}

/* A few hundred mutations of each harness's seeds, the same on every run, so the sanitizer
   builds of the unit tests exercise the harness invariants too. */
static void t_mutate(unsigned char *p, size_t n) {
    int k, flips = 1 + (int)(t_rand() % 6);
    for (k = 0; k < flips && n; k++) {
        size_t at = t_rand() % n;
        switch (t_rand() % 4) {
        case 0: p[at] ^= (unsigned char)(1u << (t_rand() % 8)); break;
        case 1: p[at] = (unsigned char)t_rand(); break;
        case 2: if (at + 8 <= n) { uint64_t v = (uint64_t)1 << (t_rand() % 64); memcpy(p + at, &v, 8); } break;
        default: if (at + 4 <= n) { uint32_t v = t_rand() % 2 ? 0xffffffffu : t_rand() % 70; memcpy(p + at, &v, 4); } break;
        }
    }
}
static void test_fuzz_mutations(void) {
    static const char *kinds[] = {"shl", "hh", "lh", "ss"};
    int k, i, failed = 0, runs = 0;
    t_seed(2024);
    for (k = 0; k < 4; k++) {   /* models: all layer kinds, two weight types */
        tm_spec s = fz_state_spec(k);
        size_t n, m;
        unsigned char *good, *bad;
        s.kinds = kinds[k]; s.n_embd = 32; s.wtype = k == 1 ? LOLCAT_TYPE_Q8_0 : LOLCAT_TYPE_F32;
        good = tm_build(&s, &n);
        bad = (unsigned char *)malloc(n);
        failed += !t_fz_run(fz_gguf, good, n); runs++;
        for (i = 0; i < 60; i++) {
            memcpy(bad, good, n);
            m = t_rand() % 5 == 0 ? t_rand() % n : n;             /* sometimes truncated */
            t_mutate(bad, m < 4096 ? m : 4096);                    /* header and metadata */
            failed += !t_fz_run(fz_gguf, bad, m); runs++;
        }
        free(good); free(bad);
    }
    {   /* vocabularies and texts */
        size_t n;
        unsigned char *good = fz_builtin_vocab(&n), *bad = (unsigned char *)malloc(n);
        for (i = 0; i < 150; i++) {
            memcpy(bad, good, n);
            t_mutate(bad, n);
            failed += !t_fz_run(fz_vocab, bad, n); runs++;
        }
        free(good); free(bad);
        for (i = 0; i < 300; i++) {
            unsigned char text[64];
            size_t len = 1 + t_rand() % sizeof text, j;
            for (j = 0; j < len; j++) text[j] = (unsigned char)(t_rand() % 3 ? 'a' + t_rand() % 26 : t_rand());
            text[0] = (unsigned char)(t_rand() % 16);
            failed += !t_fz_run(fz_tokenize, text, len); runs++;
        }
    }
    for (i = 0; i < 300; i++) {   /* conversations */
        unsigned char in[96];
        size_t len = 2 + t_rand() % (sizeof in - 2), j;
        static const char pick[] = "SUA\0\0\0xy <|>[/INST]\n\t \xe2\x80\x83";
        for (j = 0; j < len; j++) in[j] = t_rand() % 4 ? (unsigned char)pick[t_rand() % (sizeof pick - 1)] : (unsigned char)t_rand();
        failed += !t_fz_run(fz_chat, in, len); runs++;
    }
    {   /* state blobs, with and without checksum fixing */
        fz_state_init();
        for (i = 0; i < 200; i++) {
            int c = i % FZ_N_STATE;
            size_t sz;
            unsigned char *in;
            fz_state_prime(c, (int)(t_rand() % 12));
            sz = lc_ctx_state_size(fz_state_ctx[c]);
            in = (unsigned char *)malloc(sz + 1);
            lc_ctx_state_save(fz_state_ctx[c], in + 1, sz, NULL);
            in[0] = (unsigned char)(c | (t_rand() % 4) << 2);
            t_mutate(in + 1, sz);
            failed += !t_fz_run(fz_state, in, sz + 1); runs++;
            free(in);
        }
    }
    fz_vocabs_free();
    fz_state_free();
    CHECK(failed == 0, "%d of %d mutated inputs break a harness invariant", failed, runs);
}

/* ------------------------------------------------------------------------------------------ */
/* crafted files: every field that carries a size, 2^63 and other absurd values              */
/* ------------------------------------------------------------------------------------------ */
typedef struct t_val { unsigned char b[64]; size_t n; uint32_t type; } t_val;
static t_val tv_u32(uint32_t v) { t_val x; x.type = 4; x.n = 4; memcpy(x.b, &v, 4); return x; }
static t_val tv_i32(int32_t v) { t_val x; x.type = 5; x.n = 4; memcpy(x.b, &v, 4); return x; }
static t_val tv_f32(float v) { t_val x; x.type = 6; x.n = 4; memcpy(x.b, &v, 4); return x; }
static t_val tv_u64(uint64_t v) { t_val x; x.type = 10; x.n = 8; memcpy(x.b, &v, 8); return x; }
static t_val tv_i64(int64_t v) { t_val x; x.type = 11; x.n = 8; memcpy(x.b, &v, 8); return x; }
static t_val tv_f64(double v) { t_val x; x.type = 12; x.n = 8; memcpy(x.b, &v, 8); return x; }
static t_val tv_str(const char *s) { t_val x; uint64_t n = strlen(s); x.type = 8; x.n = 8 + n; memcpy(x.b, &n, 8); memcpy(x.b + 8, s, (size_t)n); return x; }
/* an array header claiming n elements of elem_type, followed by up to 4 given u32 values */
static t_val tv_arr(uint32_t elem_type, uint64_t n, int n_given, const uint32_t *given) {
    t_val x; x.type = 9; x.n = 12 + 4 * (size_t)n_given;
    memcpy(x.b, &elem_type, 4); memcpy(x.b + 4, &n, 8);
    if (n_given) memcpy(x.b + 12, given, 4 * (size_t)n_given);
    return x;
}

static size_t t_find_bytes(const unsigned char *p, size_t n, const void *needle, size_t k) {
    size_t i;
    for (i = 0; i + k <= n; i++) if (!memcmp(p + i, needle, k)) return i;
    return (size_t)-1;
}

/* Copy of a GGUF where `key` has the value v: the old entry (if any) is renamed out of the way
   and the new one inserted after the header with a padding entry, so that the insertion is a
   multiple of 32 bytes and the tensor data section stays aligned. */
static unsigned char *t_gguf_with(const unsigned char *good, size_t n, const char *key, t_val v, size_t *out_n) {
    uint64_t klen = strlen(key), n_kv, pad_len;
    unsigned char pat[8 + 256], *out, *q;
    size_t at, ins, base;
    memcpy(pat, &klen, 8); memcpy(pat + 8, key, (size_t)klen);
    base = 8 + (size_t)klen + 4 + v.n + 8 + 8 + 4 + 8;   /* new entry + "lc.pad.x" string entry header */
    pad_len = (32 - base % 32) % 32;
    ins = base + (size_t)pad_len;
    out = (unsigned char *)malloc(n + ins);
    memcpy(out, good, 24);
    q = out + 24;
    memcpy(q, &klen, 8); memcpy(q + 8, key, (size_t)klen); q += 8 + klen;
    memcpy(q, &v.type, 4); memcpy(q + 4, v.b, v.n); q += 4 + v.n;
    {
        uint64_t pk = 8; uint32_t st = 8;
        memcpy(q, &pk, 8); memcpy(q + 8, "lc.pad.x", 8); memcpy(q + 16, &st, 4); memcpy(q + 20, &pad_len, 8); q += 28;
        memset(q, 'p', (size_t)pad_len);
    }
    memcpy(out + 24 + ins, good + 24, n - 24);
    memcpy(&n_kv, out + 16, 8); n_kv += 2; memcpy(out + 16, &n_kv, 8);
    at = t_find_bytes(out + 24 + ins, n - 24, pat, 8 + (size_t)klen);
    if (at != (size_t)-1) out[24 + ins + at + 8 + klen - 1] = '~';   /* the old entry becomes an unknown key */
    *out_n = n + ins;
    return out;
}

typedef struct t_case { const char *key; t_val v; int must_fail; } t_case;

static void test_gguf_limits(void) {
    tm_spec s = tm_default();
    size_t n, bn, i;
    unsigned char *good, *bad;
    char err[512];
    long live0 = t_alloc_live;
    const uint64_t big = (uint64_t)1 << 63;
    static const uint32_t two_huge[2] = {0x7fffffffu, 0x7fffffffu};
    t_case cases[64];
    int nc = 0, c;
    s.kinds = "hl";
    good = tm_build(&s, &n);
    CHECK(t_open_bytes(good, n, err, sizeof err) == LOLCAT_OK, "base model loads: %s", err);
    {   /* the override mechanism itself: a harmless key keeps the model valid */
        bad = t_gguf_with(good, n, "general.name", tv_str("renamed"), &bn);
        CHECK(t_open_bytes(bad, bn, err, sizeof err) == LOLCAT_OK, "override of general.name: %s", err);
        free(bad);
    }
#define T_CASE(k, val, fail) do { cases[nc].key = (k); cases[nc].v = (val); cases[nc].must_fail = (fail); nc++; } while (0)
    T_CASE("general.alignment", tv_u64(big), 1);
    T_CASE("general.alignment", tv_u32(0), 1);
    T_CASE("general.alignment", tv_u32(3), 1);
    T_CASE("general.alignment", tv_u32(1u << 20), 1);
    T_CASE("general.alignment", tv_str("32"), 1);
    T_CASE("general.architecture", tv_u64(big), 1);
    T_CASE("llama.block_count", tv_u64(big), 1);
    T_CASE("llama.block_count", tv_i64(INT64_MIN), 1);
    T_CASE("llama.block_count", tv_u32(0xffffffffu), 1);
    T_CASE("llama.block_count", tv_u32(3), 1);                      /* more layers than tensors */
    T_CASE("llama.embedding_length", tv_u64(big), 1);
    T_CASE("llama.embedding_length", tv_u32(1u << 30), 1);
    T_CASE("llama.embedding_length", tv_u32(33), 1);
    T_CASE("llama.context_length", tv_u64(big), 1);
    T_CASE("llama.context_length", tv_i64(-1), 1);
    T_CASE("llama.feed_forward_length", tv_u64(big), 1);
    T_CASE("llama.feed_forward_length", tv_u32(0), 1);
    T_CASE("llama.attention.head_count", tv_u64(big), 1);
    T_CASE("llama.attention.head_count", tv_u32(1u << 16), 1);
    T_CASE("llama.attention.head_count", tv_arr(4, big, 0, NULL), 1);
    T_CASE("llama.attention.head_count", tv_arr(4, 2, 2, two_huge), 1);
    T_CASE("llama.attention.head_count", tv_arr(9, 2, 0, NULL), 1);  /* array of arrays */
    T_CASE("llama.attention.head_count_kv", tv_u64(big), 1);
    T_CASE("llama.attention.head_count_kv", tv_u32(3), 1);
    T_CASE("llama.attention.key_length", tv_u64(big), 1);
    T_CASE("llama.attention.key_length", tv_u32(65536), 1);
    T_CASE("llama.attention.key_length", tv_u32(0xffffffffu), 1);
    T_CASE("llama.attention.value_length", tv_u64(big), 1);
    T_CASE("llama.attention.value_length", tv_u32(65536), 1);
    T_CASE("llama.rope.dimension_count", tv_u64(big), 1);
    T_CASE("llama.rope.dimension_count", tv_u32(7), 1);
    T_CASE("llama.rope.dimension_count", tv_u32(64), 1);
    T_CASE("llama.rope.freq_base", tv_f32(NAN), 1);
    T_CASE("llama.rope.freq_base", tv_f32(INFINITY), 1);
    T_CASE("llama.rope.freq_base", tv_f64(1e300), 1);
    T_CASE("llama.rope.freq_base", tv_f32(-1.0f), 1);
    T_CASE("llama.attention.layer_norm_rms_epsilon", tv_f32(NAN), 1);
    T_CASE("llama.attention.layer_norm_rms_epsilon", tv_f32(0.0f), 1);
    T_CASE("lolcat.attention.window_size", tv_u64(big), 1);
    T_CASE("lolcat.attention.window_size", tv_u32(0), 1);
    T_CASE("lolcat.attention.window_size", tv_i32(-1), 1);
    T_CASE("lolcat.attention.window_size", tv_u32(1u << 21), 1);
    T_CASE("lolcat.feature_map.dim", tv_u64(big), 1);
    T_CASE("lolcat.feature_map.dim", tv_u32(0), 1);
    T_CASE("lolcat.feature_map.dim", tv_u32(1u << 17), 1);
    T_CASE("lolcat.feature_map.eps", tv_f32(NAN), 1);
    T_CASE("lolcat.feature_map.eps", tv_f32(2.0f), 1);
    T_CASE("lolcat.lora.scale", tv_f64(NAN), 1);
    T_CASE("lolcat.attention.layer_kinds", tv_arr(8, big, 0, NULL), 1);
    T_CASE("lolcat.attention.layer_kinds", tv_arr(4, 2, 2, two_huge), 1);
    T_CASE("lolcat.attention.layer_kinds", tv_arr(8, (uint64_t)1 << 27, 0, NULL), 1);   /* over the array cap */
    T_CASE("tokenizer.ggml.tokens", tv_arr(8, big, 0, NULL), 1);
    T_CASE("tokenizer.ggml.tokens", tv_arr(8, 0, 0, NULL), 1);
    T_CASE("tokenizer.ggml.scores", tv_arr(6, big, 0, NULL), 1);
    T_CASE("tokenizer.ggml.scores", tv_arr(6, 1, 1, two_huge), 1);  /* count does not match the tokens */
    T_CASE("tokenizer.ggml.token_type", tv_arr(5, (uint64_t)1 << 62, 0, NULL), 1);
    T_CASE("tokenizer.ggml.model", tv_str("sentencepiece-but-not"), 1);
    T_CASE("tokenizer.ggml.bos_token_id", tv_u64(big), 0);          /* out of range id = none */
    T_CASE("tokenizer.ggml.eos_token_id", tv_i64(-5), 0);
    T_CASE("tokenizer.ggml.unknown_token_id", tv_u32(0xffffffffu), 0);
#undef T_CASE
    for (c = 0; c < nc; c++) {
        lc_result r;
        bad = t_gguf_with(good, n, cases[c].key, cases[c].v, &bn);
        r = t_open_bytes(bad, bn, err, sizeof err);
        if (cases[c].must_fail) CHECK(r != LOLCAT_OK && err[0], "%s (type %u): %s", cases[c].key, cases[c].v.type, r == LOLCAT_OK ? "loaded" : err);
        else CHECK(r == LOLCAT_OK, "%s (type %u) should load: %s", cases[c].key, cases[c].v.type, err);
        free(bad);
    }
    {   /* an out-of-range optional token id reads as "none" */
        lc_model *m;
        bad = t_gguf_with(good, n, "tokenizer.ggml.bos_token_id", tv_u64(big), &bn);
        CHECK(lc_model_open_memory(bad, bn, NULL, &m) == LOLCAT_OK && lc_model_get_info(m)->bos_token == -1, "bos 2^63 reads as none");
        lc_model_close(m);
        free(bad);
    }
    /* fields outside the key/value section, patched in place */
    bad = (unsigned char *)malloc(n);
    {   /* first metadata entry: key length and value type */
        uint64_t q = big; uint32_t u = 0x80000000u;
        memcpy(bad, good, n); memcpy(bad + 24, &q, 8);
        CHECK(t_open_bytes(bad, n, err, sizeof err) == LOLCAT_ERR_TRUNCATED, "2^63 key length: %s", err);
        memcpy(bad, good, n); q = 0; memcpy(bad + 24, &q, 8);
        CHECK(t_open_bytes(bad, n, err, sizeof err) != LOLCAT_OK, "empty key: %s", err);
        memcpy(&q, good + 24, 8);
        memcpy(bad, good, n); memcpy(bad + 24 + 8 + q, &u, 4);
        CHECK(t_open_bytes(bad, n, err, sizeof err) == LOLCAT_ERR_CORRUPT, "value type 2^31: %s", err);
    }
    {   /* a tensor info: name length, n_dims, dims, type, offset */
        const char *name = "blk.0.attn_k.weight";
        uint64_t nl = strlen(name), q;
        unsigned char pat[64];
        size_t at, f;
        uint32_t u;
        memcpy(pat, &nl, 8); memcpy(pat + 8, name, (size_t)nl);
        at = t_find_bytes(good, n, pat, 8 + (size_t)nl);
        CHECK(at != (size_t)-1, "found %s", name);
        if (at != (size_t)-1) {
            f = at + 8 + (size_t)nl;   /* n_dims u32, ne[0] u64, ne[1] u64, type u32, offset u64 */
            memcpy(bad, good, n); q = big; memcpy(bad + at, &q, 8);
            CHECK(t_open_bytes(bad, n, err, sizeof err) == LOLCAT_ERR_TRUNCATED, "2^63 name length: %s", err);
            memcpy(bad, good, n); q = 300; memcpy(bad + at, &q, 8);
            CHECK(t_open_bytes(bad, n, err, sizeof err) != LOLCAT_OK, "name over 256 bytes: %s", err);
            memcpy(bad, good, n); u = 0x80000000u; memcpy(bad + f, &u, 4);
            CHECK(t_open_bytes(bad, n, err, sizeof err) == LOLCAT_ERR_CORRUPT, "2^31 dims: %s", err);
            memcpy(bad, good, n); u = 0; memcpy(bad + f, &u, 4);
            CHECK(t_open_bytes(bad, n, err, sizeof err) == LOLCAT_ERR_CORRUPT, "0 dims: %s", err);
            for (i = 0; i < 2; i++) {
                memcpy(bad, good, n); q = big; memcpy(bad + f + 4 + 8 * i, &q, 8);
                CHECK(t_open_bytes(bad, n, err, sizeof err) == LOLCAT_ERR_CORRUPT, "2^63 in dim %zu: %s", i, err);
                memcpy(bad, good, n); q = ((uint64_t)1 << 40) + 1; memcpy(bad + f + 4 + 8 * i, &q, 8);
                CHECK(t_open_bytes(bad, n, err, sizeof err) == LOLCAT_ERR_CORRUPT, "2^40+1 in dim %zu: %s", i, err);
                memcpy(bad, good, n); q = 0; memcpy(bad + f + 4 + 8 * i, &q, 8);
                CHECK(t_open_bytes(bad, n, err, sizeof err) == LOLCAT_ERR_CORRUPT, "0 in dim %zu: %s", i, err);
            }
            memcpy(bad, good, n); q = (uint64_t)1 << 32; memcpy(bad + f + 4, &q, 8); memcpy(bad + f + 12, &q, 8);
            CHECK(t_open_bytes(bad, n, err, sizeof err) == LOLCAT_ERR_CORRUPT, "2^32 x 2^32 elements: %s", err);
            memcpy(bad, good, n); q = (uint64_t)1 << 22; memcpy(bad + f + 4, &q, 8); memcpy(bad + f + 12, &q, 8);
            CHECK(t_open_bytes(bad, n, err, sizeof err) == LOLCAT_ERR_TRUNCATED, "2^44 elements, bytes past the end: %s", err);
            memcpy(bad, good, n); u = 0x80000000u; memcpy(bad + f + 20, &u, 4);
            CHECK(t_open_bytes(bad, n, err, sizeof err) == LOLCAT_ERR_UNSUPPORTED, "type 2^31: %s", err);
            memcpy(bad, good, n); q = big; memcpy(bad + f + 24, &q, 8);
            CHECK(t_open_bytes(bad, n, err, sizeof err) == LOLCAT_ERR_TRUNCATED, "offset 2^63: %s", err);
            memcpy(bad, good, n); q = ~(uint64_t)31; memcpy(bad + f + 24, &q, 8);
            CHECK(t_open_bytes(bad, n, err, sizeof err) == LOLCAT_ERR_TRUNCATED, "offset 2^64-32 (offset + size overflows): %s", err);
        }
    }
    {   /* a tensor count that fits the file but not the infos, and 2^63 in both counts */
        uint64_t q = 1000;
        memcpy(bad, good, n); memcpy(bad + 8, &q, 8);
        CHECK(t_open_bytes(bad, n, err, sizeof err) != LOLCAT_OK, "1000 tensors: %s", err);
        q = big;
        memcpy(bad, good, n); memcpy(bad + 8, &q, 8); memcpy(bad + 16, &q, 8);
        CHECK(t_open_bytes(bad, n, err, sizeof err) == LOLCAT_ERR_CORRUPT, "2^63 tensors and keys: %s", err);
    }
    free(bad);
    free(good);
    CHECK(t_alloc_live == live0, "no leaks on refused files (%ld live)", t_alloc_live - live0);
}

/* Context sizes come from file shapes and caller parameters: absurd ones are refused as out of
   memory without overflowing, and the context allocator sees a bounded request. */
static void test_ctx_limits(void) {
    tm_spec s = tm_default();
    unsigned char *buf;
    lc_model *m;
    lc_ctx *c = NULL;
    lc_ctx_params cp = lc_ctx_default_params();
    fz_budget b;
    lc_result r;
    s.kinds = "sh";
    m = tm_open(&s, &buf);
    cp.allocator = fz_allocator(&b, (size_t)64 << 20, (size_t)256 << 20);
    cp.n_ctx = 0x7fffffff;
    r = lc_ctx_create(m, &cp, &c);
    CHECK(r == LOLCAT_ERR_OUT_OF_MEMORY && c == NULL && b.live == 0, "n_ctx 2^31-1: %s", lc_result_string(r));
    cp.n_ctx = 16; cp.n_batch = 0x7fffffff;   /* clamped to 65536 */
    r = lc_ctx_create(m, &cp, &c);
    CHECK(r == LOLCAT_OK || r == LOLCAT_ERR_OUT_OF_MEMORY, "n_batch 2^31-1: %s", lc_result_string(r));
    lc_ctx_destroy(c); c = NULL;
    cp.n_batch = 0; cp.n_threads = 0x7fffffff;   /* clamped to 1024 */
    CHECK_OK(lc_ctx_create(m, &cp, &c));
    lc_ctx_destroy(c); c = NULL;
    cp.n_threads = 0; cp.n_ctx = -1;
    CHECK(lc_ctx_create(m, &cp, &c) == LOLCAT_ERR_INVALID_ARGUMENT, "negative n_ctx");
    cp.n_ctx = 16; cp.window_mode = (lc_window_mode)7;
    CHECK(lc_ctx_create(m, &cp, &c) == LOLCAT_ERR_INVALID_ARGUMENT, "unknown window mode");
    cp.window_mode = LOLCAT_WINDOW_SLIDING;
    {   /* shapes whose context would need more than 2^64 bytes: the layout notices the overflow.
           (The file checks keep real models far below this; the shapes are forced here.) */
        lc__layer saved = m->layers[0];
        m->layers[0].n_head_kv = 1 << 20; m->layers[0].dk = 1 << 20; m->layers[0].dv = 1 << 20;
        cp.n_ctx = 0x7fffffff;
        r = lc_ctx_create(m, &cp, &c);
        CHECK(r == LOLCAT_ERR_OUT_OF_MEMORY && c == NULL, "2^31 x 2^20 x 2^20 cache: %s", lc_result_string(r));
        m->layers[0] = saved;
    }
    CHECK(b.live == 0, "budget allocator balanced (%zu live)", b.live);
    lc_model_close(m); free(buf);
}

/* ------------------------------------------------------------------------------------------ */
/* state blobs                                                                                */
/* ------------------------------------------------------------------------------------------ */
static unsigned char *t_save(const lc_ctx *c, size_t *n) {
    unsigned char *p;
    *n = lc_ctx_state_size(c);
    p = (unsigned char *)malloc(*n);
    if (lc_ctx_state_save(c, p, *n, NULL) != LOLCAT_OK) { free(p); return NULL; }
    return p;
}
static int t_same_state(const lc_ctx *c, const unsigned char *ref, size_t n) {
    size_t m;
    unsigned char *now = t_save(c, &m);
    int same = now && m == n && memcmp(now, ref, n) == 0;
    free(now);
    return same;
}

static void test_state_blobs(void) {
    tm_spec s = tm_default();
    unsigned char *buf, *blob, *bad, *ref;
    lc_model *m;
    lc_ctx *a, *b;
    lc_ctx_params cp = lc_ctx_default_params();
    int32_t toks[40];
    size_t n, nref, i;
    int refused = 0, unchanged = 0, messages = 0, trials = 0;
    s.n_vocab = 64; s.n_embd = 16; s.n_head = 2; s.n_head_kv = 1; s.dk = 8; s.dv = 8; s.n_ff = 16; s.fdim = 4; s.window = 3;
    s.kinds = "shl";
    m = tm_open(&s, &buf);
    cp.n_ctx = 32; cp.n_threads = 1;
    t_random_tokens(toks, 40, 64, 21);
    lc_ctx_create(m, &cp, &a);
    lc_ctx_create(m, &cp, &b);
    CHECK_OK(lc_eval(a, toks, 11));
    blob = t_save(a, &n);
    CHECK_OK(lc_eval(b, toks + 20, 7));   /* b holds some other state */
    ref = t_save(b, &nref);
    /* the header carries magic, version, fingerprint, sizes; a checksum ends the blob */
    {
        uint32_t magic, version; uint64_t fp, payload, sum;
        memcpy(&magic, blob, 4); memcpy(&version, blob + 4, 4); memcpy(&fp, blob + 8, 8); memcpy(&payload, blob + 16, 8);
        memcpy(&sum, blob + n - 8, 8);
        CHECK(magic == LOLCAT__STATE_MAGIC && version == LOLCAT__STATE_VERSION && fp == lc_model_get_info(m)->fingerprint &&
              payload == n - 56 && sum == lc__fnv1a(LOLCAT__FNV_INIT, blob, n - 8), "blob header fields");
    }
    bad = (unsigned char *)malloc(n + 16);
    /* every byte flipped (three different flips each) */
    for (i = 0; i < n; i++) {
        static const unsigned char flips[3] = {0x01, 0x80, 0xff};
        int k;
        for (k = 0; k < 3; k++) {
            lc_result r;
            memcpy(bad, blob, n);
            bad[i] ^= flips[k];
            r = lc_ctx_state_load(b, bad, n);
            trials++;
            refused += r != LOLCAT_OK;
            messages += r != LOLCAT_OK && lc_ctx_last_error(b)[0] != 0;
            unchanged += t_same_state(b, ref, nref);
        }
    }
    CHECK(refused == trials && messages == trials && unchanged == trials, "flipped bytes: %d refused, %d with a message, %d unchanged of %d",
          refused, messages, unchanged, trials);
    /* every truncation, and trailing bytes */
    refused = unchanged = trials = 0;
    for (i = 0; i < n; i++) {
        refused += lc_ctx_state_load(b, blob, i) != LOLCAT_OK;
        unchanged += t_same_state(b, ref, nref);
        trials++;
    }
    memcpy(bad, blob, n); memset(bad + n, 0, 16);
    for (i = 1; i <= 16; i++) { refused += lc_ctx_state_load(b, bad, n + i) != LOLCAT_OK; unchanged += t_same_state(b, ref, nref); trials++; }
    CHECK(refused == trials && unchanged == trials, "truncated/extended blobs: %d refused, %d unchanged of %d", refused, unchanged, trials);
    CHECK(lc_ctx_state_load(b, NULL, n) == LOLCAT_ERR_INVALID_ARGUMENT, "NULL blob");
    {   /* forged: checksum recomputed over a nan, or over an absurd position */
        uint64_t sum, pos = (uint64_t)1 << 62;
        float nan_value = NAN;
        memcpy(bad, blob, n);
        memcpy(bad + 48 + 8, &nan_value, 4);   /* first float of layer 0 */
        sum = lc__fnv1a(LOLCAT__FNV_INIT, bad, n - 8); memcpy(bad + n - 8, &sum, 8);
        CHECK(lc_ctx_state_load(b, bad, n) == LOLCAT_ERR_CORRUPT && t_same_state(b, ref, nref), "forged nan refused: %s", lc_ctx_last_error(b));
        memcpy(bad, blob, n);
        memcpy(bad + 24, &pos, 8);
        sum = lc__fnv1a(LOLCAT__FNV_INIT, bad, n - 8); memcpy(bad + n - 8, &sum, 8);
        CHECK(lc_ctx_state_load(b, bad, n) != LOLCAT_OK && t_same_state(b, ref, nref), "forged position refused: %s", lc_ctx_last_error(b));
    }
    {   /* forged: a non-zero S in the hybrid layer of a blob saved before any key left its window
           (decode skips the read-out of an empty state, so such a blob must not load) */
        lc_ctx *e;
        unsigned char *early;
        size_t ne, s_at = 48 + (8 + 2 * 1 * 16 * 4) + 8 + 2 * 1 * 16 * 4;   /* header, softmax layer of 2 tokens, hybrid's header and window */
        uint64_t sum;
        float one = 1.0f, v;
        lc_ctx_create(m, &cp, &e);
        CHECK_OK(lc_eval(e, toks, 2));
        early = t_save(e, &ne);
        CHECK(early != NULL, "blob of 2 tokens saved");
        if (early) {
            memcpy(&v, early + s_at, 4);
            CHECK(v == 0.0f && lc_ctx_state_load(b, early, ne) == LOLCAT_OK, "blob of 2 tokens loads, its S is zero");
            memcpy(early + s_at + 4 * 17, &one, 4);
            sum = lc__fnv1a(LOLCAT__FNV_INIT, early, ne - 8); memcpy(early + ne - 8, &sum, 8);
            CHECK_OK(lc_ctx_state_load(b, ref, nref));
            CHECK(lc_ctx_state_load(b, early, ne) == LOLCAT_ERR_CORRUPT && t_same_state(b, ref, nref), "forged early S refused: %s", lc_ctx_last_error(b));
            free(early);
        }
        /* and the linear layer's z in a blob of no tokens (the last float before the logits) */
        lc_ctx_reset(e);
        early = t_save(e, &ne);
        CHECK(early != NULL, "blob of 0 tokens saved");
        if (early) {
            const size_t z_at = ne - 8 - 64 * sizeof(float) - 4;
            memcpy(&v, early + z_at, 4);
            CHECK(v == 0.0f && lc_ctx_state_load(b, early, ne) == LOLCAT_OK, "blob of 0 tokens loads, its z is zero");
            memcpy(early + z_at, &one, 4);
            sum = lc__fnv1a(LOLCAT__FNV_INIT, early, ne - 8); memcpy(early + ne - 8, &sum, 8);
            CHECK_OK(lc_ctx_state_load(b, ref, nref));
            CHECK(lc_ctx_state_load(b, early, ne) == LOLCAT_ERR_CORRUPT && t_same_state(b, ref, nref), "forged empty linear z refused: %s", lc_ctx_last_error(b));
            free(early);
        }
        lc_ctx_destroy(e);
    }
    /* the intact blob restores, and continuing equals never stopping */
    CHECK_OK(lc_ctx_state_load(b, blob, n));
    CHECK_OK(lc_eval(a, toks + 11, 5));
    CHECK_OK(lc_eval(b, toks + 11, 5));
    CHECK(memcmp(lc_get_logits(a), lc_get_logits(b), 64 * sizeof(float)) == 0, "restored context continues identically");
    {   /* capacity: a context with a smaller softmax cache refuses 11 tokens; one with exactly 11 takes them */
        lc_ctx *small;
        lc_ctx_params sp = cp;
        unsigned char *sref;
        size_t sn;
        sp.n_ctx = 10;
        lc_ctx_create(m, &sp, &small);
        lc_eval(small, toks, 3);
        sref = t_save(small, &sn);
        CHECK(lc_ctx_state_load(small, blob, n) == LOLCAT_ERR_CONTEXT_FULL && t_same_state(small, sref, sn), "n_ctx 10 < 11 tokens: %s", lc_ctx_last_error(small));
        lc_ctx_destroy(small); free(sref);
        sp.n_ctx = 11;
        lc_ctx_create(m, &sp, &small);
        CHECK_OK(lc_ctx_state_load(small, blob, n));
        CHECK(lc_eval(small, toks, 1) == LOLCAT_ERR_CONTEXT_FULL, "a full restored context refuses more tokens");
        lc_ctx_destroy(small);
    }
    {   /* models with the same shapes: other weights, or only another window size */
        tm_spec s2 = s;
        unsigned char *buf2;
        lc_model *m2;
        lc_ctx *c2;
        unsigned char *r2;
        size_t n2;
        int v;
        for (v = 0; v < 3; v++) {
            s2 = s;
            if (v == 0) s2.seed = s.seed + 1;
            if (v == 1) s2.window = 4;
            if (v == 2) s2.window_tk = !s.window_tk;
            m2 = tm_open(&s2, &buf2);
            lc_ctx_create(m2, &cp, &c2);
            lc_eval(c2, toks, 2);
            r2 = t_save(c2, &n2);
            CHECK(lc_ctx_state_load(c2, blob, n) == LOLCAT_ERR_STATE_MISMATCH && t_same_state(c2, r2, n2), "same shapes, variant %d: %s", v,
                  lc_ctx_last_error(c2));
            free(r2);
            lc_ctx_destroy(c2); lc_model_close(m2); free(buf2);
        }
    }
    free(bad); free(blob); free(ref);
    lc_ctx_destroy(a); lc_ctx_destroy(b);
    lc_model_close(m); free(buf);

    /* window modes: a blob saved after a terrace prefill restores into a sliding context (and back),
       and both continue exactly like the context that saved it */
    s = tm_default(); s.kinds = "hh"; s.window = 4; s.window_tk = 1;
    m = tm_open(&s, &buf);
    {
        lc_ctx_params tp = lc_ctx_default_params(), sp2 = lc_ctx_default_params();
        lc_ctx *t, *sl;
        float want[300];
        int dir;
        tp.window_mode = LOLCAT_WINDOW_TERRACE; tp.n_threads = 1; sp2.n_threads = 1;
        t_random_tokens(toks, 40, 300, 5);
        for (dir = 0; dir < 2; dir++) {
            lc_ctx_create(m, dir ? &sp2 : &tp, &t);
            lc_ctx_create(m, dir ? &tp : &sp2, &sl);
            CHECK_OK(lc_eval(t, toks, 13));
            blob = t_save(t, &n);
            CHECK_OK(lc_ctx_state_load(sl, blob, n));
            CHECK_OK(lc_eval(t, toks + 13, 9));
            memcpy(want, lc_get_logits(t), sizeof want);
            CHECK_OK(lc_eval(sl, toks + 13, 9));
            CHECK(memcmp(want, lc_get_logits(sl), sizeof want) == 0, "%s blob restored into a %s context continues identically",
                  dir ? "sliding" : "terrace", dir ? "terrace" : "sliding");
            free(blob);
            lc_ctx_destroy(t); lc_ctx_destroy(sl);
        }
    }
    lc_model_close(m); free(buf);
}

/* ------------------------------------------------------------------------------------------ */
/* threads: one model, several contexts in several threads                                    */
/* ------------------------------------------------------------------------------------------ */
typedef struct t_job {
    const lc_model *m;
    int id, n_threads;
    float *logits;        /* n_steps x n_vocab */
    int32_t gen[24];
    char text[512];
    lc_result r;
} t_job;
#define T_JOB_STEPS 24

static void *t_job_run(void *arg) {
    t_job *j = (t_job *)arg;
    lc_ctx *c = NULL;
    lc_sampler *smp = NULL;
    lc_ctx_params cp = lc_ctx_default_params();
    lc_sampler_params sp = lc_sampler_default_params();
    int32_t toks[64];
    size_t n = 0, len = 0;
    int nv = lc_model_get_info(j->m)->n_vocab, step;
    char prompt[64];
    lc_detokenizer d;
    cp.n_threads = j->n_threads; cp.n_batch = 5; cp.n_ctx = 128;
    sp.seed = 1000 + (uint64_t)j->id; sp.repeat_penalty = 1.2f;
    snprintf(prompt, sizeof prompt, "story %d: once upon a time %d", j->id, j->id * 7);
    if ((j->r = lc_ctx_create(j->m, &cp, &c)) != LOLCAT_OK) return NULL;
    if ((j->r = lc_sampler_create(j->m, &sp, &smp)) != LOLCAT_OK) { lc_ctx_destroy(c); return NULL; }
    if ((j->r = lc_tokenize(j->m, prompt, strlen(prompt), LOLCAT_TOKENIZE_ADD_BOS, toks, 64, &n)) == LOLCAT_OK)
        j->r = lc_eval(c, toks, n);
    lc_detokenizer_init(&d);
    for (step = 0; j->r == LOLCAT_OK && step < T_JOB_STEPS; step++) {
        int32_t t;
        size_t l = 0;
        memcpy(j->logits + (size_t)step * nv, lc_get_logits(c), (size_t)nv * sizeof(float));
        t = lc_sampler_sample(smp, lc_get_logits(c));
        j->gen[step] = t;
        if (lc_detokenize(j->m, &d, t, j->text + len, sizeof j->text - 1 - len, &l) == LOLCAT_OK) len += l;
        j->r = lc_eval(c, &t, 1);
    }
    j->text[len] = 0;
    lc_sampler_destroy(smp);
    lc_ctx_destroy(c);
    return NULL;
}

/* The test binary's default allocator counts in plain globals; threads get a thread-safe one
   (the library calls the allocator from whichever thread creates a context or tokenizes). */
static void *t_plain_alloc(size_t n, void *ud) { (void)ud; return malloc(n); }
static void t_plain_free(void *p, size_t n, void *ud) { (void)ud; (void)n; free(p); }

static void test_threads(void) {
    tm_spec s = tm_default();
    unsigned char *buf;
    size_t size;
    lc_model *m = NULL;
    lc_model_params mp;
    enum { N_JOBS = 4 };
    t_job seq[N_JOBS], par[N_JOBS];
    pthread_t th[N_JOBS];
    int i, same = 1, started = 0;
    s.kinds = "shl";
    buf = tm_build(&s, &size);
    memset(&mp, 0, sizeof mp);
    mp.allocator.alloc = t_plain_alloc; mp.allocator.free = t_plain_free;
    CHECK_OK(lc_model_open_memory(buf, size, &mp, &m));
    if (!m) { free(buf); return; }
    for (i = 0; i < N_JOBS; i++) {   /* sequential reference runs */
        memset(&seq[i], 0, sizeof seq[i]);
        seq[i].m = m; seq[i].id = i; seq[i].n_threads = 1;
        seq[i].logits = (float *)malloc((size_t)T_JOB_STEPS * 300 * sizeof(float));
        t_job_run(&seq[i]);
        CHECK(seq[i].r == LOLCAT_OK, "sequential job %d: %s", i, lc_result_string(seq[i].r));
    }
    for (i = 0; i < N_JOBS; i++) {
        memset(&par[i], 0, sizeof par[i]);
        par[i].m = m; par[i].id = i;
#if defined(_OPENMP)
        par[i].n_threads = 1 + (i & 1);   /* OpenMP inside a pthread must not change a bit */
#else
        par[i].n_threads = 1;
#endif
        par[i].logits = (float *)malloc((size_t)T_JOB_STEPS * 300 * sizeof(float));
        if (pthread_create(&th[i], NULL, t_job_run, &par[i]) == 0) started++;
        else { CHECK(0, "pthread_create %d", i); break; }
    }
    for (i = 0; i < started; i++) pthread_join(th[i], NULL);
    for (i = 0; i < started; i++) {
        same &= par[i].r == LOLCAT_OK && !memcmp(par[i].logits, seq[i].logits, (size_t)T_JOB_STEPS * 300 * sizeof(float)) &&
                !memcmp(par[i].gen, seq[i].gen, sizeof seq[i].gen) && !strcmp(par[i].text, seq[i].text);
    }
    CHECK(started == N_JOBS && same, "%d threads sharing one model give the sequential results bit for bit", N_JOBS);
    for (i = 0; i < N_JOBS; i++) { free(seq[i].logits); free(par[i].logits); }
    lc_model_close(m); free(buf);
}

/* ------------------------------------------------------------------------------------------ */
/* no allocation in the hot path, every attention kind                                       */
/* ------------------------------------------------------------------------------------------ */
static void test_no_alloc_all_kinds(void) {
    static const struct { const char *kinds, *fmap; int mode, low_rank, lora, wtype; } cases[] = {
        {"ss", "hedgehog", LOLCAT_WINDOW_SLIDING, 0, 0, LOLCAT_TYPE_F32},
        {"ll", "hedgehog", LOLCAT_WINDOW_SLIDING, 0, 0, LOLCAT_TYPE_F32},
        {"hh", "hedgehog", LOLCAT_WINDOW_SLIDING, 0, 0, LOLCAT_TYPE_F32},
        {"hh", "hedgehog", LOLCAT_WINDOW_TERRACE, 0, 0, LOLCAT_TYPE_F32},
        {"lh", "elu", LOLCAT_WINDOW_SLIDING, 0, 0, LOLCAT_TYPE_F16},
        {"hl", "t2r", LOLCAT_WINDOW_TERRACE, 0, 0, LOLCAT_TYPE_BF16},
        {"shl", "hedgehog_half", LOLCAT_WINDOW_SLIDING, 4, 2, LOLCAT_TYPE_Q8_0},
        {"sh", "hedgehog", LOLCAT_WINDOW_SLIDING, 0, 0, LOLCAT_TYPE_Q4_0},
    };
    size_t k;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tm_spec s = tm_default();
        unsigned char *buf, *blob;
        lc_model *m;
        lc_ctx *c;
        lc_ctx_params cp = lc_ctx_default_params();
        lc_sampler *smp[4];
        lc_sampler_params sp = lc_sampler_default_params();
        int32_t toks[200];
        float *all = (float *)malloc(40 * 300 * sizeof(float));
        long before;
        size_t blob_size, w;
        int i, j;
        char piece[64];
        lc_detokenizer d;
        s.kinds = cases[k].kinds; s.fmap = cases[k].fmap; s.low_rank = cases[k].low_rank; s.lora_rank = cases[k].lora;
        s.wtype = cases[k].wtype; s.n_embd = 64; s.tied = !cases[k].lora;
        m = tm_open(&s, &buf);
        if (!m) { CHECK(0, "case %zu: model", k); free(all); free(buf); continue; }
        cp.window_mode = (lc_window_mode)cases[k].mode; cp.n_ctx = 256; cp.n_batch = 16;
        CHECK_OK(lc_ctx_create(m, &cp, &c));
        for (j = 0; j < 4; j++) {   /* greedy; top-k; full sort with top-p and min-p; repeat penalty */
            sp = lc_sampler_default_params();
            if (j == 0) sp.temperature = 0;
            if (j == 2) { sp.top_k = 0; sp.top_p = 0.9f; sp.min_p = 0.01f; }
            if (j == 3) { sp.repeat_penalty = 1.3f; sp.repeat_last_n = 16; }
            lc_sampler_create(m, &sp, &smp[j]);
        }
        t_random_tokens(toks, 200, 300, 40 + k);
        lc_detokenizer_init(&d);
        before = t_alloc_calls;
        CHECK_OK(lc_eval(c, toks, 100));                        /* chunked prefill */
        CHECK_OK(lc_eval_all_logits(c, toks + 100, 40, all));   /* all logits */
        for (i = 0; i < 40; i++) {                              /* decode with each sampler */
            int32_t t = lc_sampler_sample(smp[i % 4], lc_get_logits(c));
            size_t l;
            lc_detokenize(m, &d, t, piece, sizeof piece, &l);
            lc_token_to_piece(m, t, piece, sizeof piece, &l);
            CHECK_OK(lc_eval(c, &t, 1));
        }
        blob_size = lc_ctx_state_size(c);
        blob = (unsigned char *)malloc(blob_size);                /* the test's buffer, not the library's */
        CHECK_OK(lc_ctx_state_save(c, blob, blob_size, &w));
        CHECK_OK(lc_ctx_state_load(c, blob, w));
        CHECK_OK(lc_eval(c, toks + 150, 3));
        CHECK(t_alloc_calls == before, "case %zu (%s, %s, %s): %ld allocations in eval/sample/save/load", k, cases[k].kinds, cases[k].fmap,
              cases[k].mode ? "terrace" : "sliding", t_alloc_calls - before);
        for (j = 0; j < 4; j++) lc_sampler_destroy(smp[j]);
        lc_ctx_destroy(c); lc_model_close(m); free(buf); free(blob); free(all);
    }
}

/* Below the library's allocator: the C library's malloc itself, interposed in the plain glibc
   build (the sanitizer builds bring their own malloc), so hidden allocations such as the one
   inside glibc's qsort would show up too. */
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define T_NO_MALLOC_HOOK 1
#endif
#endif
#ifndef T_NO_MALLOC_HOOK
#define T_MALLOC_HOOK 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t a, size_t b);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
static long t_libc_allocs;
void *malloc(size_t n) { __atomic_fetch_add(&t_libc_allocs, 1, __ATOMIC_RELAXED); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { __atomic_fetch_add(&t_libc_allocs, 1, __ATOMIC_RELAXED); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { __atomic_fetch_add(&t_libc_allocs, 1, __ATOMIC_RELAXED); return __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
#endif
#endif

static void test_no_libc_alloc(void) {
#if defined(T_MALLOC_HOOK)
    tm_spec s = tm_default();
    unsigned char *buf, *blob;
    lc_model *m;
    lc_ctx *c;
    lc_sampler *smp;
    lc_sampler_params sp = lc_sampler_default_params();
    lc_ctx_params cp = lc_ctx_default_params();
    int32_t toks[64], t = 5;
    float *all = (float *)malloc(16 * 300 * sizeof(float));
    size_t size, w, l;
    long before;
    int i, nt;
    char piece[64];
    lc_detokenizer d;
    {   /* the hook works: glibc's qsort allocates for arrays over 1 KiB */
        int32_t *arr = (int32_t *)calloc(4096, sizeof(int32_t));
        before = t_libc_allocs;
        qsort(arr, 4096, sizeof(int32_t), t_int_cmp);
        CHECK(t_libc_allocs > before, "the malloc hook sees qsort's allocation");
        free(arr);
    }
    s.kinds = "shl";
    m = tm_open(&s, &buf);
    for (nt = 1; nt <= 2; nt++) {   /* two threads: OpenMP's pool must not allocate per region either */
        cp.n_threads = nt; cp.n_ctx = 512;
        sp.top_k = 0; sp.top_p = 0.95f; sp.repeat_penalty = 1.1f;   /* sorts all 300 candidates */
        lc_ctx_create(m, &cp, &c);
        lc_sampler_create(m, &sp, &smp);
        size = lc_ctx_state_size(c) + (1 << 16);
        blob = (unsigned char *)malloc(size);
        t_random_tokens(toks, 64, 300, 3);
        lc_eval(c, toks, 30);
        lc_detokenizer_init(&d);
        before = t_libc_allocs;
        CHECK_OK(lc_eval(c, toks + 30, 20));
        CHECK_OK(lc_eval_all_logits(c, toks + 50, 14, all));
        for (i = 0; i < 30; i++) {
            t = lc_sampler_sample(smp, lc_get_logits(c));
            lc_detokenize(m, &d, t, piece, sizeof piece, &l);
            CHECK_OK(lc_eval(c, &t, 1));
        }
        CHECK_OK(lc_ctx_state_save(c, blob, size, &w));
        CHECK_OK(lc_ctx_state_load(c, blob, w));
        CHECK(t_libc_allocs == before, "%d threads: %ld C library allocations in eval, sample, detokenize, save, load", nt,
              t_libc_allocs - before);
        free(blob);
        lc_sampler_destroy(smp); lc_ctx_destroy(c);
    }
    free(all);
    lc_model_close(m); free(buf);
#else
    t_skip("malloc is not interposable in this build (sanitizer or non-glibc)");
#endif
}

/* ------------------------------------------------------------------------------------------ */
/* out of memory on the sampler, tokenizer, fork and vocabulary-only paths                    */
/* ------------------------------------------------------------------------------------------ */
/* One operation on an open model and context: 0 sampler, 1 tokenizer, 2 fork. A failed create
   or fork must leave its output NULL (`ok` cleared otherwise). */
typedef struct t_oom_path {
    lc_model   *m;
    lc_ctx     *c;
    int         path, ok;
    const char *text;
} t_oom_path;
static lc_result t_oom_path_step(void *ud) {
    t_oom_path *p = (t_oom_path *)ud;
    int32_t toks[128];
    size_t nt;
    lc_result r = LOLCAT_OK;
    if (p->path == 0) {
        lc_sampler *smp = NULL;
        r = lc_sampler_create(p->m, NULL, &smp);
        if (r == LOLCAT_OK) lc_sampler_destroy(smp); else if (smp) p->ok = 0;
    } else if (p->path == 1) {
        r = lc_tokenize(p->m, p->text, strlen(p->text), LOLCAT_TOKENIZE_ADD_BOS | LOLCAT_TOKENIZE_PARSE_SPECIAL, toks, 128, &nt);
    } else {
        lc_ctx *f = NULL;
        r = lc_ctx_fork(p->c, &f);
        if (r == LOLCAT_OK) lc_ctx_destroy(f); else if (f) p->ok = 0;
    }
    return r;
}
static void test_oom_paths(void) {
    static const char *const names[4] = {"sampler", "tokenizer", "fork", "tokenizer of a vocabulary-only file"};
    tm_spec s = tm_default();
    size_t n, vn;
    unsigned char *bytes = tm_build(&s, &n), *vbytes = fz_builtin_vocab(&vn);
    lc_model_params mp;
    t_oom_path p;
    t_oom_open vo;
    long total;
    int ok = 1, path;
    memset(&mp, 0, sizeof mp);
    mp.allocator.alloc = t_counting_alloc; mp.allocator.free = t_counting_free;
    p.text = "Once upon a time <|im_end|> there was \xc3\xa9 a dog";
    for (path = 0; path < 4; path++) {
        /* count the allocations of the path, then fail each one in turn */
        t_alloc_fail_at = -1;
        CHECK_OK(lc_model_open_memory(path == 3 ? vbytes : bytes, path == 3 ? vn : n, &mp, &p.m));
        p.c = NULL;
        lc_ctx_create(p.m, NULL, &p.c);
        p.path = path == 3 ? 1 : path;
        p.ok = 1;
        if (!t_fail_each_allocation(t_oom_path_step, &p, names[path], &total) || !p.ok) ok = 0;
        CHECK(total > 0, "path %d allocates", path);
        lc_ctx_destroy(p.c);
        lc_model_close(p.m);
    }
    /* opening a vocabulary-only file with each allocation failing */
    memset(&vo, 0, sizeof vo);
    vo.bytes = vbytes; vo.n = vn; vo.mp = &mp;
    if (!t_fail_each_allocation(t_oom_open_step, &vo, "vocab open", &total)) ok = 0;
    CHECK(ok, "every allocation of sampler, tokenizer, fork and vocabulary loading can fail cleanly");
    free(bytes); free(vbytes);
}

/* ------------------------------------------------------------------------------------------ */
/* soak: 20k tokens in one context, memory constant, logits finite                            */
/* ------------------------------------------------------------------------------------------ */
/* Anonymous resident memory (resident minus file-backed pages, /proc/self/statm), what a leak
   would grow; -1 where unavailable. */
static long t_rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages_total, pages_res, pages_shared;
    if (!f) return -1;
    if (fscanf(f, "%ld %ld %ld", &pages_total, &pages_res, &pages_shared) != 3) pages_res = -1;
    fclose(f);
    return pages_res < 0 ? -1 : (pages_res - pages_shared) * 4096;
}

static void test_soak(void) {
    tm_spec s = tm_default();
    unsigned char *buf;
    lc_model *m;
    lc_ctx *c;
    lc_sampler *smp;
    lc_sampler_params sp = lc_sampler_default_params();
    lc_ctx_params cp = lc_ctx_default_params();
    const int n_tokens = 20000, warm = 1000;
    long rss0 = -1, rss1, allocs0 = 0;
    size_t mem0 = 0;
    int i, finite = 1, mem_same = 1;
    int32_t t = 1;
    s.kinds = "hl"; s.seed = 77;
    m = tm_open(&s, &buf);
    cp.n_threads = 1;
    sp.seed = 5;
    lc_ctx_create(m, &cp, &c);
    lc_sampler_create(m, &sp, &smp);
    for (i = 0; i < n_tokens; i++) {
        if (lc_eval(c, &t, 1) != LOLCAT_OK) { CHECK(0, "eval at token %d: %s", i, lc_ctx_last_error(c)); break; }
        if (!fz_all_finite(lc_get_logits(c), 300)) { finite = 0; break; }
        t = lc_sampler_sample(smp, lc_get_logits(c));
        if (i == warm) { rss0 = t_rss_bytes(); mem0 = lc_ctx_state_memory(c); allocs0 = t_alloc_calls; }
        if (i > warm && i % 1000 == 0) mem_same &= lc_ctx_state_memory(c) == mem0;
    }
    rss1 = t_rss_bytes();
    CHECK(finite, "logits finite for %d tokens (stopped at %d)", n_tokens, i);
    CHECK(mem_same && lc_ctx_state_size(c) > 0, "state memory constant at %zu bytes", mem0);
    CHECK(t_alloc_calls == allocs0, "%ld allocations while decoding", t_alloc_calls - allocs0);
    if (rss0 < 0 || rss1 < 0) t_skip("no /proc/self/statm: RSS not measured");
    else CHECK(rss1 - rss0 <= 64 * 1024, "anonymous RSS grew by %ld bytes over %d tokens", rss1 - rss0, n_tokens - warm);
    lc_sampler_destroy(smp);
    lc_ctx_destroy(c); lc_model_close(m); free(buf);
}

/* A vocabulary with 100,000 control tokens loads in O(n log n) (an insertion sort of the special
   tokens took 5.4 s here; the load time is printed, not asserted) and longest-match still wins. */
static void test_many_special_tokens(void) {
    enum { N = 100000 };
    tg_gguf *g = (tg_gguf *)calloc(1, sizeof *g);
    const char **toks = (const char **)malloc(N * sizeof *toks);
    char (*st)[24] = (char (*)[24])malloc((size_t)N * 24);
    int32_t *ty = (int32_t *)malloc(N * sizeof(int32_t)), ids[8];
    size_t size, n = 0;
    unsigned char *bytes;
    lc_model *m = NULL;
    clock_t t0;
    int i;
    t_seed(1);
    for (i = 0; i < N; i++) {
        int len = 3 + (int)(t_rand() % 18), k;
        for (k = 0; k < len; k++) st[i][k] = (char)('a' + t_rand() % 26);
        st[i][0] = '<'; st[i][len] = 0;
        toks[i] = st[i]; ty[i] = 3;
    }
    snprintf(st[N - 2], 24, "<zz"); snprintf(st[N - 1], 24, "<zzzz");   /* a prefix pair */
    tg_init(g);
    tg_kv_str(g, "general.architecture", "llama");
    tg_kv_str(g, "tokenizer.ggml.model", "llama");
    tg_kv_str_arr(g, "tokenizer.ggml.tokens", toks, N);
    tg_kv_i32_arr(g, "tokenizer.ggml.token_type", ty, N);
    bytes = tg_finish(g, &size);
    t0 = clock();
    CHECK_OK(lc_model_open_memory(bytes, size, NULL, &m));
    printf("  %d control tokens (%zu-byte file): loaded in %.3f s of CPU time\n", N, size, (double)(clock() - t0) / CLOCKS_PER_SEC);
    if (m) {
        CHECK(lc_tokenize(m, "<zzzz<zz", 8, LOLCAT_TOKENIZE_PARSE_SPECIAL, ids, 8, &n) == LOLCAT_OK && n == 2 &&
              ids[0] == lc_token_lookup(m, "<zzzz", 5) && ids[1] == lc_token_lookup(m, "<zz", 3), "longest special token first");
    }
    lc_model_close(m);
    free(bytes); tg_free(g); free(g); free(toks); free(st); free(ty);
}

#define T_SECURITY_SUITES \
    {"security/sort", test_sort}, \
    {"security/fuzz_regressions", test_fuzz_regressions}, \
    {"security/fuzz_mutations", test_fuzz_mutations}, \
    {"security/gguf_limits", test_gguf_limits}, \
    {"security/ctx_limits", test_ctx_limits}, \
    {"security/state_blobs", test_state_blobs}, \
    {"security/threads", test_threads}, \
    {"security/no_alloc_all_kinds", test_no_alloc_all_kinds}, \
    {"security/no_libc_alloc", test_no_libc_alloc}, \
    {"security/oom_paths", test_oom_paths}, \
    {"security/many_special_tokens", test_many_special_tokens}, \
    {"security/soak", test_soak},
