#ifndef CLIBFUZZER_H
#define CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, LLVM 11+): parses libFuzzer's flags from argv and calls `callback` per input.
/// Linked in by `swiftc -sanitize=fuzzer`; called from the executable's own entry point because SwiftPM points
/// `main` at the Swift module's entry (`--defsym main=<Module>_main`), which hides libFuzzer's `main`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
