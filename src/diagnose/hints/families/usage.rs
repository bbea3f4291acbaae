//! Catalogue entries: the disk-usage walk (`check --du`), after the Shared
//! Storage Guide's advice to look at `df -h` and `du -sh <dir>/*` when the
//! share fills, and the fact that KohakuRiver never deletes task logs.

use super::super::Entry;
use crate::diagnose::Code;

pub(in crate::diagnose::hints) const ENTRIES: &[Entry] = &[
    Entry {
        code: Code::LogsGrowth,
        title: "task logs take a large part of the share",
        why: "Every task writes its output to logs/<task_id>/ on the share, and KohakuRiver never \
              deletes these folders: not when the task ends, not when the Host restarts. They pile \
              up forever until the share is full, and then tarball creation and new task logs fail.",
        fix: "List the task log folders of {dir}/logs older than 30 days first and read the list \
              (a running or recent task's folder must stay; the Host serves these logs), then \
              delete them with the same find and -exec rm -rf. Adjust +30 to how long your users \
              need their logs, and run it from cron if the cluster keeps growing. du --inodes counts the \
              files and folders in logs/; ls -lt shows the newest task folders first.",
        debug: &[
            // No pipes: the console's `x` allows only `mount | grep` among them.
            "du -sh {dir}/logs",
            "du -s --inodes {dir}/logs",
            "ls -lt {dir}/logs",
            "df -h {dir}",
        ],
        fix_commands: &[
            "find {dir}/logs -mindepth 1 -maxdepth 1 -type d -mtime +30 -print   # list first: what would go",
            "sudo find {dir}/logs -mindepth 1 -maxdepth 1 -type d -mtime +30 -exec rm -rf -- {} +   # then delete them",
        ],
    },
    Entry {
        code: Code::DuPartial,
        title: "part of the share was not fully measured",
        why: "Each entry of SHARED_DIR gets its own du under du_timeout_secs: an entry that ran out \
              of time (millions of small task log files in logs/, slow storage) or that du could \
              not read completely shows only the bytes counted so far, so the usage shown for it \
              is a lower bound and what fills the share may be hidden there.",
        fix: "Raise du_timeout_secs in the rivershare config (default 60) and run rivershare check \
              --du again. If the storage did not answer at all within the budget, look at the \
              storage first (storage_hung, stale_handle): a du that hangs is a share that hangs \
              for KohakuRiver's tasks too. A permission note means du could not read some folders \
              as the SSH user.",
        debug: &[
            "df -h {dir}",
            "findmnt -T {dir}",
            "stat {dir}",
            "ls -la {dir}",
        ],
        fix_commands: &[],
    },
];
