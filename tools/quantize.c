/* lolcat-quantize: rewrites a GGUF model with its weight matrices in another type.

   lolcat-quantize IN.gguf OUT.gguf TYPE        TYPE: q8_0, q4_0, f16, bf16 or f32

   Every weight matrix (2-D or more) is converted with ggml's rounding rules. Tensors that
   must keep full precision are copied unchanged: 1-D tensors (norms, window factors, biases,
   rope_freqs), feature maps, and, for the block types, matrices whose rows are not a
   multiple of 32 values (e.g. a LoRA B of rank 8). Metadata is copied as it is, with
   general.file_type updated. The output is written to OUT.tmp, loaded back with lolcat.h
   as a check, then renamed to OUT: a failure never leaves a partial OUT behind. */
#define LOLCAT_IMPLEMENTATION
#include "../lolcat.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

/* llama.cpp's general.file_type values */
static uint32_t file_type_of(lc_tensor_type t) {
    switch (t) {
    case LOLCAT_TYPE_F16: return 1;
    case LOLCAT_TYPE_Q4_0: return 2;
    case LOLCAT_TYPE_Q8_0: return 7;
    case LOLCAT_TYPE_BF16: return 32;
    default: return 0;
    }
}

static int parse_type(const char *s, lc_tensor_type *t) {
    static const struct { const char *name; lc_tensor_type type; } names[] = {
        {"q8_0", LOLCAT_TYPE_Q8_0}, {"q4_0", LOLCAT_TYPE_Q4_0}, {"f16", LOLCAT_TYPE_F16},
        {"bf16", LOLCAT_TYPE_BF16}, {"f32", LOLCAT_TYPE_F32}};
    char low[8];
    size_t i;
    for (i = 0; s[i] && i < sizeof low - 1; i++) low[i] = (char)tolower((unsigned char)s[i]);
    low[i] = 0;
    if (s[i]) return 0;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(low, names[i].name)) { *t = names[i].type; return 1; }
    return 0;
}

/* Why a tensor keeps its type, or NULL if it is converted. */
static const char *keep_reason(const lc_tensor_info *t, lc_tensor_type target) {
    if (t->n_dims < 2) return "1-D (norms, window factors, biases, rope factors)";
    if (strstr(t->name, "attn_fmap_")) return "feature map";
    if ((target == LOLCAT_TYPE_Q8_0 || target == LOLCAT_TYPE_Q4_0) && t->ne[0] % 32)
        return "rows not a multiple of 32";
    return NULL;
}

typedef struct out_file {
    FILE       *f;
    const char *path;
    int         failed;
} out_file;

static void put(out_file *o, const void *p, size_t n) {
    if (!o->failed && n && fwrite(p, 1, n, o->f) != n) o->failed = 1;
}
static void put_u32(out_file *o, uint32_t v) { unsigned char b[4]; int i; for (i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i)); put(o, b, 4); }
static void put_u64(out_file *o, uint64_t v) { unsigned char b[8]; int i; for (i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i)); put(o, b, 8); }
static void put_str(out_file *o, const char *s, size_t n) { put_u64(o, n); put(o, s, n); }
static void put_pad(out_file *o, uint64_t *pos, uint64_t align) {
    static const unsigned char zeros[64] = {0};
    uint64_t n = (align - *pos % align) % align;
    while (n) { uint64_t k = n < sizeof zeros ? n : sizeof zeros; put(o, zeros, (size_t)k); n -= k; *pos += k; }
}

static int key_is(const lc_meta_entry *e, const char *key) {
    return e->key_len == strlen(key) && !memcmp(e->key, key, e->key_len);
}

int main(int argc, char **argv) {
    const char *in_path, *out_path;
    lc_tensor_type target;
    lc_model_params mp;
    lc_model *model = NULL, *check = NULL;
    char err[512] = "", tmp[4096];
    out_file o;
    lc_tensor_type *types = NULL;
    float *buf = NULL;
    void *qbuf = NULL;
    size_t buf_cap = 0, qbuf_cap = 0;
    uint64_t align = 32, pos, offset, in_bytes = 0, out_bytes = 0;
    int64_t v;
    int n_tensors, n_kv, i, n_conv = 0, n_keep = 0, rc = 1, has_qv = 0;
    lc_result r;

    if (argc != 4 || !parse_type(argv[3], &target)) {
        fprintf(stderr, "usage: lolcat-quantize IN.gguf OUT.gguf TYPE   (TYPE: q8_0, q4_0, f16, bf16, f32)\n");
        return 2;
    }
    in_path = argv[1]; out_path = argv[2];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", out_path) >= (int)sizeof tmp) { fprintf(stderr, "lolcat-quantize: output path too long\n"); return 1; }
    memset(&mp, 0, sizeof mp);
    mp.error_message = err; mp.error_message_size = sizeof err;
    if ((r = lc_model_open_file(in_path, &mp, &model)) != LOLCAT_OK) {
        fprintf(stderr, "lolcat-quantize: %s: %s: %s\n", in_path, lc_result_string(r), err);
        return 1;
    }
    n_tensors = lc_model_tensor_count(model);
    n_kv = lc_model_meta_count(model);
    if (lc_model_meta_int(model, "general.alignment", &v) == LOLCAT_OK) align = (uint64_t)v;
    types = (lc_tensor_type *)malloc((size_t)(n_tensors + 1) * sizeof *types);
    if (!types) { fprintf(stderr, "lolcat-quantize: out of memory\n"); goto done; }
    for (i = 0; i < n_kv; i++) {
        lc_meta_entry e;
        lc_model_meta_get(model, i, &e);
        if (key_is(&e, "general.quantization_version")) has_qv = 1;
    }

    o.f = fopen(tmp, "wb"); o.path = tmp; o.failed = 0;
    if (!o.f) { fprintf(stderr, "lolcat-quantize: cannot create %s\n", tmp); goto done; }

    /* header and metadata: every entry copied, general.file_type replaced */
    {
        int has_ft = 0, extra;
        for (i = 0; i < n_kv; i++) { lc_meta_entry e; lc_model_meta_get(model, i, &e); has_ft |= key_is(&e, "general.file_type"); }
        extra = !has_ft + (!has_qv && (target == LOLCAT_TYPE_Q8_0 || target == LOLCAT_TYPE_Q4_0));
        put(&o, "GGUF", 4); put_u32(&o, 3); put_u64(&o, (uint64_t)n_tensors); put_u64(&o, (uint64_t)(n_kv + extra));
        for (i = 0; i < n_kv; i++) {
            lc_meta_entry e;
            lc_model_meta_get(model, i, &e);
            put_str(&o, e.key, e.key_len);
            if (key_is(&e, "general.file_type")) { put_u32(&o, 4); put_u32(&o, file_type_of(target)); continue; }
            put_u32(&o, e.type);
            put(&o, e.raw, (size_t)e.raw_size);
        }
        if (!has_ft) { put_str(&o, "general.file_type", 17); put_u32(&o, 4); put_u32(&o, file_type_of(target)); }
        if (extra - !has_ft) { put_str(&o, "general.quantization_version", 28); put_u32(&o, 4); put_u32(&o, 2); }
    }
    /* tensor infos with the new types and offsets */
    offset = 0;
    for (i = 0; i < n_tensors; i++) {
        lc_tensor_info t;
        uint64_t n, size;
        int d;
        lc_model_tensor_get(model, i, &t);
        types[i] = keep_reason(&t, target) ? t.type : target;
        n = (uint64_t)(t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3]);
        size = lc_type_size(types[i], n);
        put_str(&o, t.name, strlen(t.name));
        put_u32(&o, (uint32_t)t.n_dims);
        for (d = 0; d < t.n_dims; d++) put_u64(&o, (uint64_t)t.ne[d]);
        put_u32(&o, (uint32_t)types[i]);
        put_u64(&o, offset);
        offset += (size + align - 1) / align * align;
    }
    pos = (uint64_t)ftell(o.f);
    put_pad(&o, &pos, align);

    /* tensor data, one tensor at a time */
    for (i = 0; i < n_tensors && !o.failed; i++) {
        lc_tensor_info t;
        uint64_t n, size;
        lc_model_tensor_get(model, i, &t);
        n = (uint64_t)(t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3]);
        size = lc_type_size(types[i], n);
        in_bytes += t.n_bytes;
        if (types[i] == t.type) {
            put(&o, t.data, (size_t)t.n_bytes);
            if (keep_reason(&t, target)) n_keep++; else n_conv++;
        } else {
            if (n > buf_cap) {
                free(buf);
                if (!(buf = (float *)malloc((size_t)n * sizeof *buf))) { fprintf(stderr, "lolcat-quantize: out of memory for %s\n", t.name); goto fail; }
                buf_cap = n;
            }
            if (size > qbuf_cap) {
                free(qbuf);
                if (!(qbuf = malloc((size_t)size))) { fprintf(stderr, "lolcat-quantize: out of memory for %s\n", t.name); goto fail; }
                qbuf_cap = (size_t)size;
            }
            if ((r = lc_dequantize(t.type, t.data, buf, n)) != LOLCAT_OK || (r = lc_quantize(types[i], buf, qbuf, n)) != LOLCAT_OK) {
                fprintf(stderr, "lolcat-quantize: %s: %s -> %s: %s\n", t.name, lc_type_name(t.type), lc_type_name(types[i]), lc_result_string(r));
                goto fail;
            }
            put(&o, qbuf, (size_t)size);
            n_conv++;
        }
        pos += size;
        out_bytes += size;
        put_pad(&o, &pos, align);
    }
    if (fflush(o.f) != 0) o.failed = 1;
    if (fclose(o.f) != 0) o.failed = 1;
    o.f = NULL;
    if (o.failed) { fprintf(stderr, "lolcat-quantize: cannot write %s (disk full?)\n", tmp); goto fail; }
    /* load the result back before it replaces anything */
    if ((r = lc_model_open_file(tmp, &mp, &check)) != LOLCAT_OK) {
        fprintf(stderr, "lolcat-quantize: the written file does not load: %s: %s\n", lc_result_string(r), err);
        goto fail;
    }
    lc_model_close(check);
    if (rename(tmp, out_path) != 0) { fprintf(stderr, "lolcat-quantize: cannot rename %s to %s\n", tmp, out_path); goto fail; }
    fprintf(stderr, "lolcat-quantize: %s -> %s: %d tensors as %s, %d kept; tensor data %.2f MiB -> %.2f MiB\n",
            in_path, out_path, n_conv, lc_type_name(target), n_keep, in_bytes / 1048576.0, out_bytes / 1048576.0);
    rc = 0;
    goto done;
fail:
    if (o.f) fclose(o.f);
    remove(tmp);
done:
    free(buf); free(qbuf); free(types);
    lc_model_close(model);
    return rc;
}
