/* lolcat-chat: complete a prompt or talk to a model.

   lolcat-chat -m MODEL [-p PROMPT] [-n N] [--temp T] [--top-k K] [--top-p P] [--min-p P]
               [--repeat-penalty R] [--seed S] [-t THREADS] [-c N_CTX]

   With -p the prompt is completed and the text streamed to stdout; speed goes to stderr.
   Without -p it reads lines from stdin and continues the same sequence after each one. */
#define LOLCAT_IMPLEMENTATION
#include "../lolcat.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void usage(void) {
    fprintf(stderr,
            "usage: lolcat-chat -m MODEL [-p PROMPT] [-n N] [--temp T] [--top-k K] [--top-p P] [--min-p P]\n"
            "                   [--repeat-penalty R] [--seed S] [-t THREADS] [-c N_CTX]\n");
}

typedef struct chat {
    lc_model      *model;
    lc_ctx        *ctx;
    lc_sampler    *sampler;
    lc_detokenizer detok;
    int            n_predict;
} chat;

/* Feeds text, then samples up to n_predict tokens, streaming them; reports speed. */
static int complete(chat *ch, const char *text, int add_bos) {
    int32_t *toks;
    size_t n = 0, cap = strlen(text) + 8, i;
    double t0, t1, t2;
    int generated = 0;
    lc_result r;
    toks = (int32_t *)malloc(cap * sizeof *toks);
    if (!toks) return 1;
    r = lc_tokenize(ch->model, text, strlen(text), add_bos ? LOLCAT_TOKENIZE_ADD_BOS : 0, toks, cap, &n);
    if (r != LOLCAT_OK) { fprintf(stderr, "tokenize: %s\n", lc_result_string(r)); free(toks); return 1; }
    for (i = 0; i < n; i++) lc_sampler_accept(ch->sampler, toks[i]);
    t0 = now_seconds();
    if (n > 0 && (r = lc_eval(ch->ctx, toks, n)) != LOLCAT_OK) {
        fprintf(stderr, "eval: %s: %s\n", lc_result_string(r), lc_ctx_last_error(ch->ctx)); free(toks); return 1;
    }
    t1 = now_seconds();
    while (generated < ch->n_predict) {
        int32_t t = lc_sampler_sample(ch->sampler, lc_get_logits(ch->ctx));
        char piece[512];
        size_t len;
        if (lc_token_is_eog(ch->model, t)) break;
        if (lc_detokenize(ch->model, &ch->detok, t, piece, sizeof piece, &len) == LOLCAT_OK) fwrite(piece, 1, len, stdout);
        fflush(stdout);
        generated++;
        if ((r = lc_eval(ch->ctx, &t, 1)) != LOLCAT_OK) { fprintf(stderr, "\neval: %s\n", lc_ctx_last_error(ch->ctx)); break; }
    }
    t2 = now_seconds();
    printf("\n");
    fflush(stdout);
    fprintf(stderr, "[prefill %zu tok, %.1f tok/s | decode %d tok, %.1f tok/s | %lld tokens | state %.1f KiB]\n",
            n, n / (t1 - t0 + 1e-9), generated, generated / (t2 - t1 + 1e-9), (long long)lc_ctx_n_past(ch->ctx),
            lc_ctx_state_memory(ch->ctx) / 1024.0);
    free(toks);
    return 0;
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *prompt = NULL;
    lc_sampler_params sp = lc_sampler_default_params();
    lc_ctx_params cp = lc_ctx_default_params();
    lc_model_params mp;
    char err[512] = "";
    chat ch;
    int i, rc = 0;
    lc_result r;
    memset(&ch, 0, sizeof ch);
    ch.n_predict = 256;
    sp.seed = (uint64_t)time(NULL);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(); return 0; }
        if (!v) { usage(); return 2; }
        if (!strcmp(a, "-m")) model_path = v;
        else if (!strcmp(a, "-p")) prompt = v;
        else if (!strcmp(a, "-n")) ch.n_predict = atoi(v);
        else if (!strcmp(a, "--temp")) sp.temperature = (float)atof(v);
        else if (!strcmp(a, "--top-k")) sp.top_k = atoi(v);
        else if (!strcmp(a, "--top-p")) sp.top_p = (float)atof(v);
        else if (!strcmp(a, "--min-p")) sp.min_p = (float)atof(v);
        else if (!strcmp(a, "--repeat-penalty")) sp.repeat_penalty = (float)atof(v);
        else if (!strcmp(a, "--seed")) sp.seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "-t")) cp.n_threads = atoi(v);
        else if (!strcmp(a, "-c")) cp.n_ctx = atoi(v);
        else { fprintf(stderr, "lolcat-chat: unknown option %s\n", a); usage(); return 2; }
        i++;
    }
    if (!model_path) { usage(); return 2; }
    memset(&mp, 0, sizeof mp);
    mp.error_message = err; mp.error_message_size = sizeof err;
    if ((r = lc_model_open_file(model_path, &mp, &ch.model)) != LOLCAT_OK) {
        fprintf(stderr, "lolcat-chat: %s: %s: %s\n", model_path, lc_result_string(r), err); return 1;
    }
    if ((r = lc_ctx_create(ch.model, &cp, &ch.ctx)) != LOLCAT_OK || (r = lc_sampler_create(ch.model, &sp, &ch.sampler)) != LOLCAT_OK) {
        fprintf(stderr, "lolcat-chat: %s\n", lc_result_string(r)); lc_ctx_destroy(ch.ctx); lc_model_close(ch.model); return 1;
    }
    lc_detokenizer_init(&ch.detok);
    fprintf(stderr, "lolcat-chat: %s (%d layers: %d softmax, %d hybrid, %d linear) | %s\n", model_path,
            lc_model_get_info(ch.model)->n_layer, lc_model_get_info(ch.model)->n_softmax_layers,
            lc_model_get_info(ch.model)->n_hybrid_layers, lc_model_get_info(ch.model)->n_linear_layers, lc_build_info());
    if (prompt) {
        fputs(prompt, stdout);
        rc = complete(&ch, prompt, 1);
    } else {
        char line[4096];
        int first = 1;
        fprintf(stderr, "Type text and press Enter; the model continues it. Ctrl-D quits.\n");
        for (;;) {
            fprintf(stderr, "> ");
            if (!fgets(line, sizeof line, stdin)) break;
            line[strcspn(line, "\n")] = 0;
            if (complete(&ch, line, first)) { rc = 1; break; }
            first = 0;
        }
    }
    lc_sampler_destroy(ch.sampler);
    lc_ctx_destroy(ch.ctx);
    lc_model_close(ch.model);
    return rc;
}
