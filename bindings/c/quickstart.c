/*
 * quickstart.c: what an ERP does first with Ponte, in plain C99.
 * Opens a state file, configures an integration, loads categories, brands, products and
 * stock, reads a product back, and shows how a failed call reports what was wrong and where.
 *
 * Build: cc -std=c99 -Iinclude bindings/c/quickstart.c -Ltarget/release -lponte -o quickstart
 * Run:   LD_LIBRARY_PATH=target/release ./quickstart /tmp/ponte-quickstart.db
 */
#include <stdio.h>
#include <stdlib.h>

#include "ponte.h"

/* Prints the last error of this thread and returns 1, for `return fail("...")`. */
static int fail(const char *what) {
    int32_t code = ponte_last_error_code();
    fprintf(stderr, "%s failed: %s (%d): %s\n", what, ponte_status_name(code), (int)code,
            ponte_last_error_message());
    return 1;
}

static const char *CONFIG =
    "{\"id\": \"loja-virtual\", \"platform\": \"woocommerce\","
    " \"base_url\": \"https://loja.example.com.br\","
    " \"credentials\": {\"consumer_key\": \"ck_example\", \"consumer_secret\": \"cs_example\"},"
    " \"product_sync\": {\"only_eans\": \"7891000100103\"}}";

static const char *CATEGORIES =
    "[{\"id\": \"CASA\", \"name\": \"Casa\"},"
    " {\"id\": \"PANELAS\", \"name\": \"Panelas\", \"parent_id\": \"CASA\"}]";

static const char *BRANDS =
    "[{\"id\": \"TRAMONTINA\", \"name\": \"Tramontina\", \"show_in_electronic_order\": true}]";

static const char *PRODUCTS =
    "[{\"erp_id\": \"1001\", \"name\": \"Panela de Press\xc3\xa3o 4,5 L\", \"brand_id\": \"TRAMONTINA\","
    " \"show_in_store\": true, \"sync_stock\": true, \"category_ids\": [\"PANELAS\"],"
    " \"variants\": [{\"sku\": \"TRA-PP-45\", \"ean\": \"7891000100103\", \"price_cents\": 18990,"
    " \"stock\": 42}]}]";

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "ponte-quickstart.db";
    ponte *handle = NULL;
    char *summary = NULL;
    char *product = NULL;
    int status = 1;

    if (ponte_version_number() != PONTE_VERSION_NUMBER) {
        fprintf(stderr, "header %s does not match library %s\n", PONTE_VERSION, ponte_version());
        return 1;
    }
    if (ponte_open(path, &handle) != PONTE_OK) {
        return fail("ponte_open");
    }
    if (ponte_integration_put(handle, CONFIG) != PONTE_OK) {
        fail("ponte_integration_put");
        goto done;
    }
    if (ponte_catalog_put_categories(handle, CATEGORIES, NULL) != PONTE_OK) {
        fail("ponte_catalog_put_categories");
        goto done;
    }
    if (ponte_catalog_put_brands(handle, BRANDS, NULL) != PONTE_OK) {
        fail("ponte_catalog_put_brands");
        goto done;
    }
    if (ponte_catalog_put_products(handle, PRODUCTS, &summary) != PONTE_OK) {
        fail("ponte_catalog_put_products");
        goto done;
    }
    printf("products: %s\n", summary);
    ponte_string_free(summary);
    summary = NULL;

    if (ponte_catalog_put_stock(handle, "[{\"sku\": \"TRA-PP-45\", \"quantity\": 40}]", &summary) != PONTE_OK) {
        fail("ponte_catalog_put_stock");
        goto done;
    }
    printf("stock: %s\n", summary);

    if (ponte_catalog_get(handle, "{\"sku\": \"TRA-PP-45\"}", &product) != PONTE_OK) {
        fail("ponte_catalog_get");
        goto done;
    }
    printf("product: %s\n", product);

    /* A failing call: the status says what kind, the message says what and where. */
    if (ponte_catalog_put_stock(handle, "[{\"sku\": \"NAO-EXISTE\", \"quantity\": 1}]", NULL) == PONTE_E_NOT_FOUND) {
        printf("expected error: %s: %s\n", ponte_status_name(ponte_last_error_code()),
               ponte_last_error_message());
    }
    status = 0;

done:
    ponte_string_free(summary);
    ponte_string_free(product);
    ponte_close(handle);
    return status;
}
