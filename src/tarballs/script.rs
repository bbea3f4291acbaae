//! The tarball scripts, POSIX `sh` in the framed protocol of
//! [`crate::framing`]: every command that touches the share runs under `T`
//! (`timeout -k`), and every path or name enters a script only through
//! [`sh_quote`], as data.
//!
//! - [`listing`]: `now` (the node's clock), `dir` (the folder is a directory),
//!   `list` (one GNU `find -H DIR -mindepth 1 -maxdepth 1 -name '*.tar'`,
//!   never recursing and never following a symlink inside the folder; records
//!   `inode size mtime type name` NUL-terminated, then `rc=<find's exit>`, the
//!   whole stream hex-encoded by `od` so that any name bytes, newlines and
//!   non-UTF-8 included, survive the line-based frame), a 2 s pause, and
//!   `again` (`inode size mtime` per entry; the parser marks an entry as
//!   growing when its size or mtime changed, or its inode was not in `again`).
//! - [`visibility`]: on a Runner, `stat -c %s` of each file by exact path.
//! - [`prune`]: per planned file, the re-check and the `rm -f --`, one section each.
//!
//! Scripts are kept under [`SCRIPT_BUDGET`] bytes (the SSH transport quotes a
//! script twice and one `argv` string is limited to 128 KiB): long lists are
//! split into several scripts by [`batches`].

use std::fmt::Write as _;
use std::time::Duration;

use crate::shell::sh_quote;

pub use crate::probe::script::BEGIN_MARKER;

/// Cap of one section's stderr.
pub const ERR_CAP: usize = 4_096;
/// Cap of the hex listing: about 170 bytes per entry, so about 35 000 entries.
pub const LIST_CAP: usize = 6 * 1024 * 1024;
/// Cap of the second listing (about 40 bytes per entry).
pub const AGAIN_CAP: usize = 1536 * 1024;
/// Seconds between the two listings.
pub const GROWTH_PAUSE_SECS: u64 = 2;
/// Largest script text of one batch, in bytes.
pub const SCRIPT_BUDGET: usize = 16 * 1024;

fn head(kind: &str, step: Duration, vars: &[(&str, &str)]) -> String {
    let mut s = crate::framing::header(&format!("tarballs {kind}"), step, vars);
    // C locale: find's `*.tar` must match any bytes, and errno texts stay English.
    s.push_str("LC_ALL=C; export LC_ALL\numask 077\n");
    s.push_str(&crate::framing::prelude(ERR_CAP));
    s
}

const LISTING: &str = r#"
step now @ERR_CAP@ date +%s
share dir @ERR_CAP@ stat -L -c %F -- "$D"
case "$R:$o" in
  ok:directory)
    share list @LIST_CAP@ sh -c '
      (find -H "$1" -mindepth 1 -maxdepth 1 -name "*.tar" -printf "%i %s %T@ %y %f\0"; printf "\0rc=%s\0" "$?") |
        od -An -v -tx1 | tr -d " "' rivershare-list "$D"
    if [ "$R" = ok ]; then
      sleep @PAUSE@
      share again @AGAIN_CAP@ find -H "$D" -mindepth 1 -maxdepth 1 -name "*.tar" -printf "%i %s %T@\n"
    fi
    ;;
  ok:*) printf '@@rivershare list skip not-dir\n' ;;
  *) printf '@@rivershare list skip no-dir\n' ;;
esac
printf '@@rivershare end\n'
"#;

/// The listing script for the tarball folder `dir`.
pub fn listing(dir: &str, step: Duration) -> String {
    if dir.contains('\0') {
        return crate::framing::refusal("the tarball folder");
    }
    let mut s = head("listing", step, &[("D", dir)]);
    s.push_str(
        &LISTING
            .replace("@ERR_CAP@", &ERR_CAP.to_string())
            .replace("@LIST_CAP@", &LIST_CAP.to_string())
            .replace("@AGAIN_CAP@", &AGAIN_CAP.to_string())
            .replace("@PAUSE@", &GROWTH_PAUSE_SECS.to_string()),
    );
    s
}

/// Split `items` (with the script text each adds) into runs that keep a script
/// under [`SCRIPT_BUDGET`]; each run is `(first index, items)`. Never empty runs.
pub fn batches<T>(items: &[T], cost: impl Fn(&T) -> usize) -> Vec<(usize, &[T])> {
    let mut out = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        let c = cost(item);
        if i > start && used + c > SCRIPT_BUDGET {
            out.push((start, &items[start..i]));
            start = i;
            used = 0;
        }
        used += c;
    }
    if start < items.len() {
        out.push((start, &items[start..]));
    }
    out
}

/// The visibility script: section `<first + k>` is `stat -c %s` of
/// `dir/files[k]`. A hung `stat` makes the rest `skip hung`.
pub fn visibility(dir: &str, first: usize, files: &[String], step: Duration) -> String {
    if dir.contains('\0') || files.iter().any(|f| f.contains('\0')) {
        return crate::framing::refusal("a tarball path");
    }
    let mut s = head("visibility", step, &[("V", dir)]);
    s.push_str("set --");
    for f in files {
        s.push(' ');
        s.push_str(&sh_quote(f));
    }
    let _ = write!(
        s,
        "\ni={first}\nfor f do\n  share \"$i\" {ERR_CAP} stat -c %s -- \"$V/$f\"\n  i=$((i + 1))\ndone\nprintf '@@rivershare end\\n'\n"
    );
    s
}

/// One file to delete, with what the re-check expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneItem {
    pub file: String,
    pub inode: u64,
    pub size: u64,
    pub mtime: i64,
    /// `{name}` of `{name}-{digits}.tar`.
    pub name: String,
    /// The timestamp digits exactly as in `file`.
    pub digits: String,
    /// The newer version that must still be there, and its inode and digits.
    pub newer: String,
    pub newer_inode: u64,
    pub newer_digits: String,
}

/// The re-check-then-delete of one file, as `sh -c` text. Prints `deleted` or
/// `skipped <reason>`; a failed `rm` exits non-zero with its error on stderr.
const CHECK: &str = r#"
d=$1 f=$2 ino=$3 size=$4 mt=$5 nm=$6 ts=$7 nf=$8 nino=$9; shift 9; nts=$1
skip() { printf 'skipped %s\n' "$*"; exit 0; }
case $f in ''|.|..|*/*) skip not a plain file name ;; esac
case $nf in ''|.|..|*/*) skip the newer version has no plain file name ;; esac
[ "$f" != "$nf" ] || skip the newer version is the file itself
case $ts in ''|*[!0-9]*) skip bad timestamp ;; esac
case $nts in ''|*[!0-9]*) skip bad timestamp of the newer version ;; esac
case $f in "$nm-$ts.tar") ;; *) skip the name does not match ;; esac
case $nf in "$nm-$nts.tar") ;; *) skip the newer name does not match ;; esac
[ "$nts" -gt "$ts" ] 2>/dev/null || skip the newer version is not newer
p=$d/$f
q=$d/$nf
[ ! -L "$p" ] || skip now a symlink
if [ ! -f "$p" ]; then
  [ -e "$p" ] && skip no longer a regular file
  skip gone
fi
s=$(stat -c '%i %s %Y' -- "$p") || skip cannot stat
[ "$s" = "$ino $size $mt" ] || skip changed: inode size mtime now $s, listed $ino $size $mt
[ ! -L "$q" ] || skip the newer version is now a symlink
[ -f "$q" ] || skip the newer version "$nf" is gone
n=$(stat -c %i -- "$q") || skip cannot stat the newer version
[ "$n" = "$nino" ] || skip the newer version "$nf" was replaced
rm -f -- "$p" || exit 3
if [ -e "$p" ] || [ -L "$p" ]; then echo 'still there after rm' >&2; exit 4; fi
echo deleted
"#;

/// Text one item adds to a prune script (for [`batches`]).
pub fn prune_cost(item: &PruneItem) -> usize {
    96 + 2 * (item.file.len() + item.newer.len() + item.name.len())
}

/// The prune script for `items` in `dir`: section `<first + k>` re-checks and
/// deletes `items[k]`.
pub fn prune(dir: &str, first: usize, items: &[PruneItem], step: Duration) -> String {
    let values = items
        .iter()
        .flat_map(|i| [&i.file, &i.name, &i.newer, &i.digits, &i.newer_digits]);
    if dir.contains('\0') || values.into_iter().any(|v| v.contains('\0')) {
        return crate::framing::refusal("a tarball name");
    }
    let mut s = head("prune", step, &[("D", dir), ("C", CHECK)]);
    s.push_str("p() { i=$1; shift; share \"$i\" @ERR_CAP@ sh -c \"$C\" rivershare-prune \"$D\" \"$@\"; }\n"
        .replace("@ERR_CAP@", &ERR_CAP.to_string())
        .as_str());
    for (k, it) in items.iter().enumerate() {
        let _ = writeln!(
            s,
            "p {} {} {} {} {} {} {} {} {} {}",
            first + k,
            sh_quote(&it.file),
            it.inode,
            it.size,
            it.mtime,
            sh_quote(&it.name),
            sh_quote(&it.digits),
            sh_quote(&it.newer),
            it.newer_inode,
            sh_quote(&it.newer_digits),
        );
    }
    s.push_str("printf '@@rivershare end\\n'\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_respect_the_budget_and_cover_everything() {
        let items: Vec<usize> = vec![5000; 10];
        let b = batches(&items, |c| *c);
        assert_eq!(
            b.iter().map(|(f, s)| (*f, s.len())).collect::<Vec<_>>(),
            [(0, 3), (3, 3), (6, 3), (9, 1)]
        );
        assert!(batches::<usize>(&[], |c| *c).is_empty());
        // One item above the budget still gets its own batch.
        assert_eq!(batches(&[99_999usize], |c| *c).len(), 1);
    }

    /// A full batch stays well under one `argv` string (128 KiB) even after the
    /// SSH transport's double quoting (`sh -c '<inner>'` holding the script twice).
    #[test]
    fn a_full_prune_batch_fits_one_ssh_command() {
        let name = "it's-a-long-environment-name-with-quotes-'-and-more";
        let items: Vec<PruneItem> = (0..2000u64)
            .map(|i| PruneItem {
                file: format!("{name}-{}.tar", 1_700_000_000 + i),
                inode: u64::MAX,
                size: u64::MAX,
                mtime: i64::MIN,
                name: name.into(),
                digits: format!("{}", 1_700_000_000 + i),
                newer: format!("{name}-1800000000.tar"),
                newer_inode: u64::MAX,
                newer_digits: "1800000000".into(),
            })
            .collect();
        let all = batches(&items, prune_cost);
        assert!(all.len() > 1);
        assert_eq!(all.iter().map(|(_, b)| b.len()).sum::<usize>(), items.len());
        for (first, batch) in all {
            let text = prune(
                "/mnt/cluster-share/kohakuriver-containers",
                first,
                batch,
                Duration::from_secs(3),
            );
            let quoted = sh_quote(&text);
            let inner =
                format!("if x; then exec timeout -k 1 9 sh -c {quoted}; fi; exec sh -c {quoted}");
            let command = format!("sh -c {}", sh_quote(&inner));
            assert!(
                inner.len() < 120 * 1024 && command.len() < 120 * 1024,
                "{} {}",
                inner.len(),
                command.len()
            );
        }
        let files: Vec<String> = items.iter().map(|i| i.file.clone()).collect();
        for (first, batch) in batches(&files, |f| f.len() + 3) {
            let text = visibility(
                "/mnt/cluster-share/kohakuriver-containers",
                first,
                batch,
                Duration::from_secs(3),
            );
            let inner = 2 * sh_quote(&text).len();
            assert!(inner < 120 * 1024, "{inner}");
        }
    }

    #[test]
    fn names_enter_quoted_once() {
        let dir = "/mnt/it's $(touch /tmp/x)";
        let s = listing(dir, Duration::from_secs(3));
        assert_eq!(s.matches(&sh_quote(dir)).count(), 1);
        assert!(!s.contains("_CAP@"));
        let v = visibility(
            dir,
            4,
            &["a'b-1732570234.tar".into()],
            Duration::from_secs(1),
        );
        assert!(v.contains(&sh_quote("a'b-1732570234.tar")));
        assert!(v.contains("\ni=4\n"));
        assert!(listing("/a\0b", Duration::from_secs(1)).contains("input err 2"));
    }
}
