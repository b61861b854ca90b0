/* libFuzzer driver: one binary per harness, chosen at compile time with -DFZ_TARGET=fz_gguf,
   fz_vocab, fz_tokenize, fz_state or fz_chat (see fuzz/fuzz_harness.h and `make fuzz-smoke`). */
#define LOLCAT_IMPLEMENTATION
#include "../lolcat.h"
#include "../tests/test_util.h"
#include "fuzz_harness.h"

#ifndef FZ_TARGET
#error "define FZ_TARGET"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FZ_TARGET(data, size);
    return 0;
}
