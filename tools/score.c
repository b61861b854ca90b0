/* lolcat-score: feeds token ids to a model exactly as given and reports perplexity.

   lolcat-score -m MODEL (--tokens FILE | --text FILE) [--tokens-out FILE] [--logits-out FILE]
                [--decode-from P] [--window-mode sliding|terrace] [-t THREADS] [-b BATCH] [--split-at K]

   --text tokenizes a UTF-8 text file with the model's tokenizer (BOS added when the model
   wants it) instead of reading token ids; --tokens-out writes the ids used, one line.

   Without --decode-from the whole sequence is one lc_eval call. With --decode-from P the
   first P tokens are one call and every later token is its own call (how the reference's
   generate() runs). --logits-out writes little-endian float32 logits, one row of n_vocab
   per input position. --split-at K also reports perplexity of predictions made at
   positions < K and >= K separately (e.g. inside and beyond a window). */
#define LOLCAT_IMPLEMENTATION
#include "../lolcat.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static void usage(void) {
    fprintf(stderr, "usage: lolcat-score -m MODEL (--tokens FILE | --text FILE) [--tokens-out FILE] [--logits-out FILE]\n"
                    "                    [--decode-from P] [--window-mode sliding|terrace] [-t THREADS] [-b BATCH] [--split-at K]\n"
                    "       lolcat-score --version   (the library build: its SIMD kernels decide how activations are rounded)\n");
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *tokens_path = NULL, *logits_path = NULL, *text_path = NULL, *tokens_out = NULL;
    long decode_from = -1, split_at = -1;
    lc_ctx_params cp = lc_ctx_default_params();
    lc_model_params mp;
    char err[512] = "";
    lc_model *model = NULL;
    lc_ctx *ctx = NULL;
    int32_t *toks = NULL;
    float *logits = NULL;
    size_t n = 0, cap = 0, i;
    int n_vocab, rc = 1;
    FILE *f;
    lc_result r;
    for (i = 1; i < (size_t)argc; i++) {
        const char *a = argv[i], *v = i + 1 < (size_t)argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(); return 0; }
        if (!strcmp(a, "--version")) { printf("lolcat-score: lolcat.h %s\n", lc_build_info()); return 0; }
        if (!v) { usage(); return 2; }
        if (!strcmp(a, "-m")) model_path = v;
        else if (!strcmp(a, "--tokens")) tokens_path = v;
        else if (!strcmp(a, "--logits-out")) logits_path = v;
        else if (!strcmp(a, "--text")) text_path = v;
        else if (!strcmp(a, "--tokens-out")) tokens_out = v;
        else if (!strcmp(a, "--decode-from")) decode_from = atol(v);
        else if (!strcmp(a, "--split-at")) split_at = atol(v);
        else if (!strcmp(a, "-t")) cp.n_threads = atoi(v);
        else if (!strcmp(a, "-b")) cp.n_batch = atoi(v);
        else if (!strcmp(a, "-c")) cp.n_ctx = atoi(v);
        else if (!strcmp(a, "--window-mode")) {
            if (!strcmp(v, "sliding")) cp.window_mode = LOLCAT_WINDOW_SLIDING;
            else if (!strcmp(v, "terrace")) cp.window_mode = LOLCAT_WINDOW_TERRACE;
            else { fprintf(stderr, "lolcat-score: --window-mode is sliding or terrace\n"); return 2; }
        } else { fprintf(stderr, "lolcat-score: unknown option %s\n", a); usage(); return 2; }
        i++;
    }
    if (!model_path || !tokens_path == !text_path) { usage(); return 2; }
    memset(&mp, 0, sizeof mp);
    mp.error_message = err; mp.error_message_size = sizeof err;
    if ((r = lc_model_open_file(model_path, &mp, &model)) != LOLCAT_OK) {
        fprintf(stderr, "lolcat-score: %s: %s: %s\n", model_path, lc_result_string(r), err); goto done;
    }
    if (text_path) {
        char *text = NULL;
        long len;
        if (!(f = fopen(text_path, "rb"))) { fprintf(stderr, "lolcat-score: cannot open %s\n", text_path); goto done; }
        if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
            !(text = (char *)malloc((size_t)len + 1)) || fread(text, 1, (size_t)len, f) != (size_t)len) {
            fprintf(stderr, "lolcat-score: cannot read %s\n", text_path); free(text); fclose(f); goto done;
        }
        fclose(f);
        cap = (size_t)len + 2;
        if (!(toks = (int32_t *)malloc(cap * sizeof *toks))) { free(text); fprintf(stderr, "lolcat-score: out of memory\n"); goto done; }
        r = lc_tokenize(model, text, (size_t)len, LOLCAT_TOKENIZE_ADD_BOS, toks, cap, &n);
        free(text);
        if (r != LOLCAT_OK) { fprintf(stderr, "lolcat-score: %s: tokenize: %s\n", text_path, lc_result_string(r)); goto done; }
    } else {
        if (!(f = fopen(tokens_path, "r"))) { fprintf(stderr, "lolcat-score: cannot open %s\n", tokens_path); goto done; }
        for (;;) {
            long t;
            int got = fscanf(f, "%ld", &t);
            if (got == EOF) break;
            if (got != 1 || t < INT32_MIN || t > INT32_MAX) { fprintf(stderr, "lolcat-score: %s: not a list of token ids\n", tokens_path); fclose(f); goto done; }
            if (n == cap) {
                int32_t *nt = (int32_t *)realloc(toks, (cap = cap ? 2 * cap : 1024) * sizeof *toks);
                if (!nt) { fclose(f); fprintf(stderr, "lolcat-score: out of memory\n"); goto done; }
                toks = nt;
            }
            toks[n++] = (int32_t)t;
        }
        fclose(f);
    }
    if (n == 0) { fprintf(stderr, "lolcat-score: %s holds no tokens\n", text_path ? text_path : tokens_path); goto done; }
    if (tokens_out) {
        FILE *o = fopen(tokens_out, "w");
        int bad = !o;
        for (i = 0; !bad && i < n; i++) bad = fprintf(o, i + 1 < n ? "%d " : "%d\n", (int)toks[i]) < 0;
        if (o && fclose(o) != 0) bad = 1;
        if (bad) { fprintf(stderr, "lolcat-score: cannot write %s\n", tokens_out); goto done; }
    }
    if (cp.n_ctx == 0 && lc_model_get_info(model)->n_softmax_layers) cp.n_ctx = (int)n;
    if ((r = lc_ctx_create(model, &cp, &ctx)) != LOLCAT_OK) { fprintf(stderr, "lolcat-score: context: %s\n", lc_result_string(r)); goto done; }
    n_vocab = lc_model_get_info(model)->n_vocab;
    logits = (float *)malloc(n * (size_t)n_vocab * sizeof(float));
    if (!logits) { fprintf(stderr, "lolcat-score: out of memory for %zu x %d logits\n", n, n_vocab); goto done; }
    if (decode_from < 0 || (size_t)decode_from >= n) {
        r = lc_eval_all_logits(ctx, toks, n, logits);
    } else {
        size_t p = decode_from > 0 ? (size_t)decode_from : 1;   /* a 0-token prefill is the first token */
        r = lc_eval_all_logits(ctx, toks, p, logits);
        for (i = p; r == LOLCAT_OK && i < n; i++) r = lc_eval_all_logits(ctx, toks + i, 1, logits + i * (size_t)n_vocab);
    }
    if (r != LOLCAT_OK) { fprintf(stderr, "lolcat-score: eval: %s: %s\n", lc_result_string(r), lc_ctx_last_error(ctx)); goto done; }
    {
        double nll[2] = {0, 0};
        long cnt[2] = {0, 0};
        for (i = 0; i + 1 < n; i++) {
            const float *row = logits + i * (size_t)n_vocab;
            double mx = row[0], sum = 0;
            int j, part = split_at >= 0 && (long)i >= split_at;
            for (j = 1; j < n_vocab; j++) if (row[j] > mx) mx = row[j];
            for (j = 0; j < n_vocab; j++) sum += exp(row[j] - mx);
            nll[part] += -(row[toks[i + 1]] - mx - log(sum));
            cnt[part]++;
        }
        if (cnt[0] + cnt[1]) printf("perplexity %.6f over %ld predictions\n", exp((nll[0] + nll[1]) / (double)(cnt[0] + cnt[1])), cnt[0] + cnt[1]);
        else printf("perplexity n/a (one token)\n");
        if (split_at >= 0) {
            if (cnt[0]) printf("perplexity_before %.6f over %ld predictions (positions < %ld)\n", exp(nll[0] / cnt[0]), cnt[0], split_at);
            if (cnt[1]) printf("perplexity_after %.6f over %ld predictions (positions >= %ld)\n", exp(nll[1] / cnt[1]), cnt[1], split_at);
        }
    }
    if (logits_path) {
        FILE *o = fopen(logits_path, "wb");
        if (!o || fwrite(logits, sizeof(float) * (size_t)n_vocab, n, o) != n) { fprintf(stderr, "lolcat-score: cannot write %s\n", logits_path); if (o) fclose(o); goto done; }
        if (fclose(o) != 0) { fprintf(stderr, "lolcat-score: cannot write %s\n", logits_path); goto done; }
    }
    rc = 0;
done:
    free(logits); free(toks);
    lc_ctx_destroy(ctx);
    lc_model_close(model);
    return rc;
}
