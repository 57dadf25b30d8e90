/*
 * unload.c: an ERP that loads ponte.dll, works, and unloads it. After ponte_close and
 * ponte_sandbox_stop no thread of Ponte's is left running, so FreeLibrary cannot pull code from
 * under one; the program goes on after the unload and ends normally.
 */
#include <stdio.h>
#include <windows.h>
#include <tlhelp32.h>

#include "ponte.h"

typedef int32_t (*open_fn)(const char *, ponte **);
typedef void (*close_fn)(ponte *);
typedef int32_t (*sandbox_start_fn)(const char *, ponte_sandbox **, char **);
typedef void (*sandbox_stop_fn)(ponte_sandbox *);
typedef int32_t (*put_fn)(ponte *, const char *, char **);
typedef void (*free_fn)(char *);

static int threads_of_this_process(void) {
    DWORD me = GetCurrentProcessId();
    HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    THREADENTRY32 entry;
    int count = 0;
    entry.dwSize = sizeof entry;
    if (Thread32First(snapshot, &entry)) {
        do {
            if (entry.th32OwnerProcessID == me) {
                count++;
            }
        } while (Thread32Next(snapshot, &entry));
    }
    CloseHandle(snapshot);
    return count;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "unload.db";
    int before = threads_of_this_process();
    HMODULE library = LoadLibraryW(L"ponte.dll");
    if (library == NULL) {
        printf("LoadLibrary failed: %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    open_fn open = (open_fn)(void (*)(void))GetProcAddress(library, "ponte_open");
    close_fn close = (close_fn)(void (*)(void))GetProcAddress(library, "ponte_close");
    sandbox_start_fn start = (sandbox_start_fn)(void (*)(void))GetProcAddress(library, "ponte_sandbox_start");
    sandbox_stop_fn stop = (sandbox_stop_fn)(void (*)(void))GetProcAddress(library, "ponte_sandbox_stop");
    put_fn put_brands = (put_fn)(void (*)(void))GetProcAddress(library, "ponte_catalog_put_brands");
    free_fn string_free = (free_fn)(void (*)(void))GetProcAddress(library, "ponte_string_free");
    if (!open || !close || !start || !stop || !put_brands || !string_free) {
        printf("an export is missing\n");
        return 1;
    }

    ponte_sandbox *sandbox = NULL;
    char *info = NULL;
    ponte *handle = NULL;
    if (start("{\"platform\": \"woocommerce\"}", &sandbox, &info) != PONTE_OK || open(path, &handle) != PONTE_OK ||
        put_brands(handle, "[{\"id\": \"B\", \"name\": \"B\", \"show_in_electronic_order\": true}]", NULL) != PONTE_OK) {
        printf("the calls failed\n");
        return 1;
    }
    int during = threads_of_this_process();
    string_free(info);
    close(handle);
    stop(sandbox);
    /* Threads that were told to end may take a moment to be gone. */
    int after = threads_of_this_process();
    for (int wait = 0; wait < 100 && after > before; wait++) {
        Sleep(50);
        after = threads_of_this_process();
    }
    printf("threads: before %d, during %d, after %d\n", before, during, after);
    if (!FreeLibrary(library)) {
        printf("FreeLibrary failed\n");
        return 1;
    }
    Sleep(200);
    printf("unloaded: %s\n", after <= before ? "ok" : "threads left running");
    return after <= before ? 0 : 1;
}
