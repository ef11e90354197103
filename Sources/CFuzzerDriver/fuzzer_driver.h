// libFuzzer's entry point for programs with their own main (libclang_rt.fuzzer_no_main). Only the fuzz build
// (`make fuzz`, `-D SWREDIS_FUZZ`) calls it and links libFuzzer; declaring it costs the normal build nothing.
#ifndef SWREDIS_FUZZER_DRIVER_H
#define SWREDIS_FUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
