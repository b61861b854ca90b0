/* lolcat-test: the one unit-test binary. It includes the implementation, so every test can
   reach the lc__ internals, and routes the default allocator through a counter.
   usage: lolcat-test [FILTER]   (runs the suites whose name contains FILTER)
   Environment: LOLCAT_SHARED (default ../shared), LOLCAT_FIXTURES (default build/fixtures). */
#include <stdlib.h>
static void *t_default_malloc(size_t n, void *ud);
static void t_default_free(void *p, size_t n, void *ud);
#define LOLCAT_MALLOC(sz, ud) t_default_malloc(sz, ud)
#define LOLCAT_FREE(p, sz, ud) t_default_free(p, sz, ud)
#define LOLCAT_IMPLEMENTATION
#include "../lolcat.h"
#include "test_util.h"
static void *t_default_malloc(size_t n, void *ud) { return t_counting_alloc(n, ud); }
static void t_default_free(void *p, size_t n, void *ud) { t_counting_free(p, n, ud); }

#include "test_core.c"
#include "test_tokenizer.c"
#include "test_tools.c"
#include "test_security.c"
#include "test_kernels.c"

typedef struct t_suite { const char *name; void (*fn)(void); } t_suite;
static const t_suite t_suites[] = {
    T_CORE_SUITES
    T_TOKENIZER_SUITES
    T_TOOLS_SUITES
    T_SECURITY_SUITES
    T_KERNEL_SUITES
};

int main(int argc, char **argv) {
    const char *filter = argc > 1 ? argv[1] : NULL;
    size_t i;
    printf("lolcat-test %s\n", lc_build_info());
    for (i = 0; i < sizeof t_suites / sizeof t_suites[0]; i++) {
        int before = t_failed;
        if (filter && !strstr(t_suites[i].name, filter)) continue;
        t_current = t_suites[i].name;
        t_suites[i].fn();
        printf("%-28s %s\n", t_suites[i].name, t_failed == before ? "ok" : "FAILED");
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", t_passed, t_failed);
    if (t_skipped) printf("(%d skipped: see SKIP lines)\n", t_skipped);
    return t_failed ? 1 : 0;
}
