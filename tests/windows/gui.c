/*
 * gui.c: a GUI host (built with -mwindows: no console) that makes good and bad calls, a sync
 * against the sandbox included, and writes what it got to a file. Ponte must write nothing to
 * the standard streams, which such a program does not have.
 */
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "ponte.h"

int WINAPI WinMain(HINSTANCE instance, HINSTANCE previous, LPSTR command_line, int show) {
    (void)instance;
    (void)previous;
    (void)show;
    char state[MAX_PATH], result[MAX_PATH];
    if (sscanf(command_line, "%259s %259s", state, result) != 2) {
        return 2;
    }
    int ok = 1;
    ponte *handle = NULL;
    ponte_sandbox *sandbox = NULL;
    char *info = NULL;
    ok &= ponte_open(state, &handle) == PONTE_OK;
    ok &= ponte_sandbox_start("{\"platform\": \"woocommerce\"}", &sandbox, &info) == PONTE_OK;
    /* Wrong calls: each an error status, never a word on stdout or stderr. */
    ok &= ponte_catalog_put_products(handle, "[{", NULL) == PONTE_E_INVALID_JSON;
    ok &= ponte_catalog_put_stock(handle, "[{\"sku\": \"X\", \"warehouse\": \"1\", \"quantity\": 1}]", NULL) ==
          PONTE_E_NOT_FOUND;
    char *report = NULL;
    ok &= ponte_sync_products(handle, "nao-existe", "{}", NULL, NULL, &report) == PONTE_E_INTEGRATION_NOT_FOUND;
    ok &= ponte_open("", NULL) == PONTE_E_NULL_ARGUMENT;
    ponte_string_free(info);
    ponte_sandbox_stop(sandbox);
    ponte_close(handle);
    FILE *out = fopen(result, "w");
    if (out == NULL) {
        return 1;
    }
    fprintf(out, "gui: %s\n", ok ? "ok" : "FAILED");
    fclose(out);
    return ok ? 0 : 1;
}
