/* lolcat.h - v0.1.0 - CPU inference for linearized LLMs (LoLCATs) - MIT license, see end of file

   One header, libc only (POSIX mmap when available), OpenMP optional. Runs Llama-family
   models whose attention layers are softmax, linear, or the LoLCATs hybrid of a sliding
   softmax window plus linear attention with learned feature maps. Decoding a hybrid or
   linear model costs O(1) per token and a sequence's state has a fixed size.

   QUICK START
       #define LOLCAT_IMPLEMENTATION          // in exactly one C/C++ file
       #include "lolcat.h"

       lc_model *model; lc_ctx *ctx; lc_sampler *smp;
       if (lc_model_open_file("model.gguf", NULL, &model) != LOLCAT_OK) return 1;
       lc_ctx_create(model, NULL, &ctx);
       lc_sampler_create(model, NULL, &smp);
       int32_t toks[512]; size_t n;
       lc_tokenize(model, "Once upon a time", 16, LOLCAT_TOKENIZE_ADD_BOS, toks, 512, &n);
       lc_eval(ctx, toks, n);                              // chunked parallel prefill
       for (int i = 0; i < 100; i++) {
           int32_t t = lc_sampler_sample(smp, lc_get_logits(ctx));
           char piece[64]; size_t len;
           lc_token_to_piece(model, t, piece, sizeof piece, &len); fwrite(piece, 1, len, stdout);
           if (lc_token_is_eog(model, t) || lc_eval(ctx, &t, 1) != LOLCAT_OK) break;  // O(1) decode step
       }
       lc_sampler_destroy(smp); lc_ctx_destroy(ctx); lc_model_close(model);

   TABLE OF CONTENTS (every banner carries a unique tag: search for "@@TAG")
       @@VERSION @@DECL @@TYPES @@API                    declarations
       @@CONFIG @@PLATFORM @@UTIL                        implementation setup, fp16/bf16, hashing
       @@K_DOT @@K_DEQUANT @@K_QUANTIZE @@K_MATMUL       weight kernels (scalar reference + SIMD)
       @@K_NORM @@K_ROPE @@K_FMAP @@K_ATTN               activation and attention kernels
       @@GGUF @@MODEL @@CONTEXT @@FORWARD                file parsing, model binding, sequences
       @@STATE @@TOKENIZER @@SAMPLER @@CHAT @@MISC       save/restore, text, sampling, chat, versions

   OPTIONS (define before including; "impl" = only where LOLCAT_IMPLEMENTATION is defined)
       LOLCAT_IMPLEMENTATION     emit the implementation in this translation unit
       LOLCAT_STATIC             (everywhere) make every public function static
       LOLCAT_MALLOC(sz,ud) / LOLCAT_FREE(p,sz,ud)   (impl) default allocator; define both or none.
                                 A runtime allocator in lc_model_params / lc_ctx_params wins.
       LOLCAT_ASSERT(x)          (impl) checks of caller contracts; default assert(), off under NDEBUG
       LOLCAT_NO_SIMD            (impl) use the scalar reference kernels only
       LOLCAT_NO_AVX2 / LOLCAT_NO_NEON   (impl) disable one SIMD family
       LOLCAT_NO_AVX512          (impl) keep the kernels on AVX2 where AVX-512F exists
       LOLCAT_NO_MMAP            (impl) read model files into memory instead of mapping them
       OpenMP: compile with -fopenmp to split kernels across threads; without it, one thread.
       SIMD is chosen at compile time: build with -mavx2 -mfma -mf16c (or -march=native) on x86;
       -mavx512f (or -march=native on a CPU that has it) adds the 512-bit prefill kernels (the
       weights' and attention's), -mavx512bw -mavx512vnni the 512-bit Q8_0/Q4_0 decode kernel
       and int8 Q8_0/Q4_0 prefill (about 2.5x the float prefill on Zen 5), and -mavx512bf16
       BF16 prefill on bf16 pairs (activations rounded to bf16 for BF16 weights, in decode too);
       aarch64 always has NEON (-march=armv8.2-a+dotprod adds the int8 dot instruction).
       SIMD builds round activations to int8 blocks for Q8_0/Q4_0 weights, as llama.cpp does
       (logits move by about 1e-3 relative); scalar builds compute in float.

   NOTES
       Models are immutable after loading and may be shared by any number of threads.
       A context (one sequence) and a sampler belong to one thread at a time.
       The library never prints, never exits, keeps no mutable global state, and never
       allocates inside lc_eval: every buffer is allocated by lc_ctx_create.
       Errors come back as lc_result codes; contexts keep a detailed message
       (lc_ctx_last_error) and model loading can write one into a caller buffer.
       Model files are GGUF (llama.cpp's format); the extra LoLCATs keys are listed in
       docs/gguf-schema.md. Context state blobs have their own magic and version.

       Window semantics of hybrid layers: LOLCAT_WINDOW_SLIDING (the default) gives every
       position the window [i-w+1, i] and folds older keys into the linear state, exactly
       like the reference's recurrent decode, so any split of the input into lc_eval calls
       gives the same logits (up to rounding). LOLCAT_WINDOW_TERRACE reproduces the
       reference's one-shot "tk" prefill of the released checkpoints (block-terraced
       windows; prompts of <= w tokens count every key in both parts) for the first call
       of a sequence, then decodes with sliding windows, as the reference's generate() does.

   SECURITY
       Every size and offset read from a file or a state blob is validated before use, and
       sizes derived from them are computed with overflow checks. Still, treat model files as
       code you run: a valid file can hold any weights and declare large (bounded) buffers;
       pass an allocator with a budget when loading untrusted files. Details: SECURITY.md.

   RECENT CHANGES
       0.1.0  first release: GGUF loader, softmax/linear/hybrid layers, Hedgehog, T2R and
              elu+1 feature maps, LPA, A3 head sizes, LoRA, SentencePiece and byte-level BPE
              (GPT-2, Llama 3) tokenizers, chat templates, sampler.
*/
#ifndef LOLCAT_H_INCLUDED
#define LOLCAT_H_INCLUDED

/* ===== @@VERSION ===== */
#define LOLCAT_VERSION_MAJOR 0
#define LOLCAT_VERSION_MINOR 1
#define LOLCAT_VERSION_PATCH 0
#define LOLCAT_VERSION_STRING "0.1.0"

/* ===== @@DECL ===== */
#include <stddef.h>
#include <stdint.h>

#ifndef LCDEF
#ifdef LOLCAT_STATIC
#define LCDEF static
#else
#define LCDEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ===== @@TYPES ===== */
/* Result codes: one list feeds both the enum and lc_result_string(). */
#define LOLCAT__RESULT_LIST(X) \
    X(LOLCAT_OK,                   "ok") \
    X(LOLCAT_ERR_INVALID_ARGUMENT, "invalid argument") \
    X(LOLCAT_ERR_OUT_OF_MEMORY,    "out of memory") \
    X(LOLCAT_ERR_IO,               "file could not be opened or read") \
    X(LOLCAT_ERR_BAD_MAGIC,        "not a GGUF file (bad magic)") \
    X(LOLCAT_ERR_BAD_VERSION,      "unsupported format version") \
    X(LOLCAT_ERR_TRUNCATED,        "file or buffer is truncated") \
    X(LOLCAT_ERR_CORRUPT,          "file is corrupt or inconsistent") \
    X(LOLCAT_ERR_UNSUPPORTED,      "unsupported feature, type or architecture") \
    X(LOLCAT_ERR_MISSING_TENSOR,   "a required tensor is missing") \
    X(LOLCAT_ERR_BAD_SHAPE,        "a tensor has the wrong shape") \
    X(LOLCAT_ERR_BAD_TOKEN,        "token id out of range") \
    X(LOLCAT_ERR_CONTEXT_FULL,     "context is full (softmax KV cache capacity reached)") \
    X(LOLCAT_ERR_BUFFER_TOO_SMALL, "output buffer too small") \
    X(LOLCAT_ERR_STATE_MISMATCH,   "state blob does not belong to this model or context") \
    X(LOLCAT_ERR_NO_VOCAB,         "model has no tokenizer")

typedef enum lc_result {
#define LOLCAT__RESULT_ENUM(name, text) name,
    LOLCAT__RESULT_LIST(LOLCAT__RESULT_ENUM)
#undef LOLCAT__RESULT_ENUM
    LOLCAT__RESULT_COUNT
} lc_result;

typedef enum lc_layer_kind {
    LOLCAT_LAYER_SOFTMAX = 0,   /* full causal softmax attention with a KV cache */
    LOLCAT_LAYER_LINEAR  = 1,   /* pure linear attention: state S, z only */
    LOLCAT_LAYER_HYBRID  = 2    /* LoLCATs: softmax over a sliding window + linear over older keys */
} lc_layer_kind;

typedef enum lc_feature_map {
    LOLCAT_FMAP_NONE = 0,
    LOLCAT_FMAP_HEDGEHOG,       /* [softmax(xW), softmax(-xW)], 2F features (LoLCATs release) */
    LOLCAT_FMAP_HEDGEHOG_HALF,  /* softmax(xW), F features */
    LOLCAT_FMAP_T2R,            /* relu(xW + b_h), F features */
    LOLCAT_FMAP_ELU             /* elu(x) + 1 (Katharopoulos), head_dim features, no weights */
} lc_feature_map;

typedef enum lc_window_mode {
    LOLCAT_WINDOW_SLIDING = 0,  /* default: split-invariant, equals token-by-token decoding */
    LOLCAT_WINDOW_TERRACE = 1   /* reference "tk" one-shot prefill on a sequence's first call */
} lc_window_mode;

typedef enum lc_tensor_type {   /* ggml's type ids */
    LOLCAT_TYPE_F32  = 0,
    LOLCAT_TYPE_F16  = 1,
    LOLCAT_TYPE_Q4_0 = 2,
    LOLCAT_TYPE_Q8_0 = 8,
    LOLCAT_TYPE_BF16 = 30
} lc_tensor_type;

typedef struct lc_model   lc_model;     /* immutable weights + vocabulary */
typedef struct lc_ctx     lc_ctx;       /* one sequence: caches, states, scratch */
typedef struct lc_sampler lc_sampler;   /* sampling chain with its own RNG */

/* Allocator: alloc(size, user) and free(ptr, size, user). free gets the size back so
   arenas work. A zeroed struct means the default (LOLCAT_MALLOC / LOLCAT_FREE). */
typedef struct lc_allocator {
    void *(*alloc)(size_t size, void *user);
    void  (*free)(void *ptr, size_t size, void *user);
    void  *user;
} lc_allocator;

/* All-zero = defaults. */
typedef struct lc_model_params {
    lc_allocator allocator;
    int          no_mmap;              /* 1: read the file into memory instead of mapping it */
    char        *error_message;        /* optional: receives a detailed reason on failure */
    size_t       error_message_size;
} lc_model_params;

typedef struct lc_model_info {
    const char *architecture;          /* "llama" */
    const char *name;                  /* general.name or "" */
    int      n_vocab, n_embd, n_layer, n_ctx_train;
    int      n_head, n_head_kv;        /* of layer 0; layers may differ */
    int      head_dim_qk, head_dim_v, n_ff, n_rot;
    int      n_softmax_layers, n_linear_layers, n_hybrid_layers;
    int      window_size;              /* w of hybrid layers, 0 if none */
    int      window_kind_tk;           /* 1: trained with tk (terraced) windows */
    lc_feature_map feature_map;
    int      feature_dim;              /* F, the feature-map projection width */
    int      has_lora, has_low_rank;
    float    lora_scale;
    int32_t  bos_token, eos_token, eot_token;   /* -1 if absent */
    uint64_t n_params;                 /* weights, counting every element */
    uint64_t weight_bytes;             /* bytes of all tensors in the file */
    uint64_t fingerprint;              /* identifies the model in state blobs */
} lc_model_info;

typedef struct lc_ctx_params {
    int            n_ctx;       /* KV capacity of softmax layers; 0 = model context_length */
    int            n_batch;     /* tokens per prefill chunk; 0 = 256 */
    int            n_threads;   /* 0 = OpenMP's default (all cores), 1 without OpenMP. Created
                                   for exactly 2, a context also holds a second chunk's scratch:
                                   prefill then runs two chunks at once, one per thread */
    lc_window_mode window_mode;
    lc_allocator   allocator;   /* zero = the model's allocator */
} lc_ctx_params;

typedef struct lc_sampler_params {
    float    temperature;       /* <= 0: greedy (argmax) */
    int      top_k;             /* <= 0: off */
    float    top_p;             /* >= 1: off */
    float    min_p;             /* <= 0: off */
    float    repeat_penalty;    /* 1: off */
    int      repeat_last_n;     /* tokens of history the penalty looks at */
    uint64_t seed;
} lc_sampler_params;

/* Streaming detokenizer: holds bytes of an unfinished UTF-8 character between tokens. */
typedef struct lc_detokenizer {
    unsigned char pending[8];
    int           n_pending;
    int           at_start;     /* strip the SentencePiece dummy-prefix space once */
} lc_detokenizer;

enum {
    LOLCAT_TOKENIZE_ADD_BOS       = 1,  /* prepend BOS if the model defines one and wants it */
    LOLCAT_TOKENIZE_PARSE_SPECIAL = 2   /* "<s>", "<|eot_id|>" in text become single tokens */
};

/* Chat prompt formats. lc_chat_render writes the text; the caller tokenizes it with
   LOLCAT_TOKENIZE_PARSE_SPECIAL (and LOLCAT_TOKENIZE_ADD_BOS for the start of a sequence:
   templates never write BOS themselves). */
typedef enum lc_chat_template {
    LOLCAT_CHAT_COMPLETION = 0, /* base models: the contents, concatenated, no markers */
    LOLCAT_CHAT_LLAMA3,         /* <|start_header_id|>role<|end_header_id|>\n\n content <|eot_id|> */
    LOLCAT_CHAT_MISTRAL,        /* [INST] user [/INST] assistant</s> */
    LOLCAT_CHAT_CHATML          /* <|im_start|>role\n content <|im_end|>\n */
} lc_chat_template;

typedef struct lc_chat_message {
    const char *role;           /* "system", "user", "assistant" (others: see lc_chat_render) */
    const char *content;        /* UTF-8, NUL-terminated */
} lc_chat_message;

/* ===== @@API ===== */

/* --- models ----------------------------------------------------------------------------- */

/* Opens a GGUF model. params may be NULL. On failure *out is NULL, nothing leaks, and
   params->error_message (if given) says what was wrong, e.g. which tensor or key. AVX2 builds
   read each Q8_0 matrix the forward pass multiplies by once here (both open functions): a
   matrix with no -128 quant decodes through a faster kernel with the same results. From a
   cold page cache that is a full read of those weights. */
LCDEF lc_result lc_model_open_file(const char *path, const lc_model_params *params, lc_model **out);
/* Same from memory. The buffer is borrowed: keep it alive and unchanged until lc_model_close. */
LCDEF lc_result lc_model_open_memory(const void *data, size_t size, const lc_model_params *params,
                                     lc_model **out);
LCDEF void      lc_model_close(lc_model *model);                 /* NULL is fine */
LCDEF const lc_model_info *lc_model_get_info(const lc_model *model);
LCDEF lc_layer_kind lc_model_layer_kind(const lc_model *model, int layer);
/* Metadata lookup. Strings are borrowed from the file (not NUL-terminated: use *len). */
LCDEF lc_result lc_model_meta_string(const lc_model *model, const char *key, const char **str, size_t *len);
LCDEF lc_result lc_model_meta_int(const lc_model *model, const char *key, int64_t *value);
LCDEF lc_result lc_model_meta_float(const lc_model *model, const char *key, double *value);
/* Tensors of the file, in file order (for tools such as the quantizer). */
typedef struct lc_tensor_info {
    const char    *name;        /* NUL-terminated, owned by the model */
    lc_tensor_type type;
    int            n_dims;
    int64_t        ne[4];       /* innermost first */
    const void    *data;        /* borrowed from the file mapping */
    uint64_t       n_bytes;
} lc_tensor_info;
LCDEF int       lc_model_tensor_count(const lc_model *model);
LCDEF lc_result lc_model_tensor_get(const lc_model *model, int index, lc_tensor_info *info);
/* Metadata entries in file order with their values exactly as encoded in the file, so tools
   can copy them into a new GGUF: write the key (u64 length + bytes), the u32 type, then raw. */
typedef struct lc_meta_entry {
    const char *key;            /* not NUL-terminated: key_len bytes, borrowed from the file */
    size_t      key_len;
    uint32_t    type;           /* GGUF value type (4 u32, 6 f32, 8 string, 9 array, ...) */
    const void *raw;            /* encoded value; an array starts with its element type and count */
    uint64_t    raw_size;
} lc_meta_entry;
LCDEF int       lc_model_meta_count(const lc_model *model);
LCDEF lc_result lc_model_meta_get(const lc_model *model, int index, lc_meta_entry *entry);

/* --- contexts (one per sequence) -------------------------------------------------------- */

LCDEF lc_ctx_params lc_ctx_default_params(void);
/* Allocates every buffer the sequence will ever need. params may be NULL. */
LCDEF lc_result lc_ctx_create(const lc_model *model, const lc_ctx_params *params, lc_ctx **out);
LCDEF void      lc_ctx_destroy(lc_ctx *ctx);                       /* NULL is fine */
LCDEF void      lc_ctx_reset(lc_ctx *ctx);                         /* back to an empty sequence */
LCDEF void      lc_ctx_set_threads(lc_ctx *ctx, int n_threads);
LCDEF int64_t   lc_ctx_n_past(const lc_ctx *ctx);                  /* tokens consumed so far */
LCDEF const char *lc_ctx_last_error(const lc_ctx *ctx);            /* detail of the last failure */
/* Copies the whole sequence state of src into dst (same model; dst must have room). */
LCDEF lc_result lc_ctx_copy_state(lc_ctx *dst, const lc_ctx *src);
/* New context with src's parameters and state: a cheap fork of a sequence. */
LCDEF lc_result lc_ctx_fork(const lc_ctx *src, lc_ctx **out);
/* Bytes of sequence state (caches, S/z) currently held: constant for linear/hybrid models. */
LCDEF size_t    lc_ctx_state_memory(const lc_ctx *ctx);

/* --- evaluation ------------------------------------------------------------------------- */

/* Feeds n tokens (n > 1: chunked parallel prefill; n == 1: one O(1) decode step) and
   computes the logits of the last one. On error the context is unchanged. */
LCDEF lc_result lc_eval(lc_ctx *ctx, const int32_t *tokens, size_t n_tokens);
/* Same, and writes the logits of every position into logits_out (n_tokens * n_vocab floats). */
LCDEF lc_result lc_eval_all_logits(lc_ctx *ctx, const int32_t *tokens, size_t n_tokens, float *logits_out);
/* Logits (n_vocab floats) of the last evaluated token; borrowed until the next lc_eval. */
LCDEF const float *lc_get_logits(const lc_ctx *ctx);

/* --- state save / restore --------------------------------------------------------------- */

/* Size of the blob lc_ctx_state_save would write now. */
LCDEF size_t    lc_ctx_state_size(const lc_ctx *ctx);
/* Writes a versioned, checksummed blob. *written may be NULL. If cap is too small returns
   LOLCAT_ERR_BUFFER_TOO_SMALL and sets *written to the size needed. */
LCDEF lc_result lc_ctx_state_save(const lc_ctx *ctx, void *buf, size_t cap, size_t *written);
/* Restores a blob. A truncated, corrupt or foreign blob is refused and ctx is left as it was. */
LCDEF lc_result lc_ctx_state_load(lc_ctx *ctx, const void *buf, size_t size);

/* --- tokenizer -------------------------------------------------------------------------- */

/* Text to token ids. *n_out receives the count; if cap is too small, returns
   LOLCAT_ERR_BUFFER_TOO_SMALL with *n_out set to the count needed. */
LCDEF lc_result lc_tokenize(const lc_model *model, const char *text, size_t len, int flags,
                            int32_t *out, size_t cap, size_t *n_out);
/* The raw bytes of one token: SentencePiece "▁" as space and <0xNN> as the byte, byte-level
   BPE text mapped back from GPT-2's alphabet, user-defined tokens verbatim, control tokens "". */
LCDEF lc_result lc_token_to_piece(const lc_model *model, int32_t token, char *buf, size_t cap, size_t *len);
/* The token's text as stored in the vocabulary (control tokens included). */
LCDEF lc_result lc_token_text(const lc_model *model, int32_t token, const char **text, size_t *len);
LCDEF void      lc_detokenizer_init(lc_detokenizer *d);
/* Streaming decode: writes only complete UTF-8 characters to buf (invalid bytes become
   U+FFFD) and keeps an unfinished one pending for the next token. If cap is too small,
   returns LOLCAT_ERR_BUFFER_TOO_SMALL with *len = bytes needed and leaves d unchanged. */
LCDEF lc_result lc_detokenize(const lc_model *model, lc_detokenizer *d, int32_t token,
                              char *buf, size_t cap, size_t *len);
/* End of a stream: an unfinished character still pending becomes U+FFFD (3 bytes). */
LCDEF lc_result lc_detokenizer_flush(lc_detokenizer *d, char *buf, size_t cap, size_t *len);
LCDEF int       lc_token_is_eog(const lc_model *model, int32_t token);   /* EOS, EOT, ... */
LCDEF int32_t   lc_token_lookup(const lc_model *model, const char *text, size_t len); /* -1 if none */

/* --- sampling --------------------------------------------------------------------------- */

LCDEF lc_sampler_params lc_sampler_default_params(void);
LCDEF lc_result lc_sampler_create(const lc_model *model, const lc_sampler_params *params, lc_sampler **out);
LCDEF void      lc_sampler_destroy(lc_sampler *sampler);
LCDEF void      lc_sampler_reset(lc_sampler *sampler);               /* clears history, reseeds */
LCDEF void      lc_sampler_accept(lc_sampler *sampler, int32_t token); /* record for repeat penalty */
/* Picks a token from logits (n_vocab floats) and records it in the history. */
LCDEF int32_t   lc_sampler_sample(lc_sampler *sampler, const float *logits);

/* --- chat templates -------------------------------------------------------------------- */

/* The model's format, from tokenizer.chat_template (markers <|start_header_id|>, <|im_start|>,
   [INST]) or, without one, from the vocabulary (<|start_header_id|> + <|eot_id|>, <|im_start|>);
   LOLCAT_CHAT_COMPLETION when nothing matches. */
LCDEF lc_chat_template lc_chat_template_detect(const lc_model *model);
/* "completion", "llama3", "mistral", "chatml"; _from_name also takes "none", "llama-3",
   "llama3-instruct", "inst" and returns -1 for an unknown name. */
LCDEF const char      *lc_chat_template_name(lc_chat_template t);
LCDEF int              lc_chat_template_from_name(const char *name);
/* Text that closes an assistant turn ("<|eot_id|>", "</s>", "<|im_end|>\n", ""): after a
   streamed reply, feed it instead of the sampled end token so the sequence equals
   lc_chat_render of the whole conversation. */
LCDEF const char      *lc_chat_template_end_of_turn(lc_chat_template t);
/* Formats n messages, then the assistant header when add_assistant_prefix is set. Rendering
   is per message (Mistral folds a system message into the next user message), so a chat
   program may render each turn's new messages alone and append the text to its sequence.
   Llama 3 trims the whitespace around contents, as its official template does. Roles other
   than system/assistant count as user in Mistral; Llama 3 and ChatML write any role verbatim.
   buf receives a NUL-terminated string and *len its length; if cap <= length, returns
   LOLCAT_ERR_BUFFER_TOO_SMALL (with *len set). Special-token text inside contents is not
   escaped: tokenizing with PARSE_SPECIAL turns it into control tokens, as llama.cpp does. */
LCDEF lc_result lc_chat_render(lc_chat_template t, const lc_chat_message *msgs, size_t n,
                               int add_assistant_prefix, char *buf, size_t cap, size_t *len);

/* --- quantization and misc -------------------------------------------------------------- */

/* Bytes of n values of a type (n must be a multiple of the block size for quantized types). */
LCDEF size_t    lc_type_size(lc_tensor_type type, uint64_t n);
LCDEF const char *lc_type_name(lc_tensor_type type);
/* Converts n floats to a type (F32, F16, BF16, Q8_0, Q4_0) with ggml's layout and rounding. */
LCDEF lc_result lc_quantize(lc_tensor_type type, const float *src, void *dst, uint64_t n);
LCDEF lc_result lc_dequantize(lc_tensor_type type, const void *src, float *dst, uint64_t n);
LCDEF const char *lc_result_string(lc_result result);
LCDEF void      lc_version(int *major, int *minor, int *patch);
LCDEF const char *lc_build_info(void);      /* e.g. "scalar openmp" or "avx2 fma f16c avx512f avx512bw avx512vnni avx512bf16 vnni openmp" */

#ifdef __cplusplus
}
#endif
#endif /* LOLCAT_H_INCLUDED */

/* ======================================================================================= */
/*                                    IMPLEMENTATION                                        */
/* ======================================================================================= */
#if defined(__INTELLISENSE__) || defined(__JETBRAINS_IDE__)
#define LOLCAT_IMPLEMENTATION
#endif

#if defined(LOLCAT_IMPLEMENTATION) && !defined(LOLCAT_IMPL_INCLUDED)
#define LOLCAT_IMPL_INCLUDED

/* ===== @@CONFIG ===== */
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <float.h>
#include <stdio.h>
#include <stdarg.h>

#if defined(LOLCAT_MALLOC) != defined(LOLCAT_FREE)
#error "define both LOLCAT_MALLOC and LOLCAT_FREE, or neither"
#endif
#ifndef LOLCAT_MALLOC
#define LOLCAT_MALLOC(sz, ud) ((void)(ud), malloc(sz))
#define LOLCAT_FREE(p, sz, ud) ((void)(sz), (void)(ud), free(p))
#endif
#ifndef LOLCAT_ASSERT
#include <assert.h>
#define LOLCAT_ASSERT(x) assert(x)
#endif

/* Caps on sizes read from files: far above any real model, far below overflow. */
#define LOLCAT__MAX_DIM        ((int64_t)1 << 40)   /* elements along one tensor axis */
#define LOLCAT__MAX_ELEMENTS   ((int64_t)1 << 44)   /* elements in one tensor */
#define LOLCAT__MAX_TENSORS    (1u << 20)
#define LOLCAT__MAX_KV         (1u << 20)
#define LOLCAT__MAX_NAME       256                  /* tensor name / metadata key bytes */
#define LOLCAT__MAX_STRING     ((uint64_t)1 << 24)  /* one metadata string value (a chat template is ~10 KB) */
#define LOLCAT__MAX_ARRAY      ((uint64_t)1 << 26)  /* elements of one metadata array (vocab, merges) */
#define LOLCAT__MAX_CTX_FLOATS ((uint64_t)1 << 58)  /* floats of one context: far below size overflow */
#define LOLCAT__MAX_LAYERS     4096
#define LOLCAT__MAX_WIDTH      (1 << 20)            /* embedding, FFN, head sizes */
#define LOLCAT__MAX_VOCAB      (1 << 24)
#define LOLCAT__STATE_MAGIC    0x5453434cu          /* "LCST" */
#define LOLCAT__STATE_VERSION  1u
#define LOLCAT__ERR_CAP        512

/* ===== @@PLATFORM ===== */
/* x86: AVX2 + FMA + F16C (every AVX2 CPU has the other two; -march=native or -mavx2 -mfma -mf16c). */
#if !defined(LOLCAT_NO_SIMD) && !defined(LOLCAT_NO_AVX2) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define LOLCAT__AVX2 1
#include <immintrin.h>
#else
#define LOLCAT__AVX2 0
#endif
/* x86 with AVX-512F too (-march=native on Zen 4/5 or Intel since Skylake-X): prefill's matrix
   kernels (the weights' and attention's small products) run on 512-bit vectors, twice the FMA
   work per instruction; everything else but Q8_0/Q4_0 decode (below) stays AVX2. */
#if LOLCAT__AVX2 && !defined(LOLCAT_NO_AVX512) && defined(__AVX512F__)
#define LOLCAT__AVX512 1
#else
#define LOLCAT__AVX512 0
#endif
/* Q8_0/Q4_0 decode on 512-bit vectors too when AVX-512 has byte ops (BW) and VNNI. */
#if LOLCAT__AVX512 && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#define LOLCAT__AVX512_INT8 1
#else
#define LOLCAT__AVX512_INT8 0
#endif
/* BF16 prefill on AVX-512 BF16's dpbf16ps (Zen 4/5, Intel since Cooper Lake). */
#if LOLCAT__AVX512 && defined(__AVX512BF16__)
#define LOLCAT__AVX512_BF16 1
#else
#define LOLCAT__AVX512_BF16 0
#endif
/* int8 dots on VNNI's dpbusd: 1 = AVX-VNNI, 2 = AVX-512 VNNI on 256-bit vectors (AVX-512 builds). */
#if LOLCAT__AVX2 && defined(__AVXVNNI__)
#define LOLCAT__VNNI 1
#elif LOLCAT__AVX512 && defined(__AVX512VNNI__) && defined(__AVX512VL__)
#define LOLCAT__VNNI 2
#else
#define LOLCAT__VNNI 0
#endif
#if !defined(LOLCAT_NO_SIMD) && !defined(LOLCAT_NO_NEON) && (defined(__ARM_NEON) || defined(__ARM_NEON__)) && defined(__aarch64__)
#define LOLCAT__NEON 1
#include <arm_neon.h>
#else
#define LOLCAT__NEON 0
#endif
#if defined(_OPENMP)
#include <omp.h>
#define LOLCAT__THREAD_ID() omp_get_thread_num()
#define LOLCAT__NUM_THREADS() omp_get_num_threads()
#if _OPENMP >= 201307   /* OpenMP 4.0: seq_cst atomics for the two-lane prefill's hand-over */
#define LOLCAT__LANES 1
#endif
#else
#define LOLCAT__THREAD_ID() 0
#define LOLCAT__NUM_THREADS() 1
#endif
#ifndef LOLCAT__LANES
#define LOLCAT__LANES 0
#endif
#if !defined(LOLCAT_NO_MMAP) && (defined(__unix__) || defined(__APPLE__))
#define LOLCAT__MMAP 1
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#else
#define LOLCAT__MMAP 0
#endif

/* Micro-kernels stay out of line: inlined into a big caller, GCC runs out of vector registers. */
#if defined(__GNUC__)
#define LOLCAT__NOINLINE __attribute__((noinline))
#define LOLCAT__MAYBE_UNUSED __attribute__((unused))   /* references in SIMD builds, dispatchers in scalar ones */
#else
#define LOLCAT__NOINLINE
#define LOLCAT__MAYBE_UNUSED
#endif
#define LOLCAT__MIN(a, b) ((a) < (b) ? (a) : (b))
#define LOLCAT__MAX(a, b) ((a) > (b) ? (a) : (b))

/* ===== @@UTIL ===== */

static void *lc__alloc(const lc_allocator *a, size_t n) {
    if (n == 0) n = 1;
    return a->alloc ? a->alloc(n, a->user) : LOLCAT_MALLOC(n, a->user);
}
static void lc__free(const lc_allocator *a, void *p, size_t n) {
    if (!p) return;
    if (n == 0) n = 1;   /* the size lc__alloc asked for: allocators that track sizes see a match */
    if (a->free) a->free(p, n, a->user); else LOLCAT_FREE(p, n, a->user);
}
static void *lc__zalloc(const lc_allocator *a, size_t n) {
    void *p = lc__alloc(a, n);
    if (p) memset(p, 0, n);
    return p;
}

/* a*b into *out, 0 on overflow (sizes read from files go through these). */
static int lc__mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (a && b > UINT64_MAX / a) return 0;
    *out = a * b;
    return 1;
}
static int lc__add_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (b > UINT64_MAX - a) return 0;
    *out = a + b;
    return 1;
}

/* In-place heapsort of n elements of `size` <= 16 bytes by a strict total order `before`
   (a, b, ctx). No allocation (libc qsort may call malloc) and O(n log n) in the worst case. */
static void lc__swap_elems(unsigned char *a, unsigned char *b, size_t size) {
    unsigned char t[16];
    memcpy(t, a, size); memcpy(a, b, size); memcpy(b, t, size);
}
static void lc__sort(void *base, size_t n, size_t size, int (*before)(const void *, const void *, const void *), const void *ctx) {
    unsigned char *p = (unsigned char *)base;
    size_t start, end, root, child;
    if (n < 2 || size > 16) return;
    for (end = n, start = n / 2; ; ) {      /* heapify (max-heap by `before`), then pop */
        if (start > 0) start--;
        else if (--end > 0) lc__swap_elems(p, p + end * size, size);
        else break;
        for (root = start; (child = 2 * root + 1) < end; root = child) {
            if (child + 1 < end && before(p + child * size, p + (child + 1) * size, ctx)) child++;
            if (!before(p + root * size, p + child * size, ctx)) break;
            lc__swap_elems(p + root * size, p + child * size, size);
        }
    }
}

/* Writes a formatted message into a fixed buffer; never allocates. */
static void lc__set_msg(char *buf, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void lc__set_msg(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    if (!buf || cap == 0) return;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

/* IEEE half and bfloat16 conversions, exact and portable (no F16C needed). */
static float lc__f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ffu, bits;
    float f;
    if (exp == 0x1f) bits = sign | 0x7f800000u | (man << 13);               /* inf / nan */
    else if (exp != 0) bits = sign | ((exp + 112u) << 23) | (man << 13);    /* normal */
    else if (man == 0) bits = sign;                                         /* zero */
    else {                                                                  /* subnormal */
        int e = -1;
        do { e++; man <<= 1; } while (!(man & 0x400u));
        bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ffu) << 13);
    }
    memcpy(&f, &bits, 4);
    return f;
}
static uint16_t lc__f32_to_f16(float f) {   /* round to nearest even */
    uint32_t x, sign, mant;
    int32_t exp;
    memcpy(&x, &f, 4);
    sign = (x >> 16) & 0x8000u;
    exp = (int32_t)((x >> 23) & 0xff);
    mant = x & 0x7fffffu;
    if (exp == 0xff) return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0));
    exp -= 127 - 15;
    if (exp >= 0x1f) return (uint16_t)(sign | 0x7c00u);                   /* overflow: inf */
    if (exp <= 0) {                                                         /* subnormal or zero */
        uint32_t shift, half, rounded;
        if (exp < -10) return (uint16_t)sign;
        mant |= 0x800000u;
        shift = (uint32_t)(14 - exp);
        half = 1u << (shift - 1);
        rounded = mant >> shift;
        if ((mant & ((1u << shift) - 1)) > half || ((mant & ((1u << shift) - 1)) == half && (rounded & 1))) rounded++;
        return (uint16_t)(sign | rounded);
    }
    {
        uint32_t h = sign | ((uint32_t)exp << 10) | (mant >> 13);
        uint32_t rest = mant & 0x1fffu;
        if (rest > 0x1000u || (rest == 0x1000u && (h & 1))) h++;           /* may carry into exp: fine */
        return (uint16_t)h;
    }
}
static float lc__bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}
static uint16_t lc__f32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 64);  /* quiet nan */
    return (uint16_t)((x + (0x7fffu + ((x >> 16) & 1))) >> 16);
}
static uint16_t lc__read_u16(const void *p) { uint16_t v; memcpy(&v, p, 2); return v; }

/* FNV-1a, used for model fingerprints, state checksums and vocabulary hashing. */
static uint64_t lc__fnv1a(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = (const unsigned char *)data;
    size_t i;
    for (i = 0; i < n; i++) { h ^= p[i]; h *= 0x100000001b3ull; }
    return h;
}
#define LOLCAT__FNV_INIT 0xcbf29ce484222325ull

static int lc__threads_default(void) {
#if defined(_OPENMP)
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* ===== @@K_DOT ===== */
/* Dot products of one weight row (any type) with f32 activations. The _ref versions are the
   specification; the _avx2 and _neon variants sit beside them, are chosen at compile time and
   are tested against them on odd sizes (tests/test_kernels.c). Quantized blocks hold 32
   values: Q8_0 = f16 scale + 32 int8; Q4_0 = f16 scale + 16 bytes of nibbles (element j in
   the low nibble of byte j, element j+16 in the high nibble), value (q-8)*d. */
#define LOLCAT__QK 32
#define LOLCAT__Q8_0_BYTES 34
#define LOLCAT__Q4_0_BYTES 18
#define LOLCAT__SIMD (LOLCAT__AVX2 || LOLCAT__NEON)
/* SIMD builds quantize activations to int8 for Q8_0/Q4_0 weights (lc__quantize_act). */
#define LOLCAT__QUANT_ACT LOLCAT__SIMD

static LOLCAT__MAYBE_UNUSED float lc__dot_f32_ref(const float *a, const float *b, int n) {
    float sum = 0.0f;
    int i;
    for (i = 0; i < n; i++) sum += a[i] * b[i];
    return sum;
}
static LOLCAT__MAYBE_UNUSED float lc__dot_f16_ref(const void *w, const float *x, int n) {
    const unsigned char *p = (const unsigned char *)w;
    float sum = 0.0f;
    int i;
    for (i = 0; i < n; i++) sum += lc__f16_to_f32(lc__read_u16(p + 2 * i)) * x[i];
    return sum;
}
static LOLCAT__MAYBE_UNUSED float lc__dot_bf16_ref(const void *w, const float *x, int n) {
    const unsigned char *p = (const unsigned char *)w;
    float sum = 0.0f;
    int i;
    for (i = 0; i < n; i++) sum += lc__bf16_to_f32(lc__read_u16(p + 2 * i)) * x[i];
    return sum;
}
static LOLCAT__MAYBE_UNUSED float lc__dot_q8_0_ref(const void *w, const float *x, int n) {
    const unsigned char *blk = (const unsigned char *)w;
    float sum = 0.0f;
    int b, j;
    for (b = 0; b < n / LOLCAT__QK; b++, blk += LOLCAT__Q8_0_BYTES, x += LOLCAT__QK) {
        const signed char *q = (const signed char *)(blk + 2);
        float part = 0.0f;
        for (j = 0; j < LOLCAT__QK; j++) part += (float)q[j] * x[j];
        sum += lc__f16_to_f32(lc__read_u16(blk)) * part;
    }
    return sum;
}
static LOLCAT__MAYBE_UNUSED float lc__dot_q4_0_ref(const void *w, const float *x, int n) {
    const unsigned char *blk = (const unsigned char *)w;
    float sum = 0.0f;
    int b, j;
    for (b = 0; b < n / LOLCAT__QK; b++, blk += LOLCAT__Q4_0_BYTES, x += LOLCAT__QK) {
        const unsigned char *q = blk + 2;
        float part = 0.0f;
        for (j = 0; j < LOLCAT__QK / 2; j++)
            part += (float)((q[j] & 15) - 8) * x[j] + (float)((q[j] >> 4) - 8) * x[j + 16];
        sum += lc__f16_to_f32(lc__read_u16(blk)) * part;
    }
    return sum;
}
static LOLCAT__MAYBE_UNUSED float lc__dot_row_ref(int type, const void *row, const float *x, int n) {
    switch (type) {
    case LOLCAT_TYPE_F32:  return lc__dot_f32_ref((const float *)row, x, n);
    case LOLCAT_TYPE_F16:  return lc__dot_f16_ref(row, x, n);
    case LOLCAT_TYPE_BF16: return lc__dot_bf16_ref(row, x, n);
    case LOLCAT_TYPE_Q8_0: return lc__dot_q8_0_ref(row, x, n);
    case LOLCAT_TYPE_Q4_0: return lc__dot_q4_0_ref(row, x, n);
    default: return 0.0f;
    }
}

/* Activations for Q8_0/Q4_0 weights in SIMD builds, as ggml's q8_0 dot does: blocks of 32
   int8 with an f32 scale d = max|x|/127, each value clamped to +-127 and rounded half to
   even. The integer part of every block dot is then exact; the price is the activation
   rounding, at most d/2 per element (0.4% of the block's largest magnitude). */
static LOLCAT__MAYBE_UNUSED void lc__quantize_act_ref(const float *x, signed char *q, float *d, int n) {
    int b, j;
    for (b = 0; b < n / LOLCAT__QK; b++, x += LOLCAT__QK, q += LOLCAT__QK) {
        float amax = 0.0f, id;
        for (j = 0; j < LOLCAT__QK; j++) amax = LOLCAT__MAX(amax, fabsf(x[j]));
        d[b] = amax / 127.0f;
        id = d[b] != 0.0f ? 1.0f / d[b] : 0.0f;
        for (j = 0; j < LOLCAT__QK; j++) {
            float v = x[j] * id;
            v = v > -127.0f ? v : -127.0f;      /* maps nan to -127: never UB */
            v = v < 127.0f ? v : 127.0f;
            q[j] = (signed char)(int)nearbyintf(v);
        }
    }
}
/* Weight row . quantized activations: sum over blocks of (d_w * d_x) * (integer block dot). */
static LOLCAT__MAYBE_UNUSED float lc__dot_q8_0_q8_ref(const void *w, const signed char *xq, const float *xd, int n) {
    const unsigned char *blk = (const unsigned char *)w;
    float sum = 0.0f;
    int b, j;
    for (b = 0; b < n / LOLCAT__QK; b++, blk += LOLCAT__Q8_0_BYTES, xq += LOLCAT__QK) {
        const signed char *q = (const signed char *)(blk + 2);
        int32_t isum = 0;
        for (j = 0; j < LOLCAT__QK; j++) isum += q[j] * xq[j];
        sum += lc__f16_to_f32(lc__read_u16(blk)) * xd[b] * (float)isum;
    }
    return sum;
}
static LOLCAT__MAYBE_UNUSED float lc__dot_q4_0_q8_ref(const void *w, const signed char *xq, const float *xd, int n) {
    const unsigned char *blk = (const unsigned char *)w;
    float sum = 0.0f;
    int b, j;
    for (b = 0; b < n / LOLCAT__QK; b++, blk += LOLCAT__Q4_0_BYTES, xq += LOLCAT__QK) {
        const unsigned char *q = blk + 2;
        int32_t isum = 0;
        for (j = 0; j < LOLCAT__QK / 2; j++) isum += ((q[j] & 15) - 8) * xq[j] + ((q[j] >> 4) - 8) * xq[j + 16];
        sum += lc__f16_to_f32(lc__read_u16(blk)) * xd[b] * (float)isum;
    }
    return sum;
}

static LOLCAT__MAYBE_UNUSED float lc__dot_q_q8_ref(int type, const void *row, const signed char *xq, const float *xd, int n) {
    return type == LOLCAT_TYPE_Q8_0 ? lc__dot_q8_0_q8_ref(row, xq, xd, n) : lc__dot_q4_0_q8_ref(row, xq, xd, n);
}
/* Four rows . the same quantized activations. `ahead` > 0: every row may be read up to that
   many bytes past its end (the next rows); the SIMD variants prefetch within that span. */
static LOLCAT__MAYBE_UNUSED void lc__dot4_q_q8_ref(int type, const unsigned char *const *w, const signed char *xq, const float *xd, int n, size_t ahead, float *out) {
    int r;
    (void)ahead;
    for (r = 0; r < 4; r++) out[r] = lc__dot_q_q8_ref(type, w[r], xq, xd, n);
}

#if LOLCAT__AVX2
static float lc__hsum_avx2(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
static __m256i lc__tail_mask_avx2(int n) {   /* the first n (0..8) lanes */
    static const int32_t bits[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(bits + 8 - n));
}
static __m256 lc__load_f16_avx2(const void *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
static __m256 lc__load_bf16_avx2(const void *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}
static float lc__dot_f32_avx2(const float *a, const float *b, int n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    if (i < n) {
        __m256i m = lc__tail_mask_avx2(n - i);
        s1 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, m), _mm256_maskload_ps(b + i, m), s1);
    }
    return lc__hsum_avx2(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}
static void lc__quantize_act_avx2(const float *x, signed char *q, float *d, int n) {
    const __m256 sign = _mm256_set1_ps(-0.0f), lo = _mm256_set1_ps(-127.0f), hi = _mm256_set1_ps(127.0f);
    int b, j;
    for (b = 0; b < n / LOLCAT__QK; b++, x += LOLCAT__QK, q += LOLCAT__QK) {
        __m256 v[4], m, id;
        __m256i i0, i1, i2, i3;
        __m128 m4;
        float amax, inv;
        for (j = 0; j < 4; j++) v[j] = _mm256_loadu_ps(x + 8 * j);
        m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v[0]), _mm256_andnot_ps(sign, v[1])),
                          _mm256_max_ps(_mm256_andnot_ps(sign, v[2]), _mm256_andnot_ps(sign, v[3])));
        m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        amax = _mm_cvtss_f32(m4);
        d[b] = amax / 127.0f;
        inv = d[b] != 0.0f ? 1.0f / d[b] : 0.0f;
        id = _mm256_set1_ps(inv);
        for (j = 0; j < 4; j++) {   /* same clamp order as the reference: max first (nan -> -127) */
            __m256 t = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(v[j], id), lo), hi);
            v[j] = _mm256_round_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        }
        i0 = _mm256_cvtps_epi32(v[0]); i1 = _mm256_cvtps_epi32(v[1]);
        i2 = _mm256_cvtps_epi32(v[2]); i3 = _mm256_cvtps_epi32(v[3]);
        i0 = _mm256_packs_epi32(i0, i1);      /* lanes interleave by 128-bit halves ... */
        i2 = _mm256_packs_epi32(i2, i3);
        i0 = _mm256_packs_epi16(i0, i2);
        i0 = _mm256_permutevar8x32_epi32(i0, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));   /* ... undo it */
        _mm256_storeu_si256((__m256i *)q, i0);
    }
}
/* 8 lanes, each the sum of 4 products of unsigned bytes u and signed bytes v (maddubs), exact
   while each adjacent pair's sum stays in int16: every caller below keeps it there. With VNNI
   (AVX-VNNI, or AVX-512 VNNI on 256-bit vectors) one dpbusd does both steps, exactly. */
static __m256i lc__usdot_avx2(__m256i u, __m256i v) {
#if LOLCAT__VNNI == 1
    return _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), u, v);
#elif LOLCAT__VNNI == 2
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, v);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, v), _mm256_set1_epi16(1));
#endif
}
/* 8 lanes, each the exact integer sum of 4 products of w and x (|w| <= 128, |x| <= 127). */
static __m256i lc__i8dot_avx2(__m256i w, __m256i x) { return lc__usdot_avx2(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w)); }
/* The same sums with ax = |x| computed once for several rows: one sign operation per row
   instead of two, exact only if no w is -128 (its negation wraps). */
static __m256i lc__i8dot_absx_avx2(__m256i w, __m256i x, __m256i ax) { return lc__usdot_avx2(ax, _mm256_sign_epi8(w, x)); }
/* Lanes i and 4 + i: row i's f16 block scale times the activation's, for the four rows at
   p0..p3. One conversion serves four rows; the products are those of scalar conversions. */
static __m256 lc__scale4_avx2(const unsigned char *p0, const unsigned char *p1, const unsigned char *p2,
                              const unsigned char *p3, float xs) {
#if defined(__x86_64__) || defined(_M_X64)
    const uint64_t h = (uint64_t)lc__read_u16(p0) | (uint64_t)lc__read_u16(p1) << 16 | (uint64_t)lc__read_u16(p2) << 32 |
                       (uint64_t)lc__read_u16(p3) << 48;
    const __m128i v = _mm_cvtsi64_si128((long long)h);
#else
    const __m128i v = _mm_unpacklo_epi32(_mm_cvtsi32_si128((int)(lc__read_u16(p0) | (uint32_t)lc__read_u16(p1) << 16)),
                                         _mm_cvtsi32_si128((int)(lc__read_u16(p2) | (uint32_t)lc__read_u16(p3) << 16)));
#endif
    const __m128 s = _mm_mul_ps(_mm_cvtph_ps(v), _mm_set1_ps(xs));
    return _mm256_set_m128(s, s);
}
/* 16 Q4_0 bytes -> the 32 quants plus 8, in [0, 15] (low nibbles first, then high nibbles). */
static __m256i lc__q4_nibbles_avx2(const unsigned char *q) {
    const __m256i r = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)q));
    return _mm256_and_si256(_mm256_blend_epi32(r, _mm256_srli_epi16(r, 4), 0xF0), _mm256_set1_epi8(15));
}
/* 8 * (sum of x's bytes 0-15) in lanes 0-3 and 8 * (bytes 16-31) in lanes 4-7: what Q4_0's
   offset of 8 takes from each row's sums in lc__dot4_q_q8_avx2's layout. */
static __m256i lc__q4_offset_avx2(__m256i x) {
    const __m256i t = lc__usdot_avx2(_mm256_set1_epi8(8), x);
    return _mm256_hadd_epi32(_mm256_hadd_epi32(t, t), _mm256_hadd_epi32(t, t));
}
/* Four rows side by side, sharing each activation block. Decode hands it one row from each
   quarter of a thread's rows, so a core reads four long sequential streams (lc__decode_rows).
   Per block, two levels of horizontal adds (three instructions) gather the rows' exact
   integer sums into lane i (and 4 + i) for row i, so one conversion and one FMA with the four
   scales serve all four rows; two accumulators take alternate blocks. no_min: the Q8_0 rows
   hold no -128 quant, so |x| is taken once per block for all four. Q4_0 multiplies its
   unsigned nibbles (quant + 8) and takes 8 * sum(x) off each row's block sum once per block. */
static LOLCAT__MAYBE_UNUSED LOLCAT__NOINLINE void lc__dot4_q_q8_avx2(int type, const unsigned char *const *w, const signed char *xq,
                                                                      const float *xd, int n, size_t ahead, int no_min, float *out) {
    const unsigned char *p0 = w[0], *p1 = w[1], *p2 = w[2], *p3 = w[3];
    __m256 a0 = _mm256_setzero_ps(), a1 = a0;
    __m128 sum;
    const int nb = n / LOLCAT__QK;
    int b;
#define LOLCAT__DOT4_STEP(ACC, ROWDOT, FIX, BB) do { \
        const __m256i x = _mm256_loadu_si256((const __m256i *)(xq + (size_t)b * LOLCAT__QK)), ax = _mm256_abs_epi8(x); \
        const __m256 s = lc__scale4_avx2(p0, p1, p2, p3, xd[b]); \
        __m256i h; \
        (void)ax; \
        if (ahead) { \
            _mm_prefetch((const char *)p0 + ahead, _MM_HINT_T1); _mm_prefetch((const char *)p1 + ahead, _MM_HINT_T1); \
            _mm_prefetch((const char *)p2 + ahead, _MM_HINT_T1); _mm_prefetch((const char *)p3 + ahead, _MM_HINT_T1); \
        } \
        h = _mm256_hadd_epi32(_mm256_hadd_epi32(ROWDOT(p0 + 2), ROWDOT(p1 + 2)), _mm256_hadd_epi32(ROWDOT(p2 + 2), ROWDOT(p3 + 2))); \
        ACC = _mm256_fmadd_ps(s, _mm256_cvtepi32_ps(FIX(h)), ACC); \
        p0 += (BB); p1 += (BB); p2 += (BB); p3 += (BB); b++; \
    } while (0)
#define LOLCAT__DOT4_LOOP(ROWDOT, FIX, BB) do { \
        for (b = 0; b + 1 < nb;) { LOLCAT__DOT4_STEP(a0, ROWDOT, FIX, BB); LOLCAT__DOT4_STEP(a1, ROWDOT, FIX, BB); } \
        if (b < nb) LOLCAT__DOT4_STEP(a0, ROWDOT, FIX, BB); \
    } while (0)
#define LOLCAT__LOAD_Q8(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define LOLCAT__DOT_Q8(p) lc__i8dot_avx2(LOLCAT__LOAD_Q8(p), x)
#define LOLCAT__DOT_Q8_ABSX(p) lc__i8dot_absx_avx2(LOLCAT__LOAD_Q8(p), x, ax)
#define LOLCAT__DOT_Q4(p) lc__usdot_avx2(lc__q4_nibbles_avx2(p), x)
#define LOLCAT__KEEP(h) (h)
#define LOLCAT__Q4_OFFSET(h) _mm256_sub_epi32(h, lc__q4_offset_avx2(x))
    if (type == LOLCAT_TYPE_Q8_0 && no_min) LOLCAT__DOT4_LOOP(LOLCAT__DOT_Q8_ABSX, LOLCAT__KEEP, LOLCAT__Q8_0_BYTES);
    else if (type == LOLCAT_TYPE_Q8_0) LOLCAT__DOT4_LOOP(LOLCAT__DOT_Q8, LOLCAT__KEEP, LOLCAT__Q8_0_BYTES);
    else LOLCAT__DOT4_LOOP(LOLCAT__DOT_Q4, LOLCAT__Q4_OFFSET, LOLCAT__Q4_0_BYTES);
#undef LOLCAT__Q4_OFFSET
#undef LOLCAT__KEEP
#undef LOLCAT__DOT_Q4
#undef LOLCAT__DOT_Q8_ABSX
#undef LOLCAT__DOT_Q8
#undef LOLCAT__LOAD_Q8
#undef LOLCAT__DOT4_LOOP
#undef LOLCAT__DOT4_STEP
    a0 = _mm256_add_ps(a0, a1);
    sum = _mm_add_ps(_mm256_castps256_ps128(a0), _mm256_extractf128_ps(a0, 1));
    _mm_storeu_ps(out, sum);
}
#if LOLCAT__AVX512_INT8
/* The Q8_0/Q4_0 decode kernel on 512-bit vectors: lc__dot4_q_q8_avx2's four rows, two blocks
   per vector. Per step, one dpbusd per row; the four rows' 16-lane sums reduce by two levels
   of unpack-and-add to lane 4c + i = row i's sum over lanes 4c..4c+3 (c < 2: the first block,
   c >= 2: the second); the eight f16 scales come from the rows' first bytes through three
   word permutes, so one conversion and one FMA with all eight scales serve both blocks of the
   four rows. Q8_0 with no_min takes |x| once and moves x's sign onto w by a mask; other Q8_0
   rows take |w| and move w's sign onto x; Q4_0 keeps its nibbles unsigned against x, on top
   of -8 times x's sums (as the AVX2 kernel does). An odd last block runs the same step with
   its upper half zero. */
static LOLCAT__NOINLINE void lc__dot4_q_q8_avx512(int type, const unsigned char *const *w, const signed char *xq, const float *xd, int n,
                                                   size_t ahead, int no_min, float *out) {
    const unsigned char *p0 = w[0], *p1 = w[1], *p2 = w[2], *p3 = w[3];
    const int q4 = type == LOLCAT_TYPE_Q4_0, bb = q4 ? LOLCAT__Q4_0_BYTES : LOLCAT__Q8_0_BYTES;
    const __m512i zero = _mm512_setzero_si512(), low4 = _mm512_set1_epi8(15), eight = _mm512_set1_epi8(8);
    /* Q4_0: each block's 16 bytes twice (two 128-bit broadcasts), the second copy's nibbles
       shifted down (high halves) */
    const __m512i nib_shift = _mm512_setr_epi64(0, 0, 0x0004000400040004LL, 0x0004000400040004LL, 0, 0, 0x0004000400040004LL,
                                                0x0004000400040004LL);
    /* words 0 (the first block's scale) and bb / 2 (the second's) of two rows, then of four */
    const int w2 = bb / 2;
    const __m512i pick2 = _mm512_setr_epi32(0 | 32 << 16, w2 | (32 + w2) << 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i pick4 = _mm512_setr_epi32(0 | 1 << 16, 32 | 33 << 16, 0 | 1 << 16, 32 | 33 << 16, 2 | 3 << 16, 34 | 35 << 16,
                                            2 | 3 << 16, 34 | 35 << 16, 0, 0, 0, 0, 0, 0, 0, 0);
    __m512 a0 = _mm512_setzero_ps(), a1 = a0;
    const int nb = n / LOLCAT__QK;
    int b = 0;
/* one row's 16 lanes of exact sums: |x| times w with x's sign, or |w| times x with w's; or,
   for Q4_0's unsigned nibbles q (w = q - 8), q times x on top of -8 times x's sums */
#define LOLCAT__I8X2_XSIGN(q) _mm512_dpbusd_epi32(zero, ax, _mm512_mask_sub_epi8(q, xneg, zero, q))
#define LOLCAT__I8X2_WSIGN(q) _mm512_dpbusd_epi32(zero, _mm512_abs_epi8(q), _mm512_mask_sub_epi8(x, _mm512_movepi8_mask(q), zero, x))
#define LOLCAT__I8X2_NIBBLE(q) _mm512_dpbusd_epi32(minus8x, q, x)
#define LOLCAT__I8X2_STEP(ACC, ROWDOT, LOADX, LOADQ, LOADS, XD) do { \
        const __m512i x = LOADX, ax = _mm512_abs_epi8(x), minus8x = _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, eight, x)); \
        const __mmask64 xneg = _mm512_movepi8_mask(x); \
        __m512i r_[4], t01, t23, s_; \
        (void)ax; (void)xneg; (void)minus8x; \
        if (ahead) { \
            _mm_prefetch((const char *)p0 + ahead, _MM_HINT_T1); _mm_prefetch((const char *)p1 + ahead, _MM_HINT_T1); \
            _mm_prefetch((const char *)p2 + ahead, _MM_HINT_T1); _mm_prefetch((const char *)p3 + ahead, _MM_HINT_T1); \
        } \
        r_[0] = ROWDOT(LOADQ(p0 + 2)); r_[1] = ROWDOT(LOADQ(p1 + 2)); r_[2] = ROWDOT(LOADQ(p2 + 2)); r_[3] = ROWDOT(LOADQ(p3 + 2)); \
        t01 = _mm512_add_epi32(_mm512_unpacklo_epi32(r_[0], r_[1]), _mm512_unpackhi_epi32(r_[0], r_[1])); \
        t23 = _mm512_add_epi32(_mm512_unpacklo_epi32(r_[2], r_[3]), _mm512_unpackhi_epi32(r_[2], r_[3])); \
        t01 = _mm512_add_epi32(_mm512_unpacklo_epi64(t01, t23), _mm512_unpackhi_epi64(t01, t23)); \
        s_ = _mm512_permutex2var_epi16(_mm512_permutex2var_epi16(LOADS(p0), pick2, LOADS(p1)), pick4, \
                                       _mm512_permutex2var_epi16(LOADS(p2), pick2, LOADS(p3))); \
        ACC = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtph_ps(_mm512_castsi512_si256(s_)), XD), _mm512_cvtepi32_ps(t01), ACC); \
    } while (0)
/* two blocks' quants as 64 signed bytes in x's order; one block's in the low half */
#define LOLCAT__Q8X2_LOADQ(p) _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(const void *)(p))), \
                                                 _mm256_loadu_si256((const __m256i *)(const void *)((p) + LOLCAT__Q8_0_BYTES)), 1)
#define LOLCAT__Q8X1_LOADQ(p) _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)(const void *)(p)))
#define LOLCAT__Q4_NIBBLES(v) _mm512_and_si512(_mm512_srlv_epi16(v, nib_shift), low4)
#define LOLCAT__Q4_TWICE(p) _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(p)))
#define LOLCAT__Q4X2_LOADQ(p) LOLCAT__Q4_NIBBLES(_mm512_inserti64x4(_mm512_castsi256_si512(LOLCAT__Q4_TWICE(p)), \
                                                                    LOLCAT__Q4_TWICE((p) + LOLCAT__Q4_0_BYTES), 1))
#define LOLCAT__Q4X1_LOADQ(p) LOLCAT__Q4_NIBBLES(_mm512_zextsi256_si512(LOLCAT__Q4_TWICE(p)))
/* the bytes holding both scales: 64 of Q8_0's 68-byte pair, 32 of Q4_0's 36; word 0 alone
   for a last block (the row may end 34 or 18 bytes on) */
#define LOLCAT__Q8X2_LOADS(p) _mm512_loadu_si512((const void *)(p))
#define LOLCAT__Q4X2_LOADS(p) _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)(const void *)(p)))
#define LOLCAT__X1_LOADS(p) _mm512_maskz_loadu_epi16(1, (const void *)(p))
#define LOLCAT__X2_XD _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_set1_ps(xd[b])), _mm256_castps_pd(_mm256_set1_ps(xd[b + 1])), 1))
#define LOLCAT__X2_NEXT do { p0 += 2 * bb; p1 += 2 * bb; p2 += 2 * bb; p3 += 2 * bb; b += 2; } while (0)
#define LOLCAT__X2_X _mm512_loadu_si512((const void *)(xq + (size_t)b * LOLCAT__QK))
#define LOLCAT__X1_X _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)(const void *)(xq + (size_t)b * LOLCAT__QK)))
#define LOLCAT__I8X2_LOOP(ROWDOT, LOADQ2, LOADQ1, LOADS2) do { \
        for (; b + 3 < nb;) { \
            LOLCAT__I8X2_STEP(a0, ROWDOT, LOLCAT__X2_X, LOADQ2, LOADS2, LOLCAT__X2_XD); LOLCAT__X2_NEXT; \
            LOLCAT__I8X2_STEP(a1, ROWDOT, LOLCAT__X2_X, LOADQ2, LOADS2, LOLCAT__X2_XD); LOLCAT__X2_NEXT; \
        } \
        if (b + 1 < nb) { LOLCAT__I8X2_STEP(a0, ROWDOT, LOLCAT__X2_X, LOADQ2, LOADS2, LOLCAT__X2_XD); LOLCAT__X2_NEXT; } \
        if (b < nb) LOLCAT__I8X2_STEP(a1, ROWDOT, LOLCAT__X1_X, LOADQ1, LOLCAT__X1_LOADS, _mm512_set1_ps(xd[b])); \
    } while (0)
    if (q4) LOLCAT__I8X2_LOOP(LOLCAT__I8X2_NIBBLE, LOLCAT__Q4X2_LOADQ, LOLCAT__Q4X1_LOADQ, LOLCAT__Q4X2_LOADS);
    else if (no_min) LOLCAT__I8X2_LOOP(LOLCAT__I8X2_XSIGN, LOLCAT__Q8X2_LOADQ, LOLCAT__Q8X1_LOADQ, LOLCAT__Q8X2_LOADS);
    else LOLCAT__I8X2_LOOP(LOLCAT__I8X2_WSIGN, LOLCAT__Q8X2_LOADQ, LOLCAT__Q8X1_LOADQ, LOLCAT__Q8X2_LOADS);
#undef LOLCAT__I8X2_LOOP
#undef LOLCAT__X1_X
#undef LOLCAT__X2_X
#undef LOLCAT__X2_NEXT
#undef LOLCAT__X2_XD
#undef LOLCAT__X1_LOADS
#undef LOLCAT__Q4X2_LOADS
#undef LOLCAT__Q8X2_LOADS
#undef LOLCAT__Q4X1_LOADQ
#undef LOLCAT__Q4X2_LOADQ
#undef LOLCAT__Q4_TWICE
#undef LOLCAT__Q4_NIBBLES
#undef LOLCAT__Q8X1_LOADQ
#undef LOLCAT__Q8X2_LOADQ
#undef LOLCAT__I8X2_STEP
#undef LOLCAT__I8X2_NIBBLE
#undef LOLCAT__I8X2_WSIGN
#undef LOLCAT__I8X2_XSIGN
    {
        const __m512 s = _mm512_add_ps(a0, a1);
        const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(s), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s), 1)));
        _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
    }
}
#endif /* LOLCAT__AVX512_INT8 */
#endif /* LOLCAT__AVX2 */

#if LOLCAT__NEON
static float32x4_t lc__load_f16_neon(const void *p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t *)p))); }
static float32x4_t lc__load_bf16_neon(const void *p) { return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16((const uint16_t *)p), 16)); }
static float lc__dot_f32_neon(const float *a, const float *b, int n) {
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
    float tail = 0.0f;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
        s1 = vfmaq_f32(s1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
        s2 = vfmaq_f32(s2, vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
        s3 = vfmaq_f32(s3, vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
    }
    for (; i + 4 <= n; i += 4) s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
    for (; i < n; i++) tail += a[i] * b[i];
    return vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3))) + tail;
}
static void lc__quantize_act_neon(const float *x, signed char *q, float *d, int n) {
    const float32x4_t lo = vdupq_n_f32(-127.0f), hi = vdupq_n_f32(127.0f);
    int b, j;
    for (b = 0; b < n / LOLCAT__QK; b++, x += LOLCAT__QK, q += LOLCAT__QK) {
        float32x4_t v[8], m = vdupq_n_f32(0.0f);
        int16x8_t h[4];
        float inv;
        for (j = 0; j < 8; j++) { v[j] = vld1q_f32(x + 4 * j); m = vmaxq_f32(m, vabsq_f32(v[j])); }
        d[b] = vmaxvq_f32(m) / 127.0f;
        inv = d[b] != 0.0f ? 1.0f / d[b] : 0.0f;
        for (j = 0; j < 8; j++)   /* maxnm maps nan to -127 like the reference */
            v[j] = vminnmq_f32(vmaxnmq_f32(vmulq_n_f32(v[j], inv), lo), hi);
        for (j = 0; j < 4; j++) h[j] = vcombine_s16(vmovn_s32(vcvtnq_s32_f32(v[2 * j])), vmovn_s32(vcvtnq_s32_f32(v[2 * j + 1])));
        vst1q_s8(q, vcombine_s8(vmovn_s16(h[0]), vmovn_s16(h[1])));
        vst1q_s8(q + 16, vcombine_s8(vmovn_s16(h[2]), vmovn_s16(h[3])));
    }
}
/* 4 lanes of exact integer sums of the products of 32 int8 pairs. */
static int32x4_t lc__i8dot_neon(int8x16_t w0, int8x16_t w1, int8x16_t x0, int8x16_t x1) {
#if defined(__ARM_FEATURE_DOTPROD)
    return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w0, x0), w1, x1);
#else
    int16x8_t p0 = vmull_s8(vget_low_s8(w0), vget_low_s8(x0)), p1 = vmull_s8(vget_low_s8(w1), vget_low_s8(x1));
    p0 = vmlal_s8(p0, vget_high_s8(w0), vget_high_s8(x0));   /* |sum of two| <= 2*128*127: fits int16 */
    p1 = vmlal_s8(p1, vget_high_s8(w1), vget_high_s8(x1));
    return vaddq_s32(vpaddlq_s16(p0), vpaddlq_s16(p1));
#endif
}
static void lc__dot4_q_q8_neon(int type, const unsigned char *const *w, const signed char *xq, const float *xd, int n, size_t ahead, float *out) {
    const uint8x16_t lo4 = vdupq_n_u8(15);
    const int8x16_t eight = vdupq_n_s8(8);
    const size_t bb = type == LOLCAT_TYPE_Q8_0 ? LOLCAT__Q8_0_BYTES : LOLCAT__Q4_0_BYTES;
    const unsigned char *p[4];
    float32x4_t acc[4];
    int b, r, nb = n / LOLCAT__QK;
    for (r = 0; r < 4; r++) { p[r] = w[r]; acc[r] = vdupq_n_f32(0.0f); }
    for (b = 0; b < nb; b++, xq += LOLCAT__QK) {
        const int8x16_t x0 = vld1q_s8(xq), x1 = vld1q_s8(xq + 16);
        for (r = 0; r < 4; r++) {
            int8x16_t w0, w1;
            if (ahead) __builtin_prefetch(p[r] + ahead);
            if (type == LOLCAT_TYPE_Q8_0) { w0 = vld1q_s8((const int8_t *)(p[r] + 2)); w1 = vld1q_s8((const int8_t *)(p[r] + 18)); }
            else {
                uint8x16_t raw = vld1q_u8(p[r] + 2);
                w0 = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(raw, lo4)), eight);
                w1 = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(raw, 4)), eight);
            }
            acc[r] = vfmaq_n_f32(acc[r], vcvtq_f32_s32(lc__i8dot_neon(w0, w1, x0, x1)), lc__f16_to_f32(lc__read_u16(p[r])) * xd[b]);
            p[r] += bb;
        }
    }
    for (r = 0; r < 4; r++) out[r] = vaddvq_f32(acc[r]);
}
#endif /* LOLCAT__NEON */

/* Dispatchers: the forward pass only calls these names. */
static LOLCAT__MAYBE_UNUSED float lc__dot_f32(const float *a, const float *b, int n) {
#if LOLCAT__AVX2
    return lc__dot_f32_avx2(a, b, n);
#elif LOLCAT__NEON
    return lc__dot_f32_neon(a, b, n);
#else
    return lc__dot_f32_ref(a, b, n);
#endif
}
static void lc__quantize_act(const float *x, signed char *q, float *d, int n) {
#if LOLCAT__AVX2
    lc__quantize_act_avx2(x, q, d, n);
#elif LOLCAT__NEON
    lc__quantize_act_neon(x, q, d, n);
#else
    lc__quantize_act_ref(x, q, d, n);
#endif
}
/* 1 if none of the n_blocks Q8_0 blocks at q holds the quant -128 (checked once per matrix at
   load: the AVX2 decode kernel then takes |x| once for four rows). */
static LOLCAT__MAYBE_UNUSED int lc__q8_no_min_ref(const unsigned char *q, size_t n_blocks) {
    size_t b;
    int j;
    for (b = 0; b < n_blocks; b++, q += LOLCAT__Q8_0_BYTES)
        for (j = 0; j < LOLCAT__QK; j++)
            if (q[2 + j] == 0x80) return 0;
    return 1;
}
#if LOLCAT__AVX2
static int lc__q8_no_min_avx2(const unsigned char *q, size_t n_blocks) {
    const __m256i min = _mm256_set1_epi8(-128);
    size_t b = 0;
    while (b < n_blocks) {   /* 4096 blocks between tests of the running OR */
        const size_t e = LOLCAT__MIN(n_blocks, b + 4096);
        __m256i any = _mm256_setzero_si256();
        for (; b < e; b++) any = _mm256_or_si256(any, _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(q + b * LOLCAT__Q8_0_BYTES + 2)), min));
        if (!_mm256_testz_si256(any, any)) return 0;
    }
    return 1;
}
#endif
/* no_min: the Q8_0 rows hold no -128 (lc__mat.q8_no_min), which the AVX2 and AVX-512 kernels use. */
static LOLCAT__MAYBE_UNUSED void lc__dot4_q_q8(int type, const unsigned char *const *w, const signed char *xq, const float *xd, int n, size_t ahead,
                                               int no_min, float *out) {
#if LOLCAT__AVX512_INT8
    lc__dot4_q_q8_avx512(type, w, xq, xd, n, ahead, no_min, out);
#elif LOLCAT__AVX2
    lc__dot4_q_q8_avx2(type, w, xq, xd, n, ahead, no_min, out);
#elif LOLCAT__NEON
    (void)no_min;
    lc__dot4_q_q8_neon(type, w, xq, xd, n, ahead, out);
#else
    (void)no_min;
    lc__dot4_q_q8_ref(type, w, xq, xd, n, ahead, out);
#endif
}
/* x rounded through the int8 activation format, back to floats (prefill of quantized
   weights without AVX-512 VNNI uses these, so a chunk computes what token-by-token decoding
   computes, up to float rounding). */
static LOLCAT__MAYBE_UNUSED void lc__round_act(const float *x, float *out, int n) {
    signed char q[LOLCAT__QK];
    float d;
    int b, j;
    for (b = 0; b < n / LOLCAT__QK; b++) {
        lc__quantize_act(x + b * LOLCAT__QK, q, &d, LOLCAT__QK);
        for (j = 0; j < LOLCAT__QK; j++) out[b * LOLCAT__QK + j] = (float)q[j] * d;
    }
}

/* ===== @@K_DEQUANT ===== */
static LOLCAT__MAYBE_UNUSED void lc__dequant_row_ref(int type, const void *src, float *dst, int64_t n) {
    const unsigned char *p = (const unsigned char *)src;
    int64_t i;
    int j;
    switch (type) {
    case LOLCAT_TYPE_F32: memcpy(dst, src, (size_t)n * sizeof(float)); break;
    case LOLCAT_TYPE_F16: for (i = 0; i < n; i++) dst[i] = lc__f16_to_f32(lc__read_u16(p + 2 * i)); break;
    case LOLCAT_TYPE_BF16: for (i = 0; i < n; i++) dst[i] = lc__bf16_to_f32(lc__read_u16(p + 2 * i)); break;
    case LOLCAT_TYPE_Q8_0:
        for (i = 0; i < n; i += LOLCAT__QK, p += LOLCAT__Q8_0_BYTES) {
            float d = lc__f16_to_f32(lc__read_u16(p));
            for (j = 0; j < LOLCAT__QK; j++) dst[i + j] = d * (float)((const signed char *)(p + 2))[j];
        }
        break;
    case LOLCAT_TYPE_Q4_0:
        for (i = 0; i < n; i += LOLCAT__QK, p += LOLCAT__Q4_0_BYTES) {
            float d = lc__f16_to_f32(lc__read_u16(p));
            for (j = 0; j < LOLCAT__QK / 2; j++) {
                dst[i + j] = d * (float)((p[2 + j] & 15) - 8);
                dst[i + j + 16] = d * (float)((p[2 + j] >> 4) - 8);
            }
        }
        break;
    default: memset(dst, 0, (size_t)n * sizeof(float)); break;
    }
}
/* Conversions are exact, so every variant gives the reference's bits. */
#if LOLCAT__AVX2
static void lc__dequant_row_avx2(int type, const void *src, float *dst, int64_t n) {
    const unsigned char *p = (const unsigned char *)src;
    int64_t i = 0;
    switch (type) {
    case LOLCAT_TYPE_F16: for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, lc__load_f16_avx2(p + 2 * i)); break;
    case LOLCAT_TYPE_BF16: for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, lc__load_bf16_avx2(p + 2 * i)); break;
    case LOLCAT_TYPE_Q8_0:
        for (; i < n; i += LOLCAT__QK, p += LOLCAT__Q8_0_BYTES) {
            __m256 d = _mm256_set1_ps(_cvtsh_ss(lc__read_u16(p)));
            int j;
            for (j = 0; j < 4; j++)
                _mm256_storeu_ps(dst + i + 8 * j, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(p + 2 + 8 * j))))));
        }
        return;
    case LOLCAT_TYPE_Q4_0:
        for (; i < n; i += LOLCAT__QK, p += LOLCAT__Q4_0_BYTES) {
            __m256 d = _mm256_set1_ps(_cvtsh_ss(lc__read_u16(p)));
            __m256i q = _mm256_sub_epi8(lc__q4_nibbles_avx2(p + 2), _mm256_set1_epi8(8));
            __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
            _mm256_storeu_ps(dst + i, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo))));
            _mm256_storeu_ps(dst + i + 8, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8)))));
            _mm256_storeu_ps(dst + i + 16, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi))));
            _mm256_storeu_ps(dst + i + 24, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8)))));
        }
        return;
    default: break;
    }
    if (i < n) lc__dequant_row_ref(type, p + (type == LOLCAT_TYPE_F32 ? 4 : 2) * i, dst + i, n - i);
}
#endif
#if LOLCAT__NEON
static void lc__dequant_row_neon(int type, const void *src, float *dst, int64_t n) {
    const unsigned char *p = (const unsigned char *)src;
    int64_t i = 0;
    switch (type) {
    case LOLCAT_TYPE_F16: for (; i + 4 <= n; i += 4) vst1q_f32(dst + i, lc__load_f16_neon(p + 2 * i)); break;
    case LOLCAT_TYPE_BF16: for (; i + 4 <= n; i += 4) vst1q_f32(dst + i, lc__load_bf16_neon(p + 2 * i)); break;
    case LOLCAT_TYPE_Q8_0:
        for (; i < n; i += LOLCAT__QK, p += LOLCAT__Q8_0_BYTES) {
            float d = lc__f16_to_f32(lc__read_u16(p));
            int j;
            for (j = 0; j < 4; j++) {
                int16x8_t h = vmovl_s8(vld1_s8((const int8_t *)(p + 2 + 8 * j)));
                vst1q_f32(dst + i + 8 * j, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(h))), d));
                vst1q_f32(dst + i + 8 * j + 4, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_high_s16(h))), d));
            }
        }
        return;
    case LOLCAT_TYPE_Q4_0:
        for (; i < n; i += LOLCAT__QK, p += LOLCAT__Q4_0_BYTES) {
            float d = lc__f16_to_f32(lc__read_u16(p));
            uint8x16_t raw = vld1q_u8(p + 2);
            int8x16_t half[2];
            int j;
            half[0] = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(raw, vdupq_n_u8(15))), vdupq_n_s8(8));
            half[1] = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(raw, 4)), vdupq_n_s8(8));
            for (j = 0; j < 2; j++) {
                int16x8_t a = vmovl_s8(vget_low_s8(half[j])), b = vmovl_s8(vget_high_s8(half[j]));
                vst1q_f32(dst + i + 16 * j, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(a))), d));
                vst1q_f32(dst + i + 16 * j + 4, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_high_s16(a))), d));
                vst1q_f32(dst + i + 16 * j + 8, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(b))), d));
                vst1q_f32(dst + i + 16 * j + 12, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_high_s16(b))), d));
            }
        }
        return;
    default: break;
    }
    if (i < n) lc__dequant_row_ref(type, p + (type == LOLCAT_TYPE_F32 ? 4 : 2) * i, dst + i, n - i);
}
#endif
static void lc__dequant_row(int type, const void *src, float *dst, int64_t n) {
#if LOLCAT__AVX2
    lc__dequant_row_avx2(type, src, dst, n);
#elif LOLCAT__NEON
    lc__dequant_row_neon(type, src, dst, n);
#else
    lc__dequant_row_ref(type, src, dst, n);
#endif
}
/* Byte offset of value k in a row (k a multiple of 32 for quantized types). */
static LOLCAT__MAYBE_UNUSED size_t lc__row_offset(int type, int k) {
    switch (type) {
    case LOLCAT_TYPE_F32: return (size_t)k * 4;
    case LOLCAT_TYPE_F16: case LOLCAT_TYPE_BF16: return (size_t)k * 2;
    case LOLCAT_TYPE_Q8_0: return (size_t)(k / LOLCAT__QK) * LOLCAT__Q8_0_BYTES;
    case LOLCAT_TYPE_Q4_0: return (size_t)(k / LOLCAT__QK) * LOLCAT__Q4_0_BYTES;
    default: return 0;
    }
}

/* ===== @@K_QUANTIZE ===== */
/* ggml's reference rounding, so files we write match files llama.cpp writes. */
static LOLCAT__MAYBE_UNUSED void lc__quantize_q8_0_ref(const float *x, void *dst, int64_t n) {
    unsigned char *blk = (unsigned char *)dst;
    int64_t b;
    int j;
    for (b = 0; b < n / LOLCAT__QK; b++, x += LOLCAT__QK, blk += LOLCAT__Q8_0_BYTES) {
        float amax = 0.0f, d, id;
        uint16_t dh;
        for (j = 0; j < LOLCAT__QK; j++) amax = LOLCAT__MAX(amax, fabsf(x[j]));
        d = amax / 127.0f;
        id = d != 0.0f ? 1.0f / d : 0.0f;
        dh = lc__f32_to_f16(d);
        memcpy(blk, &dh, 2);
        for (j = 0; j < LOLCAT__QK; j++) {
            float v = roundf(x[j] * id);   /* |v| <= 127 unless x holds nan/inf: clamp, never UB */
            ((signed char *)(blk + 2))[j] = (signed char)(v >= 127.0f ? 127 : v <= -127.0f ? -127 : v == v ? (int)v : 0);
        }
    }
}
static LOLCAT__MAYBE_UNUSED void lc__quantize_q4_0_ref(const float *x, void *dst, int64_t n) {
    unsigned char *blk = (unsigned char *)dst;
    int64_t b;
    int j;
    for (b = 0; b < n / LOLCAT__QK; b++, x += LOLCAT__QK, blk += LOLCAT__Q4_0_BYTES) {
        float amax = 0.0f, maxv = 0.0f, d, id;
        uint16_t dh;
        for (j = 0; j < LOLCAT__QK; j++)
            if (fabsf(x[j]) > amax) { amax = fabsf(x[j]); maxv = x[j]; }
        d = maxv / -8.0f;
        id = d != 0.0f ? 1.0f / d : 0.0f;
        dh = lc__f32_to_f16(d);
        memcpy(blk, &dh, 2);
        for (j = 0; j < LOLCAT__QK / 2; j++) {
            float v0 = x[j] * id + 8.5f, v1 = x[j + 16] * id + 8.5f;   /* truncation, as ggml */
            int q0 = v0 >= 15.0f ? 15 : v0 > 0.0f ? (int)v0 : 0, q1 = v1 >= 15.0f ? 15 : v1 > 0.0f ? (int)v1 : 0;
            blk[2 + j] = (unsigned char)(q0 | (q1 << 4));
        }
    }
}

/* ===== @@K_MATMUL ===== */
/* A weight matrix as the kernels see it: n_out rows of n_in values, row-major, any type. */
typedef struct lc__mat {
    int                  type;
    int                  n_in, n_out;
    size_t               row_bytes;
    const unsigned char *data;
    int                  q8_no_min;   /* Q8_0 with no -128 quant (checked at load in AVX2 builds) */
} lc__mat;

/* Scratch of lc__matmul, owned by the context. */
typedef struct lc__mm_scratch {
    float       *rowbuf;         /* per thread: rowbuf + thread * rowbuf_stride floats */
    size_t       rowbuf_stride;  /* lc__mm_rowbuf_floats(n_in) */
    float       *xp;             /* lc__mm_xp_floats(n_in, T), shared: the chunk's packed activations */
    int         *claims;         /* decode: [2p], [2p + 1] = units pair p took from the front, from the back
                                    (lc__matvec_pair); prefill: [0] = groups of units claimed by the team
                                    (lc__matmul_claimed); NULL: static split */
} lc__mm_scratch;

/* Y[t][r] = alpha * W_r . X[t] (+ Y[t][r] if accumulate), for t < T and r < n_out.
   Rows are split across threads; with T > 1 each row is dequantized once into a per-thread
   buffer and reused for all T tokens, so a chunk reads every weight once. */
static LOLCAT__MAYBE_UNUSED void lc__matmul_ref(const lc__mat *W, const float *X, int ldx, int T, float *Y, int ldy,
                           float alpha, int accumulate, float *rowbuf, size_t rowbuf_stride, int n_threads) {
    int r;
    (void)n_threads; (void)rowbuf_stride;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(n_threads) schedule(static) if (n_threads > 1 && (int64_t)W->n_out * W->n_in * T > 32768)
#endif
    for (r = 0; r < W->n_out; r++) {
        const unsigned char *row = W->data + (size_t)r * W->row_bytes;
        int t;
        if (T == 1 || W->type == LOLCAT_TYPE_F32) {
            for (t = 0; t < T; t++) {
                float d = alpha * lc__dot_row_ref(W->type, row, X + (size_t)t * ldx, W->n_in);
                float *y = Y + (size_t)t * ldy + r;
                *y = accumulate ? *y + d : d;
            }
        } else {
            float *buf = rowbuf + (size_t)LOLCAT__THREAD_ID() * rowbuf_stride;
            lc__dequant_row_ref(W->type, row, buf, W->n_in);
            for (t = 0; t < T; t++) {
                float d = alpha * lc__dot_f32_ref(buf, X + (size_t)t * ldx, W->n_in);
                float *y = Y + (size_t)t * ldy + r;
                *y = accumulate ? *y + d : d;
            }
        }
    }
}

/* SIMD matmul. Decode (T = 1) streams every weight row once through 4-row dot kernels that
   read f32/f16/bf16 in place (Q8_0/Q4_0 use the int8 dots). Prefill (T > 1) works BLIS-style:
   the chunk's activations are packed once, 6 tokens side by side; each thread packs its rows
   16 at a time, dequantized and input-major (a panel of 16 x n_in floats that stays in L2),
   and a 16x6 outer-product kernel keeps 12 vector accumulators in registers over the whole
   input: per input it loads 2 weight vectors and broadcasts 6 activations for 12 FMAs, so
   every weight read from memory serves every token of the chunk. With AVX-512 the kernel is
   32x12 (two panels against 12 tokens packed side by side, 24 accumulators of 16 lanes). The two
   paths sum in different orders: results agree to float rounding. With AVX-512 VNNI, Q8_0/Q4_0
   prefill stays on int8 instead (lc__matmul_rows_int8): exact block dots as in decode. */
#define LOLCAT__MR 16
#define LOLCAT__NR 6
/* Tokens per block of packed activations: the AVX-512 kernel takes 12 (16x12), the others 6.
   Panels per kernel call: the AVX-512 kernel takes two 16-row panels (32 rows) at once. */
#if LOLCAT__AVX512
#define LOLCAT__PACK_NT 12
#define LOLCAT__PANELS 2
#else
#define LOLCAT__PACK_NT LOLCAT__NR
#define LOLCAT__PANELS 1
#endif
#define LOLCAT__KC 256   /* rows are dequantized this many values at a time while packing */
#define LOLCAT__KS 2048  /* prefill multiplies rows this many inputs at a time (a multiple of KC) */
/* Floats of per-thread matmul scratch: the reference's dequantized row, or LOLCAT__PANELS
   SIMD panels and the dequantization area that fills them. */
static size_t lc__mm_rowbuf_floats(int max_in) {
    size_t n = ((size_t)max_in + 15) & ~(size_t)15;
    return LOLCAT__MAX(n, (size_t)LOLCAT__PANELS * LOLCAT__MR * n + LOLCAT__MAX((size_t)LOLCAT__MR * LOLCAT__KC, n));
}
/* Floats of the shared packed activations for T tokens (the int8 and bf16 records of
   lc__pack_xq_avx512 and lc__pack_xb_avx512 take less: 1.25 and 2 bytes per token and input,
   plus one padding pair for an odd n_in, against 4 here). */
static size_t lc__mm_xp_floats(int max_in, int max_t) {
    return ((size_t)max_t + LOLCAT__PACK_NT - 1) / LOLCAT__PACK_NT * LOLCAT__PACK_NT * (size_t)max_in;
}

/* xp[k][j] = x_j[k] for the (up to) LOLCAT__PACK_NT rows x_j of one token block, zero past nt. */
static LOLCAT__MAYBE_UNUSED void lc__pack_x(const float *const *x, int nt, int K, float *xp) {
    int j, k;
    for (j = 0; j < LOLCAT__PACK_NT; j++) {
        if (j < nt) for (k = 0; k < K; k++) xp[k * LOLCAT__PACK_NT + j] = x[j][k];
        else for (k = 0; k < K; k++) xp[k * LOLCAT__PACK_NT + j] = 0.0f;
    }
}
/* wp[k][i] = rows[i][k] for 16 rows. */
static LOLCAT__MAYBE_UNUSED void lc__pack_w_ref(const float *const *rows, int kc, float *wp) {
    int k, i;
    for (k = 0; k < kc; k++)
        for (i = 0; i < LOLCAT__MR; i++) wp[k * LOLCAT__MR + i] = rows[i][k];
}

#if LOLCAT__AVX2
/* out[r] = w[r] . x over n values, weights of any float type read in place (decode). With
   ahead > 0 each row is prefetched into L1 that many bytes ahead, once per 16 values. */
static LOLCAT__NOINLINE void lc__mk4x1_avx2(int type, const unsigned char *const *w, const float *x, int n, size_t ahead, float *out) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int k = 0;
#define LOLCAT__MK41_STEP(WLOAD, ESZ, K) do { \
        const __m256 v_ = _mm256_loadu_ps(x + (K)); \
        a0 = _mm256_fmadd_ps(WLOAD(w[0] + (ESZ) * (K)), v_, a0); a1 = _mm256_fmadd_ps(WLOAD(w[1] + (ESZ) * (K)), v_, a1); \
        a2 = _mm256_fmadd_ps(WLOAD(w[2] + (ESZ) * (K)), v_, a2); a3 = _mm256_fmadd_ps(WLOAD(w[3] + (ESZ) * (K)), v_, a3); \
    } while (0)
#define LOLCAT__MK41_LOOP(WLOAD, ESZ) do { \
        if (ahead) \
            for (; k + 16 <= n; k += 16) { \
                const size_t at_ = (size_t)(ESZ) * (size_t)k + ahead; \
                _mm_prefetch((const char *)w[0] + at_, _MM_HINT_T0); _mm_prefetch((const char *)w[1] + at_, _MM_HINT_T0); \
                _mm_prefetch((const char *)w[2] + at_, _MM_HINT_T0); _mm_prefetch((const char *)w[3] + at_, _MM_HINT_T0); \
                LOLCAT__MK41_STEP(WLOAD, ESZ, k); LOLCAT__MK41_STEP(WLOAD, ESZ, k + 8); \
            } \
        for (; k + 8 <= n; k += 8) LOLCAT__MK41_STEP(WLOAD, ESZ, k); \
    } while (0)
#define LOLCAT__LOAD_F32(p) _mm256_loadu_ps((const float *)(const void *)(p))
    if (type == LOLCAT_TYPE_F32) LOLCAT__MK41_LOOP(LOLCAT__LOAD_F32, 4);
    else if (type == LOLCAT_TYPE_F16) LOLCAT__MK41_LOOP(lc__load_f16_avx2, 2);
    else LOLCAT__MK41_LOOP(lc__load_bf16_avx2, 2);
#undef LOLCAT__LOAD_F32
#undef LOLCAT__MK41_LOOP
#undef LOLCAT__MK41_STEP
    if (k < n) {   /* tail: weights through a zero-padded buffer */
        __m256i m = lc__tail_mask_avx2(n - k);
        __m256 v = _mm256_maskload_ps(x + k, m), u[4];
        float tmp[8];
        int r;
        for (r = 0; r < 4; r++) {
            memset(tmp, 0, sizeof tmp);
            lc__dequant_row_ref(type, w[r] + lc__row_offset(type, k), tmp, n - k);
            u[r] = _mm256_loadu_ps(tmp);
        }
        a0 = _mm256_fmadd_ps(u[0], v, a0); a1 = _mm256_fmadd_ps(u[1], v, a1);
        a2 = _mm256_fmadd_ps(u[2], v, a2); a3 = _mm256_fmadd_ps(u[3], v, a3);
    }
    out[0] = lc__hsum_avx2(a0); out[1] = lc__hsum_avx2(a1); out[2] = lc__hsum_avx2(a2); out[3] = lc__hsum_avx2(a3);
}
/* The 16-row panel, 8x8 blocks transposed in registers. */
static void lc__pack_w_avx2(const float *const *rows, int kc, float *wp) {
    int k = 0, g, i;
    for (; k + 8 <= kc; k += 8)
        for (g = 0; g < 2; g++) {
            const float *const *rr = rows + 8 * g;
            __m256 t0 = _mm256_loadu_ps(rr[0] + k), t1 = _mm256_loadu_ps(rr[1] + k), t2 = _mm256_loadu_ps(rr[2] + k), t3 = _mm256_loadu_ps(rr[3] + k);
            __m256 t4 = _mm256_loadu_ps(rr[4] + k), t5 = _mm256_loadu_ps(rr[5] + k), t6 = _mm256_loadu_ps(rr[6] + k), t7 = _mm256_loadu_ps(rr[7] + k);
            __m256 u0 = _mm256_unpacklo_ps(t0, t1), u1 = _mm256_unpackhi_ps(t0, t1), u2 = _mm256_unpacklo_ps(t2, t3), u3 = _mm256_unpackhi_ps(t2, t3);
            __m256 u4 = _mm256_unpacklo_ps(t4, t5), u5 = _mm256_unpackhi_ps(t4, t5), u6 = _mm256_unpacklo_ps(t6, t7), u7 = _mm256_unpackhi_ps(t6, t7);
            __m256 v0 = _mm256_shuffle_ps(u0, u2, 0x44), v1 = _mm256_shuffle_ps(u0, u2, 0xEE), v2 = _mm256_shuffle_ps(u1, u3, 0x44), v3 = _mm256_shuffle_ps(u1, u3, 0xEE);
            __m256 v4 = _mm256_shuffle_ps(u4, u6, 0x44), v5 = _mm256_shuffle_ps(u4, u6, 0xEE), v6 = _mm256_shuffle_ps(u5, u7, 0x44), v7 = _mm256_shuffle_ps(u5, u7, 0xEE);
            float *d = wp + (size_t)k * LOLCAT__MR + 8 * g;
            _mm256_storeu_ps(d + 0 * LOLCAT__MR, _mm256_permute2f128_ps(v0, v4, 0x20));
            _mm256_storeu_ps(d + 1 * LOLCAT__MR, _mm256_permute2f128_ps(v1, v5, 0x20));
            _mm256_storeu_ps(d + 2 * LOLCAT__MR, _mm256_permute2f128_ps(v2, v6, 0x20));
            _mm256_storeu_ps(d + 3 * LOLCAT__MR, _mm256_permute2f128_ps(v3, v7, 0x20));
            _mm256_storeu_ps(d + 4 * LOLCAT__MR, _mm256_permute2f128_ps(v0, v4, 0x31));
            _mm256_storeu_ps(d + 5 * LOLCAT__MR, _mm256_permute2f128_ps(v1, v5, 0x31));
            _mm256_storeu_ps(d + 6 * LOLCAT__MR, _mm256_permute2f128_ps(v2, v6, 0x31));
            _mm256_storeu_ps(d + 7 * LOLCAT__MR, _mm256_permute2f128_ps(v3, v7, 0x31));
        }
    for (; k < kc; k++)
        for (i = 0; i < LOLCAT__MR; i++) wp[k * LOLCAT__MR + i] = rows[i][k];
}
/* Y[j][0..nr) (=|+=) alpha * acc[2j..2j+1] for j < nt: the 16x6 kernels' stores. */
static void lc__mk16x6_store_avx2(const __m256 *acc, float *Y, int ldy, int nr, int nt, float alpha, int init) {
    const __m256 va = _mm256_set1_ps(alpha);
    const __m256i m0 = lc__tail_mask_avx2(LOLCAT__MIN(nr, 8)), m1 = lc__tail_mask_avx2(LOLCAT__MAX(nr - 8, 0));
    int j;
    for (j = 0; j < nt; j++) {
        float *y = Y + (size_t)j * ldy;
        __m256 v0 = _mm256_mul_ps(va, acc[2 * j]), v1 = _mm256_mul_ps(va, acc[2 * j + 1]);
        if (nr == LOLCAT__MR) {
            if (!init) { v0 = _mm256_add_ps(_mm256_loadu_ps(y), v0); v1 = _mm256_add_ps(_mm256_loadu_ps(y + 8), v1); }
            _mm256_storeu_ps(y, v0);
            _mm256_storeu_ps(y + 8, v1);
        } else {
            if (!init) { v0 = _mm256_add_ps(_mm256_maskload_ps(y, m0), v0); v1 = _mm256_add_ps(_mm256_maskload_ps(y + 8, m1), v1); }
            _mm256_maskstore_ps(y, m0, v0);
            _mm256_maskstore_ps(y + 8, m1, v1);
        }
    }
}
/* One input of the 16x6 kernels: 2 weight vectors, 6 broadcast activations, 12 FMAs. */
#define LOLCAT__MK16X6_STEP(w, x0, x1, x2, x3, x4, x5) do { \
        const __m256 w0_ = _mm256_loadu_ps(w), w1_ = _mm256_loadu_ps((w) + 8); \
        __m256 b_; \
        b_ = _mm256_broadcast_ss(x0); c00 = _mm256_fmadd_ps(w0_, b_, c00); c10 = _mm256_fmadd_ps(w1_, b_, c10); \
        b_ = _mm256_broadcast_ss(x1); c01 = _mm256_fmadd_ps(w0_, b_, c01); c11 = _mm256_fmadd_ps(w1_, b_, c11); \
        b_ = _mm256_broadcast_ss(x2); c02 = _mm256_fmadd_ps(w0_, b_, c02); c12 = _mm256_fmadd_ps(w1_, b_, c12); \
        b_ = _mm256_broadcast_ss(x3); c03 = _mm256_fmadd_ps(w0_, b_, c03); c13 = _mm256_fmadd_ps(w1_, b_, c13); \
        b_ = _mm256_broadcast_ss(x4); c04 = _mm256_fmadd_ps(w0_, b_, c04); c14 = _mm256_fmadd_ps(w1_, b_, c14); \
        b_ = _mm256_broadcast_ss(x5); c05 = _mm256_fmadd_ps(w0_, b_, c05); c15 = _mm256_fmadd_ps(w1_, b_, c15); \
    } while (0)
#define LOLCAT__MK16X6_ACC_DECL \
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c04 = c00, c05 = c00; \
    __m256 c10 = c00, c11 = c00, c12 = c00, c13 = c00, c14 = c00, c15 = c00
#define LOLCAT__MK16X6_ACC_LIST {c00, c10, c01, c11, c02, c12, c03, c13, c04, c14, c05, c15}
/* Y[j][0..nr) (=|+=) alpha * sum_k wp[k*ldw + 0..16) * x[j*xt + k*xk] for j < nt: 16 rows x
   6 tokens, activations at any strides (attention's small products: rows of a matrix have
   xt = its stride, xk = 1; columns have xt = 1, xk = the stride; tokens past nt read token
   nt-1's values). All 16 values of each wp row are read. */
static LOLCAT__NOINLINE void lc__mk16x6_avx2(const float *wp, int ldw, const float *x, ptrdiff_t xt, ptrdiff_t xk, int kc,
                                             float *Y, int ldy, int nr, int nt, float alpha, int init) {
    LOLCAT__MK16X6_ACC_DECL;
    const ptrdiff_t o1 = LOLCAT__MIN(1, nt - 1) * xt, o2 = LOLCAT__MIN(2, nt - 1) * xt, o3 = LOLCAT__MIN(3, nt - 1) * xt;
    const ptrdiff_t o4 = LOLCAT__MIN(4, nt - 1) * xt, o5 = LOLCAT__MIN(5, nt - 1) * xt;
    int k;
    for (k = 0; k < kc; k++, wp += ldw, x += xk) LOLCAT__MK16X6_STEP(wp, x, x + o1, x + o2, x + o3, x + o4, x + o5);
    {
        const __m256 acc[12] = LOLCAT__MK16X6_ACC_LIST;
        lc__mk16x6_store_avx2(acc, Y, ldy, nr, nt, alpha, init);
    }
}
/* The same for prefill's packed operands in AVX2 builds (panel rows of 16, tokens packed 6
   side by side; AVX-512 builds use lc__mk32_packed_avx512 below): with every offset a
   constant and 4 inputs per iteration it runs 5-11% faster than the strided kernel
   (lc__mk16x6_avx2) on the same data, whose loads need index registers. It reads all 6
   token slots; lc__pack_x zeroes those past nt. */
static LOLCAT__MAYBE_UNUSED LOLCAT__NOINLINE void lc__mk16x6_packed_avx2(const float *wp, const float *xp, int kc, float *Y, int ldy, int nr, int nt,
                                                    float alpha, int init) {
    LOLCAT__MK16X6_ACC_DECL;
    int k = 0;
#define LOLCAT__MK16X6_PACKED(i) LOLCAT__MK16X6_STEP(wp + LOLCAT__MR * (i), xp + LOLCAT__NR * (i), xp + LOLCAT__NR * (i) + 1, \
                                                     xp + LOLCAT__NR * (i) + 2, xp + LOLCAT__NR * (i) + 3, \
                                                     xp + LOLCAT__NR * (i) + 4, xp + LOLCAT__NR * (i) + 5)
    for (; k + 4 <= kc; k += 4, wp += 4 * LOLCAT__MR, xp += 4 * LOLCAT__NR) {
        LOLCAT__MK16X6_PACKED(0); LOLCAT__MK16X6_PACKED(1); LOLCAT__MK16X6_PACKED(2); LOLCAT__MK16X6_PACKED(3);
    }
    for (; k < kc; k++, wp += LOLCAT__MR, xp += LOLCAT__NR) LOLCAT__MK16X6_PACKED(0);
#undef LOLCAT__MK16X6_PACKED
    {
        const __m256 acc[12] = LOLCAT__MK16X6_ACC_LIST;
        lc__mk16x6_store_avx2(acc, Y, ldy, nr, nt, alpha, init);
    }
}
#undef LOLCAT__MK16X6_STEP
#undef LOLCAT__MK16X6_ACC_DECL
#undef LOLCAT__MK16X6_ACC_LIST

#if LOLCAT__AVX512
/* Y[j][0..16) (=|+=) alpha * acc[j] for j < nt, lanes outside m untouched: the AVX-512
   kernels' stores, one 16-row panel at a time. */
static void lc__mk_store_avx512(const __m512 *acc, float *Y, int ldy, __mmask16 m, int nt, float alpha, int init) {
    const __m512 va = _mm512_set1_ps(alpha);
    int j;
    for (j = 0; j < nt; j++) {
        float *y = Y + (size_t)j * ldy;
        __m512 v = _mm512_mul_ps(va, acc[j]);
        if (!init) v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, y), v);
        _mm512_mask_storeu_ps(y, m, v);
    }
}
/* Prefill's kernel on 512-bit vectors for up to 16 rows (what lc__mk32_packed_avx512
   leaves at the end of a range): Y[j][0..nr) (=|+=) alpha * sum_k wp[k*16 + 0..16) *
   xp[k*12 + j] for j < nt. The 16-row panel is one vector per input; 12 tokens give 12
   accumulators (enough to cover the FMA latency of two pipes), and each activation is
   broadcast from memory inside its FMA. Reads all 12 token slots; lc__pack_x zeroes those
   past nt. */
static LOLCAT__NOINLINE void lc__mk16x12_packed_avx512(const float *wp, const float *xp, int kc, float *Y, int ldy, int nr, int nt,
                                                        float alpha, int init) {
    __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    __m512 c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
    int k = 0;
#define LOLCAT__MK16X12_TOKEN(j) c##j = _mm512_fmadd_ps(w_, _mm512_set1_ps(x_[j]), c##j)
#define LOLCAT__MK16X12_STEP(i) do { \
        const __m512 w_ = _mm512_loadu_ps(wp + 16 * (i)); \
        const float *x_ = xp + 12 * (i); \
        LOLCAT__MK16X12_TOKEN(0); LOLCAT__MK16X12_TOKEN(1); LOLCAT__MK16X12_TOKEN(2); LOLCAT__MK16X12_TOKEN(3); \
        LOLCAT__MK16X12_TOKEN(4); LOLCAT__MK16X12_TOKEN(5); LOLCAT__MK16X12_TOKEN(6); LOLCAT__MK16X12_TOKEN(7); \
        LOLCAT__MK16X12_TOKEN(8); LOLCAT__MK16X12_TOKEN(9); LOLCAT__MK16X12_TOKEN(10); LOLCAT__MK16X12_TOKEN(11); \
    } while (0)
    for (; k + 4 <= kc; k += 4, wp += 4 * 16, xp += 4 * 12) {
        LOLCAT__MK16X12_STEP(0); LOLCAT__MK16X12_STEP(1); LOLCAT__MK16X12_STEP(2); LOLCAT__MK16X12_STEP(3);
    }
    for (; k < kc; k++, wp += 16, xp += 12) LOLCAT__MK16X12_STEP(0);
#undef LOLCAT__MK16X12_STEP
#undef LOLCAT__MK16X12_TOKEN
    {
        const __m512 acc[12] = {c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11};
        lc__mk_store_avx512(acc, Y, ldy, (__mmask16)((1u << nr) - 1u), nt, alpha, init);
    }
}
/* Prefill's main AVX-512 kernels: 32 rows, two 16-row panels (wp and wp2), against a block
   of 12 packed tokens (24 accumulators), or of its first 8 or 4 for a block that holds no
   more (16 or 8): a chunk of 256 tokens ends in a block of 4, which the 12-token kernel
   computed at the cost of 12. Each activation broadcast serves 32 rows, which halves the
   packed activations read per FLOP: a chunk's (2-6 MB) outgrow L2 and stream from L3 for
   every panel. nr in 17..32. Every (row, token) sums its inputs in the same order in each. */
#define LOLCAT__MK32_TOKEN(j) do { \
        const __m512 b_ = _mm512_set1_ps(x_[j]); \
        c##j = _mm512_fmadd_ps(w_, b_, c##j); d##j = _mm512_fmadd_ps(v_, b_, d##j); \
    } while (0)
#define LOLCAT__MK32_TOKENS4 LOLCAT__MK32_TOKEN(0); LOLCAT__MK32_TOKEN(1); LOLCAT__MK32_TOKEN(2); LOLCAT__MK32_TOKEN(3)
#define LOLCAT__MK32_TOKENS8 LOLCAT__MK32_TOKENS4; LOLCAT__MK32_TOKEN(4); LOLCAT__MK32_TOKEN(5); LOLCAT__MK32_TOKEN(6); LOLCAT__MK32_TOKEN(7)
#define LOLCAT__MK32_TOKENS12 LOLCAT__MK32_TOKENS8; LOLCAT__MK32_TOKEN(8); LOLCAT__MK32_TOKEN(9); LOLCAT__MK32_TOKEN(10); LOLCAT__MK32_TOKEN(11)
#define LOLCAT__MK32_KERNEL(NAME, NTOK) \
static LOLCAT__NOINLINE void NAME(const float *wp, const float *wp2, const float *xp, int kc, float *Y, int ldy, int nr, int nt, \
                                  float alpha, int init) { \
    __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0; \
    __m512 d0 = c0, d1 = c0, d2 = c0, d3 = c0, d4 = c0, d5 = c0, d6 = c0, d7 = c0, d8 = c0, d9 = c0, d10 = c0, d11 = c0; \
    int k = 0; \
    for (; k + 2 <= kc; k += 2, wp += 2 * 16, wp2 += 2 * 16, xp += 2 * 12) { \
        { const __m512 w_ = _mm512_loadu_ps(wp), v_ = _mm512_loadu_ps(wp2); const float *x_ = xp; LOLCAT__MK32_TOKENS##NTOK; } \
        { const __m512 w_ = _mm512_loadu_ps(wp + 16), v_ = _mm512_loadu_ps(wp2 + 16); const float *x_ = xp + 12; LOLCAT__MK32_TOKENS##NTOK; } \
    } \
    for (; k < kc; k++, wp += 16, wp2 += 16, xp += 12) { \
        const __m512 w_ = _mm512_loadu_ps(wp), v_ = _mm512_loadu_ps(wp2); const float *x_ = xp; LOLCAT__MK32_TOKENS##NTOK; \
    } \
    { \
        const __m512 acc[12] = {c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11}; \
        const __m512 acc2[12] = {d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, d10, d11}; \
        lc__mk_store_avx512(acc, Y, ldy, (__mmask16)0xFFFFu, nt, alpha, init); \
        lc__mk_store_avx512(acc2, Y + 16, ldy, (__mmask16)((1u << (nr - 16)) - 1u), nt, alpha, init); \
    } \
}
LOLCAT__MK32_KERNEL(lc__mk32x12_packed_avx512, 12)
LOLCAT__MK32_KERNEL(lc__mk32x8_packed_avx512, 8)
LOLCAT__MK32_KERNEL(lc__mk32x4_packed_avx512, 4)
#undef LOLCAT__MK32_KERNEL
#undef LOLCAT__MK32_TOKENS12
#undef LOLCAT__MK32_TOKENS8
#undef LOLCAT__MK32_TOKENS4
#undef LOLCAT__MK32_TOKEN
/* Attention's small products on 512-bit vectors: lc__mk16x6_avx2's contract for a full block
   of 12 tokens, activations at any strides. Tokens 6-11 are addressed from a second pointer
   with the same five offsets as tokens 1-5, so the loop needs no more index registers than
   the 6-token kernel. */
static LOLCAT__NOINLINE void lc__mk16x12_avx512(const float *wp, int ldw, const float *x, ptrdiff_t xt, ptrdiff_t xk, int kc,
                                                 float *Y, int ldy, int nr, float alpha, int init) {
    __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    __m512 c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
    const ptrdiff_t o1 = xt, o2 = 2 * xt, o3 = 3 * xt, o4 = 4 * xt, o5 = 5 * xt;
    const float *x6 = x + 6 * xt;
    int k;
    for (k = 0; k < kc; k++, wp += ldw, x += xk, x6 += xk) {
        const __m512 w = _mm512_loadu_ps(wp);
        c0 = _mm512_fmadd_ps(w, _mm512_set1_ps(x[0]), c0);    c6 = _mm512_fmadd_ps(w, _mm512_set1_ps(x6[0]), c6);
        c1 = _mm512_fmadd_ps(w, _mm512_set1_ps(x[o1]), c1);   c7 = _mm512_fmadd_ps(w, _mm512_set1_ps(x6[o1]), c7);
        c2 = _mm512_fmadd_ps(w, _mm512_set1_ps(x[o2]), c2);   c8 = _mm512_fmadd_ps(w, _mm512_set1_ps(x6[o2]), c8);
        c3 = _mm512_fmadd_ps(w, _mm512_set1_ps(x[o3]), c3);   c9 = _mm512_fmadd_ps(w, _mm512_set1_ps(x6[o3]), c9);
        c4 = _mm512_fmadd_ps(w, _mm512_set1_ps(x[o4]), c4);   c10 = _mm512_fmadd_ps(w, _mm512_set1_ps(x6[o4]), c10);
        c5 = _mm512_fmadd_ps(w, _mm512_set1_ps(x[o5]), c5);   c11 = _mm512_fmadd_ps(w, _mm512_set1_ps(x6[o5]), c11);
    }
    {
        const __m512 acc[12] = {c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11};
        lc__mk_store_avx512(acc, Y, ldy, (__mmask16)((1u << nr) - 1u), 12, alpha, init);
    }
}
/* The 32-row kernel for a block of nt tokens. */
static void lc__mk32_packed_avx512(const float *wp, const float *wp2, const float *xp, int kc, float *Y, int ldy, int nr, int nt,
                                   float alpha, int init) {
    if (nt <= 4) lc__mk32x4_packed_avx512(wp, wp2, xp, kc, Y, ldy, nr, nt, alpha, init);
    else if (nt <= 8) lc__mk32x8_packed_avx512(wp, wp2, xp, kc, Y, ldy, nr, nt, alpha, init);
    else lc__mk32x12_packed_avx512(wp, wp2, xp, kc, Y, ldy, nr, nt, alpha, init);
}
#if LOLCAT__AVX512_INT8 || LOLCAT__AVX512_BF16
static int32_t lc__load_i32(const void *p) { int32_t v; memcpy(&v, p, 4); return v; }
#define LOLCAT__EACH12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
/* dst[64 g + 4 i ..] = dword g of src[i] ^ flip, for 16 rows of 32 bytes (8 dwords): rows i
   and i + 8 share a register, and the classic 8 x 8 transpose runs on both halves at once. */
static void lc__transpose16x8_avx512(const unsigned char *const *src, unsigned char *dst, __m512i flip) {
    const __m512i lo = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13), hi = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    __m512i z[8], u[8], v[8];
    int i;
    for (i = 0; i < 8; i++)
        z[i] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(const void *)src[i])),
                                  _mm256_loadu_si256((const __m256i *)(const void *)src[i + 8]), 1);
    for (i = 0; i < 8; i += 2) {
        u[i] = _mm512_unpacklo_epi32(z[i], z[i + 1]);
        u[i + 1] = _mm512_unpackhi_epi32(z[i], z[i + 1]);
    }
    for (i = 0; i < 8; i += 4) {
        v[i] = _mm512_unpacklo_epi64(u[i], u[i + 2]);
        v[i + 1] = _mm512_unpackhi_epi64(u[i], u[i + 2]);
        v[i + 2] = _mm512_unpacklo_epi64(u[i + 1], u[i + 3]);
        v[i + 3] = _mm512_unpackhi_epi64(u[i + 1], u[i + 3]);
    }
    /* v[0..3] hold dwords 0-3 of rows 0-3 (and 8-11), v[4..7] of rows 4-7 (and 12-15), a
       128-bit lane per group of 4 dwords: group g sits in v[g % 4] (rows 0-3) and v[4 + g % 4] */
    for (i = 0; i < 4; i++) {
        _mm512_storeu_si512((void *)(dst + 64 * i), _mm512_xor_si512(_mm512_permutex2var_epi64(v[i], lo, v[i + 4]), flip));
        _mm512_storeu_si512((void *)(dst + 64 * (i + 4)), _mm512_xor_si512(_mm512_permutex2var_epi64(v[i], hi, v[i + 4]), flip));
    }
}
#endif
#if LOLCAT__AVX512_BF16
/* Prefill of BF16 weights on dpbf16ps: 32 products of bf16 pairs per instruction, summed in
   fp32, twice the float kernel's 16 FMAs. The activations are rounded to bf16 (to nearest
   even), in decode too (lc__matmul_thread), so a chunk computes what decoding computes.
   Packed activations, per block of 12 tokens: for each pair of inputs, the 12 tokens' pairs
   side by side (one dword each; an odd n_in's last pair ends in 0). */
/* lc__f32_to_bf16 on 16 finite values: x + 0x7fff + (bit 16 of x), of which the top half counts. */
static __m512i lc__round_bf16_bits_avx512(const float *x) {
    const __m512i b = _mm512_castps_si512(_mm512_loadu_ps(x));
    return _mm512_add_epi32(b, _mm512_add_epi32(_mm512_set1_epi32(0x7fff), _mm512_and_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(1))));
}
static void lc__round_bf16_avx512(const float *x, uint16_t *out, int n) {
    int i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i *)(void *)(out + i), _mm512_cvtepi32_epi16(_mm512_srli_epi32(lc__round_bf16_bits_avx512(x + i), 16)));
    for (; i < n; i++) out[i] = lc__f32_to_bf16(x[i]);
}
/* x rounded to bf16 and back to floats: decode's activations for BF16 weights. */
static void lc__round_bf16_f32_avx512(const float *x, float *out, int n) {
    const __m512i top = _mm512_set1_epi32((int)0xffff0000u);
    int i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_si512((void *)(out + i), _mm512_and_si512(lc__round_bf16_bits_avx512(x + i), top));
    for (; i < n; i++) out[i] = lc__bf16_to_f32(lc__f32_to_bf16(x[i]));
}
/* One token block (rows X + j * ldx, j < nt) into its records; slots past nt are zero. */
static void lc__pack_xb_avx512(const float *X, int ldx, int nt, int K, uint16_t *tmp, unsigned char *rec) {
    const int np = (K + 1) / 2;
    int t, p;
    memset(rec, 0, (size_t)np * 12 * 4);
    for (t = 0; t < nt; t++) {
        lc__round_bf16_avx512(X + (size_t)t * ldx, tmp, K);
        if (K & 1) tmp[K] = 0;
        for (p = 0; p < np; p++) memcpy(rec + ((size_t)p * 12 + t) * 4, tmp + 2 * p, 4);
    }
}
/* Rows [r, r + np) (np <= 16) of a BF16 matrix as a 16-row panel of pairs: for input pair p,
   64 bytes at wb + 64 p, the pair of each of the 16 rows. Rows past np repeat row np-1;
   16 inputs at a time through the 16 x 8 dword transpose, the last n_in % 16 one by one. */
static void lc__pack_wb_avx512(const lc__mat *W, int r, int np, unsigned char *wb) {
    const int K = W->n_in, full = K / 16 * 16;
    const unsigned char *row[16];
    int k, i;
    for (i = 0; i < 16; i++) row[i] = W->data + (size_t)(r + LOLCAT__MIN(i, np - 1)) * W->row_bytes;
    for (k = 0; k < full; k += 16) {
        const unsigned char *src[16];
        for (i = 0; i < 16; i++) src[i] = row[i] + 2 * (size_t)k;
        lc__transpose16x8_avx512(src, wb + (size_t)k * 32, _mm512_setzero_si512());
    }
    for (; k < K; k += 2)
        for (i = 0; i < 16; i++) {
            uint16_t pair[2];
            pair[0] = lc__read_u16(row[i] + 2 * (size_t)k);
            pair[1] = k + 1 < K ? lc__read_u16(row[i] + 2 * (size_t)k + 2) : 0;
            memcpy(wb + (size_t)k * 32 + 4 * i, pair, 4);
        }
}
/* Y[j][0..nr) (=|+=) alpha * sum_p wb[p] . xb[p][j] for j < nt: a 16-row panel of bf16 pairs
   against 12 tokens, 12 fp32 accumulators, each token's pair broadcast from memory. */
static LOLCAT__NOINLINE void lc__mk16x12_bf16_avx512(const unsigned char *wb, const unsigned char *xb, int n_pairs,
                                                      float *Y, int ldy, int nr, int nt, float alpha, int init) {
#define LOLCAT__XB_DECL(j) __m512 f##j = _mm512_setzero_ps();
    LOLCAT__EACH12(LOLCAT__XB_DECL)
#undef LOLCAT__XB_DECL
    int p;
    for (p = 0; p < n_pairs; p++, wb += 64, xb += 48) {
        const __m512bh w = (__m512bh)_mm512_loadu_si512((const void *)wb);
#define LOLCAT__XB_DOT(j) f##j = _mm512_dpbf16_ps(f##j, w, (__m512bh)_mm512_set1_epi32(lc__load_i32(xb + 4 * (j))));
        LOLCAT__EACH12(LOLCAT__XB_DOT)
#undef LOLCAT__XB_DOT
    }
    {
        const __m512 acc[12] = {f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11};
        lc__mk_store_avx512(acc, Y, ldy, (__mmask16)((1u << nr) - 1u), nt, alpha, init);
    }
}
#endif /* LOLCAT__AVX512_BF16 */
#if LOLCAT__AVX512_INT8
/* Prefill of Q8_0/Q4_0 weights on int8 (VNNI): each 32-value block's dot is summed exactly
   in int32, as decode does, then scaled by d_w * d_x, so prefill computes what decode does.
   dpbusd multiplies unsigned by signed bytes, so the weights are packed offset by 128 (q ^ 0x80)
   and each block's sum starts at -128 * sum(x_q), which cancels the offset exactly. On Zen 5
   the product runs 2.7-2.8x as fast as dequantizing to floats for the float kernel.
   Packed activations, per block of LOLCAT__PACK_NT = 12 tokens and per 32-value block: the
   8 groups of 4 bytes of each token (group-major, 12 tokens side by side), the 12 scales
   d_x, then the 12 offsets -128 * sum(x_q). */
#define LOLCAT__XQ_REC (8 * 12 * 4 + 12 * 4 + 12 * 4)
/* One token block's activations (x_j rows quantized already: xq + j * K, xd + j * K/32) into
   its records; slots past nt repeat token nt-1 with scale 0. */
static void lc__pack_xq_avx512(const signed char *xq, const float *xd, int nt, int K, unsigned char *rec) {
    const int nb = K / LOLCAT__QK;
    int b, g, t, j;
    for (b = 0; b < nb; b++, rec += LOLCAT__XQ_REC) {
        float *d = (float *)(void *)(rec + 8 * 12 * 4);
        int32_t *off = (int32_t *)(void *)(rec + 8 * 12 * 4 + 12 * 4);
        for (t = 0; t < 12; t++) {
            const signed char *q = xq + (size_t)LOLCAT__MIN(t, nt - 1) * K + (size_t)b * LOLCAT__QK;
            int32_t sum = 0;
            for (g = 0; g < 8; g++) memcpy(rec + (g * 12 + t) * 4, q + 4 * g, 4);
            for (j = 0; j < LOLCAT__QK; j++) sum += q[j];
            d[t] = t < nt ? xd[(size_t)t * nb + b] : 0.0f;
            off[t] = -128 * sum;
        }
    }
}
/* Rows [r, r + np) (np <= 16) of a Q8_0/Q4_0 matrix, all K inputs, as a 16-row int8 panel:
   per block, 8 groups of 64 bytes (4 bytes of each of the 16 rows, offset by 128), and the
   16 rows' scales in wd. Rows past np repeat row np-1. */
static void lc__pack_wq_avx512(const lc__mat *W, int r, int np, unsigned char *wq, float *wd) {
    const int nb = W->n_in / LOLCAT__QK;
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    const unsigned char *row[16];
    unsigned char q4[16][LOLCAT__QK];
    int b, i;
    for (i = 0; i < 16; i++) row[i] = W->data + (size_t)(r + LOLCAT__MIN(i, np - 1)) * W->row_bytes;
    for (b = 0; b < nb; b++, wq += 8 * 64, wd += 16) {
        const unsigned char *q[16];
        uint16_t h[16];
        if (W->type == LOLCAT_TYPE_Q8_0) {
            for (i = 0; i < 16; i++) {
                const unsigned char *blk = row[i] + (size_t)b * LOLCAT__Q8_0_BYTES;
                h[i] = lc__read_u16(blk);
                q[i] = blk + 2;
            }
        } else {   /* Q4_0: low nibbles are values 0-15, high nibbles 16-31, each minus 8 */
            const __m128i mask = _mm_set1_epi8(15), eight = _mm_set1_epi8(8);
            for (i = 0; i < 16; i++) {
                const unsigned char *blk = row[i] + (size_t)b * LOLCAT__Q4_0_BYTES;
                const __m128i n = _mm_loadu_si128((const __m128i *)(const void *)(blk + 2));
                h[i] = lc__read_u16(blk);
                _mm_storeu_si128((__m128i *)(void *)q4[i], _mm_sub_epi8(_mm_and_si128(n, mask), eight));
                _mm_storeu_si128((__m128i *)(void *)(q4[i] + 16), _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(n, 4), mask), eight));
                q[i] = q4[i];
            }
        }
        _mm512_storeu_ps(wd, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)h)));   /* exact, as lc__f16_to_f32 */
        lc__transpose16x8_avx512(q, wq, flip);
    }
}
/* Y[j][0..nr) (=|+=) alpha * sum_b wd[b] * xd[b][j] * (int dot of block b) for j < nt: the
   16-row int8 panel against a block of 12 tokens, nb blocks. 12 int32 accumulators take the
   block's 8 dpbusd (activations broadcast from memory inside each), then 12 float ones the
   scaled block sums. */
static LOLCAT__NOINLINE void lc__mk16x12_q8_avx512(const unsigned char *wq, const float *wd, const unsigned char *xq, int nb,
                                                    float *Y, int ldy, int nr, int nt, float alpha, int init) {
#define LOLCAT__XQ_DECL(j) __m512 f##j = _mm512_setzero_ps();
    LOLCAT__EACH12(LOLCAT__XQ_DECL)
#undef LOLCAT__XQ_DECL
    int b, g;
    for (b = 0; b < nb; b++, wq += 8 * 64, wd += 16, xq += LOLCAT__XQ_REC) {
        const float *xd = (const float *)(const void *)(xq + 8 * 12 * 4);
        const int32_t *off = (const int32_t *)(const void *)(xq + 8 * 12 * 4 + 12 * 4);
        __m512 d;
#define LOLCAT__XQ_INIT(j) __m512i i##j = _mm512_set1_epi32(off[j]);
        LOLCAT__EACH12(LOLCAT__XQ_INIT)
#undef LOLCAT__XQ_INIT
        for (g = 0; g < 8; g++) {
            const __m512i w = _mm512_loadu_si512((const void *)(wq + 64 * g));
            const unsigned char *x = xq + 48 * g;
#define LOLCAT__XQ_DOT(j) i##j = _mm512_dpbusd_epi32(i##j, w, _mm512_set1_epi32(lc__load_i32(x + 4 * (j))));
            LOLCAT__EACH12(LOLCAT__XQ_DOT)
#undef LOLCAT__XQ_DOT
        }
        d = _mm512_loadu_ps(wd);
#define LOLCAT__XQ_ACC(j) f##j = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i##j), _mm512_mul_ps(d, _mm512_set1_ps(xd[j])), f##j);
        LOLCAT__EACH12(LOLCAT__XQ_ACC)
#undef LOLCAT__XQ_ACC
    }
    {
        const __m512 acc[12] = {f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11};
        lc__mk_store_avx512(acc, Y, ldy, (__mmask16)((1u << nr) - 1u), nt, alpha, init);
    }
}
#endif /* LOLCAT__AVX512_INT8 */
#if LOLCAT__AVX512_INT8 || LOLCAT__AVX512_BF16
#undef LOLCAT__EACH12
#endif
#endif /* LOLCAT__AVX512 */
#endif /* LOLCAT__AVX2 */

#if LOLCAT__NEON
static void lc__mk4x1_neon(int type, const unsigned char *const *w, const float *x, int n, float *out) {
    float32x4_t a[4];
    int k = 0, r;
    for (r = 0; r < 4; r++) a[r] = vdupq_n_f32(0.0f);
    if (type == LOLCAT_TYPE_F32) {
        for (; k + 4 <= n; k += 4) {
            float32x4_t v = vld1q_f32(x + k);
            for (r = 0; r < 4; r++) a[r] = vfmaq_f32(a[r], vld1q_f32((const float *)(const void *)w[r] + k), v);
        }
    } else if (type == LOLCAT_TYPE_F16) {
        for (; k + 4 <= n; k += 4) {
            float32x4_t v = vld1q_f32(x + k);
            for (r = 0; r < 4; r++) a[r] = vfmaq_f32(a[r], lc__load_f16_neon(w[r] + 2 * k), v);
        }
    } else {
        for (; k + 4 <= n; k += 4) {
            float32x4_t v = vld1q_f32(x + k);
            for (r = 0; r < 4; r++) a[r] = vfmaq_f32(a[r], lc__load_bf16_neon(w[r] + 2 * k), v);
        }
    }
    if (k < n) {
        float xt[4], wt[4];
        float32x4_t v;
        memset(xt, 0, sizeof xt);
        memcpy(xt, x + k, (size_t)(n - k) * sizeof(float));
        v = vld1q_f32(xt);
        for (r = 0; r < 4; r++) {
            memset(wt, 0, sizeof wt);
            lc__dequant_row_ref(type, w[r] + lc__row_offset(type, k), wt, n - k);
            a[r] = vfmaq_f32(a[r], vld1q_f32(wt), v);
        }
    }
    for (r = 0; r < 4; r++) out[r] = vaddvq_f32(a[r]);
}
/* 16 rows (4 vectors) x 6 tokens: 24 accumulators, activations used by lane. */
static LOLCAT__NOINLINE void lc__mk16x6_neon(const float *wp, int ldw, const float *x, ptrdiff_t xt, ptrdiff_t xk, int kc,
                                             float *Y, int ldy, int nr, int nt, float alpha, int init) {
    float32x4_t c[4][6];
    float tmp[LOLCAT__MR];
    ptrdiff_t o[6];
    int k, i, j;
    for (i = 0; i < 4; i++) for (j = 0; j < 6; j++) c[i][j] = vdupq_n_f32(0.0f);
    for (j = 0; j < 6; j++) o[j] = LOLCAT__MIN(j, nt - 1) * xt;
    for (k = 0; k < kc; k++, wp += ldw, x += xk) {
        float32x4_t x0;
        float32x2_t x1;
        if (xt == 1 && nt == LOLCAT__NR) { x0 = vld1q_f32(x); x1 = vld1_f32(x + 4); }   /* 6 adjacent tokens */
        else {
            x0 = vsetq_lane_f32(x[o[3]], vsetq_lane_f32(x[o[2]], vsetq_lane_f32(x[o[1]], vdupq_n_f32(x[0]), 1), 2), 3);
            x1 = vset_lane_f32(x[o[5]], vdup_n_f32(x[o[4]]), 1);
        }
        for (i = 0; i < 4; i++) {
            float32x4_t w = vld1q_f32(wp + 4 * i);
            c[i][0] = vfmaq_laneq_f32(c[i][0], w, x0, 0);
            c[i][1] = vfmaq_laneq_f32(c[i][1], w, x0, 1);
            c[i][2] = vfmaq_laneq_f32(c[i][2], w, x0, 2);
            c[i][3] = vfmaq_laneq_f32(c[i][3], w, x0, 3);
            c[i][4] = vfmaq_lane_f32(c[i][4], w, x1, 0);
            c[i][5] = vfmaq_lane_f32(c[i][5], w, x1, 1);
        }
    }
    for (j = 0; j < nt; j++) {
        float *y = Y + (size_t)j * ldy;
        for (i = 0; i < 4; i++) vst1q_f32(tmp + 4 * i, vmulq_n_f32(c[i][j], alpha));
        for (i = 0; i < nr; i++) y[i] = init ? tmp[i] : y[i] + tmp[i];
    }
}
#endif /* LOLCAT__NEON */

#if LOLCAT__SIMD
static void lc__mk4x1(int type, const unsigned char *const *w, const float *x, int n, size_t ahead, float *out) {
#if LOLCAT__AVX2
    lc__mk4x1_avx2(type, w, x, n, ahead, out);
#else
    (void)ahead;
    lc__mk4x1_neon(type, w, x, n, out);
#endif
}
static void lc__pack_w(const float *const *rows, int kc, float *wp) {
#if LOLCAT__AVX2
    lc__pack_w_avx2(rows, kc, wp);
#else
    lc__pack_w_ref(rows, kc, wp);
#endif
}
static void lc__mk16x6(const float *wp, int ldw, const float *x, ptrdiff_t xt, ptrdiff_t xk, int kc, float *Y, int ldy,
                       int nr, int nt, float alpha, int init) {
#if LOLCAT__AVX2
    lc__mk16x6_avx2(wp, ldw, x, xt, xk, kc, Y, ldy, nr, nt, alpha, init);
#else
    lc__mk16x6_neon(wp, ldw, x, xt, xk, kc, Y, ldy, nr, nt, alpha, init);
#endif
}
/* Prefill's kernel on packed operands: 16 rows x LOLCAT__PACK_NT tokens. */
static void lc__mk_packed(const float *wp, const float *xp, int kc, float *Y, int ldy, int nr, int nt, float alpha, int init) {
#if LOLCAT__AVX512
    lc__mk16x12_packed_avx512(wp, xp, kc, Y, ldy, nr, nt, alpha, init);
#elif LOLCAT__AVX2
    lc__mk16x6_packed_avx2(wp, xp, kc, Y, ldy, nr, nt, alpha, init);
#else
    lc__mk16x6_neon(wp, LOLCAT__MR, xp, 1, LOLCAT__NR, kc, Y, ldy, nr, nt, alpha, init);
#endif
}
static void lc__mm_store(float *y, float v, float alpha, int init) { *y = init ? alpha * v : *y + alpha * v; }

/* Decode reads a thread's rows [r0, r1) four at a time, row j of each quarter of the range:
   four long sequential streams, which a core reads faster than one stream or than four short
   rows side by side (`lolcat-bench --kernel-probe`). Returns the number of steps; step j sets
   the rows (clamped into the range; rows[i] >= r1 is padding) and the bytes of weights that
   may safely be read past each row (the kernels' prefetch distance, 0 near the end). */
static int lc__decode_steps(int r0, int r1) { return (r1 - r0 + 3) / 4; }
static size_t lc__decode_rows(const lc__mat *W, int r0, int r1, int j, size_t ahead, int *rows, const unsigned char **w) {
    const int q = lc__decode_steps(r0, r1);
    int i;
    for (i = 0; i < 4; i++) {
        rows[i] = r0 + i * q + j;
        w[i] = W->data + (size_t)LOLCAT__MIN(rows[i], r1 - 1) * W->row_bytes;
    }
    return rows[3] < r1 && (size_t)(W->n_out - 1 - rows[3]) * W->row_bytes >= ahead ? ahead : 0;
}
/* Decode: rows [r0, r1) of y = W x. Q8_0/Q4_0 weights take x already quantized (xq, xd);
   float types take x itself (xq = NULL). */
static void lc__matvec_rows(const lc__mat *W, const float *x, const signed char *xq, const float *xd,
                            float *y, float alpha, int accumulate, int r0, int r1) {
    const int steps = lc__decode_steps(r0, r1);
    int j, i, rows[4];
    for (j = 0; j < steps; j++) {
        const unsigned char *w[4];
        float out[4];
        if (xq) {   /* AVX2 prefetches 1 KiB ahead into L2 (T1) on top of the hardware prefetcher: Q8_0
                       decode 1-10% faster than into L1 (T0), itself the best of 0-8 KiB */
            const size_t ahead = lc__decode_rows(W, r0, r1, j, 1024, rows, w);
            lc__dot4_q_q8(W->type, w, xq, xd, W->n_in, ahead, W->q8_no_min, out);
        } else {    /* float weights into L1 (T0) 1 KiB ahead: F32 decode 13% faster on Zen 5 than
                       without (2 KiB: 10%, 4 KiB: none) */
            const size_t ahead = lc__decode_rows(W, r0, r1, j, 1024, rows, w);
            lc__mk4x1(W->type, w, x, W->n_in, ahead, out);
        }
        for (i = 0; i < 4; i++) if (rows[i] < r1) lc__mm_store(y + rows[i], out[i], alpha, !accumulate);
    }
}
/* Prefill: rows [r0, r1) of Y for T tokens whose activations are packed in xp. The rows are
   packed and multiplied LOLCAT__KS inputs at a time, so a panel pair's slice and a token
   block's activations stay in L2 together (the FFN down projection's 5632 inputs made them
   720 KB + 270 KB, about all of a 1 MB L2). While a slice computes, the next slice (or the
   next panels' first one) is prefetched towards L2, a share per token block. */
static void lc__matmul_rows(const lc__mat *W, const float *xp, int T, float *Y, int ldy, float alpha,
                            int accumulate, int r0, int r1, float *buf) {
    const int K = W->n_in, type = W->type, step = LOLCAT__PANELS * LOLCAT__MR;
    const size_t kpad = ((size_t)LOLCAT__MIN(K, LOLCAT__KS) + 15) & ~(size_t)15;
    float *wp = buf, *tmp = buf + (size_t)LOLCAT__PANELS * LOLCAT__MR * kpad;
    int r, s0, k0, t, i, p;
    for (r = r0; r < r1; r += step) {
        const int nr = LOLCAT__MIN(step, r1 - r);
        for (s0 = 0; s0 < K; s0 += LOLCAT__KS) {
            const int ks = LOLCAT__MIN(LOLCAT__KS, K - s0), init = !accumulate && s0 == 0;
            for (p = 0; p * LOLCAT__MR < nr; p++) {   /* 16-row panels, each packed a KC slice at a time */
                const int rp = r + p * LOLCAT__MR, np = LOLCAT__MIN(LOLCAT__MR, nr - p * LOLCAT__MR);
                for (k0 = s0; k0 < s0 + ks; k0 += LOLCAT__KC) {
                    const int kc = LOLCAT__MIN(LOLCAT__KC, s0 + ks - k0);
                    const float *rows[LOLCAT__MR];
                    for (i = 0; i < LOLCAT__MR; i++) {
                        const unsigned char *src = W->data + (size_t)(rp + LOLCAT__MIN(i, np - 1)) * W->row_bytes + lc__row_offset(type, k0);
                        if (i >= np) rows[i] = rows[np - 1];
                        else if (type == LOLCAT_TYPE_F32) rows[i] = (const float *)(const void *)src;
                        else { lc__dequant_row(type, src, tmp + (size_t)i * LOLCAT__KC, kc); rows[i] = tmp + (size_t)i * LOLCAT__KC; }
#if defined(__GNUC__)
                        if (i < np && k0 + LOLCAT__KC < s0 + ks) {   /* the next KC of this row, while this one is packed */
                            const char *next = (const char *)src + lc__row_offset(type, LOLCAT__KC);
                            size_t off, len = lc__row_offset(type, LOLCAT__MIN(LOLCAT__KC, s0 + ks - k0 - LOLCAT__KC));
                            for (off = 0; off < len; off += 64) __builtin_prefetch(next + off);
                        }
#endif
                    }
                    lc__pack_w(rows, kc, wp + (size_t)p * LOLCAT__MR * kpad + (size_t)(k0 - s0) * LOLCAT__MR);
                }
            }
            for (t = 0; t < T; t += LOLCAT__PACK_NT) {
                const int nt = LOLCAT__MIN(LOLCAT__PACK_NT, T - t);
                const float *xs = xp + (size_t)t * K + (size_t)s0 * LOLCAT__PACK_NT;
#if defined(__GNUC__)
                {   /* what is packed next: this panel's next slice, or the next panels' first */
                    const int more = s0 + ks < K, pr = more ? r : r + step;
                    const int n_next = more ? nr : LOLCAT__MIN(step, r1 - r - step), ka = more ? s0 + ks : 0;
                    const size_t b0 = lc__row_offset(type, ka) / 64, b1 = (lc__row_offset(type, LOLCAT__MIN(K, ka + LOLCAT__KS)) + 63) / 64;
                    const int n_blk = (T + LOLCAT__PACK_NT - 1) / LOLCAT__PACK_NT, b = t / LOLCAT__PACK_NT;
                    const size_t l0 = b0 + (b1 - b0) * b / n_blk, l1 = b0 + (b1 - b0) * (b + 1) / n_blk;
                    size_t l;
                    for (i = 0; i < n_next; i++) {
                        const char *row = (const char *)(W->data + (size_t)(pr + i) * W->row_bytes);
                        for (l = l0; l < l1; l++) __builtin_prefetch(row + 64 * l, 0, 2);
                    }
                }
#endif
#if LOLCAT__AVX512
                if (nr > LOLCAT__MR) {
                    lc__mk32_packed_avx512(wp, wp + (size_t)LOLCAT__MR * kpad, xs, ks, Y + (size_t)t * ldy + r, ldy, nr, nt, alpha, init);
                    continue;
                }
#endif
                lc__mk_packed(wp, xs, ks, Y + (size_t)t * ldy + r, ldy, nr, nt, alpha, init);
            }
        }
    }
}
#if LOLCAT__AVX512_INT8 || LOLCAT__AVX512_BF16
/* Share b of n_blk of rows [r, r + n) towards L2 (whole 64-byte lines inside each row): the
   next panel, spread over the current panel's token blocks. */
static void lc__prefetch_share(const lc__mat *W, int r, int n, int b, int n_blk) {
#if defined(__GNUC__)
    const size_t lines = (W->row_bytes + 63) / 64, l0 = lines * b / n_blk, l1 = lines * (b + 1) / n_blk;
    size_t l;
    int i;
    for (i = 0; i < n; i++) {
        const char *row = (const char *)(W->data + (size_t)(r + i) * W->row_bytes);
        for (l = l0; l < l1; l++) __builtin_prefetch(row + 64 * l, 0, 2);
    }
#else
    (void)W; (void)r; (void)n; (void)b; (void)n_blk;
#endif
}
#endif
#if LOLCAT__AVX512_INT8
/* Prefill of Q8_0/Q4_0 rows [r0, r1) on int8: each 16-row panel is packed whole (16 x n_in
   bytes and its scales: 90 KB at 5632 inputs, in L2) and run against every token block of
   the int8 activations packed in xq. While a panel computes, the next one's rows are
   prefetched towards L2, a share per token block. */
static void lc__matmul_rows_int8(const lc__mat *W, const unsigned char *xq, int T, float *Y, int ldy, float alpha,
                                 int accumulate, int r0, int r1, float *buf) {
    const int nb = W->n_in / LOLCAT__QK, n_blk = (T + LOLCAT__PACK_NT - 1) / LOLCAT__PACK_NT;
    unsigned char *wq = (unsigned char *)(void *)buf;
    float *wd = buf + (size_t)nb * 8 * 16;   /* after 16 x n_in bytes */
    int r, t;
    for (r = r0; r < r1; r += LOLCAT__MR) {
        const int np = LOLCAT__MIN(LOLCAT__MR, r1 - r), n_next = LOLCAT__MIN(LOLCAT__MR, r1 - r - np);
        lc__pack_wq_avx512(W, r, np, wq, wd);
        for (t = 0; t < T; t += LOLCAT__PACK_NT) {
            const int b = t / LOLCAT__PACK_NT;
            lc__prefetch_share(W, r + np, n_next, b, n_blk);
            lc__mk16x12_q8_avx512(wq, wd, xq + (size_t)b * nb * LOLCAT__XQ_REC, nb, Y + (size_t)t * ldy + r, ldy, np,
                                  LOLCAT__MIN(LOLCAT__PACK_NT, T - t), alpha, !accumulate);
        }
    }
}
#endif
#if LOLCAT__AVX512_BF16
/* Prefill of BF16 rows [r0, r1): each 16-row panel packed whole as bf16 pairs (16 x n_in x 2
   bytes: 180 KB at 5632 inputs, in L2) against every token block of the bf16 activations in
   xb; the next panel's rows prefetched towards L2 a share per token block, as above. */
static void lc__matmul_rows_bf16(const lc__mat *W, const unsigned char *xb, int T, float *Y, int ldy, float alpha,
                                 int accumulate, int r0, int r1, float *buf) {
    const int n_pairs = (W->n_in + 1) / 2, n_blk = (T + LOLCAT__PACK_NT - 1) / LOLCAT__PACK_NT;
    unsigned char *wb = (unsigned char *)(void *)buf;
    int r, t;
    for (r = r0; r < r1; r += LOLCAT__MR) {
        const int np = LOLCAT__MIN(LOLCAT__MR, r1 - r), n_next = LOLCAT__MIN(LOLCAT__MR, r1 - r - np);
        lc__pack_wb_avx512(W, r, np, wb);
        for (t = 0; t < T; t += LOLCAT__PACK_NT) {
            const int b = t / LOLCAT__PACK_NT;
            lc__prefetch_share(W, r + np, n_next, b, n_blk);
            lc__mk16x12_bf16_avx512(wb, xb + (size_t)b * n_pairs * 48, n_pairs, Y + (size_t)t * ldy + r, ldy, np,
                                    LOLCAT__MIN(LOLCAT__PACK_NT, T - t), alpha, !accumulate);
        }
    }
}
#endif
/* The small products of blocked attention: Y[t][r] (=|+=) alpha * sum_k A[k*lda + r] * X[t*xt + k*xk]
   for r < R, t < T, k < K (K > 0). A is input-major and read 16 columns at a time, so lda must
   be a multiple of 16 or R one. X is read in place (rows: xt = stride, xk = 1; columns of a
   row-major matrix: xt = 1, xk = stride). */
static void lc__gemm_small(const float *A, int lda, int R, int K, const float *X, ptrdiff_t xt, ptrdiff_t xk, int T,
                           float *Y, int ldy, float alpha, int accumulate) {
    int t = 0, r;
#if LOLCAT__AVX512   /* full blocks of 12 tokens on 512-bit vectors, the rest 6 at a time */
    for (; t + 12 <= T; t += 12)
        for (r = 0; r < R; r += LOLCAT__MR)
            lc__mk16x12_avx512(A + r, lda, X + t * xt, xt, xk, K, Y + (size_t)t * ldy + r, ldy, LOLCAT__MIN(LOLCAT__MR, R - r),
                               alpha, !accumulate);
#endif
    for (; t < T; t += LOLCAT__NR)
        for (r = 0; r < R; r += LOLCAT__MR)
            lc__mk16x6(A + r, lda, X + t * xt, xt, xk, K, Y + (size_t)t * ldy + r, ldy, LOLCAT__MIN(LOLCAT__MR, R - r),
                       LOLCAT__MIN(LOLCAT__NR, T - t), alpha, !accumulate);
}

#endif /* LOLCAT__SIMD */

/* Matmuls that share their input X (q/k/v, gate/up): one parallel region, one packing of X. */
typedef struct lc__mm_job {
    const lc__mat *W;
    float         *Y;
    int            ldy, accumulate;
    float          alpha;
} lc__mm_job;

/* How a matrix's activations are rounded first, the same in decode and prefill: not at all,
   through int8 blocks (Q8_0/Q4_0 in SIMD builds), or to bf16 (BF16 with AVX-512 BF16). Jobs
   that share X must share this. */
enum { LOLCAT__ACT_F32, LOLCAT__ACT_Q8, LOLCAT__ACT_BF16 };
static int lc__mm_act_kind(const lc__mat *W) {
    if (LOLCAT__QUANT_ACT && (W->type == LOLCAT_TYPE_Q8_0 || W->type == LOLCAT_TYPE_Q4_0)) return LOLCAT__ACT_Q8;
    if (LOLCAT__AVX512_BF16 && W->type == LOLCAT_TYPE_BF16) return LOLCAT__ACT_BF16;
    return LOLCAT__ACT_F32;
}

#if LOLCAT__SIMD
/* The 16-row units [u0, u1) of the jobs' rows taken together: decode (T = 1, x itself or
   quantized in xq/xd) or prefill (T tokens packed in s->xp, buf the thread's panel). */
static void lc__matmul_units(const lc__mm_job *jobs, int n_jobs, const float *X, const signed char *xq, const float *xd,
                             int T, const lc__mm_scratch *s, float *buf, int u0, int u1) {
    int jb, base = 0;
    for (jb = 0; jb < n_jobs; jb++) {
        const lc__mm_job *J = &jobs[jb];
        const int nu = (J->W->n_out + LOLCAT__MR - 1) / LOLCAT__MR;
        const int r0 = LOLCAT__MAX(u0 - base, 0) * LOLCAT__MR, r1 = LOLCAT__MIN(LOLCAT__MIN(u1 - base, nu) * LOLCAT__MR, J->W->n_out);
        if (r0 < r1) {
            if (T == 1) lc__matvec_rows(J->W, X, xq, xd, J->Y, J->alpha, J->accumulate, r0, r1);
#if LOLCAT__AVX512_INT8
            else if (lc__mm_act_kind(J->W) == LOLCAT__ACT_Q8)
                lc__matmul_rows_int8(J->W, (const unsigned char *)(void *)s->xp, T, J->Y, J->ldy, J->alpha, J->accumulate, r0, r1, buf);
#endif
#if LOLCAT__AVX512_BF16
            else if (lc__mm_act_kind(J->W) == LOLCAT__ACT_BF16)
                lc__matmul_rows_bf16(J->W, (const unsigned char *)(void *)s->xp, T, J->Y, J->ldy, J->alpha, J->accumulate, r0, r1, buf);
#endif
            else lc__matmul_rows(J->W, s->xp, T, J->Y, J->ldy, J->alpha, J->accumulate, r0, r1, buf);
        }
        base += nu;
    }
}
/* Decode rows of a thread pair (2p, 2p + 1): their two static shares taken together, the even
   thread claiming from the front and the odd one from the back, each claim a quarter of what
   is left (at least one 16-row unit), until they meet. The pair meets wherever its slower
   thread has got to, and the last claims are a unit long, so neither waits long at the join
   (static halves left the faster thread idle for 9-12% of each product; 16 equal chunks still
   left it idle for half a chunk on average, 5-10%), while each thread reads long streams in
   order. claims[2p] and claims[2p + 1] count the units taken from the front and the back. */
#define LOLCAT__PAIR_SHARE 4
static void lc__matvec_pair(const lc__mm_job *jobs, int n_jobs, const float *X, const signed char *xq, const float *xd,
                            int units, int *claims, int ith, int nth) {
    const int pair = ith / 2, front = !(ith & 1);
    const int pu0 = (int)((int64_t)units * (2 * pair) / nth), pu1 = (int)((int64_t)units * (2 * pair + 2) / nth);
    int *taken = claims + 2 * pair;
    for (;;) {
        int u0, n;
#if defined(_OPENMP)
#pragma omp critical(lc__pair_claim)
#endif
        {
            const int left = pu1 - pu0 - taken[0] - taken[1];
            n = LOLCAT__MIN(left, LOLCAT__MAX(1, left / LOLCAT__PAIR_SHARE));
            if (front) { u0 = pu0 + taken[0]; taken[0] += n; }
            else { taken[1] += n; u0 = pu1 - taken[1]; }
        }
        if (n <= 0) break;
        lc__matmul_units(jobs, n_jobs, X, xq, xd, 1, NULL, NULL, u0, u0 + n);
    }
}
/* Prefill units taken by the whole team in groups of LOLCAT__PREFILL_GROUP, each the next
   group not yet claimed. On this shared machine one core often runs slower than the other for
   a while; static halves then left the faster thread waiting at the join. A unit is 16 rows
   for all T tokens, so the one atomic per group is nothing beside it. Which thread computes a
   unit does not change its result. */
#define LOLCAT__PREFILL_GROUP 4
static void lc__matmul_claimed(const lc__mm_job *jobs, int n_jobs, int T, const lc__mm_scratch *s, float *buf, int units) {
    for (;;) {
        int g;
#if defined(_OPENMP)
#pragma omp atomic capture
#endif
        g = s->claims[0]++;
        if (g >= (units + LOLCAT__PREFILL_GROUP - 1) / LOLCAT__PREFILL_GROUP) break;
        lc__matmul_units(jobs, n_jobs, NULL, NULL, NULL, T, s, buf, g * LOLCAT__PREFILL_GROUP,
                         LOLCAT__MIN(units, (g + 1) * LOLCAT__PREFILL_GROUP));
    }
}
/* One thread's share (ith of nth; called by every thread of a team): rows are split in
   16-row units over the jobs' rows taken together. */
static void lc__matmul_thread(const lc__mm_job *jobs, int n_jobs, const float *X, int ldx, int T,
                              const lc__mm_scratch *s, int ith, int nth) {
    const int K = jobs[0].W->n_in, act = lc__mm_act_kind(jobs[0].W), quant = act == LOLCAT__ACT_Q8;
    float *buf = s->rowbuf + (size_t)ith * s->rowbuf_stride, *xd = NULL;
    signed char *xq = NULL;
    int units = 0, u0, u1, jb, t, j;
    for (jb = 0; jb < n_jobs; jb++) units += (jobs[jb].W->n_out + LOLCAT__MR - 1) / LOLCAT__MR;
    u0 = (int)((int64_t)units * ith / nth);
    u1 = (int)((int64_t)units * (ith + 1) / nth);
    if (T == 1 && quant) {   /* each thread quantizes x for itself: no barrier on the decode path */
        xq = (signed char *)(void *)buf;
        xd = buf + K / 4 + 16;
        lc__quantize_act(X, xq, xd, K);
    }
#if LOLCAT__AVX512_BF16
    if (T == 1 && act == LOLCAT__ACT_BF16) {   /* each thread rounds x for itself, as for int8 */
        lc__round_bf16_f32_avx512(X, buf, K);
        X = buf;
    }
#endif
    if (T == 1) {
        if (s->claims && ith < nth / 2 * 2) lc__matvec_pair(jobs, n_jobs, X, xq, xd, units, s->claims, ith, nth);
        else lc__matmul_units(jobs, n_jobs, X, xq, xd, 1, s, buf, u0, u1);   /* one thread, or an odd one out: its static share */
        return;
    }
    for (t = ith * LOLCAT__PACK_NT; t < T; t += nth * LOLCAT__PACK_NT) {   /* prefill: pack the activations, in the form lc__mm_act_kind says */
        const float *x[LOLCAT__PACK_NT];
        const int nt = LOLCAT__MIN(LOLCAT__PACK_NT, T - t);
#if LOLCAT__AVX512_INT8
        if (quant) {   /* int8 records for the int8 kernel (lc__pack_xq_avx512) */
            signed char *q = (signed char *)(void *)buf;
            float *d = buf + (size_t)LOLCAT__PACK_NT * K / 4;
            for (j = 0; j < nt; j++) lc__quantize_act(X + (size_t)(t + j) * ldx, q + (size_t)j * K, d + (size_t)j * (K / LOLCAT__QK), K);
            lc__pack_xq_avx512(q, d, nt, K, (unsigned char *)(void *)s->xp + (size_t)(t / LOLCAT__PACK_NT) * (K / LOLCAT__QK) * LOLCAT__XQ_REC);
            continue;
        }
#endif
#if LOLCAT__AVX512_BF16
        if (act == LOLCAT__ACT_BF16) {   /* bf16 pairs for the bf16 kernel (lc__pack_xb_avx512) */
            lc__pack_xb_avx512(X + (size_t)t * ldx, ldx, nt, K, (uint16_t *)(void *)buf,
                               (unsigned char *)(void *)s->xp + (size_t)(t / LOLCAT__PACK_NT) * ((K + 1) / 2) * 48);
            continue;
        }
#endif
        for (j = 0; j < nt; j++) {
            x[j] = X + (size_t)(t + j) * ldx;
            if (quant) { lc__round_act(x[j], buf + (size_t)j * K, K); x[j] = buf + (size_t)j * K; }
        }
        lc__pack_x(x, nt, K, s->xp + (size_t)t * K);
    }
#if defined(_OPENMP)
#pragma omp barrier
#endif
    if (s->claims && nth > 1) lc__matmul_claimed(jobs, n_jobs, T, s, buf, units);
    else lc__matmul_units(jobs, n_jobs, X, xq, xd, T, s, buf, u0, u1);
}
#endif /* LOLCAT__SIMD */

/* Runs jobs that share X (same n_in and the same activation rounding) on up to n_threads.
   Small products stay on one thread: a fork/join costs more than they do. */
static void lc__matmul_jobs(const lc__mm_job *jobs, int n_jobs, const float *X, int ldx, int T,
                            const lc__mm_scratch *s, int n_threads) {
#if LOLCAT__SIMD
    int64_t work = 0;
    int units = 0, jb, nt = n_threads;
    for (jb = 0; jb < n_jobs; jb++) {
        work += (int64_t)jobs[jb].W->n_out * jobs[jb].W->n_in * T;
        units += (jobs[jb].W->n_out + LOLCAT__MR - 1) / LOLCAT__MR;
    }
    if (work < 65536) nt = 1;
    nt = LOLCAT__MAX(1, LOLCAT__MIN(nt, units));
    if (nt > 1 && s->claims) memset(s->claims, 0, (size_t)(nt / 2) * 2 * sizeof(int));
#if defined(_OPENMP)
#pragma omp parallel num_threads(nt) if (nt > 1)
    lc__matmul_thread(jobs, n_jobs, X, ldx, T, s, omp_get_thread_num(), omp_get_num_threads());
#else
    (void)nt;
    lc__matmul_thread(jobs, n_jobs, X, ldx, T, s, 0, 1);
#endif
#else
    int jb;
    for (jb = 0; jb < n_jobs; jb++)
        lc__matmul_ref(jobs[jb].W, X, ldx, T, jobs[jb].Y, jobs[jb].ldy, jobs[jb].alpha, jobs[jb].accumulate, s->rowbuf, s->rowbuf_stride, n_threads);
#endif
}
static void lc__matmul(const lc__mat *W, const float *X, int ldx, int T, float *Y, int ldy,
                       float alpha, int accumulate, const lc__mm_scratch *s, int n_threads) {
    lc__mm_job job;
    job.W = W; job.Y = Y; job.ldy = ldy; job.accumulate = accumulate; job.alpha = alpha;
    lc__matmul_jobs(&job, 1, X, ldx, T, s, n_threads);
}

/* ===== @@K_NORM ===== */
static LOLCAT__MAYBE_UNUSED void lc__rmsnorm_ref(float *y, const float *x, const float *w, int n, float eps) {
    double ss = 0.0;
    float scale;
    int i;
    for (i = 0; i < n; i++) ss += (double)x[i] * x[i];
    scale = (float)(1.0 / sqrt(ss / n + eps));
    for (i = 0; i < n; i++) y[i] = x[i] * scale * w[i];
}
/* y += a * x */
static LOLCAT__MAYBE_UNUSED void lc__axpy_ref(float *y, float a, const float *x, int n) {
    int i;
    for (i = 0; i < n; i++) y[i] += a * x[i];
}
static float lc__silu(float x) { return x / (1.0f + expf(-x)); }
/* g = silu(g) * u, the SwiGLU gate */
static LOLCAT__MAYBE_UNUSED void lc__silu_mul_ref(float *g, const float *u, int n) {
    int i;
    for (i = 0; i < n; i++) g[i] = lc__silu(g[i]) * u[i];
}
/* x[i] = exp(x[i] - shift); returns the sum (the window softmax's weights) */
static LOLCAT__MAYBE_UNUSED float lc__exp_shift_sum_ref(float *x, int n, float shift) {
    float sum = 0.0f;
    int i;
    for (i = 0; i < n; i++) { x[i] = expf(x[i] - shift); sum += x[i]; }
    return sum;
}

#if LOLCAT__AVX2
/* exp with a degree-5 minimax polynomial on [-ln2/2, ln2/2] (Cephes' expf coefficients):
   within 2 ulp of expf for x in [-87, 88]; below -88 it returns 0, above 88 it saturates. */
static __m256 lc__exp_avx2(__m256 x) {
    __m256 n, r, p;
    __m256i e;
    x = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(88.0f)), _mm256_set1_ps(-88.0f));
    n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);   /* 2^n; n = -127 gives 0 */
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}
static void lc__rmsnorm_avx2(float *y, const float *x, const float *w, int n, float eps) {
    __m256d s0 = _mm256_setzero_pd(), s1 = s0;
    double ss;
    __m128d h;
    float scale;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v)), hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
        s0 = _mm256_fmadd_pd(lo, lo, s0);
        s1 = _mm256_fmadd_pd(hi, hi, s1);
    }
    s0 = _mm256_add_pd(s0, s1);
    h = _mm_add_pd(_mm256_castpd256_pd128(s0), _mm256_extractf128_pd(s0, 1));
    ss = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
    for (; i < n; i++) ss += (double)x[i] * x[i];
    scale = (float)(1.0 / sqrt(ss / n + eps));
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(scale)), _mm256_loadu_ps(w + i)));
    for (; i < n; i++) y[i] = x[i] * scale * w[i];
}
static void lc__axpy_avx2(float *y, float a, const float *x, int n) {
    const __m256 va = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
        _mm256_storeu_ps(y + i + 8, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8)));
    }
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}
static void lc__silu_mul_avx2(float *g, const float *u, int n) {
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(g + i);
        __m256 s = _mm256_div_ps(v, _mm256_add_ps(one, lc__exp_avx2(_mm256_xor_ps(v, sign))));
        _mm256_storeu_ps(g + i, _mm256_mul_ps(s, _mm256_loadu_ps(u + i)));
    }
    for (; i < n; i++) g[i] = lc__silu(g[i]) * u[i];
}
static float lc__exp_shift_sum_avx2(float *x, int n, float shift) {
    const __m256 sh = _mm256_set1_ps(shift);
    __m256 acc = _mm256_setzero_ps();
    float sum;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = lc__exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i), sh));
        _mm256_storeu_ps(x + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    sum = lc__hsum_avx2(acc);
    for (; i < n; i++) { x[i] = expf(x[i] - shift); sum += x[i]; }
    return sum;
}
#endif /* LOLCAT__AVX2 */

#if LOLCAT__NEON
static float32x4_t lc__exp_neon(float32x4_t x) {   /* as lc__exp_avx2 */
    float32x4_t n, r, p;
    int32x4_t e;
    x = vmaxq_f32(vminq_f32(x, vdupq_n_f32(88.0f)), vdupq_n_f32(-88.0f));
    n = vrndnq_f32(vmulq_n_f32(x, 1.44269504088896341f));
    r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
    r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
    p = vdupq_n_f32(1.9875691500e-4f);
    p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
    p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
    p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
    p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
    p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), p, vmulq_f32(r, r));
    e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
    return vmulq_f32(p, vreinterpretq_f32_s32(e));
}
static void lc__rmsnorm_neon(float *y, const float *x, const float *w, int n, float eps) {
    float64x2_t s0 = vdupq_n_f64(0.0), s1 = s0;
    double ss;
    float scale;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t v = vld1q_f32(x + i);
        float64x2_t lo = vcvt_f64_f32(vget_low_f32(v)), hi = vcvt_high_f64_f32(v);
        s0 = vfmaq_f64(s0, lo, lo);
        s1 = vfmaq_f64(s1, hi, hi);
    }
    ss = vaddvq_f64(vaddq_f64(s0, s1));
    for (; i < n; i++) ss += (double)x[i] * x[i];
    scale = (float)(1.0 / sqrt(ss / n + eps));
    for (i = 0; i + 4 <= n; i += 4) vst1q_f32(y + i, vmulq_f32(vmulq_n_f32(vld1q_f32(x + i), scale), vld1q_f32(w + i)));
    for (; i < n; i++) y[i] = x[i] * scale * w[i];
}
static void lc__axpy_neon(float *y, float a, const float *x, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vld1q_f32(x + i), a));
        vst1q_f32(y + i + 4, vfmaq_n_f32(vld1q_f32(y + i + 4), vld1q_f32(x + i + 4), a));
    }
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vld1q_f32(x + i), a));
    for (; i < n; i++) y[i] += a * x[i];
}
static void lc__silu_mul_neon(float *g, const float *u, int n) {
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t v = vld1q_f32(g + i);
        float32x4_t s = vdivq_f32(v, vaddq_f32(vdupq_n_f32(1.0f), lc__exp_neon(vnegq_f32(v))));
        vst1q_f32(g + i, vmulq_f32(s, vld1q_f32(u + i)));
    }
    for (; i < n; i++) g[i] = lc__silu(g[i]) * u[i];
}
static float lc__exp_shift_sum_neon(float *x, int n, float shift) {
    float32x4_t acc = vdupq_n_f32(0.0f);
    float sum;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t e = lc__exp_neon(vsubq_f32(vld1q_f32(x + i), vdupq_n_f32(shift)));
        vst1q_f32(x + i, e);
        acc = vaddq_f32(acc, e);
    }
    sum = vaddvq_f32(acc);
    for (; i < n; i++) { x[i] = expf(x[i] - shift); sum += x[i]; }
    return sum;
}
#endif /* LOLCAT__NEON */

static void lc__rmsnorm(float *y, const float *x, const float *w, int n, float eps) {
#if LOLCAT__AVX2
    lc__rmsnorm_avx2(y, x, w, n, eps);
#elif LOLCAT__NEON
    lc__rmsnorm_neon(y, x, w, n, eps);
#else
    lc__rmsnorm_ref(y, x, w, n, eps);
#endif
}
static LOLCAT__MAYBE_UNUSED void lc__axpy(float *y, float a, const float *x, int n) {
#if LOLCAT__AVX2
    lc__axpy_avx2(y, a, x, n);
#elif LOLCAT__NEON
    lc__axpy_neon(y, a, x, n);
#else
    lc__axpy_ref(y, a, x, n);
#endif
}
static void lc__silu_mul(float *g, const float *u, int n) {
#if LOLCAT__AVX2
    lc__silu_mul_avx2(g, u, n);
#elif LOLCAT__NEON
    lc__silu_mul_neon(g, u, n);
#else
    lc__silu_mul_ref(g, u, n);
#endif
}
static float lc__exp_shift_sum(float *x, int n, float shift) {
#if LOLCAT__AVX2
    return lc__exp_shift_sum_avx2(x, n, shift);
#elif LOLCAT__NEON
    return lc__exp_shift_sum_neon(x, n, shift);
#else
    return lc__exp_shift_sum_ref(x, n, shift);
#endif
}

/* ===== @@K_ROPE ===== */
/* Rotates adjacent pairs (x[2i], x[2i+1]) by the angles whose cos/sin are in cs[2i], cs[2i+1]:
   llama.cpp's "normal" RoPE. GGUF files hold Q/K rows in that order (docs/gguf-schema.md).
   A few hundred values per token: no SIMD variant needed. */
static LOLCAT__MAYBE_UNUSED void lc__rope_ref(float *x, const float *cs, int n_rot) {
    int i;
    for (i = 0; i < n_rot; i += 2) {
        float c = cs[i], s = cs[i + 1], x0 = x[i], x1 = x[i + 1];
        x[i] = x0 * c - x1 * s;
        x[i + 1] = x0 * s + x1 * c;
    }
}
static void lc__rope(float *x, const float *cs, int n_rot) { lc__rope_ref(x, cs, n_rot); }

/* ===== @@K_FMAP ===== */
/* Feature maps of linear attention, for one head vector x of size d. W is that head's
   d x F matrix (row-major, torch (H, D, F) layout); out receives n_feat values, each
   clamped below at eps as the reference does. */
static LOLCAT__MAYBE_UNUSED void lc__softmax_into_ref(float *out, const float *u, float sign, int n, float eps) {
    float m = -INFINITY, sum = 0.0f;
    int i;
    for (i = 0; i < n; i++) m = LOLCAT__MAX(m, sign * u[i]);
    for (i = 0; i < n; i++) { out[i] = expf(sign * u[i] - m); sum += out[i]; }
    for (i = 0; i < n; i++) out[i] = LOLCAT__MAX(out[i] / sum, eps);
}
static LOLCAT__MAYBE_UNUSED void lc__fmap_ref(lc_feature_map kind, const float *W, float bias, const float *x, int d, int F,
                         float eps, float *u, float *out) {
    int i;
    if (kind == LOLCAT_FMAP_ELU) {
        for (i = 0; i < d; i++) out[i] = LOLCAT__MAX(x[i] > 0.0f ? x[i] + 1.0f : expf(x[i]), eps);
        return;
    }
    memset(u, 0, (size_t)F * sizeof(float));
    for (i = 0; i < d; i++) lc__axpy_ref(u, x[i], W + (size_t)i * F, F);   /* u = x W */
    switch (kind) {
    case LOLCAT_FMAP_HEDGEHOG:
        lc__softmax_into_ref(out, u, 1.0f, F, eps);
        lc__softmax_into_ref(out + F, u, -1.0f, F, eps);
        break;
    case LOLCAT_FMAP_HEDGEHOG_HALF: lc__softmax_into_ref(out, u, 1.0f, F, eps); break;
    case LOLCAT_FMAP_T2R:
        for (i = 0; i < F; i++) out[i] = LOLCAT__MAX(u[i] + bias, eps);   /* relu, then the clamp */
        break;
    default: break;
    }
}

#if LOLCAT__SIMD
/* y[0..n) += sum_i a[i] * row_i[0..n) over m rows: row_i = rows[i], or M + i*n when rows is
   NULL (a row-major matrix). The vector-matrix product of the feature maps and the linear
   read-out, and the window's weighted values (rows in the ring). AVX2 keeps 64 (then 32)
   columns of y in registers while it walks the rows instead of loading and storing y once per
   row; the rows are added in the same order, one fused multiply-add each, as axpys would.
   64 columns read a 64-wide S row whole, so decode's state read-out is one sequential stream
   instead of two passes over every row. */
#if LOLCAT__AVX2
/* Columns [c, c + 32) or, if wide, [c, c + 64) of lc__rows_acc: 4 or 8 accumulators. Called
   with a constant `wide`, so each call inlines to a loop without the test. */
static inline void lc__rows_acc_avx2(float *y, const float *a, const float *const *rows, const float *M, int m, int n, int c, int wide) {
    const __m256 zero = _mm256_setzero_ps();
    __m256 y0 = _mm256_loadu_ps(y + c), y1 = _mm256_loadu_ps(y + c + 8), y2 = _mm256_loadu_ps(y + c + 16), y3 = _mm256_loadu_ps(y + c + 24);
    __m256 y4 = wide ? _mm256_loadu_ps(y + c + 32) : zero, y5 = wide ? _mm256_loadu_ps(y + c + 40) : zero;
    __m256 y6 = wide ? _mm256_loadu_ps(y + c + 48) : zero, y7 = wide ? _mm256_loadu_ps(y + c + 56) : zero;
    int i;
    for (i = 0; i < m; i++) {
        const float *row = (rows ? rows[i] : M + (size_t)i * n) + c;
        const __m256 p = _mm256_set1_ps(a[i]);
        y0 = _mm256_fmadd_ps(p, _mm256_loadu_ps(row), y0);
        y1 = _mm256_fmadd_ps(p, _mm256_loadu_ps(row + 8), y1);
        y2 = _mm256_fmadd_ps(p, _mm256_loadu_ps(row + 16), y2);
        y3 = _mm256_fmadd_ps(p, _mm256_loadu_ps(row + 24), y3);
        if (wide) {
            y4 = _mm256_fmadd_ps(p, _mm256_loadu_ps(row + 32), y4);
            y5 = _mm256_fmadd_ps(p, _mm256_loadu_ps(row + 40), y5);
            y6 = _mm256_fmadd_ps(p, _mm256_loadu_ps(row + 48), y6);
            y7 = _mm256_fmadd_ps(p, _mm256_loadu_ps(row + 56), y7);
        }
    }
    _mm256_storeu_ps(y + c, y0); _mm256_storeu_ps(y + c + 8, y1);
    _mm256_storeu_ps(y + c + 16, y2); _mm256_storeu_ps(y + c + 24, y3);
    if (wide) {
        _mm256_storeu_ps(y + c + 32, y4); _mm256_storeu_ps(y + c + 40, y5);
        _mm256_storeu_ps(y + c + 48, y6); _mm256_storeu_ps(y + c + 56, y7);
    }
}
#endif
static void lc__rows_acc(float *y, const float *a, const float *const *rows, const float *M, int m, int n) {
    int i, c = 0;
#if LOLCAT__AVX2
    for (; c + 64 <= n; c += 64) lc__rows_acc_avx2(y, a, rows, M, m, n, c, 1);
    for (; c + 32 <= n; c += 32) lc__rows_acc_avx2(y, a, rows, M, m, n, c, 0);
#endif
    if (c < n)
        for (i = 0; i < m; i++) lc__axpy(y + c, a[i], (rows ? rows[i] : M + (size_t)i * n) + c, n - c);
}
static void lc__vecmat_acc(float *y, const float *a, const float *M, int m, int n) { lc__rows_acc(y, a, NULL, M, m, n); }
/* The SIMD feature map: u = xW as one vector-matrix product, vector exp in the softmaxes.
   The max and the division are exact per element, so the vector loops give the scalar
   loops' values bit for bit (max_ps(a, eps) is eps for a nan a, as the macro is). */
static void lc__softmax_into_simd(float *out, const float *u, float sign, int n, float eps) {
    float m = -INFINITY, sum;
    int i = 0;
#if LOLCAT__AVX2
    const __m256 vs = _mm256_set1_ps(sign);
    __m256 vm = _mm256_set1_ps(-INFINITY);
    float lanes[8];
    int j;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_mul_ps(vs, _mm256_loadu_ps(u + i));
        _mm256_storeu_ps(out + i, v);
        vm = _mm256_max_ps(vm, v);
    }
    _mm256_storeu_ps(lanes, vm);
    for (j = 0; j < 8; j++) m = LOLCAT__MAX(m, lanes[j]);
#elif LOLCAT__NEON
    float32x4_t vm = vdupq_n_f32(-INFINITY);
    for (; i + 4 <= n; i += 4) {
        const float32x4_t v = vmulq_n_f32(vld1q_f32(u + i), sign);
        vst1q_f32(out + i, v);
        vm = vmaxq_f32(vm, v);
    }
    m = vmaxvq_f32(vm);
#endif
    for (; i < n; i++) { out[i] = sign * u[i]; m = LOLCAT__MAX(m, out[i]); }
    sum = lc__exp_shift_sum(out, n, m);
    i = 0;
#if LOLCAT__AVX2
    {
        const __m256 vsum = _mm256_set1_ps(sum), veps = _mm256_set1_ps(eps);
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, _mm256_max_ps(_mm256_div_ps(_mm256_loadu_ps(out + i), vsum), veps));
    }
#elif LOLCAT__NEON
    {
        const float32x4_t vsum = vdupq_n_f32(sum), veps = vdupq_n_f32(eps);
        for (; i + 4 <= n; i += 4) {
            const float32x4_t q = vdivq_f32(vld1q_f32(out + i), vsum);
            vst1q_f32(out + i, vbslq_f32(vcgtq_f32(q, veps), q, veps));   /* q > eps ? q : eps, like the macro */
        }
    }
#endif
    for (; i < n; i++) out[i] = LOLCAT__MAX(out[i] / sum, eps);
}
/* The nonlinear part, from u = xW (every kind but elu). */
static void lc__fmap_finish_simd(lc_feature_map kind, const float *u, float bias, int F, float eps, float *out) {
    int i;
    switch (kind) {
    case LOLCAT_FMAP_HEDGEHOG:
        lc__softmax_into_simd(out, u, 1.0f, F, eps);
        lc__softmax_into_simd(out + F, u, -1.0f, F, eps);
        break;
    case LOLCAT_FMAP_HEDGEHOG_HALF: lc__softmax_into_simd(out, u, 1.0f, F, eps); break;
    case LOLCAT_FMAP_T2R:
        for (i = 0; i < F; i++) out[i] = LOLCAT__MAX(u[i] + bias, eps);
        break;
    default: break;
    }
}
static void lc__fmap_simd(lc_feature_map kind, const float *W, float bias, const float *x, int d, int F,
                          float eps, float *u, float *out) {
    int i;
    if (kind == LOLCAT_FMAP_ELU) {
        for (i = 0; i < d; i++) out[i] = x[i] > 0.0f ? 0.0f : x[i];
        (void)lc__exp_shift_sum(out, d, 0.0f);   /* vector exp; the positive entries are replaced below */
        for (i = 0; i < d; i++) out[i] = LOLCAT__MAX(x[i] > 0.0f ? x[i] + 1.0f : out[i], eps);
        return;
    }
    memset(u, 0, (size_t)F * sizeof(float));
    lc__vecmat_acc(u, x, W, d, F);
    lc__fmap_finish_simd(kind, u, bias, F, eps, out);
}
#endif
static void lc__fmap(lc_feature_map kind, const float *W, float bias, const float *x, int d, int F,
                     float eps, float *u, float *out) {
#if LOLCAT__SIMD
    lc__fmap_simd(kind, W, bias, x, d, F, eps, u, out);
#else
    lc__fmap_ref(kind, W, bias, x, d, F, eps, u, out);
#endif
}

/* ===== @@K_ATTN ===== */
/* Pieces of one query head's attention: window scores, weighted value sums, and the
   linear state's update (S += phi v^T, z += phi) and read-out (phi^T S, phi . z).
   S is n_feat x dv row-major. */
static LOLCAT__MAYBE_UNUSED void lc__state_update_ref(float *S, float *z, const float *phi, const float *v, int n_feat, int dv) {
    int f;
    for (f = 0; f < n_feat; f++) {
        lc__axpy_ref(S + (size_t)f * dv, phi[f], v, dv);
        z[f] += phi[f];
    }
}
/* num += phi^T S; returns phi . z */
static LOLCAT__MAYBE_UNUSED float lc__state_read_ref(const float *S, const float *z, const float *phi, float *num, int n_feat, int dv) {
    float den = 0.0f;
    int f;
    for (f = 0; f < n_feat; f++) {
        lc__axpy_ref(num, phi[f], S + (size_t)f * dv, dv);
        den += phi[f] * z[f];
    }
    return den;
}
/* Window pieces over n key/value rows given by pointers (the rows live in a ring or cache):
   out[j] = (q . keys[j]) * scale, and num += sum_j p[j] * rows[j]. */
static LOLCAT__MAYBE_UNUSED void lc__scores_ref(const float *q, const float *const *keys, int n, int dk, float scale, float *out) {
    int j;
    for (j = 0; j < n; j++) out[j] = lc__dot_f32_ref(q, keys[j], dk) * scale;
}
static LOLCAT__MAYBE_UNUSED void lc__wsum_ref(float *num, const float *p, const float *const *rows, int n, int dv) {
    int j;
    for (j = 0; j < n; j++) lc__axpy_ref(num, p[j], rows[j], dv);
}
#if LOLCAT__SIMD
static void lc__scores_simd(const float *q, const float *const *keys, int n, int dk, float scale, float *out) {
    int j, i;
    for (j = 0; j < n; j += 4) {   /* four keys per pass: four independent accumulators */
        const unsigned char *k4[4];
        float o[4];
        for (i = 0; i < 4; i++) k4[i] = (const unsigned char *)(const void *)keys[LOLCAT__MIN(j + i, n - 1)];
        lc__mk4x1(LOLCAT_TYPE_F32, k4, q, dk, 0, o);
        for (i = 0; i < 4 && j + i < n; i++) out[j + i] = o[i] * scale;
    }
}
#endif
static void lc__scores(const float *q, const float *const *keys, int n, int dk, float scale, float *out) {
#if LOLCAT__SIMD
    lc__scores_simd(q, keys, n, dk, scale, out);
#else
    lc__scores_ref(q, keys, n, dk, scale, out);
#endif
}
static void lc__wsum(float *num, const float *p, const float *const *rows, int n, int dv) {
#if LOLCAT__SIMD
    lc__rows_acc(num, p, rows, NULL, n, dv);
#else
    lc__wsum_ref(num, p, rows, n, dv);
#endif
}

static void lc__state_update(float *S, float *z, const float *phi, const float *v, int n_feat, int dv) {
#if LOLCAT__SIMD
    int f;
    for (f = 0; f < n_feat; f++) lc__axpy(S + (size_t)f * dv, phi[f], v, dv);
    lc__axpy(z, 1.0f, phi, n_feat);
#else
    lc__state_update_ref(S, z, phi, v, n_feat, dv);
#endif
}
static float lc__state_read(const float *S, const float *z, const float *phi, float *num, int n_feat, int dv) {
#if LOLCAT__SIMD
    lc__vecmat_acc(num, phi, S, n_feat, dv);
    return lc__dot_f32(phi, z, n_feat);
#else
    return lc__state_read_ref(S, z, phi, num, n_feat, dv);
#endif
}

/* Blocked attention (prefill in SIMD builds, lc__attend_block): queries go LOLCAT__QBLOCK at a
   time through small matrix products, their softmax keys LOLCAT__KCHUNK at a time (the 79 keys
   16 queries see in a sliding LoLCATs window of 64 are one chunk), and keys enter the linear
   state LOLCAT__FBLOCK at a time. */
#define LOLCAT__QBLOCK 16
#define LOLCAT__KCHUNK 80
#define LOLCAT__FBLOCK 64

/* ===== @@GGUF ===== */
/* GGUF v2/v3: magic, version, tensor count, kv count, key/values, tensor infos, padding to
   general.alignment, tensor data. Every count, length and offset is checked against the
   bytes that remain before it is used. */
enum {
    LOLCAT__GGUF_U8 = 0, LOLCAT__GGUF_I8, LOLCAT__GGUF_U16, LOLCAT__GGUF_I16, LOLCAT__GGUF_U32,
    LOLCAT__GGUF_I32, LOLCAT__GGUF_F32, LOLCAT__GGUF_BOOL, LOLCAT__GGUF_STRING, LOLCAT__GGUF_ARRAY,
    LOLCAT__GGUF_U64, LOLCAT__GGUF_I64, LOLCAT__GGUF_F64, LOLCAT__GGUF_TYPE_COUNT
};
#define LOLCAT__GGUF_MAGIC 0x46554747u   /* "GGUF" little-endian */

typedef struct lc__kv {
    const char          *key;        /* not NUL-terminated: key_len bytes in the file */
    uint32_t             key_len;
    uint32_t             type;
    const unsigned char *val;        /* the value; for arrays the first element */
    uint32_t             arr_type;   /* arrays only */
    uint64_t             arr_n;
} lc__kv;

typedef struct lc__tensor {
    const char          *name;       /* NUL-terminated copy owned by the model */
    int                  type, n_dims;
    int64_t              ne[4];
    uint64_t             offset, n_bytes;
    const unsigned char *data;
} lc__tensor;

typedef struct lc__reader {
    const unsigned char *p;
    uint64_t             size, off;
} lc__reader;

static int lc__rd(lc__reader *r, void *out, uint64_t n) {
    if (n > r->size - r->off) return 0;
    memcpy(out, r->p + r->off, (size_t)n);
    r->off += n;
    return 1;
}
static int lc__rd_skip(lc__reader *r, uint64_t n) {
    if (n > r->size - r->off) return 0;
    r->off += n;
    return 1;
}
static int lc__rd_string(lc__reader *r, const char **s, uint64_t *len) {
    if (!lc__rd(r, len, 8) || *len > r->size - r->off || *len > LOLCAT__MAX_STRING) return 0;
    *s = (const char *)(r->p + r->off);
    r->off += *len;
    return 1;
}

static int lc__gguf_scalar_size(uint32_t t) {
    static const int sizes[LOLCAT__GGUF_TYPE_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    return t < LOLCAT__GGUF_TYPE_COUNT ? sizes[t] : 0;
}

/* Bytes per block and values per block of a tensor type; 0 if unsupported. */
static int lc__type_block(int type, int *block_values) {
    *block_values = 1;
    switch (type) {
    case LOLCAT_TYPE_F32: return 4;
    case LOLCAT_TYPE_F16: case LOLCAT_TYPE_BF16: return 2;
    case LOLCAT_TYPE_Q8_0: *block_values = LOLCAT__QK; return LOLCAT__Q8_0_BYTES;
    case LOLCAT_TYPE_Q4_0: *block_values = LOLCAT__QK; return LOLCAT__Q4_0_BYTES;
    default: return 0;
    }
}

typedef struct lc__gguf {
    lc__kv     *kv;
    uint64_t    n_kv;
    lc__tensor *tensors;
    uint64_t    n_tensors;
    char       *names;          /* storage of the tensor names */
    size_t      names_size;
    uint32_t   *kv_index;       /* open-addressing hash tables: slot -> index + 1 (0 = empty) */
    uint32_t   *tensor_index;
    uint64_t    kv_slots, tensor_slots;
    uint32_t    version, alignment;
    uint64_t    data_offset;    /* start of the tensor data section */
} lc__gguf;

/* Name lookups go through hash tables, so hostile files with a million entries cannot make
   loading quadratic. */
static uint64_t lc__hash_slots(uint64_t n) {
    uint64_t s = 16;
    while (s < 2 * n) s <<= 1;
    return s;
}
static const lc__kv *lc__gguf_find(const lc__gguf *g, const char *key) {
    size_t n = strlen(key);
    uint64_t h;
    if (!g->kv_slots) return NULL;
    for (h = lc__fnv1a(LOLCAT__FNV_INIT, key, n) & (g->kv_slots - 1); g->kv_index[h]; h = (h + 1) & (g->kv_slots - 1)) {
        const lc__kv *kv = &g->kv[g->kv_index[h] - 1];
        if (kv->key_len == n && memcmp(kv->key, key, n) == 0) return kv;
    }
    return NULL;
}
static const lc__tensor *lc__gguf_tensor(const lc__gguf *g, const char *name) {
    uint64_t h;
    if (!g->tensor_slots) return NULL;
    for (h = lc__fnv1a(LOLCAT__FNV_INIT, name, strlen(name)) & (g->tensor_slots - 1); g->tensor_index[h];
         h = (h + 1) & (g->tensor_slots - 1)) {
        const lc__tensor *t = &g->tensors[g->tensor_index[h] - 1];
        if (strcmp(t->name, name) == 0) return t;
    }
    return NULL;
}

/* Reads a scalar integer-like value of any integer type (or bool) at p. */
static int lc__gguf_int_at(uint32_t type, const unsigned char *p, int64_t *out) {
    switch (type) {
    case LOLCAT__GGUF_U8: case LOLCAT__GGUF_BOOL: *out = p[0]; return 1;
    case LOLCAT__GGUF_I8: *out = (signed char)p[0]; return 1;
    case LOLCAT__GGUF_U16: { uint16_t v; memcpy(&v, p, 2); *out = v; return 1; }
    case LOLCAT__GGUF_I16: { int16_t v; memcpy(&v, p, 2); *out = v; return 1; }
    case LOLCAT__GGUF_U32: { uint32_t v; memcpy(&v, p, 4); *out = v; return 1; }
    case LOLCAT__GGUF_I32: { int32_t v; memcpy(&v, p, 4); *out = v; return 1; }
    case LOLCAT__GGUF_U64: { uint64_t v; memcpy(&v, p, 8); if (v > (uint64_t)INT64_MAX) return 0; *out = (int64_t)v; return 1; }
    case LOLCAT__GGUF_I64: { int64_t v; memcpy(&v, p, 8); *out = v; return 1; }
    default: return 0;
    }
}
static int lc__gguf_float_at(uint32_t type, const unsigned char *p, double *out) {
    int64_t i;
    if (type == LOLCAT__GGUF_F32) { float v; memcpy(&v, p, 4); *out = v; return 1; }
    if (type == LOLCAT__GGUF_F64) { memcpy(out, p, 8); return 1; }
    if (lc__gguf_int_at(type, p, &i)) { *out = (double)i; return 1; }
    return 0;
}

static void lc__gguf_free(lc__gguf *g, const lc_allocator *a) {
    lc__free(a, g->kv, (size_t)g->n_kv * sizeof(lc__kv));
    lc__free(a, g->tensors, (size_t)g->n_tensors * sizeof(lc__tensor));
    lc__free(a, g->names, g->names_size);
    lc__free(a, g->kv_index, (size_t)g->kv_slots * sizeof(uint32_t));
    lc__free(a, g->tensor_index, (size_t)g->tensor_slots * sizeof(uint32_t));
    memset(g, 0, sizeof *g);
}

static lc_result lc__gguf_parse(lc__gguf *g, const unsigned char *data, uint64_t size, const lc_allocator *a,
                                char *err, size_t err_cap) {
    lc__reader r;
    uint32_t magic;
    uint64_t i, names_used = 0;
    const lc__kv *align_kv;
    r.p = data; r.size = size; r.off = 0;
    memset(g, 0, sizeof *g);
    if (!lc__rd(&r, &magic, 4)) { lc__set_msg(err, err_cap, "file is %llu bytes, too short for a GGUF header", (unsigned long long)size); return LOLCAT_ERR_TRUNCATED; }
    if (magic != LOLCAT__GGUF_MAGIC) { lc__set_msg(err, err_cap, "bad magic 0x%08x (expected 'GGUF')", magic); return LOLCAT_ERR_BAD_MAGIC; }
    if (!lc__rd(&r, &g->version, 4) || !lc__rd(&r, &g->n_tensors, 8) || !lc__rd(&r, &g->n_kv, 8)) {
        lc__set_msg(err, err_cap, "GGUF header truncated"); return LOLCAT_ERR_TRUNCATED;
    }
    if (g->version != 2 && g->version != 3) {
        lc__set_msg(err, err_cap, "GGUF version %u is not supported (2 and 3 are)", g->version);
        g->n_tensors = g->n_kv = 0;
        return LOLCAT_ERR_BAD_VERSION;
    }
    /* every kv takes >= 12 bytes and every tensor info >= 24: cheap sanity bounds first */
    if (g->n_kv > LOLCAT__MAX_KV || g->n_kv > size / 12 || g->n_tensors > LOLCAT__MAX_TENSORS || g->n_tensors > size / 24) {
        lc__set_msg(err, err_cap, "absurd counts: %llu tensors, %llu metadata keys in a %llu-byte file",
                    (unsigned long long)g->n_tensors, (unsigned long long)g->n_kv, (unsigned long long)size);
        g->n_tensors = g->n_kv = 0;
        return LOLCAT_ERR_CORRUPT;
    }
    g->kv = (lc__kv *)lc__zalloc(a, (size_t)g->n_kv * sizeof(lc__kv));
    g->tensors = (lc__tensor *)lc__zalloc(a, (size_t)g->n_tensors * sizeof(lc__tensor));
    g->kv_slots = lc__hash_slots(g->n_kv);
    g->tensor_slots = lc__hash_slots(g->n_tensors);
    g->kv_index = (uint32_t *)lc__zalloc(a, (size_t)g->kv_slots * sizeof(uint32_t));
    g->tensor_index = (uint32_t *)lc__zalloc(a, (size_t)g->tensor_slots * sizeof(uint32_t));
    if (!g->kv || !g->tensors || !g->kv_index || !g->tensor_index) { lc__set_msg(err, err_cap, "out of memory for GGUF tables"); return LOLCAT_ERR_OUT_OF_MEMORY; }

    for (i = 0; i < g->n_kv; i++) {
        lc__kv *kv = &g->kv[i];
        const char *key;
        uint64_t key_len, j;
        if (!lc__rd_string(&r, &key, &key_len) || !lc__rd(&r, &kv->type, 4)) {
            lc__set_msg(err, err_cap, "metadata entry %llu truncated", (unsigned long long)i); return LOLCAT_ERR_TRUNCATED;
        }
        if (key_len == 0 || key_len > LOLCAT__MAX_NAME) {
            lc__set_msg(err, err_cap, "metadata entry %llu has a key of %llu bytes", (unsigned long long)i, (unsigned long long)key_len);
            return LOLCAT_ERR_CORRUPT;
        }
        kv->key = key; kv->key_len = (uint32_t)key_len;
        {
            uint64_t h = lc__fnv1a(LOLCAT__FNV_INIT, key, (size_t)key_len) & (g->kv_slots - 1);
            for (; g->kv_index[h]; h = (h + 1) & (g->kv_slots - 1)) {
                const lc__kv *o = &g->kv[g->kv_index[h] - 1];
                if (o->key_len == kv->key_len && memcmp(o->key, key, (size_t)key_len) == 0) {
                    lc__set_msg(err, err_cap, "duplicate metadata key '%.*s'", (int)key_len, key); return LOLCAT_ERR_CORRUPT;
                }
            }
            g->kv_index[h] = (uint32_t)(i + 1);
        }
        kv->val = r.p + r.off;
        if (kv->type == LOLCAT__GGUF_STRING) {
            const char *s; uint64_t n;
            if (!lc__rd_string(&r, &s, &n)) { lc__set_msg(err, err_cap, "metadata '%.*s': string truncated or over 16 MiB", (int)key_len, key); return LOLCAT_ERR_TRUNCATED; }
        } else if (kv->type == LOLCAT__GGUF_ARRAY) {
            uint64_t bytes;
            if (!lc__rd(&r, &kv->arr_type, 4) || !lc__rd(&r, &kv->arr_n, 8)) {
                lc__set_msg(err, err_cap, "metadata '%.*s': array header truncated", (int)key_len, key); return LOLCAT_ERR_TRUNCATED;
            }
            kv->val = r.p + r.off;
            if (kv->arr_n > LOLCAT__MAX_ARRAY) {
                lc__set_msg(err, err_cap, "metadata '%.*s': array of %llu elements (at most %llu allowed)", (int)key_len, key,
                            (unsigned long long)kv->arr_n, (unsigned long long)LOLCAT__MAX_ARRAY);
                return LOLCAT_ERR_CORRUPT;
            }
            if (kv->arr_type == LOLCAT__GGUF_STRING) {
                if (kv->arr_n > (r.size - r.off) / 8) { lc__set_msg(err, err_cap, "metadata '%.*s': %llu strings cannot fit", (int)key_len, key, (unsigned long long)kv->arr_n); return LOLCAT_ERR_TRUNCATED; }
                for (j = 0; j < kv->arr_n; j++) {
                    const char *s; uint64_t n;
                    if (!lc__rd_string(&r, &s, &n)) { lc__set_msg(err, err_cap, "metadata '%.*s': string %llu truncated or over 16 MiB", (int)key_len, key, (unsigned long long)j); return LOLCAT_ERR_TRUNCATED; }
                }
            } else {
                int es = lc__gguf_scalar_size(kv->arr_type);
                if (es == 0) {
                    lc__set_msg(err, err_cap, "metadata '%.*s': unsupported array element type %u", (int)key_len, key, kv->arr_type);
                    return kv->arr_type == LOLCAT__GGUF_ARRAY ? LOLCAT_ERR_UNSUPPORTED : LOLCAT_ERR_CORRUPT;
                }
                if (!lc__mul_u64(kv->arr_n, (uint64_t)es, &bytes) || !lc__rd_skip(&r, bytes)) {
                    lc__set_msg(err, err_cap, "metadata '%.*s': array of %llu elements truncated", (int)key_len, key, (unsigned long long)kv->arr_n);
                    return LOLCAT_ERR_TRUNCATED;
                }
            }
        } else {
            int es = lc__gguf_scalar_size(kv->type);
            if (es == 0) { lc__set_msg(err, err_cap, "metadata '%.*s': unknown value type %u", (int)key_len, key, kv->type); return LOLCAT_ERR_CORRUPT; }
            if (!lc__rd_skip(&r, (uint64_t)es)) { lc__set_msg(err, err_cap, "metadata '%.*s': value truncated", (int)key_len, key); return LOLCAT_ERR_TRUNCATED; }
        }
    }

    g->alignment = 32;
    align_kv = lc__gguf_find(g, "general.alignment");
    if (align_kv) {
        int64_t v;
        if (align_kv->type == LOLCAT__GGUF_ARRAY || !lc__gguf_int_at(align_kv->type, align_kv->val, &v) || v <= 0 || v > 65536 || (v & (v - 1))) {
            lc__set_msg(err, err_cap, "general.alignment must be a power of two <= 65536"); return LOLCAT_ERR_CORRUPT;
        }
        g->alignment = (uint32_t)v;
    }

    /* tensor infos: first pass reads them, names are copied afterwards into one block */
    {
        uint64_t start = r.off, total_names = 0;
        for (i = 0; i < g->n_tensors; i++) {
            lc__tensor *t = &g->tensors[i];
            const char *name; uint64_t name_len, elems = 1;
            uint32_t n_dims, type;
            int d, bv, bb;
            if (!lc__rd_string(&r, &name, &name_len) || !lc__rd(&r, &n_dims, 4)) {
                lc__set_msg(err, err_cap, "tensor info %llu truncated", (unsigned long long)i); return LOLCAT_ERR_TRUNCATED;
            }
            if (name_len == 0 || name_len >= LOLCAT__MAX_NAME) { lc__set_msg(err, err_cap, "tensor %llu has a name of %llu bytes", (unsigned long long)i, (unsigned long long)name_len); return LOLCAT_ERR_CORRUPT; }
            if (memchr(name, 0, (size_t)name_len)) { lc__set_msg(err, err_cap, "tensor %llu has a NUL byte in its name", (unsigned long long)i); return LOLCAT_ERR_CORRUPT; }
            if (n_dims < 1 || n_dims > 4) { lc__set_msg(err, err_cap, "tensor '%.*s' has %u dimensions (1..4 allowed)", (int)name_len, name, n_dims); return LOLCAT_ERR_CORRUPT; }
            t->n_dims = (int)n_dims;
            t->ne[0] = t->ne[1] = t->ne[2] = t->ne[3] = 1;
            for (d = 0; d < (int)n_dims; d++) {
                uint64_t ne;
                if (!lc__rd(&r, &ne, 8)) { lc__set_msg(err, err_cap, "tensor '%.*s' dims truncated", (int)name_len, name); return LOLCAT_ERR_TRUNCATED; }
                if (ne == 0 || ne > (uint64_t)LOLCAT__MAX_DIM || !lc__mul_u64(elems, ne, &elems) || elems > (uint64_t)LOLCAT__MAX_ELEMENTS) {
                    lc__set_msg(err, err_cap, "tensor '%.*s' has an absurd dimension %llu", (int)name_len, name, (unsigned long long)ne); return LOLCAT_ERR_CORRUPT;
                }
                t->ne[d] = (int64_t)ne;
            }
            if (!lc__rd(&r, &type, 4) || !lc__rd(&r, &t->offset, 8)) { lc__set_msg(err, err_cap, "tensor '%.*s' info truncated", (int)name_len, name); return LOLCAT_ERR_TRUNCATED; }
            bb = lc__type_block((int)type, &bv);
            if (bb == 0) { lc__set_msg(err, err_cap, "tensor '%.*s' has type %u, which is not supported (F32, F16, BF16, Q8_0, Q4_0 are)", (int)name_len, name, type); return LOLCAT_ERR_UNSUPPORTED; }
            if (t->ne[0] % bv) { lc__set_msg(err, err_cap, "tensor '%.*s': row of %lld values is not a multiple of the block size %d", (int)name_len, name, (long long)t->ne[0], bv); return LOLCAT_ERR_CORRUPT; }
            t->type = (int)type;
            t->n_bytes = elems / (uint64_t)bv * (uint64_t)bb;   /* elems < 2^44: no overflow */
            if (t->offset % g->alignment) { lc__set_msg(err, err_cap, "tensor '%.*s' offset %llu is not aligned to %u", (int)name_len, name, (unsigned long long)t->offset, g->alignment); return LOLCAT_ERR_CORRUPT; }
            total_names += name_len + 1;
        }
        g->names_size = (size_t)total_names;
        g->names = (char *)lc__alloc(a, g->names_size);
        if (!g->names) { lc__set_msg(err, err_cap, "out of memory for tensor names"); return LOLCAT_ERR_OUT_OF_MEMORY; }
        /* second pass: copy names (the reads cannot fail now) */
        {
            lc__reader r2;
            r2.p = data; r2.size = size; r2.off = start;
            for (i = 0; i < g->n_tensors; i++) {
                const char *name; uint64_t name_len; uint32_t n_dims;
                lc__rd_string(&r2, &name, &name_len);
                lc__rd(&r2, &n_dims, 4);
                lc__rd_skip(&r2, 8ull * n_dims + 12);
                memcpy(g->names + names_used, name, (size_t)name_len);
                g->names[names_used + name_len] = 0;
                g->tensors[i].name = g->names + names_used;
                names_used += name_len + 1;
            }
        }
    }
    /* data section */
    {
        uint64_t data_off = (r.off + g->alignment - 1) / g->alignment * g->alignment, data_size;
        if (data_off > size) {
            if (g->n_tensors) { lc__set_msg(err, err_cap, "file ends before the tensor data section"); return LOLCAT_ERR_TRUNCATED; }
            data_off = size;
        }
        g->data_offset = data_off;
        data_size = size - data_off;
        for (i = 0; i < g->n_tensors; i++) {
            lc__tensor *t = &g->tensors[i];
            uint64_t end, h;
            if (!lc__add_u64(t->offset, t->n_bytes, &end) || end > data_size) {
                lc__set_msg(err, err_cap, "tensor '%s' (%llu bytes at offset %llu) extends past the end of the file",
                            t->name, (unsigned long long)t->n_bytes, (unsigned long long)t->offset);
                return LOLCAT_ERR_TRUNCATED;
            }
            t->data = data + data_off + t->offset;
            if (lc__gguf_tensor(g, t->name)) { lc__set_msg(err, err_cap, "duplicate tensor '%s'", t->name); return LOLCAT_ERR_CORRUPT; }
            for (h = lc__fnv1a(LOLCAT__FNV_INIT, t->name, strlen(t->name)) & (g->tensor_slots - 1); g->tensor_index[h];
                 h = (h + 1) & (g->tensor_slots - 1)) {}
            g->tensor_index[h] = (uint32_t)(i + 1);
        }
    }
    return LOLCAT_OK;
}

/* ===== @@MODEL ===== */
typedef struct lc__proj {             /* y = W x, or y = B (A x) when low rank; plus LoRA */
    lc__mat w;                        /* full weight [n_out rows][n_in] */
    lc__mat a, b;                     /* low rank (LPA): a [rank][n_in], b [n_out][rank] */
    lc__mat lora_a, lora_b;           /* LoRA: lora_a [r][n_in], lora_b [n_out][r] */
    int     low_rank, has_lora, n_in, n_out;
} lc__proj;

typedef struct lc__layer {
    lc_layer_kind kind;
    int           n_head, n_head_kv, dk, dv, n_ff;
    int           n_feat;             /* features per head of the linear part (2F, F or dk) */
    const float  *attn_norm, *ffn_norm;           /* [n_embd] */
    lc__proj      q, k, v, o;                     /* o: [n_embd][n_head*dv] */
    lc__mat       ffn_gate, ffn_up, ffn_down;
    const float  *fmap_q, *fmap_k;                /* [n_head][dk][F], NULL for elu */
    const float  *fmap_q_bias, *fmap_k_bias;      /* [n_head] or NULL (T2R only) */
    const float  *beta;                           /* [n_head] sigmoid(window factor), hybrid only */
} lc__layer;

typedef struct lc__vocab {
    int        kind;                  /* LOLCAT__VOCAB_* */
    int32_t    n_tokens;
    char      *text;                  /* all token texts, NUL-separated */
    size_t     text_size;
    uint32_t  *offset, *length;       /* per token */
    float     *score;
    int32_t   *type;                  /* llama.cpp token types */
    uint32_t  *hash;                  /* text -> id + 1 */
    uint64_t   hash_slots;
    int32_t    byte_token[256];       /* <0xNN> tokens (SentencePiece byte fallback), -1 if none */
    int32_t   *special;               /* control / user-defined tokens, longest text first */
    int32_t    n_special;
    int32_t    bos, eos, eot, unk, pad, eog_extra[4];
    int        add_bos, add_space_prefix;
    unsigned char special_first[32];  /* bit set: some special token starts with this byte */
    /* byte-level BPE: merge i (rank i) joins ids left[i] + right[i] into result[i] (-1: unusable) */
    int32_t   *merge_left, *merge_right, *merge_result;
    int32_t    n_merges;
    uint32_t  *merge_hash;            /* (left id, right id) -> merge index + 1 */
    uint64_t   merge_slots;
    int        pre;                   /* LOLCAT__PRE_* */
    int        ignore_merges;         /* a pre-token that is itself a token is kept whole */
} lc__vocab;

enum { LOLCAT__VOCAB_NONE = 0, LOLCAT__VOCAB_SPM = 1, LOLCAT__VOCAB_BPE = 2 };
enum { LOLCAT__PRE_UNKNOWN = 0, LOLCAT__PRE_GPT2 = 1, LOLCAT__PRE_LLAMA3 = 2 };
enum { LOLCAT__TOKEN_NORMAL = 1, LOLCAT__TOKEN_UNKNOWN = 2, LOLCAT__TOKEN_CONTROL = 3,
       LOLCAT__TOKEN_USER_DEFINED = 4, LOLCAT__TOKEN_UNUSED = 5, LOLCAT__TOKEN_BYTE = 6 };

struct lc_model {
    lc_allocator         alloc;
    const unsigned char *data;         /* the GGUF bytes (mapped, read in, or borrowed) */
    uint64_t             size;
    void                *owned;        /* buffer we allocated for the file, if any */
    size_t               owned_size;
    void                *map_addr;     /* mmap, if any */
    size_t               map_size;
    lc__gguf             gguf;
    char                 arch[32], name[128];
    int                  n_embd, n_layer, n_vocab, n_ctx_train, n_rot, vocab_only;
    float                rms_eps, feature_eps;
    double               rope_base;
    double              *rope_inv_freq;   /* [n_rot/2], llama3 factors applied */
    lc_feature_map       fmap;
    int                  fmap_dim, window, window_tk;
    float                lora_scale;
    lc__layer           *layers;
    lc__mat              tok_embd, output;
    const float         *output_norm;
    float               *aux;             /* F32 copies of norms, feature maps, window factors */
    size_t               aux_count, aux_used;
    lc__vocab            vocab;
    lc_model_info        info;
    /* maxima over layers, for sizing context scratch */
    int                  max_q, max_k, max_v, max_att, max_ff, max_rank, max_in, max_head, max_feat, max_dk, max_dv;
    int                  max_group;       /* query heads per key/value head */
};

static lc_result lc__vocab_load(lc_model *m, char *err, size_t err_cap);
static void      lc__vocab_free(lc_model *m);

/* Metadata helpers. A key that is present with the wrong type is an error, not a default. */
static lc_result lc__meta_int(const lc_model *m, const char *key, int64_t def, int64_t lo, int64_t hi,
                              int64_t *out, char *err, size_t err_cap) {
    const lc__kv *kv = lc__gguf_find(&m->gguf, key);
    *out = def;
    if (!kv) return LOLCAT_OK;
    if (kv->type == LOLCAT__GGUF_ARRAY || !lc__gguf_int_at(kv->type, kv->val, out)) {
        lc__set_msg(err, err_cap, "metadata '%s' must be an integer", key); return LOLCAT_ERR_CORRUPT;
    }
    if (*out < lo || *out > hi) {
        lc__set_msg(err, err_cap, "metadata '%s' = %lld is out of range [%lld, %lld]", key, (long long)*out, (long long)lo, (long long)hi);
        return LOLCAT_ERR_CORRUPT;
    }
    return LOLCAT_OK;
}
static lc_result lc__meta_float(const lc_model *m, const char *key, double def, double *out, char *err, size_t err_cap) {
    const lc__kv *kv = lc__gguf_find(&m->gguf, key);
    *out = def;
    if (!kv) return LOLCAT_OK;
    if (kv->type == LOLCAT__GGUF_ARRAY || !lc__gguf_float_at(kv->type, kv->val, out) || !(*out == *out) || fabs(*out) > 1e30) {
        lc__set_msg(err, err_cap, "metadata '%s' must be a finite number", key); return LOLCAT_ERR_CORRUPT;
    }
    return LOLCAT_OK;
}
static int lc__meta_str(const lc_model *m, const char *key, const char **s, uint64_t *n) {
    const lc__kv *kv = lc__gguf_find(&m->gguf, key);
    lc__reader r;
    if (!kv || kv->type != LOLCAT__GGUF_STRING) return 0;
    r.p = kv->val; r.size = (uint64_t)(m->data + m->size - kv->val); r.off = 0;
    return lc__rd_string(&r, s, n);
}
static int lc__str_eq(const char *s, uint64_t n, const char *lit) { return strlen(lit) == n && memcmp(s, lit, (size_t)n) == 0; }

/* Per-layer integer: a scalar key applies to every layer, an array gives one value each. */
static lc_result lc__meta_layer_ints(const lc_model *m, const char *key, int64_t def, int64_t lo, int64_t hi,
                                     int *out, char *err, size_t err_cap) {
    char full[160];
    const lc__kv *kv;
    int i;
    snprintf(full, sizeof full, "%s.%s", m->arch, key);
    kv = lc__gguf_find(&m->gguf, full);
    if (kv && kv->type == LOLCAT__GGUF_ARRAY) {
        int es = lc__gguf_scalar_size(kv->arr_type);
        if (kv->arr_n != (uint64_t)m->n_layer || es == 0) {
            lc__set_msg(err, err_cap, "metadata '%s' must be an integer or an array of %d integers", full, m->n_layer);
            return LOLCAT_ERR_CORRUPT;
        }
        for (i = 0; i < m->n_layer; i++) {
            int64_t v;
            if (!lc__gguf_int_at(kv->arr_type, kv->val + (size_t)i * es, &v) || v < lo || v > hi) {
                lc__set_msg(err, err_cap, "metadata '%s'[%d] is not an integer in [%lld, %lld]", full, i, (long long)lo, (long long)hi);
                return LOLCAT_ERR_CORRUPT;
            }
            out[i] = (int)v;
        }
        return LOLCAT_OK;
    }
    {
        int64_t v;
        lc_result r = lc__meta_int(m, full, def, lo, hi, &v, err, err_cap);
        if (r != LOLCAT_OK) return r;
        for (i = 0; i < m->n_layer; i++) out[i] = (int)v;
    }
    return LOLCAT_OK;
}

static int lc__tensor_ne_eq(const lc__tensor *t, int64_t a, int64_t b, int64_t c) {
    return t->ne[0] == a && t->ne[1] == b && t->ne[2] == c && t->ne[3] == 1;
}

/* Binds a 2D weight; checks shape and alignment. required=0: a missing tensor is fine. */
static lc_result lc__bind_mat(lc_model *m, const char *name, int64_t n_in, int64_t n_out, int required,
                              lc__mat *out, char *err, size_t err_cap) {
    const lc__tensor *t = lc__gguf_tensor(&m->gguf, name);
    int bv, bb;
    memset(out, 0, sizeof *out);
    if (!t) {
        if (!required) return LOLCAT_OK;
        lc__set_msg(err, err_cap, "tensor '%s' is missing", name); return LOLCAT_ERR_MISSING_TENSOR;
    }
    if (!lc__tensor_ne_eq(t, n_in < 0 ? t->ne[0] : n_in, n_out < 0 ? t->ne[1] : n_out, 1)) {
        lc__set_msg(err, err_cap, "tensor '%s' has shape [%lld, %lld, %lld, %lld], expected [%lld, %lld]", name,
                    (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2], (long long)t->ne[3],
                    (long long)(n_in < 0 ? t->ne[0] : n_in), (long long)(n_out < 0 ? t->ne[1] : n_out));
        return LOLCAT_ERR_BAD_SHAPE;
    }
    if (t->ne[0] > LOLCAT__MAX_WIDTH * 4 || t->ne[1] > LOLCAT__MAX_VOCAB) {
        lc__set_msg(err, err_cap, "tensor '%s' is too large", name); return LOLCAT_ERR_BAD_SHAPE;
    }
    if ((t->type == LOLCAT_TYPE_F32 && ((uintptr_t)t->data & 3)) || ((uintptr_t)t->data & 1)) {
        lc__set_msg(err, err_cap, "tensor '%s' data is misaligned", name); return LOLCAT_ERR_UNSUPPORTED;
    }
    bb = lc__type_block(t->type, &bv);
    out->type = t->type;
    out->n_in = (int)t->ne[0];
    out->n_out = (int)t->ne[1];
    out->row_bytes = (size_t)(t->ne[0] / bv) * (size_t)bb;
    out->data = t->data;
    return LOLCAT_OK;
}

/* Small tensors (norms, feature maps, window factors) are converted to F32 copies. With
   m->aux == NULL this only counts, so the first pass sizes the arena. */
static lc_result lc__bind_aux(lc_model *m, const char *name, int64_t n0, int64_t n1, int64_t n2, int required,
                              const float **out, char *err, size_t err_cap) {
    const lc__tensor *t = lc__gguf_tensor(&m->gguf, name);
    uint64_t n = (uint64_t)n0 * (uint64_t)n1 * (uint64_t)n2;
    *out = NULL;
    if (!t) {
        if (!required) return LOLCAT_OK;
        lc__set_msg(err, err_cap, "tensor '%s' is missing", name); return LOLCAT_ERR_MISSING_TENSOR;
    }
    if (!lc__tensor_ne_eq(t, n0, n1, n2)) {
        lc__set_msg(err, err_cap, "tensor '%s' has shape [%lld, %lld, %lld, %lld], expected [%lld, %lld, %lld]", name,
                    (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2], (long long)t->ne[3],
                    (long long)n0, (long long)n1, (long long)n2);
        return LOLCAT_ERR_BAD_SHAPE;
    }
    if (t->type != LOLCAT_TYPE_F32 && t->type != LOLCAT_TYPE_F16 && t->type != LOLCAT_TYPE_BF16) {
        lc__set_msg(err, err_cap, "tensor '%s' must be F32, F16 or BF16 (it is %s)", name, lc_type_name((lc_tensor_type)t->type));
        return LOLCAT_ERR_UNSUPPORTED;
    }
    if (m->aux) {
        float *dst = m->aux + m->aux_used;
        uint64_t i;
        lc__dequant_row(t->type, t->data, dst, (int64_t)n);
        for (i = 0; i < n; i++)
            if (!(dst[i] - dst[i] == 0.0f)) { lc__set_msg(err, err_cap, "tensor '%s' holds inf or nan", name); return LOLCAT_ERR_CORRUPT; }
        *out = dst;
    }
    m->aux_used += (size_t)n;
    return LOLCAT_OK;
}

static lc_result lc__bind_proj(lc_model *m, int il, const char *base, int n_in, int n_out, lc__proj *p,
                               char *err, size_t err_cap) {
    char name[96];
    lc_result r;
    memset(p, 0, sizeof *p);
    p->n_in = n_in; p->n_out = n_out;
    snprintf(name, sizeof name, "blk.%d.%s.weight", il, base);
    if (lc__gguf_tensor(&m->gguf, name)) {
        if ((r = lc__bind_mat(m, name, n_in, n_out, 1, &p->w, err, err_cap)) != LOLCAT_OK) return r;
    } else {
        char name_b[96];
        snprintf(name, sizeof name, "blk.%d.%s_a.weight", il, base);
        snprintf(name_b, sizeof name_b, "blk.%d.%s_b.weight", il, base);
        if (!lc__gguf_tensor(&m->gguf, name)) {
            lc__set_msg(err, err_cap, "tensor 'blk.%d.%s.weight' is missing (and no low-rank '%s' / '%s')", il, base, name, name_b);
            return LOLCAT_ERR_MISSING_TENSOR;
        }
        if ((r = lc__bind_mat(m, name, n_in, -1, 1, &p->a, err, err_cap)) != LOLCAT_OK) return r;
        if ((r = lc__bind_mat(m, name_b, p->a.n_out, n_out, 1, &p->b, err, err_cap)) != LOLCAT_OK) return r;
        p->low_rank = 1;
    }
    {
        char na[112], nb[112];
        snprintf(na, sizeof na, "blk.%d.%s.weight.lora_a", il, base);
        snprintf(nb, sizeof nb, "blk.%d.%s.weight.lora_b", il, base);
        if (lc__gguf_tensor(&m->gguf, na) || lc__gguf_tensor(&m->gguf, nb)) {
            if ((r = lc__bind_mat(m, na, n_in, -1, 1, &p->lora_a, err, err_cap)) != LOLCAT_OK) return r;
            if ((r = lc__bind_mat(m, nb, p->lora_a.n_out, n_out, 1, &p->lora_b, err, err_cap)) != LOLCAT_OK) return r;
            p->has_lora = 1;
        }
    }
    return LOLCAT_OK;
}

static lc_result lc__parse_layer_kinds(lc_model *m, char *err, size_t err_cap) {
    const lc__kv *kv = lc__gguf_find(&m->gguf, "lolcat.attention.layer_kinds");
    lc__reader r;
    int i;
    for (i = 0; i < m->n_layer; i++) m->layers[i].kind = LOLCAT_LAYER_SOFTMAX;
    if (!kv) return LOLCAT_OK;
    if (kv->type != LOLCAT__GGUF_ARRAY || kv->arr_type != LOLCAT__GGUF_STRING || kv->arr_n != (uint64_t)m->n_layer) {
        lc__set_msg(err, err_cap, "lolcat.attention.layer_kinds must be an array of %d strings", m->n_layer);
        return LOLCAT_ERR_CORRUPT;
    }
    r.p = kv->val; r.size = (uint64_t)(m->data + m->size - kv->val); r.off = 0;
    for (i = 0; i < m->n_layer; i++) {
        const char *s; uint64_t n;
        lc__rd_string(&r, &s, &n);   /* bounds were checked by the parser */
        if (lc__str_eq(s, n, "softmax")) m->layers[i].kind = LOLCAT_LAYER_SOFTMAX;
        else if (lc__str_eq(s, n, "linear")) m->layers[i].kind = LOLCAT_LAYER_LINEAR;
        else if (lc__str_eq(s, n, "hybrid")) m->layers[i].kind = LOLCAT_LAYER_HYBRID;
        else {
            lc__set_msg(err, err_cap, "lolcat.attention.layer_kinds[%d] = '%.*s' (softmax, linear or hybrid expected)", i, (int)LOLCAT__MIN(n, 32), s);
            return LOLCAT_ERR_CORRUPT;
        }
    }
    return LOLCAT_OK;
}

/* Marks a bound Q8_0 matrix that holds no -128 quant (lc__mat.q8_no_min) for the AVX2 decode
   kernel: one read of it at open. Called for the matrices the forward pass multiplies by. */
static void lc__check_q8(lc__mat *W) {
#if LOLCAT__AVX2
    if (W->type == LOLCAT_TYPE_Q8_0 && W->data)
        W->q8_no_min = lc__q8_no_min_avx2(W->data, (size_t)W->n_out * W->row_bytes / LOLCAT__Q8_0_BYTES);
#else
    (void)W;
#endif
}

/* Reads hyperparameters and binds every tensor; run twice (count, then copy) for aux data. */
static lc_result lc__bind_tensors(lc_model *m, char *err, size_t err_cap) {
    lc_result r;
    int il;
    char name[96];
    m->aux_used = 0;
    if ((r = lc__bind_mat(m, "token_embd.weight", m->n_embd, -1, 1, &m->tok_embd, err, err_cap)) != LOLCAT_OK) return r;
    m->n_vocab = m->tok_embd.n_out;
    if ((r = lc__bind_mat(m, "output.weight", m->n_embd, m->n_vocab, 0, &m->output, err, err_cap)) != LOLCAT_OK) return r;
    if (!m->output.data) m->output = m->tok_embd;   /* tied embeddings */
    if ((r = lc__bind_aux(m, "output_norm.weight", m->n_embd, 1, 1, 1, &m->output_norm, err, err_cap)) != LOLCAT_OK) return r;
    {
        const float *factors;
        if ((r = lc__bind_aux(m, "rope_freqs.weight", m->n_rot / 2, 1, 1, 0, &factors, err, err_cap)) != LOLCAT_OK) return r;
        if (m->aux) {
            int i;
            for (i = 0; i < m->n_rot / 2; i++) {
                double f = pow(m->rope_base, -2.0 * i / m->n_rot);
                if (factors) {
                    if (!(factors[i] > 0.0f)) { lc__set_msg(err, err_cap, "rope_freqs.weight[%d] must be positive", i); return LOLCAT_ERR_CORRUPT; }
                    f /= factors[i];
                }
                m->rope_inv_freq[i] = f;
            }
        }
    }
    for (il = 0; il < m->n_layer; il++) {
        lc__layer *L = &m->layers[il];
        int H = L->n_head, Hkv = L->n_head_kv, dk = L->dk, dv = L->dv, E = m->n_embd;
        snprintf(name, sizeof name, "blk.%d.attn_norm.weight", il);
        if ((r = lc__bind_aux(m, name, E, 1, 1, 1, &L->attn_norm, err, err_cap)) != LOLCAT_OK) return r;
        snprintf(name, sizeof name, "blk.%d.ffn_norm.weight", il);
        if ((r = lc__bind_aux(m, name, E, 1, 1, 1, &L->ffn_norm, err, err_cap)) != LOLCAT_OK) return r;
        if ((r = lc__bind_proj(m, il, "attn_q", E, H * dk, &L->q, err, err_cap)) != LOLCAT_OK) return r;
        if ((r = lc__bind_proj(m, il, "attn_k", E, Hkv * dk, &L->k, err, err_cap)) != LOLCAT_OK) return r;
        if ((r = lc__bind_proj(m, il, "attn_v", E, Hkv * dv, &L->v, err, err_cap)) != LOLCAT_OK) return r;
        if ((r = lc__bind_proj(m, il, "attn_output", H * dv, E, &L->o, err, err_cap)) != LOLCAT_OK) return r;
        snprintf(name, sizeof name, "blk.%d.ffn_gate.weight", il);
        if ((r = lc__bind_mat(m, name, E, L->n_ff, 1, &L->ffn_gate, err, err_cap)) != LOLCAT_OK) return r;
        snprintf(name, sizeof name, "blk.%d.ffn_up.weight", il);
        if ((r = lc__bind_mat(m, name, E, L->n_ff, 1, &L->ffn_up, err, err_cap)) != LOLCAT_OK) return r;
        snprintf(name, sizeof name, "blk.%d.ffn_down.weight", il);
        if ((r = lc__bind_mat(m, name, L->n_ff, E, 1, &L->ffn_down, err, err_cap)) != LOLCAT_OK) return r;
        L->n_feat = 0;
        L->fmap_q = L->fmap_k = L->fmap_q_bias = L->fmap_k_bias = L->beta = NULL;
        if (L->kind != LOLCAT_LAYER_SOFTMAX) {
            int F = m->fmap_dim;
            L->n_feat = m->fmap == LOLCAT_FMAP_HEDGEHOG ? 2 * F : m->fmap == LOLCAT_FMAP_ELU ? dk : F;
            if (m->fmap != LOLCAT_FMAP_ELU) {
                snprintf(name, sizeof name, "blk.%d.attn_fmap_q.weight", il);
                if ((r = lc__bind_aux(m, name, F, dk, H, 1, &L->fmap_q, err, err_cap)) != LOLCAT_OK) return r;
                snprintf(name, sizeof name, "blk.%d.attn_fmap_k.weight", il);
                if ((r = lc__bind_aux(m, name, F, dk, H, 1, &L->fmap_k, err, err_cap)) != LOLCAT_OK) return r;
            }
            if (m->fmap == LOLCAT_FMAP_T2R) {
                snprintf(name, sizeof name, "blk.%d.attn_fmap_q.bias", il);
                if ((r = lc__bind_aux(m, name, H, 1, 1, 0, &L->fmap_q_bias, err, err_cap)) != LOLCAT_OK) return r;
                snprintf(name, sizeof name, "blk.%d.attn_fmap_k.bias", il);
                if ((r = lc__bind_aux(m, name, H, 1, 1, 0, &L->fmap_k_bias, err, err_cap)) != LOLCAT_OK) return r;
            }
            if (L->kind == LOLCAT_LAYER_HYBRID) {
                snprintf(name, sizeof name, "blk.%d.attn_window_factors.weight", il);
                if ((r = lc__bind_aux(m, name, H, 1, 1, 1, &L->beta, err, err_cap)) != LOLCAT_OK) return r;
                if (m->aux) {   /* store beta = sigmoid(factor) in place */
                    float *b = (float *)L->beta;
                    int h;
                    for (h = 0; h < H; h++) b[h] = 1.0f / (1.0f + expf(-b[h]));
                }
            }
        } else {
            /* a softmax layer must not carry LoLCATs tensors: that would be a conversion error */
            snprintf(name, sizeof name, "blk.%d.attn_fmap_q.weight", il);
            if (lc__gguf_tensor(&m->gguf, name)) {
                lc__set_msg(err, err_cap, "layer %d is a softmax layer but has feature maps ('%s')", il, name);
                return LOLCAT_ERR_CORRUPT;
            }
        }
    }
    return LOLCAT_OK;
}

static lc_result lc__model_load(lc_model *m, char *err, size_t err_cap) {
    lc_result r;
    const char *s;
    uint64_t n;
    int64_t v;
    double d;
    int il, *heads = NULL, *heads_kv = NULL, *dks = NULL, *dvs = NULL, *ffs = NULL;

    if ((r = lc__gguf_parse(&m->gguf, m->data, m->size, &m->alloc, err, err_cap)) != LOLCAT_OK) return r;
    if (lc__meta_str(m, "general.name", &s, &n)) snprintf(m->name, sizeof m->name, "%.*s", (int)LOLCAT__MIN(n, 120), s);
    if (!lc__meta_str(m, "general.architecture", &s, &n)) {
        if (m->gguf.n_tensors) { lc__set_msg(err, err_cap, "metadata 'general.architecture' is missing"); return LOLCAT_ERR_CORRUPT; }
        s = "llama"; n = 5;
    }
    if (!lc__str_eq(s, n, "llama") && m->gguf.n_tensors) {   /* vocabulary-only files may name any */
        lc__set_msg(err, err_cap, "architecture '%.*s' is not supported (llama is)", (int)LOLCAT__MIN(n, 31), s);
        return LOLCAT_ERR_UNSUPPORTED;
    }
    snprintf(m->arch, sizeof m->arch, "%.*s", (int)LOLCAT__MIN(n, 31), s);
    if ((r = lc__vocab_load(m, err, err_cap)) != LOLCAT_OK) return r;
    if (m->gguf.n_tensors == 0) {           /* vocabulary-only file (llama.cpp's ggml-vocab-*.gguf) */
        if (m->vocab.kind == LOLCAT__VOCAB_NONE) { lc__set_msg(err, err_cap, "file has neither tensors nor a vocabulary"); return LOLCAT_ERR_CORRUPT; }
        m->vocab_only = 1;
        m->n_vocab = m->vocab.n_tokens;
        return LOLCAT_OK;
    }
#define LOLCAT__KEY(k) (snprintf(key, sizeof key, "%s." k, m->arch), key)
    {
        char key[160];
        if ((r = lc__meta_int(m, LOLCAT__KEY("block_count"), -1, 1, LOLCAT__MAX_LAYERS, &v, err, err_cap)) != LOLCAT_OK) return r;
        if (v < 0) { lc__set_msg(err, err_cap, "metadata '%s' is missing", key); return LOLCAT_ERR_CORRUPT; }
        m->n_layer = (int)v;
        if ((r = lc__meta_int(m, LOLCAT__KEY("embedding_length"), -1, 1, LOLCAT__MAX_WIDTH, &v, err, err_cap)) != LOLCAT_OK) return r;
        if (v < 0) { lc__set_msg(err, err_cap, "metadata '%s' is missing", key); return LOLCAT_ERR_CORRUPT; }
        m->n_embd = (int)v;
        if ((r = lc__meta_int(m, LOLCAT__KEY("context_length"), 2048, 1, INT32_MAX, &v, err, err_cap)) != LOLCAT_OK) return r;
        m->n_ctx_train = (int)v;
        if ((r = lc__meta_float(m, LOLCAT__KEY("attention.layer_norm_rms_epsilon"), 1e-5, &d, err, err_cap)) != LOLCAT_OK) return r;
        if (!(d > 0 && d < 1)) { lc__set_msg(err, err_cap, "metadata '%s' must be in (0, 1)", key); return LOLCAT_ERR_CORRUPT; }
        m->rms_eps = (float)d;
        if ((r = lc__meta_float(m, LOLCAT__KEY("rope.freq_base"), 10000.0, &d, err, err_cap)) != LOLCAT_OK) return r;
        if (!(d > 1.0)) { lc__set_msg(err, err_cap, "metadata '%s' must be > 1", key); return LOLCAT_ERR_CORRUPT; }
        m->rope_base = d;
    }
    m->layers = (lc__layer *)lc__zalloc(&m->alloc, (size_t)m->n_layer * sizeof(lc__layer));
    heads = (int *)lc__alloc(&m->alloc, 5 * (size_t)m->n_layer * sizeof(int));
    if (!m->layers || !heads) { lc__free(&m->alloc, heads, 5 * (size_t)m->n_layer * sizeof(int)); lc__set_msg(err, err_cap, "out of memory"); return LOLCAT_ERR_OUT_OF_MEMORY; }
    heads_kv = heads + m->n_layer; dks = heads_kv + m->n_layer; dvs = dks + m->n_layer; ffs = dvs + m->n_layer;
    r = lc__meta_layer_ints(m, "attention.head_count", -1, 1, 65536, heads, err, err_cap);
    if (r == LOLCAT_OK && heads[0] < 0) { lc__set_msg(err, err_cap, "metadata '%s.attention.head_count' is missing", m->arch); r = LOLCAT_ERR_CORRUPT; }
    if (r == LOLCAT_OK) r = lc__meta_layer_ints(m, "attention.head_count_kv", -1, 1, 65536, heads_kv, err, err_cap);
    if (r == LOLCAT_OK) r = lc__meta_layer_ints(m, "attention.key_length", -1, 1, 65536, dks, err, err_cap);
    if (r == LOLCAT_OK) r = lc__meta_layer_ints(m, "attention.value_length", -1, 1, 65536, dvs, err, err_cap);
    if (r == LOLCAT_OK) r = lc__meta_layer_ints(m, "feed_forward_length", -1, 1, LOLCAT__MAX_WIDTH, ffs, err, err_cap);
    if (r == LOLCAT_OK && ffs[0] < 0) { lc__set_msg(err, err_cap, "metadata '%s.feed_forward_length' is missing", m->arch); r = LOLCAT_ERR_CORRUPT; }
    for (il = 0; r == LOLCAT_OK && il < m->n_layer; il++) {
        lc__layer *L = &m->layers[il];
        L->n_head = heads[il];
        L->n_head_kv = heads_kv[il] < 0 ? heads[il] : heads_kv[il];
        L->dk = dks[il] < 0 ? m->n_embd / L->n_head : dks[il];
        L->dv = dvs[il] < 0 ? L->dk : dvs[il];
        L->n_ff = ffs[il];
        if (L->n_head % L->n_head_kv || L->dk < 1 || (int64_t)L->n_head * LOLCAT__MAX(L->dk, L->dv) > LOLCAT__MAX_WIDTH) {
            lc__set_msg(err, err_cap, "layer %d: %d heads, %d kv heads, head sizes %d/%d are inconsistent", il, L->n_head, L->n_head_kv, L->dk, L->dv);
            r = LOLCAT_ERR_CORRUPT;
        }
    }
    lc__free(&m->alloc, heads, 5 * (size_t)m->n_layer * sizeof(int));
    if (r != LOLCAT_OK) return r;
    {
        char key[160];
        int min_dk = m->layers[0].dk;
        for (il = 1; il < m->n_layer; il++) min_dk = LOLCAT__MIN(min_dk, m->layers[il].dk);
        if ((r = lc__meta_int(m, LOLCAT__KEY("rope.dimension_count"), min_dk, 0, 65536, &v, err, err_cap)) != LOLCAT_OK) return r;
        if ((v & 1) || v > min_dk) { lc__set_msg(err, err_cap, "'%s' = %lld must be even and <= the head size %d", key, (long long)v, min_dk); return LOLCAT_ERR_CORRUPT; }
        m->n_rot = (int)v;
    }
#undef LOLCAT__KEY
    /* LoLCATs keys */
    if ((r = lc__parse_layer_kinds(m, err, err_cap)) != LOLCAT_OK) return r;
    {
        int any_linear = 0, any_hybrid = 0;
        for (il = 0; il < m->n_layer; il++) {
            any_linear |= m->layers[il].kind != LOLCAT_LAYER_SOFTMAX;
            any_hybrid |= m->layers[il].kind == LOLCAT_LAYER_HYBRID;
        }
        if ((r = lc__meta_int(m, "lolcat.attention.window_size", any_hybrid ? -1 : 0, 0, 1 << 20, &v, err, err_cap)) != LOLCAT_OK) return r;
        if (any_hybrid && v < 1) { lc__set_msg(err, err_cap, "hybrid layers need 'lolcat.attention.window_size' >= 1"); return LOLCAT_ERR_CORRUPT; }
        m->window = any_hybrid ? (int)v : 0;
        m->window_tk = 1;
        if (lc__meta_str(m, "lolcat.attention.window_kind", &s, &n)) {
            if (lc__str_eq(s, n, "sw")) m->window_tk = 0;
            else if (!lc__str_eq(s, n, "tk")) { lc__set_msg(err, err_cap, "lolcat.attention.window_kind must be 'sw' or 'tk'"); return LOLCAT_ERR_CORRUPT; }
        }
        m->fmap = LOLCAT_FMAP_NONE;
        if (any_linear) {
            if (!lc__meta_str(m, "lolcat.feature_map.kind", &s, &n)) { lc__set_msg(err, err_cap, "linear/hybrid layers need 'lolcat.feature_map.kind'"); return LOLCAT_ERR_CORRUPT; }
            if (lc__str_eq(s, n, "hedgehog")) m->fmap = LOLCAT_FMAP_HEDGEHOG;
            else if (lc__str_eq(s, n, "hedgehog_half")) m->fmap = LOLCAT_FMAP_HEDGEHOG_HALF;
            else if (lc__str_eq(s, n, "t2r")) m->fmap = LOLCAT_FMAP_T2R;
            else if (lc__str_eq(s, n, "elu")) m->fmap = LOLCAT_FMAP_ELU;
            else { lc__set_msg(err, err_cap, "lolcat.feature_map.kind '%.*s' is unknown (hedgehog, hedgehog_half, t2r, elu)", (int)LOLCAT__MIN(n, 32), s); return LOLCAT_ERR_UNSUPPORTED; }
            if (m->fmap != LOLCAT_FMAP_ELU) {
                if ((r = lc__meta_int(m, "lolcat.feature_map.dim", -1, 1, 65536, &v, err, err_cap)) != LOLCAT_OK) return r;
                if (v < 1) { lc__set_msg(err, err_cap, "'lolcat.feature_map.dim' is missing"); return LOLCAT_ERR_CORRUPT; }
                m->fmap_dim = (int)v;
            }
        }
        if ((r = lc__meta_float(m, "lolcat.feature_map.eps", 1e-12, &d, err, err_cap)) != LOLCAT_OK) return r;
        if (!(d >= 0 && d < 1)) { lc__set_msg(err, err_cap, "lolcat.feature_map.eps must be in [0, 1)"); return LOLCAT_ERR_CORRUPT; }
        m->feature_eps = (float)d;
        if ((r = lc__meta_float(m, "lolcat.lora.scale", NAN, &d, err, err_cap)) != LOLCAT_OK) return r;
        m->lora_scale = (float)d;   /* nan = absent: an error only if LoRA tensors exist */
    }
    m->rope_inv_freq = (double *)lc__zalloc(&m->alloc, (size_t)(m->n_rot / 2 + 1) * sizeof(double));
    if (!m->rope_inv_freq) { lc__set_msg(err, err_cap, "out of memory"); return LOLCAT_ERR_OUT_OF_MEMORY; }
    /* pass 1 checks and counts, pass 2 copies the small tensors */
    if ((r = lc__bind_tensors(m, err, err_cap)) != LOLCAT_OK) return r;
    m->aux_count = m->aux_used;
    m->aux = (float *)lc__alloc(&m->alloc, (m->aux_count + 1) * sizeof(float));
    if (!m->aux) { lc__set_msg(err, err_cap, "out of memory"); return LOLCAT_ERR_OUT_OF_MEMORY; }
    if ((r = lc__bind_tensors(m, err, err_cap)) != LOLCAT_OK) return r;
    if (m->vocab.kind != LOLCAT__VOCAB_NONE && m->vocab.n_tokens > m->n_vocab) {
        lc__set_msg(err, err_cap, "vocabulary has %d tokens but token_embd.weight only %d rows", m->vocab.n_tokens, m->n_vocab);
        return LOLCAT_ERR_BAD_SHAPE;
    }
    /* LoRA needs its scale; maxima size the context scratch; the multiplied Q8_0 matrices are
       checked for -128 (the token embedding is only looked up, unless it is also the output) */
    lc__check_q8(&m->output);
    for (il = 0; il < m->n_layer; il++) {
        lc__layer *L = &m->layers[il];
        lc__proj *ps[4];
        int j;
        ps[0] = &L->q; ps[1] = &L->k; ps[2] = &L->v; ps[3] = &L->o;
        lc__check_q8(&L->ffn_gate); lc__check_q8(&L->ffn_up); lc__check_q8(&L->ffn_down);
        for (j = 0; j < 4; j++) {
            lc__check_q8(&ps[j]->w); lc__check_q8(&ps[j]->a); lc__check_q8(&ps[j]->b);
            lc__check_q8(&ps[j]->lora_a); lc__check_q8(&ps[j]->lora_b);
            if (ps[j]->has_lora && !(m->lora_scale == m->lora_scale)) {
                lc__set_msg(err, err_cap, "layer %d has LoRA tensors but 'lolcat.lora.scale' is missing", il); return LOLCAT_ERR_CORRUPT;
            }
            if (ps[j]->has_lora) m->info.has_lora = 1;
            if (ps[j]->low_rank) m->info.has_low_rank = 1;
            m->max_rank = LOLCAT__MAX(m->max_rank, LOLCAT__MAX(ps[j]->a.n_out, ps[j]->lora_a.n_out));
        }
        m->max_q = LOLCAT__MAX(m->max_q, L->n_head * L->dk);
        m->max_k = LOLCAT__MAX(m->max_k, L->n_head_kv * L->dk);
        m->max_v = LOLCAT__MAX(m->max_v, L->n_head_kv * L->dv);
        m->max_att = LOLCAT__MAX(m->max_att, L->n_head * L->dv);
        m->max_ff = LOLCAT__MAX(m->max_ff, L->n_ff);
        m->max_head = LOLCAT__MAX(m->max_head, L->n_head);
        m->max_feat = LOLCAT__MAX(m->max_feat, L->n_feat);
        m->max_dk = LOLCAT__MAX(m->max_dk, L->dk);
        m->max_dv = LOLCAT__MAX(m->max_dv, L->dv);
        m->max_group = LOLCAT__MAX(m->max_group, L->n_head / L->n_head_kv);
    }
    m->max_in = LOLCAT__MAX(LOLCAT__MAX(m->n_embd, m->max_ff), LOLCAT__MAX(m->max_att, m->max_rank));
    return LOLCAT_OK;
}

static void lc__model_fill_info(lc_model *m) {
    lc_model_info *I = &m->info;
    uint64_t i, h = LOLCAT__FNV_INIT;
    int il;
    I->architecture = m->arch;
    I->name = m->name;
    I->n_vocab = m->n_vocab; I->n_embd = m->n_embd; I->n_layer = m->n_layer; I->n_ctx_train = m->n_ctx_train;
    I->n_rot = m->n_rot;
    if (m->n_layer) {
        I->n_head = m->layers[0].n_head; I->n_head_kv = m->layers[0].n_head_kv;
        I->head_dim_qk = m->layers[0].dk; I->head_dim_v = m->layers[0].dv; I->n_ff = m->layers[0].n_ff;
    }
    for (il = 0; il < m->n_layer; il++) {
        lc_layer_kind k = m->layers[il].kind;
        I->n_softmax_layers += k == LOLCAT_LAYER_SOFTMAX;
        I->n_linear_layers += k == LOLCAT_LAYER_LINEAR;
        I->n_hybrid_layers += k == LOLCAT_LAYER_HYBRID;
    }
    I->window_size = m->window; I->window_kind_tk = m->window_tk;
    I->feature_map = m->fmap; I->feature_dim = m->fmap_dim;
    I->lora_scale = m->lora_scale == m->lora_scale ? m->lora_scale : 0.0f;
    I->bos_token = m->vocab.bos; I->eos_token = m->vocab.eos; I->eot_token = m->vocab.eot;
    /* fingerprint: the header (metadata + tensor table) and a sample of every tensor's bytes */
    h = lc__fnv1a(h, m->data, (size_t)LOLCAT__MIN(m->gguf.data_offset, m->size));
    for (i = 0; i < m->gguf.n_tensors; i++) {
        const lc__tensor *t = &m->gguf.tensors[i];
        uint64_t k = LOLCAT__MIN(t->n_bytes, 64);
        I->n_params += (uint64_t)(t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]);
        I->weight_bytes += t->n_bytes;
        h = lc__fnv1a(h, t->data, (size_t)k);
        h = lc__fnv1a(h, t->data + t->n_bytes - k, (size_t)k);
    }
    I->fingerprint = h;
}

static void lc__model_free(lc_model *m) {
    lc_allocator a = m->alloc;
    lc__vocab_free(m);
    lc__free(&a, m->aux, (m->aux_count + 1) * sizeof(float));
    lc__free(&a, m->rope_inv_freq, (size_t)(m->n_rot / 2 + 1) * sizeof(double));
    lc__free(&a, m->layers, (size_t)m->n_layer * sizeof(lc__layer));
    lc__gguf_free(&m->gguf, &a);
#if LOLCAT__MMAP
    if (m->map_addr) munmap(m->map_addr, m->map_size);
#endif
    lc__free(&a, m->owned, m->owned_size);
    lc__free(&a, m, sizeof *m);
}

static lc_result lc__model_finish(lc_model *m, const lc_model_params *p, lc_model **out) {
    char err[LOLCAT__ERR_CAP];
    lc_result r;
    err[0] = 0;
    r = lc__model_load(m, err, sizeof err);
    if (r != LOLCAT_OK) {
        if (p && p->error_message && p->error_message_size) lc__set_msg(p->error_message, p->error_message_size, "%s", err);
        lc__model_free(m);
        return r;
    }
    lc__model_fill_info(m);
    *out = m;
    return LOLCAT_OK;
}

static lc_model *lc__model_new(const lc_model_params *p) {
    lc_allocator a;
    lc_model *m;
    memset(&a, 0, sizeof a);
    if (p && p->allocator.alloc && p->allocator.free) a = p->allocator;
    m = (lc_model *)lc__zalloc(&a, sizeof *m);
    if (m) { m->alloc = a; m->lora_scale = NAN; }
    return m;
}

static lc_result lc__fail_open(const lc_model_params *p, lc_result r, const char *fmt, const char *arg) {
    if (p && p->error_message && p->error_message_size) lc__set_msg(p->error_message, p->error_message_size, fmt, arg);
    return r;
}

LCDEF lc_result lc_model_open_memory(const void *data, size_t size, const lc_model_params *p, lc_model **out) {
    lc_model *m;
    if (!out) return LOLCAT_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!data && size) return lc__fail_open(p, LOLCAT_ERR_INVALID_ARGUMENT, "%s", "NULL buffer");
    if (!(m = lc__model_new(p))) return lc__fail_open(p, LOLCAT_ERR_OUT_OF_MEMORY, "%s", "out of memory");
    if (((uintptr_t)data & 31) != 0 && size) {   /* keep weights aligned for the kernels: copy */
        m->owned = lc__alloc(&m->alloc, size + 32);
        if (!m->owned) { lc__model_free(m); return lc__fail_open(p, LOLCAT_ERR_OUT_OF_MEMORY, "%s", "out of memory"); }
        m->owned_size = size + 32;
        m->data = (const unsigned char *)m->owned + ((32 - ((uintptr_t)m->owned & 31)) & 31);
        memcpy((void *)m->data, data, size);
    } else {
        m->data = (const unsigned char *)data;
    }
    m->size = size;
    return lc__model_finish(m, p, out);
}

LCDEF lc_result lc_model_open_file(const char *path, const lc_model_params *p, lc_model **out) {
    lc_model *m;
    if (!out) return LOLCAT_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!path) return lc__fail_open(p, LOLCAT_ERR_INVALID_ARGUMENT, "%s", "NULL path");
    if (!(m = lc__model_new(p))) return lc__fail_open(p, LOLCAT_ERR_OUT_OF_MEMORY, "%s", "out of memory");
#if LOLCAT__MMAP
    if (!(p && p->no_mmap)) {
        int fd = open(path, O_RDONLY);
        struct stat st;
        if (fd < 0) { lc__model_free(m); return lc__fail_open(p, LOLCAT_ERR_IO, "cannot open '%s'", path); }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { close(fd); lc__model_free(m); return lc__fail_open(p, LOLCAT_ERR_IO, "'%s' is not a regular file", path); }
        m->size = (uint64_t)st.st_size;
        if (m->size > 0) {
            void *addr = mmap(NULL, (size_t)m->size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (addr == MAP_FAILED) { close(fd); lc__model_free(m); return lc__fail_open(p, LOLCAT_ERR_IO, "cannot map '%s'", path); }
            m->map_addr = addr; m->map_size = (size_t)m->size;
            m->data = (const unsigned char *)addr;
        } else {
            m->data = (const unsigned char *)"";
        }
        close(fd);
        return lc__model_finish(m, p, out);
    }
#endif
    {
        FILE *f = fopen(path, "rb");
        long len;
        if (!f) { lc__model_free(m); return lc__fail_open(p, LOLCAT_ERR_IO, "cannot open '%s'", path); }
        if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
            fclose(f); lc__model_free(m); return lc__fail_open(p, LOLCAT_ERR_IO, "cannot read '%s'", path);
        }
        m->owned_size = (size_t)len + 32;
        m->owned = lc__alloc(&m->alloc, m->owned_size);
        if (!m->owned) { fclose(f); lc__model_free(m); return lc__fail_open(p, LOLCAT_ERR_OUT_OF_MEMORY, "out of memory reading '%s'", path); }
        m->data = (const unsigned char *)m->owned + ((32 - ((uintptr_t)m->owned & 31)) & 31);
        m->size = (uint64_t)len;
        if (len && fread((void *)m->data, 1, (size_t)len, f) != (size_t)len) {
            fclose(f); lc__model_free(m); return lc__fail_open(p, LOLCAT_ERR_IO, "cannot read '%s'", path);
        }
        fclose(f);
        return lc__model_finish(m, p, out);
    }
}

LCDEF void lc_model_close(lc_model *m) { if (m) lc__model_free(m); }
LCDEF const lc_model_info *lc_model_get_info(const lc_model *m) { return m ? &m->info : NULL; }
LCDEF lc_layer_kind lc_model_layer_kind(const lc_model *m, int layer) {
    return m && layer >= 0 && layer < m->n_layer ? m->layers[layer].kind : LOLCAT_LAYER_SOFTMAX;
}
LCDEF lc_result lc_model_meta_string(const lc_model *m, const char *key, const char **str, size_t *len) {
    const char *s; uint64_t n;
    if (!m || !key || !str || !len) return LOLCAT_ERR_INVALID_ARGUMENT;
    if (!lc__meta_str(m, key, &s, &n)) return LOLCAT_ERR_INVALID_ARGUMENT;
    *str = s; *len = (size_t)n;
    return LOLCAT_OK;
}
LCDEF lc_result lc_model_meta_int(const lc_model *m, const char *key, int64_t *value) {
    const lc__kv *kv;
    if (!m || !key || !value) return LOLCAT_ERR_INVALID_ARGUMENT;
    kv = lc__gguf_find(&m->gguf, key);
    if (!kv || kv->type == LOLCAT__GGUF_ARRAY || !lc__gguf_int_at(kv->type, kv->val, value)) return LOLCAT_ERR_INVALID_ARGUMENT;
    return LOLCAT_OK;
}
LCDEF lc_result lc_model_meta_float(const lc_model *m, const char *key, double *value) {
    const lc__kv *kv;
    if (!m || !key || !value) return LOLCAT_ERR_INVALID_ARGUMENT;
    kv = lc__gguf_find(&m->gguf, key);
    if (!kv || kv->type == LOLCAT__GGUF_ARRAY || !lc__gguf_float_at(kv->type, kv->val, value)) return LOLCAT_ERR_INVALID_ARGUMENT;
    return LOLCAT_OK;
}
LCDEF int lc_model_tensor_count(const lc_model *m) { return m ? (int)m->gguf.n_tensors : 0; }
LCDEF lc_result lc_model_tensor_get(const lc_model *m, int index, lc_tensor_info *info) {
    const lc__tensor *t;
    if (!m || !info || index < 0 || (uint64_t)index >= m->gguf.n_tensors) return LOLCAT_ERR_INVALID_ARGUMENT;
    t = &m->gguf.tensors[index];
    info->name = t->name; info->type = (lc_tensor_type)t->type; info->n_dims = t->n_dims;
    memcpy(info->ne, t->ne, sizeof info->ne);
    info->data = t->data; info->n_bytes = t->n_bytes;
    return LOLCAT_OK;
}

LCDEF int lc_model_meta_count(const lc_model *m) { return m ? (int)m->gguf.n_kv : 0; }
LCDEF lc_result lc_model_meta_get(const lc_model *m, int index, lc_meta_entry *e) {
    const lc__kv *kv;
    lc__reader r;
    if (!m || !e || index < 0 || (uint64_t)index >= m->gguf.n_kv) return LOLCAT_ERR_INVALID_ARGUMENT;
    kv = &m->gguf.kv[index];
    e->key = kv->key; e->key_len = kv->key_len; e->type = kv->type;
    /* the parser validated every value, so these walks stay inside the file */
    r.p = kv->val; r.size = (uint64_t)(m->data + m->size - kv->val); r.off = 0;
    if (kv->type == LOLCAT__GGUF_ARRAY) {
        e->raw = kv->val - 12;                   /* element type (u32) and count (u64) */
        if (kv->arr_type == LOLCAT__GGUF_STRING) {
            uint64_t i, n; const char *s;
            for (i = 0; i < kv->arr_n; i++) lc__rd_string(&r, &s, &n);
        } else {
            r.off = kv->arr_n * (uint64_t)lc__gguf_scalar_size(kv->arr_type);
        }
        e->raw_size = 12 + r.off;
    } else if (kv->type == LOLCAT__GGUF_STRING) {
        uint64_t n; const char *s;
        lc__rd_string(&r, &s, &n);
        e->raw = kv->val; e->raw_size = r.off;
    } else {
        e->raw = kv->val; e->raw_size = (uint64_t)lc__gguf_scalar_size(kv->type);
    }
    return LOLCAT_OK;
}

/* ===== @@CONTEXT ===== */
typedef struct lc__layer_state {
    float   *k_hist, *v_hist;   /* post-RoPE keys/values, head-major: [kv head][slot j % cap][d] */
    int64_t  cap;               /* n_ctx (softmax), w or 2w (hybrid: ring), 0 (linear) */
    float   *S, *z;             /* linear state per query head: S [H][n_feat][dv], z [H][n_feat] */
    int64_t  n_folded;          /* keys [0, n_folded) have been added to S and z; 0 means S and z
                                   are zero (attention skips the read-out, state loads check it) */
} lc__layer_state;
/* Position j of kv head kvh in a key or value ring of rows of d floats. Head-major, so that
   decode reads one head's history as one stream: with position-major rows of all heads, each
   head read one piece of every row, and a softmax decode step at 32k took 1.5x as long. */
static float *lc__hist_row(float *hist, const lc__layer_state *st, int kvh, int64_t j, int d) {
    return hist + ((size_t)kvh * (size_t)st->cap + (size_t)(j % st->cap)) * (size_t)d;
}
/* Position j's rows of all n_kv heads into a ring from n_kv * d contiguous floats, and out of
   it (bytes, so that a state blob at any alignment can be the other side). */
static void lc__hist_put(float *hist, const lc__layer_state *st, int n_kv, int64_t j, int d, const void *flat) {
    int h;
    for (h = 0; h < n_kv; h++)
        memcpy(lc__hist_row(hist, st, h, j, d), (const unsigned char *)flat + (size_t)h * d * sizeof(float), (size_t)d * sizeof(float));
}
static void lc__hist_get(float *hist, const lc__layer_state *st, int n_kv, int64_t j, int d, void *flat) {
    int h;
    for (h = 0; h < n_kv; h++)
        memcpy((unsigned char *)flat + (size_t)h * d * sizeof(float), lc__hist_row(hist, st, h, j, d), (size_t)d * sizeof(float));
}
/* Position js of ring src into position jd of ring dst (rings of any sizes), all n_kv heads. */
static void lc__hist_copy(float *dst, const lc__layer_state *ds, int64_t jd, float *src, const lc__layer_state *ss, int64_t js, int n_kv, int d) {
    int h;
    for (h = 0; h < n_kv; h++) memcpy(lc__hist_row(dst, ds, h, jd, d), lc__hist_row(src, ss, h, js, d), (size_t)d * sizeof(float));
}

typedef struct lc__thread_scratch {   /* one per thread, sized at creation */
    float *scores, *phi_q, *phi_k, *u, *num, *wsum;   /* scores and num: one row per head of a group */
    /* blocked attention (lc__attend_block): window keys transposed and values, scores, the
       queries' features (and transposed), S padded, gathered keys, feature-map products and
       weights padded, the keys' features and values, query-key feature products (key-major),
       and the block's numerators (per head of a group), denominators, window sums and maxima */
    float *kt, *vp, *sc, *phq, *phqt, *sp, *kg, *fu, *wpad, *phk, *vi, *qk, *bnum, *bden, *bwsum, *bmax;
} lc__thread_scratch;

struct lc_ctx {
    const lc_model   *model;
    lc_allocator      alloc;
    lc_ctx_params     params;           /* resolved */
    int               n_threads, n_threads_cap;
    int64_t           n_past;
    lc__layer_state  *ls;
    float            *x, *xn, *q, *k, *v, *att, *ffg, *ffu, *tmp, *rope_cs, *logits;
    lc__mm_scratch    mm;                /* matmul scratch: per-thread rows, rounded activations */
    lc__thread_scratch *ts;
    float            *block;             /* one allocation holding every float buffer above */
    size_t            block_floats;
    lc_ctx           *lane;              /* created for 2 threads: a second chunk's scratch (lc__eval_lanes) */
    int              *lane_done;         /* per layer: the first chunk of a pair has passed its attention */
    char              err[LOLCAT__ERR_CAP];
};

LCDEF lc_ctx_params lc_ctx_default_params(void) {
    lc_ctx_params p;
    memset(&p, 0, sizeof p);
    return p;
}

/* Lays out every buffer of a context in one block: pass base == NULL to count floats. Sizes
   come from file-declared shapes and caller parameters, so every product is checked: returns
   0 if the total would exceed LOLCAT__MAX_CTX_FLOATS. */
static uint64_t lc__ctx_layout(lc_ctx *c, float *base, int with_states) {
    const lc_model *m = c->model;
    uint64_t off = 0, T = (uint64_t)c->params.n_batch, scores = 1;
    const uint64_t nkeys = LOLCAT__KCHUNK, dvp = ((uint64_t)m->max_dv + 15) & ~(uint64_t)15;
    const uint64_t fdp = ((uint64_t)LOLCAT__MAX(m->fmap_dim, 1) + 15) & ~(uint64_t)15;
    int il, t, nt = c->n_threads_cap, ok = 1;
#define LOLCAT__TAKE(ptr, a, b, d) do { uint64_t n_; \
        if (!lc__mul_u64((uint64_t)(a), (uint64_t)(b), &n_) || !lc__mul_u64(n_, (uint64_t)(d), &n_) || n_ > LOLCAT__MAX_CTX_FLOATS - off) ok = 0; \
        else { if (base) (ptr) = base + off; off += (n_ + 15) & ~(uint64_t)15; } } while (0)
    LOLCAT__TAKE(c->x, T, m->n_embd, 1);
    LOLCAT__TAKE(c->xn, T, m->n_embd, 1);
    LOLCAT__TAKE(c->q, T, m->max_q, 1);
    LOLCAT__TAKE(c->k, T, m->max_k, 1);
    LOLCAT__TAKE(c->v, T, m->max_v, 1);
    LOLCAT__TAKE(c->att, T, m->max_att, 1);
    LOLCAT__TAKE(c->ffg, T, m->max_ff, 1);
    LOLCAT__TAKE(c->ffu, T, m->max_ff, 1);
    LOLCAT__TAKE(c->tmp, T, LOLCAT__MAX(m->max_rank, 1), 1);
    LOLCAT__TAKE(c->rope_cs, T, LOLCAT__MAX(m->n_rot, 2), 1);
    LOLCAT__TAKE(c->logits, m->n_vocab, 1, 1);
    for (il = 0; il < m->n_layer; il++) {
        const lc__layer *L = &m->layers[il];
        const int64_t cap = L->kind == LOLCAT_LAYER_SOFTMAX ? c->params.n_ctx
                          : L->kind == LOLCAT_LAYER_HYBRID ? (int64_t)m->window * (c->params.window_mode == LOLCAT_WINDOW_TERRACE ? 2 : 1) : 0;
        lc__layer_state *st;
        scores = LOLCAT__MAX(scores, (uint64_t)cap * (uint64_t)(L->n_head / L->n_head_kv));
        if (!with_states) continue;   /* a lane: scratch only, the states are the context's */
        st = &c->ls[il];
        st->cap = cap;
        LOLCAT__TAKE(st->k_hist, st->cap, L->n_head_kv, L->dk);
        LOLCAT__TAKE(st->v_hist, st->cap, L->n_head_kv, L->dv);
        if (L->kind != LOLCAT_LAYER_SOFTMAX) {
            LOLCAT__TAKE(st->S, L->n_head, L->n_feat, L->dv);
            LOLCAT__TAKE(st->z, L->n_head, L->n_feat, 1);
        }
    }
    c->mm.rowbuf_stride = (lc__mm_rowbuf_floats(m->max_in) + 15) & ~(size_t)15;
    LOLCAT__TAKE(c->mm.rowbuf, c->mm.rowbuf_stride, nt, 1);
    if (LOLCAT__SIMD) LOLCAT__TAKE(c->mm.xp, lc__mm_xp_floats(m->max_in, (int)T), 1, 1);
    for (t = 0; t < nt; t++) {
        lc__thread_scratch *s = &c->ts[t];
        LOLCAT__TAKE(s->scores, scores, 1, 1);
        LOLCAT__TAKE(s->phi_q, LOLCAT__MAX(m->max_feat, 1), 1, 1);
        LOLCAT__TAKE(s->phi_k, LOLCAT__MAX(m->max_feat, 1), 1, 1);
        LOLCAT__TAKE(s->u, LOLCAT__MAX(m->fmap_dim, 1), 1, 1);
        LOLCAT__TAKE(s->num, LOLCAT__MAX(m->max_dv, 1), LOLCAT__MAX(m->max_group, 1), 1);
        LOLCAT__TAKE(s->wsum, LOLCAT__MAX(m->max_group, 1), 1, 1);
        if (LOLCAT__SIMD) {   /* lc__attend_block */
            LOLCAT__TAKE(s->kt, m->max_dk, nkeys, 1);
            LOLCAT__TAKE(s->vp, nkeys, dvp, 1);
            LOLCAT__TAKE(s->sc, LOLCAT__QBLOCK, nkeys, 1);
            LOLCAT__TAKE(s->phq, LOLCAT__QBLOCK, m->max_feat, 1);
            LOLCAT__TAKE(s->sp, m->max_feat, dvp, 1);
            LOLCAT__TAKE(s->phqt, m->max_feat, LOLCAT__QBLOCK, 1);
            LOLCAT__TAKE(s->kg, LOLCAT__FBLOCK, m->max_dk, 1);
            LOLCAT__TAKE(s->fu, LOLCAT__FBLOCK, fdp, 1);
            LOLCAT__TAKE(s->wpad, m->max_dk, fdp, 1);
            LOLCAT__TAKE(s->phk, LOLCAT__FBLOCK, m->max_feat, 1);
            LOLCAT__TAKE(s->vi, LOLCAT__FBLOCK, dvp, 1);
            LOLCAT__TAKE(s->qk, LOLCAT__FBLOCK, LOLCAT__QBLOCK, 1);
            LOLCAT__TAKE(s->bnum, LOLCAT__QBLOCK, m->max_dv, LOLCAT__MAX(m->max_group, 1));
            LOLCAT__TAKE(s->bden, LOLCAT__QBLOCK, 1, 1);
            LOLCAT__TAKE(s->bwsum, LOLCAT__QBLOCK, LOLCAT__MAX(m->max_group, 1), 1);
            LOLCAT__TAKE(s->bmax, LOLCAT__QBLOCK, LOLCAT__MAX(m->max_group, 1), 1);
        }
    }
#undef LOLCAT__TAKE
    return ok ? off : 0;
}

/* lc__mm_scratch.claims: two counts per thread pair (and [0] for prefill). */
static size_t lc__claims_bytes(int n_threads_cap) { return (size_t)(n_threads_cap / 2 + 1) * 2 * sizeof(int); }
static void lc__ctx_free(lc_ctx *c) {
    lc_allocator a = c->alloc;
    if (c->lane) lc__ctx_free(c->lane);
    lc__free(&a, c->lane_done, (size_t)c->model->n_layer * sizeof(int));
    lc__free(&a, c->block, c->block_floats * sizeof(float) + 64);
    lc__free(&a, c->ls, (size_t)c->model->n_layer * sizeof(lc__layer_state));
    lc__free(&a, c->ts, (size_t)c->n_threads_cap * sizeof(lc__thread_scratch));
    lc__free(&a, c->mm.claims, lc__claims_bytes(c->n_threads_cap));
    lc__free(&a, c, sizeof *c);
}

/* Allocates c's float block and lays it out with lc__ctx_layout, 64-byte aligned for SIMD
   loads. Returns 0 if the sizes overflow or memory runs out. */
static int lc__ctx_alloc_block(lc_ctx *c, int with_states) {
    const uint64_t floats = lc__ctx_layout(c, NULL, with_states);   /* 0: the sizes overflow */
    uint64_t bytes;
    if (floats == 0 || !lc__mul_u64(floats, sizeof(float), &bytes) || bytes > (uint64_t)SIZE_MAX - 64) return 0;
    c->block = (float *)lc__alloc(&c->alloc, (size_t)bytes + 64);
    if (!c->block) return 0;
    c->block_floats = (size_t)floats;
    lc__ctx_layout(c, (float *)((char *)c->block + ((64 - ((uintptr_t)c->block & 63)) & 63)), with_states);
    return 1;
}

/* The lane of a 2-thread context (lc__eval_lanes): scratch for one chunk on one thread, and
   the per-layer flags of the hand-over; the states stay the context's. Made at creation, so
   that lc_eval never allocates. Returns 0 if out of memory. */
static int lc__lane_create(lc_ctx *c) {
    lc_allocator a = c->alloc;
    lc_ctx *lane = c->lane = (lc_ctx *)lc__zalloc(&a, sizeof *lane);
    if (!lane) return 0;
    lane->model = c->model; lane->alloc = a; lane->params = c->params;   /* what lc__ctx_free needs */
    c->lane_done = (int *)lc__zalloc(&a, (size_t)c->model->n_layer * sizeof(int));
    if (!c->lane_done) return 0;
    lane->n_threads = lane->n_threads_cap = 1;
    lane->ts = (lc__thread_scratch *)lc__zalloc(&a, sizeof(lc__thread_scratch));
    return lane->ts && lc__ctx_alloc_block(lane, 0);
}

LCDEF lc_result lc_ctx_create(const lc_model *m, const lc_ctx_params *params, lc_ctx **out) {
    lc_ctx *c;
    lc_allocator a;
    lc_ctx_params p = params ? *params : lc_ctx_default_params();
    if (!out) return LOLCAT_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!m || m->vocab_only) return LOLCAT_ERR_INVALID_ARGUMENT;   /* vocabulary-only files cannot run */
    if (p.n_ctx < 0 || p.n_batch < 0 || p.n_threads < 0 || (p.window_mode != LOLCAT_WINDOW_SLIDING && p.window_mode != LOLCAT_WINDOW_TERRACE))
        return LOLCAT_ERR_INVALID_ARGUMENT;
    a = (p.allocator.alloc && p.allocator.free) ? p.allocator : m->alloc;
    if (p.n_ctx == 0) p.n_ctx = m->info.n_softmax_layers ? LOLCAT__MIN(m->n_ctx_train, 4096) : 0;
    if (p.n_batch == 0) p.n_batch = 256;
    if (p.n_batch > 1 << 16) p.n_batch = 1 << 16;
    if (p.n_threads == 0) p.n_threads = lc__threads_default();
    if (p.n_threads > 1024) p.n_threads = 1024;
    c = (lc_ctx *)lc__zalloc(&a, sizeof *c);
    if (!c) return LOLCAT_ERR_OUT_OF_MEMORY;
    c->model = m; c->alloc = a; c->params = p;
    c->n_threads = p.n_threads;
    c->n_threads_cap = LOLCAT__MAX(p.n_threads, lc__threads_default());
    c->ls = (lc__layer_state *)lc__zalloc(&a, (size_t)m->n_layer * sizeof(lc__layer_state));
    c->ts = (lc__thread_scratch *)lc__zalloc(&a, (size_t)c->n_threads_cap * sizeof(lc__thread_scratch));
    c->mm.claims = (int *)lc__zalloc(&a, lc__claims_bytes(c->n_threads_cap));
    if (!c->ls || !c->ts || !c->mm.claims) { lc__ctx_free(c); return LOLCAT_ERR_OUT_OF_MEMORY; }
    if (!lc__ctx_alloc_block(c, 1)) { lc__ctx_free(c); return LOLCAT_ERR_OUT_OF_MEMORY; }
    if (LOLCAT__LANES && p.n_threads == 2 && !lc__lane_create(c)) { lc__ctx_free(c); return LOLCAT_ERR_OUT_OF_MEMORY; }
    lc_ctx_reset(c);
    *out = c;
    return LOLCAT_OK;
}

LCDEF void lc_ctx_destroy(lc_ctx *c) { if (c) lc__ctx_free(c); }

LCDEF void lc_ctx_reset(lc_ctx *c) {
    const lc_model *m;
    int il;
    if (!c) return;
    m = c->model;
    c->n_past = 0;
    c->err[0] = 0;
    for (il = 0; il < m->n_layer; il++) {
        const lc__layer *L = &m->layers[il];
        lc__layer_state *st = &c->ls[il];
        st->n_folded = 0;
        if (st->S) {
            memset(st->S, 0, (size_t)L->n_head * L->n_feat * L->dv * sizeof(float));
            memset(st->z, 0, (size_t)L->n_head * L->n_feat * sizeof(float));
        }
    }
    memset(c->logits, 0, (size_t)m->n_vocab * sizeof(float));
}

LCDEF void lc_ctx_set_threads(lc_ctx *c, int n) {
    if (c) c->n_threads = n <= 0 ? LOLCAT__MIN(lc__threads_default(), c->n_threads_cap) : LOLCAT__MIN(n, c->n_threads_cap);
}
LCDEF int64_t lc_ctx_n_past(const lc_ctx *c) { return c ? c->n_past : 0; }
LCDEF const char *lc_ctx_last_error(const lc_ctx *c) { return c ? c->err : ""; }
LCDEF const float *lc_get_logits(const lc_ctx *c) { return c ? c->logits : NULL; }

/* Number of history entries a layer holds now (the window, or the whole cache). */
static int64_t lc__hist_len(const lc_ctx *c, int il) {
    const lc__layer_state *st = &c->ls[il];
    const lc__layer *L = &c->model->layers[il];
    if (L->kind == LOLCAT_LAYER_SOFTMAX) return c->n_past;
    if (L->kind == LOLCAT_LAYER_HYBRID) return LOLCAT__MIN(c->n_past, (int64_t)c->model->window);
    (void)st;
    return 0;
}

LCDEF size_t lc_ctx_state_memory(const lc_ctx *c) {
    size_t total = 0;
    int il;
    if (!c) return 0;
    for (il = 0; il < c->model->n_layer; il++) {
        const lc__layer *L = &c->model->layers[il];
        total += (size_t)lc__hist_len(c, il) * L->n_head_kv * (L->dk + L->dv) * sizeof(float);
        if (L->kind != LOLCAT_LAYER_SOFTMAX) total += (size_t)L->n_head * L->n_feat * (L->dv + 1) * sizeof(float);
    }
    return total;
}

/* ===== @@FORWARD ===== */
/* One lc_eval call may be split into several chunks of n_batch tokens; the call itself
   decides the window rule (terrace applies to the first call of a sequence only). */
typedef struct lc__call {
    int     terrace;
    int64_t length;        /* tokens in the whole call (terrace block alignment needs it) */
} lc__call;

/* For the query at absolute position i: softmax keys are [ws, i], and keys [0, le) must be
   folded into the linear state before the output is computed. */
static void lc__bounds(const lc_model *m, lc_layer_kind kind, const lc__call *call, int64_t i, int64_t *ws, int64_t *le) {
    int64_t w = m->window;
    if (kind == LOLCAT_LAYER_SOFTMAX) { *ws = 0; *le = 0; return; }
    if (kind == LOLCAT_LAYER_LINEAR) { *ws = i + 1; *le = i + 1; return; }
    if (call->terrace) {
        int64_t blocks = (call->length + w - 1) / w;
        if (blocks == 1) { *ws = 0; *le = i + 1; return; }   /* reference quirk: every key in both parts */
        {
            int64_t off = blocks * w - call->length, b = (i + off) / w;
            *ws = LOLCAT__MAX(0, (b - 1) * w - off);
            *le = *ws;
        }
        return;
    }
    *ws = LOLCAT__MAX(0, i - w + 1);
    *le = *ws;
}

/* Key/value of absolute position j: this chunk's rows (j >= p0) or the layer's history. */
static const float *lc__key_at(const lc_ctx *c, const lc__layer_state *st, const lc__layer *L, int64_t p0, int64_t j, int kvh) {
    size_t stride = (size_t)L->n_head_kv * L->dk;
    return j >= p0 ? c->k + (size_t)(j - p0) * stride + (size_t)kvh * L->dk : lc__hist_row(st->k_hist, st, kvh, j, L->dk);
}
static const float *lc__value_at(const lc_ctx *c, const lc__layer_state *st, const lc__layer *L, int64_t p0, int64_t j, int kvh) {
    size_t stride = (size_t)L->n_head_kv * L->dv;
    return j >= p0 ? c->v + (size_t)(j - p0) * stride + (size_t)kvh * L->dv : lc__hist_row(st->v_hist, st, kvh, j, L->dv);
}

/* Folds keys [from, to) of query head h into its S and z. */
static void lc__fold(const lc_ctx *c, int il, int h, int64_t p0, int64_t from, int64_t to, lc__thread_scratch *s) {
    const lc_model *m = c->model;
    const lc__layer *L = &m->layers[il];
    const lc__layer_state *st = &c->ls[il];
    int kvh = h / (L->n_head / L->n_head_kv);
    float *S = st->S + (size_t)h * L->n_feat * L->dv, *z = st->z + (size_t)h * L->n_feat;
    const float *W = L->fmap_k ? L->fmap_k + (size_t)h * L->dk * m->fmap_dim : NULL;
    float bias = L->fmap_k_bias ? L->fmap_k_bias[h] : 0.0f;
    int64_t j;
    for (j = from; j < to; j++) {
        lc__fmap(m->fmap, W, bias, lc__key_at(c, st, L, p0, j, kvh), L->dk, m->fmap_dim, m->feature_eps, s->u, s->phi_k);
        lc__state_update(S, z, s->phi_k, lc__value_at(c, st, L, p0, j, kvh), L->n_feat, L->dv);
    }
}

#define LOLCAT__KEY_BLOCK 64   /* window keys handled per pass: their rows stay in L1 for the group */

/* Query t of the chunk (position p0 + t) for the query heads [g0, g1) of key/value head kvh:
   fold keys that left the window, softmax over the window (weighted by beta on hybrid layers,
   stabilised by the window max only), then add the linear read-out. This is the reference
   decode step. Each block of window keys and values is read once for the whole group (at
   long softmax contexts that is what decode streams). */
static void lc__attend_token(lc_ctx *c, int il, int64_t p0, const lc__call *call, int kvh, int g0, int g1, int t,
                             int64_t *folded, lc__thread_scratch *s) {
    const lc_model *m = c->model;
    const lc__layer *L = &m->layers[il];
    const lc__layer_state *st = &c->ls[il];
    const int H = L->n_head, G = L->n_head / L->n_head_kv, dk = L->dk, dv = L->dv, ng = g1 - g0;
    const float scale = 1.0f / sqrtf((float)dk);
    const float *krow[LOLCAT__KEY_BLOCK], *vrow[LOLCAT__KEY_BLOCK];
    const int64_t i = p0 + t;
    int64_t ws, le, j0;
    int g, d;
    lc__bounds(m, L->kind, call, i, &ws, &le);
    if (le > *folded) {
        for (g = g0; g < g1; g++) lc__fold(c, il, kvh * G + g, p0, *folded, le, s);
        *folded = le;
    }
    memset(s->num, 0, (size_t)ng * dv * sizeof(float));
    if (ws <= i) {   /* softmax over the window [ws, i]: scores, then weights, then values */
        const int n = (int)(i - ws + 1);
        for (j0 = ws; j0 <= i; j0 += LOLCAT__KEY_BLOCK) {
            const int nb = (int)LOLCAT__MIN((int64_t)LOLCAT__KEY_BLOCK, i + 1 - j0);
            int j;
            for (j = 0; j < nb; j++) krow[j] = lc__key_at(c, st, L, p0, j0 + j, kvh);
            for (g = 0; g < ng; g++)
                lc__scores(c->q + (size_t)t * H * dk + (size_t)(kvh * G + g0 + g) * dk, krow, nb, dk, scale,
                           s->scores + (size_t)g * n + (j0 - ws));
        }
        for (g = 0; g < ng; g++) {
            float *sc = s->scores + (size_t)g * n, mx = -INFINITY;
            int j;
            for (j = 0; j < n; j++) mx = LOLCAT__MAX(mx, sc[j]);
            s->wsum[g] = lc__exp_shift_sum(sc, n, mx);
        }
        for (j0 = ws; j0 <= i; j0 += LOLCAT__KEY_BLOCK) {
            const int nb = (int)LOLCAT__MIN((int64_t)LOLCAT__KEY_BLOCK, i + 1 - j0);
            int j;
            for (j = 0; j < nb; j++) vrow[j] = lc__value_at(c, st, L, p0, j0 + j, kvh);
            for (g = 0; g < ng; g++) lc__wsum(s->num + (size_t)g * dv, s->scores + (size_t)g * n + (j0 - ws), vrow, nb, dv);
        }
    }
    for (g = 0; g < ng; g++) {
        const int h = kvh * G + g0 + g;
        const float *qi = c->q + (size_t)t * H * dk + (size_t)h * dk;
        float *num = s->num + (size_t)g * dv, *out = c->att + (size_t)t * H * dv + (size_t)h * dv;
        float den = 0.0f;
        if (ws <= i) {
            const float weight = L->kind == LOLCAT_LAYER_HYBRID ? L->beta[h] : 1.0f;
            for (d = 0; d < dv; d++) num[d] *= weight;
            den += weight * s->wsum[g];
        }
        if (L->kind != LOLCAT_LAYER_SOFTMAX && *folded > 0) {   /* with nothing folded S and z are zero: skip */
            const float *Wq = L->fmap_q ? L->fmap_q + (size_t)h * dk * m->fmap_dim : NULL;
            lc__fmap(m->fmap, Wq, L->fmap_q_bias ? L->fmap_q_bias[h] : 0.0f, qi, dk, m->fmap_dim, m->feature_eps, s->u, s->phi_q);
            den += lc__state_read(c->ls[il].S + (size_t)h * L->n_feat * dv, c->ls[il].z + (size_t)h * L->n_feat, s->phi_q, num, L->n_feat, dv);
        }
        for (d = 0; d < dv; d++) out[d] = num[d] / den;
    }
}

#if LOLCAT__SIMD
/* dst[0..n) = src, dst[n..n_pad) = 0: rows the 16-wide kernel reads whole. */
static void lc__copy_padded(float *dst, const float *src, int n, int n_pad) {
    memcpy(dst, src, (size_t)n * sizeof(float));
    memset(dst + n, 0, (size_t)(n_pad - n) * sizeof(float));
}
/* Feature maps of n rows of X (row stride ldx, n <= FBLOCK) into out (row stride ldo): the
   products u = xW of all rows as one small matrix product, then each row's nonlinearity. */
static void lc__fmap_rows(const lc_model *m, const float *W, float bias, const float *X, int ldx, int n, int d,
                          float *out, int ldo, lc__thread_scratch *s) {
    const int F = m->fmap_dim, Fp = (F + 15) & ~15;
    const float *A = W;
    int r;
    if (m->fmap == LOLCAT_FMAP_ELU || !W) {
        for (r = 0; r < n; r++) lc__fmap(m->fmap, W, bias, X + (size_t)r * ldx, d, F, m->feature_eps, s->u, out + (size_t)r * ldo);
        return;
    }
    if (Fp != F) {   /* the kernel reads 16 columns at a time */
        for (r = 0; r < d; r++) lc__copy_padded(s->wpad + (size_t)r * Fp, W + (size_t)r * F, F, Fp);
        A = s->wpad;
    }
    lc__gemm_small(A, Fp, F, d, X, ldx, 1, n, s->fu, Fp, 1.0f, 0);
    for (r = 0; r < n; r++) lc__fmap_finish_simd(m->fmap, s->fu + (size_t)r * Fp, bias, F, m->feature_eps, out + (size_t)r * ldo);
}
/* Keys [a, a + nb) of query head h (nb <= FBLOCK): their features into s->phk (nb x n_feat)
   and their values into s->vi (nb x dv rounded up to 16). */
static void lc__key_block(const lc_ctx *c, int il, int h, int64_t p0, int64_t a, int nb, lc__thread_scratch *s) {
    const lc_model *m = c->model;
    const lc__layer *L = &m->layers[il];
    const lc__layer_state *st = &c->ls[il];
    const int kvh = h / (L->n_head / L->n_head_kv), dk = L->dk, dv = L->dv, dvp = (dv + 15) & ~15;
    const float *W = L->fmap_k ? L->fmap_k + (size_t)h * dk * m->fmap_dim : NULL;
    int j;
    for (j = 0; j < nb; j++) {
        memcpy(s->kg + (size_t)j * dk, lc__key_at(c, st, L, p0, a + j, kvh), (size_t)dk * sizeof(float));
        lc__copy_padded(s->vi + (size_t)j * dvp, lc__value_at(c, st, L, p0, a + j, kvh), dv, dvp);
    }
    lc__fmap_rows(m, W, L->fmap_k_bias ? L->fmap_k_bias[h] : 0.0f, s->kg, dk, nb, dk, s->phk, L->n_feat, s);
}
/* S += phi_k^T V and z += phi_k over the keys that lc__key_block left in s. */
static void lc__fold_key_block(float *S, float *z, int F, int dv, int nb, lc__thread_scratch *s) {
    int f, j;
    lc__gemm_small(s->vi, (dv + 15) & ~15, dv, nb, s->phk, 1, F, F, S, dv, 1.0f, 1);
    for (j = 0; j < nb; j++)
        for (f = 0; f < F; f++) z[f] += s->phk[(size_t)j * F + f];
}

/* Queries t0..t1-1 (at most QBLOCK) of the query heads [g0, g1) of key/value head kvh, as small
   matrix products. The same sums as lc__attend_token for each query, in another order:
   - window: the keys any query of the block sees go KCHUNK at a time; each query's scores are
     masked to its own window, and its running max, weight sum and weighted values are
     rescaled whenever a later chunk raises the max (so the max is still the window's);
   - linear: the read-out from S as it stands before the block (keys below lo), plus, for the
     keys [lo, hi) that enter S during the block, their features against the queries',
     masked to the keys each query has folded; those keys are folded into S last. */
static void lc__attend_block(lc_ctx *c, int il, int64_t p0, const lc__call *call, int kvh, int g0, int g1,
                             int t0, int t1, int64_t *folded, lc__thread_scratch *s) {
    const lc_model *m = c->model;
    const lc__layer *L = &m->layers[il];
    const lc__layer_state *st = &c->ls[il];
    const int H = L->n_head, G = H / L->n_head_kv, dk = L->dk, dv = L->dv, F = L->n_feat, nq = t1 - t0;
    const int dvp = (dv + 15) & ~15, ng = g1 - g0;
    const float scale = 1.0f / sqrtf((float)dk);
    int64_t ws[LOLCAT__QBLOCK], le[LOLCAT__QBLOCK], kw0 = INT64_MAX, lo, hi, a, c0;
    int q, g, j, d;
    lo = hi = *folded;
    for (q = 0; q < nq; q++) {
        lc__bounds(m, L->kind, call, p0 + t0 + q, &ws[q], &le[q]);
        if (ws[q] <= p0 + t0 + q) kw0 = LOLCAT__MIN(kw0, ws[q]);
        if (q == 0) lo = LOLCAT__MAX(lo, le[0]);
        hi = LOLCAT__MAX(hi, le[q]);
    }
    hi = LOLCAT__MAX(hi, lo);
    for (g = 0; g < ng; g++)
        for (q = 0; q < nq; q++) s->bmax[g * LOLCAT__QBLOCK + q] = -INFINITY, s->bwsum[g * LOLCAT__QBLOCK + q] = 0.0f;
    memset(s->bnum, 0, (size_t)ng * LOLCAT__QBLOCK * dv * sizeof(float));
    for (c0 = kw0; c0 < p0 + t1; c0 += LOLCAT__KCHUNK) {   /* window keys [kw0, p0 + t1), a chunk at a time */
        const int nk = (int)LOLCAT__MIN((int64_t)LOLCAT__KCHUNK, p0 + t1 - c0), nkp = (nk + 15) & ~15;
        for (j = 0; j < nkp; j++) {   /* keys transposed, values as rows */
            if (j < nk) {
                const float *kr = lc__key_at(c, st, L, p0, c0 + j, kvh);
                for (d = 0; d < dk; d++) s->kt[(size_t)d * nkp + j] = kr[d];
                lc__copy_padded(s->vp + (size_t)j * dvp, lc__value_at(c, st, L, p0, c0 + j, kvh), dv, dvp);
            } else {
                for (d = 0; d < dk; d++) s->kt[(size_t)d * nkp + j] = 0.0f;
            }
        }
        for (g = 0; g < ng; g++) {
            const float *qrow = c->q + (size_t)t0 * H * dk + (size_t)(kvh * G + g0 + g) * dk;
            float *num = s->bnum + (size_t)g * LOLCAT__QBLOCK * dv, *mxs = s->bmax + g * LOLCAT__QBLOCK, *sums = s->bwsum + g * LOLCAT__QBLOCK;
            lc__gemm_small(s->kt, nkp, nk, dk, qrow, (ptrdiff_t)H * dk, 1, nq, s->sc, nkp, scale, 0);
            for (q = 0; q < nq; q++) {   /* query q's keys in this chunk become weights; the rest 0 */
                float *sc = s->sc + (size_t)q * nkp, mx;
                const int jw0 = (int)LOLCAT__MAX(0, ws[q] - c0), jw1 = (int)LOLCAT__MIN((int64_t)nk, p0 + t0 + q + 1 - c0);
                if (jw0 >= jw1) { memset(sc, 0, (size_t)nkp * sizeof(float)); continue; }
                mx = mxs[q];
                for (j = jw0; j < jw1; j++) mx = LOLCAT__MAX(mx, sc[j]);
                if (mx > mxs[q] && mxs[q] != -INFINITY) {   /* a new max: rescale what earlier chunks summed */
                    const float r = expf(mxs[q] - mx);
                    for (d = 0; d < dv; d++) num[(size_t)q * dv + d] *= r;
                    sums[q] *= r;
                }
                mxs[q] = mx;
                sums[q] += lc__exp_shift_sum(sc + jw0, jw1 - jw0, mx);
                memset(sc, 0, (size_t)jw0 * sizeof(float));
                memset(sc + jw1, 0, (size_t)(nkp - jw1) * sizeof(float));
            }
            lc__gemm_small(s->vp, dvp, dv, nk, s->sc, nkp, 1, nq, num, dv, 1.0f, 1);
        }
    }
    for (g = g0; g < g1; g++) {
        const int h = kvh * G + g;
        const float *qrow = c->q + (size_t)t0 * H * dk + (size_t)h * dk;
        float *num = s->bnum + (size_t)(g - g0) * LOLCAT__QBLOCK * dv, *den = s->bden;
        const float weight = L->kind == LOLCAT_LAYER_HYBRID ? L->beta[h] : 1.0f;
        for (q = 0; q < nq; q++) {
            den[q] = 0.0f;
            if (ws[q] <= p0 + t0 + q) {
                for (d = 0; d < dv; d++) num[(size_t)q * dv + d] *= weight;
                den[q] = weight * s->bwsum[(g - g0) * LOLCAT__QBLOCK + q];
            }
        }
        if (L->kind != LOLCAT_LAYER_SOFTMAX) {
            float *S = c->ls[il].S + (size_t)h * F * dv, *z = c->ls[il].z + (size_t)h * F;
            const float *Wq = L->fmap_q ? L->fmap_q + (size_t)h * dk * m->fmap_dim : NULL, *sp = S;
            for (a = *folded; a < lo; a += LOLCAT__FBLOCK) {   /* keys that left the window before the block */
                const int nb = (int)LOLCAT__MIN((int64_t)LOLCAT__FBLOCK, lo - a);
                lc__key_block(c, il, h, p0, a, nb, s);
                lc__fold_key_block(S, z, F, dv, nb, s);
            }
            if (lo > 0 || hi > lo)
                lc__fmap_rows(m, Wq, L->fmap_q_bias ? L->fmap_q_bias[h] : 0.0f, qrow, H * dk, nq, dk, s->phq, F, s);
            if (lo > 0) {   /* the read-out of S; before any key is folded S and z are zero */
                if (dvp != dv) {   /* the kernel reads 16 columns at a time */
                    for (j = 0; j < F; j++) lc__copy_padded(s->sp + (size_t)j * dvp, S + (size_t)j * dv, dv, dvp);
                    sp = s->sp;
                }
                lc__gemm_small(sp, dvp, dv, F, s->phq, F, 1, nq, num, dv, 1.0f, 1);
                for (q = 0; q < nq; q++) den[q] += lc__dot_f32(s->phq + (size_t)q * F, z, F);
            }
            if (hi > lo)   /* the queries' features transposed (16 columns, zero past nq) */
                for (j = 0; j < F; j++)
                    for (q = 0; q < LOLCAT__QBLOCK; q++) s->phqt[(size_t)j * LOLCAT__QBLOCK + q] = q < nq ? s->phq[(size_t)q * F + j] : 0.0f;
            for (a = lo; a < hi; a += LOLCAT__FBLOCK) {   /* keys folded during the block */
                const int nb = (int)LOLCAT__MIN((int64_t)LOLCAT__FBLOCK, hi - a);
                lc__key_block(c, il, h, p0, a, nb, s);
                /* qk[j][q] = phi_k[j] . phi_q[q], kept where query q has folded key a + j (below le[q]) */
                lc__gemm_small(s->phqt, LOLCAT__QBLOCK, nq, F, s->phk, F, 1, nb, s->qk, LOLCAT__QBLOCK, 1.0f, 0);
                for (q = 0; q < nq; q++) {
                    const int lim = (int)LOLCAT__MAX(0, LOLCAT__MIN((int64_t)nb, le[q] - a));
                    for (j = 0; j < lim; j++) den[q] += s->qk[(size_t)j * LOLCAT__QBLOCK + q];
                    for (; j < nb; j++) s->qk[(size_t)j * LOLCAT__QBLOCK + q] = 0.0f;
                }
                lc__gemm_small(s->vi, dvp, dv, nb, s->qk, 1, LOLCAT__QBLOCK, nq, num, dv, 1.0f, 1);
                lc__fold_key_block(S, z, F, dv, nb, s);
            }
        }
        for (q = 0; q < nq; q++) {
            float *out = c->att + (size_t)(t0 + q) * H * dv + (size_t)h * dv;
            for (d = 0; d < dv; d++) out[d] = num[(size_t)q * dv + d] / den[q];
        }
    }
    *folded = hi;
}
#endif

/* Attention of one layer for T queries at positions p0..p0+T-1. Work units are one key/value
   head with all its query heads (or a part of them when there are fewer key/value heads than
   threads). Prefill in SIMD builds goes through lc__attend_block, QBLOCK queries at a time;
   decode and scalar builds go token by token (lc__attend_token), in order. */
static void lc__attention(lc_ctx *c, int il, int64_t p0, int T, const lc__call *call, int last_chunk) {
    const lc_model *m = c->model;
    const lc__layer *L = &m->layers[il];
    lc__layer_state *st = &c->ls[il];
    const int H = L->n_head, Hkv = L->n_head_kv, G = L->n_head / L->n_head_kv, dk = L->dk, dv = L->dv;
    const int64_t folded0 = st->n_folded;
    const int split = LOLCAT__MAX(1, LOLCAT__MIN(G, (c->n_threads + Hkv - 1) / Hkv)), n_units = Hkv * split;
    int u;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(c->n_threads) schedule(static) if (c->n_threads > 1)
#endif
    for (u = 0; u < n_units; u++) {
        lc__thread_scratch *s = &c->ts[LOLCAT__THREAD_ID()];
        const int kvh = u / split, g0 = G * (u % split) / split, g1 = G * (u % split + 1) / split;
        int64_t folded = folded0;
        int t0, t;
        for (t0 = 0; t0 < T; t0 += LOLCAT__QBLOCK) {
            const int t1 = LOLCAT__MIN(T, t0 + LOLCAT__QBLOCK);
#if LOLCAT__SIMD
            if (t1 - t0 > 1) { lc__attend_block(c, il, p0, call, kvh, g0, g1, t0, t1, &folded, s); continue; }
#endif
            for (t = t0; t < t1; t++) lc__attend_token(c, il, p0, call, kvh, g0, g1, t, &folded, s);
        }
    }
    if (L->kind != LOLCAT_LAYER_SOFTMAX) {
        int64_t ws, le;
        lc__bounds(m, L->kind, call, p0 + T - 1, &ws, &le);
        st->n_folded = LOLCAT__MAX(folded0, le);
        /* the end of a terrace prefill leaves the state the reference's cache fill leaves:
           S over keys [0, L-w), the last w keys in the window */
        if (call->terrace && last_chunk && L->kind == LOLCAT_LAYER_HYBRID) {
            int64_t target = LOLCAT__MAX(0, call->length - m->window);
            if (call->length <= m->window) {
                memset(st->S, 0, (size_t)H * L->n_feat * dv * sizeof(float));
                memset(st->z, 0, (size_t)H * L->n_feat * sizeof(float));
                st->n_folded = 0;
            } else if (target > st->n_folded) {
                const int64_t from = st->n_folded;
                int h;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(c->n_threads) schedule(static) if (c->n_threads > 1)
#endif
                for (h = 0; h < H; h++) lc__fold(c, il, h, p0, from, target, &c->ts[LOLCAT__THREAD_ID()]);
                st->n_folded = target;
            }
        }
    }
    if (st->cap > 0) {   /* commit this chunk's keys/values to the cache or ring */
        int64_t j;
        for (j = LOLCAT__MAX(p0, p0 + T - st->cap); j < p0 + T; j++) {
            lc__hist_put(st->k_hist, st, Hkv, j, dk, c->k + (size_t)(j - p0) * Hkv * dk);
            lc__hist_put(st->v_hist, st, Hkv, j, dv, c->v + (size_t)(j - p0) * Hkv * dv);
        }
    }
}

static void lc__mm_set_job(lc__mm_job *j, const lc__mat *W, float *Y, int ldy, int accumulate) {
    j->W = W; j->Y = Y; j->ldy = ldy; j->accumulate = accumulate; j->alpha = 1.0f;
}

/* y (=|+=) projection of x; low-rank and LoRA go through c->tmp. */
static void lc__proj_apply(lc_ctx *c, const lc__proj *p, const float *X, int ldx, int T, float *Y, int ldy, int accumulate) {
    const int nt = c->n_threads;
    if (!p->low_rank) {
        lc__matmul(&p->w, X, ldx, T, Y, ldy, 1.0f, accumulate, &c->mm, nt);
    } else {
        lc__matmul(&p->a, X, ldx, T, c->tmp, p->a.n_out, 1.0f, 0, &c->mm, nt);
        lc__matmul(&p->b, c->tmp, p->a.n_out, T, Y, ldy, 1.0f, accumulate, &c->mm, nt);
    }
    if (p->has_lora) {
        lc__matmul(&p->lora_a, X, ldx, T, c->tmp, p->lora_a.n_out, 1.0f, 0, &c->mm, nt);
        lc__matmul(&p->lora_b, c->tmp, p->lora_a.n_out, T, Y, ldy, c->model->lora_scale, 1, &c->mm, nt);
    }
}

/* The row-wise steps between a chunk's products run on the context's threads, a token's row
   whole on one of them, so the split changes no value; a few rows stay on the calling thread
   (a fork/join costs more than they do). */
#define LOLCAT__ROWS_IN_PARALLEL(n_threads, n_rows) ((n_threads) > 1 && (n_rows) >= 16)
/* RMSNorm of n_rows rows of n floats (x and y row-major, stride n). */
static void lc__rmsnorm_rows(float *y, const float *x, const float *w, int n_rows, int n, float eps, int n_threads) {
    int t;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(n_threads) schedule(static) if (LOLCAT__ROWS_IN_PARALLEL(n_threads, n_rows))
#else
    (void)n_threads;
#endif
    for (t = 0; t < n_rows; t++) lc__rmsnorm(y + (size_t)t * n, x + (size_t)t * n, w, n, eps);
}
/* g = silu(g) * u over n_rows rows of n values */
static void lc__silu_mul_rows(float *g, const float *u, int n_rows, int n, int n_threads) {
    int t;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(n_threads) schedule(static) if (LOLCAT__ROWS_IN_PARALLEL(n_threads, n_rows))
#else
    (void)n_threads;
#endif
    for (t = 0; t < n_rows; t++) lc__silu_mul(g + (size_t)t * n, u + (size_t)t * n, n);
}
/* RoPE on every query and key head of the chunk's T rows (row t's angles in rope_cs) */
static void lc__rope_rows(lc_ctx *c, const lc__layer *L, int T, int n_threads) {   /* writes c->q, c->k */
    const lc_model *m = c->model;
    const int qw = L->n_head * L->dk, kw = L->n_head_kv * L->dk;
    int t;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(n_threads) schedule(static) if (LOLCAT__ROWS_IN_PARALLEL(n_threads, T))
#else
    (void)n_threads;
#endif
    for (t = 0; t < T; t++) {
        const float *cs = c->rope_cs + (size_t)t * m->n_rot;
        int h;
        for (h = 0; h < L->n_head; h++) lc__rope(c->q + (size_t)t * qw + (size_t)h * L->dk, cs, m->n_rot);
        for (h = 0; h < L->n_head_kv; h++) lc__rope(c->k + (size_t)t * kw + (size_t)h * L->dk, cs, m->n_rot);
    }
}

/* Two chunks at once (lc__eval_lanes): at each layer, the second chunk's attention waits
   until the first chunk's has read and written the layer's state; done[il] says so. */
typedef struct lc__lane_sync {
    int *done;
    int  second;   /* 0: the first chunk of the pair (signals), 1: the second (waits) */
} lc__lane_sync;

static void lc__lane_wait(const lc__lane_sync *sync, int il) {
#if LOLCAT__LANES
    for (;;) {
        int d;
#pragma omp atomic read seq_cst
        d = sync->done[il];
        if (d) break;
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
        __builtin_ia32_pause();   /* a spin-wait hint; no header needed in scalar builds */
#elif defined(__GNUC__) && defined(__aarch64__)
        __asm__ __volatile__("yield");
#endif
    }
#else
    (void)sync; (void)il;
#endif
}
static void lc__lane_signal(const lc__lane_sync *sync, int il) {
#if LOLCAT__LANES
#pragma omp atomic write seq_cst
    sync->done[il] = 1;
#else
    (void)sync; (void)il;
#endif
}

static void lc__forward_chunk(lc_ctx *c, const int32_t *tokens, int T, const lc__call *call, int last_chunk, float *logits_rows,
                              const lc__lane_sync *sync) {
    const lc_model *m = c->model;
    const int E = m->n_embd, nt = c->n_threads;
    const int64_t p0 = c->n_past;
    /* rows whose last-layer output anyone reads: all of them for lc_eval_all_logits, else the
       last token of the call, or none in an earlier chunk (only their keys/values matter) */
    const int out_rows = logits_rows ? T : last_chunk ? 1 : 0;
    int il, t, i;
    for (t = 0; t < T; t++)
        lc__dequant_row(m->tok_embd.type, m->tok_embd.data + (size_t)tokens[t] * m->tok_embd.row_bytes, c->x + (size_t)t * E, E);
    for (t = 0; t < T; t++)
        for (i = 0; i < m->n_rot / 2; i++) {
            double ang = (double)(p0 + t) * m->rope_inv_freq[i];
            c->rope_cs[(size_t)t * m->n_rot + 2 * i] = (float)cos(ang);
            c->rope_cs[(size_t)t * m->n_rot + 2 * i + 1] = (float)sin(ang);
        }
    for (il = 0; il < m->n_layer; il++) {
        const lc__layer *L = &m->layers[il];
        const int qw = L->n_head * L->dk, kw = L->n_head_kv * L->dk, vw = L->n_head_kv * L->dv, aw = L->n_head * L->dv;
        /* the last layer's output projection and FFN run for the rows read afterwards only:
           rows [r0, T); earlier layers need every row for the next layer's keys and values */
        const int r0 = il == m->n_layer - 1 ? T - out_rows : 0, nr = T - r0;
        lc__rmsnorm_rows(c->xn, c->x, L->attn_norm, T, E, m->rms_eps, nt);
        if (!L->q.low_rank && !L->k.low_rank && !L->v.low_rank && !L->q.has_lora && !L->k.has_lora && !L->v.has_lora &&
            lc__mm_act_kind(&L->q.w) == lc__mm_act_kind(&L->k.w) && lc__mm_act_kind(&L->q.w) == lc__mm_act_kind(&L->v.w)) {
            lc__mm_job jobs[3];
            lc__mm_set_job(&jobs[0], &L->q.w, c->q, qw, 0);
            lc__mm_set_job(&jobs[1], &L->k.w, c->k, kw, 0);
            lc__mm_set_job(&jobs[2], &L->v.w, c->v, vw, 0);
            lc__matmul_jobs(jobs, 3, c->xn, E, T, &c->mm, nt);
        } else {
            lc__proj_apply(c, &L->q, c->xn, E, T, c->q, qw, 0);
            lc__proj_apply(c, &L->k, c->xn, E, T, c->k, kw, 0);
            lc__proj_apply(c, &L->v, c->xn, E, T, c->v, vw, 0);
        }
        if (m->n_rot) lc__rope_rows(c, L, T, nt);
        if (sync && sync->second) lc__lane_wait(sync, il);
        lc__attention(c, il, p0, T, call, last_chunk);
        if (sync && !sync->second) lc__lane_signal(sync, il);
        if (nr == 0) continue;
        {
            float *x = c->x + (size_t)r0 * E, *xn = c->xn + (size_t)r0 * E;
            float *ffg = c->ffg + (size_t)r0 * L->n_ff, *ffu = c->ffu + (size_t)r0 * L->n_ff;
            lc__proj_apply(c, &L->o, c->att + (size_t)r0 * aw, aw, nr, x, E, 1);   /* residual add */
            lc__rmsnorm_rows(xn, x, L->ffn_norm, nr, E, m->rms_eps, nt);
            if (lc__mm_act_kind(&L->ffn_gate) == lc__mm_act_kind(&L->ffn_up)) {
                lc__mm_job jobs[2];
                lc__mm_set_job(&jobs[0], &L->ffn_gate, ffg, L->n_ff, 0);
                lc__mm_set_job(&jobs[1], &L->ffn_up, ffu, L->n_ff, 0);
                lc__matmul_jobs(jobs, 2, xn, E, nr, &c->mm, nt);
            } else {
                lc__matmul(&L->ffn_gate, xn, E, nr, ffg, L->n_ff, 1.0f, 0, &c->mm, nt);
                lc__matmul(&L->ffn_up, xn, E, nr, ffu, L->n_ff, 1.0f, 0, &c->mm, nt);
            }
            lc__silu_mul_rows(ffg, ffu, nr, L->n_ff, nt);
            lc__matmul(&L->ffn_down, ffg, L->n_ff, nr, x, E, 1.0f, 1, &c->mm, nt);
        }
    }
    c->n_past += T;
    if (logits_rows) {
        lc__rmsnorm_rows(c->xn, c->x, m->output_norm, T, E, m->rms_eps, nt);
        lc__matmul(&m->output, c->xn, E, T, logits_rows, m->n_vocab, 1.0f, 0, &c->mm, nt);
        if (last_chunk) memcpy(c->logits, logits_rows + (size_t)(T - 1) * m->n_vocab, (size_t)m->n_vocab * sizeof(float));
    } else if (last_chunk) {
        lc__rmsnorm(c->xn, c->x + (size_t)(T - 1) * E, m->output_norm, E, m->rms_eps);
        lc__matmul(&m->output, c->xn, E, 1, c->logits, m->n_vocab, 1.0f, 0, &c->mm, nt);
    }
}

/* Prefill on 2 threads, two full chunks at a time: each thread runs one chunk whole, on one
   thread (the second in the lane's scratch), instead of both threads splitting the rows of
   every product of one chunk. Only attention orders them: at each layer the second chunk's
   waits for the first's (lc__lane_sync), which costs it one attention's time, once. Each
   thread then streams every weight, the second just behind the first (so the last level of
   cache can serve it), with no join between products. On the Zen 5 machine the means of 8
   rounds in one process were 0.5-1.6% faster than splitting rows (docs/performance.md).
   The results are the same bits: the chunks are the ones lc__eval would run, and a row or a
   head computes alike on any thread. Returns 0 without a lane (a context created for
   another thread count): the caller then splits rows. */
static int lc__eval_lanes(lc_ctx *c, const int32_t *tokens, int T, const lc__call *call, int last_pair, float *logits_rows) {
#if LOLCAT__LANES
    const lc_model *m = c->model;
    lc_ctx *lane = c->lane;
    const int n_threads = c->n_threads;
    lc__lane_sync sync[2];
    if (!lane) return 0;
    memset(c->lane_done, 0, (size_t)m->n_layer * sizeof(int));
    lane->ls = c->ls;
    lane->n_past = c->n_past + T;
    sync[0].done = sync[1].done = c->lane_done;
    sync[0].second = 0; sync[1].second = 1;
    c->n_threads = 1;
#pragma omp parallel num_threads(2)
    {
        float *rows2 = logits_rows ? logits_rows + (size_t)T * m->n_vocab : NULL;
        if (omp_get_num_threads() < 2) {   /* no second thread after all (nested in a team): in turn */
            lc__forward_chunk(c, tokens, T, call, 0, logits_rows, NULL);
            lc__forward_chunk(lane, tokens + T, T, call, last_pair, rows2, NULL);
        } else if (omp_get_thread_num() == 0) {
            lc__forward_chunk(c, tokens, T, call, 0, logits_rows, &sync[0]);
        } else {
            lc__forward_chunk(lane, tokens + T, T, call, last_pair, rows2, &sync[1]);
        }
    }
    c->n_threads = n_threads;
    c->n_past = lane->n_past;
    lane->ls = NULL;
    if (last_pair) memcpy(c->logits, lane->logits, (size_t)m->n_vocab * sizeof(float));
    return 1;
#else
    (void)c; (void)tokens; (void)T; (void)call; (void)last_pair; (void)logits_rows;
    return 0;
#endif
}

static lc_result lc__eval(lc_ctx *c, const int32_t *tokens, size_t n, float *logits_out) {
    const lc_model *m;
    lc__call call;
    size_t done, i;
    if (!c) return LOLCAT_ERR_INVALID_ARGUMENT;
    m = c->model;
    if (!tokens || n == 0) { lc__set_msg(c->err, sizeof c->err, "lc_eval needs at least one token"); return LOLCAT_ERR_INVALID_ARGUMENT; }
    for (i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= m->n_vocab) {
            lc__set_msg(c->err, sizeof c->err, "token %lld at index %llu is out of range [0, %d)", (long long)tokens[i], (unsigned long long)i, m->n_vocab);
            return LOLCAT_ERR_BAD_TOKEN;
        }
    if (m->info.n_softmax_layers && (uint64_t)c->n_past + n > (uint64_t)c->params.n_ctx) {
        lc__set_msg(c->err, sizeof c->err, "context full: %lld + %llu tokens exceed n_ctx = %d of the softmax layers",
                    (long long)c->n_past, (unsigned long long)n, c->params.n_ctx);
        return LOLCAT_ERR_CONTEXT_FULL;
    }
    if ((uint64_t)c->n_past + n > (uint64_t)INT64_MAX / 2) { lc__set_msg(c->err, sizeof c->err, "position overflow"); return LOLCAT_ERR_CONTEXT_FULL; }
    call.terrace = c->params.window_mode == LOLCAT_WINDOW_TERRACE && c->n_past == 0 && m->window_tk && m->info.n_hybrid_layers;
    call.length = (int64_t)n;
    for (done = 0; done < n;) {
        const size_t nb = (size_t)c->params.n_batch;
        const int T = (int)LOLCAT__MIN(nb, n - done);
        float *rows = logits_out ? logits_out + done * (size_t)m->n_vocab : NULL;
        if (c->n_threads == 2 && n - done >= 2 * nb && lc__eval_lanes(c, tokens + done, T, &call, done + 2 * nb == n, rows)) {
            done += 2 * nb;
            continue;
        }
        lc__forward_chunk(c, tokens + done, T, &call, done + (size_t)T == n, rows, NULL);
        done += (size_t)T;
    }
    return LOLCAT_OK;
}

LCDEF lc_result lc_eval(lc_ctx *c, const int32_t *tokens, size_t n) { return lc__eval(c, tokens, n, NULL); }
LCDEF lc_result lc_eval_all_logits(lc_ctx *c, const int32_t *tokens, size_t n, float *logits_out) {
    if (!logits_out) return LOLCAT_ERR_INVALID_ARGUMENT;
    return lc__eval(c, tokens, n, logits_out);
}

/* ===== @@STATE ===== */
/* Blob: header {magic "LCST", version, model fingerprint, payload bytes, n_past, n_layer,
   n_vocab}, then per layer {kind, entries} + the window/cache keys and values (oldest
   first) + S and z, then the last logits, then an FNV-1a checksum of everything before it.
   Values are host-endian floats (a flag in the header rejects foreign byte order). */
#define LOLCAT__STATE_HEADER 48

static size_t lc__state_payload(const lc_ctx *c) {
    const lc_model *m = c->model;
    size_t n = 0;
    int il;
    for (il = 0; il < m->n_layer; il++) {
        const lc__layer *L = &m->layers[il];
        n += 8 + (size_t)lc__hist_len(c, il) * L->n_head_kv * (L->dk + L->dv) * sizeof(float);
        if (L->kind != LOLCAT_LAYER_SOFTMAX) n += (size_t)L->n_head * L->n_feat * (L->dv + 1) * sizeof(float);
    }
    return n + (size_t)m->n_vocab * sizeof(float);
}

LCDEF size_t lc_ctx_state_size(const lc_ctx *c) {
    return c ? LOLCAT__STATE_HEADER + lc__state_payload(c) + 8 : 0;
}

static void lc__put(unsigned char **p, const void *src, size_t n) { memcpy(*p, src, n); *p += n; }
static void lc__put_u32(unsigned char **p, uint32_t v) { lc__put(p, &v, 4); }
static void lc__put_u64(unsigned char **p, uint64_t v) { lc__put(p, &v, 8); }

LCDEF lc_result lc_ctx_state_save(const lc_ctx *c, void *buf, size_t cap, size_t *written) {
    const lc_model *m;
    size_t need;
    unsigned char *p;
    int il;
    uint64_t sum;
    if (written) *written = 0;
    if (!c || (!buf && cap)) return LOLCAT_ERR_INVALID_ARGUMENT;
    m = c->model;
    need = lc_ctx_state_size(c);
    if (cap < need) { if (written) *written = need; return LOLCAT_ERR_BUFFER_TOO_SMALL; }
    p = (unsigned char *)buf;
    lc__put_u32(&p, LOLCAT__STATE_MAGIC);
    lc__put_u32(&p, LOLCAT__STATE_VERSION);
    lc__put_u64(&p, m->info.fingerprint);
    lc__put_u64(&p, (uint64_t)lc__state_payload(c));
    lc__put_u64(&p, (uint64_t)c->n_past);
    lc__put_u32(&p, (uint32_t)m->n_layer);
    lc__put_u32(&p, (uint32_t)m->n_vocab);
    lc__put_u32(&p, 0x01020304u);                 /* byte order */
    lc__put_u32(&p, (uint32_t)sizeof(float));
    for (il = 0; il < m->n_layer; il++) {
        const lc__layer *L = &m->layers[il];
        const lc__layer_state *st = &c->ls[il];
        int64_t nh = lc__hist_len(c, il), j;
        size_t ks = (size_t)L->n_head_kv * L->dk, vs = (size_t)L->n_head_kv * L->dv;
        lc__put_u32(&p, (uint32_t)L->kind);
        lc__put_u32(&p, (uint32_t)nh);   /* the blob keeps each position's heads together */
        for (j = c->n_past - nh; j < c->n_past; j++, p += ks * sizeof(float)) lc__hist_get(st->k_hist, st, L->n_head_kv, j, L->dk, p);
        for (j = c->n_past - nh; j < c->n_past; j++, p += vs * sizeof(float)) lc__hist_get(st->v_hist, st, L->n_head_kv, j, L->dv, p);
        if (L->kind != LOLCAT_LAYER_SOFTMAX) {
            lc__put(&p, st->S, (size_t)L->n_head * L->n_feat * L->dv * sizeof(float));
            lc__put(&p, st->z, (size_t)L->n_head * L->n_feat * sizeof(float));
        }
    }
    lc__put(&p, c->logits, (size_t)m->n_vocab * sizeof(float));
    sum = lc__fnv1a(LOLCAT__FNV_INIT, buf, (size_t)(p - (unsigned char *)buf));
    lc__put_u64(&p, sum);
    if (written) *written = need;
    return LOLCAT_OK;
}

static int lc__all_finite(const unsigned char *p, size_t n_floats) {
    size_t i;
    for (i = 0; i < n_floats; i++) {
        float f;
        memcpy(&f, p + 4 * i, 4);
        if (!(f - f == 0.0f)) return 0;
    }
    return 1;
}
static int lc__all_zero(const unsigned char *p, size_t n_floats) {
    size_t i;
    for (i = 0; i < n_floats; i++) {
        float f;
        memcpy(&f, p + 4 * i, 4);
        if (f != 0.0f) return 0;
    }
    return 1;
}

LCDEF lc_result lc_ctx_state_load(lc_ctx *c, const void *buf, size_t size) {
    const lc_model *m;
    const unsigned char *b = (const unsigned char *)buf, *p;
    uint32_t magic, version, n_layer, n_vocab, order, fsize;
    uint64_t fp, payload, n_past, sum;
    int il;
    if (!c || !buf) return LOLCAT_ERR_INVALID_ARGUMENT;
    m = c->model;
#define LOLCAT__BAD(code, ...) do { lc__set_msg(c->err, sizeof c->err, __VA_ARGS__); return code; } while (0)
    if (size < LOLCAT__STATE_HEADER + 8) LOLCAT__BAD(LOLCAT_ERR_TRUNCATED, "state blob of %llu bytes is truncated", (unsigned long long)size);
    memcpy(&magic, b, 4); memcpy(&version, b + 4, 4); memcpy(&fp, b + 8, 8); memcpy(&payload, b + 16, 8);
    memcpy(&n_past, b + 24, 8); memcpy(&n_layer, b + 32, 4); memcpy(&n_vocab, b + 36, 4);
    memcpy(&order, b + 40, 4); memcpy(&fsize, b + 44, 4);
    if (magic != LOLCAT__STATE_MAGIC) LOLCAT__BAD(LOLCAT_ERR_BAD_MAGIC, "not a lolcat state blob (bad magic)");
    if (version != LOLCAT__STATE_VERSION) LOLCAT__BAD(LOLCAT_ERR_BAD_VERSION, "state blob version %u is not supported (%u is)", version, LOLCAT__STATE_VERSION);
    if (order != 0x01020304u || fsize != 4) LOLCAT__BAD(LOLCAT_ERR_UNSUPPORTED, "state blob was written on a machine with another byte order");
    if (payload != size - LOLCAT__STATE_HEADER - 8) LOLCAT__BAD(LOLCAT_ERR_TRUNCATED, "state blob size %llu does not match its header", (unsigned long long)size);
    memcpy(&sum, b + size - 8, 8);
    if (sum != lc__fnv1a(LOLCAT__FNV_INIT, b, size - 8)) LOLCAT__BAD(LOLCAT_ERR_CORRUPT, "state blob checksum mismatch");
    if (fp != m->info.fingerprint || n_layer != (uint32_t)m->n_layer || n_vocab != (uint32_t)m->n_vocab)
        LOLCAT__BAD(LOLCAT_ERR_STATE_MISMATCH, "state blob belongs to another model");
    if (n_past > (uint64_t)INT64_MAX / 2) LOLCAT__BAD(LOLCAT_ERR_CORRUPT, "state blob position is absurd");
    /* validate everything before touching the context */
    p = b + LOLCAT__STATE_HEADER;
    for (il = 0; il < m->n_layer; il++) {
        const lc__layer *L = &m->layers[il];
        uint32_t kind, nh;
        uint64_t want = L->kind == LOLCAT_LAYER_SOFTMAX ? n_past : L->kind == LOLCAT_LAYER_HYBRID ? LOLCAT__MIN(n_past, (uint64_t)m->window) : 0;
        size_t bytes;
        if ((size_t)(b + size - 8 - p) < 8) LOLCAT__BAD(LOLCAT_ERR_TRUNCATED, "state blob ends inside layer %d", il);
        memcpy(&kind, p, 4); memcpy(&nh, p + 4, 4);
        if (kind != (uint32_t)L->kind || nh != want) LOLCAT__BAD(LOLCAT_ERR_STATE_MISMATCH, "state blob layer %d does not match the model", il);
        if (L->kind == LOLCAT_LAYER_SOFTMAX && n_past > (uint64_t)c->params.n_ctx)
            LOLCAT__BAD(LOLCAT_ERR_CONTEXT_FULL, "state holds %llu tokens but n_ctx is %d", (unsigned long long)n_past, c->params.n_ctx);
        bytes = (size_t)nh * L->n_head_kv * (L->dk + L->dv) * sizeof(float);
        if (L->kind != LOLCAT_LAYER_SOFTMAX) bytes += (size_t)L->n_head * L->n_feat * (L->dv + 1) * sizeof(float);
        if ((size_t)(b + size - 8 - (p + 8)) < bytes) LOLCAT__BAD(LOLCAT_ERR_TRUNCATED, "state blob ends inside layer %d", il);
        if (!lc__all_finite(p + 8, bytes / 4)) LOLCAT__BAD(LOLCAT_ERR_CORRUPT, "state blob layer %d holds inf or nan", il);
        if (L->kind != LOLCAT_LAYER_SOFTMAX && n_past <= (L->kind == LOLCAT_LAYER_HYBRID ? (uint64_t)m->window : 0) &&
            !lc__all_zero(p + 8 + (size_t)nh * L->n_head_kv * (L->dk + L->dv) * sizeof(float), (size_t)L->n_head * L->n_feat * (L->dv + 1)))
            LOLCAT__BAD(LOLCAT_ERR_CORRUPT, "state blob layer %d holds a linear state before any key could enter it", il);   /* decode skips an empty S */
        p += 8 + bytes;
    }
    if ((size_t)(b + size - 8 - p) != (size_t)m->n_vocab * sizeof(float)) LOLCAT__BAD(LOLCAT_ERR_CORRUPT, "state blob has trailing or missing bytes");
#undef LOLCAT__BAD
    /* commit */
    lc_ctx_reset(c);
    c->n_past = (int64_t)n_past;
    p = b + LOLCAT__STATE_HEADER;
    for (il = 0; il < m->n_layer; il++) {
        const lc__layer *L = &m->layers[il];
        lc__layer_state *st = &c->ls[il];
        int64_t nh = lc__hist_len(c, il), j;
        size_t ks = (size_t)L->n_head_kv * L->dk, vs = (size_t)L->n_head_kv * L->dv;
        p += 8;
        for (j = c->n_past - nh; j < c->n_past; j++, p += ks * sizeof(float)) lc__hist_put(st->k_hist, st, L->n_head_kv, j, L->dk, p);
        for (j = c->n_past - nh; j < c->n_past; j++, p += vs * sizeof(float)) lc__hist_put(st->v_hist, st, L->n_head_kv, j, L->dv, p);
        if (L->kind != LOLCAT_LAYER_SOFTMAX) {
            size_t ns = (size_t)L->n_head * L->n_feat * L->dv, nz = (size_t)L->n_head * L->n_feat;
            memcpy(st->S, p, ns * sizeof(float)); p += ns * sizeof(float);
            memcpy(st->z, p, nz * sizeof(float)); p += nz * sizeof(float);
            st->n_folded = L->kind == LOLCAT_LAYER_LINEAR ? c->n_past : LOLCAT__MAX(0, c->n_past - m->window);
        }
    }
    memcpy(c->logits, p, (size_t)m->n_vocab * sizeof(float));
    return LOLCAT_OK;
}

LCDEF lc_result lc_ctx_copy_state(lc_ctx *dst, const lc_ctx *src) {
    const lc_model *m;
    int il;
    if (!dst || !src || dst->model != src->model) return LOLCAT_ERR_INVALID_ARGUMENT;
    if (dst == src) return LOLCAT_OK;
    m = src->model;
    if (m->info.n_softmax_layers && src->n_past > dst->params.n_ctx) {
        lc__set_msg(dst->err, sizeof dst->err, "source holds %lld tokens, destination n_ctx is %d", (long long)src->n_past, dst->params.n_ctx);
        return LOLCAT_ERR_CONTEXT_FULL;
    }
    for (il = 0; il < m->n_layer; il++) {
        const lc__layer *L = &m->layers[il];
        const lc__layer_state *s = &src->ls[il];
        lc__layer_state *d = &dst->ls[il];
        int64_t nh = lc__hist_len(src, il), j;
        for (j = src->n_past - nh; j < src->n_past; j++) {
            lc__hist_copy(d->k_hist, d, j, s->k_hist, s, j, L->n_head_kv, L->dk);
            lc__hist_copy(d->v_hist, d, j, s->v_hist, s, j, L->n_head_kv, L->dv);
        }
        if (L->kind != LOLCAT_LAYER_SOFTMAX) {
            memcpy(d->S, s->S, (size_t)L->n_head * L->n_feat * L->dv * sizeof(float));
            memcpy(d->z, s->z, (size_t)L->n_head * L->n_feat * sizeof(float));
        }
        d->n_folded = s->n_folded;
    }
    memcpy(dst->logits, src->logits, (size_t)m->n_vocab * sizeof(float));
    dst->n_past = src->n_past;
    return LOLCAT_OK;
}

LCDEF lc_result lc_ctx_fork(const lc_ctx *src, lc_ctx **out) {
    lc_ctx_params p;
    lc_result r;
    if (!src || !out) return LOLCAT_ERR_INVALID_ARGUMENT;
    p = src->params;
    p.n_threads = src->n_threads;   /* the fork's per-thread scratch must hold the threads it inherits */
    r = lc_ctx_create(src->model, &p, out);
    if (r != LOLCAT_OK) return r;
    r = lc_ctx_copy_state(*out, src);
    if (r != LOLCAT_OK) { lc_ctx_destroy(*out); *out = NULL; }
    return r;
}

/* ===== @@TOKENIZER ===== */
/* Vocabulary from llama.cpp's GGUF keys (tokenizer.ggml.*).
   SentencePiece BPE ("llama"): text gets the dummy-prefix space, spaces become U+2581, and
   adjacent symbols merge greedily by the score of the merged piece (ties: leftmost); what
   never forms a piece falls back to <0xNN> byte tokens.
   Byte-level BPE ("gpt2"): a pre-tokenizer (GPT-2's or Llama 3's regex, written out by hand
   below) splits text into words; a word's bytes start as the tokens of GPT-2's byte alphabet
   and the adjacent pair with the lowest merge rank joins first (ties: leftmost). Llama 3
   first looks the whole word up (ignore_merges). Bytes that are not valid UTF-8 are
   tokenized as themselves, so every byte string round-trips (llama.cpp makes them U+FFFD).
   Both: the texts of user-defined tokens are cut out first (always), those of control tokens
   too with LOLCAT_TOKENIZE_PARSE_SPECIAL, as llama.cpp does; leftmost, then longest wins. */
static uint32_t lc__vocab_hash(const char *s, size_t n) { return (uint32_t)lc__fnv1a(LOLCAT__FNV_INIT, s, n); }

/* Id of the token whose text is a + b (two pieces, so merges need no concatenation buffer). */
static int32_t lc__vocab_find2(const lc__vocab *v, const char *a, size_t na, const char *b, size_t nb) {
    uint64_t h;
    if (!v->hash_slots) return -1;
    h = lc__fnv1a(lc__fnv1a(LOLCAT__FNV_INIT, a, na), b, nb);
    for (h = (uint32_t)h & (v->hash_slots - 1); v->hash[h]; h = (h + 1) & (v->hash_slots - 1)) {
        uint32_t id = v->hash[h] - 1;
        const char *t = v->text + v->offset[id];
        if (v->length[id] == na + nb && memcmp(t, a, na) == 0 && memcmp(t + na, b, nb) == 0) return (int32_t)id;
    }
    return -1;
}
static int32_t lc__vocab_find(const lc__vocab *v, const char *s, size_t n) { return lc__vocab_find2(v, s, n, "", 0); }

static uint64_t lc__pair_hash(int32_t a, int32_t b) {
    uint64_t h = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}
/* Merge index of the pair (a, b), -1 if they never merge. */
static int32_t lc__merge_find(const lc__vocab *v, int32_t a, int32_t b) {
    uint64_t h;
    if (!v->merge_slots || a < 0 || b < 0) return -1;
    for (h = lc__pair_hash(a, b) & (v->merge_slots - 1); v->merge_hash[h]; h = (h + 1) & (v->merge_slots - 1)) {
        uint32_t i = v->merge_hash[h] - 1;
        if (v->merge_left[i] == a && v->merge_right[i] == b) return (int32_t)i;
    }
    return -1;
}

/* GPT-2's byte alphabet: printable bytes stand for themselves, the 68 others (0-32, 127-160,
   173) for U+0100..U+0143 in byte order, so every token text is printable. */
static uint32_t lc__gpt2_byte_to_cp(unsigned b) {
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)) return b;
    return 256u + (b <= 32 ? b : b <= 160 ? b - 127u + 33u : 67u);
}
static int lc__gpt2_cp_to_byte(uint32_t cp) {   /* -1 outside the alphabet */
    if ((cp >= 33 && cp <= 126) || (cp >= 161 && cp <= 172) || (cp >= 174 && cp <= 255)) return (int)cp;
    if (cp >= 256 && cp < 256 + 68) { cp -= 256; return (int)(cp <= 32 ? cp : cp <= 66 ? cp - 33 + 127 : 173); }
    return -1;
}
static size_t lc__utf8_put(uint32_t cp, char *out) {   /* cp < 0x10000 here */
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xc0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3f)); return 2; }
    out[0] = (char)(0xe0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
}

/* One character at p (n > 0 bytes left): returns its length and sets *cp; a byte that does not
   start a valid UTF-8 sequence is a character of its own with *cp = LOLCAT__NOT_UTF8. */
#define LOLCAT__NOT_UTF8 0xffffffffu
static size_t lc__utf8_next(const unsigned char *p, size_t n, uint32_t *cp) {
    unsigned char c = p[0];
    size_t need, k;
    uint32_t v;
    *cp = LOLCAT__NOT_UTF8;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xc2 && c <= 0xdf) { need = 2; v = c & 0x1fu; }
    else if (c >= 0xe0 && c <= 0xef) { need = 3; v = c & 0x0fu; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 4; v = c & 0x07u; }
    else return 1;
    if (need > n) return 1;
    for (k = 1; k < need; k++) {
        if ((p[k] & 0xc0) != 0x80) return 1;
        v = v << 6 | (p[k] & 0x3fu);
    }
    if ((need == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) || (need == 4 && (v < 0x10000 || v > 0x10ffff))) return 1;
    *cp = v;
    return need;
}

/* BEGIN GENERATED: tools/gen_unicode_tables.py --embed (Unicode 14.0.0), do not edit */
/* Classes of the pre-tokenizers: entry (first << 2) | class starts a run of codepoints of that
   class (0 other, 1 \p{L}, 2 \p{N}, 3 White_Space = \s) that lasts until the next entry. */
static const uint32_t lc__unicode_class_runs[1534] = {
0,39,56,131,132,194,232,261,364,389,492,535,536,643,644,681,684,714,720,725,728,742,745,748,754,
764,769,860,865,988,993,2824,2841,2888,2945,2964,2993,2996,3001,3004,3521,3540,3545,3552,3561,3576,
3581,3584,3609,3612,3617,3628,3633,3636,3641,3720,3725,4056,4061,4616,4649,5312,5317,5468,5477,
5480,5505,5668,5953,6060,6077,6092,6273,6444,6530,6568,6585,6592,6597,6992,6997,7000,7061,7068,
7097,7106,7145,7156,7165,7168,7233,7236,7241,7360,7477,7832,7877,7880,7938,7977,8108,8145,8152,
8169,8172,8193,8280,8297,8300,8337,8340,8353,8356,8449,8548,8577,8620,8641,8736,8741,8764,8833,
9000,9233,9448,9461,9464,9537,9540,9569,9608,9626,9664,9669,9732,9749,9780,9789,9796,9805,9892,
9897,9924,9929,9932,9945,9960,9973,9976,10041,10044,10097,10104,10109,10120,10138,10177,10184,
10194,10216,10225,10228,10261,10284,10301,10308,10317,10404,10409,10436,10441,10448,10453,10460,
10465,10472,10597,10612,10617,10620,10650,10688,10697,10708,10773,10808,10813,10824,10829,10916,
10921,10948,10953,10960,10965,10984,10997,11000,11073,11076,11137,11144,11162,11200,11237,11240,
11285,11316,11325,11332,11341,11428,11433,11460,11465,11472,11477,11496,11509,11512,11633,11640,
11645,11656,11674,11712,11717,11722,11744,11789,11792,11797,11820,11833,11844,11849,11864,11877,
11884,11889,11892,11897,11904,11917,11924,11937,11948,11961,12008,12097,12100,12186,12236,12309,
12340,12345,12356,12361,12452,12457,12520,12533,12536,12641,12652,12661,12664,12673,12680,12698,
12736,12770,12796,12801,12804,12821,12852,12857,12868,12873,12964,12969,13008,13013,13032,13045,
13048,13173,13180,13185,13192,13210,13248,13253,13260,13329,13364,13369,13380,13385,13548,13557,
13560,13625,13628,13649,13660,13666,13693,13704,13722,13796,13801,13824,13845,13916,13929,14024,
14029,14064,14069,14072,14081,14108,14234,14272,14341,14532,14537,14544,14593,14620,14658,14696,
14853,14860,14865,14868,14873,14892,14897,14992,14997,15000,15005,15044,15049,15056,15093,15096,
15105,15124,15129,15132,15170,15208,15217,15232,15361,15364,15490,15568,15617,15648,15653,15796,
15905,15924,16385,16556,16637,16642,16680,16705,16728,16745,16760,16773,16776,16789,16796,16825,
16836,16853,16904,16953,16956,16962,17000,17025,17176,17181,17184,17205,17208,17217,17388,17393,
18724,18729,18744,18753,18780,18785,18788,18793,18808,18817,18980,18985,19000,19009,19140,19145,
19160,19169,19196,19201,19204,19209,19224,19233,19292,19297,19524,19529,19544,19553,19820,19878,
19956,19969,20032,20097,20440,20449,20472,20485,22964,22973,23043,23045,23148,23169,23468,23482,
23493,23524,23553,23624,23677,23752,23809,23880,23937,23988,23993,24004,24065,24272,24413,24416,
24433,24436,24450,24488,24514,24552,24642,24680,24705,25060,25089,25108,25117,25252,25257,25260,
25281,25560,25601,25724,25882,25921,26040,26049,26068,26113,26288,26305,26408,26434,26476,26625,
26716,26753,26964,27138,27176,27202,27240,27293,27296,27669,27856,27925,27956,27970,28008,28173,
28292,28345,28354,28393,28568,28673,28816,28930,28968,28981,28994,29033,29176,29185,29220,29249,
29420,29429,29440,29605,29620,29625,29648,29653,29660,29673,29676,29697,30464,30721,31832,31841,
31864,31873,32024,32033,32056,32065,32096,32101,32104,32109,32112,32117,32120,32125,32248,32257,
32468,32473,32500,32505,32508,32521,32532,32537,32564,32577,32592,32601,32624,32641,32692,32713,
32724,32729,32756,32771,32812,32931,32936,32959,32960,33151,33152,33218,33221,33224,33234,33256,
33277,33282,33320,33345,33396,33801,33804,33821,33824,33833,33872,33877,33880,33893,33912,33937,
33940,33945,33948,33953,33956,33961,33976,33981,34024,34033,34048,34069,34088,34105,34108,34114,
34317,34326,34344,37250,37488,37802,37888,40410,40528,45057,45972,45997,46012,46025,46032,46070,
46072,46081,46232,46237,46240,46261,46264,46273,46496,46525,46528,46593,46684,46721,46748,46753,
46780,46785,46812,46817,46844,46849,46876,46881,46908,46913,46940,46945,46972,47293,47296,49155,
49156,49173,49182,49184,49286,49320,49349,49368,49378,49389,49396,49413,49756,49781,49792,49797,
50156,50161,50176,50197,50368,50373,50748,50762,50776,50817,50944,51137,51200,51330,51368,51490,
51520,51526,51584,51714,51752,51910,51968,53249,79616,79873,168500,168769,168952,168961,170036,
170049,170114,170153,170160,170241,170428,170493,170616,170625,170906,170944,171101,171136,171145,
171556,171565,171820,171841,171848,171853,171856,171861,171880,171977,172040,172045,172056,172061,
172076,172081,172172,172226,172248,172289,172496,172553,172752,172866,172904,173001,173024,173037,
173040,173045,173052,173058,173097,173208,173249,173340,173441,173556,173585,173772,173885,173890,
173928,173953,173972,173977,174018,174057,174076,174081,174244,174337,174348,174353,174384,174402,
174440,174465,174556,174569,174572,174585,174784,174789,174792,174805,174812,174821,174840,174849,
174852,174857,174860,174957,174968,174977,175020,175049,175060,175109,175132,175141,175164,175173,
175196,175233,175260,175265,175292,175297,175468,175473,175528,175553,176012,176066,176104,176129,
220816,220865,220956,220973,221168,254977,256440,256449,256872,257025,257052,257101,257120,257141,
257144,257149,257188,257193,257244,257249,257268,257273,257276,257281,257288,257293,257300,257305,
257736,257869,259320,259393,259648,259657,259872,260033,260080,260545,260564,260569,261108,261186,
261224,261253,261356,261381,261484,261529,261884,261897,261920,261929,261952,261961,261984,261993,
262004,262145,262192,262197,262300,262305,262380,262385,262392,262397,262456,262465,262520,262657,
263148,263198,263376,263426,263652,263722,263728,264705,264820,264833,265028,265094,265200,265217,
265346,265360,265397,265478,265481,265514,265516,265537,265688,265729,265848,265857,266000,266017,
266048,266054,266072,266241,266872,266882,266920,266945,267088,267105,267248,267265,267424,267457,
267664,267713,267756,267761,267820,267825,267852,267857,267864,267869,267912,267917,267976,267981,
268008,268013,268020,268289,269532,269569,269656,269697,269728,269825,269848,269853,270020,270025,
270060,270337,270360,270369,270372,270377,270552,270557,270564,270577,270580,270589,270680,270690,
270721,270812,270822,270849,270972,271006,271040,271233,271308,271313,271320,271342,271361,271450,
271472,271489,271592,271873,272096,272114,272121,272130,272192,272202,272385,272388,272449,272464,
272469,272480,272485,272600,272642,272676,272769,272886,272892,272897,273014,273024,273153,273184,
273189,273300,273326,273344,273409,273624,273665,273752,273762,273793,273868,273890,273921,273992,
274086,274112,274433,274724,274945,275148,275201,275404,275434,275457,275600,275650,275688,276866,
276988,276993,277160,277185,277192,277505,277622,277661,277664,277697,277784,277830,277844,277953,
278024,278209,278294,278320,278401,278492,278541,278752,278858,278976,278981,278988,278997,279000,
279053,279232,279361,279460,279490,279528,279565,279708,279770,279808,279825,279828,279837,279840,
279873,280012,280025,280028,280077,280268,280325,280340,280386,280425,280428,280433,280436,280454,
280532,280577,280648,280653,280752,281089,281116,281121,281124,281129,281144,281149,281208,281213,
281252,281281,281468,281538,281576,281621,281652,281661,281668,281677,281764,281769,281796,281801,
281808,281813,281832,281845,281848,281921,281924,281973,281992,282625,282836,282909,282924,282946,
282984,283005,283016,283137,283328,283409,283416,283421,283424,283458,283496,284161,284348,284513,
284528,284673,284864,284945,284948,284994,285032,285185,285356,285409,285412,285442,285480,285697,
285804,285890,285936,285953,285980,286721,286896,287361,287618,287692,287741,287772,287781,287784,
287793,287824,287829,287836,287841,287936,287997,288000,288005,288008,288066,288104,288385,288416,
288425,288580,288645,288648,288653,288656,288769,288772,288813,288972,289001,289004,289089,289092,
289137,289320,289397,289400,289473,289764,290817,290852,290857,291004,291073,291076,291138,291252,
291273,291392,291841,291868,291873,291880,291885,292036,292121,292124,292162,292200,292225,292248,
292253,292260,292265,292392,292449,292452,292482,292520,293761,293836,294593,294596,294658,294740,
294913,298600,299010,299452,299521,300304,310849,311236,311297,315580,331777,334108,368641,370916,
370945,371068,371074,371112,371137,371452,371458,371496,371521,371640,371713,371904,371969,371984,
372034,372072,372078,372104,372109,372192,372213,372288,375041,375298,375388,375809,376108,376129,
376132,376397,376448,376705,376712,376717,376720,376833,401376,401409,406360,406529,406564,442305,
442320,442325,442352,442357,442364,442369,443532,443713,443724,443793,443808,443841,445424,454657,
455084,455105,455156,455169,455204,455233,455272,478082,478160,478594,478692,479233,479572,479577,
479860,479865,479872,479881,479884,479893,479900,479909,479924,479929,479976,479981,479984,479989,
480016,480021,480280,480285,480300,480309,480340,480345,480372,480377,480488,480493,480508,480513,
480532,480537,480540,480553,480580,480585,481944,481953,482052,482057,482156,482161,482284,482289,
482388,482393,482516,482521,482620,482625,482748,482753,482852,482857,482980,482985,483084,483089,
483120,483130,483328,490497,490620,492545,492724,492765,492792,492802,492840,492857,492860,494145,
494264,494337,494512,494530,494568,499585,499612,499617,499632,499637,499644,499649,499708,499713,
500500,500510,500544,500737,501008,501037,501040,501058,501096,504262,504496,504502,504512,504518,
504532,504838,505016,505022,505080,505857,505872,505877,505984,505989,505996,506001,506004,506013,
506016,506021,506060,506065,506080,506085,506088,506093,506096,506121,506124,506141,506144,506149,
506152,506157,506160,506165,506176,506181,506188,506193,506196,506205,506208,506213,506216,506221,
506224,506229,506232,506237,506240,506245,506252,506257,506260,506269,506284,506289,506316,506321,
506336,506341,506356,506361,506364,506369,506408,506413,506480,506501,506512,506517,506536,506541,
506608,508930,508980,520130,520168,524289,695168,695297,711908,711937,712824,712833,735880,735937,
765828,778241,780408,786433,806188,
};
/* END GENERATED */

enum { LOLCAT__CL_OTHER = 0, LOLCAT__CL_LETTER = 1, LOLCAT__CL_NUMBER = 2, LOLCAT__CL_SPACE = 3 };

static int lc__unicode_class(uint32_t cp) {
    size_t lo = 0, hi = sizeof lc__unicode_class_runs / sizeof lc__unicode_class_runs[0];
    if (cp < 0x80) {
        if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') return LOLCAT__CL_LETTER;
        if (cp >= '0' && cp <= '9') return LOLCAT__CL_NUMBER;
        return cp == ' ' || (cp >= 9 && cp <= 13) ? LOLCAT__CL_SPACE : LOLCAT__CL_OTHER;
    }
    if (cp == LOLCAT__NOT_UTF8) return LOLCAT__CL_OTHER;
    while (hi - lo > 1) {   /* the last run that starts at or before cp */
        size_t mid = lo + (hi - lo) / 2;
        if ((lc__unicode_class_runs[mid] >> 2) <= cp) lo = mid; else hi = mid;
    }
    return (int)(lc__unicode_class_runs[lo] & 3);
}

/* ---- pre-tokenizers: each returns the end of the word that starts at pos (always > pos) ---- */
static int lc__pt_class(const unsigned char *s, size_t n, size_t pos, size_t *len) {
    uint32_t cp;
    *len = lc__utf8_next(s + pos, n - pos, &cp);
    return lc__unicode_class(cp);
}
static size_t lc__pt_run(const unsigned char *s, size_t n, size_t pos, int cls) {
    size_t len;
    while (pos < n && lc__pt_class(s, n, pos, &len) == cls) pos += len;
    return pos;
}
/* 's 't 're 've 'm 'll 'd after the apostrophe at pos: the match length, 0 if none. */
static size_t lc__pt_contraction(const unsigned char *s, size_t n, size_t pos, int ascii_ignore_case) {
    unsigned char a = pos + 1 < n ? s[pos + 1] : 0, b = pos + 2 < n ? s[pos + 2] : 0;
    if (ascii_ignore_case) {
        if (a >= 'A' && a <= 'Z') a = (unsigned char)(a + 32);
        if (b >= 'A' && b <= 'Z') b = (unsigned char)(b + 32);
    }
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    return (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') ? 3 : 0;
}
/* At a whitespace character: \s*[\r\n]+ (if newlines), else \s+(?!\S), else \s+. */
static size_t lc__pt_spaces(const unsigned char *s, size_t n, size_t pos, int newlines) {
    size_t end = pos, last = pos, after_newline = 0, len;
    while (end < n && lc__pt_class(s, n, end, &len) == LOLCAT__CL_SPACE) {
        if (s[end] == '\r' || s[end] == '\n') after_newline = end + 1;
        last = end;
        end += len;
    }
    if (newlines && after_newline) return after_newline;
    return end < n && last > pos ? last : end;   /* leave the last space to the next word */
}
/* GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static size_t lc__pt_gpt2(const unsigned char *s, size_t n, size_t pos) {
    size_t len, len2, k;
    int cls = lc__pt_class(s, n, pos, &len), next;
    if (s[pos] == '\'' && (k = lc__pt_contraction(s, n, pos, 0)) != 0) return pos + k;
    if (s[pos] == ' ' && pos + 1 < n && (next = lc__pt_class(s, n, pos + 1, &len2)) != LOLCAT__CL_SPACE)
        return lc__pt_run(s, n, pos + 1, next);
    if (cls != LOLCAT__CL_SPACE) return lc__pt_run(s, n, pos, cls);
    return lc__pt_spaces(s, n, pos, 0);
}
/* Llama 3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
            ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+   (case folding: ASCII only) */
static size_t lc__pt_llama3(const unsigned char *s, size_t n, size_t pos) {
    size_t len, len2 = 0, k, end;
    int cls = lc__pt_class(s, n, pos, &len);
    int next = pos + len < n ? lc__pt_class(s, n, pos + len, &len2) : -1;
    if (s[pos] == '\'' && (k = lc__pt_contraction(s, n, pos, 1)) != 0) return pos + k;
    if (cls == LOLCAT__CL_LETTER) return lc__pt_run(s, n, pos, cls);
    if (next == LOLCAT__CL_LETTER && cls != LOLCAT__CL_NUMBER && s[pos] != '\r' && s[pos] != '\n')
        return lc__pt_run(s, n, pos + len, next);
    if (cls == LOLCAT__CL_NUMBER) {
        for (end = pos, k = 0; k < 3 && end < n && lc__pt_class(s, n, end, &len) == LOLCAT__CL_NUMBER; k++) end += len;
        return end;
    }
    if (s[pos] == ' ' && next == LOLCAT__CL_OTHER) { pos++; cls = next; }
    if (cls == LOLCAT__CL_OTHER) {
        end = lc__pt_run(s, n, pos, cls);
        while (end < n && (s[end] == '\r' || s[end] == '\n')) end++;
        return end;
    }
    return lc__pt_spaces(s, n, pos, 1);
}

static void lc__vocab_free(lc_model *m) {
    lc__vocab *v = &m->vocab;
    size_t n = (size_t)v->n_tokens, nm = (size_t)v->n_merges;
    lc__free(&m->alloc, v->text, v->text_size);
    lc__free(&m->alloc, v->offset, n * sizeof(uint32_t));
    lc__free(&m->alloc, v->length, n * sizeof(uint32_t));
    lc__free(&m->alloc, v->score, n * sizeof(float));
    lc__free(&m->alloc, v->type, n * sizeof(int32_t));
    lc__free(&m->alloc, v->hash, (size_t)v->hash_slots * sizeof(uint32_t));
    lc__free(&m->alloc, v->special, n * sizeof(int32_t));
    lc__free(&m->alloc, v->merge_left, nm * sizeof(int32_t));
    lc__free(&m->alloc, v->merge_right, nm * sizeof(int32_t));
    lc__free(&m->alloc, v->merge_result, nm * sizeof(int32_t));
    lc__free(&m->alloc, v->merge_hash, (size_t)v->merge_slots * sizeof(uint32_t));
    memset(v, 0, sizeof *v);
}

static int32_t lc__vocab_id_key(const lc_model *m, const char *key, int32_t def) {
    int64_t v;
    const lc__kv *kv = lc__gguf_find(&m->gguf, key);
    if (!kv || kv->type == LOLCAT__GGUF_ARRAY || !lc__gguf_int_at(kv->type, kv->val, &v)) return def;
    return v >= 0 && v < m->vocab.n_tokens ? (int32_t)v : -1;   /* 0xFFFFFFFF means "none" */
}
static int lc__vocab_bool_key(const lc_model *m, const char *key, int def) {
    int64_t v;
    const lc__kv *kv = lc__gguf_find(&m->gguf, key);
    if (!kv || kv->type == LOLCAT__GGUF_ARRAY || !lc__gguf_int_at(kv->type, kv->val, &v)) return def;
    return v != 0;
}

static int lc__special_before(const void *pa, const void *pb, const void *ctx) {   /* longer text first, then lower id */
    const lc__vocab *v = (const lc__vocab *)ctx;
    int32_t a, b;
    memcpy(&a, pa, 4); memcpy(&b, pb, 4);
    return v->length[a] != v->length[b] ? v->length[a] > v->length[b] : a < b;
}

/* tokenizer.ggml.merges: "left right" strings in rank order, split at the first space after
   the first byte (llama.cpp's rule). A merge without that space, or whose parts or result
   are not tokens, can never apply: it keeps its rank and is ignored, as llama.cpp does. */
static lc_result lc__vocab_load_merges(lc_model *m, char *err, size_t err_cap) {
    lc__vocab *v = &m->vocab;
    const lc__kv *kv = lc__gguf_find(&m->gguf, "tokenizer.ggml.merges");
    lc__reader r;
    uint64_t i, n;
    const char *s;
    if (!kv) { lc__set_msg(err, err_cap, "byte-level BPE vocabulary without tokenizer.ggml.merges"); return LOLCAT_ERR_CORRUPT; }
    if (kv->type != LOLCAT__GGUF_ARRAY || kv->arr_type != LOLCAT__GGUF_STRING || kv->arr_n > (uint64_t)LOLCAT__MAX_VOCAB * 4) {
        lc__set_msg(err, err_cap, "tokenizer.ggml.merges must be an array of at most %d strings", LOLCAT__MAX_VOCAB * 4);
        return LOLCAT_ERR_CORRUPT;
    }
    v->n_merges = (int32_t)kv->arr_n;
    v->merge_slots = lc__hash_slots(kv->arr_n);
    v->merge_left = (int32_t *)lc__alloc(&m->alloc, (size_t)v->n_merges * sizeof(int32_t));
    v->merge_right = (int32_t *)lc__alloc(&m->alloc, (size_t)v->n_merges * sizeof(int32_t));
    v->merge_result = (int32_t *)lc__alloc(&m->alloc, (size_t)v->n_merges * sizeof(int32_t));
    v->merge_hash = (uint32_t *)lc__zalloc(&m->alloc, (size_t)v->merge_slots * sizeof(uint32_t));
    if (!v->merge_left || !v->merge_right || !v->merge_result || !v->merge_hash) {
        lc__set_msg(err, err_cap, "out of memory for %d merges", v->n_merges); return LOLCAT_ERR_OUT_OF_MEMORY;
    }
    r.p = kv->val; r.size = (uint64_t)(m->data + m->size - kv->val); r.off = 0;
    for (i = 0; i < kv->arr_n; i++) {
        const char *sep;
        int32_t a = -1, b = -1, c = -1;
        lc__rd_string(&r, &s, &n);   /* validated by the GGUF parser */
        sep = n > 1 ? (const char *)memchr(s + 1, ' ', (size_t)n - 1) : NULL;
        if (sep) {
            a = lc__vocab_find(v, s, (size_t)(sep - s));
            b = lc__vocab_find(v, sep + 1, (size_t)(s + n - sep - 1));
        }
        if (a >= 0 && b >= 0) c = lc__vocab_find2(v, s, (size_t)(sep - s), sep + 1, (size_t)(s + n - sep - 1));
        v->merge_left[i] = a; v->merge_right[i] = b; v->merge_result[i] = c;
        if (c >= 0 && lc__merge_find(v, a, b) < 0) {   /* a repeated pair keeps its first rank */
            uint64_t h;
            for (h = lc__pair_hash(a, b) & (v->merge_slots - 1); v->merge_hash[h]; h = (h + 1) & (v->merge_slots - 1)) {}
            v->merge_hash[h] = (uint32_t)i + 1;
        }
    }
    return LOLCAT_OK;
}

static lc_result lc__vocab_load(lc_model *m, char *err, size_t err_cap) {
    lc__vocab *v = &m->vocab;
    const lc__kv *tok_kv, *score_kv, *type_kv;
    const char *s;
    uint64_t n, total = 0, i;
    lc__reader r;
    int b, is_llama3 = 0;
    memset(v, 0, sizeof *v);
    v->bos = v->eos = v->eot = v->unk = v->pad = -1;
    for (b = 0; b < 4; b++) v->eog_extra[b] = -1;
    for (b = 0; b < 256; b++) v->byte_token[b] = -1;
    if (!lc__meta_str(m, "tokenizer.ggml.model", &s, &n) || lc__str_eq(s, n, "none") || lc__str_eq(s, n, "no_vocab")) return LOLCAT_OK;
    if (lc__str_eq(s, n, "llama")) v->kind = LOLCAT__VOCAB_SPM;
    else if (lc__str_eq(s, n, "gpt2")) v->kind = LOLCAT__VOCAB_BPE;
    else { lc__set_msg(err, err_cap, "tokenizer '%.*s' is not supported (llama, gpt2 are)", (int)LOLCAT__MIN(n, 32), s); return LOLCAT_ERR_UNSUPPORTED; }
    tok_kv = lc__gguf_find(&m->gguf, "tokenizer.ggml.tokens");
    if (!tok_kv || tok_kv->type != LOLCAT__GGUF_ARRAY || tok_kv->arr_type != LOLCAT__GGUF_STRING || tok_kv->arr_n == 0 || tok_kv->arr_n > LOLCAT__MAX_VOCAB) {
        lc__set_msg(err, err_cap, "tokenizer.ggml.tokens must be a non-empty string array of at most %d entries", LOLCAT__MAX_VOCAB);
        return LOLCAT_ERR_CORRUPT;
    }
    v->n_tokens = (int32_t)tok_kv->arr_n;
    score_kv = lc__gguf_find(&m->gguf, "tokenizer.ggml.scores");
    type_kv = lc__gguf_find(&m->gguf, "tokenizer.ggml.token_type");
    if (score_kv && (score_kv->type != LOLCAT__GGUF_ARRAY || score_kv->arr_type != LOLCAT__GGUF_F32 || score_kv->arr_n != tok_kv->arr_n)) {
        lc__set_msg(err, err_cap, "tokenizer.ggml.scores must be %d floats", v->n_tokens); return LOLCAT_ERR_CORRUPT;
    }
    if (type_kv && (type_kv->type != LOLCAT__GGUF_ARRAY || (type_kv->arr_type != LOLCAT__GGUF_I32 && type_kv->arr_type != LOLCAT__GGUF_U32) || type_kv->arr_n != tok_kv->arr_n)) {
        lc__set_msg(err, err_cap, "tokenizer.ggml.token_type must be %d integers", v->n_tokens); return LOLCAT_ERR_CORRUPT;
    }
    r.p = tok_kv->val; r.size = (uint64_t)(m->data + m->size - tok_kv->val); r.off = 0;
    for (i = 0; i < tok_kv->arr_n; i++) { lc__rd_string(&r, &s, &n); total += n + 1; }
    if (total > UINT32_MAX) { lc__set_msg(err, err_cap, "token texts take %llu bytes", (unsigned long long)total); return LOLCAT_ERR_CORRUPT; }
    v->text_size = (size_t)total;
    v->hash_slots = lc__hash_slots((uint64_t)v->n_tokens);
    v->text = (char *)lc__alloc(&m->alloc, v->text_size);
    v->offset = (uint32_t *)lc__alloc(&m->alloc, (size_t)v->n_tokens * sizeof(uint32_t));
    v->length = (uint32_t *)lc__alloc(&m->alloc, (size_t)v->n_tokens * sizeof(uint32_t));
    v->score = (float *)lc__alloc(&m->alloc, (size_t)v->n_tokens * sizeof(float));
    v->type = (int32_t *)lc__alloc(&m->alloc, (size_t)v->n_tokens * sizeof(int32_t));
    v->hash = (uint32_t *)lc__zalloc(&m->alloc, (size_t)v->hash_slots * sizeof(uint32_t));
    v->special = (int32_t *)lc__alloc(&m->alloc, (size_t)v->n_tokens * sizeof(int32_t));
    if (!v->text || !v->offset || !v->length || !v->score || !v->type || !v->hash || !v->special) {
        lc__set_msg(err, err_cap, "out of memory for the vocabulary"); return LOLCAT_ERR_OUT_OF_MEMORY;
    }
    r.off = 0; total = 0;
    for (i = 0; i < tok_kv->arr_n; i++) {
        uint64_t h;
        float sc = 0.0f;
        int32_t ty = LOLCAT__TOKEN_NORMAL;
        lc__rd_string(&r, &s, &n);
        memcpy(v->text + total, s, (size_t)n);
        v->text[total + n] = 0;
        v->offset[i] = (uint32_t)total; v->length[i] = (uint32_t)n;
        total += n + 1;
        if (score_kv) memcpy(&sc, score_kv->val + 4 * i, 4);
        if (type_kv) memcpy(&ty, type_kv->val + 4 * i, 4);
        v->score[i] = sc == sc ? sc : -INFINITY;
        v->type[i] = ty;
        if (lc__vocab_find(v, s, (size_t)n) < 0) {   /* duplicates: the first id wins */
            for (h = lc__vocab_hash(s, (size_t)n) & (v->hash_slots - 1); v->hash[h]; h = (h + 1) & (v->hash_slots - 1)) {}
            v->hash[h] = (uint32_t)i + 1;
        }
        if (v->kind == LOLCAT__VOCAB_SPM && n == 6 && s[0] == '<' && s[1] == '0' && s[2] == 'x' && s[5] == '>') {
            char hex[3] = {s[3], s[4], 0};
            char *end;
            long byte = strtol(hex, &end, 16);
            if (*end == 0 && byte >= 0 && byte < 256 && v->byte_token[byte] < 0) v->byte_token[byte] = (int32_t)i;
        }
        if ((ty == LOLCAT__TOKEN_CONTROL || ty == LOLCAT__TOKEN_USER_DEFINED || ty == LOLCAT__TOKEN_UNKNOWN) && n > 0) {
            v->special[v->n_special++] = (int32_t)i;
            v->special_first[(unsigned char)s[0] >> 3] |= (unsigned char)(1u << ((unsigned char)s[0] & 7));
        }
    }
    /* longest special text first, so "<|eot_id|>" wins over any prefix of it (O(n log n): a
       hostile file may declare millions of special tokens) */
    lc__sort(v->special, (size_t)v->n_special, sizeof(int32_t), lc__special_before, v);
    if (v->kind == LOLCAT__VOCAB_BPE) {
        lc_result res;
        /* llama.cpp's names for these two splits; a missing key means GPT-2's */
        if (!lc__meta_str(m, "tokenizer.ggml.pre", &s, &n) || lc__str_eq(s, n, "default") || lc__str_eq(s, n, "gpt-2") || lc__str_eq(s, n, "gpt2"))
            v->pre = LOLCAT__PRE_GPT2;
        else if (lc__str_eq(s, n, "llama-bpe") || lc__str_eq(s, n, "llama3") || lc__str_eq(s, n, "llama-v3") || lc__str_eq(s, n, "falcon3") || lc__str_eq(s, n, "pixtral")) {
            v->pre = LOLCAT__PRE_LLAMA3;
            v->ignore_merges = is_llama3 = 1;
        } else if (lc__str_eq(s, n, "smaug-bpe") || lc__str_eq(s, n, "dbrx"))
            v->pre = LOLCAT__PRE_LLAMA3;
        else v->pre = LOLCAT__PRE_UNKNOWN;   /* loads (ids decode) but lc_tokenize says unsupported */
        for (b = 0; b < 256; b++) {
            char ch[2];
            size_t len = lc__utf8_put(lc__gpt2_byte_to_cp((unsigned)b), ch);
            v->byte_token[b] = lc__vocab_find(v, ch, len);
        }
        if ((res = lc__vocab_load_merges(m, err, err_cap)) != LOLCAT_OK) return res;
    }
    v->bos = lc__vocab_id_key(m, "tokenizer.ggml.bos_token_id", -1);
    v->eos = lc__vocab_id_key(m, "tokenizer.ggml.eos_token_id", -1);
    v->eot = lc__vocab_id_key(m, "tokenizer.ggml.eot_token_id", -1);
    v->unk = lc__vocab_id_key(m, "tokenizer.ggml.unknown_token_id", -1);
    v->pad = lc__vocab_id_key(m, "tokenizer.ggml.padding_token_id", -1);
    v->add_bos = lc__vocab_bool_key(m, "tokenizer.ggml.add_bos_token", v->kind == LOLCAT__VOCAB_SPM || is_llama3);
    v->add_space_prefix = lc__vocab_bool_key(m, "tokenizer.ggml.add_space_prefix", v->kind == LOLCAT__VOCAB_SPM);
    {   /* end-of-generation tokens that chat models use besides EOS */
        static const char *const eog_texts[] = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<|eom_id|>"};
        int k, e = 0;
        for (k = 0; k < 4; k++) {
            int32_t id = lc__vocab_find(v, eog_texts[k], strlen(eog_texts[k]));
            if (id >= 0 && v->type[id] == LOLCAT__TOKEN_CONTROL) v->eog_extra[e++] = id;
        }
        if (v->eot < 0) v->eot = v->eog_extra[0];
    }
    return LOLCAT_OK;
}


LCDEF int lc_token_is_eog(const lc_model *m, int32_t t) {
    int k;
    if (!m || t < 0) return 0;
    if (t == m->vocab.eos || t == m->vocab.eot) return 1;
    for (k = 0; k < 4; k++) if (t == m->vocab.eog_extra[k]) return 1;
    return 0;
}

LCDEF int32_t lc_token_lookup(const lc_model *m, const char *text, size_t len) {
    return m && text ? lc__vocab_find(&m->vocab, text, len) : -1;
}

LCDEF lc_result lc_token_text(const lc_model *m, int32_t t, const char **text, size_t *len) {
    if (!m || !text || !len) return LOLCAT_ERR_INVALID_ARGUMENT;
    if (m->vocab.kind == LOLCAT__VOCAB_NONE) return LOLCAT_ERR_NO_VOCAB;
    if (t < 0 || t >= m->vocab.n_tokens) return LOLCAT_ERR_BAD_TOKEN;
    *text = m->vocab.text + m->vocab.offset[t];
    *len = m->vocab.length[t];
    return LOLCAT_OK;
}

static int lc__utf8_len(unsigned char c) {
    return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
}

/* Output buffer that counts what it could not store (so callers learn the size needed). */
typedef struct lc__tokbuf { int32_t *out; size_t cap, n; } lc__tokbuf;
static void lc__tokbuf_push(lc__tokbuf *b, int32_t t) { if (b->n < b->cap) b->out[b->n] = t; b->n++; }

typedef struct lc__spm_sym { int32_t prev, next; uint32_t start, len; } lc__spm_sym;
typedef struct lc__spm_bigram { float score; int32_t left, right; uint32_t size; } lc__spm_bigram;

static int lc__bigram_before(const lc__spm_bigram *a, const lc__spm_bigram *b) {   /* a pops first */
    return a->score > b->score || (a->score == b->score && a->left < b->left);
}
static void lc__heap_push(lc__spm_bigram *heap, size_t *n, lc__spm_bigram item) {
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!lc__bigram_before(&item, &heap[parent])) break;
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = item;
}
static lc__spm_bigram lc__heap_pop(lc__spm_bigram *heap, size_t *n) {
    lc__spm_bigram top = heap[0], last = heap[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, best = i;
        const lc__spm_bigram *cand = &last;
        if (l < *n && lc__bigram_before(&heap[l], cand)) { best = l; cand = &heap[l]; }
        if (l + 1 < *n && lc__bigram_before(&heap[l + 1], cand)) best = l + 1;
        if (best == i) break;
        heap[i] = heap[best];
        i = best;
    }
    if (*n) heap[i] = last;
    return top;
}

static void lc__spm_try_bigram(const lc__vocab *v, const char *text, const lc__spm_sym *sym, int32_t left, int32_t right,
                               lc__spm_bigram *heap, size_t *n_heap) {
    lc__spm_bigram bg;
    int32_t id;
    if (left < 0 || right < 0) return;
    id = lc__vocab_find(v, text + sym[left].start, sym[left].len + sym[right].len);
    if (id < 0) return;
    bg.score = v->score[id]; bg.left = left; bg.right = right; bg.size = sym[left].len + sym[right].len;
    lc__heap_push(heap, n_heap, bg);
}

/* Tokenizes one fragment of raw text (already prefixed/escaped) into b. */
static lc_result lc__spm_fragment(const lc_model *m, const char *text, size_t len, lc__tokbuf *b) {
    const lc__vocab *v = &m->vocab;
    lc__spm_sym *sym;
    lc__spm_bigram *heap;
    size_t n_sym = 0, off = 0, n_heap = 0, heap_cap;
    int32_t i;
    if (len == 0) return LOLCAT_OK;
    if (len > (size_t)INT32_MAX / 4) return LOLCAT_ERR_INVALID_ARGUMENT;
    heap_cap = 3 * len + 1;   /* n-1 initial bigrams, at most 2 per merge */
    sym = (lc__spm_sym *)lc__alloc(&m->alloc, len * sizeof *sym);
    heap = (lc__spm_bigram *)lc__alloc(&m->alloc, heap_cap * sizeof *heap);
    if (!sym || !heap) { lc__free(&m->alloc, sym, len * sizeof *sym); lc__free(&m->alloc, heap, heap_cap * sizeof *heap); return LOLCAT_ERR_OUT_OF_MEMORY; }
    while (off < len) {
        size_t cl = LOLCAT__MIN((size_t)lc__utf8_len((unsigned char)text[off]), len - off);
        sym[n_sym].start = (uint32_t)off; sym[n_sym].len = (uint32_t)cl;
        sym[n_sym].prev = (int32_t)n_sym - 1;
        off += cl;
        sym[n_sym].next = off == len ? -1 : (int32_t)n_sym + 1;
        n_sym++;
    }
    for (i = 1; i < (int32_t)n_sym; i++) lc__spm_try_bigram(v, text, sym, i - 1, i, heap, &n_heap);
    while (n_heap) {
        lc__spm_bigram bg = lc__heap_pop(heap, &n_heap);
        lc__spm_sym *l = &sym[bg.left], *rr = &sym[bg.right];
        if (l->len == 0 || rr->len == 0 || l->len + rr->len != bg.size || l->next != bg.right) continue;   /* stale */
        l->len += rr->len;
        rr->len = 0;
        l->next = rr->next;
        if (rr->next >= 0) sym[rr->next].prev = bg.left;
        lc__spm_try_bigram(v, text, sym, l->prev, bg.left, heap, &n_heap);
        lc__spm_try_bigram(v, text, sym, bg.left, l->next, heap, &n_heap);
    }
    for (i = 0; i != -1; i = sym[i].next) {
        int32_t id = lc__vocab_find(v, text + sym[i].start, sym[i].len);
        if (id >= 0) { lc__tokbuf_push(b, id); continue; }
        {
            uint32_t k;
            for (k = 0; k < sym[i].len; k++) {
                int32_t bt = v->byte_token[(unsigned char)text[sym[i].start + k]];
                lc__tokbuf_push(b, bt >= 0 ? bt : v->unk >= 0 ? v->unk : 0);
            }
        }
    }
    lc__free(&m->alloc, sym, len * sizeof *sym);
    lc__free(&m->alloc, heap, heap_cap * sizeof *heap);
    return LOLCAT_OK;
}

/* Escapes a fragment for SentencePiece (optional leading space, ' ' -> U+2581) and tokenizes it. */
static lc_result lc__spm_text(const lc_model *m, const char *text, size_t len, int add_prefix, lc__tokbuf *b) {
    size_t i, n = 0, cap;
    char *buf;
    lc_result r;
    if (len > SIZE_MAX / 3 - 4) return LOLCAT_ERR_INVALID_ARGUMENT;
    cap = 3 * (len + 1);
    buf = (char *)lc__alloc(&m->alloc, cap);
    if (!buf) return LOLCAT_ERR_OUT_OF_MEMORY;
    if (add_prefix) { memcpy(buf, "\xe2\x96\x81", 3); n = 3; }
    for (i = 0; i < len; i++) {
        if (text[i] == ' ') { memcpy(buf + n, "\xe2\x96\x81", 3); n += 3; }
        else buf[n++] = text[i];
    }
    r = lc__spm_fragment(m, buf, n, b);
    lc__free(&m->alloc, buf, cap);
    return r;
}


/* Byte-level BPE of one word. Scratch grows to the longest word seen and is reused. */
typedef struct lc__bpe_sym { int32_t id, prev, next; } lc__bpe_sym;
typedef struct lc__bpe_pair { int32_t merge, left, right, left_id, right_id; } lc__bpe_pair;   /* merge = rank */
typedef struct lc__bpe_work { const lc_allocator *alloc; lc__bpe_sym *sym; lc__bpe_pair *heap; char *word; size_t cap; } lc__bpe_work;

static void lc__bpe_release(lc__bpe_work *w) {
    lc__free(w->alloc, w->sym, w->cap * sizeof *w->sym);
    lc__free(w->alloc, w->heap, 3 * w->cap * sizeof *w->heap);
    lc__free(w->alloc, w->word, 2 * w->cap);
    w->sym = NULL; w->heap = NULL; w->word = NULL; w->cap = 0;
}
static int lc__bpe_reserve(lc__bpe_work *w, size_t n) {
    size_t cap = LOLCAT__MAX(n, LOLCAT__MAX(2 * w->cap, (size_t)64));
    if (n <= w->cap) return 1;
    lc__bpe_release(w);
    if (n > (size_t)INT32_MAX / 4) return 0;
    if (cap > (size_t)INT32_MAX / 4) cap = n;
    w->sym = (lc__bpe_sym *)lc__alloc(w->alloc, cap * sizeof *w->sym);
    w->heap = (lc__bpe_pair *)lc__alloc(w->alloc, 3 * cap * sizeof *w->heap);   /* n-1 pairs + 2 per merge */
    w->word = (char *)lc__alloc(w->alloc, 2 * cap);
    w->cap = cap;
    if (w->sym && w->heap && w->word) return 1;
    lc__bpe_release(w);
    return 0;
}

static int lc__pair_before(const lc__bpe_pair *a, const lc__bpe_pair *b) {   /* a pops first */
    return a->merge < b->merge || (a->merge == b->merge && a->left < b->left);
}
static void lc__bpe_push(const lc__vocab *v, lc__bpe_work *w, size_t *n_heap, int32_t left, int32_t right) {
    lc__bpe_pair item;
    size_t i;
    if (left < 0 || right < 0) return;
    item.merge = lc__merge_find(v, w->sym[left].id, w->sym[right].id);
    if (item.merge < 0) return;
    item.left = left; item.right = right; item.left_id = w->sym[left].id; item.right_id = w->sym[right].id;
    for (i = (*n_heap)++; i > 0; i = (i - 1) / 2) {
        if (!lc__pair_before(&item, &w->heap[(i - 1) / 2])) break;
        w->heap[i] = w->heap[(i - 1) / 2];
    }
    w->heap[i] = item;
}
static lc__bpe_pair lc__bpe_pop(lc__bpe_work *w, size_t *n_heap) {
    lc__bpe_pair top = w->heap[0], last = w->heap[--(*n_heap)];
    size_t i = 0, n = *n_heap;
    for (;;) {
        size_t l = 2 * i + 1, best = i;
        const lc__bpe_pair *cand = &last;
        if (l < n && lc__pair_before(&w->heap[l], cand)) { best = l; cand = &w->heap[l]; }
        if (l + 1 < n && lc__pair_before(&w->heap[l + 1], cand)) best = l + 1;
        if (best == i) break;
        w->heap[i] = w->heap[best];
        i = best;
    }
    if (n) w->heap[i] = last;
    return top;
}

static lc_result lc__bpe_word(const lc__vocab *v, lc__bpe_work *w, const unsigned char *s, size_t n, lc__tokbuf *b) {
    size_t i, n_heap = 0;
    int32_t k;
    if (!lc__bpe_reserve(w, n)) return LOLCAT_ERR_OUT_OF_MEMORY;
    if (v->ignore_merges) {   /* the whole word, in GPT-2's alphabet, may be a token of the model itself */
        size_t m = 0;
        int32_t id, ty;
        for (i = 0; i < n; i++) m += lc__utf8_put(lc__gpt2_byte_to_cp(s[i]), w->word + m);
        id = lc__vocab_find(v, w->word, m);
        ty = id >= 0 ? v->type[id] : 0;
        if (id >= 0 && ty != LOLCAT__TOKEN_CONTROL && ty != LOLCAT__TOKEN_USER_DEFINED && ty != LOLCAT__TOKEN_UNKNOWN && ty != LOLCAT__TOKEN_UNUSED) {
            lc__tokbuf_push(b, id);   /* added tokens (control, user-defined) are not part of the BPE model */
            return LOLCAT_OK;
        }
    }
    for (i = 0; i < n; i++) {
        w->sym[i].id = v->byte_token[s[i]];
        w->sym[i].prev = (int32_t)i - 1;
        w->sym[i].next = i + 1 < n ? (int32_t)i + 1 : -1;
    }
    for (i = 1; i < n; i++) lc__bpe_push(v, w, &n_heap, (int32_t)i - 1, (int32_t)i);
    while (n_heap) {
        lc__bpe_pair p = lc__bpe_pop(w, &n_heap);
        lc__bpe_sym *l = &w->sym[p.left], *r = &w->sym[p.right];
        if (l->id != p.left_id || r->id != p.right_id || l->next != p.right) continue;   /* stale */
        l->id = v->merge_result[p.merge];
        l->next = r->next;
        if (r->next >= 0) w->sym[r->next].prev = p.left;
        r->id = -2;   /* dead: matches no pair */
        lc__bpe_push(v, w, &n_heap, l->prev, p.left);
        lc__bpe_push(v, w, &n_heap, p.left, l->next);
    }
    for (k = 0; k != -1; k = w->sym[k].next) {   /* a byte without a token (broken vocabulary): unk or nothing */
        int32_t id = w->sym[k].id >= 0 ? w->sym[k].id : v->unk;
        if (id >= 0) lc__tokbuf_push(b, id);
    }
    return LOLCAT_OK;
}

static lc_result lc__bpe_text(const lc__vocab *v, lc__bpe_work *w, const char *text, size_t len, lc__tokbuf *b) {
    const unsigned char *s = (const unsigned char *)text;
    size_t pos = 0;
    while (pos < len) {
        size_t end = v->pre == LOLCAT__PRE_LLAMA3 ? lc__pt_llama3(s, len, pos) : lc__pt_gpt2(s, len, pos);
        lc_result r;
        if (end <= pos || end > len) end = pos + 1;   /* cannot happen; keeps the loop finite regardless */
        if ((r = lc__bpe_word(v, w, s + pos, end - pos, b)) != LOLCAT_OK) return r;
        pos = end;
    }
    return LOLCAT_OK;
}

/* Finds the next special token in text[from..len): returns its position, id in *id. */
static size_t lc__find_special(const lc__vocab *v, const char *text, size_t from, size_t len, int parse_control, int32_t *id) {
    size_t pos;
    int32_t k;
    if (!v->n_special) return len;
    for (pos = from; pos < len; pos++) {
        unsigned char c = (unsigned char)text[pos];
        if (!(v->special_first[c >> 3] & (1u << (c & 7)))) continue;
        for (k = 0; k < v->n_special; k++) {
            int32_t t = v->special[k];
            uint32_t n = v->length[t];
            const char *s = v->text + v->offset[t];
            if (!parse_control && v->type[t] != LOLCAT__TOKEN_USER_DEFINED) continue;
            if (n <= len - pos && s[0] == text[pos] && memcmp(s, text + pos, n) == 0) { *id = t; return pos; }
        }
    }
    return len;
}

LCDEF lc_result lc_tokenize(const lc_model *m, const char *text, size_t len, int flags, int32_t *out, size_t cap, size_t *n_out) {
    const lc__vocab *v;
    lc__tokbuf b;
    lc__bpe_work w;
    lc_result r = LOLCAT_OK;
    size_t pos = 0;
    int prev_special = 1;
    if (n_out) *n_out = 0;
    if (!m || (!text && len) || (!out && cap) || !n_out) return LOLCAT_ERR_INVALID_ARGUMENT;
    v = &m->vocab;
    if (v->kind == LOLCAT__VOCAB_NONE) return LOLCAT_ERR_NO_VOCAB;
    if (v->kind == LOLCAT__VOCAB_BPE && v->pre == LOLCAT__PRE_UNKNOWN) return LOLCAT_ERR_UNSUPPORTED;
    memset(&w, 0, sizeof w);
    w.alloc = &m->alloc;
    b.out = out; b.cap = cap; b.n = 0;
    if ((flags & LOLCAT_TOKENIZE_ADD_BOS) && v->bos >= 0 && v->add_bos) lc__tokbuf_push(&b, v->bos);
    while (pos < len && r == LOLCAT_OK) {
        int32_t id = -1;
        size_t at = lc__find_special(v, text, pos, len, (flags & LOLCAT_TOKENIZE_PARSE_SPECIAL) != 0, &id);
        if (at > pos) {
            r = v->kind == LOLCAT__VOCAB_SPM ? lc__spm_text(m, text + pos, at - pos, v->add_space_prefix && prev_special, &b)
                                             : lc__bpe_text(v, &w, text + pos, at - pos, &b);
            prev_special = 0;
        }
        if (at < len) { lc__tokbuf_push(&b, id); prev_special = 1; pos = at + v->length[id]; }
        else pos = len;
    }
    lc__bpe_release(&w);
    if (r != LOLCAT_OK) return r;
    *n_out = b.n;
    return b.n > cap ? LOLCAT_ERR_BUFFER_TOO_SMALL : LOLCAT_OK;
}

/* Decoding writes bytes into a sink: plainly (lc_token_to_piece) or through a streaming UTF-8
   check (lc_detokenize), so pieces of any length need no intermediate buffer. */
typedef struct lc__sink { char *buf; size_t cap, n; lc_detokenizer *d; int strip_space; } lc__sink;

static void lc__sink_raw(lc__sink *k, const void *p, size_t n) {
    size_t i;
    for (i = 0; i < n; i++, k->n++) if (k->n < k->cap) k->buf[k->n] = ((const char *)p)[i];
}
static void lc__sink_byte(lc__sink *k, unsigned char c) {
    lc_detokenizer *d = k->d;
    if (!d) { lc__sink_raw(k, &c, 1); return; }
    if (d->at_start) { d->at_start = 0; if (k->strip_space && c == ' ') return; }
    if (d->n_pending < 0 || d->n_pending > 3) d->n_pending = 0;
    for (;;) {
        unsigned char lead = d->pending[0], lo = 0x80, hi = 0xbf;
        int need;
        if (d->n_pending == 0) {
            if (c < 0x80) lc__sink_raw(k, &c, 1);
            else if (c >= 0xc2 && c <= 0xf4) { d->pending[0] = c; d->n_pending = 1; }
            else lc__sink_raw(k, "\xef\xbf\xbd", 3);
            return;
        }
        need = lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
        if (d->n_pending == 1) {   /* no overlong forms, surrogates or codepoints above U+10FFFF */
            if (lead == 0xe0) lo = 0xa0; else if (lead == 0xed) hi = 0x9f;
            else if (lead == 0xf0) lo = 0x90; else if (lead == 0xf4) hi = 0x8f;
        }
        if (c >= lo && c <= hi) {
            d->pending[d->n_pending++] = c;
            if (d->n_pending == need) { lc__sink_raw(k, d->pending, (size_t)need); d->n_pending = 0; }
            return;
        }
        lc__sink_raw(k, "\xef\xbf\xbd", 3);   /* the unfinished character is invalid; c starts afresh */
        d->n_pending = 0;
    }
}
static void lc__sink_bytes(lc__sink *k, const char *p, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) lc__sink_byte(k, (unsigned char)p[i]);
}

/* The bytes of token t (llama.cpp's token_to_piece without special tokens). */
static void lc__emit_piece(const lc__vocab *v, int32_t t, lc__sink *k) {
    const char *s = v->text + v->offset[t];
    size_t n = v->length[t], i;
    switch (v->type[t]) {
    case LOLCAT__TOKEN_CONTROL: case LOLCAT__TOKEN_UNUSED: return;
    case LOLCAT__TOKEN_USER_DEFINED: lc__sink_bytes(k, s, n); return;
    case LOLCAT__TOKEN_BYTE:
        if (v->kind == LOLCAT__VOCAB_SPM && n == 6 && s[0] == '<' && s[1] == '0' && s[2] == 'x' && s[5] == '>') {
            char hex[3] = {s[3], s[4], 0}, *end;
            long byte = strtol(hex, &end, 16);
            if (*end == 0 && byte >= 0 && byte < 256) lc__sink_byte(k, (unsigned char)byte);
        }
        return;
    case LOLCAT__TOKEN_UNKNOWN:
        if (v->kind == LOLCAT__VOCAB_SPM) lc__sink_bytes(k, "\xe2\x96\x85", 3);
        return;
    default: break;
    }
    if (v->kind == LOLCAT__VOCAB_SPM) {
        for (i = 0; i < n; i++) {
            if (i + 2 < n && memcmp(s + i, "\xe2\x96\x81", 3) == 0) { lc__sink_byte(k, ' '); i += 2; }
            else lc__sink_byte(k, (unsigned char)s[i]);
        }
        return;
    }
    for (i = 0; i < n;) {   /* byte-level BPE: GPT-2 alphabet back to bytes; other characters as they are */
        uint32_t cp;
        size_t len = lc__utf8_next((const unsigned char *)s + i, n - i, &cp);
        int byte = cp == LOLCAT__NOT_UTF8 ? -1 : lc__gpt2_cp_to_byte(cp);
        if (byte >= 0) lc__sink_byte(k, (unsigned char)byte);
        else lc__sink_bytes(k, s + i, len);
        i += len;
    }
}

LCDEF lc_result lc_token_to_piece(const lc_model *m, int32_t t, char *buf, size_t cap, size_t *len) {
    lc__sink k;
    if (len) *len = 0;
    if (!m || (!buf && cap) || !len) return LOLCAT_ERR_INVALID_ARGUMENT;
    if (m->vocab.kind == LOLCAT__VOCAB_NONE) return LOLCAT_ERR_NO_VOCAB;
    if (t < 0 || t >= m->vocab.n_tokens) return LOLCAT_ERR_BAD_TOKEN;
    memset(&k, 0, sizeof k);
    k.buf = buf; k.cap = cap;
    lc__emit_piece(&m->vocab, t, &k);
    *len = k.n;
    return k.n > cap ? LOLCAT_ERR_BUFFER_TOO_SMALL : LOLCAT_OK;
}

LCDEF void lc_detokenizer_init(lc_detokenizer *d) {
    if (!d) return;
    memset(d, 0, sizeof *d);
    d->at_start = 1;
}

LCDEF lc_result lc_detokenize(const lc_model *m, lc_detokenizer *d, int32_t t, char *buf, size_t cap, size_t *len) {
    lc_detokenizer next;
    lc__sink k;
    if (len) *len = 0;
    if (!m || !d || (!buf && cap) || !len) return LOLCAT_ERR_INVALID_ARGUMENT;
    if (m->vocab.kind == LOLCAT__VOCAB_NONE) return LOLCAT_ERR_NO_VOCAB;
    if (t < 0 || t >= m->vocab.n_tokens) return LOLCAT_ERR_BAD_TOKEN;
    next = *d;   /* committed only on success, so a retry with a larger buffer gives the same text */
    k.buf = buf; k.cap = cap; k.n = 0; k.d = &next;
    k.strip_space = m->vocab.add_space_prefix;   /* the dummy prefix of SentencePiece */
    lc__emit_piece(&m->vocab, t, &k);
    *len = k.n;
    if (k.n > cap) return LOLCAT_ERR_BUFFER_TOO_SMALL;
    *d = next;
    return LOLCAT_OK;
}

LCDEF lc_result lc_detokenizer_flush(lc_detokenizer *d, char *buf, size_t cap, size_t *len) {
    if (len) *len = 0;
    if (!d || (!buf && cap) || !len) return LOLCAT_ERR_INVALID_ARGUMENT;
    if (d->n_pending <= 0) { d->n_pending = 0; return LOLCAT_OK; }
    *len = 3;
    if (cap < 3) return LOLCAT_ERR_BUFFER_TOO_SMALL;
    memcpy(buf, "\xef\xbf\xbd", 3);
    d->n_pending = 0;
    return LOLCAT_OK;
}

/* ===== @@SAMPLER ===== */
/* Chain: repetition penalty -> (greedy if temperature <= 0) -> top-k -> softmax -> top-p ->
   min-p -> temperature -> draw. Filters look at the untempered distribution, as llama.cpp's
   default chain does; the temperature then reshapes what is left. */
typedef struct lc__cand { float logit; int32_t id; } lc__cand;

struct lc_sampler {
    const lc_model   *model;
    lc_allocator      alloc;
    lc_sampler_params p;
    uint64_t          rng;
    lc__cand         *cand;       /* n_vocab */
    int32_t          *history;    /* ring of the last repeat_last_n tokens */
    int               n_history, history_pos;
    int32_t           n_vocab;
};

LCDEF lc_sampler_params lc_sampler_default_params(void) {
    lc_sampler_params p;
    p.temperature = 0.8f; p.top_k = 40; p.top_p = 0.95f; p.min_p = 0.05f;
    p.repeat_penalty = 1.0f; p.repeat_last_n = 64; p.seed = 0x10ca7ull;
    return p;
}

static uint64_t lc__splitmix64(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static float lc__rand01(lc_sampler *s) { return (float)(lc__splitmix64(&s->rng) >> 40) * (1.0f / 16777216.0f); }

LCDEF lc_result lc_sampler_create(const lc_model *m, const lc_sampler_params *params, lc_sampler **out) {
    lc_sampler *s;
    if (!out) return LOLCAT_ERR_INVALID_ARGUMENT;
    *out = NULL;
    if (!m || m->n_vocab <= 0) return LOLCAT_ERR_INVALID_ARGUMENT;
    s = (lc_sampler *)lc__zalloc(&m->alloc, sizeof *s);
    if (!s) return LOLCAT_ERR_OUT_OF_MEMORY;
    s->model = m; s->alloc = m->alloc;
    s->p = params ? *params : lc_sampler_default_params();
    if (s->p.repeat_last_n < 0) s->p.repeat_last_n = 0;
    if (s->p.repeat_last_n > 1 << 20) s->p.repeat_last_n = 1 << 20;
    s->n_vocab = m->n_vocab;
    s->cand = (lc__cand *)lc__alloc(&s->alloc, (size_t)s->n_vocab * sizeof(lc__cand));
    s->history = (int32_t *)lc__alloc(&s->alloc, (size_t)LOLCAT__MAX(s->p.repeat_last_n, 1) * sizeof(int32_t));
    if (!s->cand || !s->history) { lc_sampler_destroy(s); return LOLCAT_ERR_OUT_OF_MEMORY; }
    lc_sampler_reset(s);
    *out = s;
    return LOLCAT_OK;
}

LCDEF void lc_sampler_destroy(lc_sampler *s) {
    if (!s) return;
    lc__free(&s->alloc, s->cand, (size_t)s->n_vocab * sizeof(lc__cand));
    lc__free(&s->alloc, s->history, (size_t)LOLCAT__MAX(s->p.repeat_last_n, 1) * sizeof(int32_t));
    lc__free(&s->alloc, s, sizeof *s);
}

LCDEF void lc_sampler_reset(lc_sampler *s) {
    if (!s) return;
    s->rng = s->p.seed;
    s->n_history = s->history_pos = 0;
}

LCDEF void lc_sampler_accept(lc_sampler *s, int32_t t) {
    if (!s || s->p.repeat_last_n <= 0) return;
    s->history[s->history_pos] = t;
    s->history_pos = (s->history_pos + 1) % s->p.repeat_last_n;
    if (s->n_history < s->p.repeat_last_n) s->n_history++;
}

static int lc__cand_desc(const void *a, const void *b) {
    const lc__cand *x = (const lc__cand *)a, *y = (const lc__cand *)b;
    if (x->logit != y->logit) return x->logit > y->logit ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}
static int lc__cand_before(const void *a, const void *b, const void *ctx) { (void)ctx; return lc__cand_desc(a, b) < 0; }
#define LOLCAT__CAND_LT(x, y) ((x).logit > (y).logit || ((x).logit == (y).logit && (x).id < (y).id))
/* Sorts candidates by descending logit, then id: introsort (median-of-three quicksort, insertion
   sort for short runs, lc__sort's heapsort when the recursion gets too deep), in place. */
static void lc__sort_cand(lc__cand *c, int n, int depth) {
    while (n > 16) {
        lc__cand pivot, t;
        int i, j, mid = n / 2;
        if (depth-- <= 0) { lc__sort(c, (size_t)n, sizeof *c, lc__cand_before, NULL); return; }
        if (LOLCAT__CAND_LT(c[mid], c[0])) { t = c[mid]; c[mid] = c[0]; c[0] = t; }
        if (LOLCAT__CAND_LT(c[n - 1], c[0])) { t = c[n - 1]; c[n - 1] = c[0]; c[0] = t; }
        if (LOLCAT__CAND_LT(c[n - 1], c[mid])) { t = c[n - 1]; c[n - 1] = c[mid]; c[mid] = t; }
        pivot = c[mid];
        for (i = 0, j = n - 1; ; i++, j--) {   /* Hoare partition: [0, j] <= pivot <= [j+1, n) */
            while (LOLCAT__CAND_LT(c[i], pivot)) i++;
            while (LOLCAT__CAND_LT(pivot, c[j])) j--;
            if (i >= j) break;
            t = c[i]; c[i] = c[j]; c[j] = t;
        }
        if (j + 1 < n - j - 1) { lc__sort_cand(c, j + 1, depth); c += j + 1; n -= j + 1; }   /* recurse on the smaller side */
        else { lc__sort_cand(c + j + 1, n - j - 1, depth); n = j + 1; }
    }
    {
        int i, j;
        for (i = 1; i < n; i++) {
            lc__cand key = c[i];
            for (j = i - 1; j >= 0 && LOLCAT__CAND_LT(key, c[j]); j--) c[j + 1] = c[j];
            c[j + 1] = key;
        }
    }
}

/* Moves the k largest candidates to the front, unordered (quickselect, O(n)). */
static void lc__select_top(lc__cand *c, int n, int k) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        lc__cand pivot = c[lo + (hi - lo) / 2], tmp;
        int i = lo, j = hi;
        while (i <= j) {
            while (lc__cand_desc(&c[i], &pivot) < 0) i++;
            while (lc__cand_desc(&c[j], &pivot) > 0) j--;
            if (i <= j) { tmp = c[i]; c[i] = c[j]; c[j] = tmp; i++; j--; }
        }
        if (k - 1 <= j) hi = j;
        else if (k - 1 >= i) lo = i;
        else break;
    }
}

LCDEF int32_t lc_sampler_sample(lc_sampler *s, const float *logits) {
    lc__cand *c;
    int n, i, best = 0;
    float mx, sum, r, acc;
    if (!s || !logits) return -1;
    c = s->cand;
    n = s->n_vocab;
    for (i = 0; i < n; i++) { c[i].id = i; c[i].logit = logits[i] == logits[i] ? logits[i] : -INFINITY; }
    if (s->p.repeat_penalty != 1.0f && s->p.repeat_penalty > 0.0f) {
        for (i = 0; i < s->n_history; i++) {   /* penalize each distinct token once */
            int32_t t = s->history[i];
            int k, seen = 0;
            for (k = 0; k < i && !seen; k++) seen = s->history[k] == t;
            if (seen || t < 0 || t >= n) continue;
            c[t].logit = c[t].logit > 0 ? c[t].logit / s->p.repeat_penalty : c[t].logit * s->p.repeat_penalty;
        }
    }
    if (s->p.temperature <= 0.0f) {
        for (i = 1; i < n; i++) if (c[i].logit > c[best].logit) best = i;
        lc_sampler_accept(s, c[best].id);
        return c[best].id;
    }
    if (s->p.top_k > 0 && s->p.top_k < n) { lc__select_top(c, n, s->p.top_k); n = s->p.top_k; }
    lc__sort_cand(c, n, 64);   /* not qsort: glibc's allocates */
    mx = c[0].logit;
    if (mx == -INFINITY) { lc_sampler_accept(s, c[0].id); return c[0].id; }
    for (i = 0, sum = 0.0f; i < n; i++) { c[i].logit = expf(c[i].logit - mx); sum += c[i].logit; }   /* now probabilities */
    for (i = 0; i < n; i++) c[i].logit /= sum;
    if (s->p.top_p < 1.0f) {
        for (i = 0, acc = 0.0f; i < n; i++) { acc += c[i].logit; if (acc >= s->p.top_p) { n = i + 1; break; } }
    }
    if (s->p.min_p > 0.0f) {
        float floor_p = s->p.min_p * c[0].logit;
        for (i = 1; i < n && c[i].logit >= floor_p; i++) {}
        n = i;
    }
    /* temperature on what is left: p^(1/T) renormalized equals softmax(logit/T) */
    {
        const float top = c[0].logit;
        for (i = 0, sum = 0.0f; i < n; i++) { c[i].logit = powf(c[i].logit / top, 1.0f / s->p.temperature); sum += c[i].logit; }
    }
    r = lc__rand01(s) * sum;
    for (i = 0, acc = 0.0f; i < n - 1; i++) { acc += c[i].logit; if (r < acc) break; }
    lc_sampler_accept(s, c[i].id);
    return c[i].id;
}

/* ===== @@CHAT ===== */
/* Prompt formats, written out by hand (no template engine): each matches the official Jinja
   template of its model family for plain user/assistant conversations (see the tests). */
static int lc__has(const char *s, size_t n, const char *needle) {
    size_t k = strlen(needle), i;
    for (i = 0; k <= n && i <= n - k; i++) if (s[i] == needle[0] && memcmp(s + i, needle, k) == 0) return 1;
    return 0;
}

LCDEF lc_chat_template lc_chat_template_detect(const lc_model *m) {
    const char *s;
    uint64_t n;
    if (!m) return LOLCAT_CHAT_COMPLETION;
    if (lc__meta_str(m, "tokenizer.chat_template", &s, &n)) {
        if (lc__has(s, (size_t)n, "<|start_header_id|>")) return LOLCAT_CHAT_LLAMA3;
        if (lc__has(s, (size_t)n, "<|im_start|>")) return LOLCAT_CHAT_CHATML;
        if (lc__has(s, (size_t)n, "[INST]")) return LOLCAT_CHAT_MISTRAL;
    }
    if (lc__vocab_find(&m->vocab, "<|start_header_id|>", 19) >= 0 && lc__vocab_find(&m->vocab, "<|eot_id|>", 10) >= 0) return LOLCAT_CHAT_LLAMA3;
    if (lc__vocab_find(&m->vocab, "<|im_start|>", 12) >= 0 && lc__vocab_find(&m->vocab, "<|im_end|>", 10) >= 0) return LOLCAT_CHAT_CHATML;
    if (lc__vocab_find(&m->vocab, "[INST]", 6) >= 0) return LOLCAT_CHAT_MISTRAL;
    return LOLCAT_CHAT_COMPLETION;
}

LCDEF const char *lc_chat_template_name(lc_chat_template t) {
    switch (t) {
    case LOLCAT_CHAT_LLAMA3: return "llama3";
    case LOLCAT_CHAT_MISTRAL: return "mistral";
    case LOLCAT_CHAT_CHATML: return "chatml";
    default: return "completion";
    }
}

LCDEF int lc_chat_template_from_name(const char *name) {
    static const struct { const char *name; lc_chat_template t; } names[] = {
        {"completion", LOLCAT_CHAT_COMPLETION}, {"none", LOLCAT_CHAT_COMPLETION}, {"llama3", LOLCAT_CHAT_LLAMA3},
        {"llama-3", LOLCAT_CHAT_LLAMA3}, {"llama3-instruct", LOLCAT_CHAT_LLAMA3}, {"mistral", LOLCAT_CHAT_MISTRAL},
        {"inst", LOLCAT_CHAT_MISTRAL}, {"chatml", LOLCAT_CHAT_CHATML}};
    size_t i;
    for (i = 0; name && i < sizeof names / sizeof names[0]; i++) if (strcmp(name, names[i].name) == 0) return (int)names[i].t;
    return -1;
}

LCDEF const char *lc_chat_template_end_of_turn(lc_chat_template t) {
    switch (t) {
    case LOLCAT_CHAT_LLAMA3: return "<|eot_id|>";
    case LOLCAT_CHAT_MISTRAL: return "</s>";
    case LOLCAT_CHAT_CHATML: return "<|im_end|>\n";
    default: return "";
    }
}

typedef struct lc__text_out { char *buf; size_t cap, n; } lc__text_out;
static void lc__text_put(lc__text_out *o, const char *s, size_t n) {
    if (o->n < o->cap) memcpy(o->buf + o->n, s, LOLCAT__MIN(n, o->cap - o->n));
    o->n = n > SIZE_MAX - o->n ? SIZE_MAX : o->n + n;
}
static void lc__text_puts(lc__text_out *o, const char *s) { lc__text_put(o, s, strlen(s)); }
/* Python's str.strip() on White_Space, which the Llama 3 template applies through "| trim". */
static void lc__text_put_trimmed(lc__text_out *o, const char *s) {
    size_t n = strlen(s), i = 0, first = n, end = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = lc__utf8_next((const unsigned char *)s + i, n - i, &cp);
        if (lc__unicode_class(cp) != LOLCAT__CL_SPACE) { if (first == n) first = i; end = i + len; }
        i += len;
    }
    if (first < end) lc__text_put(o, s + first, end - first);
}

LCDEF lc_result lc_chat_render(lc_chat_template t, const lc_chat_message *msgs, size_t n, int add_assistant_prefix,
                               char *buf, size_t cap, size_t *len) {
    lc__text_out o;
    size_t i, j, system_from = 0;
    if (len) *len = 0;
    if (!len || (!buf && cap) || (!msgs && n) || (int)t < 0 || t > LOLCAT_CHAT_CHATML) return LOLCAT_ERR_INVALID_ARGUMENT;
    for (i = 0; i < n; i++) if (!msgs[i].role || !msgs[i].content) return LOLCAT_ERR_INVALID_ARGUMENT;
    o.buf = buf; o.cap = cap; o.n = 0;
    for (i = 0; i < n; i++) {
        const char *role = msgs[i].role, *content = msgs[i].content;
        switch (t) {
        case LOLCAT_CHAT_LLAMA3:
            lc__text_puts(&o, "<|start_header_id|>"); lc__text_puts(&o, role); lc__text_puts(&o, "<|end_header_id|>\n\n");
            lc__text_put_trimmed(&o, content); lc__text_puts(&o, "<|eot_id|>");
            break;
        case LOLCAT_CHAT_CHATML:
            lc__text_puts(&o, "<|im_start|>"); lc__text_puts(&o, role); lc__text_puts(&o, "\n");
            lc__text_puts(&o, content); lc__text_puts(&o, "<|im_end|>\n");
            break;
        case LOLCAT_CHAT_MISTRAL:   /* system messages wait for the next user message (llama.cpp's choice) */
            if (strcmp(role, "system") == 0) break;
            if (strcmp(role, "assistant") == 0) { lc__text_puts(&o, content); lc__text_puts(&o, "</s>"); break; }
            lc__text_puts(&o, "[INST] ");
            for (j = system_from; j < i; j++)
                if (strcmp(msgs[j].role, "system") == 0) { lc__text_puts(&o, msgs[j].content); lc__text_puts(&o, "\n"); }
            system_from = i + 1;
            lc__text_puts(&o, content); lc__text_puts(&o, " [/INST]");
            break;
        default:
            lc__text_puts(&o, content);
            break;
        }
    }
    if (add_assistant_prefix && t == LOLCAT_CHAT_LLAMA3) lc__text_puts(&o, "<|start_header_id|>assistant<|end_header_id|>\n\n");
    if (add_assistant_prefix && t == LOLCAT_CHAT_CHATML) lc__text_puts(&o, "<|im_start|>assistant\n");
    *len = o.n;
    if (o.n >= cap) return LOLCAT_ERR_BUFFER_TOO_SMALL;
    buf[o.n] = 0;
    return LOLCAT_OK;
}

/* ===== @@MISC ===== */
LCDEF const char *lc_result_string(lc_result r) {
    static const char *const names[] = {
#define LOLCAT__RESULT_TEXT(name, text) text,
        LOLCAT__RESULT_LIST(LOLCAT__RESULT_TEXT)
#undef LOLCAT__RESULT_TEXT
    };
    return (int)r >= 0 && r < LOLCAT__RESULT_COUNT ? names[r] : "unknown result";
}

LCDEF void lc_version(int *major, int *minor, int *patch) {
    if (major) *major = LOLCAT_VERSION_MAJOR;
    if (minor) *minor = LOLCAT_VERSION_MINOR;
    if (patch) *patch = LOLCAT_VERSION_PATCH;
}

LCDEF const char *lc_build_info(void) {
    return LOLCAT_VERSION_STRING
#if LOLCAT__AVX2
        " avx2 fma f16c"
#if LOLCAT__AVX512
        " avx512f"
#endif
#if LOLCAT__AVX512_INT8
        " avx512bw avx512vnni"
#endif
#if LOLCAT__AVX512_BF16
        " avx512bf16"
#endif
#if LOLCAT__VNNI
        " vnni"
#endif
#elif LOLCAT__NEON && defined(__ARM_FEATURE_DOTPROD)
        " neon dotprod"
#elif LOLCAT__NEON
        " neon"
#else
        " scalar"
#endif
#if defined(_OPENMP)
        " openmp"
#endif
        ;
}

LCDEF size_t lc_type_size(lc_tensor_type type, uint64_t n) {
    int bv, bb = lc__type_block((int)type, &bv);
    if (!bb || n % (uint64_t)bv) return 0;
    return (size_t)(n / (uint64_t)bv * (uint64_t)bb);
}

LCDEF const char *lc_type_name(lc_tensor_type type) {
    switch (type) {
    case LOLCAT_TYPE_F32: return "f32";
    case LOLCAT_TYPE_F16: return "f16";
    case LOLCAT_TYPE_BF16: return "bf16";
    case LOLCAT_TYPE_Q8_0: return "q8_0";
    case LOLCAT_TYPE_Q4_0: return "q4_0";
    default: return "unknown";
    }
}

LCDEF lc_result lc_quantize(lc_tensor_type type, const float *src, void *dst, uint64_t n) {
    uint64_t i;
    int bv;
    if (!src || !dst || !lc__type_block((int)type, &bv) || n % (uint64_t)bv) return LOLCAT_ERR_INVALID_ARGUMENT;
    switch (type) {
    case LOLCAT_TYPE_F32: memcpy(dst, src, (size_t)n * sizeof(float)); break;
    case LOLCAT_TYPE_F16: for (i = 0; i < n; i++) { uint16_t h = lc__f32_to_f16(src[i]); memcpy((char *)dst + 2 * i, &h, 2); } break;
    case LOLCAT_TYPE_BF16: for (i = 0; i < n; i++) { uint16_t h = lc__f32_to_bf16(src[i]); memcpy((char *)dst + 2 * i, &h, 2); } break;
    case LOLCAT_TYPE_Q8_0: lc__quantize_q8_0_ref(src, dst, (int64_t)n); break;
    case LOLCAT_TYPE_Q4_0: lc__quantize_q4_0_ref(src, dst, (int64_t)n); break;
    default: return LOLCAT_ERR_INVALID_ARGUMENT;
    }
    return LOLCAT_OK;
}

LCDEF lc_result lc_dequantize(lc_tensor_type type, const void *src, float *dst, uint64_t n) {
    int bv;
    if (!src || !dst || !lc__type_block((int)type, &bv) || n % (uint64_t)bv) return LOLCAT_ERR_INVALID_ARGUMENT;
    lc__dequant_row((int)type, src, dst, (int64_t)n);
    return LOLCAT_OK;
}

#endif /* LOLCAT_IMPLEMENTATION */

/*
REVISION HISTORY
    0.1.0 (2026-11-28)  first release.

------------------------------------------------------------------------------
MIT License

Copyright (c) 2026 the lolcat.h authors

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
*/
