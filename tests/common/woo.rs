//! A WooCommerce sandbox with an adapter connected to it, retries made instant.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ponte::model::config::IntegrationConfig;
use ponte::platform::http::Sleeper;
use ponte::platform::woocommerce::WooCommerce;
use ponte::sandbox::WooSandbox;

/// Records the waits asked for instead of waiting.
#[derive(Default)]
pub struct RecordingSleeper {
    pub waits: Mutex<Vec<Duration>>,
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) {
        self.waits.lock().unwrap().push(duration);
    }
}

impl RecordingSleeper {
    pub fn total(&self) -> Duration {
        self.waits.lock().unwrap().iter().sum()
    }
}

pub struct Store {
    pub sandbox: WooSandbox,
    pub woo: WooCommerce,
    pub sleeper: Arc<RecordingSleeper>,
}

pub fn config(sandbox: &WooSandbox) -> IntegrationConfig {
    let mut config = sandbox.integration_config("loja");
    config.http.max_requests_per_second = 0;
    config
}

pub fn store() -> Store {
    store_with(|_| {})
}

pub fn store_with(adjust: impl FnOnce(&mut IntegrationConfig)) -> Store {
    let sandbox = WooSandbox::start().expect("the sandbox starts");
    let mut config = config(&sandbox);
    adjust(&mut config);
    let sleeper = Arc::new(RecordingSleeper::default());
    let woo = WooCommerce::connect(&config, config.credentials.as_ref(), sleeper.clone())
        .expect("connects");
    Store {
        sandbox,
        woo,
        sleeper,
    }
}
