/*
 * errors.c: every wrong call a C caller can make gets a status and a message, never a crash.
 * Exits non-zero if any call behaves otherwise. Also registers a log callback.
 */
#include <stdio.h>
#include <string.h>

#include "ponte.h"
#include "ponte.h" /* included twice on purpose: the include guard must hold */

static int failures = 0;
static int log_records = 0;

static void expect(const char *what, int32_t got, int32_t want) {
    if (got != want) {
        fprintf(stderr, "%s: got %s, want %s (%s)\n", what, ponte_status_name(got), ponte_status_name(want),
                ponte_last_error_message());
        failures++;
    } else {
        printf("%-34s %-28s %s\n", what, ponte_status_name(got), ponte_last_error_message());
    }
}

/* As expect, and on the wanted failure the message must name `where` (a JSON path). */
static void expect_at(const char *what, int32_t got, int32_t want, const char *where) {
    expect(what, got, want);
    if (got == want && want != PONTE_OK && strstr(ponte_last_error_message(), where) == NULL) {
        fprintf(stderr, "%s: the message does not name %s: %s\n", what, where, ponte_last_error_message());
        failures++;
    }
}

static void on_log(void *user_data, int32_t level, const char *target, const char *message) {
    (void)level;
    (void)target;
    (void)message;
    *(int *)user_data += 1;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "ponte-errors.db";
    ponte *handle = NULL;
    char *out = NULL;

    expect("log callback", ponte_log_set_callback(on_log, &log_records, PONTE_LOG_DEBUG), PONTE_OK);
    expect("open with NULL path", ponte_open(NULL, &handle), PONTE_E_NULL_ARGUMENT);
    expect("open in a missing directory", ponte_open("/no/such/dir/p.db", &handle), PONTE_E_STORAGE_UNAVAILABLE);
    if (handle != NULL) {
        fprintf(stderr, "handle_out was not reset on failure\n");
        failures++;
    }
    expect("open", ponte_open(path, &handle), PONTE_OK);

    expect("NULL handle", ponte_integration_list(NULL, &out), PONTE_E_NULL_ARGUMENT);
    expect("NULL output", ponte_integration_list(handle, NULL), PONTE_E_NULL_ARGUMENT);
    expect("not UTF-8 (cp1252)", ponte_integration_get(handle, "M\xfcller", &out), PONTE_E_INVALID_UTF8);
    expect("not JSON", ponte_catalog_put_brands(handle, "[{", NULL), PONTE_E_INVALID_JSON);
    expect("wrong shape", ponte_catalog_put_brands(handle, "{\"id\": 1}", NULL), PONTE_E_INVALID_JSON);
    expect("invalid data", ponte_catalog_put_brands(handle, "[{\"id\": \"A\", \"name\": \"\","
           " \"show_in_electronic_order\": true}]", NULL), PONTE_E_INVALID_DATA);
    expect("NULL categories", ponte_catalog_put_categories(handle, NULL, NULL), PONTE_E_NULL_ARGUMENT);
    expect_at("category cycle", ponte_catalog_put_categories(handle, "[{\"id\": \"A\", \"name\": \"A\","
              " \"parent_id\": \"B\"}, {\"id\": \"B\", \"name\": \"B\", \"parent_id\": \"A\"}]", NULL),
              PONTE_E_INVALID_DATA, "categories[0] (id \"A\").parent_id");
    expect_at("category without its parent", ponte_catalog_put_categories(handle, "[{\"id\": \"PANELAS\","
              " \"name\": \"Panelas\", \"parent_id\": \"COZINHA\"}]", NULL),
              PONTE_E_INVALID_DATA, "categories[0] (id \"PANELAS\").parent_id");
    expect("invalid config", ponte_integration_put(handle, "{\"id\": \"x\", \"platform\": \"woocommerce\","
           " \"base_url\": \"http://x\"}"), PONTE_E_INVALID_CONFIG);
    expect("unknown integration", ponte_integration_get(handle, "nenhuma", &out), PONTE_E_INTEGRATION_NOT_FOUND);
    expect("unknown product", ponte_catalog_get(handle, "{\"erp_id\": \"9\"}", &out), PONTE_E_NOT_FOUND);
    if (out != NULL) {
        fprintf(stderr, "an _out parameter was not NULL after a failure\n");
        failures++;
    }
    expect("log level out of range", ponte_log_set_callback(on_log, &log_records, 42), PONTE_E_INVALID_ARGUMENT);

    /* The accessors and free functions leave the last error alone. */
    ponte_string_free(NULL);
    ponte_close(NULL);
    if (ponte_last_error_code() != PONTE_E_INVALID_ARGUMENT || strstr(ponte_last_error_message(), "max_level") == NULL) {
        fprintf(stderr, "the last error was not preserved\n");
        failures++;
    }
    expect("list", ponte_integration_list(handle, &out), PONTE_OK);
    printf("integrations: %s\n", out);
    ponte_string_free(out);
    ponte_close(handle);
    expect("log off", ponte_log_set_callback(NULL, NULL, PONTE_LOG_OFF), PONTE_OK);
    if (log_records == 0) {
        fprintf(stderr, "no log record reached the callback\n");
        failures++;
    }
    printf("%d log records, %d failures\n", log_records, failures);
    return failures == 0 ? 0 : 1;
}
