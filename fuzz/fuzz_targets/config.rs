//! `ponte_integration_put`'s input: `config::parse_config`, which parses and validates.
//!
//! Properties: no panic; a config that parsed validates again; serialized (credentials are never
//! serialized) and parsed again it is the same config; a config refused by its rules lists at least
//! one problem, each with a path; an error never quotes a credential given in the input.

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
        Err(err) => {
            match &err {
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
            }
            let message = err.to_string();
            for secret in secrets(text) {
                assert!(
                    !message.contains(&secret),
                    "the error quotes the credential {secret:?}: {message}"
                );
            }
        }
    }
});

/// The credential strings of the input that appear nowhere else in it (a value that is also, say,
/// the id may rightly be quoted as the id).
fn secrets(text: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    let Some(credentials) = value.get("credentials").and_then(Value::as_object) else {
        return Vec::new();
    };
    credentials
        .values()
        .filter_map(Value::as_str)
        .filter(|s| s.len() >= 4 && text.matches(*s).count() == 1)
        .map(str::to_string)
        .collect()
}
