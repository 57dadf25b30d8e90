/*
 * prng_shim.c: a test-only bcryptprimitives.dll for Wine 8, which lacks ProcessPrng, the call
 * Rust's standard library makes for random bytes on Windows 10 and later. It answers through
 * RtlGenRandom (advapi32's SystemFunction036). Windows itself has the real one: never ship this.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
