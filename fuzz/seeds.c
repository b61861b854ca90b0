/* lolcat-fuzz-seeds OUTDIR: writes seed inputs for the fuzzers, made from the test generator:
   OUTDIR/gguf (small models of every layer kind, feature map and weight type), OUTDIR/vocab
   (vocabulary-only files), OUTDIR/tokenize (texts), OUTDIR/state (real state blobs of the
   fuzz_state models) and OUTDIR/chat (conversations). The Makefile adds the ../shared models and our fixtures beside them. */
#define LOLCAT_IMPLEMENTATION
#include "../lolcat.h"
#include "../tests/test_util.h"
#include "fuzz_harness.h"

static const char *out_dir;

static void put(const char *sub, const char *name, const void *prefix, size_t np, const void *data, size_t n) {
    char path[1024];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, sub, name);
    f = fopen(path, "wb");
    if (!f) { fprintf(stderr, "cannot write %s\n", path); exit(1); }
    if (np) fwrite(prefix, 1, np, f);
    fwrite(data, 1, n, f);
    fclose(f);
}

static tm_spec small_spec(void) {
    tm_spec s = tm_default();
    s.n_vocab = 48; s.n_embd = 32; s.n_head = 2; s.n_head_kv = 1; s.dk = 8; s.dv = 8; s.n_ff = 32; s.fdim = 4; s.window = 3;
    return s;
}

int main(int argc, char **argv) {
    static const struct { const char *name, *kinds, *fmap; int wtype, low_rank, lora, tied, tk, dv; } models[] = {
        {"hybrid-hedgehog", "hh", "hedgehog", LOLCAT_TYPE_F32, 0, 0, 1, 1, 8},
        {"mixed-shl", "shl", "hedgehog_half", LOLCAT_TYPE_F32, 0, 0, 0, 0, 8},
        {"t2r", "hl", "t2r", LOLCAT_TYPE_F16, 0, 0, 1, 0, 8},
        {"elu-dv4", "lh", "elu", LOLCAT_TYPE_BF16, 0, 0, 1, 1, 4},
        {"lowrank-lora", "h", "hedgehog", LOLCAT_TYPE_F32, 4, 2, 0, 1, 8},
        {"q8_0", "sh", "hedgehog", LOLCAT_TYPE_Q8_0, 0, 0, 1, 1, 8},
        {"q4_0", "hs", "hedgehog", LOLCAT_TYPE_Q4_0, 0, 0, 0, 1, 8},
        {"softmax", "ss", "hedgehog", LOLCAT_TYPE_F32, 0, 0, 1, 1, 8},
    };
    size_t i, n;
    char name[64];
    if (argc != 2) { fprintf(stderr, "usage: lolcat-fuzz-seeds OUTDIR (with gguf/ vocab/ tokenize/ state/ chat/ inside)\n"); return 2; }
    out_dir = argv[1];
    for (i = 0; i < sizeof models / sizeof models[0]; i++) {
        tm_spec s = small_spec();
        unsigned char *bytes;
        s.kinds = models[i].kinds; s.fmap = models[i].fmap; s.wtype = models[i].wtype; s.low_rank = models[i].low_rank;
        s.lora_rank = models[i].lora; s.tied = models[i].tied; s.window_tk = models[i].tk; s.dv = models[i].dv; s.seed = 10 + i;
        bytes = tm_build(&s, &n);
        snprintf(name, sizeof name, "%s.gguf", models[i].name);
        put("gguf", name, NULL, 0, bytes, n);
        free(bytes);
    }
    {   /* vocabulary-only files */
        unsigned char *bytes = fz_builtin_vocab(&n);
        tg_gguf *g = (tg_gguf *)calloc(1, sizeof *g);
        put("vocab", "builtin-spm.gguf", NULL, 0, bytes, n);
        put("gguf", "builtin-spm-vocab.gguf", NULL, 0, bytes, n);
        free(bytes);
        tg_init(g);
        tg_kv_str(g, "general.architecture", "llama");
        tm_add_vocab(g, 300);
        bytes = tg_finish(g, &n);
        put("vocab", "test-spm-300.gguf", NULL, 0, bytes, n);
        free(bytes);
        tg_free(g);
        tg_init(g);   /* with chat templates, for lc_chat_template_detect */
        tg_kv_str(g, "general.architecture", "llama");
        tg_kv_str(g, "tokenizer.chat_template", "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                                                "{# [INST] <|start_header_id|> #}");
        tm_add_vocab(g, 300);
        bytes = tg_finish(g, &n);
        put("vocab", "test-spm-300-chat-template.gguf", NULL, 0, bytes, n);
        put("gguf", "test-spm-300-chat-template.gguf", NULL, 0, bytes, n);
        free(bytes);
        tg_free(g);
        free(g);
    }
    for (i = 0; i < sizeof fz_texts / sizeof fz_texts[0]; i++) {   /* texts: byte 0 = vocab and flags */
        int v;
        for (v = 0; v < 4; v++) {
            unsigned char sel = (unsigned char)(v | ((i & 3) << 2));
            snprintf(name, sizeof name, "text%zu-v%d", i, v);
            put("tokenize", name, &sel, 1, fz_texts[i], strlen(fz_texts[i]));
        }
    }
    {   /* conversations: template byte, flags byte, then role NUL content NUL ... */
        static const char conv[] = "S\0You are terse.\0U\0Hi <|im_end|> there\0A\0  Hello!  \0tool\0{\"x\": 1}\0U\0\xc3\xa9\xe2\x80\x83 ok \0";
        int t;
        for (t = 0; t < 4; t++) {
            unsigned char head[2];
            head[0] = (unsigned char)t; head[1] = (unsigned char)(t & 1);
            snprintf(name, sizeof name, "conv-t%d", t);
            put("chat", name, head, 2, conv, sizeof conv - 1);
        }
    }
    {   /* real state blobs of the fuzz_state contexts at several lengths */
        int k, len;
        fz_state_init();
        for (k = 0; k < FZ_N_STATE; k++)
            for (len = 0; len <= 16; len += 4) {
                lc_ctx *c = fz_state_ctx[k];
                size_t sz;
                unsigned char *blob, sel = (unsigned char)k;
                fz_state_prime(k, len);
                sz = lc_ctx_state_size(c);
                blob = (unsigned char *)malloc(sz);
                lc_ctx_state_save(c, blob, sz, NULL);
                snprintf(name, sizeof name, "ctx%d-len%d", k, len);
                put("state", name, &sel, 1, blob, sz);
                sel |= 12;   /* the same with size and checksum fixing on */
                snprintf(name, sizeof name, "ctx%d-len%d-fix", k, len);
                put("state", name, &sel, 1, blob, sz);
                free(blob);
            }
        fz_state_free();
    }
    (void)t_passed; (void)t_failed;
    return 0;
}
