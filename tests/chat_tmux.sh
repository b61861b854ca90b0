#!/usr/bin/env bash
# Drives build/lolcat-chat in tmux as a person would (send-keys / capture-pane):
#   1. a conversation that saves after the first reply, continues, and saves again;
#   2. the same conversation with no /save at all;
#   3. a fresh process that /loads the first save and types the same second message;
# the second reply must be identical in all three, and so must the final saves.
# Then Ctrl-C in the middle of a long reply must leave a usable prompt, and Ctrl-C twice quits.
# Models: a tiny random LoLCATs fixture from build/fixtures (always there after `make fixtures`),
# and stories260K from ../shared when present. Prints "chat_tmux: N passed, M failed".
set -u
cd "$(dirname "$0")/.."
CHAT=${CHAT:-build/lolcat-chat}
SHARED=${LOLCAT_SHARED:-../shared}
FIXTURES=${LOLCAT_FIXTURES:-build/fixtures}
if ! command -v tmux >/dev/null 2>&1; then
    echo "SKIP chat_tmux: tmux is not installed (tools/install-deps.sh installs it)"; exit 0
fi
[ -x "$CHAT" ] || { echo "chat_tmux: $CHAT missing (make)"; exit 1; }
TMP=$(mktemp -d)
RUN=0 SOCK="$TMP/tmux.0"      # private tmux servers, a new one per launch: nothing of the user's is touched
T() { tmux -S "$SOCK" "$@"; }
cleanup() { local s; for s in "$TMP"/tmux.*; do [ -S "$s" ] && tmux -S "$s" kill-server >/dev/null 2>&1; done; rm -rf "$TMP"; }
trap cleanup EXIT
passed=0 failed=0
ok()   { passed=$((passed + 1)); echo "  ok   $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL $*"; }

screen() { T capture-pane -p -J -S - -t chat 2>/dev/null; }
# wait_for REGEX [COUNT] [SECONDS]: until the pane shows COUNT lines matching REGEX
wait_for() {
    local re=$1 count=${2:-1} secs=${3:-60} i
    for ((i = 0; i < secs * 10; i++)); do
        [ "$(screen | grep -cE -- "$re")" -ge "$count" ] && return 0
        sleep 0.1
    done
    echo "  timeout waiting for /$re/ x$count; screen:"; screen | sed '/^ *$/d' | tail -n 8 | cut -c1-160 | sed 's/^/    | /'
    return 1
}
# the prompt is back and idle: last non-empty line is exactly "> "
wait_prompt() {
    local secs=${1:-60} i
    for ((i = 0; i < secs * 10; i++)); do
        screen | sed '/^ *$/d' | tail -n 1 | grep -qE '^> ?$' && return 0
        sleep 0.1
    done
    echo "  timeout waiting for the prompt; screen:"; screen | sed '/^ *$/d' | tail -n 8 | cut -c1-160 | sed 's/^/    | /'
    return 1
}
start() {   # start ARGS...: a new session running lolcat-chat
    local cmd
    cmd=$(printf '%q ' "$CHAT" "$@")
    T kill-server >/dev/null 2>&1
    RUN=$((RUN + 1)) SOCK="$TMP/tmux.$RUN"
    T -f /dev/null new-session -d -s chat -x 160 -y 50 "$cmd"
    T set-option -t chat remain-on-exit on >/dev/null
    T set-option -t chat history-limit 50000 >/dev/null
    wait_for 'help for commands' 1 60 && wait_prompt
}
type_line() { T send-keys -t chat -l -- "$1"; T send-keys -t chat Enter; }
# reply_after "TEXT": the lines printed between the typed line "> TEXT" and the next stats line
reply_after() { screen | awk -v u="> $1" '$0 == u {on = 1; next} on && /^\[prefill/ {exit} on {print}'; }
dead() { [ "$(T display-message -p -t chat '#{pane_dead}' 2>/dev/null)" = 1 ]; }

# one model: save/load continuity and Ctrl-C
check_model() {
    local label=$1; shift
    local args=("$@") first="hello there" second="tell me more about it" a b c
    echo "chat_tmux: $label"
    # 1. uninterrupted, with saves
    start "${args[@]}" || { fail "$label: start"; return; }
    type_line "$first";  wait_for '^\[prefill' 1 && wait_prompt
    type_line "/save $TMP/after1.bin"; wait_for '^\[saved' 1 && wait_prompt
    type_line "$second"; wait_for '^\[prefill' 2 && wait_prompt
    type_line "/save $TMP/a2.bin"; wait_for '^\[saved' 2 && wait_prompt
    a=$(reply_after "$second")
    type_line "/quit"; sleep 0.3
    # 2. no /save at all
    start "${args[@]}" || { fail "$label: restart"; return; }
    type_line "$first";  wait_for '^\[prefill' 1 && wait_prompt
    type_line "$second"; wait_for '^\[prefill' 2 && wait_prompt
    c=$(reply_after "$second")
    type_line "/quit"; sleep 0.3
    # 3. a new process continues from the first save
    start "${args[@]}" || { fail "$label: relaunch"; return; }
    type_line "/load $TMP/after1.bin"; wait_for '^\[loaded' 1 && wait_prompt
    type_line "$second"; wait_for '^\[prefill' 1 && wait_prompt
    type_line "/save $TMP/b2.bin"; wait_for '^\[saved' 1 && wait_prompt
    b=$(reply_after "$second")
    type_line "/stats"; wait_for 'tokens in context' 1 && wait_prompt
    if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "$label: /load continues exactly (reply: $(printf '%s' "$a" | tr '\n' ' ' | cut -c1-50)...)"
    else fail "$label: reply after /load differs"; printf '    uninterrupted: %s\n    after /load:   %s\n' "$a" "$b"; fi
    if [ "$a" = "$c" ]; then ok "$label: /save does not disturb the session"
    else fail "$label: reply differs when no /save was made"; printf '    with saves: %s\n    none:       %s\n' "$a" "$c"; fi
    if cmp -s "$TMP/a2.bin" "$TMP/b2.bin"; then ok "$label: the final saves are byte-identical ($(wc -c < "$TMP/a2.bin") bytes)"
    else fail "$label: final saves differ"; fi
    type_line "/quit"; sleep 0.3
    dead && ok "$label: /quit exits" || fail "$label: /quit did not exit"
}

check_ctrl_c() {
    local args=("$@")
    echo "chat_tmux: Ctrl-C"
    start "${args[@]}" || { fail "ctrl-c: start"; return; }
    type_line "go on forever"
    sleep 1
    T send-keys -t chat C-c
    if wait_for '\[stopped\]' 1 30 && wait_prompt 30; then ok "Ctrl-C stops a long reply and the prompt comes back"
    else fail "Ctrl-C did not stop the reply"; fi
    type_line "/stats"
    wait_for 'tokens in context' 1 20 && ok "the session is usable after Ctrl-C" || fail "no /stats after Ctrl-C"
    wait_prompt 10
    type_line "and again"; sleep 1; T send-keys -t chat C-c
    wait_for '\[stopped\]' 2 30 && wait_prompt 30 && ok "a second long reply, stopped again" || fail "no second reply after Ctrl-C"
    T send-keys -t chat C-c; wait_for 'Ctrl-C again' 1 10
    dead && fail "one Ctrl-C at the prompt quit" || ok "one Ctrl-C at the prompt keeps the session"
    T send-keys -t chat C-c; sleep 0.5
    dead && ok "a second Ctrl-C at the prompt quits" || fail "a second Ctrl-C did not quit"
}

model=""
for f in mixed hybrid_gqa; do [ -f "$FIXTURES/$f.gguf" ] && { model="$FIXTURES/$f.gguf"; break; }; done
if [ -n "$model" ]; then
    check_model "fixture $(basename "$model") (chatml, sampled)" -m "$model" -t 1 -n 24 -c 1024 --template chatml \
        --system "You are a cat." --temp 0.9 --top-k 40 --repeat-penalty 1.2 --seed 7
else
    fail "no fixture model in $FIXTURES (run make fixtures)"
fi
if [ -f "$FIXTURES/hybrid_gqa.gguf" ]; then
    check_ctrl_c -m "$FIXTURES/hybrid_gqa.gguf" -t 1 -n 2000000 --temp 1.0 --seed 3 --template chatml
fi
if [ -f "$SHARED/models/stories260K/stories260K.gguf" ]; then
    check_model "stories260K (completion, sampled)" -m "$SHARED/models/stories260K/stories260K.gguf" -t 1 -n 40 \
        --temp 0.8 --seed 42
else
    echo "SKIP chat_tmux stories260K: $SHARED/models/stories260K/stories260K.gguf is absent"
fi
shipped=models/lolcat-stories.gguf
if [ -f "$shipped" ]; then   # --no-mmap reads the file instead of mapping it: the same text
    a=$("$CHAT" -m "$shipped" -p "Once upon a time" -n 24 -t 1 --temp 0.8 --seed 11 2>/dev/null)
    b=$("$CHAT" -m "$shipped" -p "Once upon a time" -n 24 -t 1 --temp 0.8 --seed 11 --no-mmap 2>/dev/null)
    if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "--no-mmap gives the mapped run's text ($(printf '%s' "$a" | tr '\n' ' ' | cut -c1-40)...)"
    else fail "--no-mmap differs from the mapped run"; printf '    mapped: %s\n    read:   %s\n' "$a" "$b"; fi
else
    fail "the shipped model $shipped is missing"
fi
echo "chat_tmux: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
