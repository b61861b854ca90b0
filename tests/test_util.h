/* Test helpers shared by every tests/test_*.c file: checks, counting allocator, an in-memory
   GGUF builder and a random-model generator (so most tests need no files at all). */
#ifndef LOLCAT_TEST_UTIL_H
#define LOLCAT_TEST_UTIL_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <stdint.h>

/* ---- checks ------------------------------------------------------------------------------ */
static int t_passed, t_failed, t_skipped;
static const char *t_current = "";

#define CHECK(cond, ...) do { \
    if (cond) t_passed++; \
    else { t_failed++; fprintf(stderr, "FAIL %s (%s:%d): ", t_current, __FILE__, __LINE__); \
           fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); } \
} while (0)
#define CHECK_OK(expr) do { lc_result r_ = (expr); CHECK(r_ == LOLCAT_OK, "%s -> %s", #expr, lc_result_string(r_)); } while (0)

static void t_skip(const char *why) {
    t_skipped++;
    printf("SKIP %s: %s\n", t_current, why);
}

/* ---- paths -------------------------------------------------------------------------------- */
static const char *t_shared_dir(void) {
    const char *e = getenv("LOLCAT_SHARED");
    return e ? e : "../shared";
}
static const char *t_fixtures_dir(void) {
    const char *e = getenv("LOLCAT_FIXTURES");
    return e ? e : "build/fixtures";
}
static int t_file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}
static unsigned char *t_read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (unsigned char *)malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    if (buf) *size = (size_t)n;
    return buf;
}

/* ---- comparisons -------------------------------------------------------------------------- */
/* max |a-b| / max(1, max |b|): logits are O(1..10), so this is a relative error. */
static double t_rel_err(const float *a, const float *b, size_t n) {
    double err = 0, scale = 1;
    size_t i;
    for (i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= err)) err = d;            /* also catches nan */
        if (fabs(b[i]) > scale) scale = fabs(b[i]);
    }
    return err / scale;
}

/* ---- counting allocator (also installed as LOLCAT_MALLOC in the test binary) ------------- */
static long t_alloc_calls, t_alloc_live, t_free_calls;
static long t_alloc_fail_at = -1;     /* make allocation number N fail (OOM tests) */
static void *t_counting_alloc(size_t n, void *ud) {
    (void)ud;
    if (t_alloc_calls++ == t_alloc_fail_at) return NULL;
    t_alloc_live++;
    return malloc(n);
}
static void t_counting_free(void *p, size_t n, void *ud) {
    (void)ud; (void)n;
    if (p) { t_alloc_live--; t_free_calls++; }
    free(p);
}
/* The OOM protocol: run `step` once (it must succeed) to count its allocations through the
   counting allocator, then once per allocation with that one failing. Every failing run must
   return LOLCAT_ERR_OUT_OF_MEMORY and leave nothing allocated; `step` releases whatever it
   created when it succeeds. Returns 1 when all runs were clean; *n_allocs gets the count. */
typedef lc_result (*t_alloc_step)(void *ud);
static int t_fail_each_allocation(t_alloc_step step, void *ud, const char *what, long *n_allocs) {
    long k, total;
    int ok = 1;
    lc_result r;
    t_alloc_fail_at = -1; t_alloc_calls = 0;
    r = step(ud);
    total = t_alloc_calls;
    *n_allocs = total;
    if (r != LOLCAT_OK) { fprintf(stderr, "  %s: %s without a failing allocation\n", what, lc_result_string(r)); return 0; }
    for (k = 0; k < total; k++) {
        long live0 = t_alloc_live;
        t_alloc_calls = 0; t_alloc_fail_at = k;
        r = step(ud);
        t_alloc_fail_at = -1;
        if (r != LOLCAT_ERR_OUT_OF_MEMORY || t_alloc_live != live0) {
            ok = 0;
            fprintf(stderr, "  %s, allocation %ld: %s, leak %ld\n", what, k, lc_result_string(r), t_alloc_live - live0);
        }
    }
    return ok;
}
/* A common step: open a model from memory, then optionally create a context and/or tokenize
   `text`, and release everything again. */
typedef struct t_oom_open {
    const unsigned char *bytes;
    size_t               n;
    const lc_model_params *mp;
    int                  create_ctx;
    const char          *text;        /* NULL: no tokenize */
    size_t               text_len;
    int                  tokenize_flags;
} t_oom_open;
static lc_result t_oom_open_step(void *ud) {
    const t_oom_open *o = (const t_oom_open *)ud;
    lc_model *m;
    lc_ctx *c;
    int32_t toks[512];
    size_t nt;
    lc_result r = lc_model_open_memory(o->bytes, o->n, o->mp, &m);
    if (r != LOLCAT_OK) return r;
    if (o->create_ctx) {
        r = lc_ctx_create(m, NULL, &c);
        if (r == LOLCAT_OK) lc_ctx_destroy(c);
    }
    if (r == LOLCAT_OK && o->text) r = lc_tokenize(m, o->text, o->text_len, o->tokenize_flags, toks, 512, &nt);
    lc_model_close(m);
    return r;
}

/* ---- random numbers ----------------------------------------------------------------------- */
static uint64_t t_rng_state = 88172645463325252ull;
static void t_seed(uint64_t s) { t_rng_state = s * 2654435761ull + 1; }
static uint32_t t_rand(void) {
    t_rng_state ^= t_rng_state << 13; t_rng_state ^= t_rng_state >> 7; t_rng_state ^= t_rng_state << 17;
    return (uint32_t)(t_rng_state >> 16);
}
static float t_uniform(void) { return (float)(t_rand() & 0xffffff) / 16777216.0f; }
static float t_normal(void) {   /* Irwin-Hall: plenty for test weights */
    float s = 0; int i;
    for (i = 0; i < 12; i++) s += t_uniform();
    return s - 6.0f;
}

/* ---- in-memory GGUF builder --------------------------------------------------------------- */
typedef struct tg_buf { unsigned char *p; size_t n, cap; } tg_buf;
static void tg_put(tg_buf *b, const void *d, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = (unsigned char *)realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}
static void tg_u32(tg_buf *b, uint32_t v) { tg_put(b, &v, 4); }
static void tg_u64(tg_buf *b, uint64_t v) { tg_put(b, &v, 8); }
static void tg_str(tg_buf *b, const char *s) { tg_u64(b, strlen(s)); tg_put(b, s, strlen(s)); }

typedef struct tg_tensor { char name[96]; int type, n_dims; int64_t ne[4]; unsigned char *data; size_t n_bytes; } tg_tensor;
typedef struct tg_gguf { tg_buf kv; uint64_t n_kv; tg_tensor t[512]; int n_t; uint32_t alignment, version; } tg_gguf;

static void tg_init(tg_gguf *g) { memset(g, 0, sizeof *g); g->alignment = 32; g->version = 3; }
static void tg_free(tg_gguf *g) { int i; for (i = 0; i < g->n_t; i++) free(g->t[i].data); free(g->kv.p); memset(g, 0, sizeof *g); }
static void tg_key(tg_gguf *g, const char *key, uint32_t type) { tg_str(&g->kv, key); tg_u32(&g->kv, type); g->n_kv++; }
static void tg_kv_u32(tg_gguf *g, const char *key, uint32_t v) { tg_key(g, key, 4); tg_u32(&g->kv, v); }
static void tg_kv_f32(tg_gguf *g, const char *key, float v) { tg_key(g, key, 6); tg_put(&g->kv, &v, 4); }
static void tg_kv_bool(tg_gguf *g, const char *key, int v) { unsigned char c = (unsigned char)v; tg_key(g, key, 7); tg_put(&g->kv, &c, 1); }
static void tg_kv_str(tg_gguf *g, const char *key, const char *v) { tg_key(g, key, 8); tg_str(&g->kv, v); }
static void tg_kv_arr_begin(tg_gguf *g, const char *key, uint32_t elem_type, uint64_t n) { tg_key(g, key, 9); tg_u32(&g->kv, elem_type); tg_u64(&g->kv, n); }
static void tg_kv_str_arr(tg_gguf *g, const char *key, const char *const *v, int n) {
    int i;
    tg_kv_arr_begin(g, key, 8, (uint64_t)n);
    for (i = 0; i < n; i++) tg_str(&g->kv, v[i]);
}
static void tg_kv_u32_arr(tg_gguf *g, const char *key, const uint32_t *v, int n) { tg_kv_arr_begin(g, key, 4, (uint64_t)n); tg_put(&g->kv, v, 4 * (size_t)n); }
static void tg_kv_i32_arr(tg_gguf *g, const char *key, const int32_t *v, int n) { tg_kv_arr_begin(g, key, 5, (uint64_t)n); tg_put(&g->kv, v, 4 * (size_t)n); }
static void tg_kv_f32_arr(tg_gguf *g, const char *key, const float *v, int n) { tg_kv_arr_begin(g, key, 6, (uint64_t)n); tg_put(&g->kv, v, 4 * (size_t)n); }

/* Adds a tensor from float values, stored as `type` through lc_quantize. */
static void tg_tensor_add(tg_gguf *g, const char *name, int type, int n_dims, const int64_t *ne, const float *values) {
    tg_tensor *t = &g->t[g->n_t++];
    uint64_t n = 1;
    int d;
    snprintf(t->name, sizeof t->name, "%s", name);
    t->type = type; t->n_dims = n_dims;
    for (d = 0; d < 4; d++) t->ne[d] = d < n_dims ? ne[d] : 1;
    for (d = 0; d < n_dims; d++) n *= (uint64_t)ne[d];
    t->n_bytes = lc_type_size((lc_tensor_type)type, n);
    t->data = (unsigned char *)malloc(t->n_bytes ? t->n_bytes : 1);
    lc_quantize((lc_tensor_type)type, values, t->data, n);
}

/* Serializes; the caller frees the result. */
static unsigned char *tg_finish(tg_gguf *g, size_t *size) {
    tg_buf b = {0, 0, 0};
    uint64_t off = 0;
    size_t data_start;
    int i;
    tg_u32(&b, 0x46554747u);
    tg_u32(&b, g->version);
    tg_u64(&b, (uint64_t)g->n_t);
    tg_u64(&b, g->n_kv + (g->alignment != 32));
    tg_put(&b, g->kv.p, g->kv.n);
    if (g->alignment != 32) { tg_str(&b, "general.alignment"); tg_u32(&b, 4); tg_u32(&b, g->alignment); }
    for (i = 0; i < g->n_t; i++) {
        tg_tensor *t = &g->t[i];
        int d;
        tg_str(&b, t->name);
        tg_u32(&b, (uint32_t)t->n_dims);
        for (d = 0; d < t->n_dims; d++) tg_u64(&b, (uint64_t)t->ne[d]);
        tg_u32(&b, (uint32_t)t->type);
        tg_u64(&b, off);
        off += (t->n_bytes + g->alignment - 1) / g->alignment * g->alignment;
    }
    while (b.n % g->alignment) { unsigned char z = 0; tg_put(&b, &z, 1); }
    data_start = b.n;
    for (i = 0; i < g->n_t; i++) {
        tg_tensor *t = &g->t[i];
        tg_put(&b, t->data, t->n_bytes);
        while ((b.n - data_start) % g->alignment) { unsigned char z = 0; tg_put(&b, &z, 1); }
    }
    *size = b.n;
    return b.p;
}

/* ---- random models ------------------------------------------------------------------------ */
typedef struct tm_spec {
    int n_vocab, n_embd, n_head, n_head_kv, dk, dv, n_ff;
    const char *kinds;        /* one letter per layer: s softmax, l linear, h hybrid */
    int window, window_tk;
    const char *fmap;         /* hedgehog, hedgehog_half, t2r, elu */
    int fdim;
    int low_rank;             /* rank of low-rank q/k/v/o, 0 = full */
    int lora_rank;            /* LoRA on q/k/v/o, 0 = none */
    int tied, wtype;
    uint64_t seed;
} tm_spec;

static tm_spec tm_default(void) {
    tm_spec s;
    memset(&s, 0, sizeof s);
    s.n_vocab = 300; s.n_embd = 32; s.n_head = 4; s.n_head_kv = 2; s.dk = 8; s.dv = 8; s.n_ff = 64;
    s.kinds = "hh"; s.window = 5; s.window_tk = 1; s.fmap = "hedgehog"; s.fdim = 8; s.tied = 1;
    s.wtype = LOLCAT_TYPE_F32; s.seed = 1;
    return s;
}

static void tm_add_random(tg_gguf *g, const char *name, int type, int n_dims, int64_t n0, int64_t n1, int64_t n2, float scale, float offset) {
    int64_t ne[3] = {n0, n1, n2}, n = n0 * n1 * n2, i;
    float *v = (float *)malloc((size_t)n * sizeof(float));
    for (i = 0; i < n; i++) v[i] = offset + scale * t_normal();
    tg_tensor_add(g, name, type, n_dims, ne, v);
    free(v);
}

/* A small SentencePiece-like vocabulary: <unk> <s> </s>, 256 byte tokens, then pieces. */
static void tm_add_vocab(tg_gguf *g, int n_vocab) {
    const char **toks = (const char **)malloc((size_t)n_vocab * sizeof(char *));
    char (*store)[16] = (char (*)[16])malloc((size_t)n_vocab * 16);
    float *scores = (float *)malloc((size_t)n_vocab * sizeof(float));
    int32_t *types = (int32_t *)malloc((size_t)n_vocab * sizeof(int32_t));
    int i;
    for (i = 0; i < n_vocab; i++) {
        if (i == 0) snprintf(store[i], 16, "<unk>");
        else if (i == 1) snprintf(store[i], 16, "<s>");
        else if (i == 2) snprintf(store[i], 16, "</s>");
        else if (i < 259) snprintf(store[i], 16, "<0x%02X>", i - 3);
        else snprintf(store[i], 16, "\xe2\x96\x81%c%c", 'a' + (i - 259) % 26, 'a' + (i - 259) / 26 % 26);
        toks[i] = store[i];
        scores[i] = i < 259 ? 0.0f : -(float)i;
        types[i] = i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1;
    }
    tg_kv_str(g, "tokenizer.ggml.model", "llama");
    tg_kv_str_arr(g, "tokenizer.ggml.tokens", toks, n_vocab);
    tg_kv_f32_arr(g, "tokenizer.ggml.scores", scores, n_vocab);
    tg_kv_i32_arr(g, "tokenizer.ggml.token_type", types, n_vocab);
    tg_kv_u32(g, "tokenizer.ggml.bos_token_id", 1);
    tg_kv_u32(g, "tokenizer.ggml.eos_token_id", 2);
    tg_kv_u32(g, "tokenizer.ggml.unknown_token_id", 0);
    free(toks); free(store); free(scores); free(types);
}

static void tm_add_proj(tg_gguf *g, const tm_spec *s, int il, const char *base, int n_in, int n_out, float scale) {
    char name[96];
    if (s->low_rank) {
        snprintf(name, sizeof name, "blk.%d.%s_a.weight", il, base);
        tm_add_random(g, name, s->wtype, 2, n_in, s->low_rank, 1, 1.0f / sqrtf((float)n_in), 0);
        snprintf(name, sizeof name, "blk.%d.%s_b.weight", il, base);
        tm_add_random(g, name, s->low_rank % 32 ? LOLCAT_TYPE_F32 : s->wtype, 2, s->low_rank, n_out, 1, scale * sqrtf((float)n_in / s->low_rank), 0);
    } else {
        snprintf(name, sizeof name, "blk.%d.%s.weight", il, base);
        tm_add_random(g, name, s->wtype, 2, n_in, n_out, 1, scale, 0);
    }
    if (s->lora_rank) {
        snprintf(name, sizeof name, "blk.%d.%s.weight.lora_a", il, base);
        tm_add_random(g, name, LOLCAT_TYPE_F32, 2, n_in, s->lora_rank, 1, 0.3f / sqrtf((float)n_in), 0);
        snprintf(name, sizeof name, "blk.%d.%s.weight.lora_b", il, base);
        tm_add_random(g, name, LOLCAT_TYPE_F32, 2, s->lora_rank, n_out, 1, 0.3f * scale, 0);
    }
}

static unsigned char *tm_build(const tm_spec *s, size_t *size) {
    tg_gguf *g = (tg_gguf *)malloc(sizeof(tg_gguf));
    int n_layer = (int)strlen(s->kinds), il, any_lin = 0, any_hyb = 0;
    const char *kind_names[64];
    unsigned char *out;
    float is = 1.0f / sqrtf((float)s->n_embd);
    tg_init(g);
    t_seed(s->seed);
    tg_kv_str(g, "general.architecture", "llama");
    tg_kv_str(g, "general.name", "test-model");
    tg_kv_u32(g, "llama.block_count", (uint32_t)n_layer);
    tg_kv_u32(g, "llama.embedding_length", (uint32_t)s->n_embd);
    tg_kv_u32(g, "llama.feed_forward_length", (uint32_t)s->n_ff);
    tg_kv_u32(g, "llama.attention.head_count", (uint32_t)s->n_head);
    tg_kv_u32(g, "llama.attention.head_count_kv", (uint32_t)s->n_head_kv);
    tg_kv_u32(g, "llama.attention.key_length", (uint32_t)s->dk);
    tg_kv_u32(g, "llama.attention.value_length", (uint32_t)s->dv);
    tg_kv_u32(g, "llama.rope.dimension_count", (uint32_t)s->dk);
    tg_kv_u32(g, "llama.context_length", 4096);
    tg_kv_f32(g, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    for (il = 0; il < n_layer; il++) {
        char k = s->kinds[il];
        kind_names[il] = k == 'h' ? "hybrid" : k == 'l' ? "linear" : "softmax";
        any_lin |= k != 's';
        any_hyb |= k == 'h';
    }
    if (any_lin) {
        tg_kv_str_arr(g, "lolcat.attention.layer_kinds", kind_names, n_layer);
        tg_kv_str(g, "lolcat.feature_map.kind", s->fmap);
        if (strcmp(s->fmap, "elu")) tg_kv_u32(g, "lolcat.feature_map.dim", (uint32_t)s->fdim);
        if (any_hyb) {
            tg_kv_u32(g, "lolcat.attention.window_size", (uint32_t)s->window);
            tg_kv_str(g, "lolcat.attention.window_kind", s->window_tk ? "tk" : "sw");
        }
    }
    if (s->lora_rank) tg_kv_f32(g, "lolcat.lora.scale", 2.0f);
    tm_add_vocab(g, s->n_vocab);
    tm_add_random(g, "token_embd.weight", s->wtype, 2, s->n_embd, s->n_vocab, 1, 1.0f, 0);
    tm_add_random(g, "output_norm.weight", LOLCAT_TYPE_F32, 1, s->n_embd, 1, 1, 0.1f, 1.0f);
    if (!s->tied) tm_add_random(g, "output.weight", s->wtype, 2, s->n_embd, s->n_vocab, 1, is, 0);
    for (il = 0; il < n_layer; il++) {
        char name[96];
        char k = s->kinds[il];
        snprintf(name, sizeof name, "blk.%d.attn_norm.weight", il);
        tm_add_random(g, name, LOLCAT_TYPE_F32, 1, s->n_embd, 1, 1, 0.1f, 1.0f);
        snprintf(name, sizeof name, "blk.%d.ffn_norm.weight", il);
        tm_add_random(g, name, LOLCAT_TYPE_F32, 1, s->n_embd, 1, 1, 0.1f, 1.0f);
        tm_add_proj(g, s, il, "attn_q", s->n_embd, s->n_head * s->dk, 2.0f * is);
        tm_add_proj(g, s, il, "attn_k", s->n_embd, s->n_head_kv * s->dk, 2.0f * is);
        tm_add_proj(g, s, il, "attn_v", s->n_embd, s->n_head_kv * s->dv, is);
        tm_add_proj(g, s, il, "attn_output", s->n_head * s->dv, s->n_embd, 1.0f / sqrtf((float)(s->n_head * s->dv)));
        snprintf(name, sizeof name, "blk.%d.ffn_gate.weight", il);
        tm_add_random(g, name, s->wtype, 2, s->n_embd, s->n_ff, 1, is, 0);
        snprintf(name, sizeof name, "blk.%d.ffn_up.weight", il);
        tm_add_random(g, name, s->wtype, 2, s->n_embd, s->n_ff, 1, is, 0);
        snprintf(name, sizeof name, "blk.%d.ffn_down.weight", il);
        tm_add_random(g, name, s->wtype, 2, s->n_ff, s->n_embd, 1, 1.0f / sqrtf((float)s->n_ff), 0);
        if (k != 's' && strcmp(s->fmap, "elu")) {
            snprintf(name, sizeof name, "blk.%d.attn_fmap_q.weight", il);
            tm_add_random(g, name, LOLCAT_TYPE_F32, 3, s->fdim, s->dk, s->n_head, 0.5f, 0);
            snprintf(name, sizeof name, "blk.%d.attn_fmap_k.weight", il);
            tm_add_random(g, name, LOLCAT_TYPE_F32, 3, s->fdim, s->dk, s->n_head, 0.5f, 0);
            if (!strcmp(s->fmap, "t2r")) {
                snprintf(name, sizeof name, "blk.%d.attn_fmap_q.bias", il);
                tm_add_random(g, name, LOLCAT_TYPE_F32, 1, s->n_head, 1, 1, 0.2f, 0);
                snprintf(name, sizeof name, "blk.%d.attn_fmap_k.bias", il);
                tm_add_random(g, name, LOLCAT_TYPE_F32, 1, s->n_head, 1, 1, 0.2f, 0);
            }
        }
        if (k == 'h') {
            snprintf(name, sizeof name, "blk.%d.attn_window_factors.weight", il);
            tm_add_random(g, name, LOLCAT_TYPE_F32, 1, s->n_head, 1, 1, 0.8f, -1.0f);
        }
    }
    out = tg_finish(g, size);
    tg_free(g);
    free(g);
    return out;
}

/* Opens a model built from a spec; the GGUF bytes stay alive in *buf (free after close). */
static lc_model *tm_open(const tm_spec *s, unsigned char **buf) {
    size_t n;
    lc_model *m = NULL;
    char err[512] = "";
    lc_model_params mp;
    lc_result r;
    memset(&mp, 0, sizeof mp);
    mp.error_message = err; mp.error_message_size = sizeof err;
    *buf = tm_build(s, &n);
    r = lc_model_open_memory(*buf, n, &mp, &m);
    if (r != LOLCAT_OK) fprintf(stderr, "tm_open: %s: %s\n", lc_result_string(r), err);
    return m;
}

static void t_random_tokens(int32_t *t, int n, int n_vocab, uint64_t seed) {
    int i;
    t_seed(seed);
    for (i = 0; i < n; i++) t[i] = (int32_t)(t_rand() % (uint32_t)n_vocab);
}
#endif
