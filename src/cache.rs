//! A cache of the taxonomy's embedded texts, so that building a classifier
//! does not embed the same 1,000–2,000 descriptions, exemplars and background
//! sentences again on every start.
//!
//! One file per (encoder, model files, texts) under `<models>/vector-cache/`:
//! a header, the vectors as little-endian `f32`, and a SHA-256 of all that. A
//! file whose key, sizes or checksum do not match is stale or corrupt and is
//! rebuilt; a cache that cannot be written (a read-only directory) is skipped,
//! never an error: the cache only saves time.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use sha2::{Digest, Sha256};

/// Sub-directory of the model directory holding the cache.
pub(crate) const CACHE_DIR: &str = "vector-cache";
const MAGIC: &[u8; 8] = b"FLVEC001";

/// Identifies what the vectors depend on: the encoder, its model files (path,
/// size, modification time) and every text in order.
pub(crate) fn key(encoder: &str, model_files: &[PathBuf], texts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(encoder.as_bytes());
    h.update([0]);
    for file in model_files {
        h.update(file.to_string_lossy().as_bytes());
        if let Ok(meta) = std::fs::metadata(file) {
            h.update(meta.len().to_le_bytes());
            let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            h.update(mtime.map_or(0, |d| d.as_nanos()).to_le_bytes());
        }
        h.update([0]);
    }
    h.update((texts.len() as u64).to_le_bytes());
    for t in texts {
        h.update((t.len() as u64).to_le_bytes());
        h.update(t.as_bytes());
    }
    hex(&h.finalize())
}

/// Lower-case hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn path(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("{key}.bin"))
}

/// The cached vectors `[rows, dim]` for `key`, if a sound file holds them.
pub(crate) fn load(dir: &Path, key: &str, rows: usize, dim: usize) -> Option<Array2<f32>> {
    let bytes = std::fs::read(path(dir, key)).ok()?;
    let header = MAGIC.len() + 64 + 16;
    let payload = rows.checked_mul(dim)?.checked_mul(4)?;
    if bytes.len() != header + payload + 32 || &bytes[..MAGIC.len()] != MAGIC {
        return None;
    }
    let (body, checksum) = bytes.split_at(header + payload);
    if Sha256::digest(body).as_slice() != checksum || &body[MAGIC.len()..MAGIC.len() + 64] != key.as_bytes() {
        return None;
    }
    let sizes = &body[MAGIC.len() + 64..header];
    let stored_rows = u64::from_le_bytes(sizes[..8].try_into().ok()?);
    let stored_dim = u64::from_le_bytes(sizes[8..].try_into().ok()?);
    if stored_rows != rows as u64 || stored_dim != dim as u64 {
        return None;
    }
    let values: Vec<f32> =
        body[header..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    Array2::from_shape_vec((rows, dim), values).ok()
}

/// Store `vectors` for `key`; written to a temporary file and renamed, so a
/// reader never sees half a file. Errors are ignored (see the module docs).
pub(crate) fn store(dir: &Path, key: &str, vectors: &Array2<f32>) {
    // Unique per process and call: two builds racing for the same key each
    // write their own file, and the last rename wins whole.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!("{key}.tmp-{}-{n}", std::process::id()));
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut body = Vec::with_capacity(MAGIC.len() + 80 + vectors.len() * 4);
        body.extend_from_slice(MAGIC);
        body.extend_from_slice(key.as_bytes());
        body.extend_from_slice(&(vectors.nrows() as u64).to_le_bytes());
        body.extend_from_slice(&(vectors.ncols() as u64).to_le_bytes());
        for v in vectors.iter() {
            body.extend_from_slice(&v.to_le_bytes());
        }
        let checksum = Sha256::digest(&body);
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&body)?;
        file.write_all(&checksum)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path(dir, key))
    };
    if write().is_err() {
        // Leave no partial file behind.
        let _ = std::fs::remove_file(&tmp);
    }
}
