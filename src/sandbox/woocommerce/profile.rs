//! Which WooCommerce the sandbox plays: the version (what its REST API has and lacks) and whether
//! the Brazilian Market plugin is active. Each difference here was seen on a real store
//! (`shared/realstores/woocommerce`), unless its comment says otherwise.

/// A WooCommerce release the sandbox can answer as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WcVersion {
    /// 10.0.2: brands (`/products/brands`), `global_unique_id` (GTIN) stored and filtered.
    #[default]
    V10_0_2,
    /// 9.5.2: `global_unique_id` but no brands route (from an earlier report: brands 404).
    V9_5_2,
    /// 8.9.3: neither; a GTIN in a body is dropped and `?global_unique_id=` is ignored.
    V8_9_3,
}

impl WcVersion {
    pub const ALL: [WcVersion; 3] = [WcVersion::V10_0_2, WcVersion::V9_5_2, WcVersion::V8_9_3];

    /// `"10.0.2"`, `"9.5.2"` or `"8.9.3"`.
    pub fn parse(text: &str) -> Option<WcVersion> {
        WcVersion::ALL.into_iter().find(|v| v.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WcVersion::V10_0_2 => "10.0.2",
            WcVersion::V9_5_2 => "9.5.2",
            WcVersion::V8_9_3 => "8.9.3",
        }
    }

    /// Whether `/products/brands` exists and products carry `brands`.
    pub fn has_brands(self) -> bool {
        matches!(self, WcVersion::V10_0_2)
    }

    /// Whether products store, show and filter by `global_unique_id`.
    pub fn has_global_unique_id(self) -> bool {
        !matches!(self, WcVersion::V8_9_3)
    }

    /// The `orderby` enum of `GET /products`, as the store lists it in its error message
    /// (duplicates included: blocks and core each add theirs). 9.5.2 is assumed to list what
    /// 10.0.2 lists; it was not checked.
    pub(super) fn product_orderby(self) -> &'static [&'static str] {
        match self {
            WcVersion::V10_0_2 | WcVersion::V9_5_2 => &[
                "date",
                "id",
                "include",
                "title",
                "slug",
                "modified",
                "popularity",
                "rating",
                "post__in",
                "price",
                "sales",
                "menu_order",
                "random",
                "popularity",
                "rating",
                "menu_order",
                "price",
                "popularity",
                "rating",
            ],
            WcVersion::V8_9_3 => &[
                "date",
                "id",
                "include",
                "title",
                "slug",
                "modified",
                "popularity",
                "rating",
                "popularity",
                "rating",
                "menu_order",
                "price",
                "popularity",
                "rating",
            ],
        }
    }
}

impl std::fmt::Display for WcVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a sandbox store starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WooOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    pub version: WcVersion,
    /// The "Brazilian Market on WooCommerce" plugin (CPF, CNPJ, number, neighbourhood). On by
    /// default, as on most Brazilian stores; off, orders have only WooCommerce's own address keys.
    pub brazilian_market: bool,
}

impl Default for WooOptions {
    fn default() -> WooOptions {
        WooOptions {
            port: 0,
            version: WcVersion::default(),
            brazilian_market: true,
        }
    }
}
