/* lolcat-chat: talk to a model, or complete a prompt. Uses the public lolcat.h API only.

   lolcat-chat -m MODEL [-i] [-p PROMPT] [--system TEXT] [--template NAME] [-n N] [-c N_CTX] [-t N]
               [--temp T] [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--seed S]

   -p alone completes PROMPT once (a chat model answers it as a user message) and exits; with
   -i, or without -p, the session is interactive. The template comes from the model
   (--template llama3|mistral|chatml|completion overrides it); base models continue the text.
   Commands: /save FILE  /load FILE  /reset  /stats  /help  /quit.  Ctrl-C stops a reply;
   at the prompt, Ctrl-C twice or Ctrl-D quits. Speed and memory go to stderr after each reply. */
#define _POSIX_C_SOURCE 200809L
#define LOLCAT_IMPLEMENTATION
#include "../lolcat.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <termios.h>
#include <unistd.h>

#define LINE_MAX_BYTES 65536
#define HISTORY_MAX 100
#define SAVE_MAGIC "LCCHAT01"

static volatile sig_atomic_t interrupted;   /* set by SIGINT, polled between tokens */
static void on_sigint(int sig) { (void)sig; interrupted = 1; }

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct chat {
    lc_model         *model;
    lc_ctx           *ctx;
    lc_sampler_params sp;                  /* sp.seed is the session seed; each reply derives its own */
    lc_chat_template  tmpl;
    const char       *system;
    int               n_predict, turn, started, tty_out;
    int32_t          *log;                 /* tokens fed so far (the repeat penalty's history) */
    size_t            n_log, cap_log;
    lc_chat_message  *msgs;                /* transcript; strings owned */
    size_t            n_msgs;
    double            prefill_s, decode_s;
    long              prefill_tok, decode_tok;
} chat;

static void log_token(chat *ch, int32_t t) {
    if (ch->n_log == ch->cap_log) {
        size_t cap = ch->cap_log ? 2 * ch->cap_log : 1024;
        int32_t *p = (int32_t *)realloc(ch->log, cap * sizeof *p);
        if (!p) return;   /* the history only feeds the repeat penalty */
        ch->log = p; ch->cap_log = cap;
    }
    ch->log[ch->n_log++] = t;
}

static char *dup_n(const char *s, size_t n) {
    char *d = (char *)malloc(n + 1);
    if (d) { memcpy(d, s, n); d[n] = 0; }
    return d;
}
static void add_message(chat *ch, const char *role, const char *content, size_t len) {
    lc_chat_message *p = (lc_chat_message *)realloc(ch->msgs, (ch->n_msgs + 1) * sizeof *p);
    if (!p) return;
    ch->msgs = p;
    p[ch->n_msgs].role = dup_n(role, strlen(role));
    p[ch->n_msgs].content = dup_n(content, len);
    if (p[ch->n_msgs].role && p[ch->n_msgs].content) ch->n_msgs++;
}
static void clear_session(chat *ch) {
    size_t i;
    for (i = 0; i < ch->n_msgs; i++) { free((char *)ch->msgs[i].role); free((char *)ch->msgs[i].content); }
    ch->n_msgs = 0; ch->n_log = 0; ch->turn = 0; ch->started = 0;
    lc_ctx_reset(ch->ctx);
}

/* Tokenizes text and feeds it; returns 0 on success. */
static int feed_text(chat *ch, const char *text, int flags) {
    size_t n = 0, i;
    int32_t *toks;
    lc_result r = lc_tokenize(ch->model, text, strlen(text), flags, NULL, 0, &n);
    if (r != LOLCAT_OK && r != LOLCAT_ERR_BUFFER_TOO_SMALL) { fprintf(stderr, "tokenize: %s\n", lc_result_string(r)); return 1; }
    if (n == 0) return 0;
    if (!(toks = (int32_t *)malloc(n * sizeof *toks))) return 1;
    lc_tokenize(ch->model, text, strlen(text), flags, toks, n, &n);
    if ((r = lc_eval(ch->ctx, toks, n)) != LOLCAT_OK) {
        fprintf(stderr, "\n[%s: %s; /reset starts over]\n", lc_result_string(r), lc_ctx_last_error(ch->ctx));
        free(toks); return 1;
    }
    for (i = 0; i < n; i++) log_token(ch, toks[i]);
    ch->prefill_tok += (long)n;
    free(toks);
    return 0;
}

/* On a terminal, control characters (escape sequences!) from the model are not printed. */
static void print_text(const chat *ch, const char *s, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (ch->tty_out && ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)) continue;
        if (ch->tty_out && c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0) { i++; continue; }   /* C1 */
        fputc(c, stdout);
    }
}

/* One exchange: renders the new message(s), prefills, streams the reply, closes the turn. */
static int exchange(chat *ch, const char *user, int echo_prompt) {
    lc_chat_message m[2];
    size_t n_m = 0, len = 0, reply_len = 0, reply_cap = 256, i;
    char *text, *reply = (char *)malloc(reply_cap), piece[512];
    int flags = ch->started ? 0 : LOLCAT_TOKENIZE_ADD_BOS, generated = 0, rc = 0;
    long n_prompt = ch->prefill_tok;
    double t0, t1, t2;
    lc_sampler *smp;
    lc_sampler_params sp = ch->sp;
    lc_detokenizer detok;
    if (!reply) return 1;
    if (!ch->started && ch->system && *ch->system) { m[n_m].role = "system"; m[n_m++].content = ch->system; }
    m[n_m].role = "user"; m[n_m++].content = user;
    lc_chat_render(ch->tmpl, m, n_m, 1, NULL, 0, &len);
    if (!(text = (char *)malloc(len + 1))) { free(reply); return 1; }
    lc_chat_render(ch->tmpl, m, n_m, 1, text, len + 1, &len);
    if (ch->tmpl != LOLCAT_CHAT_COMPLETION) flags |= LOLCAT_TOKENIZE_PARSE_SPECIAL;
    if (echo_prompt) { print_text(ch, text, len); fflush(stdout); }
    interrupted = 0;
    t0 = now_seconds();
    if (feed_text(ch, text, flags)) { free(text); free(reply); return 1; }
    ch->started = 1;
    n_prompt = ch->prefill_tok - n_prompt;
    for (i = 0; i < n_m; i++) add_message(ch, m[i].role, m[i].content, strlen(m[i].content));
    free(text);
    t1 = now_seconds();
    /* each reply gets a sampler seeded from (session seed, turn) with the recent tokens as
       history, so a conversation restored by /load continues exactly */
    sp.seed = ch->sp.seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(ch->turn + 1));
    if (lc_sampler_create(ch->model, &sp, &smp) != LOLCAT_OK) { free(reply); return 1; }
    for (i = ch->n_log > (size_t)sp.repeat_last_n ? ch->n_log - (size_t)sp.repeat_last_n : 0; i < ch->n_log; i++) lc_sampler_accept(smp, ch->log[i]);
    lc_detokenizer_init(&detok);
    detok.at_start = ch->tmpl != LOLCAT_CHAT_COMPLETION;   /* drop SentencePiece's leading space of a reply only */
    while (!interrupted && (ch->n_predict < 0 || generated < ch->n_predict)) {
        int32_t t = lc_sampler_sample(smp, lc_get_logits(ch->ctx));
        size_t n;
        lc_result r;
        if (lc_token_is_eog(ch->model, t)) break;
        if (lc_detokenize(ch->model, &detok, t, piece, sizeof piece, &n) == LOLCAT_OK) {
            print_text(ch, piece, n);
            fflush(stdout);
            if (reply_len + n + 1 > reply_cap) {
                char *grown = (char *)realloc(reply, 2 * (reply_cap + n));
                if (grown) { reply = grown; reply_cap = 2 * (reply_cap + n); }
            }
            if (reply_len + n + 1 <= reply_cap) { memcpy(reply + reply_len, piece, n); reply_len += n; }
        }
        generated++;
        if ((r = lc_eval(ch->ctx, &t, 1)) != LOLCAT_OK) {
            fprintf(stderr, "\n[%s: %s; /reset starts over]", lc_result_string(r), lc_ctx_last_error(ch->ctx));
            rc = 1; break;
        }
        log_token(ch, t);
    }
    lc_sampler_destroy(smp);
    t2 = now_seconds();
    if (lc_detokenizer_flush(&detok, piece, sizeof piece, &len) == LOLCAT_OK) print_text(ch, piece, len);   /* a broken last character */
    if (interrupted) fprintf(stderr, " [stopped]");
    printf("\n");
    fflush(stdout);
    if (ch->tmpl != LOLCAT_CHAT_COMPLETION && !rc) rc = feed_text(ch, lc_chat_template_end_of_turn(ch->tmpl), LOLCAT_TOKENIZE_PARSE_SPECIAL);
    add_message(ch, "assistant", reply, reply_len);
    ch->turn++;
    ch->prefill_s += t1 - t0; ch->decode_s += t2 - t1; ch->decode_tok += generated;
    fprintf(stderr, "[prefill %ld tok, %.1f tok/s | decode %d tok, %.1f tok/s | %lld tokens so far | state %.1f KiB]\n",
            n_prompt, n_prompt / (t1 - t0 + 1e-9), generated,
            generated / (t2 - t1 + 1e-9), (long long)lc_ctx_n_past(ch->ctx), lc_ctx_state_memory(ch->ctx) / 1024.0);
    free(reply);
    interrupted = 0;
    return rc;
}

/* ---- /save and /load: the context state blob plus what the CLI needs to continue exactly --- */
static int put(FILE *f, const void *p, size_t n) { return fwrite(p, 1, n, f) == n; }
static int get(FILE *f, void *p, size_t n) { return fread(p, 1, n, f) == n; }
static void params_to_words(const lc_sampler_params *p, uint32_t w[8]) {
    memcpy(&w[0], &p->temperature, 4); w[1] = (uint32_t)p->top_k; memcpy(&w[2], &p->top_p, 4);
    memcpy(&w[3], &p->min_p, 4); memcpy(&w[4], &p->repeat_penalty, 4); w[5] = (uint32_t)p->repeat_last_n;
    w[6] = (uint32_t)p->seed; w[7] = (uint32_t)(p->seed >> 32);
}
static void words_to_params(const uint32_t w[8], lc_sampler_params *p) {
    memcpy(&p->temperature, &w[0], 4); p->top_k = (int)w[1]; memcpy(&p->top_p, &w[2], 4);
    memcpy(&p->min_p, &w[3], 4); memcpy(&p->repeat_penalty, &w[4], 4); p->repeat_last_n = (int)w[5];
    p->seed = (uint64_t)w[6] | (uint64_t)w[7] << 32;
}

static int save_session(const chat *ch, const char *path) {
    size_t state_size = lc_ctx_state_size(ch->ctx), n_hist, i, written;
    uint32_t u[4], w[8];
    uint64_t n64;
    void *state = malloc(state_size ? state_size : 1);
    FILE *f;
    int ok;
    if (!state || lc_ctx_state_save(ch->ctx, state, state_size, &written) != LOLCAT_OK) { free(state); return 1; }
    if (!(f = fopen(path, "wb"))) { free(state); perror(path); return 1; }
    n_hist = ch->n_log < (size_t)ch->sp.repeat_last_n ? ch->n_log : (size_t)ch->sp.repeat_last_n;
    u[0] = (uint32_t)ch->tmpl; u[1] = (uint32_t)ch->turn; u[2] = (uint32_t)ch->started; u[3] = (uint32_t)n_hist;
    params_to_words(&ch->sp, w);
    ok = put(f, SAVE_MAGIC, 8) && put(f, u, sizeof u) && put(f, w, sizeof w) &&
         put(f, ch->log + ch->n_log - n_hist, n_hist * sizeof(int32_t));
    n64 = ch->n_msgs;
    ok = ok && put(f, &n64, 8);
    for (i = 0; ok && i < ch->n_msgs; i++) {
        uint64_t lr = strlen(ch->msgs[i].role), lc = strlen(ch->msgs[i].content);
        ok = put(f, &lr, 8) && put(f, ch->msgs[i].role, lr) && put(f, &lc, 8) && put(f, ch->msgs[i].content, lc);
    }
    n64 = written;
    ok = ok && put(f, &n64, 8) && put(f, state, written);
    ok = (fclose(f) == 0) && ok;
    free(state);
    return !ok;
}

static char *get_string(FILE *f) {
    uint64_t n;
    char *s;
    if (!get(f, &n, 8) || n > (1u << 26)) return NULL;
    if (!(s = (char *)malloc((size_t)n + 1))) return NULL;
    if (!get(f, s, (size_t)n)) { free(s); return NULL; }
    s[n] = 0;
    return s;
}

/* Reads everything first and changes the session only when the whole file is good. */
static int load_session(chat *ch, const char *path) {
    char magic[8], *role = NULL, *content = NULL;
    uint32_t u[4], w[8];
    uint64_t n_msgs, state_size, i;
    lc_sampler_params sp;
    int32_t *hist = NULL;
    void *state = NULL;
    chat tmp = *ch;
    FILE *f = fopen(path, "rb");
    int ok;
    if (!f) { perror(path); return 1; }
    ok = get(f, magic, 8) && !memcmp(magic, SAVE_MAGIC, 8) && get(f, u, sizeof u) && u[0] <= LOLCAT_CHAT_CHATML &&
         u[3] <= (1u << 20) && get(f, w, sizeof w) && (hist = (int32_t *)malloc((u[3] + 1) * sizeof *hist)) != NULL &&
         get(f, hist, u[3] * sizeof *hist) && get(f, &n_msgs, 8) && n_msgs <= (1u << 20);
    tmp.msgs = NULL; tmp.n_msgs = 0; tmp.log = NULL; tmp.n_log = tmp.cap_log = 0;
    for (i = 0; ok && i < n_msgs; i++) {
        ok = (role = get_string(f)) != NULL && (content = get_string(f)) != NULL;
        if (ok) add_message(&tmp, role, content, strlen(content));
        free(role); free(content); role = content = NULL;
    }
    ok = ok && get(f, &state_size, 8) && state_size < ((uint64_t)1 << 40) && (state = malloc((size_t)state_size + 1)) != NULL &&
         get(f, state, (size_t)state_size);
    fclose(f);
    if (ok && lc_ctx_state_load(ch->ctx, state, (size_t)state_size) != LOLCAT_OK) {
        fprintf(stderr, "%s: %s\n", path, lc_ctx_last_error(ch->ctx));
        ok = 0;
    }
    if (ok) {
        free(ch->log);
        for (i = 0; i < ch->n_msgs; i++) { free((char *)ch->msgs[i].role); free((char *)ch->msgs[i].content); }
        free(ch->msgs);
        ch->msgs = tmp.msgs; ch->n_msgs = tmp.n_msgs;
        ch->log = hist; ch->n_log = ch->cap_log = u[3]; hist = NULL;
        words_to_params(w, &sp);
        ch->tmpl = (lc_chat_template)u[0]; ch->turn = (int)u[1]; ch->started = (int)u[2]; ch->sp = sp;
    } else {
        fprintf(stderr, "%s: not a lolcat-chat session for this model\n", path);
        for (i = 0; i < tmp.n_msgs; i++) { free((char *)tmp.msgs[i].role); free((char *)tmp.msgs[i].content); }
        free(tmp.msgs);
    }
    free(hist); free(state);
    return !ok;
}

/* ---- line editing: raw terminal when stdin is a tty, fgets otherwise ------------------------ */
typedef struct history { char *lines[HISTORY_MAX]; int n; } history;

static size_t utf8_back(const char *s, size_t pos) {   /* start of the character before pos */
    while (pos > 0 && ((unsigned char)s[--pos] & 0xc0) == 0x80) {}
    return pos;
}
static size_t utf8_fwd(const char *s, size_t pos, size_t len) {
    if (pos < len) pos++;
    while (pos < len && ((unsigned char)s[pos] & 0xc0) == 0x80) pos++;
    return pos;
}
static void redraw(const char *prompt, const char *buf, size_t len, size_t pos) {
    size_t i, cols_after = 0;
    for (i = pos; i < len; i++) cols_after += ((unsigned char)buf[i] & 0xc0) != 0x80;
    fprintf(stderr, "\r%s%.*s\x1b[K", prompt, (int)len, buf);
    if (cols_after) fprintf(stderr, "\x1b[%zuD", cols_after);
    fflush(stderr);
}

/* 1: a line in buf, 0: end of input, -1: Ctrl-C. */
static int read_line(const char *prompt, char *buf, size_t cap, history *h) {
    struct termios old, raw;
    size_t len = 0, pos = 0;
    int hist = h->n, rc = -2;
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &old) != 0) {
        fputs(prompt, stderr);
        fflush(stderr);
        if (!fgets(buf, (int)cap, stdin)) {
            int was_signal = errno == EINTR && interrupted;
            clearerr(stdin);
            interrupted = 0;
            return was_signal ? -1 : 0;
        }
        buf[strcspn(buf, "\r\n")] = 0;
        return 1;
    }
    raw = old;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
    raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
    raw.c_cc[VMIN] = 1; raw.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
    buf[0] = 0;
    redraw(prompt, buf, len, pos);
    while (rc == -2) {
        unsigned char c, seq[3];
        ssize_t got = read(STDIN_FILENO, &c, 1);
        if (got < 0 && errno == EINTR) { rc = -1; interrupted = 0; break; }   /* SIGINT from outside */
        if (got != 1) { rc = 0; break; }
        if (c == '\r' || c == '\n') rc = 1;
        else if (c == 3) rc = -1;                                           /* Ctrl-C */
        else if (c == 4 && len == 0) rc = 0;                                /* Ctrl-D on an empty line */
        else if (c == 127 || c == 8) {                                      /* backspace */
            size_t from = utf8_back(buf, pos);
            memmove(buf + from, buf + pos, len - pos); len -= pos - from; pos = from;
        } else if (c == 1) pos = 0;                                         /* Ctrl-A */
        else if (c == 5) pos = len;                                         /* Ctrl-E */
        else if (c == 21) { memmove(buf, buf + pos, len - pos); len -= pos; pos = 0; }   /* Ctrl-U */
        else if (c == 11) len = pos;                                        /* Ctrl-K */
        else if (c == 27) {                                                 /* ESC [ x, ESC O x */
            if (read(STDIN_FILENO, seq, 1) != 1 || read(STDIN_FILENO, seq + 1, 1) != 1) continue;
            if (seq[1] >= '0' && seq[1] <= '9') {                          /* ESC [ n ~ */
                if (read(STDIN_FILENO, seq + 2, 1) != 1 || seq[2] != '~') continue;
                if (seq[1] == '1' || seq[1] == '7') pos = 0;
                else if (seq[1] == '4' || seq[1] == '8') pos = len;
                else if (seq[1] == '3' && pos < len) {                      /* Delete */
                    size_t to = utf8_fwd(buf, pos, len);
                    memmove(buf + pos, buf + to, len - to); len -= to - pos;
                }
            } else if (seq[1] == 'D') pos = utf8_back(buf, pos);
            else if (seq[1] == 'C') pos = utf8_fwd(buf, pos, len);
            else if (seq[1] == 'H') pos = 0;
            else if (seq[1] == 'F') pos = len;
            else if ((seq[1] == 'A' && hist > 0) || (seq[1] == 'B' && hist < h->n)) {   /* history */
                const char *line;
                hist += seq[1] == 'A' ? -1 : 1;
                line = hist < h->n ? h->lines[hist] : "";
                len = pos = strlen(line) < cap - 1 ? strlen(line) : cap - 1;
                memcpy(buf, line, len);
            }
        } else if (c >= 32 && len + 1 < cap) {                              /* text, UTF-8 bytes included */
            memmove(buf + pos + 1, buf + pos, len - pos);
            buf[pos++] = (char)c; len++;
        }
        buf[len] = 0;
        if (rc == -2) redraw(prompt, buf, len, pos);
    }
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputs(rc == -1 ? "^C\n" : "\n", stderr);
    if (rc == 1 && len && (h->n == 0 || strcmp(h->lines[h->n - 1], buf) != 0)) {
        if (h->n == HISTORY_MAX) { free(h->lines[0]); memmove(h->lines, h->lines + 1, (HISTORY_MAX - 1) * sizeof *h->lines); h->n--; }
        if ((h->lines[h->n] = dup_n(buf, len)) != NULL) h->n++;
    }
    return rc;
}

/* ---- commands and main ----------------------------------------------------------------- */
static void print_stats(const chat *ch) {
    const lc_model_info *mi = lc_model_get_info(ch->model);
    fprintf(stderr, "model %s: %d layers (%d softmax, %d hybrid, %d linear), %d vocab | template %s\n"
            "%lld tokens in context, state %.1f KiB | %d turns | prefill %ld tok, %.1f tok/s | decode %ld tok, %.1f tok/s\n"
            "sampling: temp %.2f top-k %d top-p %.2f min-p %.2f repeat-penalty %.2f (last %d) seed %llu\n",
            mi->name, mi->n_layer, mi->n_softmax_layers, mi->n_hybrid_layers, mi->n_linear_layers, mi->n_vocab,
            lc_chat_template_name(ch->tmpl), (long long)lc_ctx_n_past(ch->ctx), lc_ctx_state_memory(ch->ctx) / 1024.0,
            ch->turn, ch->prefill_tok, ch->prefill_tok / (ch->prefill_s + 1e-9), ch->decode_tok, ch->decode_tok / (ch->decode_s + 1e-9),
            ch->sp.temperature, ch->sp.top_k, ch->sp.top_p, ch->sp.min_p, ch->sp.repeat_penalty, ch->sp.repeat_last_n,
            (unsigned long long)ch->sp.seed);
}

static void usage(void) {
    fprintf(stderr,
            "usage: lolcat-chat -m MODEL [-i] [-p PROMPT] [--system TEXT] [--template llama3|mistral|chatml|completion]\n"
            "                   [-n N] [-c N_CTX] [-t THREADS] [--temp T] [--top-k K] [--top-p P] [--min-p P]\n"
            "                   [--repeat-penalty R] [--seed S] [--no-mmap]\n"
            "--no-mmap reads the model into memory instead of mapping the file: more memory, and on some\n"
            "machines faster (docs/performance.md)\n");
}
static const char *HELP =
    "/save FILE  write the whole conversation (model state, transcript, sampler) to FILE\n"
    "/load FILE  continue a saved conversation exactly where it stopped\n"
    "/reset      start over        /stats  speed, memory, settings        /quit  leave\n"
    "Keys: arrows, Home/End, Ctrl-A/E/U/K, Backspace, up/down for history. Ctrl-C stops a reply.\n";

/* 1 if the line was a command (handled), -1 to quit. */
static int command(chat *ch, const char *line) {
    const char *arg = strchr(line, ' ');
    while (arg && *arg == ' ') arg++;
    if (!strcmp(line, "/quit") || !strcmp(line, "/exit")) return -1;
    if (!strcmp(line, "/help")) fputs(HELP, stderr);
    else if (!strcmp(line, "/reset")) { clear_session(ch); fprintf(stderr, "[new conversation]\n"); }
    else if (!strcmp(line, "/stats")) print_stats(ch);
    else if (!strncmp(line, "/save ", 6) && arg && *arg) {
        if (save_session(ch, arg) == 0) fprintf(stderr, "[saved %zu messages, %lld tokens to %s]\n", ch->n_msgs, (long long)lc_ctx_n_past(ch->ctx), arg);
    } else if (!strncmp(line, "/load ", 6) && arg && *arg) {
        if (load_session(ch, arg) == 0) {
            fprintf(stderr, "[loaded %zu messages, %lld tokens from %s]\n", ch->n_msgs, (long long)lc_ctx_n_past(ch->ctx), arg);
            if (ch->n_msgs) fprintf(stderr, "%s: %.200s\n", ch->msgs[ch->n_msgs - 1].role, ch->msgs[ch->n_msgs - 1].content);
        }
    } else fprintf(stderr, "unknown command (try /help)\n");
    return 1;
}

int main(int argc, char **argv) {
    const char *model_path = NULL, *prompt = NULL, *tmpl_name = NULL;
    lc_ctx_params cp = lc_ctx_default_params();
    lc_model_params mp;
    struct sigaction sa;
    char err[512] = "", line[LINE_MAX_BYTES];
    chat ch;
    history hist;
    int i, interactive = 0, rc = 0, ctrl_c = 0, no_mmap = 0;
    lc_result r;
    memset(&ch, 0, sizeof ch);
    memset(&hist, 0, sizeof hist);
    ch.sp = lc_sampler_default_params();
    ch.sp.seed = (uint64_t)time(NULL);
    ch.n_predict = -1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(); fputs(HELP, stderr); return 0; }
        if (!strcmp(a, "-i")) { interactive = 1; continue; }
        if (!strcmp(a, "--no-mmap")) { no_mmap = 1; continue; }
        if (!v) { usage(); return 2; }
        if (!strcmp(a, "-m")) model_path = v;
        else if (!strcmp(a, "-p")) prompt = v;
        else if (!strcmp(a, "--system")) ch.system = v;
        else if (!strcmp(a, "--template")) tmpl_name = v;
        else if (!strcmp(a, "-n")) ch.n_predict = atoi(v);
        else if (!strcmp(a, "--temp")) ch.sp.temperature = (float)atof(v);
        else if (!strcmp(a, "--top-k")) ch.sp.top_k = atoi(v);
        else if (!strcmp(a, "--top-p")) ch.sp.top_p = (float)atof(v);
        else if (!strcmp(a, "--min-p")) ch.sp.min_p = (float)atof(v);
        else if (!strcmp(a, "--repeat-penalty")) ch.sp.repeat_penalty = (float)atof(v);
        else if (!strcmp(a, "--seed")) ch.sp.seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "-t")) cp.n_threads = atoi(v);
        else if (!strcmp(a, "-c")) cp.n_ctx = atoi(v);
        else { fprintf(stderr, "lolcat-chat: unknown option %s\n", a); usage(); return 2; }
        i++;
    }
    if (!model_path) { usage(); return 2; }
    if (!prompt) interactive = 1;
    memset(&mp, 0, sizeof mp);
    mp.error_message = err; mp.error_message_size = sizeof err;
    mp.no_mmap = no_mmap;
    if ((r = lc_model_open_file(model_path, &mp, &ch.model)) != LOLCAT_OK) {
        fprintf(stderr, "lolcat-chat: %s: %s: %s\n", model_path, lc_result_string(r), err); return 1;
    }
    ch.tmpl = lc_chat_template_detect(ch.model);
    if (tmpl_name) {
        int t = lc_chat_template_from_name(tmpl_name);
        if (t < 0) { fprintf(stderr, "lolcat-chat: unknown template %s\n", tmpl_name); lc_model_close(ch.model); return 2; }
        ch.tmpl = (lc_chat_template)t;
    }
    if (ch.n_predict < 0 && (!interactive || ch.tmpl == LOLCAT_CHAT_COMPLETION)) ch.n_predict = 256;   /* base models never stop by themselves */
    if (cp.n_ctx && !lc_model_get_info(ch.model)->n_softmax_layers) fprintf(stderr, "lolcat-chat: -c ignored: no softmax layers, the state has a fixed size\n");
    if ((r = lc_ctx_create(ch.model, &cp, &ch.ctx)) != LOLCAT_OK) {
        fprintf(stderr, "lolcat-chat: %s\n", lc_result_string(r)); lc_model_close(ch.model); return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;   /* no SA_RESTART: a blocking read returns with EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    ch.tty_out = isatty(STDOUT_FILENO);
    fprintf(stderr, "lolcat-chat: %s | %d layers (%d softmax, %d hybrid, %d linear) | template %s | %s\n", model_path,
            lc_model_get_info(ch.model)->n_layer, lc_model_get_info(ch.model)->n_softmax_layers, lc_model_get_info(ch.model)->n_hybrid_layers,
            lc_model_get_info(ch.model)->n_linear_layers, lc_chat_template_name(ch.tmpl), lc_build_info());
    if (prompt) {
        if (interactive) fprintf(stderr, "> %s\n", prompt);
        rc = exchange(&ch, prompt, ch.tmpl == LOLCAT_CHAT_COMPLETION);
    }
    if (interactive) {
        fprintf(stderr, ch.tmpl == LOLCAT_CHAT_COMPLETION ? "Completion mode: the model continues your text. /help for commands.\n"
                                                          : "Chat mode. /help for commands.\n");
        for (;;) {
            int got = read_line("> ", line, sizeof line, &hist);
            if (got == 0) break;
            if (got < 0) {
                if (ctrl_c++) break;
                fprintf(stderr, "(Ctrl-C again or Ctrl-D to quit)\n");
                continue;
            }
            ctrl_c = 0;
            if (!line[0]) continue;
            if (line[0] == '/') { if (command(&ch, line) < 0) break; continue; }
            exchange(&ch, line, 0);
        }
    }
    clear_session(&ch);
    free(ch.msgs); free(ch.log);
    for (i = 0; i < hist.n; i++) free(hist.lines[i]);
    lc_ctx_destroy(ch.ctx);
    lc_model_close(ch.model);
    return rc;
}
