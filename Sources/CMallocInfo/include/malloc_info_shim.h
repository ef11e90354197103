#ifndef SWREDIS_MALLOC_INFO_SHIM_H
#define SWREDIS_MALLOC_INFO_SHIM_H
#include <stddef.h>

/// Bytes currently allocated through malloc (in-use arena bytes plus mmapped blocks), via glibc's mallinfo2.
size_t swredis_allocated_bytes(void);

#endif
