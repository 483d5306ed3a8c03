//! The one place docscreen talks to ONNX Runtime.
//!
//! ONNX Runtime is loaded at run time from a shared library (the `ort`
//! crate's `load-dynamic`): `scripts/setup.sh` takes it from the `PyPI`
//! `onnxruntime` wheel into `third_party/onnxruntime/`, and
//! `.cargo/config.toml` points `ORT_DYLIB_PATH` at it for cargo runs. A
//! missing library is a clear [`InferenceError`], never the panic `ort`
//! would give at the first session.
//!
//! Models are loaded once ([`Model::load`]), checked against the sha256 of
//! their model card, and shared: a session is behind a mutex because
//! `Session::run` needs `&mut`.
#![deny(missing_docs)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ndarray::{ArrayD, ArrayViewD};
use ort::environment::Environment;
use ort::session::Session;
use ort::value::TensorRef;
use sha2::{Digest, Sha256};

/// What can go wrong with inference.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InferenceError {
    /// The ONNX Runtime library is not where it should be.
    #[error(
        "ONNX Runtime library not found at {path}: run `bash scripts/setup.sh`, or set ORT_DYLIB_PATH to a libonnxruntime.so (1.24 or newer)"
    )]
    RuntimeMissing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The library is there but does not load.
    #[error("cannot load ONNX Runtime from {path}: {detail}")]
    RuntimeLoad {
        /// The library.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// A model file cannot be read.
    #[error("cannot read model {path}: {source}")]
    ModelRead {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A model file is not the one its card names.
    #[error(
        "model {path} has sha256 {got}, its model card says {expected}: the file is not the tested model"
    )]
    Checksum {
        /// The file.
        path: PathBuf,
        /// From the card.
        expected: String,
        /// Computed.
        got: String,
    },
    /// ONNX Runtime refused (bad model, bad input shape…).
    #[error("onnx runtime: {0}")]
    Runtime(String),
}

fn rt<E: std::fmt::Display>(e: E) -> InferenceError {
    InferenceError::Runtime(e.to_string())
}

/// Where the ONNX Runtime library is looked for: `ORT_DYLIB_PATH`, else
/// `third_party/onnxruntime/libonnxruntime.so` beside the executable's
/// ancestors (an installed or `target/` binary of this repository).
#[must_use]
pub fn runtime_library() -> PathBuf {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH") {
        return PathBuf::from(p);
    }
    let rel = Path::new("third_party/onnxruntime/libonnxruntime.so");
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1) {
            let candidate = dir.join(rel);
            if candidate.exists() {
                return candidate;
            }
        }
    }
    rel.to_path_buf()
}

/// The process-wide ONNX Runtime environment, loaded on first use.
///
/// # Errors
/// [`InferenceError::RuntimeMissing`] or [`InferenceError::RuntimeLoad`].
pub fn environment() -> Result<&'static Environment, &'static InferenceError> {
    static ENV: OnceLock<Result<Environment, InferenceError>> = OnceLock::new();
    ENV.get_or_init(|| {
        let path = runtime_library();
        if !path.exists() {
            return Err(InferenceError::RuntimeMissing { path });
        }
        let builder = ort::init_from(&path).map_err(|e| InferenceError::RuntimeLoad {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        builder
            .with_name("docscreen")
            .build()
            .map_err(|e| InferenceError::RuntimeLoad {
                path,
                detail: e.to_string(),
            })
    })
    .as_ref()
}

/// The sha256 of a file, lower-case hex.
///
/// # Errors
/// [`InferenceError::ModelRead`] when the file cannot be read.
pub fn sha256_file(path: &Path) -> Result<String, InferenceError> {
    let mut f = std::fs::File::open(path).map_err(|source| InferenceError::ModelRead {
        path: path.to_owned(),
        source,
    })?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|source| InferenceError::ModelRead {
                path: path.to_owned(),
                source,
            })?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn builder(threads: usize) -> Result<ort::session::builder::SessionBuilder, InferenceError> {
    let env = environment().map_err(|e| InferenceError::Runtime(e.to_string()))?;
    Session::builder(env)
        .map_err(rt)?
        .with_intra_threads(threads.max(1))
        .map_err(rt)
}

/// The sha256 of bytes, lower-case hex.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        use std::fmt::Write;
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A loaded model, shareable across threads.
#[derive(Debug)]
pub struct Model {
    /// The file's sha256.
    pub sha256: String,
    /// Input names, in order.
    pub inputs: Vec<String>,
    /// Output names, in order.
    pub outputs: Vec<String>,
    sessions: Vec<Mutex<Session>>,
}

impl Model {
    /// Loads `path`, checking its sha256 when `expected_sha256` is given;
    /// `threads` is ONNX Runtime's intra-op thread count (1 when the caller
    /// parallelises across scans).
    ///
    /// # Errors
    /// A missing runtime, an unreadable or mismatching file, a model ONNX
    /// Runtime refuses.
    pub fn load(
        path: &Path,
        expected_sha256: Option<&str>,
        threads: usize,
    ) -> Result<Self, InferenceError> {
        let sha256 = sha256_file(path)?;
        if let Some(expected) = expected_sha256
            && !expected.eq_ignore_ascii_case(&sha256)
        {
            return Err(InferenceError::Checksum {
                path: path.to_owned(),
                expected: expected.to_owned(),
                got: sha256,
            });
        }
        let session = builder(threads)?.commit_from_file(path).map_err(rt)?;
        Ok(Self::wrap(sha256, session))
    }

    /// Loads a model from memory (one embedded in the binary), checking its
    /// sha256 when `expected_sha256` is given.
    ///
    /// # Errors
    /// As [`Model::load`].
    pub fn from_bytes(
        bytes: &[u8],
        expected_sha256: Option<&str>,
        threads: usize,
    ) -> Result<Self, InferenceError> {
        let sha256 = sha256_hex(bytes);
        if let Some(expected) = expected_sha256
            && !expected.eq_ignore_ascii_case(&sha256)
        {
            return Err(InferenceError::Checksum {
                path: PathBuf::from("<embedded>"),
                expected: expected.to_owned(),
                got: sha256,
            });
        }
        let session = builder(threads)?.commit_from_memory(bytes).map_err(rt)?;
        Ok(Self::wrap(sha256, session))
    }

    /// Adds sessions from the same model bytes until there are `n`, so
    /// that `n` threads can run at once without waiting for each other
    /// (`Session::run` needs `&mut`).
    ///
    /// # Errors
    /// As [`Model::from_bytes`].
    pub fn with_sessions(
        mut self,
        bytes: &[u8],
        n: usize,
        threads: usize,
    ) -> Result<Self, InferenceError> {
        while self.sessions.len() < n {
            let session = builder(threads)?.commit_from_memory(bytes).map_err(rt)?;
            self.sessions.push(Mutex::new(session));
        }
        Ok(self)
    }

    fn wrap(sha256: String, session: Session) -> Self {
        let inputs = session
            .inputs()
            .iter()
            .map(|o| o.name().to_owned())
            .collect();
        let outputs = session
            .outputs()
            .iter()
            .map(|o| o.name().to_owned())
            .collect();
        Self {
            sha256,
            inputs,
            outputs,
            sessions: vec![Mutex::new(session)],
        }
    }

    /// Runs the model on one f32 tensor (its first input) and returns every
    /// output as f32.
    ///
    /// # Errors
    /// [`InferenceError::Runtime`] on a shape or type the model refuses.
    pub fn run(&self, input: ArrayViewD<'_, f32>) -> Result<Vec<ArrayD<f32>>, InferenceError> {
        let name = self
            .inputs
            .first()
            .ok_or_else(|| InferenceError::Runtime("the model has no input".into()))?;
        let tensor = TensorRef::from_array_view(input).map_err(rt)?;
        // A free session if there is one, else wait for the first.
        let mut session = match self.sessions.iter().find_map(|m| m.try_lock().ok()) {
            Some(s) => s,
            None => self.sessions[0]
                .lock()
                .map_err(|_| InferenceError::Runtime("a previous run panicked".into()))?,
        };
        let out = session
            .run(ort::inputs![name.as_str() => tensor])
            .map_err(rt)?;
        self.outputs
            .iter()
            .map(|o| {
                out[o.as_str()]
                    .try_extract_array::<f32>()
                    .map(|a| a.to_owned())
                    .map_err(rt)
            })
            .collect()
    }
}
