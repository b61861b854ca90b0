/* lolcat-tokenize: text to token ids and back with a model's tokenizer (vocab-only GGUFs work).

   lolcat-tokenize -m MODEL.gguf [--special] [--bos]   < text    prints ids on one line
   lolcat-tokenize -m MODEL.gguf --decode [--special]  < ids     prints the text

   Tokenizing reads stdin byte for byte (a trailing newline is text too: use printf '%s').
   --special  tokenizing: "<|eot_id|>", "<s>" ... in the text become control tokens;
              decoding: control tokens print their text instead of nothing.
   --bos      prepend BOS when the vocabulary asks for it (tokenizer.ggml.add_bos_token). */
#define LOLCAT_IMPLEMENTATION
#include "../lolcat.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_all(FILE *f, size_t *n) {
    size_t cap = 1 << 16;
    char *buf = (char *)malloc(cap), *grown;
    *n = 0;
    while (buf) {
        size_t got = fread(buf + *n, 1, cap - *n, f);
        *n += got;
        if (*n < cap) break;
        grown = (char *)realloc(buf, cap * 2);
        if (!grown) { free(buf); return NULL; }
        buf = grown; cap *= 2;
    }
    return buf;
}

static int encode(const lc_model *m, const char *text, size_t len, int flags) {
    size_t n = 0, i;
    int32_t *ids = NULL;
    lc_result r = lc_tokenize(m, text, len, flags, NULL, 0, &n);   /* first call: the count */
    if (r == LOLCAT_ERR_BUFFER_TOO_SMALL) {
        ids = (int32_t *)malloc((n ? n : 1) * sizeof *ids);
        r = ids ? lc_tokenize(m, text, len, flags, ids, n, &n) : LOLCAT_ERR_OUT_OF_MEMORY;
    }
    if (r != LOLCAT_OK) { fprintf(stderr, "lolcat-tokenize: %s\n", lc_result_string(r)); free(ids); return 1; }
    for (i = 0; i < n; i++) printf(i ? " %d" : "%d", ids[i]);
    printf("\n");
    free(ids);
    return 0;
}

static int decode(const lc_model *m, char *text, int special) {
    lc_detokenizer d;
    char piece[4096], *p = text, *end;
    size_t len;
    lc_detokenizer_init(&d);
    for (;;) {
        long id = strtol(p, &end, 10);
        lc_result r;
        if (end == p) break;
        p = end;
        if (special && id >= 0 && id < lc_model_get_info(m)->n_vocab && lc_token_to_piece(m, (int32_t)id, piece, 0, &len) == LOLCAT_OK && len == 0) {
            const char *t;
            if (lc_token_text(m, (int32_t)id, &t, &len) == LOLCAT_OK) fwrite(t, 1, len, stdout);   /* a control token */
            continue;
        }
        r = lc_detokenize(m, &d, (int32_t)id, piece, sizeof piece, &len);
        if (r != LOLCAT_OK) { fprintf(stderr, "lolcat-tokenize: token %ld: %s\n", id, lc_result_string(r)); return 1; }
        fwrite(piece, 1, len, stdout);
    }
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if (*p) { fprintf(stderr, "lolcat-tokenize: not a token id: '%.20s'\n", p); return 1; }
    if (lc_detokenizer_flush(&d, piece, sizeof piece, &len) == LOLCAT_OK) fwrite(piece, 1, len, stdout);
    return 0;
}

int main(int argc, char **argv) {
    const char *path = NULL;
    int i, do_decode = 0, special = 0, bos = 0, rc;
    char err[512] = "", *input;
    size_t n;
    lc_model *m;
    lc_model_params mp;
    lc_result r;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-m") && i + 1 < argc) path = argv[++i];
        else if (!strcmp(argv[i], "--decode")) do_decode = 1;
        else if (!strcmp(argv[i], "--special")) special = 1;
        else if (!strcmp(argv[i], "--bos")) bos = 1;
        else { path = NULL; break; }
    }
    if (!path) {
        fprintf(stderr, "usage: lolcat-tokenize -m MODEL.gguf [--special] [--bos]  < text\n"
                        "       lolcat-tokenize -m MODEL.gguf --decode [--special] < ids\n");
        return 2;
    }
    memset(&mp, 0, sizeof mp);
    mp.error_message = err; mp.error_message_size = sizeof err;
    if ((r = lc_model_open_file(path, &mp, &m)) != LOLCAT_OK) {
        fprintf(stderr, "lolcat-tokenize: %s: %s: %s\n", path, lc_result_string(r), err);
        return 1;
    }
    input = read_all(stdin, &n);
    if (!input) { fprintf(stderr, "lolcat-tokenize: out of memory\n"); lc_model_close(m); return 1; }
    if (do_decode) {
        char *z = (char *)realloc(input, n + 1);   /* NUL-terminate for strtol */
        if (!z) { free(input); lc_model_close(m); return 1; }
        input = z; input[n] = 0;
        rc = decode(m, input, special);
    } else {
        rc = encode(m, input, n, (special ? LOLCAT_TOKENIZE_PARSE_SPECIAL : 0) | (bos ? LOLCAT_TOKENIZE_ADD_BOS : 0));
    }
    free(input);
    lc_model_close(m);
    return rc;
}
