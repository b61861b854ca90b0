// The header must compile as C++ and may be included twice: declarations, then implementation.
#include "../lolcat.h"
#define LOLCAT_IMPLEMENTATION
#include "../lolcat.h"
int lolcat_cpp_probe() { return lc_type_size(LOLCAT_TYPE_Q8_0, 32) == 34 ? 0 : 1; }
