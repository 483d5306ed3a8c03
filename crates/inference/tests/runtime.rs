//! ONNX Runtime through the crate: a tiny committed model (y = 2x + 1) runs
//! and gives its exact answer, its sha256 is checked, and a wrong checksum or
//! a missing file is a clear error.

use std::path::PathBuf;

use docscreen_inference::{InferenceError, Model, sha256_file};

fn tiny() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/models/affine.onnx")
}

/// The sha256 recorded in testdata/models/README.md.
const AFFINE_SHA256: &str = include_str!("../../../testdata/models/affine.onnx.sha256");

#[test]
fn runs_the_tiny_model() {
    let model = Model::load(&tiny(), Some(AFFINE_SHA256.trim()), 1)
        .expect("ONNX Runtime installed by scripts/setup.sh");
    let x =
        ndarray::ArrayD::from_shape_vec(vec![1, 4], vec![0.0f32, 1.0, -2.0, 0.5]).expect("shape");
    let y = model.run(x.view()).expect("runs");
    assert_eq!(y[0].as_slice().expect("contiguous"), &[1.0, 3.0, -3.0, 2.0]);
}

#[test]
fn checksum_and_missing_files_are_clear_errors() {
    assert_eq!(sha256_file(&tiny()).expect("reads"), AFFINE_SHA256.trim());
    let wrong = Model::load(&tiny(), Some("00"), 1).expect_err("checksum");
    assert!(matches!(wrong, InferenceError::Checksum { .. }), "{wrong}");
    let missing =
        Model::load(&PathBuf::from("/nonexistent/model.onnx"), None, 1).expect_err("missing");
    assert!(missing.to_string().contains("/nonexistent/model.onnx"));
}
