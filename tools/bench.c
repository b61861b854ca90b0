/* lolcat-bench: decode and prefill speed of lolcat.h against this machine's own limits.

   It measures, in the same run and with the same thread count, the memory read bandwidth
   (a STREAM-like sum over 1 GiB) and the FP32 FMA peak (independent FMA chains in
   registers), then runs synthetic models of real shapes built in memory (random weights,
   any type, any attention layout) or a GGUF file, and prints (and appends to a CSV):
     decode tok/s at given context positions, with the weight bandwidth it implies (against
       the run's probe, with --summary the best one so far, and, as the median over rounds,
       against the better of the probes taken just before and after each round: the machine
       is shared and its bandwidth moves within a run), and the same median counting the
       bytes attention moves besides the weights (softmax cache; LoLCATs state and feature
       maps, bench_attn_bytes), which the weights-only roofline leaves out,
     prefill tok/s and GFLOP/s for given prompt lengths, the same prompt fed token by token,
     prefill with one thread, as many 1-thread prompts at once as there are threads (how far
     the machine lets independent work scale, beside the thread scaling of one prompt), and
     the bytes of state a sequence holds.
   With --rounds N > 1 and no softmax layer (a sequence's memory is small and fixed), every
   decode position has a context of its own, and each round steps them token by token in
   turn, so the machine's drift weighs on every position alike; each position also reports
   its median step over all rounds (CSV kind decode_median), and --summary's
   long_context_ratio (time per token at 32k against 256) is the ratio of those medians.

   Reaching a context position: a real prefill of 128 tokens, then
     hybrid/linear layers: the sequence is moved forward to position p (p - 128 a multiple of
       the window, so the ring holds the real window keys; S/z keep their real values):
       decode work per token does not depend on p, which is what is being measured;
     softmax layers: the KV cache is really filled to p entries, by repeating the 128 real
       keys/values, so a decode step reads and attends over all p of them.
   (--real-prefill reaches every position by a real prefill instead.)

   usage: lolcat-bench [options]        (lolcat-bench -h lists them) */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime, strtok_r */
#define LOLCAT_IMPLEMENTATION
#define LOLCAT_STATIC
#include "../lolcat.h"
#include <time.h>

typedef struct bench_shape {
    const char *name;
    int n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab;
    float rope_base;
} bench_shape;

static const bench_shape bench_shapes[] = {
    {"stories110M", 768, 12, 12, 12, 64, 2048, 32000, 10000.0f},
    {"tinyllama-1.1B", 2048, 22, 32, 4, 64, 5632, 32000, 10000.0f},
    {"llama3-8B", 4096, 32, 32, 8, 128, 14336, 128256, 500000.0f},
    {"tiny", 128, 2, 4, 2, 32, 256, 512, 10000.0f},
};
#define BENCH_WINDOW 64
#define BENCH_FDIM 64
#define BENCH_PREFIX 128   /* real tokens behind every decode position */
#define BENCH_MAX_APART 16 /* at most this many 1-thread prompts at once (bench_prefill_apart) */

static double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- machine limits ---------------------------------------------------------------------- */

/* Best of `reps` passes summing `bytes` of floats, split across nt threads (remainders of a few
   floats per thread are left out). Each thread reads its share as `streams` interleaved streams,
   far apart, with software prefetch `ahead` bytes in front when ahead > 0, or (row > 0) as
   groups of 4 adjacent rows of `row` floats read side by side, as a matrix-vector product
   reads: one plain sequential stream leaves a core's memory parallelism unused. */
static LOLCAT__NOINLINE double bench_read_pass(const float *a, size_t n, int nt, int streams, size_t ahead, int into_l2, size_t row, int reps) {
    double best = 1e30;
    volatile float sink = 0.0f;
    int rep;
    (void)nt; (void)streams; (void)ahead; (void)into_l2; (void)row;
    for (rep = 0; rep < reps; rep++) {
        double t0 = bench_now(), dt;
        float total = 0.0f;
#if defined(_OPENMP)
#pragma omp parallel num_threads(nt) reduction(+ : total)
#endif
        {
            size_t ith = (size_t)LOLCAT__THREAD_ID(), nth = (size_t)LOLCAT__NUM_THREADS();
            size_t lo = n / nth * ith, hi = ith + 1 == nth ? n : n / nth * (ith + 1), j = lo;
#if LOLCAT__AVX2
            __m256 acc[8];
            size_t k, g;
            int r;
            for (r = 0; r < 8; r++) acc[r] = _mm256_setzero_ps();
            if (row) {   /* groups of 4 adjacent rows, the rows read side by side */
                for (g = lo; g + 4 * row <= hi; g += 4 * row)
                    for (k = 0; k < row; k += 16)
                        for (r = 0; r < 4; r++) {
                            const float *p = a + g + (size_t)r * row + k;
                            acc[r] = _mm256_add_ps(acc[r], _mm256_add_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)));
                        }
            } else {     /* `streams` streams far apart */
                const size_t q = (hi - lo) / (size_t)streams / 32 * 32;
                for (k = 0; k < q; k += 16)
                    for (r = 0; r < streams; r++) {
                        const float *p = a + lo + (size_t)r * q + k;
                        if (ahead && k + ahead / sizeof(float) < q) {
                            if (into_l2) _mm_prefetch((const char *)p + ahead, _MM_HINT_T1);
                            else _mm_prefetch((const char *)p + ahead, _MM_HINT_T0);
                        }
                        acc[r] = _mm256_add_ps(acc[r], _mm256_add_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)));
                    }
            }
            for (r = 1; r < 8; r++) acc[0] = _mm256_add_ps(acc[0], acc[r]);
            (void)j;
            total += lc__hsum_avx2(acc[0]);
#elif LOLCAT__NEON
            float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
            for (; j + 16 <= hi; j += 16) {
                s0 = vaddq_f32(s0, vld1q_f32(a + j)); s1 = vaddq_f32(s1, vld1q_f32(a + j + 4));
                s2 = vaddq_f32(s2, vld1q_f32(a + j + 8)); s3 = vaddq_f32(s3, vld1q_f32(a + j + 12));
            }
            total += vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));
#else
            for (; j < hi; j++) total += a[j];
#endif
        }
        dt = bench_now() - t0;
        sink = sink + total;
        if (dt < best) best = dt;
    }
    (void)sink;
    return (double)n * sizeof(float) / best / 1e9;
}

/* The read patterns the probes try: 1, 4 and 8 streams per thread, with and without software
   prefetch (into L1, or into L2 as the Q8_0 decode kernel does), and 4 adjacent rows of 8 and
   32 KiB. Taking the best makes every "% of bandwidth" below a conservative figure. */
static double bench_best_pattern(const float *a, size_t n, int nt, int reps) {
    static const int streams[] = {1, 4, 4, 8, 8, 4, 4, 4};
    static const size_t ahead[] = {0, 0, 512, 512, 2048, 1024, 0, 0};
    static const int into_l2[] = {0, 0, 0, 0, 0, 1, 0, 0};
    static const size_t row[] = {0, 0, 0, 0, 0, 0, 2048, 8192};
    double best = 0.0;
    int v;
    for (v = 0; v < (int)(sizeof streams / sizeof streams[0]); v++)
        best = LOLCAT__MAX(best, bench_read_pass(a, n, nt, streams[v], ahead[v], into_l2[v], row[v], reps));
    return best;
}
static float *bench_probe_buffer(size_t n, int nt) {   /* first touch from the threads that read it */
    float *a = (float *)malloc(n * sizeof(float));
    size_t i;
    (void)nt;
    if (!a) return NULL;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
    for (i = 0; i < n; i++) a[i] = 1.0f;
    return a;
}
/* The machine's read bandwidth: the best pattern, 6 passes each over `bytes`. */
static double bench_read_bandwidth(int nt, size_t bytes) {
    float *a = bench_probe_buffer(bytes / sizeof(float), nt);
    double best;
    if (!a) return 0.0;
    best = bench_best_pattern(a, bytes / sizeof(float), nt, 6);
    free(a);
    return best;
}
/* The same over a kept 1 GiB buffer, 2 passes each (up to about a second): the bandwidth right
   next to a timed decode round. The machine is shared, and its bandwidth moves by a third
   within a run, so decode is compared with the probes taken just before and after it.
   nt = 0 frees the buffer. */
static double bench_probe_near(int nt) {
    static float *a = NULL;
    const size_t n = ((size_t)1 << 30) / sizeof(float);
    if (nt == 0) { free(a); a = NULL; return 0.0; }
    if (!a && !(a = bench_probe_buffer(n, nt))) return 0.0;
    return bench_best_pattern(a, n, nt, 2);
}

/* FP32 FMA peak: 12 independent chains of fused multiply-adds per thread, in registers, on the
   widest vectors this build's kernels use (AVX-512 builds: 16 lanes, where a core with full
   512-bit FMA units, like Zen 5, does twice the AVX2 work per cycle). */
static double bench_fma_peak(int nt) {
    const long iters = 20000000;
    double best = 1e30;
    volatile float sink = 0.0f;
    int rep, lanes = 1;
#if LOLCAT__AVX512
    lanes = 16;
#elif LOLCAT__AVX2
    lanes = 8;
#elif LOLCAT__NEON
    lanes = 4;
#endif
    for (rep = 0; rep < 3; rep++) {
        double t0 = bench_now(), dt;
        float total = 0.0f;
#if defined(_OPENMP)
#pragma omp parallel num_threads(nt) reduction(+ : total)
#endif
        {
            long it;
#if LOLCAT__AVX512
            __m512 a[12], b = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
            int k;
            for (k = 0; k < 12; k++) a[k] = _mm512_set1_ps((float)(k + LOLCAT__THREAD_ID()));
            for (it = 0; it < iters; it++) {
                a[0] = _mm512_fmadd_ps(a[0], b, c); a[1] = _mm512_fmadd_ps(a[1], b, c); a[2] = _mm512_fmadd_ps(a[2], b, c);
                a[3] = _mm512_fmadd_ps(a[3], b, c); a[4] = _mm512_fmadd_ps(a[4], b, c); a[5] = _mm512_fmadd_ps(a[5], b, c);
                a[6] = _mm512_fmadd_ps(a[6], b, c); a[7] = _mm512_fmadd_ps(a[7], b, c); a[8] = _mm512_fmadd_ps(a[8], b, c);
                a[9] = _mm512_fmadd_ps(a[9], b, c); a[10] = _mm512_fmadd_ps(a[10], b, c); a[11] = _mm512_fmadd_ps(a[11], b, c);
            }
            for (k = 1; k < 12; k++) a[0] = _mm512_add_ps(a[0], a[k]);
            total += _mm512_reduce_add_ps(a[0]);
#elif LOLCAT__AVX2
            __m256 a[12], b = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
            int k;
            for (k = 0; k < 12; k++) a[k] = _mm256_set1_ps((float)(k + LOLCAT__THREAD_ID()));
            for (it = 0; it < iters; it++) {
                a[0] = _mm256_fmadd_ps(a[0], b, c); a[1] = _mm256_fmadd_ps(a[1], b, c); a[2] = _mm256_fmadd_ps(a[2], b, c);
                a[3] = _mm256_fmadd_ps(a[3], b, c); a[4] = _mm256_fmadd_ps(a[4], b, c); a[5] = _mm256_fmadd_ps(a[5], b, c);
                a[6] = _mm256_fmadd_ps(a[6], b, c); a[7] = _mm256_fmadd_ps(a[7], b, c); a[8] = _mm256_fmadd_ps(a[8], b, c);
                a[9] = _mm256_fmadd_ps(a[9], b, c); a[10] = _mm256_fmadd_ps(a[10], b, c); a[11] = _mm256_fmadd_ps(a[11], b, c);
            }
            for (k = 1; k < 12; k++) a[0] = _mm256_add_ps(a[0], a[k]);
            total += lc__hsum_avx2(a[0]);
#elif LOLCAT__NEON
            float32x4_t a[12], b = vdupq_n_f32(0.9999999f), c = vdupq_n_f32(1e-7f);
            int k;
            for (k = 0; k < 12; k++) a[k] = vdupq_n_f32((float)(k + LOLCAT__THREAD_ID()));
            for (it = 0; it < iters; it++)
                for (k = 0; k < 12; k++) a[k] = vfmaq_f32(c, a[k], b);
            for (k = 1; k < 12; k++) a[0] = vaddq_f32(a[0], a[k]);
            total += vaddvq_f32(a[0]);
#else
            float a[12];
            int k;
            for (k = 0; k < 12; k++) a[k] = (float)(k + LOLCAT__THREAD_ID());
            for (it = 0; it < iters; it++)
                for (k = 0; k < 12; k++) a[k] = a[k] * 0.9999999f + 1e-7f;
            for (k = 0; k < 12; k++) total += a[k];
#endif
        }
        dt = bench_now() - t0;
        sink = sink + total;
        if (dt < best) best = dt;
    }
    (void)sink;
    return (double)nt * iters * 12 * lanes * 2 / best / 1e9;
}

/* ---- synthetic models: a GGUF laid out in one buffer, weights written in place ------------ */

typedef struct bench_buf { unsigned char *p; size_t n, cap; } bench_buf;
static void bb_put(bench_buf *b, const void *d, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 4096;
        b->p = (unsigned char *)realloc(b->p, b->cap);
        if (!b->p) { fprintf(stderr, "out of memory\n"); exit(1); }
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}
static void bb_u32(bench_buf *b, uint32_t v) { bb_put(b, &v, 4); }
static void bb_u64(bench_buf *b, uint64_t v) { bb_put(b, &v, 8); }
static void bb_str(bench_buf *b, const char *s) { bb_u64(b, strlen(s)); bb_put(b, s, strlen(s)); }
static void bb_key(bench_buf *b, const char *k, uint32_t type) { bb_str(b, k); bb_u32(b, type); }

typedef struct bench_tensor {
    char    name[64];
    int     type, n_dims;
    int64_t ne[3];
    float   scale, offset;      /* values: offset + scale * uniform(-1, 1) * sqrt(3) */
    uint64_t off, bytes;
} bench_tensor;

typedef struct bench_model {
    const bench_shape *shape;
    int  type;
    char attn[16];
    unsigned char *gguf;
    size_t gguf_size;
    uint64_t matmul_bytes;     /* weights a decode step reads: layer matrices + output */
    double layer_params;       /* matrix elements of the layers (2 FLOP each per token) */
    double output_params;
} bench_model;

static uint64_t bench_mix(uint64_t x) {   /* splitmix64 */
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Fills one row of a tensor with random values of unit variance times scale (plus offset). */
static void bench_fill_row(const bench_tensor *t, int64_t row, unsigned char *dst) {
    const int64_t n = t->ne[0];
    uint64_t s = bench_mix((uint64_t)row * 0x632be59bd9b4e019ull ^ (uint64_t)t->off);
    const float k = 1.7320508f * t->scale / 2147483648.0f;   /* uniform(-1,1)*sqrt(3) */
    int64_t i;
#define BENCH_NEXT() (s ^= s << 13, s ^= s >> 7, s ^= s << 17, (float)(int32_t)(uint32_t)s)
    if (t->type == LOLCAT_TYPE_Q8_0 || t->type == LOLCAT_TYPE_Q4_0) {   /* random codes, scale fitting the variance */
        const int q8 = t->type == LOLCAT_TYPE_Q8_0, bb = q8 ? 34 : 18;
        const uint16_t d = lc__f32_to_f16(q8 ? 1.7320508f * t->scale / 127.0f : 1.7320508f * t->scale / 8.0f);
        int64_t b;
        for (b = 0; b < n / 32; b++) {
            unsigned char *blk = dst + b * bb;
            int j;
            memcpy(blk, &d, 2);
            for (j = 0; j < (q8 ? 32 : 16); j++) {
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                blk[2 + j] = q8 ? (unsigned char)(int8_t)((int)(s % 255) - 127) : (unsigned char)(s & 0xff);
            }
        }
        return;
    }
    for (i = 0; i < n; i++) {
        float v = t->offset + k * BENCH_NEXT();
        if (t->type == LOLCAT_TYPE_F32) memcpy(dst + 4 * i, &v, 4);
        else {
            uint16_t h = t->type == LOLCAT_TYPE_F16 ? lc__f32_to_f16(v) : lc__f32_to_bf16(v);
            memcpy(dst + 2 * i, &h, 2);
        }
    }
#undef BENCH_NEXT
}

/* ---- the q8_0 decode kernel and F32 prefill packing against read patterns ------------------ */

/* A probe pass: body(arg, ith, nth) runs on each of nt threads and returns a sum that keeps its
   loads alive. Returns the best of `reps` wall times. */
typedef float (*bench_pass_body)(const void *arg, int ith, int nth);
static double bench_best_pass(bench_pass_body body, const void *arg, int nt, int reps) {
    double best = 1e30;
    volatile float sink = 0.0f;
    int rep;
    (void)nt;
    for (rep = 0; rep < reps; rep++) {
        double t0 = bench_now(), dt;
        float total = 0.0f;
#if defined(_OPENMP)
#pragma omp parallel num_threads(nt) reduction(+ : total)
#endif
        total += body(arg, LOLCAT__THREAD_ID(), LOLCAT__NUM_THREADS());
        dt = bench_now() - t0;
        sink = sink + total;
        if (dt < best) best = dt;
    }
    (void)sink;
    return best;
}

typedef struct bench_q8_arg {
    const unsigned char *w;
    const signed char   *xq;
    const float         *xd;
    size_t               rb, ahead;
    int                  rows, K, order, inner;
} bench_q8_arg;
static float bench_q8_body(const void *arg, int ith, int nth) {
    const bench_q8_arg *a = (const bench_q8_arg *)arg;
    const int r0 = a->rows / 4 * ith / nth * 4, r1 = a->rows / 4 * (ith + 1) / nth * 4, q = (r1 - r0) / 4;
    float out[4], total = 0.0f;
    int s, it, j;
#if LOLCAT__SIMD
    int idx[4];
    lc__mat W;
    W.type = LOLCAT_TYPE_Q8_0; W.n_in = a->K; W.n_out = a->rows; W.row_bytes = a->rb; W.data = a->w; W.q8_no_min = 1;
#endif
    for (it = 0; it < a->inner; it++)
        for (s = 0; s < q; s++) {
            const unsigned char *p4[4];
            size_t pf = a->ahead;   /* the pad after the last row keeps adjacent rows' prefetches inside */
#if LOLCAT__SIMD
            if (a->order == 1) pf = lc__decode_rows(&W, r0, r1, s, a->ahead, idx, p4);   /* the library's own order */
            else
#endif
            for (j = 0; j < 4; j++) p4[j] = a->w + (size_t)(a->order == 0 ? r0 + 4 * s + j : r0 + j * q + s) * a->rb;
            lc__dot4_q_q8(LOLCAT_TYPE_Q8_0, p4, a->xq, a->xd, a->K, pf, 1, out);   /* decode's path for weights without -128 (the values only feed a sink) */
            total += out[0] + out[3];
        }
    return total;
}
/* Best-of-`reps` GB/s of the decode kernel over `rows` q8_0 rows of K inputs, split across nt
   threads, 4 rows at a time: 4 adjacent rows side by side (order 0), or decode's order, row j
   of each quarter of a thread's rows, four long streams (order 1, taken from the library's
   lc__decode_rows in SIMD builds). Both prefetch 1 KiB ahead, as the library's kernel does.
   rows = 4, with many repetitions, keeps everything in L1. */
static double bench_q8_pass(const unsigned char *w, int rows, int K, int nt, int order, int reps) {
    const int nb = K / LOLCAT__QK;
    signed char *xq = (signed char *)malloc((size_t)K + 64);
    float *xd = (float *)malloc((size_t)nb * sizeof(float) + 64), *x = (float *)malloc((size_t)K * sizeof(float));
    bench_q8_arg a;
    double best;
    int i;
    if (!xq || !xd || !x) { free(xq); free(xd); free(x); return 0.0; }
    for (i = 0; i < K; i++) x[i] = (float)sin(0.1 * i);
    lc__quantize_act(x, xq, xd, K);
    a.w = w; a.xq = xq; a.xd = xd; a.rb = (size_t)nb * LOLCAT__Q8_0_BYTES; a.ahead = 1024;
    a.rows = rows; a.K = K; a.order = order; a.inner = rows <= 4 ? 20000 : 1;
    best = bench_best_pass(bench_q8_body, &a, nt, reps);
    free(xq); free(xd); free(x);
    return (double)a.inner * (rows / 4 * 4) * a.rb / best / 1e9;
}

#if LOLCAT__SIMD
typedef struct bench_pack_arg {
    const float *w;
    float       *bufs;
    int          rows, K;
} bench_pack_arg;
static float bench_pack_body(const void *arg, int ith, int nth) {
    const bench_pack_arg *a = (const bench_pack_arg *)arg;
    const int r0 = a->rows / LOLCAT__MR * ith / nth * LOLCAT__MR, r1 = a->rows / LOLCAT__MR * (ith + 1) / nth * LOLCAT__MR;
    float *wp = a->bufs + (size_t)ith * LOLCAT__MR * a->K;
    int r, k0, i;
    for (r = r0; r < r1; r += LOLCAT__MR)
        for (k0 = 0; k0 < a->K; k0 += LOLCAT__KC) {
            const float *panel[LOLCAT__MR];
            for (i = 0; i < LOLCAT__MR; i++) panel[i] = a->w + (size_t)(r + i) * a->K + k0;
            lc__pack_w(panel, LOLCAT__MIN(LOLCAT__KC, a->K - k0), wp + (size_t)k0 * LOLCAT__MR);
        }
    return wp[ith];
}
/* Best-of-`reps` GB/s of prefill's F32 weight packing alone over `rows` rows of K inputs, split
   across nt threads: 16-row panels, LOLCAT__KC inputs a step, into each thread's own panel
   buffer, as lc__matmul_rows packs them (without its prefetches). */
static double bench_pack_pass(const float *w, int rows, int K, int nt, int reps) {
    bench_pack_arg a;
    double best;
    a.w = w; a.rows = rows; a.K = K;
    a.bufs = (float *)calloc((size_t)nt * LOLCAT__MR * (size_t)K, sizeof(float));   /* zeroed: a thread with no rows still reads it */
    if (!a.bufs) return 0.0;
    best = bench_best_pass(bench_pack_body, &a, nt, reps);
    free(a.bufs);
    return (double)(rows / LOLCAT__MR * LOLCAT__MR) * K * sizeof(float) / best / 1e9;
}
#endif

static int bench_cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
/* Sorts v[0..n) (n > 0) and returns its median. */
static double bench_median(double *v, size_t n) {
    qsort(v, n, sizeof(double), bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The time for a cache line to go from thread 0 to thread 1 and back: each waits for the
   other's count, then writes the next. About 100 ns between cores that share an L3; several
   hundred when the two threads sit on different dies (their L3s apart) or the host gets in
   the way. Batches of up to BENCH_PINGPONG_TRIPS, each cut short after 0.1 s (two threads on
   one core take a time slice per trip; thread 0 then writes -(batch + 1), which ends thread
   1's batch too, and which thread 1 cannot mistake for the next batch's stop). Returns the
   best and median batch means in ns. */
#if defined(_OPENMP)
#define BENCH_PINGPONG_BATCHES 7
#define BENCH_PINGPONG_TRIPS 20000L
static volatile int bench_pingpong_flag;
static void bench_pingpong(double *best_ns, double *median_ns) {
    const int batches = BENCH_PINGPONG_BATCHES;
    const long trips = BENCH_PINGPONG_TRIPS;
    double per[BENCH_PINGPONG_BATCHES];
    bench_pingpong_flag = 0;
#pragma omp parallel num_threads(2)
    {
        const int me = LOLCAT__THREAD_ID();
        long n = 0, k;
        int b, seen;
        for (b = 0; b < batches; b++) {
            double t0;
#pragma omp barrier
            t0 = bench_now();
            if (me == 0) {
                for (k = 0; k < trips; k++, n++) {
                    if (k % 64 == 0 && bench_now() - t0 > 0.1) {
#pragma omp atomic write seq_cst
                        bench_pingpong_flag = -(b + 1);
                        break;
                    }
#pragma omp atomic write seq_cst
                    bench_pingpong_flag = (int)(2 * n + 1);
                    do {
#pragma omp atomic read seq_cst
                        seen = bench_pingpong_flag;
                    } while (seen != (int)(2 * n + 2));
                }
                per[b] = (bench_now() - t0) / (double)LOLCAT__MAX(k, 1) * 1e9;
            } else {
                for (k = 0; k < trips; k++, n++) {
                    do {
#pragma omp atomic read seq_cst
                        seen = bench_pingpong_flag;
                    } while (seen != (int)(2 * n + 1) && seen != -(b + 1));
                    if (seen == -(b + 1)) break;
#pragma omp atomic write seq_cst
                    bench_pingpong_flag = (int)(2 * n + 2);
                }
            }
        }
    }
    qsort(per, (size_t)batches, sizeof(double), bench_cmp_double);
    *best_ns = per[0];
    *median_ns = per[batches / 2];
}
#endif

/* --jitter-probe: how much of each thread's time the machine takes away (interrupts, a
   hypervisor, neighbours), with one thread busy and then with all of them. Each thread reads
   the clock in a loop for `seconds`; any gap over 10 us between two reads is time it did not
   run. Prefill's thread scaling cannot beat what is left (the FMA probe runs under the same
   losses, so the FMA fractions already count them). */
static void bench_jitter_probe(int nt, double seconds) {
    const int teams[2] = {1, nt};
    int k;
    printf("jitter probe: %.1f s per thread, gaps over 10 us between clock reads\n", seconds);
    for (k = 0; k < (nt > 1 ? 2 : 1); k++) {
        const int team = teams[k];
#if defined(_OPENMP)
#pragma omp parallel num_threads(team)
#endif
        {
            double t0 = bench_now(), last = t0, lost = 0.0, longest = 0.0;
            long gaps = 0, long_gaps = 0;
            while (last - t0 < seconds) {
                const double t = bench_now(), gap = t - last;
                if (gap > 10e-6) {
                    lost += gap;
                    gaps++;
                    if (gap > 1e-3) long_gaps++;
                    longest = LOLCAT__MAX(longest, gap);
                }
                last = t;
            }
#if defined(_OPENMP)
#pragma omp critical(bench_jitter_print)
#endif
            printf("  %d busy, thread %d: lost %5.2f%% in %ld gaps (%.0f/s, mean %.1f us), %ld over 1 ms, longest %.2f ms\n", team,
                   LOLCAT__THREAD_ID(), 100.0 * lost / (last - t0), gaps, gaps / (last - t0), gaps ? 1e6 * lost / gaps : 0.0, long_gaps,
                   1e3 * longest);
        }
    }
#if defined(_OPENMP)
    if (nt > 1) {
        double best, median;
        bench_pingpong(&best, &median);
        printf("  cache-line round trip, thread 0 -> 1 -> 0: best %.0f ns, median %.0f ns (%d batches of up to %ld)\n", best, median,
               BENCH_PINGPONG_BATCHES, BENCH_PINGPONG_TRIPS);
    }
#endif
}

/* --kernel-probe: how fast the q8_0 decode kernel reads memory in two row orders, and prefill's
   F32 weight packing reads it, next to the machine's best read pattern. */
static void bench_kernel_probe(int nt) {
    const int K = 2048;   /* tinyllama-1.1B's rows: 2176 bytes */
    const size_t rb = (size_t)K / LOLCAT__QK * LOLCAT__Q8_0_BYTES, bytes = (size_t)1 << 30;
    const int rows = (int)(bytes / rb) / 4 * 4;
    unsigned char *w = (unsigned char *)malloc((size_t)rows * rb + 8192);
    int t, r, b;
    if (!w) { fprintf(stderr, "kernel probe: out of memory\n"); return; }
#if defined(_OPENMP)
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
    for (r = 0; r < rows; r++)   /* scale 1.0 (fp16 0x3c00), quants from a hash */
        for (b = 0; b < K / LOLCAT__QK; b++) {
            unsigned char *blk = w + (size_t)r * rb + (size_t)b * LOLCAT__Q8_0_BYTES;
            int j;
            blk[0] = 0x00; blk[1] = 0x3c;
            for (j = 0; j < LOLCAT__QK; j++) blk[2 + j] = (unsigned char)(bench_mix((uint64_t)r * 4096 + (uint64_t)b * 32 + (uint64_t)j) % 255);
        }
    memset(w + (size_t)rows * rb, 0, 8192);   /* prefetches reach up to 1 KiB past the last row */
    printf("q8_0 decode kernel, rows of %d inputs (%zu bytes), 4 rows at a time; in L1: %.1f GB/s (1 thread)\n",
           K, rb, bench_q8_pass(w, 4, K, 1, 1, 40));   /* 40 short rounds: the best one escapes the machine's noise */
    for (t = 1; t <= nt; t = t < nt ? nt : nt + 1) {
        const double best = bench_read_bandwidth(t, (size_t)1 << 30);
        const double adjacent = bench_q8_pass(w, rows, K, t, 0, 5), quarters = bench_q8_pass(w, rows, K, t, 1, 5);
        printf("  %d thread%s, from memory: 4 adjacent rows side by side %5.1f GB/s; decode's order, 4 long streams %5.1f GB/s "
               "= %3.0f%% of the best read pattern, %5.1f GB/s\n", t, t > 1 ? "s" : "", adjacent, quarters, 100.0 * quarters / best, best);
    }
    free(w);
#if LOLCAT__SIMD
    {   /* the same GiB as F32 rows of K inputs */
        const int frows = (int)(bytes / ((size_t)K * sizeof(float))) / LOLCAT__MR * LOLCAT__MR;
        float *fw = (float *)malloc((size_t)frows * K * sizeof(float));
        if (!fw) { fprintf(stderr, "kernel probe: out of memory\n"); return; }
#if defined(_OPENMP)
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
        for (r = 0; r < frows; r++) {
            int k;
            for (k = 0; k < K; k++) fw[(size_t)r * K + k] = (float)(bench_mix((uint64_t)r * K + (uint64_t)k) % 1000) * 1e-3f;
        }
        printf("f32 prefill weight packing (16-row panels, %d inputs a step), rows of %d inputs:\n", LOLCAT__KC, K);
        for (t = 1; t <= nt; t = t < nt ? nt : nt + 1) {
            const double pack = bench_pack_pass(fw, frows, K, t, 5), best = bench_read_bandwidth(t, (size_t)1 << 30);
            printf("  %d thread%s, from memory: %5.1f GB/s = %3.0f%% of the best read pattern, %5.1f GB/s\n", t, t > 1 ? "s" : "", pack,
                   100.0 * pack / best, best);
        }
        free(fw);
    }
#endif
}

static int bench_type_of(const char *s) {
    if (!strcmp(s, "f32")) return LOLCAT_TYPE_F32;
    if (!strcmp(s, "f16")) return LOLCAT_TYPE_F16;
    if (!strcmp(s, "bf16")) return LOLCAT_TYPE_BF16;
    if (!strcmp(s, "q8_0")) return LOLCAT_TYPE_Q8_0;
    if (!strcmp(s, "q4_0")) return LOLCAT_TYPE_Q4_0;
    return -1;
}

static int bench_build(bench_model *bm, const bench_shape *sh, int type, const char *attn, int with_vocab, int nt) {
    bench_buf kv = {0, 0, 0}, info = {0, 0, 0};
    bench_tensor *ts;
    int n_t = 0, il, i, n_kv = 0;
    const int E = sh->n_embd, H = sh->n_head, Hkv = sh->n_head_kv, D = sh->head_dim, FF = sh->n_ff, V = sh->n_vocab;
    const int lolcats = strcmp(attn, "softmax") != 0;
    uint64_t off = 0, data_start, total;
    char key[96];
    memset(bm, 0, sizeof *bm);
    bm->shape = sh; bm->type = type;
    (void)nt;
    snprintf(bm->attn, sizeof bm->attn, "%s", attn);
    ts = (bench_tensor *)calloc((size_t)(3 + 12 * sh->n_layer), sizeof *ts);
#define BENCH_T(NAME_FMT, IDX, TYPE, ND, N0, N1, N2, SCALE, OFFSET) do { \
        bench_tensor *t_ = &ts[n_t++]; \
        snprintf(t_->name, sizeof t_->name, NAME_FMT, IDX); \
        t_->type = (TYPE); t_->n_dims = (ND); t_->ne[0] = (N0); t_->ne[1] = (N1); t_->ne[2] = (N2); \
        t_->scale = (SCALE); t_->offset = (OFFSET); \
    } while (0)
    BENCH_T("token_embd.weight%.0d", 0, type, 2, E, V, 1, 1.0f, 0.0f);
    BENCH_T("output_norm.weight%.0d", 0, LOLCAT_TYPE_F32, 1, E, 1, 1, 0.05f, 1.0f);
    BENCH_T("output.weight%.0d", 0, type, 2, E, V, 1, 1.0f / sqrtf((float)E), 0.0f);
    for (il = 0; il < sh->n_layer; il++) {
        BENCH_T("blk.%d.attn_norm.weight", il, LOLCAT_TYPE_F32, 1, E, 1, 1, 0.05f, 1.0f);
        BENCH_T("blk.%d.ffn_norm.weight", il, LOLCAT_TYPE_F32, 1, E, 1, 1, 0.05f, 1.0f);
        BENCH_T("blk.%d.attn_q.weight", il, type, 2, E, H * D, 1, 1.0f / sqrtf((float)E), 0.0f);
        BENCH_T("blk.%d.attn_k.weight", il, type, 2, E, Hkv * D, 1, 1.0f / sqrtf((float)E), 0.0f);
        BENCH_T("blk.%d.attn_v.weight", il, type, 2, E, Hkv * D, 1, 1.0f / sqrtf((float)E), 0.0f);
        BENCH_T("blk.%d.attn_output.weight", il, type, 2, H * D, E, 1, 0.5f / sqrtf((float)(H * D)), 0.0f);
        BENCH_T("blk.%d.ffn_gate.weight", il, type, 2, E, FF, 1, 1.0f / sqrtf((float)E), 0.0f);
        BENCH_T("blk.%d.ffn_up.weight", il, type, 2, E, FF, 1, 1.0f / sqrtf((float)E), 0.0f);
        BENCH_T("blk.%d.ffn_down.weight", il, type, 2, FF, E, 1, 0.5f / sqrtf((float)FF), 0.0f);
        if (lolcats) {
            BENCH_T("blk.%d.attn_fmap_q.weight", il, LOLCAT_TYPE_F32, 3, BENCH_FDIM, D, H, 1.0f / sqrtf((float)D), 0.0f);
            BENCH_T("blk.%d.attn_fmap_k.weight", il, LOLCAT_TYPE_F32, 3, BENCH_FDIM, D, H, 1.0f / sqrtf((float)D), 0.0f);
            if (!strcmp(attn, "hybrid")) BENCH_T("blk.%d.attn_window_factors.weight", il, LOLCAT_TYPE_F32, 1, H, 1, 1, 0.5f, 0.0f);
        }
        bm->layer_params += (double)E * (H * D + 2 * Hkv * D) + (double)H * D * E + 3.0 * E * FF;
    }
#undef BENCH_T
    bm->output_params = (double)E * V;
    for (i = 0; i < n_t; i++) {
        uint64_t n = (uint64_t)ts[i].ne[0] * ts[i].ne[1] * ts[i].ne[2];
        ts[i].bytes = lc_type_size((lc_tensor_type)ts[i].type, n);
        ts[i].off = off;
        off += (ts[i].bytes + 31) / 32 * 32;
        if (i >= 2 && ts[i].n_dims == 2) bm->matmul_bytes += ts[i].bytes;   /* output + layer matrices */
    }
    /* metadata */
    bb_key(&kv, "general.architecture", 8); bb_str(&kv, "llama"); n_kv++;
    bb_key(&kv, "general.name", 8); snprintf(key, sizeof key, "synthetic %s %s %s", sh->name, attn, lc_type_name((lc_tensor_type)type)); bb_str(&kv, key); n_kv++;
#define BENCH_KV_U32(K, V_) do { bb_key(&kv, K, 4); bb_u32(&kv, (uint32_t)(V_)); n_kv++; } while (0)
    BENCH_KV_U32("llama.block_count", sh->n_layer);
    BENCH_KV_U32("llama.embedding_length", E);
    BENCH_KV_U32("llama.feed_forward_length", FF);
    BENCH_KV_U32("llama.attention.head_count", H);
    BENCH_KV_U32("llama.attention.head_count_kv", Hkv);
    BENCH_KV_U32("llama.rope.dimension_count", D);
    BENCH_KV_U32("llama.context_length", 131072);
    BENCH_KV_U32("llama.vocab_size", V);
    bb_key(&kv, "llama.attention.layer_norm_rms_epsilon", 6); { float e = 1e-5f; bb_put(&kv, &e, 4); } n_kv++;
    bb_key(&kv, "llama.rope.freq_base", 6); bb_put(&kv, &sh->rope_base, 4); n_kv++;
    if (lolcats) {
        bb_key(&kv, "lolcat.attention.layer_kinds", 9); bb_u32(&kv, 8); bb_u64(&kv, (uint64_t)sh->n_layer);
        for (il = 0; il < sh->n_layer; il++) bb_str(&kv, attn);
        n_kv++;
        bb_key(&kv, "lolcat.feature_map.kind", 8); bb_str(&kv, "hedgehog"); n_kv++;
        BENCH_KV_U32("lolcat.feature_map.dim", BENCH_FDIM);
        if (!strcmp(attn, "hybrid")) { BENCH_KV_U32("lolcat.attention.window_size", BENCH_WINDOW); bb_key(&kv, "lolcat.attention.window_kind", 8); bb_str(&kv, "sw"); n_kv++; }
    }
    if (with_vocab) {   /* a SentencePiece-style vocabulary, so llama.cpp can load the file */
        char piece[32];
        bb_key(&kv, "tokenizer.ggml.model", 8); bb_str(&kv, "llama"); n_kv++;
        bb_key(&kv, "tokenizer.ggml.tokens", 9); bb_u32(&kv, 8); bb_u64(&kv, (uint64_t)V);
        for (i = 0; i < V; i++) {
            if (i == 0) snprintf(piece, sizeof piece, "<unk>");
            else if (i == 1) snprintf(piece, sizeof piece, "<s>");
            else if (i == 2) snprintf(piece, sizeof piece, "</s>");
            else if (i < 259) snprintf(piece, sizeof piece, "<0x%02X>", i - 3);
            else snprintf(piece, sizeof piece, "\xe2\x96\x81t%d", i);
            bb_str(&kv, piece);
        }
        n_kv++;
        bb_key(&kv, "tokenizer.ggml.scores", 9); bb_u32(&kv, 6); bb_u64(&kv, (uint64_t)V);
        for (i = 0; i < V; i++) { float sc = i < 259 ? 0.0f : -(float)i; bb_put(&kv, &sc, 4); }
        n_kv++;
        bb_key(&kv, "tokenizer.ggml.token_type", 9); bb_u32(&kv, 5); bb_u64(&kv, (uint64_t)V);
        for (i = 0; i < V; i++) { int32_t ty = i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1; bb_put(&kv, &ty, 4); }
        n_kv++;
        BENCH_KV_U32("tokenizer.ggml.bos_token_id", 1);
        BENCH_KV_U32("tokenizer.ggml.eos_token_id", 2);
        BENCH_KV_U32("tokenizer.ggml.unknown_token_id", 0);
    }
#undef BENCH_KV_U32
    for (i = 0; i < n_t; i++) {
        int d;
        bb_str(&info, ts[i].name);
        bb_u32(&info, (uint32_t)ts[i].n_dims);
        for (d = 0; d < ts[i].n_dims; d++) bb_u64(&info, (uint64_t)ts[i].ne[d]);
        bb_u32(&info, (uint32_t)ts[i].type);
        bb_u64(&info, ts[i].off);
    }
    data_start = (24 + kv.n + info.n + 31) / 32 * 32;
    total = data_start + off;
    bm->gguf = (unsigned char *)malloc((size_t)total);
    if (!bm->gguf) { fprintf(stderr, "cannot allocate %.2f GB for the model\n", total / 1e9); free(kv.p); free(info.p); free(ts); return 0; }
    bm->gguf_size = (size_t)total;
    {
        unsigned char *p = bm->gguf;
        uint32_t magic = 0x46554747u, version = 3;
        uint64_t nt64 = (uint64_t)n_t, nkv64 = (uint64_t)n_kv;
        memcpy(p, &magic, 4); memcpy(p + 4, &version, 4); memcpy(p + 8, &nt64, 8); memcpy(p + 16, &nkv64, 8);
        memcpy(p + 24, kv.p, kv.n);
        memcpy(p + 24 + kv.n, info.p, info.n);
        memset(p + 24 + kv.n + info.n, 0, (size_t)(data_start - 24 - kv.n - info.n));
    }
    for (i = 0; i < n_t; i++) {
        const bench_tensor *t = &ts[i];
        int64_t rows = t->ne[1] * t->ne[2], r;
        size_t row_bytes = lc_type_size((lc_tensor_type)t->type, (uint64_t)t->ne[0]);
        unsigned char *dst = bm->gguf + data_start + t->off;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
        for (r = 0; r < rows; r++) bench_fill_row(t, r, dst + (size_t)r * row_bytes);
        memset(dst + t->bytes, 0, (size_t)((t->bytes + 31) / 32 * 32 - t->bytes));
    }
    free(kv.p); free(info.p); free(ts);
    return 1;
}

/* ---- llama2.c checkpoints of the same weights (for a side-by-side run of run.c / runq.c) ---- */

static const float *bench_find_f32(const lc_model *m, const char *name) {
    int i;
    for (i = 0; i < lc_model_tensor_count(m); i++) {
        lc_tensor_info ti;
        if (lc_model_tensor_get(m, i, &ti) == LOLCAT_OK && !strcmp(ti.name, name)) return ti.type == LOLCAT_TYPE_F32 ? (const float *)ti.data : NULL;
    }
    return NULL;
}
static size_t bench_numel(const lc_model *m, const char *name) {
    int i;
    for (i = 0; i < lc_model_tensor_count(m); i++) {
        lc_tensor_info ti;
        if (lc_model_tensor_get(m, i, &ti) == LOLCAT_OK && !strcmp(ti.name, name)) return (size_t)(ti.ne[0] * ti.ne[1]);
    }
    return 0;
}
/* Writes n floats as float32 (q8 == 0) or as runq.c's int8 groups of 32 with a float scale. */
static int bench_put_floats(FILE *f, const float *x, size_t n, int q8) {
    size_t g;
    if (!q8) return fwrite(x, sizeof(float), n, f) == n;
    {
        int8_t *q = (int8_t *)malloc(n);
        float *sc = (float *)malloc(n / 32 * sizeof(float));
        int ok;
        for (g = 0; g < n / 32; g++) {
            float amax = 0.0f;
            int j;
            for (j = 0; j < 32; j++) amax = LOLCAT__MAX(amax, fabsf(x[g * 32 + j]));
            sc[g] = amax / 127.0f;
            for (j = 0; j < 32; j++) q[g * 32 + j] = (int8_t)(sc[g] > 0.0f ? lroundf(x[g * 32 + j] / sc[g]) : 0);
        }
        ok = fwrite(q, 1, n, f) == n && fwrite(sc, sizeof(float), n / 32, f) == n / 32;
        free(q); free(sc);
        return ok;
    }
}
/* run.c's float32 format (q8 = 0) or runq.c's version-2 int8 format (q8 = 1), untied classifier. */
static int bench_export_llama2c(const lc_model *m, const bench_shape *sh, const char *path, int q8, int seq_len) {
    static const char *const mats[7] = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_down", "ffn_up"};
    FILE *f = fopen(path, "wb");
    int32_t cfg[7];
    int il, k, ok = 1;
    char name[96];
    if (!f) return 0;
    cfg[0] = sh->n_embd; cfg[1] = sh->n_ff; cfg[2] = sh->n_layer; cfg[3] = sh->n_head; cfg[4] = sh->n_head_kv;
    cfg[5] = q8 ? sh->n_vocab : -sh->n_vocab; cfg[6] = seq_len;
    if (q8) {
        uint32_t magic = 0x616b3432u;
        int32_t version = 2, gs = 32;
        unsigned char pad[256];
        uint8_t shared = 0;
        memset(pad, 0, sizeof pad);
        ok &= fwrite(&magic, 4, 1, f) == 1 && fwrite(&version, 4, 1, f) == 1 && fwrite(cfg, 4, 7, f) == 7;
        ok &= fwrite(&shared, 1, 1, f) == 1 && fwrite(&gs, 4, 1, f) == 1 && fwrite(pad, 1, 256 - 41, f) == 256 - 41;
        for (il = 0; il < sh->n_layer; il++) { snprintf(name, sizeof name, "blk.%d.attn_norm.weight", il); ok &= bench_put_floats(f, bench_find_f32(m, name), (size_t)sh->n_embd, 0); }
        for (il = 0; il < sh->n_layer; il++) { snprintf(name, sizeof name, "blk.%d.ffn_norm.weight", il); ok &= bench_put_floats(f, bench_find_f32(m, name), (size_t)sh->n_embd, 0); }
        ok &= bench_put_floats(f, bench_find_f32(m, "output_norm.weight"), (size_t)sh->n_embd, 0);
        ok &= bench_put_floats(f, bench_find_f32(m, "token_embd.weight"), (size_t)sh->n_embd * sh->n_vocab, 1);
        for (k = 0; k < 7; k++)
            for (il = 0; il < sh->n_layer; il++) {
                snprintf(name, sizeof name, "blk.%d.%s.weight", il, mats[k]);
                ok &= bench_put_floats(f, bench_find_f32(m, name), bench_numel(m, name), 1);
            }
        ok &= bench_put_floats(f, bench_find_f32(m, "output.weight"), (size_t)sh->n_embd * sh->n_vocab, 1);
    } else {
        ok &= fwrite(cfg, 4, 7, f) == 7;
        ok &= bench_put_floats(f, bench_find_f32(m, "token_embd.weight"), (size_t)sh->n_embd * sh->n_vocab, 0);
        for (il = 0; il < sh->n_layer; il++) { snprintf(name, sizeof name, "blk.%d.attn_norm.weight", il); ok &= bench_put_floats(f, bench_find_f32(m, name), (size_t)sh->n_embd, 0); }
        for (k = 0; k < 4; k++)
            for (il = 0; il < sh->n_layer; il++) {
                snprintf(name, sizeof name, "blk.%d.%s.weight", il, mats[k]);
                ok &= bench_put_floats(f, bench_find_f32(m, name), bench_numel(m, name), 0);
            }
        for (il = 0; il < sh->n_layer; il++) { snprintf(name, sizeof name, "blk.%d.ffn_norm.weight", il); ok &= bench_put_floats(f, bench_find_f32(m, name), (size_t)sh->n_embd, 0); }
        for (k = 4; k < 7; k++)   /* w1 = gate, w2 = down, w3 = up */
            for (il = 0; il < sh->n_layer; il++) {
                snprintf(name, sizeof name, "blk.%d.%s.weight", il, mats[k]);
                ok &= bench_put_floats(f, bench_find_f32(m, name), bench_numel(m, name), 0);
            }
        ok &= bench_put_floats(f, bench_find_f32(m, "output_norm.weight"), (size_t)sh->n_embd, 0);
        {   /* the legacy RoPE tables run.c skips */
            size_t n = (size_t)seq_len * (sh->n_embd / sh->n_head);
            float *z = (float *)calloc(n, sizeof(float));
            ok &= bench_put_floats(f, z, n, 0);
            free(z);
        }
        ok &= bench_put_floats(f, bench_find_f32(m, "output.weight"), (size_t)sh->n_embd * sh->n_vocab, 0);
    }
    return fclose(f) == 0 && ok;
}

/* ---- measurements -------------------------------------------------------------------------- */

typedef struct bench_opts {
    int n_threads, n_batch, decode_tokens, real_prefill, onetok_tokens, no_single_thread, rounds;
    int positions[16], n_positions, prefill_lens[8], n_prefill;
    FILE *csv;
    double bandwidth, peak;
} bench_opts;

static void bench_tokens(int32_t *t, int n, int n_vocab, uint64_t seed) {
    int i;
    for (i = 0; i < n; i++) t[i] = (int32_t)(3 + bench_mix(seed + (uint64_t)i) % (uint64_t)(n_vocab - 3));
}

/* Attention FLOPs of one token at position i (per the token-by-token algorithm). */
static double bench_attn_flops(const lc_model *m, int64_t i) {
    const lc_model_info *I = lc_model_get_info(m);
    double f = 0;
    int il;
    for (il = 0; il < I->n_layer; il++) {
        const lc__layer *L = &m->layers[il];
        double H = L->n_head, dk = L->dk, dv = L->dv, nf = L->n_feat, Fd = m->fmap_dim ? m->fmap_dim : 0;
        if (L->kind == LOLCAT_LAYER_SOFTMAX) f += H * 2.0 * (double)(i + 1) * (dk + dv);
        else {
            double win = L->kind == LOLCAT_LAYER_HYBRID ? (double)LOLCAT__MIN(i + 1, (int64_t)m->window) : 0.0;
            f += H * (2.0 * win * (dk + dv) + 2.0 * 2.0 * dk * Fd + 2.0 * 2.0 * nf * dv);
        }
    }
    return f;
}

static double bench_mat_params(const lc__mat *w) { return (double)w->n_in * w->n_out; }
static double bench_proj_params(const lc__proj *p) {
    return (p->low_rank ? bench_mat_params(&p->a) + bench_mat_params(&p->b) : bench_mat_params(&p->w)) +
           (p->has_lora ? bench_mat_params(&p->lora_a) + bench_mat_params(&p->lora_b) : 0.0);
}
/* FLOPs of a prefill of L tokens in one lc_eval: every layer for every token, except that the
   last layer's output projection and FFN run for the last token only (nothing else reads the
   other rows), and the output head for the last token only. */
static double bench_prefill_flops(const lc_model *m, double layer_params, double output_params, int L) {
    const lc__layer *last = &m->layers[m->n_layer - 1];
    const double tail = bench_proj_params(&last->o) + bench_mat_params(&last->ffn_gate) + bench_mat_params(&last->ffn_up) +
                        bench_mat_params(&last->ffn_down);
    double flops = 2.0 * output_params - 2.0 * tail * (L - 1);
    int64_t j;
    for (j = 0; j < L; j++) flops += 2.0 * layer_params + bench_attn_flops(m, j);
    return flops;
}

/* Bytes of attention memory one decode token at position i moves, besides the weight
   matrices (token-by-token algorithm, float32 state): the softmax keys/values it reads; on
   hybrid/linear layers, once a key leaves the window (every token from position w on), that
   key's feature map weights, S and z read and written back by the fold, and the query's
   feature map weights; the read-out then finds S in L2 (32 KB a head), so it is not counted
   again, nor are the few KB of the new key/value and of the leaving one. Before any key is
   folded the read-out is skipped and none of this moves. */
static double bench_attn_bytes(const lc_model *m, int64_t i) {
    const lc_model_info *I = lc_model_get_info(m);
    double b = 0;
    int il;
    for (il = 0; il < I->n_layer; il++) {
        const lc__layer *L = &m->layers[il];
        const double kv = (double)L->n_head_kv * (L->dk + L->dv) * 4.0, map = (double)L->n_head * L->dk * m->fmap_dim * 4.0;
        const double S = (double)L->n_head * L->n_feat * (L->dv + 1) * 4.0;
        const int folds = L->kind == LOLCAT_LAYER_LINEAR || (L->kind == LOLCAT_LAYER_HYBRID && i >= m->window);
        if (L->kind == LOLCAT_LAYER_SOFTMAX) { b += (double)(i + 1) * kv; continue; }
        if (L->kind == LOLCAT_LAYER_HYBRID) b += (double)LOLCAT__MIN(i + 1, (int64_t)m->window) * kv;
        if (folds) b += (L->fmap_k ? map : 0.0) + 2.0 * S + (L->fmap_q ? map : 0.0);
    }
    return b;
}

static void bench_csv(const bench_opts *o, const char *model, const char *type, const char *attn, int threads,
                      const char *kind, long n, double tok_s, double gbps, double frac_bw, double gflops, double frac_peak, double state_bytes,
                      double frac_near, double frac_all) {   /* < 0: none (only decode rows have them) */
    char near[32] = "", all[32] = "";
    if (!o->csv) return;
    if (frac_near >= 0) snprintf(near, sizeof near, "%.4f", frac_near);
    if (frac_all >= 0) snprintf(all, sizeof all, "%.4f", frac_all);
    fprintf(o->csv, "%s,%s,%s,%d,%s,%ld,%.4f,%.4f,%.2f,%.4f,%.2f,%.4f,%.0f,%.2f,%.1f,%s,%s\n", model, type, attn, threads, kind, n,
            tok_s, tok_s > 0 ? 1000.0 / tok_s : 0.0, gbps, frac_bw, gflops, frac_peak, state_bytes, o->bandwidth, o->peak, near, all);
    fflush(o->csv);
}

/* Moves ctx (holding a real prefix of BENCH_PREFIX tokens) to position p; see the top comment. */
static void bench_advance(lc_ctx *c, int64_t p) {
    const lc_model *m = c->model;
    const int64_t p0 = c->n_past, delta = p - p0;
    int il;
    if (delta <= 0) return;
    for (il = 0; il < m->n_layer; il++) {
        const lc__layer *L = &m->layers[il];
        lc__layer_state *st = &c->ls[il];
        if (L->kind == LOLCAT_LAYER_SOFTMAX) {
            int64_t j;
            for (j = p0; j < p; j++) {
                lc__hist_copy(st->k_hist, st, j, st->k_hist, st, j % p0, L->n_head_kv, L->dk);
                lc__hist_copy(st->v_hist, st, j, st->v_hist, st, j % p0, L->n_head_kv, L->dv);
            }
        } else {
            st->n_folded += delta;   /* ring slots j % w map the same: delta is a multiple of w */
        }
    }
    c->n_past = p;
}

static void bench_figure(char *buf, size_t n, const char *fmt, double v, int have) {
    if (have) snprintf(buf, n, fmt, v);
    else snprintf(buf, n, "n/a");
}

/* Moves c to decode position p: empty at 0; else the real prefix in base moved forward
   (bench_advance), or, below the prefix, off the window's grid or with real_prefill, a real
   prefill of p tokens. */
static void bench_reach(lc_ctx *c, const lc_ctx *base, const int32_t *toks, int p, int real_prefill) {
    lc_ctx_reset(c);
    if (p == 0) return;
    if (real_prefill || p < BENCH_PREFIX || (p - BENCH_PREFIX) % BENCH_WINDOW) {
        int done;
        for (done = 0; done < p; done += 4096) lc_eval(c, toks + done, (size_t)LOLCAT__MIN(4096, p - done));
    } else {
        lc_ctx_copy_state(c, base);
        bench_advance(c, p);
    }
}

typedef struct bench_result {
    double decode0, decode_short, decode_long, prefill, prefill_1t, prefill_apart, onetok, gbps0, frac0, frac_short, frac_short_all;
    double step_short, step_long;   /* median decode steps at 256 and 32k, taken side by side (0: not) */
    int have_long, have_short;
} bench_result;

#if defined(_OPENMP)
/* n 1-thread prompts of L tokens at once, one per context and OpenMP thread: the time from
   a common start (after a barrier, so a thread the host wakes late is not counted) to the
   last one's end. Work that shares nothing but the model and the machine: how far the
   machine itself lets n threads go, beside which to read the thread scaling of one prompt.
   Returns -1 if OpenMP gave fewer than n threads. */
static double bench_prefill_apart(lc_ctx *const *cs, int n, const int32_t *toks, int L) {
    double end[BENCH_MAX_APART], start = 0.0, last = 0.0;
    int i, team = 0;
    for (i = 0; i < n; i++) { lc_ctx_reset(cs[i]); end[i] = 0.0; }
#pragma omp parallel num_threads(n)
    {
        const int ith = omp_get_thread_num();
#pragma omp barrier
        if (ith == 0) { start = bench_now(); team = omp_get_num_threads(); }
#pragma omp barrier
        if (team == n) {
            lc_eval(cs[ith], toks, (size_t)L);
            end[ith] = bench_now();
        }
    }
    if (team != n) return -1.0;
    for (i = 0; i < n; i++) last = LOLCAT__MAX(last, end[i]);
    return last - start;
}
#endif

static void bench_model_run(const lc_model *m, const char *label, const char *type, const char *attn, uint64_t matmul_bytes,
                            double layer_params, double output_params, const bench_opts *o, bench_result *res) {
    const lc_model_info *I = lc_model_get_info(m);
    int max_pos = 0, i, k;
    int32_t *toks;
    int n_tok_max = 8192;
    lc_ctx_params cp = lc_ctx_default_params();
    lc_ctx *base = NULL, *c = NULL;
    memset(res, 0, sizeof *res);
    for (i = 0; i < o->n_positions; i++) max_pos = LOLCAT__MAX(max_pos, o->positions[i]);
    for (i = 0; i < o->n_prefill; i++) max_pos = LOLCAT__MAX(max_pos, o->prefill_lens[i]);
    n_tok_max = LOLCAT__MAX(n_tok_max, max_pos + 64);
    toks = (int32_t *)malloc((size_t)n_tok_max * sizeof(int32_t));
    bench_tokens(toks, n_tok_max, I->n_vocab, 7);
    cp.n_threads = o->n_threads;
    cp.n_batch = o->n_batch;
    cp.n_ctx = I->n_softmax_layers ? max_pos + o->decode_tokens * 4 + 64 : 0;
    if (lc_ctx_create(m, &cp, &base) != LOLCAT_OK || lc_ctx_create(m, &cp, &c) != LOLCAT_OK) {
        fprintf(stderr, "%s: cannot create contexts (n_ctx %d)\n", label, cp.n_ctx);
        lc_ctx_destroy(base); free(toks); return;
    }
    printf("%-40s weights read per decode token %.3f GB\n", label, matmul_bytes / 1e9);
    /* decode. With o->rounds > 1 the positions are timed in turn, round after round, and each
       keeps its best, so the ratio between positions does not ride on one noisy moment. */
    if (o->n_positions) lc_eval(base, toks, BENCH_PREFIX);
    {
        /* each round's time against the better of the probes taken just before and after
           it (the next round's "before" is this one's "after"); a position reports the median
           of its rounds' fractions */
        double best_dt[16], frac[16][64], frac_all[16][64], attn_bytes[16], probe = o->n_positions ? bench_probe_near(o->n_threads) : 0.0;
        size_t state_bytes[16];
        const int rounds = o->real_prefill ? 1 : LOLCAT__MIN(64, LOLCAT__MAX(1, o->rounds));
        /* with no softmax layer a sequence's memory is small and fixed, so every position can
           hold a context of its own at once */
        int round, step, side_by_side = rounds > 1 && o->n_positions > 1 && !I->n_softmax_layers, n_pc = 0;
        const size_t per_pos = (size_t)rounds * (size_t)o->decode_tokens;   /* steps timed per position */
        double *steps = side_by_side ? (double *)malloc((size_t)o->n_positions * per_pos * sizeof(double)) : NULL;
        lc_ctx *pc[16];
        if (!steps) side_by_side = 0;
        if (side_by_side)
            for (pc[n_pc++] = c; n_pc < o->n_positions; n_pc++)
                if (lc_ctx_create(m, &cp, &pc[n_pc]) != LOLCAT_OK) {
                    fprintf(stderr, "%s: no memory for a context per decode position; timing them one after another\n", label);
                    side_by_side = 0;
                    break;
                }
        for (i = 0; i < o->n_positions; i++) {   /* the timed steps are at positions p+1 .. p+decode_tokens */
            best_dt[i] = 1e30; state_bytes[i] = 0; attn_bytes[i] = 0;
            for (k = 1; k <= o->decode_tokens; k++) attn_bytes[i] += bench_attn_bytes(m, o->positions[i] + k) / o->decode_tokens;
        }
        if (side_by_side) {
            /* a context per position; every round moves each to its position, then steps them
               token by token in turn (odd rounds backwards), so that the machine's drift
               within a round weighs on every position alike; each round sits between two
               probes */
            int32_t tk;
            for (round = 0; round < rounds; round++) {
                double after;
                for (i = 0; i < o->n_positions; i++) {
                    bench_reach(pc[i], base, toks, o->positions[i], o->real_prefill);
                    tk = toks[o->positions[i] % n_tok_max];
                    lc_eval(pc[i], &tk, 1);   /* warm-up step */
                }
                for (k = 0; k < o->decode_tokens; k++)
                    for (step = 0; step < o->n_positions; step++) {
                        const int at = round & 1 ? o->n_positions - 1 - step : step;
                        const double t0 = bench_now();
                        tk = toks[(o->positions[at] + k) % n_tok_max];
                        lc_eval(pc[at], &tk, 1);
                        steps[at * per_pos + (size_t)round * o->decode_tokens + k] = bench_now() - t0;
                    }
                after = bench_probe_near(o->n_threads);
                for (i = 0; i < o->n_positions; i++) {   /* the round's mean step */
                    const double *st = steps + i * per_pos + (size_t)round * o->decode_tokens;
                    double dt = 0.0;
                    for (k = 0; k < o->decode_tokens; k++) dt += st[k] / o->decode_tokens;
                    best_dt[i] = LOLCAT__MIN(best_dt[i], dt);
                    frac[i][round] = matmul_bytes / dt / 1e9 / LOLCAT__MAX(LOLCAT__MAX(probe, after), 1e-9);
                    frac_all[i][round] = (matmul_bytes + attn_bytes[i]) / dt / 1e9 / LOLCAT__MAX(LOLCAT__MAX(probe, after), 1e-9);
                }
                probe = after;
            }
            for (i = 0; i < o->n_positions; i++) state_bytes[i] = lc_ctx_state_memory(pc[i]);
        } else
        for (round = 0; round < rounds; round++)
            for (step = 0; step < o->n_positions; step++) {
                /* odd rounds take the positions backwards: a machine that slows down (or
                   speeds up) during a run then weighs on every position alike */
                const int at = round & 1 ? o->n_positions - 1 - step : step, p = o->positions[at];
                double t0;
                int32_t tk = toks[p % n_tok_max];
                bench_reach(c, base, toks, p, o->real_prefill);
                lc_eval(c, &tk, 1);   /* warm-up step */
                {
                    double dt, after;
                    t0 = bench_now();
                    for (k = 0; k < o->decode_tokens; k++) { tk = toks[(p + k) % n_tok_max]; lc_eval(c, &tk, 1); }
                    dt = (bench_now() - t0) / o->decode_tokens;
                    after = bench_probe_near(o->n_threads);
                    best_dt[at] = LOLCAT__MIN(best_dt[at], dt);
                    frac[at][round] = matmul_bytes / dt / 1e9 / LOLCAT__MAX(LOLCAT__MAX(probe, after), 1e-9);
                    frac_all[at][round] = (matmul_bytes + attn_bytes[at]) / dt / 1e9 / LOLCAT__MAX(LOLCAT__MAX(probe, after), 1e-9);
                    probe = after;
                }
                state_bytes[at] = lc_ctx_state_memory(c);
            }
        while (n_pc > 1) lc_ctx_destroy(pc[--n_pc]);   /* pc[0] is c */
        if (rounds > 1 && o->n_positions)
            printf("  decode: best of %d alternating rounds of %d tokens per position%s\n", rounds, o->decode_tokens,
                   side_by_side ? ", the positions side by side token by token" : "");
        for (i = 0; i < o->n_positions; i++) {
            const int p = o->positions[i];
            const double dt = best_dt[i], tok_s = 1.0 / dt, gbps = matmul_bytes / dt / 1e9, state = (double)state_bytes[i];
            const double med = bench_median(frac[i], (size_t)rounds), med_all = bench_median(frac_all[i], (size_t)rounds);
            printf("  decode  pos %6d: %8.2f tok/s %8.2f ms/tok  weights %6.2f GB/s = %5.1f%% of bandwidth (%5.1f%% next to it)  state %9.2f MB\n",
                   p, tok_s, dt * 1e3, gbps, 100.0 * gbps / o->bandwidth, 100.0 * med, state / 1e6);
            if (attn_bytes[i] > 0)
                printf("                  attention moves %8.2f MB/tok besides the weights: %5.1f%% next to it counting both\n", attn_bytes[i] / 1e6, 100.0 * med_all);
            bench_csv(o, label, type, attn, o->n_threads, "decode", p, tok_s, gbps, gbps / o->bandwidth, 0, 0, state, med, med_all);
            if (i == 0) { res->decode0 = tok_s; res->gbps0 = gbps; res->frac0 = med; }
            if (p == 256) { res->decode_short = tok_s; res->frac_short = med; res->frac_short_all = med_all; res->have_short = 1; }
            if (p == 32768) { res->decode_long = tok_s; res->have_long = 1; }
            if (side_by_side) {   /* the median step: a few steps the machine interrupts do not move it */
                const double step_med = bench_median(steps + i * per_pos, per_pos);
                printf("                  median step %8.2f ms (%.2f tok/s) of %zu, the positions side by side\n", step_med * 1e3, 1.0 / step_med, per_pos);
                bench_csv(o, label, type, attn, o->n_threads, "decode_median", p, 1.0 / step_med, 0, 0, 0, 0, state, -1, -1);
                if (p == 256) res->step_short = step_med;
                if (p == 32768) res->step_long = step_med;
            }
        }
        free(steps);
    }
    /* prefill. For the first length the ratios' four timings (chunked, one token at a time, one
       thread, n_threads 1-thread prompts at once) alternate for o->rounds rounds and each keeps
       its best: a noisy machine then slows all four alike instead of one of them. */
    for (i = 0; i < o->n_prefill; i++) {
        const int L = o->prefill_lens[i], rounds = i == 0 ? LOLCAT__MAX(1, o->rounds) : 1;
        const int n1 = LOLCAT__MIN(o->onetok_tokens, L), want_1t = i == 0 && !o->no_single_thread && o->n_threads > 1;
        const double flops = bench_prefill_flops(m, layer_params, output_params, L);
        double t0, dt, gf, best = 1e30, best_one = 1e30, best_1t = 1e30, best_apart = 1e30;
        lc_ctx *apart[BENCH_MAX_APART];
        int64_t j;
        int round, step, n_apart = 0;
#if defined(_OPENMP)
        if (want_1t && o->n_threads <= BENCH_MAX_APART) {   /* contexts of their own, sized for this prompt */
            lc_ctx_params ap = cp;
            ap.n_threads = 1;
            ap.n_ctx = I->n_softmax_layers ? L + 64 : 0;
            for (n_apart = 0; n_apart < o->n_threads; n_apart++)
                if (lc_ctx_create(m, &ap, &apart[n_apart]) != LOLCAT_OK) break;
            if (n_apart < o->n_threads) {
                fprintf(stderr, "%s: no memory for %d prompts at once; skipping them\n", label, o->n_threads);
                while (n_apart > 0) lc_ctx_destroy(apart[--n_apart]);
            }
        }
#endif
        /* Odd rounds run the four backwards, so each 2-thread prefill but the first follows a
           2-thread run: right after a 1-thread run this machine started the second thread of
           the first parallel region about 70 ms late, which timed the first order's 2-thread
           rounds 2-4% slow (docs/performance.md). */
        for (round = 0; round < rounds; round++)
            for (step = 0; step < 4; step++) {
                const int which = round & 1 ? 3 - step : step;
                lc_ctx_reset(c);
                if (which == 0) {
                    t0 = bench_now();
                    lc_eval(c, toks, (size_t)L);
                    best = LOLCAT__MIN(best, bench_now() - t0);
                } else if (which == 1 && i == 0 && n1 > 0) {   /* the same prompt fed one token at a time */
                    t0 = bench_now();
                    for (j = 0; j < n1; j++) lc_eval(c, toks + j, 1);
                    best_one = LOLCAT__MIN(best_one, bench_now() - t0);
                } else if (which == 2 && want_1t) {
                    lc_ctx_set_threads(c, 1);
                    t0 = bench_now();
                    lc_eval(c, toks, (size_t)L);
                    best_1t = LOLCAT__MIN(best_1t, bench_now() - t0);
                    lc_ctx_set_threads(c, o->n_threads);
                }
#if defined(_OPENMP)
                else if (which == 3 && n_apart > 0) {
                    const double dt_apart = bench_prefill_apart(apart, n_apart, toks, L);
                    if (dt_apart > 0) best_apart = LOLCAT__MIN(best_apart, dt_apart);
                }
#endif
            }
        while (n_apart > 0) lc_ctx_destroy(apart[--n_apart]);
        dt = best;
        gf = flops / dt / 1e9;
        printf("  prefill %6d tok: %8.2f tok/s  %7.1f GFLOP/s = %5.1f%% of FMA peak%s%s\n", L, L / dt, gf, 100.0 * gf / o->peak,
               rounds > 1 ? "  (best of alternating rounds)" : "",
               (!strcmp(type, "q8_0") || !strcmp(type, "q4_0")) && strstr(lc_build_info(), "avx512vnni")
                   ? "  (int8 dot products: the FP32 peak does not bound them)"
                   : !strcmp(type, "bf16") && strstr(lc_build_info(), "avx512bf16")
                   ? "  (bf16 pair products: the FP32 peak does not bound them)" : "");
        bench_csv(o, label, type, attn, o->n_threads, "prefill", L, L / dt, 0, 0, gf, gf / o->peak, (double)lc_ctx_state_memory(c), -1, -1);
        if (i == 0) {
            res->prefill = L / dt;
            if (n1 > 0) {
                res->onetok = n1 / best_one;
                printf("  prefill %6d tok one at a time: %8.2f tok/s  (chunked is %.1fx faster)\n", n1, res->onetok, res->prefill / res->onetok);
                bench_csv(o, label, type, attn, o->n_threads, "prefill_token_by_token", n1, res->onetok, 0, 0, 0, 0, 0, -1, -1);
            }
            if (want_1t) {
                res->prefill_1t = L / best_1t;
                printf("  prefill %6d tok, 1 thread: %8.2f tok/s  (%d threads are %.2fx faster)\n", L, res->prefill_1t, o->n_threads, res->prefill / res->prefill_1t);
                bench_csv(o, label, type, attn, 1, "prefill", L, res->prefill_1t, 0, 0, 0, 0, 0, -1, -1);
            }
            if (best_apart < 1e29) {
                res->prefill_apart = (double)o->n_threads * L / best_apart;
                printf("  prefill %6d tok, %d prompts of 1 thread at once: %8.2f tok/s in all  (%.2fx one thread: the machine's own scaling)\n",
                       L, o->n_threads, res->prefill_apart, res->prefill_apart / res->prefill_1t);
                bench_csv(o, label, type, attn, o->n_threads, "prefill_apart", L, res->prefill_apart, 0, 0, 0, 0, 0, -1, -1);
            }
        }
    }
    fflush(stdout);
    lc_ctx_destroy(c);
    lc_ctx_destroy(base);
    free(toks);
}

static int bench_parse_list(const char *s, int *out, int cap) {
    int n = 0;
    while (*s && n < cap) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s) break;
        if (*end == 'k' || *end == 'K') { v *= 1024; end++; }
        out[n++] = (int)v;
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

static void bench_usage(void) {
    printf("usage: lolcat-bench [options]\n"
           "  --shape LIST        stories110M,tinyllama-1.1B,llama3-8B,tiny   (default tinyllama-1.1B)\n"
           "  --type LIST         f32,f16,bf16,q8_0,q4_0                      (default q8_0)\n"
           "  --attn LIST         hybrid,softmax,linear                      (default hybrid: LoLCATs w=64, Hedgehog F=64)\n"
           "  --model FILE        bench a GGUF file instead of synthetic models\n"
           "  --no-mmap           read --model's file into memory instead of mapping it\n"
           "  --export FILE       write the (first) synthetic model, with a vocabulary, as GGUF and exit\n"
           "  --export-llama2c F  write the same f32 softmax weights as run.c (F) and runq.c (F.q8) checkpoints\n"
           "  -t N                threads (default: all cores)\n"
           "  -b N                prefill chunk, n_batch (default: the library's, 256)\n"
           "  --positions LIST    decode positions (default 0,1k,4k,16k,32k)\n"
           "  --prefill LIST      prompt lengths (default 512,4096; 0 = none)\n"
           "  --decode-tokens N   timed decode steps per position (default 16)\n"
           "  --one-token N       also feed the first N prompt tokens one at a time (default 64; 0 = off)\n"
           "  --no-single-thread  skip the 1-thread prefill (and the 1-thread prompts at once beside it)\n"
           "  --rounds N          time the decode positions, and the first prefill's four timings, in turn N times\n"
           "                      (odd rounds in reverse order); each keeps its best (default 1; decode at most 64);\n"
           "                      decode also reports the median of its rounds against bandwidth probes taken\n"
           "                      just before and after each round; with no softmax layer the positions run\n"
           "                      side by side, token by token, and each also reports its median step\n"
           "  --real-prefill      reach decode positions by real prefill (slow)\n"
           "  --csv FILE          append results as CSV\n"
           "  --summary           print the make-bench summary line (needs f32 and q8_0 of one shape)\n"
           "  --kernel-probe      time the q8_0 decode kernel and F32 prefill packing against the best read pattern and exit\n"
           "  --jitter-probe S    per thread, the share of S seconds the machine takes away, 1 thread busy then all;\n"
           "                      then a cache line's round trip between threads 0 and 1 (2+ threads); exit\n");
}

int main(int argc, char **argv) {
    bench_opts o;
    const char *shapes = "tinyllama-1.1B", *types = "q8_0", *attns = "hybrid", *model_path = NULL, *export_path = NULL, *csv_path = NULL;
    const char *l2c_path = NULL;
    int summary = 0, kernel_probe = 0, no_mmap = 0, i;
    double jitter_seconds = 0.0;
    double worst_gbps = 1e30, worst_frac = 1e30, worst_short = 1e30, worst_short_all = 1e30, worst_long = 0, worst_gflops = 1e30, worst_scaling = 1e30;
    char scalings[512] = "";   /* --summary: each model's thread scaling beside the machine's own */
    char list[256], *tok, *save1;
    memset(&o, 0, sizeof o);
    o.n_threads = lc__threads_default();
    o.n_batch = 0;   /* the library default */
    o.decode_tokens = 16;
    o.onetok_tokens = 64;
    o.rounds = 1;
    o.n_positions = bench_parse_list("0,1k,4k,16k,32k", o.positions, 16);
    o.n_prefill = bench_parse_list("512,4096", o.prefill_lens, 8);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define BENCH_ARG(name) (!strcmp(a, name) && v && (i++, 1))
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { bench_usage(); return 0; }
        else if (BENCH_ARG("--shape")) shapes = v;
        else if (BENCH_ARG("--type")) types = v;
        else if (BENCH_ARG("--attn")) attns = v;
        else if (BENCH_ARG("--model")) model_path = v;
        else if (BENCH_ARG("--export")) export_path = v;
        else if (BENCH_ARG("--export-llama2c")) l2c_path = v;
        else if (BENCH_ARG("-t")) o.n_threads = atoi(v);
        else if (BENCH_ARG("-b")) o.n_batch = atoi(v);
        else if (BENCH_ARG("--positions")) o.n_positions = bench_parse_list(v, o.positions, 16);
        else if (BENCH_ARG("--prefill")) { o.n_prefill = bench_parse_list(v, o.prefill_lens, 8); if (o.n_prefill == 1 && o.prefill_lens[0] == 0) o.n_prefill = 0; }
        else if (BENCH_ARG("--decode-tokens")) o.decode_tokens = LOLCAT__MAX(1, atoi(v));
        else if (BENCH_ARG("--one-token")) o.onetok_tokens = atoi(v);
        else if (BENCH_ARG("--rounds")) o.rounds = atoi(v);
        else if (BENCH_ARG("--csv")) csv_path = v;
        else if (!strcmp(a, "--no-single-thread")) o.no_single_thread = 1;
        else if (!strcmp(a, "--real-prefill")) o.real_prefill = 1;
        else if (!strcmp(a, "--no-mmap")) no_mmap = 1;
        else if (!strcmp(a, "--summary")) summary = 1;
        else if (!strcmp(a, "--kernel-probe")) kernel_probe = 1;
        else if (BENCH_ARG("--jitter-probe")) {
            jitter_seconds = atof(v);
            if (!(jitter_seconds > 0.0 && jitter_seconds <= 600.0)) { fprintf(stderr, "--jitter-probe takes seconds in (0, 600]\n"); return 2; }
        }
        else { fprintf(stderr, "unknown or incomplete option '%s' (-h lists them)\n", a); return 2; }
#undef BENCH_ARG
    }
    if (o.n_threads < 1) o.n_threads = 1;
    if (kernel_probe) { bench_kernel_probe(o.n_threads); return 0; }
    if (jitter_seconds > 0.0) { bench_jitter_probe(o.n_threads, jitter_seconds); return 0; }
    if (l2c_path) {   /* llama2.c checkpoints of the f32 softmax model of one shape */
        bench_model bm;
        const bench_shape *sh = NULL;
        lc_model *m;
        char q8path[1024];
        for (i = 0; i < (int)(sizeof bench_shapes / sizeof bench_shapes[0]); i++) if (!strcmp(bench_shapes[i].name, shapes)) sh = &bench_shapes[i];
        if (!sh) { fprintf(stderr, "--export-llama2c needs one --shape\n"); return 2; }
        if (!bench_build(&bm, sh, LOLCAT_TYPE_F32, "softmax", 0, o.n_threads) || lc_model_open_memory(bm.gguf, bm.gguf_size, NULL, &m) != LOLCAT_OK) return 1;
        snprintf(q8path, sizeof q8path, "%s.q8", l2c_path);
        if (!bench_export_llama2c(m, sh, l2c_path, 0, 2048) || !bench_export_llama2c(m, sh, q8path, 1, 2048)) { fprintf(stderr, "cannot write %s\n", l2c_path); return 1; }
        printf("wrote %s (run.c, f32) and %s (runq.c, int8 groups of 32): %s softmax, seq_len 2048\n", l2c_path, q8path, sh->name);
        lc_model_close(m);
        free(bm.gguf);
        return 0;
    }
    if (export_path) {   /* write one synthetic model with a vocabulary, for other engines */
        bench_model bm;
        const bench_shape *sh = NULL;
        FILE *f;
        for (i = 0; i < (int)(sizeof bench_shapes / sizeof bench_shapes[0]); i++) if (!strcmp(bench_shapes[i].name, shapes)) sh = &bench_shapes[i];
        if (!sh || bench_type_of(types) < 0) { fprintf(stderr, "--export needs one --shape and one --type\n"); return 2; }
        if (!bench_build(&bm, sh, bench_type_of(types), attns, 1, o.n_threads)) return 1;
        if (!(f = fopen(export_path, "wb")) || fwrite(bm.gguf, 1, bm.gguf_size, f) != bm.gguf_size || fclose(f)) { fprintf(stderr, "cannot write %s\n", export_path); return 1; }
        printf("wrote %s (%.2f GB): %s %s %s\n", export_path, bm.gguf_size / 1e9, sh->name, attns, types);
        free(bm.gguf);
        return 0;
    }
    if (csv_path) {
        int fresh;
        FILE *probe = fopen(csv_path, "r");
        fresh = !probe;
        if (probe) fclose(probe);
        o.csv = fopen(csv_path, "a");
        if (!o.csv) { fprintf(stderr, "cannot open %s\n", csv_path); return 1; }
        if (fresh) fprintf(o.csv, "model,type,attn,threads,kind,n,tok_per_s,ms_per_tok,weight_gbps,frac_bandwidth,gflops,frac_fma_peak,state_bytes,machine_gbps,machine_gflops,frac_bandwidth_near,frac_bandwidth_all\n");
    }
    printf("lolcat-bench: lolcat.h %s, %d threads, n_batch %d\n", lc_build_info(), o.n_threads, o.n_batch ? o.n_batch : lc_ctx_default_params().n_batch ? lc_ctx_default_params().n_batch : 256);
    o.bandwidth = bench_read_bandwidth(o.n_threads, (size_t)1 << 30);
    o.peak = bench_fma_peak(o.n_threads);
    printf("machine: read bandwidth %.1f GB/s, FP32 FMA peak %.1f GFLOP/s (%d threads, measured now)\n", o.bandwidth, o.peak, o.n_threads);
    bench_csv(&o, "machine", "-", "-", o.n_threads, "machine", 0, 0, o.bandwidth, 1, o.peak, 1, 0, -1, -1);
    if (model_path) {
        lc_model *m;
        char err[512] = "";
        lc_model_params mp;
        bench_result res;
        uint64_t bytes = 0;
        double lp = 0;
        int t;
        memset(&mp, 0, sizeof mp);
        mp.error_message = err; mp.error_message_size = sizeof err;
        mp.no_mmap = no_mmap;
        if (lc_model_open_file(model_path, &mp, &m) != LOLCAT_OK) { fprintf(stderr, "%s: %s\n", model_path, err); return 1; }
        for (t = 0; t < lc_model_tensor_count(m); t++) {
            lc_tensor_info ti;
            if (lc_model_tensor_get(m, t, &ti) != LOLCAT_OK) continue;
            if (ti.n_dims == 2 && strcmp(ti.name, "token_embd.weight")) { bytes += ti.n_bytes; if (strcmp(ti.name, "output.weight")) lp += (double)ti.ne[0] * ti.ne[1]; }
        }
        if (!m->output.data || m->output.data == m->tok_embd.data) bytes += m->output.row_bytes * (uint64_t)m->output.n_out;
        bench_model_run(m, model_path, lc_type_name((lc_tensor_type)m->output.type), m->info.n_hybrid_layers ? "hybrid" : m->info.n_linear_layers ? "linear" : "softmax",
                        bytes, lp, (double)m->n_embd * m->n_vocab, &o, &res);
        lc_model_close(m);
    } else {
        snprintf(list, sizeof list, "%s", shapes);
        for (tok = strtok_r(list, ",", &save1); tok; tok = strtok_r(NULL, ",", &save1)) {
            const bench_shape *sh = NULL;
            char tlist[128], *ty, *save2;
            for (i = 0; i < (int)(sizeof bench_shapes / sizeof bench_shapes[0]); i++) if (!strcmp(bench_shapes[i].name, tok)) sh = &bench_shapes[i];
            if (!sh) { fprintf(stderr, "unknown shape '%s'\n", tok); return 2; }
            snprintf(tlist, sizeof tlist, "%s", types);
            for (ty = strtok_r(tlist, ",", &save2); ty; ty = strtok_r(NULL, ",", &save2)) {
                char alist[128], *at, *save3;
                int type = bench_type_of(ty);
                if (type < 0) { fprintf(stderr, "unknown type '%s'\n", ty); return 2; }
                snprintf(alist, sizeof alist, "%s", attns);
                for (at = strtok_r(alist, ",", &save3); at; at = strtok_r(NULL, ",", &save3)) {
                    bench_model bm;
                    lc_model *m;
                    char err[512] = "", label[128];
                    lc_model_params mp;
                    bench_result res;
                    double t0 = bench_now();
                    if (strcmp(at, "hybrid") && strcmp(at, "softmax") && strcmp(at, "linear")) { fprintf(stderr, "unknown attention '%s'\n", at); return 2; }
                    if (!bench_build(&bm, sh, type, at, 0, o.n_threads)) return 1;
                    memset(&mp, 0, sizeof mp);
                    mp.error_message = err; mp.error_message_size = sizeof err;
                    if (lc_model_open_memory(bm.gguf, bm.gguf_size, &mp, &m) != LOLCAT_OK) { fprintf(stderr, "synthetic model: %s\n", err); return 1; }
                    snprintf(label, sizeof label, "%s/%s/%s", sh->name, ty, at);
                    printf("\n%s: built in %.1f s (%.2f GB)\n", label, bench_now() - t0, bm.gguf_size / 1e9);
                    bench_model_run(m, label, ty, at, bm.matmul_bytes, bm.layer_params, bm.output_params, &o, &res);
                    if (summary) {   /* neighbours on a shared machine move the limits: probe again, keep the best */
                        double bw = bench_read_bandwidth(o.n_threads, (size_t)1 << 30), pk = bench_fma_peak(o.n_threads);
                        printf("  machine measured again: read bandwidth %.1f GB/s, FP32 FMA peak %.1f GFLOP/s\n", bw, pk);
                        o.bandwidth = LOLCAT__MAX(o.bandwidth, bw);
                        o.peak = LOLCAT__MAX(o.peak, pk);
                        worst_gbps = LOLCAT__MIN(worst_gbps, res.gbps0);
                        worst_frac = LOLCAT__MIN(worst_frac, res.frac0);
                        if (res.have_short) { worst_short = LOLCAT__MIN(worst_short, res.frac_short); worst_short_all = LOLCAT__MIN(worst_short_all, res.frac_short_all); }
                        if (res.step_short > 0 && res.step_long > 0) worst_long = LOLCAT__MAX(worst_long, res.step_long / res.step_short);
                        else if (res.have_long && res.decode_short > 0) worst_long = LOLCAT__MAX(worst_long, res.decode_short / res.decode_long);
                        if (res.prefill > 0) {
                            const double gf = bench_prefill_flops(m, bm.layer_params, bm.output_params, o.prefill_lens[0]) *
                                              res.prefill / o.prefill_lens[0] / 1e9;
                            worst_gflops = LOLCAT__MIN(worst_gflops, gf);
                        }
                        if (res.prefill_1t > 0) {
                            const size_t used = strlen(scalings);
                            worst_scaling = LOLCAT__MIN(worst_scaling, res.prefill / res.prefill_1t);
                            if (res.prefill_apart > 0)
                                snprintf(scalings + used, sizeof scalings - used, "%s%s %.2f (%.2f)", used ? ", " : "", label,
                                         res.prefill / res.prefill_1t, res.prefill_apart / res.prefill_1t);
                        }
                    }
                    lc_model_close(m);
                    free(bm.gguf);
                }
            }
        }
    }
    if (summary) {   /* the worse of the models run for each figure. Decode: against the bandwidth
                        probed next to its rounds; prefill: against the best FMA peak seen */
        char dr[32], lr[32], pp[32], sc[32];
        printf("\nmachine, best of the run: read bandwidth %.1f GB/s, FP32 FMA peak %.1f GFLOP/s\n", o.bandwidth, o.peak);
        printf("decode at position 0 against the best probe of the whole run instead: %.3f\n", worst_gbps / o.bandwidth);
        if (worst_short < 1e29)   /* position 0 of a LoLCATs layer has no state to read yet; 256 has */
            printf("decode at position 256, next to its probes: %.3f of the weights-only roofline, %.3f counting attention bytes too\n",
                   worst_short, worst_short_all);
        /* a figure no model measured (no decode positions, no 32k, no prefill, one thread) reads n/a */
        bench_figure(dr, sizeof dr, "%.3f", worst_frac, o.n_positions > 0);
        bench_figure(lr, sizeof lr, "%.3f", worst_long, worst_long > 0);
        bench_figure(pp, sizeof pp, "%.3f", worst_gflops / o.peak, worst_gflops < 1e29);
        bench_figure(sc, sizeof sc, "%.2f", worst_scaling, worst_scaling < 1e29);
        if (scalings[0])
            printf("prefill on %d threads against 1, and (in brackets) %d 1-thread prompts at once against 1: %s\n",
                   o.n_threads, o.n_threads, scalings);
        printf("decode_roofline_fraction=%s long_context_ratio=%s prefill_peak_fraction=%s thread_scaling=%s\n", dr, lr, pp, sc);
    }
    if (o.csv) fclose(o.csv);
    bench_probe_near(0);
    return 0;
}
