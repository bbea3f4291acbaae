//! The seeded tarball folder of the cluster trials (see e2e_tarballs.rs): what is
//! put on the storage node, how its state is read back, and the clean-up.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use libtest_mimic::Failed;

use crate::ensure;
use crate::support::Cluster;

/// The folder on the storage node, and as the Host sees it.
pub const STORAGE_DIR: &str = "/export/kohakuriver-containers";
pub const HOST_DIR: &str = "/mnt/cluster-share/kohakuriver-containers";
/// The file the `.tar` symlink points at: outside the tarball folder.
pub const IMPORTANT: &str = "/export/important.txt";
/// The nodes of the trial config: the Host and two healthy Runners (runner-02 at
/// another path), plus runner-local, whose SHARED_DIR is a local folder that
/// holds none of the tarballs.
pub const NODES: &[&str] = &["host", "runner-01", "runner-02", "runner-local"];

/// (file, status) of every seeded `.tar` whose name is fixed. The growing file
/// (named after the seeding time) and the non-UTF-8 one are checked apart.
pub const EXPECTED: &[(&str, &str)] = &[
    ("alpha-1700000000.tar", "superseded"),
    ("alpha-1700000100.tar", "superseded"),
    ("alpha-1700000200.tar", "latest"),
    ("beta-1700000000.tar", "superseded"),
    ("beta-1700000300.tar", "latest"),
    ("gamma-1700000000.tar", "latest"),
    ("growing-1690000000.tar", "superseded"),
    ("growing-1700000000.tar", "last_good"),
    ("delta.tar", "legacy"),
    ("link-1700000400.tar", "symlink"),
    ("MyEnv-1700000000.tar", "superseded"),
    ("MyEnv-1700000100.tar", "latest"),
];

/// Every entry the folder holds after seeding: the above, the growing file, the
/// non-UTF-8 `.tar` and one non-tar file.
pub const ENTRIES: usize = EXPECTED.len() + 3;

pub fn superseded() -> Vec<&'static str> {
    EXPECTED
        .iter()
        .filter(|(_, s)| *s == "superseded")
        .map(|(f, _)| *f)
        .collect()
}

/// The seeded folder; dropping it stops the writer and empties the folder.
pub struct Seeded<'a> {
    c: &'a Cluster,
    /// `growing-<seeding time>.tar`, still being appended to for ~20 s.
    pub growing: String,
}

impl<'a> Seeded<'a> {
    pub fn new(c: &'a Cluster) -> Result<Self, Failed> {
        // Whatever a crashed earlier run left behind goes first.
        clean(c)?;
        let script = format!(
            r#"set -e
d={STORAGE_DIR}
cd "$d"
printf 'do not delete me\n' > {IMPORTANT}
mk() {{ head -c "$2" /dev/urandom > "$1"; touch -d "@$3" "$1"; }}
mk alpha-1700000000.tar 3000 1700000000
mk alpha-1700000100.tar 3100 1700000100
mk alpha-1700000200.tar 3200 1700000200
mk beta-1700000000.tar 2000 1700000000
mk beta-1700000300.tar 2300 1700000300
mk gamma-1700000000.tar 1000 1700000000
mk growing-1690000000.tar 1690 1690000000
mk growing-1700000000.tar 1700 1700000000
mk delta.tar 400 1600000000
mk MyEnv-1700000000.tar 500 1700000000
mk MyEnv-1700000100.tar 510 1700000100
mk "$(printf 'bad\377name.tar')" 77 1700000000
mk notes.txt 12 1700000000
ln -s {IMPORTANT} link-1700000400.tar
now=$(date +%s)
g="growing-$now.tar"
: > "$g"
# KohakuRiver writes straight to the final name: append for ~20 s.
nohup sh -c 'i=0; while [ $i -lt 100 ]; do printf x >> "$1"; sleep 0.2; i=$((i+1)); done' sh "$d/$g" \
    </dev/null >/dev/null 2>&1 &
echo $! > /tmp/rvs-tarball-writer.pid
echo "$g"
"#
        );
        let growing = c.ssh_ok("storage", &script)?.trim().to_owned();
        let seeded = Seeded { c, growing };
        ensure(seeded.growing.starts_with("growing-"), || {
            format!(
                "seeding did not name the growing file: {:?}",
                seeded.growing
            )
        })?;
        // sshfs caches directory listings: wait until the Host sees every entry.
        wait_for_host_count(c, ENTRIES)?;
        Ok(seeded)
    }

    /// Every entry of the folder on the storage node: hex name -> `F sha256`,
    /// `L target`, or `G` (the growing file, whose content is changing).
    pub fn state(&self) -> Result<BTreeMap<String, String>, Failed> {
        let script = format!(
            r#"cd {STORAGE_DIR} || exit 1
for f in * .[!.]*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  h=$(printf '%s' "$f" | od -An -tx1 | tr -d ' \n')
  if [ "$f" = {growing} ]; then echo "$h G"
  elif [ -L "$f" ]; then echo "$h L $(readlink "$f")"
  else echo "$h F $(sha256sum < "$f" | cut -d' ' -f1)"; fi
done
echo "important F $(sha256sum < {IMPORTANT} | cut -d' ' -f1)"
"#,
            growing = self.growing
        );
        let out = self.c.ssh_ok("storage", &script)?;
        Ok(out
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect())
    }
}

impl Drop for Seeded<'_> {
    fn drop(&mut self) {
        if let Err(e) = clean(self.c) {
            eprintln!("tarball trial clean-up: {}", e.message().unwrap_or(""));
        }
    }
}

/// Stop the writer (by its pid) and empty the folder (keeping the folder itself,
/// which the layout check expects), then wait until the Host sees it empty.
pub fn clean(c: &Cluster) -> Result<(), Failed> {
    c.ssh_ok(
        "storage",
        &format!(
            "if [ -f /tmp/rvs-tarball-writer.pid ]; then kill \"$(cat /tmp/rvs-tarball-writer.pid)\" 2>/dev/null; \
             rm -f /tmp/rvs-tarball-writer.pid; fi; \
             find {STORAGE_DIR} -mindepth 1 -delete && rm -f {IMPORTANT}"
        ),
    )?;
    wait_for_host_count(c, 0)
}

pub fn hex(name: &str) -> String {
    name.bytes().map(|b| format!("{b:02x}")).collect()
}

pub fn wait_for_host_count(c: &Cluster, want: usize) -> Result<(), Failed> {
    let start = Instant::now();
    loop {
        let out = c.ssh_ok("host", &format!("ls -A {HOST_DIR} | wc -l"))?;
        if out.trim().parse::<usize>().ok() == Some(want) {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(40) {
            return Err(Failed::from(format!(
                "host still sees {} entries in {HOST_DIR} after 40 s, expected {want}",
                out.trim()
            )));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// sshfs caches attributes: wait until the Host sees the replaced file's new size.
pub fn wait_for_host_size(c: &Cluster, file: &str, size: u64) -> Result<(), Failed> {
    let start = Instant::now();
    loop {
        let out = c.ssh_ok("host", &format!("stat -c %s {HOST_DIR}/{file}"))?;
        if out.trim().parse::<u64>().ok() == Some(size) {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(40) {
            return Err(Failed::from(format!(
                "host still sees {file} at {} bytes after 40 s, expected {size}",
                out.trim()
            )));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}
