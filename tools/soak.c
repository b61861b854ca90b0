/* lolcat-soak: decodes a long sequence in one context and watches memory and logits.

   lolcat-soak -m MODEL [-n TOKENS] [--every K] [--temp T] [--seed S] [-t THREADS] [-c N_CTX]
               [--max-rss-growth BYTES]

   Feeds BOS (or token 0), then samples each next token from the logits and feeds it back, one
   O(1) decode step at a time, for TOKENS tokens (default 1,000,000). Every K tokens it prints
   the resident set (/proc/self/statm), the peak RSS (getrusage), the context's state memory and
   the speed. It fails (exit 1) if any logit is inf or nan, if the state memory changes, or if
   the RSS grows by more than --max-rss-growth bytes (default 1 MiB) after the first K tokens.
   Any GGUF works; models with softmax layers need -c large enough for TOKENS (their KV cache
   grows by design), linear and hybrid models decode forever in constant memory. */
#define _POSIX_C_SOURCE 200809L
#define LOLCAT_IMPLEMENTATION
#include "../lolcat.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Resident set in bytes from Linux /proc/self/statm (-1 where unavailable): all of it, and the
   anonymous part (resident minus file-backed pages). The anonymous part is what a leak grows;
   the total also grows when a rarely used code path of libc/libm is paged in for the first time. */
static long rss_bytes(long *anon) {
    FILE *f = fopen("/proc/self/statm", "r");
    long total, resident, shared;
    *anon = -1;
    if (!f) return -1;
    if (fscanf(f, "%ld %ld %ld", &total, &resident, &shared) != 3) resident = shared = -1;
    fclose(f);
    if (resident < 0) return -1;
    *anon = (resident - shared) * sysconf(_SC_PAGESIZE);
    return resident * sysconf(_SC_PAGESIZE);
}
static long peak_rss_bytes(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
    return ru.ru_maxrss * 1024L;   /* kilobytes on Linux */
}

static void usage(void) {
    fprintf(stderr, "usage: lolcat-soak -m MODEL [-n TOKENS] [--every K] [--temp T] [--seed S] [-t THREADS] [-c N_CTX]\n"
                    "                   [--max-rss-growth BYTES]\n");
}

int main(int argc, char **argv) {
    const char *path = NULL;
    long long n_tokens = 1000000, every = 50000, i;
    long max_growth = 1 << 20, rss0 = -1, rss = -1, anon0 = -1, anon = -1, worst_growth = 0, worst_anon = 0;
    lc_model_params mp;
    lc_ctx_params cp = lc_ctx_default_params();
    lc_sampler_params sp = lc_sampler_default_params();
    lc_model *model;
    lc_ctx *ctx;
    lc_sampler *smp;
    const lc_model_info *info;
    char err[512] = "";
    lc_result r;
    size_t mem0;
    long long nonfinite = 0;
    int32_t tok;
    int k, fail = 0, state_changed = 0;
    double t0, t_last;
    sp.temperature = 1.0f; sp.top_k = 0; sp.top_p = 1.0f; sp.min_p = 0.0f; sp.seed = 1;
    for (k = 1; k < argc; k++) {
        const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(); return 0; }
        if (!v) { usage(); return 2; }
        if (!strcmp(a, "-m")) path = v;
        else if (!strcmp(a, "-n")) n_tokens = atoll(v);
        else if (!strcmp(a, "--every")) every = atoll(v);
        else if (!strcmp(a, "--temp")) sp.temperature = (float)atof(v);
        else if (!strcmp(a, "--seed")) sp.seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "-t")) cp.n_threads = atoi(v);
        else if (!strcmp(a, "-c")) cp.n_ctx = atoi(v);
        else if (!strcmp(a, "--max-rss-growth")) max_growth = atol(v);
        else { fprintf(stderr, "lolcat-soak: unknown option %s\n", a); usage(); return 2; }
        k++;
    }
    if (!path || n_tokens < 1 || every < 1) { usage(); return 2; }
    memset(&mp, 0, sizeof mp);
    mp.error_message = err; mp.error_message_size = sizeof err;
    if ((r = lc_model_open_file(path, &mp, &model)) != LOLCAT_OK) {
        fprintf(stderr, "lolcat-soak: %s: %s: %s\n", path, lc_result_string(r), err);
        return 1;
    }
    info = lc_model_get_info(model);
    if (info->n_softmax_layers && cp.n_ctx < n_tokens + 1) {
        fprintf(stderr, "lolcat-soak: %s has %d softmax layers, whose cache grows with every token: pass -c >= %lld\n", path,
                info->n_softmax_layers, n_tokens + 1);
        lc_model_close(model);
        return 2;
    }
    if ((r = lc_ctx_create(model, &cp, &ctx)) != LOLCAT_OK || (r = lc_sampler_create(model, &sp, &smp)) != LOLCAT_OK) {
        fprintf(stderr, "lolcat-soak: %s\n", lc_result_string(r));
        return 1;
    }
    printf("lolcat-soak: %s | %d layers (%d softmax, %d hybrid w=%d, %d linear) | vocab %d | %s\n", path, info->n_layer,
           info->n_softmax_layers, info->n_hybrid_layers, info->window_size, info->n_linear_layers, info->n_vocab, lc_build_info());
    printf("%12s %10s %10s %10s %10s %10s %10s %10s\n", "tokens", "tok/s", "rss_KiB", "growth", "anon_KiB", "growth", "peak_KiB",
           "state_B");
    tok = info->bos_token >= 0 ? info->bos_token : 0;
    mem0 = 0;
    t0 = t_last = now_seconds();
    for (i = 1; i <= n_tokens; i++) {
        const float *lg;
        int j;
        if ((r = lc_eval(ctx, &tok, 1)) != LOLCAT_OK) {
            fprintf(stderr, "lolcat-soak: eval at token %lld: %s: %s\n", i, lc_result_string(r), lc_ctx_last_error(ctx));
            fail = 1;
            break;
        }
        lg = lc_get_logits(ctx);
        for (j = 0; j < info->n_vocab; j++)
            if (!(lg[j] - lg[j] == 0.0f)) { nonfinite++; break; }
        tok = lc_sampler_sample(smp, lg);
        if (i % every == 0 || i == n_tokens) {
            double t = now_seconds();
            rss = rss_bytes(&anon);
            if (rss0 < 0) { rss0 = rss; anon0 = anon; mem0 = lc_ctx_state_memory(ctx); }   /* the baseline: after the first K tokens */
            if (!info->n_softmax_layers && lc_ctx_state_memory(ctx) != mem0) state_changed = 1;
            if (rss - rss0 > worst_growth) worst_growth = rss - rss0;
            if (anon - anon0 > worst_anon) worst_anon = anon - anon0;
            printf("%12lld %10.0f %10ld %10ld %10ld %10ld %10ld %10zu\n", i, every / (t - t_last + 1e-9), rss / 1024, (rss - rss0) / 1024,
                   anon / 1024, (anon - anon0) / 1024, peak_rss_bytes() / 1024, lc_ctx_state_memory(ctx));
            fflush(stdout);
            t_last = t;
        }
    }
    {
        double secs = now_seconds() - t0;
        printf("lolcat-soak: %lld tokens in %.1f s (%.0f tok/s); non-finite logits at %lld steps; after the first %lld tokens RSS grew by "
               "%ld KiB (anonymous %ld KiB; limit %ld KiB) to %ld KiB; state %zu bytes\n",
               i - 1, secs, (i - 1) / secs, nonfinite, every, worst_growth / 1024, worst_anon / 1024, max_growth / 1024, rss / 1024,
               lc_ctx_state_memory(ctx));
        if (state_changed) printf("lolcat-soak: the state memory of a model without softmax layers changed\n");
        if (nonfinite || worst_growth > max_growth || worst_anon > max_growth || state_changed) fail = 1;
        printf("lolcat-soak: %s\n", fail ? "FAIL" : "PASS");
    }
    lc_sampler_destroy(smp);
    lc_ctx_destroy(ctx);
    lc_model_close(model);
    return fail;
}
