//! What fills the demo's share, so the console's disk-usage view has real
//! content: task logs piling up in `logs/<task_id>/` (KohakuRiver never deletes
//! them), oldest months back, and a few folders in `shared_data/`. The bytes
//! are real (not sparse, unlike the tarballs), so `du` counts them.

use std::path::Path;
use std::time::{Duration, SystemTime};

use super::DemoError;
use super::seed::{mkdir, set_mtime, write};

const KIB: usize = 1 << 10;

/// The task folders in `logs/`: (task id, days ago, stdout bytes, stderr bytes).
/// Task ids are KohakuRiver's snowflake ids.
pub const TASKS: [(&str, u64, usize, usize); 8] = [
    ("7346019283746521088", 120, 96 * KIB, 4 * KIB),
    ("7346020118473654272", 75, 640 * KIB, 12 * KIB),
    ("7346021907361832960", 40, 32 * KIB, 0),
    ("7346023381206474752", 21, 1024 * KIB, 220 * KIB),
    ("7346024512978092032", 9, 8 * KIB, 2 * KIB),
    ("7346025009871273984", 3, 256 * KIB, 1500),
    ("7346025876213948416", 1, 64 * KIB, 48 * KIB),
    ("7346026100927725568", 0, 12 * KIB, 0),
];

/// The folders of `shared_data/` (besides its README): (name, file, bytes).
pub const SHARED: [(&str, &str, usize); 2] = [
    ("datasets", "train-000.jsonl", 1536 * KIB),
    ("checkpoints", "step-1000.pt", 512 * KIB),
];

/// `len` bytes of log-like text: lines numbered so no two are the same.
fn text(what: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut n = 0u64;
    while out.len() < len {
        out.extend_from_slice(format!("{what} line {n}: step done, loss 0.{n:04}\n").as_bytes());
        n += 1;
    }
    out.truncate(len);
    out
}

/// Fill `storage` (the demo's SHARED_DIR, with its layout already there).
pub fn fill(storage: &Path, now: SystemTime) -> Result<(), DemoError> {
    let logs = storage.join("logs");
    for (id, days, out, err) in TASKS {
        let dir = logs.join(id);
        mkdir(&dir)?;
        let at = now - Duration::from_secs(days * 86_400);
        for (file, len) in [("stdout.log", out), ("stderr.log", err)] {
            let path = dir.join(file);
            write(&path, &text(file, len))?;
            set_mtime(&path, at)?;
        }
        // Last: writing the files moved the folder's mtime to now.
        set_mtime(&dir, at)?;
    }
    for (folder, file, len) in SHARED {
        let dir = storage.join("shared_data").join(folder);
        mkdir(&dir)?;
        write(&dir.join(file), &text(folder, len))?;
    }
    Ok(())
}
