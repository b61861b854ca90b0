#!/bin/sh
# The lolcat.h runs behind docs/performance.md: every table there comes from the CSV files
# this writes (build/perf/*.csv). Other engines (llama.cpp, llama2.c) are not built or run
# here; docs/performance.md gives their exact commands.
# usage: tools/bench_docs.sh [threads]     (default 2; 14 minutes on the Zen 5 machine,
#                                           about an hour on the busier Zen 3)
set -e
cd "$(dirname "$0")/.."
T=${1:-2}
B=build/perf
mkdir -p $B
make -s build/lolcat-bench
run() { name=$1; shift; echo "== $name: lolcat-bench $*" | tee -a $B/log.txt; ./build/lolcat-bench "$@" --csv $B/$name.csv 2>&1 | tee -a $B/log.txt; }
P="0,1k,4k,16k,32k"
# 1.1B shape, LoLCATs hybrid (w=64, Hedgehog F=64): every type; prefill 512 and 4096 for f32 and q8_0
run tinyllama-hybrid -t $T --shape tinyllama-1.1B --attn hybrid --type f32,q8_0 --positions $P --prefill 512,4096 --decode-tokens 8 --one-token 32
run tinyllama-hybrid-types -t $T --shape tinyllama-1.1B --attn hybrid --type f16,bf16,q4_0 --positions 0,32k --prefill 512 --decode-tokens 8 --one-token 0
# the same shape as a softmax model (KV cache really filled to each position) and as pure linear attention
run tinyllama-softmax -t $T --shape tinyllama-1.1B --attn softmax --type q8_0,f32 --positions $P --prefill 512,4096 --decode-tokens 8 --one-token 0 --no-single-thread
run tinyllama-linear -t $T --shape tinyllama-1.1B --attn linear --type q8_0 --positions 0,32k --prefill 512 --decode-tokens 8 --one-token 0 --no-single-thread
# stories110M shape: the context plot
run stories110M -t $T --shape stories110M --attn hybrid,softmax --type f32,q8_0 --positions 0,256,1k,2k,4k,8k,16k,32k --prefill 512 --decode-tokens 16 --one-token 0 --no-single-thread
# llama3-8B shape (GQA 32/8, d=128): q4_0 and q8_0 only
run llama3-8B -t $T --shape llama3-8B --attn hybrid --type q4_0,q8_0 --positions 0,32k --prefill 512 --decode-tokens 4 --one-token 0 --no-single-thread
echo "done: $B/*.csv"
