#!/bin/sh
# File size and perplexity of a model in every weight type, as a Markdown table.
#
#   tools/quant_report.sh MODEL.gguf --text FILE      (or --tokens FILE)
#
# Each type is made with build/lolcat-quantize from MODEL.gguf and scored with
# build/lolcat-score on the same input; "change" is relative to the f32 row.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 MODEL.gguf --text FILE | --tokens FILE" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
model=$1 mode=$2 input=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '| type | file size (bytes) | perplexity | change |\n|---|---:|---:|---:|\n'
base=
for t in f32 f16 bf16 q8_0 q4_0; do
    "$here/build/lolcat-quantize" "$model" "$tmp/$t.gguf" "$t" 2>/dev/null
    size=$(wc -c < "$tmp/$t.gguf" | tr -d ' ')
    ppl=$("$here/build/lolcat-score" -m "$tmp/$t.gguf" "$mode" "$input" | awk '/^perplexity /{print $2}')
    [ -n "$base" ] || base=$ppl
    change=$(awk -v a="$ppl" -v b="$base" 'BEGIN { printf "%+.2f%%", (a / b - 1) * 100 }')
    printf '| %s | %s | %s | %s |\n' "$t" "$size" "$ppl" "$change"
done
