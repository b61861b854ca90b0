/* Kernel tests: every dispatcher (the SIMD variant this build compiled: AVX2, NEON, or the
   scalar reference itself under LOLCAT_NO_SIMD) against its _ref on odd sizes.
   Tolerances:
   - conversions, dequantization and activation quantization: bit-exact;
   - integer dots (Q8_0/Q4_0 with int8 activations, unit scales): bit-exact;
   - float reductions (dots, matmuls, norms, state read-out): |got - ref| <= 1e-5 * sum |terms|
     (SIMD sums in a different order; each rounding costs 2^-24 of a partial sum);
   - exp-based kernels (silu, softmax, feature maps): 1e-5 relative (vector exp is within
     2 ulp of expf; the measured worst case is printed by kernels/exp). */

static void tk_fill(float *x, int n, float scale, uint64_t seed) {
    int i;
    t_seed(seed);
    for (i = 0; i < n; i++) x[i] = scale * t_normal();
}

/* worst |a-b| / bound[i] */
static double tk_err_bound(const float *a, const float *b, const float *bound, int n) {
    double e = 0;
    int i;
    for (i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]) / (bound[i] > 1e-30f ? bound[i] : 1e-30f);
        if (!(d <= e)) e = d;
    }
    return e;
}

static void test_kernel_exp(void) {
    double worst = 0;
    float x[1024], got[1024];
    int i, r;
    for (r = 0; r < 8; r++) {
        for (i = 0; i < 1024; i++) x[i] = -87.0f + 175.0f * ((float)(i + 1024 * r) / 8192.0f);
        memcpy(got, x, sizeof x);
        lc__exp_shift_sum(got, 1024, 0.0f);
        for (i = 0; i < 1024; i++) {
            double ref = exp((double)x[i]), e = fabs(got[i] - ref) / ref;
            if (!(e <= worst)) worst = e;
        }
    }
    CHECK(worst < 4e-7, "vector exp: worst relative error %.3g (want < 4e-7, about 3 ulp)", worst);
    printf("  exp: worst relative error vs exp() %.3g\n", worst);
    {   /* far below the range: 0, never nan */
        float y[9] = {-1000, -200, -100, -88.5f, -88, -87.5f, 0, 1, 2};
        lc__exp_shift_sum(y, 9, 0.0f);
        CHECK(y[0] == 0.0f && y[1] == 0.0f && y[2] < FLT_MIN && y[3] < FLT_MIN && y[5] > 0.0f && fabsf(y[6] - 1.0f) < 1e-7f,
              "exp limits: %g %g %g %g %g", y[0], y[3], y[4], y[5], y[6]);
    }
}

static void test_kernel_convert(void) {
    static const int types[5] = {LOLCAT_TYPE_F32, LOLCAT_TYPE_F16, LOLCAT_TYPE_BF16, LOLCAT_TYPE_Q8_0, LOLCAT_TYPE_Q4_0};
    float x[32 * 9], a[32 * 9], b[32 * 9];
    unsigned char q[32 * 9 * 4];
    int ti, ni;
    tk_fill(x, 32 * 9, 2.0f, 11);
    x[5] = 1e-6f; x[6] = -7e-8f; x[7] = 65504.0f;   /* f16 subnormal and max */
    for (ti = 0; ti < 5; ti++) {
        static const int sizes[4] = {288, 37, 13, 1};
        for (ni = 0; ni < 4; ni++) {
            int n = sizes[ni];
            if ((types[ti] == LOLCAT_TYPE_Q8_0 || types[ti] == LOLCAT_TYPE_Q4_0) && n % 32) continue;
            lc_quantize((lc_tensor_type)types[ti], x, q, (uint64_t)n);
            lc__dequant_row_ref(types[ti], q, a, n);
            lc__dequant_row(types[ti], q, b, n);
            CHECK(memcmp(a, b, (size_t)n * sizeof(float)) == 0, "dequant %s n=%d: not bit-exact", lc_type_name((lc_tensor_type)types[ti]), n);
        }
    }
    {   /* activation quantization: bit-exact, including exact ties (x*id = k + 0.5) */
        signed char qa[32 * 9], qb[32 * 9];
        float da[9], db[9];
        int i;
        for (i = 0; i < 32; i++) x[i] = (float)(i - 16) + 0.5f;
        x[31] = 127.0f;                     /* d = 1: every value sits on a tie */
        x[40] = NAN; x[41] = INFINITY;      /* garbage in: defined output, no UB */
        lc__quantize_act_ref(x, qa, da, 32 * 9);
        lc__quantize_act(x, qb, db, 32 * 9);
        /* block 1 holds nan/inf: only defined output is required there */
        CHECK(da[0] == db[0] && memcmp(da + 2, db + 2, 7 * sizeof(float)) == 0 && memcmp(qa, qb, 32) == 0 &&
              memcmp(qa + 64, qb + 64, 32 * 7) == 0, "activation quantization: not bit-exact");
        CHECK(qa[0] == -16 && qa[1] == -14 && qa[2] == -14 && qa[31] == 127, "round half to even: %d %d %d", qa[0], qa[1], qa[2]);
        for (i = 32; i < 64; i++) CHECK(qa[i] >= -127 && qb[i] >= -127, "activation quantization of nan/inf byte %d", i);
    }
}

/* The decode kernel on one row given four times (all four results must agree). */
static float tk_dot_q_q8(int type, const unsigned char *row, const signed char *xq, const float *xd, int n) {
    const unsigned char *w[4];
    float out[4];
    w[0] = w[1] = w[2] = w[3] = row;
    lc__dot4_q_q8(type, w, xq, xd, n, 0, 0, out);
    return out[0] == out[1] && out[0] == out[2] && out[0] == out[3] ? out[0] : NAN;
}

/* Q8_0/Q4_0 rows . int8 activations. */
static void test_kernel_int8_dot(void) {
    static const int types[2] = {LOLCAT_TYPE_Q8_0, LOLCAT_TYPE_Q4_0};
    float x[32 * 17], w[32 * 17];
    unsigned char row[34 * 17];
    signed char xq[32 * 17];
    float xd[17];
    int ti, nb, i;
    for (ti = 0; ti < 2; ti++)
        for (nb = 1; nb <= 17; nb += 3) {
            int n = 32 * nb;
            float ref, got, bound = 0;
            tk_fill(w, n, 1.0f, (uint64_t)(nb + 100 * ti));
            tk_fill(x, n, 3.0f, (uint64_t)(nb + 1000));
            lc_quantize((lc_tensor_type)types[ti], w, row, (uint64_t)n);
            lc__quantize_act_ref(x, xq, xd, n);
            ref = lc__dot_q_q8_ref(types[ti], row, xq, xd, n);
            got = tk_dot_q_q8(types[ti], row, xq, xd, n);
            for (i = 0; i < n; i++) bound += fabsf(w[i] * x[i]);
            CHECK(fabsf(got - ref) <= 1e-5f * bound, "%s . q8 n=%d: %g vs %g", lc_type_name((lc_tensor_type)types[ti]), n, got, ref);
            /* unit scales: every partial sum is an integer below 2^24, so the result is exact */
            {
                uint16_t one = lc__f32_to_f16(1.0f);
                int b;
                size_t bb = types[ti] == LOLCAT_TYPE_Q8_0 ? LOLCAT__Q8_0_BYTES : LOLCAT__Q4_0_BYTES;
                for (b = 0; b < nb; b++) { memcpy(row + b * bb, &one, 2); xd[b] = 1.0f; }
                xq[0] = 127; xq[1] = -127;
                if (types[ti] == LOLCAT_TYPE_Q8_0) { row[2] = 0x80; row[3] = 0x80; }   /* -128: the sign trick must hold */
                ref = lc__dot_q_q8_ref(types[ti], row, xq, xd, n);
                got = tk_dot_q_q8(types[ti], row, xq, xd, n);
                CHECK(got == ref, "%s . q8 n=%d unit scales: %.1f vs %.1f (must be exact)", lc_type_name((lc_tensor_type)types[ti]), n, got, ref);
            }
        }
}

/* Four Q8_0/Q4_0 rows at once (the decode kernel), with and without prefetch ahead, on block
   counts 1..17: each row against the one-row reference, to 1e-5 of the sum of |w x|. */
static void test_kernel_int8_dot4(void) {
    static const int types[2] = {LOLCAT_TYPE_Q8_0, LOLCAT_TYPE_Q4_0};
    float x[32 * 17], w[32 * 17 * 8];
    unsigned char rows[34 * 17 * 8];
    signed char xq[32 * 17];
    float xd[17];
    int ti, nb, r, i, pf;
    for (ti = 0; ti < 2; ti++)
        for (nb = 1; nb <= 17; nb++) {   /* odd and even: the AVX2 and AVX-512 kernels take blocks in pairs */
            const int n = 32 * nb;
            const size_t rb = (size_t)nb * (types[ti] == LOLCAT_TYPE_Q8_0 ? LOLCAT__Q8_0_BYTES : LOLCAT__Q4_0_BYTES);
            tk_fill(w, 8 * n, 1.0f, (uint64_t)(nb + 300 * ti));
            tk_fill(x, n, 2.0f, (uint64_t)(nb + 3000));
            for (r = 0; r < 8; r++) lc_quantize((lc_tensor_type)types[ti], w + (size_t)r * n, rows + r * rb, (uint64_t)n);
            lc__quantize_act_ref(x, xq, xd, n);
            if (types[ti] == LOLCAT_TYPE_Q8_0)   /* quantized from floats: never -128 */
                CHECK(lc__q8_no_min_ref(rows, (size_t)8 * nb) == 1, "q8_0 rows of n=%d hold -128", n);
            for (pf = 0; pf < 4; pf++) {   /* bit 0: prefetch; bit 1: the kernel told the rows hold no -128 */
                const unsigned char *p[4];
                float got[4];
                for (r = 0; r < 4; r++) p[r] = rows + (size_t)(r ^ (nb & 3)) * rb;   /* rows in any order */
                lc__dot4_q_q8(types[ti], p, xq, xd, n, (pf & 1) ? 4 * rb : 0, pf >> 1, got);   /* ahead stays inside rows[] */
                for (r = 0; r < 4; r++) {
                    float ref = lc__dot_q_q8_ref(types[ti], p[r], xq, xd, n), bound = 0;
                    const float *wr = w + (size_t)(r ^ (nb & 3)) * n;
                    for (i = 0; i < n; i++) bound += fabsf(wr[i] * x[i]);
                    CHECK(fabsf(got[r] - ref) <= 1e-5f * bound, "%s dot4 row %d n=%d prefetch %d: %g vs %g",
                          lc_type_name((lc_tensor_type)types[ti]), r, n, pf, got[r], ref);
                }
            }
        }
    {   /* Q8_0 rows with -128 quants (no float rounds to them, but a file may hold them): the scans
           find them, and the kernel not told otherwise stays exact against the reference */
        const int nb9 = 9, n = 32 * nb9;
        const size_t rb = (size_t)nb9 * LOLCAT__Q8_0_BYTES;
        const unsigned char *p[4];
        float got[4], ref;
        tk_fill(w, 4 * n, 1.0f, 77);
        tk_fill(x, n, 2.0f, 78);
        for (r = 0; r < 4; r++) lc_quantize(LOLCAT_TYPE_Q8_0, w + (size_t)r * n, rows + r * rb, (uint64_t)n);
        lc__quantize_act_ref(x, xq, xd, n);
        for (i = 0; i < n; i += 7) if (xq[i] > 0) xq[i] = (signed char)-xq[i];   /* negative x where the -128s go */
        CHECK(lc__q8_no_min_ref(rows, 4 * (size_t)nb9) == 1, "rows without -128");
        rows[rb + 2 + 5] = 0x80;   /* row 1, block 0, quant 5 */
        rows[3 * rb + 8 * LOLCAT__Q8_0_BYTES + 2 + 31] = 0x80;   /* row 3, last block, last quant */
        xq[5] = -100; xq[8 * 32 + 31] = -3;
        CHECK(lc__q8_no_min_ref(rows, 4 * (size_t)nb9) == 0 && lc__q8_no_min_ref(rows + 3 * rb, nb9) == 0 &&
              lc__q8_no_min_ref(rows + 2 * rb, nb9) == 1, "the reference scan finds -128");
#if LOLCAT__AVX2
        CHECK(lc__q8_no_min_avx2(rows, 4 * (size_t)nb9) == 0 && lc__q8_no_min_avx2(rows + 3 * rb, nb9) == 0 &&
              lc__q8_no_min_avx2(rows + 2 * rb, nb9) == 1 && lc__q8_no_min_avx2(rows, 0) == 1, "the AVX2 scan finds -128");
#endif
        for (r = 0; r < 4; r++) p[r] = rows + (size_t)r * rb;
        lc__dot4_q_q8(LOLCAT_TYPE_Q8_0, p, xq, xd, n, 0, 0, got);
        for (r = 0; r < 4; r++) {
            float bound = 0;
            ref = lc__dot_q_q8_ref(LOLCAT_TYPE_Q8_0, p[r], xq, xd, n);
            for (i = 0; i < n; i++) bound += fabsf(128.0f * xd[i / 32] * xq[i]) * lc__f16_to_f32((uint16_t)(p[r][(i / 32) * LOLCAT__Q8_0_BYTES] | p[r][(i / 32) * LOLCAT__Q8_0_BYTES + 1] << 8));
            CHECK(fabsf(got[r] - ref) <= 1e-5f * bound, "q8_0 dot4 with -128 quants, row %d: %g vs %g", r, got[r], ref);
        }
    }
}

#if LOLCAT__AVX2
/* Prefill's packed kernels called directly, so an AVX-512 build also tests the AVX2 kernel it
   no longer dispatches to: the 16x6 AVX2 kernel and (where compiled) the AVX-512 16x12 and
   32-row kernels (32x4, 32x8 and 32x12, by token count) against a plain double-precision
   loop, for kc 1-9, 37 and 300 (tails after the unrolled loops), every row count (1-16; 17-32
   for the two-panel kernels) and token count up to the block, writing and accumulating. Token slots past nt hold zeros, as lc__pack_x
   leaves them; values of Y past nr and nt must keep their sentinel. Tolerance 1e-5 of
   sum |terms|. */
static void test_kernel_packed(void) {
    static const int kcs[10] = {1, 2, 3, 4, 5, 6, 7, 9, 37, 300};
    enum { max_k = 300, ldy = 37 };
    float *wp = (float *)malloc((size_t)max_k * 32 * sizeof(float)), *xp = (float *)malloc((size_t)max_k * 12 * sizeof(float));
    float Y[12 * ldy], Y0[12 * ldy], want[12 * ldy], bound[12 * ldy];
    const float *wp2 = wp + (size_t)max_k * 16;   /* the second panel: rows 16-31 */
    int variant, ki, nr, nt, init, bad_value = 0, bad_border = 0, cases = 0;
    double worst = 0;
    tk_fill(wp, max_k * 32, 1.0f, 4401);
    tk_fill(Y0, 12 * ldy, 1.0f, 4403);
    for (variant = 0; variant < 1 + 2 * LOLCAT__AVX512; variant++) {
        const int block = variant ? 12 : 6, nr_lo = variant == 2 ? 17 : 1, nr_hi = variant == 2 ? 32 : 16;
        for (ki = 0; ki < 10; ki++)
            for (nr = nr_lo; nr <= nr_hi; nr++)
                for (nt = 1; nt <= block; nt++)
                    for (init = 0; init < 2; init++) {
                        const int kc = kcs[ki];
                        const float alpha = init ? 1.0f : 0.75f;
                        int k, i, j;
                        tk_fill(xp, kc * block, 1.0f, (uint64_t)(4402 + ki));
                        for (k = 0; k < kc; k++) for (j = nt; j < block; j++) xp[k * block + j] = 0.0f;
                        memcpy(Y, Y0, sizeof Y);
                        if (variant == 0) lc__mk16x6_packed_avx2(wp, xp, kc, Y, ldy, nr, nt, alpha, init);
#if LOLCAT__AVX512
                        else if (variant == 1) lc__mk16x12_packed_avx512(wp, xp, kc, Y, ldy, nr, nt, alpha, init);
                        else lc__mk32_packed_avx512(wp, wp2, xp, kc, Y, ldy, nr, nt, alpha, init);   /* its 4-, 8- and 12-token kernels */
#endif
                        for (j = 0; j < 12; j++)
                            for (i = 0; i < ldy; i++) {
                                const int at = j * ldy + i;
                                if (j < nt && i < nr) {
                                    const float *panel = i < 16 ? wp : wp2;
                                    double sum = 0, mag = init ? 0 : fabs(Y0[at]);
                                    for (k = 0; k < kc; k++) {
                                        const double term = (double)panel[k * 16 + i % 16] * xp[k * block + j];
                                        sum += term;
                                        mag += fabs(alpha * term);
                                    }
                                    want[at] = (float)(alpha * sum + (init ? 0.0 : Y0[at]));
                                    bound[at] = (float)mag;
                                } else {
                                    want[at] = Y[at]; bound[at] = 1.0f;
                                    bad_border += Y[at] != Y0[at];
                                }
                            }
                        {
                            const double e = tk_err_bound(Y, want, bound, 12 * ldy);
                            if (e > worst) worst = e;
                            bad_value += !(e <= 1e-5);
                        }
                        cases++;
                    }
    }
    CHECK(bad_value == 0, "packed kernels: %d of %d cases beyond 1e-5 of sum|terms| (worst %.3g)", bad_value, cases, worst);
    CHECK(bad_border == 0, "packed kernels: %d values written outside nr x nt", bad_border);
    free(wp); free(xp);
}
#endif

/* Matmul: the SIMD blocking against the scalar reference, for every type, row counts not
   multiples of 4 or 16, T not a multiple of the 6- or 12-token block (and two 12-token
   blocks and one token), n_in crossing KC slices with a tail, n_in crossing a KS slice (2080:
   two slices, the second one block long), n_in leaving 0, 1 and 3 inputs after the prefill
   kernel's four-input loop (3, 37, 39, 96, ...), one and two threads. Q8_0/Q4_0 prefill runs
   on int8 in AVX-512 VNNI builds (16-row panels of 5, 19 and 40 rows; Q8_0 rows holding -128
   quants in half the cases), and BF16 on bf16 pairs in AVX-512 BF16 builds (odd n_in: a last
   pair padded with 0; n_in below and above the 16 inputs the pair transpose takes at once). */
static void test_kernel_matmul(void) {
    static const int types[5] = {LOLCAT_TYPE_F32, LOLCAT_TYPE_F16, LOLCAT_TYPE_BF16, LOLCAT_TYPE_Q8_0, LOLCAT_TYPE_Q4_0};
    static const int n_ins[7] = {3, 37, 39, 96, 544, 1100, 2080}, n_outs[4] = {1, 5, 19, 40}, Ts[8] = {1, 2, 5, 6, 7, 12, 13, 25};
    const int max_in = 2080, max_out = 40, max_t = 25, nt_cap = 2;
    float *Wf = (float *)malloc((size_t)max_in * max_out * sizeof(float));
    unsigned char *Wq = (unsigned char *)malloc((size_t)max_in * max_out * 4);
    float *X = (float *)malloc((size_t)max_in * max_t * sizeof(float)), *Xr = (float *)malloc((size_t)max_in * max_t * sizeof(float));
    float *Yref = (float *)malloc((size_t)max_out * max_t * sizeof(float)), *Y = (float *)malloc((size_t)max_out * max_t * sizeof(float));
    float *Y1 = (float *)malloc((size_t)max_out * max_t * sizeof(float)), *bound = (float *)malloc((size_t)max_out * max_t * sizeof(float));
    const size_t stride = lc__mm_rowbuf_floats(max_in);
    float *rowbuf = (float *)malloc((size_t)nt_cap * stride * sizeof(float));
    float *xp = (float *)malloc(lc__mm_xp_floats(max_in, max_t) * sizeof(float));
    lc__mm_scratch s;
    int ti, ii, oi, tt, acc, i, t, r, failures = 0, claims[2];
    s.rowbuf = rowbuf; s.rowbuf_stride = stride; s.xp = xp; s.claims = claims;   /* (products this small stay on one thread) */
    for (ti = 0; ti < 5; ti++)
        for (ii = 0; ii < 7; ii++)
            for (oi = 0; oi < 4; oi++)
                for (tt = 0; tt < 8; tt++)
                    for (acc = 0; acc < 2; acc++) {
                        const int type = types[ti], K = n_ins[ii], N = n_outs[oi], T = Ts[tt];
                        const int quant = type == LOLCAT_TYPE_Q8_0 || type == LOLCAT_TYPE_Q4_0;
                        const float alpha = acc ? 0.5f : 1.0f;
                        lc__mat W;
                        double err;
                        if (quant && K % 32) continue;
                        tk_fill(Wf, K * N, 1.0f, (uint64_t)(ti * 7 + ii * 13 + oi));
                        tk_fill(X, K * T, 1.0f, (uint64_t)(tt + 50));
                        W.type = type; W.n_in = K; W.n_out = N; W.row_bytes = lc_type_size((lc_tensor_type)type, (uint64_t)K); W.data = Wq;
                        for (r = 0; r < N; r++) lc_quantize((lc_tensor_type)type, Wf + (size_t)r * K, Wq + r * W.row_bytes, (uint64_t)K);
                        if (type == LOLCAT_TYPE_Q8_0 && tt % 2)   /* -128 quants, which a file may hold: the int8 offset must cancel */
                            for (r = 0; r < N; r++) Wq[r * W.row_bytes + (size_t)(r % (K / 32)) * LOLCAT__Q8_0_BYTES + 2 + (r * 7) % 32] = 0x80;
                        W.q8_no_min = type == LOLCAT_TYPE_Q8_0 && (ii + oi) % 2 && lc__q8_no_min_ref(Wq, (size_t)N * W.row_bytes / LOLCAT__Q8_0_BYTES);   /* both decode paths */
                        /* the reference on the activations this build feeds quantized weights */
                        memcpy(Xr, X, (size_t)K * T * sizeof(float));
                        if (quant && LOLCAT__QUANT_ACT)
                            for (t = 0; t < T; t++) {
                                signed char q[32];
                                float d;
                                int b, j;
                                for (b = 0; b < K / 32; b++) {
                                    lc__quantize_act_ref(X + (size_t)t * K + b * 32, q, &d, 32);
                                    for (j = 0; j < 32; j++) Xr[(size_t)t * K + b * 32 + j] = (float)q[j] * d;
                                }
                            }
                        if (type == LOLCAT_TYPE_BF16 && LOLCAT__AVX512_BF16)   /* AVX-512 BF16 builds round x to bf16 */
                            for (i = 0; i < K * T; i++) Xr[i] = lc__bf16_to_f32(lc__f32_to_bf16(X[i]));
                        tk_fill(Yref, N * T, 1.0f, 77);
                        memcpy(Y, Yref, (size_t)N * T * sizeof(float));
                        memcpy(Y1, Yref, (size_t)N * T * sizeof(float));
                        lc__matmul_ref(&W, Xr, K, T, Yref, N, alpha, acc, rowbuf, s.rowbuf_stride, 1);
                        lc__matmul(&W, X, K, T, Y, N, alpha, acc, &s, 1 + (tt & 1));
                        for (t = 0; t < T; t++)
                            for (r = 0; r < N; r++) {
                                float b = acc ? fabsf(Y1[t * N + r]) : 0.0f;
                                float wr[2080];
                                lc__dequant_row_ref(type, Wq + r * W.row_bytes, wr, K);
                                for (i = 0; i < K; i++) b += fabsf(alpha * wr[i] * Xr[(size_t)t * K + i]);
                                bound[t * N + r] = b;
                            }
                        err = tk_err_bound(Y, Yref, bound, N * T);
                        if (!(err <= 1e-5)) failures++;
                        CHECK(err <= 1e-5, "matmul %s K=%d N=%d T=%d acc=%d: error %.3g of sum|terms|", lc_type_name((lc_tensor_type)type), K, N, T, acc, err);
                        /* token by token (the decode kernels) agrees to rounding */
                        for (t = 0; t < T; t++) lc__matmul(&W, X + (size_t)t * K, K, 1, Y1 + (size_t)t * N, N, alpha, acc, &s, 2);
                        CHECK(tk_err_bound(Y, Y1, bound, N * T) <= 1e-5, "matmul %s K=%d N=%d T=%d: decode vs prefill %.3g", lc_type_name((lc_tensor_type)type), K, N, T, tk_err_bound(Y, Y1, bound, N * T));
                    }
    (void)failures;
    free(Wf); free(Wq); free(X); free(Xr); free(Yref); free(Y); free(Y1); free(bound); free(rowbuf); free(xp);
}

#if LOLCAT__SIMD
/* The prefetch distance lc__decode_rows hands the decode kernels: they prefetch up to `ahead`
   bytes past the end of each row they read, so the distance it returns must keep that inside
   the matrix (a pointer past the weights is undefined behaviour even where a prefetch cannot
   fault), and it must still return the full distance where there is room. Every range of
   1-40 rows of matrices of 1-40 rows, rows of 40 and 2176 bytes, distances 64 and 1024. */
static void test_kernel_decode_ahead(void) {
    static const size_t row_bytes[2] = {40, 2176}, aheads[2] = {64, 1024};
    unsigned char *data = (unsigned char *)malloc((size_t)40 * 2176);
    int bi, ai, n_out, r0, r1, j, rows[4], beyond = 0, full = 0, wrong_rows = 0;
    for (bi = 0; bi < 2; bi++)
        for (ai = 0; ai < 2; ai++)
            for (n_out = 1; n_out <= 40; n_out++)
                for (r0 = 0; r0 < n_out; r0++)
                    for (r1 = r0 + 1; r1 <= n_out; r1++)
                        for (j = 0; j < lc__decode_steps(r0, r1); j++) {
                            lc__mat W;
                            const unsigned char *w[4];
                            size_t got, end = (size_t)n_out * row_bytes[bi];
                            int i;
                            memset(&W, 0, sizeof W);
                            W.n_out = n_out; W.row_bytes = row_bytes[bi]; W.data = data;
                            got = lc__decode_rows(&W, r0, r1, j, aheads[ai], rows, w);
                            for (i = 0; i < 4; i++) {
                                const size_t start = (size_t)LOLCAT__MIN(rows[i], r1 - 1) * row_bytes[bi];
                                beyond += got && start + row_bytes[bi] + got > end;
                                wrong_rows += w[i] != W.data + start;
                            }
                            beyond += got != 0 && got != aheads[ai];
                            full += got == aheads[ai];
                        }
    CHECK(beyond == 0, "decode prefetch distance: %d rows would prefetch past the matrix", beyond);
    CHECK(wrong_rows == 0, "decode rows: %d row pointers differ from the rows' starts", wrong_rows);
    CHECK(full > 0, "decode prefetch distance: the full distance is used where there is room");
    free(data);
}
#endif

/* Decode rows shared by thread pairs from both ends (lc__matvec_pair), and prefill units claimed
   by the team in groups (lc__matmul_claimed): on 2, 3 and 4 threads,
   rows not a multiple of the 16-row unit (all above the size that lc__matmul_jobs keeps on
   one thread), every row computed once and each pair's units all claimed, front and back
   together; then meeting points of the two ends driven by hand (every one up to 40 units);
   prefill of 7 tokens likewise, every group once and each thread ending on one refused
   claim. accumulate = 1 makes a row done twice add twice and a skipped row keep its old
   value; the same kernel on the same row is bit-exact, so rows are compared exactly. */
static void test_kernel_decode_pairs(void) {
    static const int types[2] = {LOLCAT_TYPE_F32, LOLCAT_TYPE_Q8_0}, n_outs[3] = {67, 597, 3001};
    const int K = 1024, max_out = 3001, nt_cap = 4;
    float *Wf = (float *)malloc((size_t)K * max_out * sizeof(float)), *x = (float *)malloc((size_t)K * sizeof(float));
    unsigned char *Wq = (unsigned char *)malloc((size_t)K * max_out * 4);
    float *y = (float *)malloc((size_t)max_out * sizeof(float)), *y0 = (float *)malloc((size_t)max_out * sizeof(float));
    float *want = (float *)malloc((size_t)max_out * sizeof(float));
    const size_t stride = lc__mm_rowbuf_floats(K);
    float *rowbuf = (float *)malloc((size_t)nt_cap * stride * sizeof(float)), *xp = (float *)malloc(lc__mm_xp_floats(K, 7) * sizeof(float));
    float *X7 = (float *)malloc((size_t)K * 7 * sizeof(float)), *Y7 = (float *)malloc((size_t)max_out * 7 * sizeof(float));
    float *Y70 = (float *)malloc((size_t)max_out * 7 * sizeof(float)), *want7 = (float *)malloc((size_t)max_out * 7 * sizeof(float));
    int claims[6], ti, oi, nt, r;
    lc__mm_scratch s;
    s.rowbuf = rowbuf; s.rowbuf_stride = stride; s.xp = xp; s.claims = claims;
    tk_fill(x, K, 1.0f, 901);
    tk_fill(X7, K * 7, 1.0f, 902);
    for (ti = 0; ti < 2; ti++)
        for (oi = 0; oi < 3; oi++) {
            const int N = n_outs[oi];
            lc__mat W;
            tk_fill(Wf, K * N, 1.0f, (uint64_t)(910 + oi));
            W.type = types[ti]; W.n_in = K; W.n_out = N; W.row_bytes = lc_type_size((lc_tensor_type)types[ti], (uint64_t)K); W.data = Wq;
            W.q8_no_min = 0;
            for (r = 0; r < N; r++) lc_quantize((lc_tensor_type)types[ti], Wf + (size_t)r * K, Wq + r * W.row_bytes, (uint64_t)K);
            tk_fill(y0, N, 1.0f, 920);
            tk_fill(Y70, N * 7, 1.0f, 921);
            s.claims = NULL;   /* the static split on one thread is the reference */
            memcpy(want, y0, (size_t)N * sizeof(float));
            lc__matmul(&W, x, K, 1, want, N, 1.0f, 1, &s, 1);
            memcpy(want7, Y70, (size_t)N * 7 * sizeof(float));
            lc__matmul(&W, X7, K, 7, want7, N, 1.0f, 1, &s, 1);
            s.claims = claims;
            for (nt = 2; nt <= nt_cap; nt++) {
                int bad = 0;
                for (r = 0; r < 6; r++) claims[r] = 12345;   /* lc__matmul resets them */
                memcpy(y, y0, (size_t)N * sizeof(float));
                lc__matmul(&W, x, K, 1, y, N, 1.0f, 1, &s, nt);
                for (r = 0; r < N; r++) bad += y[r] != want[r];
                CHECK(bad == 0, "decode pairs %s N=%d threads=%d: %d rows differ from one thread's", lc_type_name((lc_tensor_type)types[ti]), N, nt, bad);
#if LOLCAT__SIMD && defined(_OPENMP)
                if (!omp_get_dynamic() && omp_get_thread_limit() >= nt) {   /* the team has the threads asked for */
                    const int units = (N + LOLCAT__MR - 1) / LOLCAT__MR, pair0 = units * 2 / nt;
                    CHECK(claims[0] + claims[1] == pair0 && (nt < 4 || claims[2] + claims[3] == units - pair0),
                          "decode pairs %s N=%d threads=%d: units taken %d + %d, %d + %d", lc_type_name((lc_tensor_type)types[ti]), N, nt,
                          claims[0], claims[1], claims[2], claims[3]);
                }
#endif
                for (r = 0; r < 6; r++) claims[r] = 12345;
                memcpy(Y7, Y70, (size_t)N * 7 * sizeof(float));
                lc__matmul(&W, X7, K, 7, Y7, N, 1.0f, 1, &s, nt);
                for (bad = 0, r = 0; r < N * 7; r++) bad += Y7[r] != want7[r];
                CHECK(bad == 0, "prefill claims %s N=%d threads=%d: %d values differ from one thread's", lc_type_name((lc_tensor_type)types[ti]), N, nt, bad);
#if LOLCAT__SIMD && defined(_OPENMP)
                if (!omp_get_dynamic() && omp_get_thread_limit() >= nt) {   /* every group claimed once, then one refused claim per thread */
                    const int groups = ((N + LOLCAT__MR - 1) / LOLCAT__MR + LOLCAT__PREFILL_GROUP - 1) / LOLCAT__PREFILL_GROUP;
                    CHECK(claims[0] == groups + nt, "prefill claims %s N=%d threads=%d: %d claims, want %d groups + %d", lc_type_name((lc_tensor_type)types[ti]), N, nt, claims[0], groups, nt);
                }
#endif
            }
#if LOLCAT__SIMD
            {   /* the front thread has taken units [0, m): the back one takes the rest, in
                   shrinking claims; then the front one, told the back took units - m, takes [0, m) */
                signed char xq[1024];
                float xd[32];
                const int units = (N + LOLCAT__MR - 1) / LOLCAT__MR, step = 1 + units / 40;
                lc__mm_job job;
                int m, bad = 0, counts = 0, tried = 0, last = -1;
                lc__mm_set_job(&job, &W, y, N, 1);
                if (types[ti] == LOLCAT_TYPE_Q8_0) lc__quantize_act(x, xq, xd, K);
                for (m = 0; m <= units; m = m < units ? LOLCAT__MIN(units, m + step) : units + 1) {   /* ends on units */
                    memcpy(y, y0, (size_t)N * sizeof(float));
                    claims[0] = m; claims[1] = 0;
                    lc__matvec_pair(&job, 1, x, types[ti] == LOLCAT_TYPE_Q8_0 ? xq : NULL, xd, units, claims, 1, 2);
                    counts += claims[0] != m || claims[1] != units - m;
                    claims[0] = 0;
                    lc__matvec_pair(&job, 1, x, types[ti] == LOLCAT_TYPE_Q8_0 ? xq : NULL, xd, units, claims, 0, 2);
                    counts += claims[0] != m || claims[1] != units - m;
                    for (r = 0; r < N; r++) bad += y[r] != want[r];
                    tried++; last = m;
                }
                CHECK(bad == 0 && counts == 0 && tried > LOLCAT__MIN(units, 40) / step && last == units, "decode pairs %s N=%d: %d rows wrong, %d counts wrong over %d meeting points",
                      lc_type_name((lc_tensor_type)types[ti]), N, bad, counts, tried);
            }
#endif
        }
    free(Wf); free(x); free(Wq); free(y); free(y0); free(want); free(rowbuf); free(xp); free(X7); free(Y7); free(Y70); free(want7);
}

static void test_kernel_vector_ops(void) {
    float x[301], y[301], a[301], b[301], w[301], bound[301];
    int n, i;
    for (n = 1; n <= 301; n += 25) {
        double sum_abs = 0;
        float r1, r2;
        tk_fill(x, n, 1.0f, (uint64_t)n);
        tk_fill(y, n, 1.0f, (uint64_t)n + 1);
        tk_fill(w, n, 0.3f, (uint64_t)n + 2);
        for (i = 0; i < n; i++) sum_abs += fabs((double)x[i] * y[i]);
        r1 = lc__dot_f32_ref(x, y, n); r2 = lc__dot_f32(x, y, n);
        CHECK(fabs((double)r1 - r2) <= 1e-5 * sum_abs, "dot_f32 n=%d", n);
        memcpy(a, y, sizeof y); memcpy(b, y, sizeof y);
        lc__axpy_ref(a, 0.37f, x, n); lc__axpy(b, 0.37f, x, n);
        for (i = 0; i < n; i++) bound[i] = fabsf(y[i]) + fabsf(0.37f * x[i]);
        CHECK(tk_err_bound(a, b, bound, n) <= 1e-6, "axpy n=%d", n);
        lc__rmsnorm_ref(a, x, w, n, 1e-5f); lc__rmsnorm(b, x, w, n, 1e-5f);
        for (i = 0; i < n; i++) bound[i] = fabsf(a[i]);
        CHECK(tk_err_bound(a, b, bound, n) <= 1e-6, "rmsnorm n=%d: %.3g", n, tk_err_bound(a, b, bound, n));
        for (i = 0; i < n; i++) { a[i] = b[i] = 4.0f * x[i]; }
        lc__silu_mul_ref(a, y, n); lc__silu_mul(b, y, n);
        for (i = 0; i < n; i++) bound[i] = fabsf(a[i]) + 1e-30f;
        CHECK(tk_err_bound(a, b, bound, n) <= 1e-5, "silu_mul n=%d: %.3g", n, tk_err_bound(a, b, bound, n));
        memcpy(a, x, sizeof x); memcpy(b, x, sizeof x);
        r1 = lc__exp_shift_sum_ref(a, n, 0.5f); r2 = lc__exp_shift_sum(b, n, 0.5f);
        for (i = 0; i < n; i++) bound[i] = a[i];
        CHECK(tk_err_bound(a, b, bound, n) <= 1e-6 && fabsf(r1 - r2) <= 1e-5f * r1, "exp_shift_sum n=%d", n);
    }
}

/* Feature maps and the linear state, with odd head sizes and feature counts. */
static void test_kernel_attention(void) {
    static const lc_feature_map kinds[4] = {LOLCAT_FMAP_HEDGEHOG, LOLCAT_FMAP_HEDGEHOG_HALF, LOLCAT_FMAP_T2R, LOLCAT_FMAP_ELU};
    static const int ds[3] = {5, 16, 67}, Fs[4] = {3, 16, 37, 101};   /* 101 = 64 + 32 + 5 columns */
    float W[67 * 101], x[67], u[101], pa[2 * 101], pb[2 * 101], bound[2 * 101];
    int ki, di, fi, i;
    for (ki = 0; ki < 4; ki++)
        for (di = 0; di < 3; di++)
            for (fi = 0; fi < 4; fi++) {
                const int d = ds[di], F = Fs[fi], nf = kinds[ki] == LOLCAT_FMAP_HEDGEHOG ? 2 * F : kinds[ki] == LOLCAT_FMAP_ELU ? d : F;
                tk_fill(W, d * F, 0.5f, (uint64_t)(ki * 9 + di * 3 + fi));
                tk_fill(x, d, 1.5f, (uint64_t)(fi + 20));
                lc__fmap_ref(kinds[ki], W, 0.1f, x, d, F, 1e-6f, u, pa);
                lc__fmap(kinds[ki], W, 0.1f, x, d, F, 1e-6f, u, pb);
                for (i = 0; i < nf; i++) bound[i] = fabsf(pa[i]);
                CHECK(tk_err_bound(pa, pb, bound, nf) <= 1e-5, "fmap kind %d d=%d F=%d: %.3g", (int)kinds[ki], d, F, tk_err_bound(pa, pb, bound, nf));
            }
    {   /* window scores and weighted value sums over rows given by pointers */
        static const int ns[4] = {1, 5, 64, 67}, dims[5] = {3, 16, 45, 109, 128};   /* 109 = 64 + 32 + 13 columns */
        float *rows = (float *)malloc(67 * 128 * sizeof(float)), q[128], p[67], sa[67], sb[67], na[128], nb[128], nbound[128];
        const float *ptr[67];
        int a, c, j, dd;
        tk_fill(rows, 67 * 128, 1.0f, 31);
        for (a = 0; a < 4; a++)
            for (c = 0; c < 5; c++) {
                const int n = ns[a], dim = dims[c];
                double sbound = 0;
                for (j = 0; j < n; j++) ptr[j] = rows + (size_t)((j * 37) % 67) * 128;   /* scattered, like a ring */
                tk_fill(q, dim, 1.0f, (uint64_t)(a * 4 + c));
                lc__scores_ref(q, ptr, n, dim, 0.125f, sa);
                lc__scores(q, ptr, n, dim, 0.125f, sb);
                for (j = 0; j < dim; j++) sbound += fabs(q[j]) * 2.0;
                for (j = 0; j < n; j++) CHECK(fabs((double)sa[j] - sb[j]) <= 1e-5 * 0.125 * sbound, "scores n=%d d=%d key %d", n, dim, j);
                for (j = 0; j < n; j++) p[j] = t_uniform();
                tk_fill(na, dim, 1.0f, 8); memcpy(nb, na, sizeof na);
                for (dd = 0; dd < dim; dd++) { nbound[dd] = fabsf(na[dd]); for (j = 0; j < n; j++) nbound[dd] += fabsf(p[j] * ptr[j][dd]); }
                lc__wsum_ref(na, p, ptr, n, dim);
                lc__wsum(nb, p, ptr, n, dim);
                CHECK(tk_err_bound(na, nb, nbound, dim) <= 1e-5, "weighted sum n=%d d=%d: %.3g", n, dim, tk_err_bound(na, nb, nbound, dim));
            }
        free(rows);
    }
    {   /* S/z update and read-out */
        static const int nfs[3] = {1, 37, 128}, dvs[4] = {3, 8, 45, 64};
        float *Sa = (float *)malloc(128 * 64 * sizeof(float)), *Sb = (float *)malloc(128 * 64 * sizeof(float));
        float *Sbound = (float *)malloc(128 * 64 * sizeof(float));
        float za[128], zb[128], phi[128], v[64], na[64], nb[64], nbound[64];
        int a, c, f, dd;
        for (a = 0; a < 3; a++)
            for (c = 0; c < 4; c++) {
                const int nf = nfs[a], dv = dvs[c];
                float da, db, dbound = 0;
                tk_fill(Sa, nf * dv, 1.0f, (uint64_t)(a * 4 + c));
                memcpy(Sb, Sa, (size_t)nf * dv * sizeof(float));
                tk_fill(za, nf, 1.0f, 3); memcpy(zb, za, sizeof za);
                for (f = 0; f < nf; f++) phi[f] = 0.01f + t_uniform();
                tk_fill(v, dv, 1.0f, 5);
                for (f = 0; f < nf * dv; f++) Sbound[f] = fabsf(Sa[f]) + fabsf(phi[f / dv] * v[f % dv]);
                lc__state_update_ref(Sa, za, phi, v, nf, dv);
                lc__state_update(Sb, zb, phi, v, nf, dv);
                CHECK(memcmp(za, zb, (size_t)nf * sizeof(float)) == 0, "state update z nf=%d", nf);
                {   /* one rounding (fma) against two: within 2^-24 of |S| + |phi v| */
                    double e = 0;
                    for (f = 0; f < nf * dv; f++) {
                        double d1 = fabs((double)Sa[f] - Sb[f]) / Sbound[f];
                        if (!(d1 <= e)) e = d1;
                    }
                    CHECK(e <= 1e-6, "state update S nf=%d dv=%d: %.3g", nf, dv, e);
                }
                tk_fill(na, dv, 1.0f, 9); memcpy(nb, na, sizeof na);
                for (dd = 0; dd < dv; dd++) {
                    nbound[dd] = fabsf(na[dd]);
                    for (f = 0; f < nf; f++) nbound[dd] += fabsf(phi[f] * Sa[f * dv + dd]);
                }
                for (f = 0; f < nf; f++) dbound += fabsf(phi[f] * za[f]);
                da = lc__state_read_ref(Sa, za, phi, na, nf, dv);
                db = lc__state_read(Sa, za, phi, nb, nf, dv);
                CHECK(tk_err_bound(na, nb, nbound, dv) <= 1e-5 && fabsf(da - db) <= 1e-5f * dbound, "state read nf=%d dv=%d", nf, dv);
            }
        free(Sa); free(Sb); free(Sbound);
    }
}

/* The small products of blocked attention (16x6 kernel reading X in place, rows or columns;
   AVX-512 builds take full blocks of 12 tokens on the 16x12 kernel: T = 12, 13 and 25), and
   the feature maps of many rows through one of them, against plain loops. */
static void test_kernel_gemm_small(void) {
#if LOLCAT__SIMD
    static const int Rs[4] = {1, 7, 16, 37}, Ks[4] = {1, 5, 64, 83}, Ts[6] = {1, 5, 6, 12, 13, 25};
    float *A = (float *)malloc(83 * 48 * sizeof(float)), *X = (float *)malloc(25 * 83 * sizeof(float));
    float Y[25 * 40], Y0[25 * 40];
    int ri, ki, ti, mode, acc, r, k, t;
    tk_fill(A, 83 * 48, 1.0f, 41);
    tk_fill(X, 25 * 83, 1.0f, 42);
    for (ri = 0; ri < 4; ri++)
        for (ki = 0; ki < 4; ki++)
            for (ti = 0; ti < 6; ti++)
                for (mode = 0; mode < 2; mode++)
                    for (acc = 0; acc < 2; acc++) {
                        const int R = Rs[ri], K = Ks[ki], T = Ts[ti], lda = 48, ldy = 40;
                        const ptrdiff_t xt = mode ? 1 : 83, xk = mode ? 25 : 1;   /* rows of X, or columns of X^T */
                        double worst = 0;
                        tk_fill(Y0, 25 * 40, 1.0f, (uint64_t)((((ri * 4 + ki) * 6 + ti) * 2 + mode) * 2 + acc));
                        memcpy(Y, Y0, sizeof Y);
                        lc__gemm_small(A, lda, R, K, X, xt, xk, T, Y, ldy, 0.5f, acc);
                        for (t = 0; t < T; t++)
                            for (r = 0; r < R; r++) {
                                double sum = 0, bound = 0, want, e;
                                for (k = 0; k < K; k++) {
                                    const double term = (double)A[k * lda + r] * X[t * xt + k * xk];
                                    sum += term; bound += fabs(term);
                                }
                                want = 0.5 * sum + (acc ? Y0[t * ldy + r] : 0.0);
                                e = fabs(want - Y[t * ldy + r]) / (0.5 * bound + fabs(Y0[t * ldy + r]) + 1e-30);
                                if (!(e <= worst)) worst = e;
                            }
                        for (t = 0; t < 25; t++)   /* nothing outside the T x R block is touched */
                            for (r = 0; r < 40; r++)
                                if ((t >= T || r >= R) && Y[t * ldy + r] != Y0[t * ldy + r]) worst = 1.0;
                        CHECK(worst <= 1e-5, "gemm_small R=%d K=%d T=%d %s%s: %.3g", R, K, T, mode ? "columns" : "rows", acc ? " accumulate" : "", worst);
                    }
    {   /* feature maps of n rows through one product against lc__fmap_ref row by row */
        static const lc_feature_map kinds[3] = {LOLCAT_FMAP_HEDGEHOG, LOLCAT_FMAP_HEDGEHOG_HALF, LOLCAT_FMAP_T2R};
        static const int ds[2] = {5, 67}, Fs[3] = {3, 16, 37}, ns[3] = {1, 13, 64};
        lc_model m;
        lc__thread_scratch sc;
        float *W = (float *)malloc(67 * 37 * sizeof(float)), *Xr = (float *)malloc(64 * 70 * sizeof(float));
        float *out = (float *)malloc(64 * 74 * sizeof(float)), want[74], u[48], bound[74];
        int kk, di, fi, ni, j;
        memset(&m, 0, sizeof m);
        memset(&sc, 0, sizeof sc);
        sc.u = (float *)malloc(48 * sizeof(float));
        sc.fu = (float *)malloc(64 * 48 * sizeof(float));
        sc.wpad = (float *)malloc(67 * 48 * sizeof(float));
        m.feature_eps = 1e-6f;
        for (kk = 0; kk < 3; kk++)
            for (di = 0; di < 2; di++)
                for (fi = 0; fi < 3; fi++)
                    for (ni = 0; ni < 3; ni++) {
                        const int d = ds[di], F = Fs[fi], n = ns[ni], nf = kinds[kk] == LOLCAT_FMAP_HEDGEHOG ? 2 * F : F;
                        double worst = 0;
                        m.fmap = kinds[kk]; m.fmap_dim = F;
                        tk_fill(W, d * F, 0.5f, (uint64_t)(kk * 18 + di * 9 + fi * 3 + ni));
                        tk_fill(Xr, 64 * 70, 1.5f, (uint64_t)(ni + 50));
                        lc__fmap_rows(&m, W, 0.1f, Xr, 70, n, d, out, 74, &sc);
                        for (r = 0; r < n; r++) {
                            lc__fmap_ref(kinds[kk], W, 0.1f, Xr + r * 70, d, F, 1e-6f, u, want);
                            for (j = 0; j < nf; j++) {   /* relu(u + b) is as exact as u: bound by the terms of u */
                                int i;
                                bound[j] = fabsf(want[j]);
                                if (kinds[kk] == LOLCAT_FMAP_T2R)
                                    for (bound[j] = 0.1f, i = 0; i < d; i++) bound[j] += fabsf(Xr[r * 70 + i] * W[i * F + j]);
                            }
                            if (!(tk_err_bound(want, out + r * 74, bound, nf) <= worst)) worst = tk_err_bound(want, out + r * 74, bound, nf);
                        }
                        CHECK(worst <= 1e-5, "fmap_rows kind %d d=%d F=%d n=%d: %.3g", (int)kinds[kk], d, F, n, worst);
                    }
        free(W); free(Xr); free(out); free(sc.u); free(sc.fu); free(sc.wpad);
    }
    free(A); free(X);
#else
    t_skip("scalar build: blocked attention is a SIMD path");
#endif
}

/* The -128 check: the scans on a buffer of exactly its size (0x80 in scale bytes is not a
   quant; a -128 in any quant, across the AVX2 scan's 4096-block chunks, is found), the flags a
   model gets at open (one -128 in the last quant of one matrix clears only that matrix's),
   and the two decode paths bit for bit equal on rows without -128, extremes included. */
static void test_kernel_q8_no_min(void) {
    const size_t nb = 8195;
    unsigned char *q = (unsigned char *)malloc(nb * LOLCAT__Q8_0_BYTES);
    size_t b, hits[3] = {0, 4096, 8194};
    int h, same = 1;
    for (b = 0; b < nb; b++) {
        q[b * LOLCAT__Q8_0_BYTES] = 0x80; q[b * LOLCAT__Q8_0_BYTES + 1] = 0x80;   /* an f16 scale, not quants */
        memset(q + b * LOLCAT__Q8_0_BYTES + 2, (int)(b % 255) == 127 ? 0x81 : (int)(b % 255) + 1, 32);
    }
    CHECK(lc__q8_no_min_ref(q, nb) == 1, "reference scan: 0x80 scale bytes are not quants");
#if LOLCAT__AVX2
    CHECK(lc__q8_no_min_avx2(q, nb) == 1, "AVX2 scan: 0x80 scale bytes are not quants");
#endif
    for (h = 0; h < 3; h++)
        for (b = 0; b < 32; b += 31) {
            unsigned char *at = q + hits[h] * LOLCAT__Q8_0_BYTES + 2 + b, keep = *at;
            *at = 0x80;
            same &= lc__q8_no_min_ref(q, nb) == 0;
#if LOLCAT__AVX2
            same &= lc__q8_no_min_avx2(q, nb) == 0;
#endif
            *at = keep;
        }
    CHECK(same, "a -128 in the first or last quant of blocks 0, 4096 and 8194 is found");
    free(q);
#if LOLCAT__AVX2
    {   /* flags at open, on a Q8_0 model */
        tm_spec sp = tm_default();
        unsigned char *buf;
        size_t n;
        lc_model *m = NULL;
        ptrdiff_t off;
        sp.wtype = LOLCAT_TYPE_Q8_0;
        buf = tm_build(&sp, &n);
        CHECK_OK(lc_model_open_memory(buf, n, NULL, &m));
        if (m) {
            const lc__mat *down = &m->layers[0].ffn_down;
            CHECK(m->layers[0].q.w.q8_no_min == 1 && down->q8_no_min == 1 && m->output.q8_no_min == (m->output.type == LOLCAT_TYPE_Q8_0),
                  "matrices quantized from floats are marked");
            off = down->data - m->data + (ptrdiff_t)((size_t)down->n_out * down->row_bytes) - 1;   /* m->data may be an aligned copy of buf */
            lc_model_close(m); m = NULL;
            buf[off] = 0x80;   /* the last quant of the last block */
            CHECK_OK(lc_model_open_memory(buf, n, NULL, &m));
            if (m) CHECK(m->layers[0].ffn_down.q8_no_min == 0 && m->layers[0].ffn_up.q8_no_min == 1 && m->layers[0].q.w.q8_no_min == 1,
                         "one -128 clears only its matrix's mark");
            lc_model_close(m);
        }
        free(buf);
    }
#endif
    {   /* both paths bit for bit, on rows quantized from floats and on rows of +-127 */
        const int n = 32 * 11;
        float w[4 * 32 * 11], x[32 * 11], a[4], c[4];
        unsigned char rows[4 * 11 * 34];
        const unsigned char *p[4];
        signed char xq[32 * 11];
        float xd[11];
        int r, v, i;
        for (v = 0; v < 2; v++) {
            tk_fill(w, 4 * n, 1.0f, (uint64_t)(90 + v));
            tk_fill(x, n, 3.0f, (uint64_t)(95 + v));
            for (r = 0; r < 4; r++) lc_quantize(LOLCAT_TYPE_Q8_0, w + (size_t)r * n, rows + (size_t)r * 11 * 34, (uint64_t)n);
            lc__quantize_act_ref(x, xq, xd, n);
            if (v)   /* the largest pair sums: |w| = |x| = 127 */
                for (i = 0; i < 4 * 11 * 32; i++) {
                    rows[(i / 32) * 34 + 2 + i % 32] = (i * 7) % 3 ? 0x7f : 0x81;
                    if (i < n) xq[i] = (signed char)((i * 5) % 3 ? 127 : -127);
                }
            for (r = 0; r < 4; r++) p[r] = rows + (size_t)r * 11 * 34;
            lc__dot4_q_q8(LOLCAT_TYPE_Q8_0, p, xq, xd, n, 0, 0, a);
            lc__dot4_q_q8(LOLCAT_TYPE_Q8_0, p, xq, xd, n, 0, 1, c);
            CHECK(memcmp(a, c, sizeof a) == 0, "q8_0 dot4 with and without the no -128 path, %s: %g %g", v ? "+-127" : "random", a[0], c[0]);
        }
    }
}

#if LOLCAT__SIMD
#define T_KERNEL_DECODE_AHEAD {"kernels/decode_ahead", test_kernel_decode_ahead},
#else
#define T_KERNEL_DECODE_AHEAD
#endif
#if LOLCAT__AVX2
#define T_KERNEL_PACKED {"kernels/packed", test_kernel_packed},
#else
#define T_KERNEL_PACKED
#endif
#define T_KERNEL_SUITES \
    {"kernels/exp", test_kernel_exp}, \
    {"kernels/q8_no_min", test_kernel_q8_no_min}, \
    {"kernels/convert", test_kernel_convert}, \
    {"kernels/int8_dot", test_kernel_int8_dot}, \
    {"kernels/int8_dot4", test_kernel_int8_dot4}, \
    T_KERNEL_PACKED \
    {"kernels/matmul", test_kernel_matmul}, \
    {"kernels/decode_pairs", test_kernel_decode_pairs}, \
    T_KERNEL_DECODE_AHEAD \
    {"kernels/vector_ops", test_kernel_vector_ops}, \
    {"kernels/attention", test_kernel_attention}, \
    {"kernels/gemm_small", test_kernel_gemm_small},
