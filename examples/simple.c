/* The smallest useful program: load a model, complete a prompt greedily.
   usage: lolcat-simple MODEL.gguf "Once upon a time" */
#define LOLCAT_IMPLEMENTATION
#include "../lolcat.h"
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    lc_model *model;
    lc_ctx *ctx;
    lc_sampler *sampler;
    lc_sampler_params sp = lc_sampler_default_params();
    lc_detokenizer detok;
    int32_t tokens[1024];
    size_t n_tokens, i;
    const char *prompt = argc > 2 ? argv[2] : "Once upon a time";
    if (argc < 2) { fprintf(stderr, "usage: %s MODEL.gguf [PROMPT]\n", argv[0]); return 2; }
    if (lc_model_open_file(argv[1], NULL, &model) != LOLCAT_OK) { fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
    sp.temperature = 0.0f;                               /* greedy */
    if (lc_ctx_create(model, NULL, &ctx) != LOLCAT_OK || lc_sampler_create(model, &sp, &sampler) != LOLCAT_OK) return 1;
    if (lc_tokenize(model, prompt, strlen(prompt), LOLCAT_TOKENIZE_ADD_BOS, tokens, 1024, &n_tokens) != LOLCAT_OK) return 1;
    lc_detokenizer_init(&detok);
    for (i = 0; i < n_tokens; i++) {                     /* echo the prompt */
        char piece[256]; size_t len;
        if (lc_detokenize(model, &detok, tokens[i], piece, sizeof piece, &len) == LOLCAT_OK) fwrite(piece, 1, len, stdout);
    }
    if (lc_eval(ctx, tokens, n_tokens) != LOLCAT_OK) return 1;   /* prefill */
    for (i = 0; i < 200; i++) {                          /* decode: O(1) per token */
        int32_t t = lc_sampler_sample(sampler, lc_get_logits(ctx));
        char piece[256]; size_t len;
        if (lc_token_is_eog(model, t)) break;
        if (lc_detokenize(model, &detok, t, piece, sizeof piece, &len) == LOLCAT_OK) fwrite(piece, 1, len, stdout);
        fflush(stdout);
        if (lc_eval(ctx, &t, 1) != LOLCAT_OK) break;
    }
    printf("\n");
    lc_sampler_destroy(sampler);
    lc_ctx_destroy(ctx);
    lc_model_close(model);
    return 0;
}
