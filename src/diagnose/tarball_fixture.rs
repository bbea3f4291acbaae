//! A tarball inventory with one file of every status, for the diagnosis and
//! report tests. Listed on `host`, whose SHARED_DIR is /mnt/cluster-share.

use crate::tarballs::*;

pub(crate) const DIR: &str = "/mnt/cluster-share/kohakuriver-containers";

pub(crate) fn entry(
    file: &str,
    name: Option<&str>,
    timestamp: Option<u64>,
    size_bytes: u64,
    status: TarballStatus,
) -> TarballEntry {
    TarballEntry {
        file: file.to_owned(),
        file_hex: None,
        name: name.map(str::to_owned),
        timestamp,
        size_bytes,
        mtime: 1_700_000_000,
        inode: 1000 + size_bytes,
        kind: if status == TarballStatus::Symlink {
            FileKind::Symlink
        } else {
            FileKind::Regular
        },
        status,
        prunable: status == TarballStatus::Superseded,
    }
}

pub(crate) fn inventory() -> TarballInventory {
    use TarballStatus::*;
    let entries = vec![
        entry(
            "base-1700000300.tar",
            Some("base"),
            Some(1_700_000_300),
            300,
            Latest,
        ),
        entry(
            "base-1700000200.tar",
            Some("base"),
            Some(1_700_000_200),
            200,
            Superseded,
        ),
        entry(
            "base-1700000100.tar",
            Some("base"),
            Some(1_700_000_100),
            100,
            Superseded,
        ),
        entry(
            "gpu-env-1700000900.tar",
            Some("gpu-env"),
            Some(1_700_000_900),
            90,
            InProgress,
        ),
        entry(
            "gpu-env-1700000800.tar",
            Some("gpu-env"),
            Some(1_700_000_800),
            80,
            LastGood,
        ),
        entry(
            "MyEnv-1700000500.tar",
            Some("MyEnv"),
            Some(1_700_000_500),
            50,
            Latest,
        ),
        entry("old.tar", Some("old"), None, 10, Legacy),
        entry("backup.tar", None, None, 7, Unrecognized),
        entry(
            "link-1700000000.tar",
            Some("link"),
            Some(1_700_000_000),
            5,
            Symlink,
        ),
    ];
    let summary = vec![
        TarballSummary {
            name: "base".to_owned(),
            versions: 3,
            bytes: 600,
            reclaimable_bytes: 300,
            latest_file: Some("base-1700000300.tar".to_owned()),
        },
        TarballSummary {
            name: "gpu-env".to_owned(),
            versions: 2,
            bytes: 170,
            reclaimable_bytes: 0,
            latest_file: Some("gpu-env-1700000900.tar".to_owned()),
        },
        TarballSummary {
            name: "MyEnv".to_owned(),
            versions: 1,
            bytes: 50,
            reclaimable_bytes: 0,
            latest_file: Some("MyEnv-1700000500.tar".to_owned()),
        },
    ];
    let visible = |runner: &str, file: &str| Visibility {
        runner: runner.to_owned(),
        file: file.to_owned(),
        status: VisibilityStatus::Visible,
        detail: None,
    };
    TarballInventory {
        node: Some("host".to_owned()),
        dir: Some(DIR.to_owned()),
        entries,
        summary,
        visibility: vec![
            visible("runner-01", "base-1700000300.tar"),
            visible("runner-01", "MyEnv-1700000500.tar"),
            Visibility {
                runner: "runner-02".to_owned(),
                file: "base-1700000300.tar".to_owned(),
                status: VisibilityStatus::Missing,
                detail: Some("No such file or directory".to_owned()),
            },
            Visibility {
                runner: "runner-02".to_owned(),
                file: "MyEnv-1700000500.tar".to_owned(),
                status: VisibilityStatus::SizeDiffers,
                detail: Some("12 bytes, expected 50".to_owned()),
            },
            Visibility {
                runner: "runner-03".to_owned(),
                file: "base-1700000300.tar".to_owned(),
                status: VisibilityStatus::Skipped,
                detail: Some("unreachable".to_owned()),
            },
        ],
        error: None,
    }
}
