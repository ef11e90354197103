#ifndef SWREDIS_MALLOC_INFO_SHIM_H
#define SWREDIS_MALLOC_INFO_SHIM_H
#include <stddef.h>

/// Bytes currently allocated through malloc (in-use arena bytes plus mmapped blocks), via glibc's mallinfo2.
size_t swredis_allocated_bytes(void);

/// Lowers the calling thread's CPU priority by `increment` nice steps (Linux keeps niceness per thread; Swift
/// can't reach gettid() through Glibc's module map).
void swredis_renice_current_thread(int increment);

#endif
