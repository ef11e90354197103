#include "malloc_info_shim.h"
#include <malloc.h>

size_t swredis_allocated_bytes(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}
