//! `df` output: `df -P -B1` (POSIX, one line per filesystem) or
//! `df --output=size,used,avail -B1`. Older `df` without `-P` wraps a long device
//! name onto its own line; both forms are read as one stream of words.

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
    if !has_header {
        words.extend(header.split_whitespace());
    }
    for l in lines {
        words.extend(l.split_whitespace());
    }
    let num = |w: &str| w.parse::<u64>().ok();
    let capacity_at = words.iter().enumerate().position(|(i, w)| {
        (*w == "-" || (w.ends_with('%') && w[..w.len() - 1].parse::<u8>().is_ok()))
            && i >= 3
            && words[i - 3..i].iter().all(|x| num(x).is_some())
    });
    let triple = match capacity_at {
        Some(i) => &words[i - 3..i],
        None => {
            let start = words
                .windows(3)
                .position(|w| w.iter().all(|x| num(x).is_some()))
                .ok_or_else(|| format!("no size/used/available numbers in df output {text:?}"))?;
            &words[start..start + 3]
        }
    };
    let [total, used, avail] =
        [triple[0], triple[1], triple[2]].map(|w| num(w).unwrap_or_default());
    Ok(Usage {
        total_bytes: total,
        used_bytes: used,
        avail_bytes: avail,
    })
}
