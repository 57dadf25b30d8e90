/*
 * sync.c: product sync and order capture from C, against a sandbox store started through the
 * same library. Checks the integration against the store, loads a small catalog, plans, syncs
 * with a progress callback, explains a skipped product, reads the run history, then captures a
 * shopper's order, confirms it and prints the integration report.
 */
#include <stdio.h>
#include <string.h>

#include "ponte.h"

static int fail(const char *what) {
    int32_t code = ponte_last_error_code();
    fprintf(stderr, "%s failed: %s: %s\n", what, ponte_status_name(code), ponte_last_error_message());
    return 1;
}

/* Copies the string value of "key" from a flat JSON object. An ERP has its own JSON library;
 * this is enough for the sandbox's info. */
static int json_field(const char *json, const char *key, char *out, size_t size) {
    char pattern[64];
    const char *start;
    const char *end;
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    start = strstr(json, pattern);
    if (start == NULL) {
        return 0;
    }
    start += strlen(pattern);
    end = strchr(start, '"');
    if (end == NULL || (size_t)(end - start) >= size) {
        return 0;
    }
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = '\0';
    return 1;
}

static int32_t on_progress(void *user_data, int32_t done, int32_t total) {
    int *batches = (int *)user_data;
    *batches += 1;
    printf("progress: %d/%d\n", (int)done, (int)total);
    return 0; /* non-zero would stop sending; batches in flight are still recorded */
}

static const char *PRODUCTS =
    "[{\"erp_id\": \"1001\", \"name\": \"Panela de Press\xc3\xa3o 4,5 L\", \"brand_id\": \"TRAMONTINA\","
    "  \"show_in_store\": true, \"sync_stock\": true,"
    "  \"variants\": [{\"sku\": \"TRA-PP-45\", \"ean\": \"7891000100103\", \"price_cents\": 18990, \"stock\": 42}]},"
    " {\"erp_id\": \"1002\", \"name\": \"Faqueiro (fora de linha)\", \"brand_id\": \"TRAMONTINA\","
    "  \"show_in_store\": false, \"sync_stock\": true,"
    "  \"variants\": [{\"sku\": \"TRA-FAQ\", \"price_cents\": 24990, \"stock\": 3}]}]";

static const char *ORDER =
    "{\"status\": \"processing\", \"line_items\": [{\"sku\": \"TRA-PP-45\", \"quantity\": 2}],"
    " \"billing\": {\"first_name\": \"Ana\", \"last_name\": \"Oliveira\", \"address_1\": \"Rua XV\", \"number\": \"100\","
    "  \"city\": \"Curitiba\", \"state\": \"PR\", \"postcode\": \"80020-310\", \"cpf\": \"529.982.247-25\"}}";

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "ponte-sync.db";
    ponte_sandbox *store = NULL;
    ponte *handle = NULL;
    char *info = NULL;
    char *out = NULL;
    char base_url[128], key[128], secret[128], config[1024], order_id[32];
    int batches = 0;
    int status = 1;

    if (ponte_sandbox_start("{\"platform\": \"woocommerce\"}", &store, &info) != PONTE_OK) {
        return fail("ponte_sandbox_start");
    }
    if (!json_field(info, "base_url", base_url, sizeof base_url) || !json_field(info, "consumer_key", key, sizeof key) ||
        !json_field(info, "consumer_secret", secret, sizeof secret)) {
        fprintf(stderr, "unexpected sandbox info: %s\n", info);
        goto done;
    }
    snprintf(config, sizeof config,
             "{\"id\": \"loja\", \"platform\": \"woocommerce\", \"base_url\": \"%s\", \"allow_http\": true,"
             " \"locale\": \"en\", \"credentials\": {\"consumer_key\": \"%s\", \"consumer_secret\": \"%s\"},"
             " \"order_capture\": {\"enabled\": true, \"fetch_statuses\": [\"processing\"],"
             " \"return_status\": \"completed\", \"default_payment_terms\": \"A VISTA\", \"default_payment_method\": \"PIX\"}}",
             base_url, key, secret);

    if (ponte_open(path, &handle) != PONTE_OK) {
        fail("ponte_open");
        goto done;
    }
    if (ponte_integration_put(handle, config) != PONTE_OK ||
        ponte_catalog_put_brands(handle, "[{\"id\": \"TRAMONTINA\", \"name\": \"Tramontina\", \"show_in_electronic_order\": true}]", NULL) != PONTE_OK ||
        ponte_catalog_put_products(handle, PRODUCTS, NULL) != PONTE_OK) {
        fail("loading the catalog");
        goto done;
    }

    /* Before anything is written: does the store answer, may the key write, does every status
     * the config names exist? Store problems come back as lines of the checklist. */
    if (ponte_integration_check(handle, "loja", &out) != PONTE_OK) {
        fail("ponte_integration_check");
        goto done;
    }
    printf("check: %s\n", out);
    if (strstr(out, "\"ok\":true") == NULL) {
        fprintf(stderr, "the store did not pass the check\n");
        ponte_string_free(out);
        goto done;
    }
    ponte_string_free(out);

    if (ponte_sync_plan(handle, "loja", "{}", &out) != PONTE_OK) {
        fail("ponte_sync_plan");
        goto done;
    }
    printf("plan: %s\n", out);
    ponte_string_free(out);
    out = NULL;

    if (ponte_sync_products(handle, "loja", "{}", on_progress, &batches, &out) != PONTE_OK) {
        fail("ponte_sync_products");
        goto done;
    }
    printf("report: %s\n", out);
    ponte_string_free(out);
    out = NULL;

    if (ponte_product_status(handle, "loja", "{\"sku\": \"TRA-FAQ\"}", &out) != PONTE_OK) {
        fail("ponte_product_status");
        goto done;
    }
    printf("status: %s\n", out);
    ponte_string_free(out);
    out = NULL;

    if (ponte_sync_runs(handle, "loja", 10, &out) != PONTE_OK) {
        fail("ponte_sync_runs");
        goto done;
    }
    printf("runs: %s\n", out);
    printf("%d progress calls\n", batches);
    ponte_string_free(out);
    out = NULL;

    /* A shopper buys in the store; the ERP captures the order and confirms it. */
    if (ponte_sandbox_place_order(store, ORDER, NULL) != PONTE_OK) {
        fail("ponte_sandbox_place_order");
        goto done;
    }
    if (ponte_capture_orders(handle, "loja", &out) != PONTE_OK) {
        fail("ponte_capture_orders");
        goto done;
    }
    printf("capture: %s\n", out);
    if (!json_field(out, "store_order_id", order_id, sizeof order_id)) {
        fprintf(stderr, "no pending order in the capture\n");
        goto done;
    }
    ponte_string_free(out);
    out = NULL;
    if (ponte_order_confirm(handle, "loja", order_id, "PV-0001", NULL) != PONTE_OK) {
        fail("ponte_order_confirm");
        goto done;
    }
    if (ponte_report(handle, "loja", "{}", &out) != PONTE_OK) {
        fail("ponte_report");
        goto done;
    }
    printf("report: %s\n", out);
    status = batches == 1 && strstr(out, "\"erp_order_number\":\"PV-0001\"") != NULL ? 0 : 1;
    ponte_string_free(out);
    out = NULL;

    /* The shopper, registered whatever became of the order, waits for the ERP's own id. */
    if (ponte_customers_pending(handle, "loja", &out) != PONTE_OK) {
        fail("ponte_customers_pending");
        status = 1;
        goto done;
    }
    printf("customers: %s\n", out);
    ponte_string_free(out);
    out = NULL;

    /* On the ERP's timer: what is due runs (0: the machine's clock), then its health. */
    if (ponte_run_due(handle, 0, NULL, NULL, &out) != PONTE_OK) {
        fail("ponte_run_due");
        status = 1;
        goto done;
    }
    printf("run_due: %s\n", out);
    ponte_string_free(out);
    out = NULL;
    if (ponte_health(handle, 0, &out) != PONTE_OK) {
        fail("ponte_health");
        status = 1;
        goto done;
    }
    printf("health: %s\n", out);

done:
    ponte_string_free(out);
    ponte_string_free(info);
    ponte_close(handle);
    ponte_sandbox_stop(store);
    return status;
}
