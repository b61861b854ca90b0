/* LOLCAT_STATIC: every public function is static, so two translation units could embed it. */
#define LOLCAT_IMPLEMENTATION
#include "../lolcat.h"
int lolcat_static_probe(void) { int a, b, c; lc_version(&a, &b, &c); return a + b + c; }
