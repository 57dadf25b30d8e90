//! What Ponte reads to check an integration before it syncs: `system_status`, the order totals
//! report and the products route's schema (`OPTIONS /products`). The shapes (names, types,
//! nesting) follow a real store's answers; the values are a subset, and the environment is the
//! sandbox's own.

use serde_json::{json, Map, Value};

use super::orders::{CORE_STATUSES, DRAFT_STATUS};
use super::{Ctx, Reply, State, WcVersion, PREFIX};

/// The WordPress the kit runs under every WooCommerce it offers.
const WP_VERSION: &str = "6.8.3";
const BRAZILIAN_MARKET_VERSION: &str = "4.0.2";

/// `GET /system_status`, in the sections a real store answers with: `environment`, `database`,
/// `active_plugins`, `inactive_plugins`, `dropins_mu_plugins`, `theme`, `settings`, `security`,
/// `pages`, `post_type_counts`, `logging`.
pub(super) fn system_status(state: &State, ctx: &Ctx) -> Value {
    let version = ctx.version.as_str();
    let plugin = |file: &str, name: &str, version: &str, url: &str, author: &str| {
        json!({"plugin": file, "name": name, "version": version, "version_latest": version,
               "url": url, "author_name": author, "author_url": "", "network_activated": false})
    };
    let mut active_plugins = vec![plugin(
        "woocommerce/woocommerce.php",
        "WooCommerce",
        version,
        "https://woocommerce.com/",
        "Automattic",
    )];
    if ctx.brazilian_market {
        active_plugins.push(plugin(
            "woocommerce-extra-checkout-fields-for-brazil/woocommerce-extra-checkout-fields-for-brazil.php",
            "Brazilian Market on WooCommerce",
            BRAZILIAN_MARKET_VERSION,
            "https://github.com/claudiosanches/woocommerce-extra-checkout-fields-for-brazil",
            "Claudio Sanches",
        ));
    }
    let mut settings = json!({
        // A real store answers `false` here even with its REST API in use: the setting is the
        // legacy API's.
        "api_enabled": false, "force_ssl": false, "currency": "BRL", "currency_symbol": "&#82;&#36;",
        "currency_position": "left_space", "thousand_separator": ".", "decimal_separator": ",",
        "number_of_decimals": 2, "geolocation_enabled": false,
        "taxonomies": {"external": "external", "grouped": "grouped", "simple": "simple", "variable": "variable"},
        "product_visibility_terms": {"exclude-from-catalog": "exclude-from-catalog",
            "exclude-from-search": "exclude-from-search", "featured": "featured", "outofstock": "outofstock"},
        "woocommerce_com_connected": "no", "enforce_approved_download_dirs": true,
        "order_datastore": "Automattic\\WooCommerce\\Internal\\DataStores\\Orders\\OrdersTableDataStore",
        "HPOS_enabled": true, "HPOS_sync_enabled": false,
    });
    // 8.9.3 has no list of enabled features.
    if ctx.version != WcVersion::V8_9_3 {
        settings["enabled_features"] = json!([
            "analytics",
            "marketplace",
            "order_attribution",
            "custom_order_tables"
        ]);
    }
    let products = state
        .products
        .values()
        .filter(|p| p["type"] != "variation")
        .count();
    let variations = state.products.len() - products;
    json!({
        "environment": {
            "home_url": ctx.home, "site_url": ctx.home, "store_id": "00000000-0000-4000-8000-000000000000",
            "version": version, "log_directory": "/srv/sandbox/wp-content/uploads/wc-logs/",
            "log_directory_writable": true, "wp_version": WP_VERSION, "wp_multisite": false,
            "wp_memory_limit": 268_435_456, "wp_debug_mode": false, "wp_cron": true, "language": "en_US",
            "external_object_cache": null, "server_info": "Ponte sandbox", "php_version": "8.2",
            "php_post_max_size": 8_388_608, "php_max_execution_time": 30, "php_max_input_vars": 1000,
            "curl_version": "", "suhosin_installed": false, "max_upload_size": 2_097_152,
            "mysql_version": "10.11", "mysql_version_string": "10.11-MariaDB", "default_timezone": "UTC",
            "fsockopen_or_curl_enabled": true, "soapclient_enabled": false, "domdocument_enabled": true,
            "gzip_enabled": true, "mbstring_enabled": true, "remote_post_successful": false,
            "remote_post_response": false, "remote_get_successful": false, "remote_get_response": false,
        },
        "database": {"wc_database_version": version, "database_prefix": "wp_", "maxmind_geoip_database": "",
                     "database_tables": {"woocommerce": {}, "other": {}}},
        "active_plugins": active_plugins,
        "inactive_plugins": [],
        "dropins_mu_plugins": {"dropins": [], "mu_plugins": []},
        "theme": {"name": "Twenty Twenty-Five", "version": "1.3", "version_latest": 0, "author_url": "https://wordpress.org",
                  "is_child_theme": false, "has_woocommerce_support": false, "has_woocommerce_file": false,
                  "has_outdated_templates": false, "overrides": [], "parent_name": "", "parent_version": "",
                  "parent_version_latest": "", "parent_author_url": ""},
        "settings": settings,
        "security": {"secure_connection": false, "hide_errors": true},
        "pages": [],
        "post_type_counts": [
            {"type": "product", "count": products.to_string()},
            {"type": "product_variation", "count": variations.to_string()},
            {"type": "shop_order_placehold", "count": state.orders.len().to_string()},
        ],
        "logging": {"logging_enabled": true,
                    "default_handler": "Automattic\\WooCommerce\\Internal\\Admin\\Logging\\LogHandlerFileV2",
                    "retention_period_days": 30, "level_threshold": "", "log_directory_size": "0 B"},
    })
}

/// `GET /reports/orders/totals`: every registered status in the store's order (core, custom
/// with their labels, then `checkout-draft`) and how many orders are in it.
pub(super) fn order_totals(state: &State) -> Value {
    let count = |slug: &str| {
        state
            .orders
            .values()
            .filter(|o| o["status"] == slug)
            .count()
    };
    let rows: Vec<Value> = CORE_STATUSES
        .iter()
        .map(|(slug, name)| (slug.to_string(), name.to_string()))
        .chain(state.custom_statuses.iter().cloned())
        .chain(std::iter::once((
            DRAFT_STATUS.0.to_string(),
            DRAFT_STATUS.1.to_string(),
        )))
        .map(|(slug, name)| json!({"slug": slug, "name": name, "total": count(&slug)}))
        .collect();
    json!(rows)
}

/// The product schema's properties: name, JSON type and whether it is read-only, in the
/// store's order (10.0.2; `global_unique_id` and `brands` only where the version has them).
const PRODUCT_PROPERTIES: &[(&str, &str, bool)] = &[
    ("id", "integer", true),
    ("name", "string", false),
    ("slug", "string", false),
    ("permalink", "string", true),
    ("date_created", "date-time", false),
    ("date_created_gmt", "date-time", false),
    ("date_modified", "date-time", true),
    ("date_modified_gmt", "date-time", true),
    ("type", "string", false),
    ("status", "string", false),
    ("featured", "boolean", false),
    ("catalog_visibility", "string", false),
    ("description", "string", false),
    ("short_description", "string", false),
    ("sku", "string", false),
    ("global_unique_id", "string", false),
    ("price", "string", true),
    ("regular_price", "string", false),
    ("sale_price", "string", false),
    ("date_on_sale_from", "date-time", false),
    ("date_on_sale_from_gmt", "date-time", false),
    ("date_on_sale_to", "date-time", false),
    ("date_on_sale_to_gmt", "date-time", false),
    ("price_html", "string", true),
    ("on_sale", "boolean", true),
    ("purchasable", "boolean", true),
    ("total_sales", "integer", true),
    ("virtual", "boolean", false),
    ("downloadable", "boolean", false),
    ("downloads", "array", false),
    ("download_limit", "integer", false),
    ("download_expiry", "integer", false),
    ("external_url", "string", false),
    ("button_text", "string", false),
    ("tax_status", "string", false),
    ("tax_class", "string", false),
    ("manage_stock", "boolean", false),
    ("stock_quantity", "integer", false),
    ("stock_status", "string", false),
    ("backorders", "string", false),
    ("backorders_allowed", "boolean", true),
    ("backordered", "boolean", true),
    ("low_stock_amount", "integer|null", false),
    ("sold_individually", "boolean", false),
    ("weight", "string", false),
    ("dimensions", "object", false),
    ("shipping_required", "boolean", true),
    ("shipping_taxable", "boolean", true),
    ("shipping_class", "string", false),
    ("shipping_class_id", "string", true),
    ("reviews_allowed", "boolean", false),
    ("post_password", "string", false),
    ("average_rating", "string", true),
    ("rating_count", "integer", true),
    ("related_ids", "array", true),
    ("upsell_ids", "array", false),
    ("cross_sell_ids", "array", false),
    ("parent_id", "integer", false),
    ("purchase_note", "string", false),
    ("categories", "array", false),
    ("brands", "array", false),
    ("tags", "array", false),
    ("images", "array", false),
    ("has_options", "boolean", true),
    ("attributes", "array", false),
    ("default_attributes", "array", false),
    ("variations", "array", true),
    ("grouped_products", "array", true),
    ("menu_order", "integer", false),
    ("meta_data", "array", false),
    ("permalink_template", "string", true),
    ("generated_slug", "string", true),
];

fn has_property(ctx: &Ctx, name: &str) -> bool {
    match name {
        "global_unique_id" => ctx.version.has_global_unique_id(),
        "brands" => ctx.version.has_brands(),
        _ => true,
    }
}

fn schema_type(kind: &str) -> Value {
    match kind {
        "integer|null" => json!(["integer", "null"]),
        other => json!(other),
    }
}

/// `OPTIONS /products`: the route's schema, and the methods it takes in `Allow`.
pub(super) fn products_options(ctx: &Ctx) -> Reply {
    Ok((
        200,
        products_route(ctx),
        vec![("Allow".to_string(), "GET, POST".to_string())],
        0,
    ))
}

/// `OPTIONS /products`: the route's namespace, methods, each endpoint's arguments (names and
/// types), and the product schema's properties (names and types).
fn products_route(ctx: &Ctx) -> Value {
    let mut properties = Map::new();
    for (name, kind, readonly) in PRODUCT_PROPERTIES {
        if !has_property(ctx, name) {
            continue;
        }
        let context = if name.ends_with("_template") || *name == "generated_slug" {
            json!(["edit"])
        } else {
            json!(["view", "edit"])
        };
        let mut property = json!({"type": schema_type(kind), "context": context});
        if *readonly {
            property["readonly"] = json!(true);
        }
        if *name == "dimensions" {
            property["properties"] = json!({
                "length": {"type": "string", "context": ["view", "edit"]},
                "width": {"type": "string", "context": ["view", "edit"]},
                "height": {"type": "string", "context": ["view", "edit"]},
            });
        }
        properties.insert(name.to_string(), property);
    }
    let orderby: Vec<&str> = ctx.version.product_orderby().to_vec();
    let ids =
        json!({"type": "array", "items": {"type": "integer"}, "default": [], "required": false});
    let date = json!({"type": "string", "format": "date-time", "required": false});
    let text = json!({"type": "string", "required": false});
    let mut read_args = json!({
        "context": {"type": "string", "enum": ["view", "edit"], "default": "view", "required": false},
        "page": {"type": "integer", "default": 1, "minimum": 1, "required": false},
        "per_page": {"type": "integer", "default": 10, "minimum": 1, "maximum": 100, "required": false},
        "search": text, "after": date, "before": date, "modified_after": date, "modified_before": date,
        "dates_are_gmt": {"type": "boolean", "default": false, "required": false},
        "exclude": ids, "include": ids,
        "offset": {"type": "integer", "required": false},
        "order": {"type": "string", "default": "desc", "enum": ["asc", "desc"], "required": false},
        "orderby": {"type": "string", "default": "date", "enum": orderby, "required": false},
        "parent": ids, "parent_exclude": ids, "slug": text,
        "status": {"default": "any", "type": "string",
                   "enum": ["any", "future", "trash", "draft", "pending", "private", "publish"], "required": false},
        "type": {"type": "string", "enum": ["simple", "grouped", "external", "variable"], "required": false},
        "sku": text,
        "stock_status": {"type": "string", "enum": ["instock", "outofstock", "onbackorder"], "required": false},
    });
    if ctx.version.has_brands() {
        read_args["brand"] = text.clone();
    }
    if ctx.version.has_global_unique_id() {
        read_args["global_unique_id"] = text.clone();
    }
    let mut write_args = Map::new();
    for (name, kind, readonly) in PRODUCT_PROPERTIES {
        if *readonly
            || !has_property(ctx, name)
            || name.ends_with("_gmt") && name.starts_with("date_created")
        {
            continue;
        }
        write_args.insert(
            name.to_string(),
            json!({"type": schema_type(kind), "required": false}),
        );
    }
    json!({
        "namespace": "wc/v3",
        "methods": ["GET", "POST"],
        "endpoints": [
            {"methods": ["GET"], "args": read_args},
            {"methods": ["POST"], "args": write_args},
        ],
        "schema": {"$schema": "http://json-schema.org/draft-04/schema#", "title": "product", "type": "object",
                   "properties": properties},
        "_links": {"self": [{"href": format!("{}{PREFIX}/products", ctx.home)}]},
    })
}
