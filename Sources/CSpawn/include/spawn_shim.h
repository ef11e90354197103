#ifndef SWREDIS_SPAWN_SHIM_H
#define SWREDIS_SPAWN_SHIM_H
#include <spawn.h>

/// posix_spawn_file_actions_addchdir_np (glibc 2.29+), which Swift's Glibc module does not export.
int swredis_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);

#endif
