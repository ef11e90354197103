#ifndef SWREDIS_SPAWN_SHIM_H
#define SWREDIS_SPAWN_SHIM_H
#include <spawn.h>

/// posix_spawn_file_actions_addchdir_np (glibc 2.29+), which Swift's Glibc module does not export.
int swredis_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// The calling thread's ambient capabilities (prctl is variadic: Swift cannot call it). Children started by this
/// thread get the ambient set: cleared before starting an instance, raised for the VIP's `ip`/`arping` runs.
/// Returns 0 or -1 (errno set).
int swredis_ambient_clear(void);
int swredis_ambient_raise(int capability);

#endif
