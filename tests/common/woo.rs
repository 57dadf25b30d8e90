//! A WooCommerce sandbox with an adapter connected to it, retries made instant.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ponte::model::config::IntegrationConfig;
use ponte::platform::http::Clock;
use ponte::platform::woocommerce::WooCommerce;
use ponte::sandbox::WooSandbox;

/// Records the waits asked for instead of waiting, and moves its own time on by them: time on
/// this clock passes only when someone waits, however fast or slow the machine is.
pub struct TestClock {
    pub waits: Mutex<Vec<Duration>>,
    start: Instant,
}

impl Default for TestClock {
    fn default() -> TestClock {
        TestClock {
            waits: Mutex::new(Vec::new()),
            start: Instant::now(),
        }
    }
}

impl Clock for TestClock {
    fn now(&self) -> Instant {
        self.start + self.total()
    }

    fn sleep(&self, duration: Duration) {
        self.waits.lock().unwrap().push(duration);
    }
}

impl TestClock {
    pub fn total(&self) -> Duration {
        self.waits.lock().unwrap().iter().sum()
    }
}

pub struct Store {
    pub sandbox: WooSandbox,
    pub woo: WooCommerce,
    pub clock: Arc<TestClock>,
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
    let clock = Arc::new(TestClock::default());
    let woo = WooCommerce::connect(&config, config.credentials.as_ref(), clock.clone())
        .expect("connects");
    Store {
        sandbox,
        woo,
        clock,
    }
}
