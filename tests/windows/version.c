/*
 * version.c: ponte.dll carries a version resource, as Explorer's Properties and installers read
 * it, and it is the version the library itself reports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "ponte.h"

int main(void) {
    DWORD ignored = 0;
    DWORD size = GetFileVersionInfoSizeW(L"ponte.dll", &ignored);
    if (size == 0) {
        printf("version: no resource (%lu)\n", (unsigned long)GetLastError());
        return 1;
    }
    void *data = malloc(size);
    VS_FIXEDFILEINFO *fixed = NULL;
    UINT length = 0;
    if (!GetFileVersionInfoW(L"ponte.dll", 0, size, data) ||
        !VerQueryValueW(data, L"\\", (void **)&fixed, &length) || fixed == NULL) {
        printf("version: unreadable\n");
        return 1;
    }
    char resource[64];
    snprintf(resource, sizeof resource, "%u.%u.%u", (unsigned)HIWORD(fixed->dwFileVersionMS),
             (unsigned)LOWORD(fixed->dwFileVersionMS), (unsigned)HIWORD(fixed->dwFileVersionLS));
    wchar_t *product = NULL;
    UINT product_length = 0;
    VerQueryValueW(data, L"\\StringFileInfo\\040904B0\\ProductName", (void **)&product, &product_length);
    printf("version: resource %s, library %s, product %ls\n", resource, ponte_version(),
           product != NULL ? product : L"?");
    free(data);
    return strcmp(resource, ponte_version()) == 0 ? 0 : 1;
}
