/*
 * lease.c: a sync's lease between Windows processes. `lease hold STATE READY RELEASE` syncs and,
 * at its first batch, writes READY and waits until RELEASE exists: a live holder. `lease die
 * STATE READY` writes READY at its first batch and ends its process there, holding the lease.
 * `lease take STATE` syncs and prints the status it got: refused while the holder lives, taken
 * over at once when the holder's process is gone (known by its creation time, not after the
 * lease's ten minutes).
 */
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "ponte.h"

static const char *ready_file;
static const char *release_file;
static int die_at_first_batch;

static int exists(const char *path) {
    return GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES;
}

static int32_t at_batch(void *user_data, int32_t done, int32_t total) {
    (void)user_data;
    (void)done;
    (void)total;
    FILE *ready = fopen(ready_file, "w");
    if (ready != NULL) {
        fclose(ready);
    }
    if (die_at_first_batch) {
        ExitProcess(7);
    }
    while (release_file != NULL && !exists(release_file)) {
        Sleep(50);
    }
    return 0;
}

static int json_field(const char *json, const char *key, char *out, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *start = strstr(json, pattern);
    if (start == NULL) {
        return 0;
    }
    start += strlen(pattern);
    const char *end = strchr(start, '"');
    if (end == NULL || (size_t)(end - start) >= size) {
        return 0;
    }
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = '\0';
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: lease hold|die|take STATE [READY [RELEASE]]\n");
        return 2;
    }
    const char *mode = argv[1];
    die_at_first_batch = strcmp(mode, "die") == 0;
    ready_file = argc > 3 ? argv[3] : NULL;
    release_file = argc > 4 ? argv[4] : NULL;

    /* Each process has its own sandbox store; the lease belongs to the integration id. */
    ponte_sandbox *sandbox = NULL;
    char *info = NULL;
    if (ponte_sandbox_start("{\"platform\": \"woocommerce\"}", &sandbox, &info) != PONTE_OK) {
        printf("sandbox: %s\n", ponte_last_error_message());
        return 1;
    }
    char base_url[128], key[128], secret[128], config[1024];
    json_field(info, "base_url", base_url, sizeof base_url);
    json_field(info, "consumer_key", key, sizeof key);
    json_field(info, "consumer_secret", secret, sizeof secret);
    ponte_string_free(info);
    snprintf(config, sizeof config,
             "{\"id\": \"loja\", \"platform\": \"woocommerce\", \"base_url\": \"%s\", \"allow_http\": true,"
             " \"credentials\": {\"consumer_key\": \"%s\", \"consumer_secret\": \"%s\"}}",
             base_url, key, secret);

    ponte *handle = NULL;
    int32_t status = ponte_open(argv[2], &handle);
    if (status == PONTE_OK) {
        status = ponte_integration_put(handle, config);
    }
    if (status == PONTE_OK) {
        status = ponte_catalog_put_brands(handle, "[{\"id\": \"TRAMONTINA\", \"name\": \"Tramontina\", \"show_in_electronic_order\": true}]", NULL);
    }
    if (status == PONTE_OK) {
        status = ponte_catalog_put_products(
            handle,
            "[{\"erp_id\": \"1001\", \"name\": \"Panela\", \"brand_id\": \"TRAMONTINA\", \"show_in_store\": true,"
            "  \"sync_stock\": true, \"variants\": [{\"sku\": \"TRA-PP-45\", \"price_cents\": 18990, \"stock\": 4}]}]",
            NULL);
    }
    if (status != PONTE_OK) {
        printf("setup: %s: %s\n", ponte_status_name(status), ponte_last_error_message());
        return 1;
    }
    char *report = NULL;
    /* full_resync: every run has a batch to write, so `hold` and `die` reach their callback. */
    status = ponte_sync_products(handle, "loja", "{\"full_resync\": true}", at_batch, NULL, &report);
    printf("%s: %s %s\n", mode, ponte_status_name(status),
           status == PONTE_OK ? "" : ponte_last_error_message());
    ponte_string_free(report);
    ponte_close(handle);
    ponte_sandbox_stop(sandbox);
    return 0;
}
