//! The demo's files: the shared storage with its layout and tarball zoo, one
//! folder per node, and the config that ties them together.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::DemoError;

/// The shared storage, relative to the demo folder.
pub const STORAGE: &str = "storage";
/// KohakuRiver's folders below SHARED_DIR, with the security guide's modes
/// (`shared_data/` is every task's `/shared`, hence world-writable and sticky).
const LAYOUT: [(&str, u32); 3] = [
    ("kohakuriver-containers", 0o755),
    ("shared_data", 0o1777),
    ("logs", 0o755),
];

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;
const DAY: u64 = 86_400;

pub struct Seeded {
    pub config_text: String,
    pub notes: Vec<String>,
    pub locked: Vec<PathBuf>,
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> DemoError {
    let path = path.to_path_buf();
    move |source| DemoError::Io { what, path, source }
}

pub fn write(path: &Path, bytes: &[u8]) -> Result<(), DemoError> {
    std::fs::write(path, bytes).map_err(io("cannot write", path))
}

pub(super) fn mkdir(path: &Path) -> Result<(), DemoError> {
    std::fs::create_dir_all(path).map_err(io("cannot create", path))
}

/// Set the modification time of a file or folder.
pub(super) fn set_mtime(path: &Path, at: SystemTime) -> Result<(), DemoError> {
    std::fs::File::open(path)
        .and_then(|f| f.set_modified(at))
        .map_err(io("cannot set the mtime of", path))
}

fn symlink(target: &Path, link: &Path) -> Result<(), DemoError> {
    std::os::unix::fs::symlink(target, link).map_err(io("cannot create the symlink", link))
}

fn layout(dir: &Path) -> Result<(), DemoError> {
    use std::os::unix::fs::PermissionsExt as _;
    LAYOUT.iter().try_for_each(|(sub, mode)| {
        let path = dir.join(sub);
        mkdir(&path)?;
        // Set explicitly: the umask would otherwise decide.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(*mode))
            .map_err(io("cannot set the mode of", &path))
    })
}

/// A tarball of `size` bytes (sparse: it costs no disk) last written at `mtime`.
fn tarball(dir: &Path, file: &str, size: u64, mtime: SystemTime) -> Result<(), DemoError> {
    let path = dir.join(file);
    let f = std::fs::File::create(&path).map_err(io("cannot create", &path))?;
    f.set_len(size).map_err(io("cannot size", &path))?;
    f.set_modified(mtime)
        .map_err(io("cannot set the mtime of", &path))
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The tarball folder's zoo: several versions of a name, an in-progress
/// version (mtime now), a legacy `name.tar`, a symlink, an upper-case name.
/// Names carry 10-digit unix timestamps a few days back from `now`.
fn zoo(dir: &Path, now: SystemTime) -> Result<(), DemoError> {
    let ago = |days: u64| now - Duration::from_secs(days * DAY);
    let ts = |days: u64| unix(ago(days));
    let versions: [(&str, &[(u64, u64)]); 3] = [
        // (name, [(days ago, size)]): the newest last.
        (
            "pytorch-cuda12",
            &[
                (41, 7 * GIB + 300 * MIB),
                (20, 7 * GIB + 800 * MIB),
                (3, 8 * GIB),
            ],
        ),
        ("base-ubuntu", &[(30, 900 * MIB), (2, 950 * MIB)]),
        ("vllm-serve", &[(12, 11 * GIB), (1, 11 * GIB + 200 * MIB)]),
    ];
    for (name, list) in versions {
        for &(days, size) in list {
            tarball(dir, &format!("{name}-{}.tar", ts(days)), size, ago(days))?;
        }
    }
    // Being written right now: KohakuRiver writes straight to the final name,
    // so the newest version is young and its predecessor is the last good one.
    tarball(dir, &format!("train-env-{}.tar", ts(9)), 5 * GIB, ago(9))?;
    tarball(
        dir,
        &format!("train-env-{}.tar", ts(4)),
        5 * GIB + 100 * MIB,
        ago(4),
    )?;
    tarball(dir, &format!("train-env-{}.tar", unix(now)), 2 * GIB, now)?;
    // A file from before timestamped names.
    tarball(dir, "legacy-tools.tar", 600 * MIB, ago(200))?;
    // Upper case: Runners look names up in lower case and never find these.
    tarball(dir, &format!("MyModel-{}.tar", ts(15)), 3 * GIB, ago(15))?;
    tarball(
        dir,
        &format!("MyModel-{}.tar", ts(6)),
        3 * GIB + 50 * MIB,
        ago(6),
    )?;
    // A symlink with a version's name: never pruned, whatever it points at.
    let target = format!("base-ubuntu-{}.tar", ts(2));
    symlink(
        Path::new(&target),
        &dir.join(format!("base-ubuntu-{}.tar", ts(60))),
    )
}

fn node(text: &mut String, name: &str, role: &str, dir: &Path) {
    text.push_str(&format!(
        "\n[[nodes]]\nname = {name:?}\nrole = {role:?}\ntransport = \"local\"\nshared_dir = {:?}\n",
        dir.display().to_string()
    ));
}

/// Lay out the demo in `root` and return its config text. `root_user`: file
/// modes do not stop root, so the permission-denied node is left out.
pub fn seed(root: &Path, root_user: bool, now: SystemTime) -> Result<Seeded, DemoError> {
    let storage = root.join(STORAGE);
    layout(&storage)?;
    zoo(&storage.join("kohakuriver-containers"), now)?;
    write(&storage.join("shared_data/README"), b"shared datasets\n")?;
    super::share::fill(&storage, now)?;

    let nodes = root.join("nodes");
    let mut text = String::from(
        "# The rivershare demo cluster: every node is a local folder.\n\
         min_free_gib = 0\n\
         command_timeout_secs = 8\n\
         verify_deadline_secs = 2\n",
    );
    node(&mut text, "host", "host", &storage);
    // Same storage, other paths: what NFS mounted at different places looks like.
    for (name, sub) in [
        ("runner-01", "mnt/cluster"),
        ("runner-02", "data/kohakuriver"),
    ] {
        let link = nodes.join(name).join(sub);
        mkdir(link.parent().unwrap_or(&nodes))?;
        symlink(&storage, &link)?;
        node(&mut text, name, "runner", &link);
    }
    // A node whose SHARED_DIR is its own local folder: it never sees the others' writes.
    let lonely = nodes.join("runner-03/mnt/shared");
    layout(&lonely)?;
    node(&mut text, "runner-03", "runner", &lonely);
    // SHARED_DIR missing: the mount never happened.
    let missing = nodes.join("runner-04/mnt/shared");
    mkdir(&nodes.join("runner-04/mnt"))?;
    node(&mut text, "runner-04", "runner", &missing);

    let mut notes = Vec::new();
    let mut locked = Vec::new();
    if root_user {
        notes.push(
            "demo: running as root, which ignores file permissions: the permission-denied node \
             (runner-05) is left out rather than faked"
                .to_owned(),
        );
    } else {
        let ro = nodes.join("runner-05/mnt/shared");
        layout(&ro)?;
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555))
            .map_err(io("cannot make read-only", &ro))?;
        locked.push(ro.clone());
        node(&mut text, "runner-05", "runner", &ro);
    }
    Ok(Seeded {
        config_text: text,
        notes,
        locked,
    })
}
