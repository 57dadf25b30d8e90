/*
 * paths.c: state-file paths as a Windows ERP gives them. A drive letter, backslashes and a
 * non-ASCII folder (C:\Usuários\José) work when passed as UTF-8, and the file is really there
 * under its Unicode name; forward slashes and the long form \\?\C:\ work too. A network share (a
 * UNC path, or drive Y: which the test maps as one), a path in the ANSI code page, an empty path
 * and a directory get the same statuses as on Linux.
 */
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "ponte.h"

static int failures = 0;

static void check(int ok, const char *what, int32_t status) {
    if (!ok) {
        printf("FAIL %s: %s: %s\n", what, ponte_status_name(status), ponte_last_error_message());
        failures++;
    }
}

static int32_t open_status(const char *path) {
    ponte *handle = NULL;
    int32_t status = ponte_open(path, &handle);
    ponte_close(handle);
    return status;
}

int main(void) {
    /* The ERP made its folder with the wide API, as Windows programs do. */
    CreateDirectoryW(L"C:\\Usu\x00e1rios", NULL);
    CreateDirectoryW(L"C:\\Usu\x00e1rios\\Jos\x00e9", NULL);
    DeleteFileW(L"C:\\Usu\x00e1rios\\Jos\x00e9\\ponte.db");
    const char *utf8 = "C:\\Usu\xc3\xa1rios\\Jos\xc3\xa9\\ponte.db";

    ponte *handle = NULL;
    int32_t status = ponte_open(utf8, &handle);
    check(status == PONTE_OK, "open C:\\Usuarios\\Jose\\ponte.db as UTF-8", status);
    if (status == PONTE_OK) {
        char *summary = NULL;
        status = ponte_catalog_put_brands(
            handle, "[{\"id\": \"TRAMONTINA\", \"name\": \"Tramontina\", \"show_in_electronic_order\": true}]", &summary);
        check(status == PONTE_OK, "put a brand", status);
        ponte_string_free(summary);
        ponte_close(handle);
    }
    DWORD attributes = GetFileAttributesW(L"C:\\Usu\x00e1rios\\Jos\x00e9\\ponte.db");
    check(attributes != INVALID_FILE_ATTRIBUTES, "the file has its Unicode name on disk", 0);
    check(open_status(utf8) == PONTE_OK, "reopen it", 0);
    status = open_status("C:/Usu\xc3\xa1rios/Jos\xc3\xa9/ponte.db");
    check(status == PONTE_OK, "the same file with forward slashes", status);

    status = open_status("\\\\?\\C:\\Usu\xc3\xa1rios\\Jos\xc3\xa9\\ponte.db");
    check(status == PONTE_OK, "the same file in the long form \\\\?\\C:\\", status);

    status = open_status("\\\\servidor\\compartilhado\\ponte.db");
    check(status == PONTE_E_STORAGE_UNAVAILABLE &&
              strstr(ponte_last_error_message(), "network share") != NULL,
          "a UNC path is refused as a network share", status);
    status = open_status("\\\\?\\UNC\\servidor\\compartilhado\\ponte.db");
    check(status == PONTE_E_STORAGE_UNAVAILABLE, "an extended UNC path too", status);
    status = open_status("Y:\\ponte.db");
    check(status == PONTE_E_STORAGE_UNAVAILABLE &&
              strstr(ponte_last_error_message(), "network share") != NULL,
          "a drive letter mapped to a network share", status);
    /* The same folder in Windows-1252, as a caller that forgot to convert would pass it. */
    status = open_status("C:\\Usu\xe1rios\\Jos\xe9\\ponte.db");
    check(status == PONTE_E_INVALID_UTF8, "an ANSI path is refused as not UTF-8", status);
    status = open_status("");
    check(status == PONTE_E_INVALID_ARGUMENT, "an empty path", status);
    status = open_status("C:\\Usu\xc3\xa1rios");
    check(status == PONTE_E_STORAGE_UNAVAILABLE &&
              strstr(ponte_last_error_message(), "directory") != NULL,
          "a directory", status);
    status = open_status("C:\\nao\\existe\\ponte.db");
    check(status == PONTE_E_STORAGE_UNAVAILABLE, "a folder that does not exist", status);

    printf("paths: %s\n", failures == 0 ? "ok" : "FAILED");
    return failures == 0 ? 0 : 1;
}
