//! Folding node names the way clush and pdsh do: `runner-01 runner-02 runner-03`
//! becomes `runner-[01-03]`.

use std::collections::BTreeMap;

/// Fold names into a compact, sorted nodeset string.
pub fn fold(names: &[&str]) -> String {
    // (prefix, digit width) -> numbers; names without a numeric suffix stand alone.
    let mut numbered: BTreeMap<(&str, usize), Vec<u64>> = BTreeMap::new();
    let mut plain: Vec<&str> = Vec::new();
    for name in names {
        let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (prefix, number) = name.split_at(name.len() - digits);
        // Only a leading zero makes padding part of the name's shape.
        let width = if number.len() > 1 && number.starts_with('0') {
            digits
        } else {
            0
        };
        match number.parse::<u64>() {
            Ok(n) if digits > 0 => numbered.entry((prefix, width)).or_default().push(n),
            _ => plain.push(name),
        }
    }
    merge_unpadded_into_padded(&mut numbered);
    let mut parts: Vec<String> = plain.iter().map(|s| (*s).to_owned()).collect();
    for ((prefix, width), mut numbers) in numbered {
        numbers.sort_unstable();
        numbers.dedup();
        if numbers.len() == 1 {
            parts.push(format!("{prefix}{:0width$}", numbers[0]));
            continue;
        }
        let ranges: Vec<String> = runs(&numbers)
            .into_iter()
            .map(|(lo, hi)| {
                if lo == hi {
                    format!("{lo:0width$}")
                } else {
                    format!("{lo:0width$}-{hi:0width$}")
                }
            })
            .collect();
        parts.push(format!("{prefix}[{}]", ranges.join(",")));
    }
    parts.sort();
    parts.join(",")
}

/// `runner-09` and `runner-10` belong together: an unpadded number that is as wide
/// as the padding of the only padded set with that prefix joins it.
fn merge_unpadded_into_padded(numbered: &mut BTreeMap<(&str, usize), Vec<u64>>) {
    let unpadded: Vec<&str> = numbered
        .keys()
        .filter(|(_, w)| *w == 0)
        .map(|(p, _)| *p)
        .collect();
    for prefix in unpadded {
        let padded: Vec<usize> = numbered
            .keys()
            .filter(|(p, w)| *p == prefix && *w > 0)
            .map(|(_, w)| *w)
            .collect();
        let [width] = padded[..] else { continue };
        let fits = |n: &u64| n.to_string().len() >= width;
        if numbered
            .get(&(prefix, 0))
            .is_some_and(|ns| ns.iter().all(fits))
        {
            let moved = numbered.remove(&(prefix, 0)).unwrap_or_default();
            numbered.entry((prefix, width)).or_default().extend(moved);
        }
    }
}

fn runs(sorted: &[u64]) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for &n in sorted {
        match out.last_mut() {
            Some((_, hi)) if *hi + 1 == n => *hi = n,
            _ => out.push((n, n)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_runs_and_keeps_padding() {
        assert_eq!(
            fold(&["runner-01", "runner-02", "runner-03", "runner-05"]),
            "runner-[01-03,05]"
        );
        assert_eq!(
            fold(&["runner08", "runner01", "runner02"]),
            "runner[01-02,08]"
        );
        assert_eq!(fold(&["host"]), "host");
        assert_eq!(fold(&["node1", "node10", "node2"]), "node[1-2,10]");
        assert_eq!(
            fold(&["host", "runner-01", "runner-ro"]),
            "host,runner-01,runner-ro"
        );
        assert_eq!(fold(&["a1", "a01"]), "a01,a1");
        assert_eq!(
            fold(&["runner-09", "runner-10", "runner-08"]),
            "runner-[08-10]"
        );
        assert_eq!(fold(&["n0", "n1"]), "n[0-1]");
    }
}
