//! `df` output: `df -P -B1` (POSIX, one line per filesystem) or
//! `df --output=size,used,avail -B1`. Older `df` without `-P` wraps a long device
//! name onto its own line; both forms are read as one stream of words.
//!
//! A `df` that printed something else is an error naming what was wrong, never
//! a wrong number: inode columns (`df -i`, from an alias or a wrapper), the
//! size, used and available columns in another order, or numbers that are not
//! there. A header in another block size (`1024-blocks`: a `df` that ignored
//! `-B1`) is scaled to bytes. Headers in other languages are not checked.

use super::limit::quote;
use crate::facts::Usage;

/// Parse the usage of the one filesystem `df` was asked about.
///
/// With a capacity column (`19%`, or `-` when unknown) the three numbers right
/// before it are size, used and available; this holds however the device name
/// was wrapped or spaced. Without one (`--output`) the first three numbers count.
pub fn parse_df(text: &str) -> Result<Usage, String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().ok_or("df printed nothing")?;
    let first = header.split_whitespace().next().unwrap_or("");
    // `Filesystem ...` or `1B-blocks Used Avail`: anything but a number.
    let has_header = first.parse::<u64>().is_err();
    let mut words: Vec<&str> = Vec::new();
    let scale = if has_header {
        check_header(header)?
    } else {
        words.extend(header.split_whitespace());
        1
    };
    for l in lines {
        words.extend(l.split_whitespace());
    }
    let num = |w: &str| w.parse::<u64>().ok();
    let capacity_at = words.iter().enumerate().position(|(i, w)| {
        (*w == "-" || w.strip_suffix('%').is_some_and(|p| p.parse::<u8>().is_ok()))
            && i >= 3
            && words[i - 3..i].iter().all(|x| num(x).is_some())
    });
    let triple = match capacity_at {
        Some(i) => &words[i - 3..i],
        None => {
            let start = words
                .windows(3)
                .position(|w| w.iter().all(|x| num(x).is_some()))
                .ok_or_else(|| {
                    format!(
                        "unexpected output: no size, used and available numbers in {}",
                        quote(text, 200)
                    )
                })?;
            &words[start..start + 3]
        }
    };
    let mut bytes = [0u64; 3];
    for (out, w) in bytes.iter_mut().zip(triple) {
        *out = num(w)
            .and_then(|n| n.checked_mul(scale))
            .ok_or_else(|| format!("{w} blocks of {scale} bytes do not fit in 64 bits"))?;
    }
    let [total, used, avail] = bytes;
    Ok(Usage {
        total_bytes: total,
        used_bytes: used,
        avail_bytes: avail,
    })
}

/// Check an (English) header and return the block size its numbers are in.
fn check_header(header: &str) -> Result<u64, String> {
    let words: Vec<String> = header
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let has = |w: &str| words.iter().any(|x| x == w);
    if ["inodes", "iused", "ifree", "iuse%"].iter().any(|w| has(w)) {
        return Err(format!(
            "unexpected columns: inode counts, not bytes (header {})",
            quote(header, 120)
        ));
    }
    let size_at = words
        .iter()
        .position(|w| w.ends_with("-blocks") || w == "size");
    let used_at = words.iter().position(|w| w == "used");
    let avail_at = words.iter().position(|w| w == "avail" || w == "available");
    if let (Some(s), Some(u), Some(a)) = (size_at, used_at, avail_at)
        && !(s < u && u < a)
    {
        return Err(format!(
            "unexpected columns: size, used and available are not in that order (header {})",
            quote(header, 120)
        ));
    }
    match size_at.map(|i| words[i].as_str()) {
        Some(w) if w.ends_with("-blocks") => block_size(&w[..w.len() - "-blocks".len()])
            .ok_or_else(|| format!("unexpected block size {w:?} in the header")),
        _ => Ok(1),
    }
}

/// `1`, `1b`, `512`, `1024`, `1k`, `4k`, `1m`... (lower-cased) in bytes.
fn block_size(s: &str) -> Option<u64> {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = match &s[digits.len()..] {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        _ => return None,
    };
    digits.parse::<u64>().ok()?.checked_mul(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inode_columns_are_refused() {
        let e = parse_df(
            "Filesystem      Inodes  IUsed   IFree IUse% Mounted on\n/dev/vda 16777216 345678 16431538    3% /\n",
        )
        .expect_err("inodes");
        assert!(e.contains("inode counts"), "{e}");
    }

    #[test]
    fn columns_out_of_order_are_refused() {
        let e = parse_df(
            "Filesystem Available Used 1B-blocks Use% Mounted on\n/dev/vda 60 40 100 40% /\n",
        )
        .expect_err("order");
        assert!(e.contains("not in that order"), "{e}");
    }

    #[test]
    fn other_block_sizes_are_scaled_to_bytes() {
        let u = parse_df(
            "Filesystem     1024-blocks    Used Available Capacity Mounted on\n/dev/vda 1000 400 600 40% /\n",
        )
        .expect("1024-blocks");
        assert_eq!(
            (u.total_bytes, u.used_bytes, u.avail_bytes),
            (1_024_000, 409_600, 614_400)
        );
        assert_eq!(block_size("1k"), Some(1024));
        assert_eq!(block_size("512"), Some(512));
        assert_eq!(block_size("1b"), Some(1));
        assert_eq!(block_size("x"), None);
        let e = parse_df(&format!(
            "Filesystem 1k-blocks Used Available Use% Mounted on\nd {} 1 1 1% /\n",
            u64::MAX
        ))
        .expect_err("overflow");
        assert!(e.contains("64 bits"), "{e}");
    }

    #[test]
    fn human_sizes_and_missing_numbers_are_errors_with_a_short_quote() {
        let e = parse_df(
            "Filesystem      Size  Used Avail Use% Mounted on\n/dev/vda        252G   18G   74G  20% /\n",
        )
        .expect_err("human");
        assert!(
            e.starts_with("unexpected output: no size, used and available"),
            "{e}"
        );
        let long = format!("Filesystem x\n{}\n", "y".repeat(10_000));
        let e = parse_df(&long).expect_err("garbage");
        assert!(e.len() < 400, "{}", e.len());
    }
}
