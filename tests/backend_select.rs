//! Choosing a backend that was not compiled in gives a clear error.
//! (Runs in the default build; `tests/rust_bert.rs` covers the feature build.)
#![cfg(not(feature = "rust-bert"))]

use std::path::PathBuf;

use framelens::{BackendKind, Classifier, Error};

#[test]
fn rust_bert_without_the_feature_is_backend_unavailable() {
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models");
    let backend: BackendKind = "rust-bert".parse().expect("`rust-bert` names a backend");
    assert_eq!(backend, BackendKind::RustBert);
    let err = Classifier::builder()
        .models_dir(&models)
        .backend(backend)
        .build()
        .expect_err("rust-bert is not compiled into this build");
    assert!(matches!(&err, Error::BackendUnavailable(name) if name == "rust-bert"), "{err:?}");
    assert!(err.to_string().contains("--features rust-bert"), "{err}");
}

#[test]
fn unknown_backend_name_is_an_invalid_setting() {
    match "torch".parse::<BackendKind>() {
        Err(Error::InvalidSetting { name, reason }) => {
            assert_eq!(name, "backend");
            assert!(reason.contains("rust-bert"), "{reason}");
        }
        other => panic!("expected InvalidSetting, got {other:?}"),
    }
}
