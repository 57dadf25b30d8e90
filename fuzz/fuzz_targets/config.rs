//! `ponte_integration_put`'s input: `config::parse_config`, which parses and validates.
//!
//! Properties: no panic; a config that parsed validates again; serialized (credentials are never
//! serialized) and parsed again it is the same config; a config refused by its rules lists at least
//! one problem, each with a path; an error never quotes a credential (the input is parsed again
//! with its credentials replaced by canaries, which no message may hold).

#![no_main]

use libfuzzer_sys::fuzz_target;
use ponte::model::config;
use ponte::Error;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match config::parse_config(text) {
        Ok(parsed) => {
            parsed.validate().expect("a parsed config validates again");
            let _ = parsed.product_sync.only_eans_list();
            let again = serde_json::to_string(&parsed).expect("a config serializes");
            let reparsed = config::parse_config(&again)
                .unwrap_or_else(|err| panic!("serialized config {again} is refused: {err}"));
            let mut expected = parsed;
            expected.credentials = None;
            assert_eq!(reparsed, expected);
        }
        Err(err) => match &err {
            Error::InvalidConfig(problems) => {
                assert!(!problems.is_empty(), "InvalidConfig without a problem");
                for problem in problems {
                    assert!(
                        !problem.path.is_empty(),
                        "a problem without a path: {problem}"
                    );
                }
            }
            Error::InvalidJson { .. } | Error::InputTooLarge { .. } => {}
            other => panic!("unexpected error kind: {other:?}"),
        },
    }
    // No error quotes a credential: the same input with each credential replaced by a canary
    // gives no message with the canary in it.
    if let Some(canaried) = with_canaries(text) {
        if let Err(err) = config::parse_config(&canaried) {
            let message = err.to_string();
            assert!(
                !message.contains(CANARY) && !message.contains(NUMBER_CANARY),
                "the error quotes a credential: {message}"
            );
        }
    }
});

const CANARY: &str = "CANARY-91c4e7";
const NUMBER_CANARY: &str = "918273645";

/// The input with every string or number under `credentials` replaced by a canary, when it has
/// any and holds no canary of its own.
fn with_canaries(text: &str) -> Option<String> {
    if text.contains(CANARY) || text.contains(NUMBER_CANARY) {
        return None;
    }
    let mut value = serde_json::from_str::<Value>(text).ok()?;
    let credentials = value.get_mut("credentials")?.as_object_mut()?;
    let mut replaced = false;
    for (name, credential) in credentials.iter_mut() {
        match credential {
            Value::String(s) if !s.trim().is_empty() => *s = format!("{CANARY}-{name}"),
            Value::Number(_) => *credential = Value::from(918_273_645),
            _ => continue,
        }
        replaced = true;
    }
    replaced.then(|| value.to_string())
}
