//! A real WooCommerce store (`../shared/realstores/woocommerce`), started offline on 127.0.0.1
//! for one test binary or benchmark and stopped when dropped, with what tests need to read it
//! back: its REST API, its database and its request log.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use ponte::model::config::{Credentials, IntegrationConfig, Secret};
use ponte::platform::http::{Auth, HttpClient, Method, Request, SystemClock};
use serde_json::{json, Value};

/// Order statuses every real store here registers, as merchants do with a status plugin.
pub const STATUSES: &str = "received:Recebido,erp-rejected:Rejeitado";

pub struct RealStore {
    kit: PathBuf,
    /// The run directory; the store's web root is `dir/wp`.
    pub dir: PathBuf,
    /// The run directory, removed after the store stops; `None` for a store reused as found.
    _owned: Option<tempfile::TempDir>,
    pub version: String,
    pub base_url: String,
    consumer_key: String,
    consumer_secret: String,
    http: HttpClient,
}

/// Why the real store cannot run here, if it cannot: `run.sh` needs PHP and MariaDB, or root to
/// install them from Debian's packages.
pub fn unavailable() -> Option<String> {
    let kit = kit();
    if !kit.exists() {
        return Some(format!("the kit is not at {}", kit.display()));
    }
    let has = |program: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {program}"))
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if has("php") && has("mariadbd") && has("mariadb") {
        return None;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root && has("apt-get") {
        return None;
    }
    Some("PHP and MariaDB are not installed, and installing them needs root".into())
}

fn kit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realstores/woocommerce/run.sh")
}

impl RealStore {
    /// Installs and starts a store of WooCommerce `version` with Brazilian Market and
    /// [`STATUSES`]; it is stopped and removed when dropped.
    pub fn up(version: &str) -> Result<RealStore, String> {
        // A short path: the MariaDB socket lives in it.
        let dir = tempfile::Builder::new()
            .prefix("realwoo.")
            .tempdir_in("/tmp")
            .map_err(|e| e.to_string())?;
        let args = ["--wc", version, "--brazil", "--statuses", STATUSES];
        let mut store = RealStore::start(dir.path(), &args)?;
        store._owned = Some(dir);
        Ok(store)
    }

    /// A store made before with `run.sh up --dir DIR`, started if it is not running, and left
    /// running when dropped.
    pub fn reuse(dir: &str) -> Result<RealStore, String> {
        RealStore::start(Path::new(dir), &[])
    }

    fn start(dir: &Path, args: &[&str]) -> Result<RealStore, String> {
        let kit = kit();
        let output = Command::new("bash")
            .arg(&kit)
            .args(["up", "--dir"])
            .arg(dir)
            .args(args)
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("run.sh: {e}"))?;
        if !output.status.success() {
            let log = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(format!("run.sh up {args:?} failed:\n{}", tail.join("\n")));
        }
        let line: Value = serde_json::from_slice(&output.stdout)
            .map_err(|e| format!("run.sh up printed no JSON line: {e}"))?;
        let text = |key: &str| line[key].as_str().unwrap_or_default().to_string();
        let (base_url, consumer_key, consumer_secret) = (
            text("base_url"),
            text("consumer_key"),
            text("consumer_secret"),
        );
        let http = HttpClient::new(
            &base_url,
            true,
            Auth::OAuth1 {
                consumer_key: Secret::new(consumer_key.clone()),
                consumer_secret: Secret::new(consumer_secret.clone()),
            },
            ponte::model::config::HttpSettings {
                read_timeout_ms: 120_000,
                overall_timeout_ms: 180_000,
                max_requests_per_second: 0,
                ..Default::default()
            },
            None,
            Arc::new(SystemClock),
        )
        .map_err(|e| e.to_string())?;
        Ok(RealStore {
            kit,
            dir: dir.to_path_buf(),
            _owned: None,
            version: text("wc_version"),
            base_url,
            consumer_key,
            consumer_secret,
            http,
        })
    }

    /// WooCommerce 9.6 and later: brands and GTIN.
    pub fn is_modern(&self) -> bool {
        !self.version.starts_with("8.")
    }

    /// An integration of this store, with its key and Ponte's defaults.
    pub fn config(&self, id: &str) -> IntegrationConfig {
        let mut config: IntegrationConfig = serde_json::from_value(json!({
            "id": id, "platform": "woocommerce", "base_url": self.base_url, "allow_http": true,
            "locale": "en",
        }))
        .expect("a literal config is valid");
        config.credentials = Some(self.credentials(&self.consumer_key, &self.consumer_secret));
        config.http.max_requests_per_second = 0;
        config.http.read_timeout_ms = 120_000;
        config.http.overall_timeout_ms = 180_000;
        config
    }

    pub fn credentials(&self, key: &str, secret: &str) -> Credentials {
        Credentials {
            consumer_key: Some(Secret::new(key.to_string())),
            consumer_secret: Some(Secret::new(secret.to_string())),
            access_token: None,
            ..Default::default()
        }
    }

    fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
    ) -> Value {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let path = format!("/wp-json/wc/v3{path}");
        let request = match body {
            Some(body) => {
                let mut request = Request::json(method, path, &body, false);
                request.query = query;
                request
            }
            None => Request {
                method,
                ..Request::get(path, query)
            },
        };
        let response = self
            .http
            .send(&request)
            .unwrap_or_else(|e| panic!("{}: {}", request.describe(), e.error));
        let value: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        assert!(
            (200..300).contains(&response.status),
            "{} answered {}: {value}",
            request.describe(),
            response.status
        );
        value
    }

    /// Sends a request and answers its status and body, whatever the status.
    pub fn answer(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let path = format!("/wp-json/wc/v3{path}");
        let request = match body {
            Some(body) => Request::json(method, path, &body, false),
            None => Request {
                method,
                ..Request::get(path, Vec::new())
            },
        };
        let response = self
            .http
            .send(&request)
            .unwrap_or_else(|e| panic!("{}: {}", request.describe(), e.error));
        let value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        (response.status, value)
    }

    /// Puts a file in the store's own web root and answers its URL. WordPress downloads only
    /// from the store's own host and port (or ports 80, 443, 8080: `wp_http_validate_url`), so
    /// images for the store to fetch are served by the store itself.
    pub fn serve_file(&self, name: &str, bytes: &[u8]) -> String {
        let folder = self.dir.join("wp/wp-content/uploads/ponte-src");
        std::fs::create_dir_all(&folder).expect("the web root is writable");
        std::fs::write(folder.join(name), bytes).expect("the web root is writable");
        format!("{}/wp-content/uploads/ponte-src/{name}", self.base_url)
    }

    pub fn get(&self, path: &str, query: &[(&str, String)]) -> Value {
        self.call(Method::Get, path, query, None)
    }

    pub fn post(&self, path: &str, body: Value) -> Value {
        self.call(Method::Post, path, &[], Some(body))
    }

    pub fn put(&self, path: &str, body: Value) -> Value {
        self.call(Method::Put, path, &[], Some(body))
    }

    /// Deletes a product: for good with `force`, to the trash without, as the admin does.
    pub fn call_delete(&self, path: &str, force: bool) -> Value {
        let query = if force {
            vec![("force", "true".to_string())]
        } else {
            Vec::new()
        };
        self.call(Method::Delete, path, &query, None)
    }

    /// Every item of a listing, all pages, by id.
    pub fn all(&self, path: &str, query: &[(&str, String)]) -> Vec<Value> {
        let mut items = Vec::new();
        for page in 1.. {
            let mut query = query.to_vec();
            query.push(("per_page", "100".into()));
            query.push(("page", page.to_string()));
            query.push(("orderby", "id".into()));
            query.push(("order", "asc".into()));
            let found = self.get(path, &query);
            let found = found.as_array().cloned().unwrap_or_default();
            let last = found.len() < 100;
            items.extend(found);
            if last {
                break;
            }
        }
        items
    }

    /// Products and variations with this SKU.
    pub fn products_with_sku(&self, sku: &str) -> Vec<Value> {
        self.get("/products", &[("sku", sku.to_string())])
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn order(&self, id: &str) -> Value {
        self.get(&format!("/orders/{id}"), &[])
    }

    pub fn order_notes(&self, id: &str) -> Vec<String> {
        self.get(&format!("/orders/{id}/notes"), &[])
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n["note"].as_str().map(str::to_string))
            .collect()
    }

    /// Creates orders through `orders/batch`, 100 a request; returns their ids.
    pub fn create_orders(&self, orders: &[Value]) -> Vec<String> {
        let mut ids = Vec::new();
        for chunk in orders.chunks(100) {
            let answer = self.post("/orders/batch", json!({ "create": chunk }));
            for created in answer["create"].as_array().into_iter().flatten() {
                assert!(
                    created.get("error").is_none(),
                    "order not created: {created}"
                );
                ids.push(created["id"].to_string());
            }
        }
        ids
    }

    /// Deletes every order and product, the trashed ones too, so the next group of tests
    /// starts from an empty store.
    pub fn empty(&self) {
        let lists = [
            ("/orders", "/orders/batch", "any"),
            ("/products", "/products/batch", "any"),
            ("/products", "/products/batch", "trash"),
        ];
        for (path, batch, status) in lists {
            loop {
                let ids: Vec<Value> = self
                    .get(
                        path,
                        &[("per_page", "100".into()), ("status", status.into())],
                    )
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|item| item["id"].clone())
                    .collect();
                if ids.is_empty() {
                    break;
                }
                self.post(batch, json!({ "delete": ids }));
            }
        }
    }

    /// Runs SQL in the store's database and returns what it printed (tab-separated, no header).
    pub fn sql(&self, statement: &str) -> String {
        let output = Command::new("mariadb")
            .arg("-S")
            .arg(self.dir.join("mysql.sock"))
            .args(["-u", "root", "-N", "-B", "wordpress", "-e", statement])
            .output()
            .expect("the mariadb client runs");
        assert!(
            output.status.success(),
            "{statement}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Gives orders one modification time, as a bulk action in the admin leaves them.
    pub fn set_modified(&self, ids: &[String], gmt: &str) {
        self.sql(&format!(
            "UPDATE wp_wc_orders SET date_updated_gmt = '{gmt}' WHERE id IN ({})",
            ids.join(",")
        ));
    }

    /// Replaces the custom order statuses the store registers (a status plugin reconfigured).
    pub fn register_statuses(&self, statuses: &[(&str, &str)]) {
        let map: serde_json::Map<String, Value> = statuses
            .iter()
            .map(|(slug, label)| (slug.to_string(), json!(label)))
            .collect();
        std::fs::write(
            self.dir.join("wp/wp-content/realwoo-statuses.json"),
            Value::Object(map).to_string(),
        )
        .expect("the statuses file is writable");
    }

    /// A new REST API key of user 1 with `permissions` (`read`, `write` or `read_write`), made
    /// as WooCommerce's key screen makes it: the key stored as its HMAC-SHA256 under `wc-api`.
    pub fn add_key(&self, permissions: &str) -> (String, String) {
        let nonce = ponte::platform::oauth::nonce();
        let key = format!("ck_{nonce}{}", &nonce[..8]);
        let secret = format!("cs_{}{}", ponte::platform::oauth::nonce(), &nonce[..8]);
        let hashed = {
            use hmac::{Hmac, Mac};
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"wc-api").expect("any key length");
            mac.update(key.as_bytes());
            mac.finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        let truncated = &key[key.len() - 7..];
        self.sql(&format!(
            "INSERT INTO wp_woocommerce_api_keys (user_id, description, permissions, consumer_key, consumer_secret, truncated_key) \
             VALUES (1, 'ponte test', '{permissions}', '{hashed}', '{secret}', '{truncated}')"
        ));
        (key, secret)
    }

    /// Requests the store has served so far.
    pub fn requests(&self) -> usize {
        std::fs::read_to_string(self.dir.join("requests.log"))
            .map(|log| log.lines().count())
            .unwrap_or(0)
    }
}

impl Drop for RealStore {
    fn drop(&mut self) {
        if self._owned.is_none() {
            return;
        }
        let _ = Command::new("bash")
            .arg(&self.kit)
            .arg("down")
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
