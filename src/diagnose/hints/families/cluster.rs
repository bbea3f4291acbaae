//! Catalogue entries: cluster (what needs more than one node's facts).

use super::super::Entry;
use crate::diagnose::Code;

pub(in crate::diagnose::hints) const ENTRIES: &[Entry] = &[
    Entry {
        code: Code::SourceMismatch,
        title: "nodes mount different sources",
        why: "Nodes that mount different storage do not see each other's files: Runners miss the \
              Host's tarballs (tasks fail with \"Tarball not found\") and the Host cannot serve their \
              task logs.",
        fix: "Mount the same export everywhere: correct the source in /etc/fstab on the odd nodes \
              and remount {dir}, then restart the KohakuRiver service there.",
        debug: &[
            "findmnt -no SOURCE,FSTYPE,OPTIONS -T {dir}",
            "grep -F {target} /etc/fstab",
        ],
        fix_commands: &[
            "sudo umount {target} && sudo mount {target}   # after correcting /etc/fstab",
        ],
    },
    Entry {
        code: Code::NotShared,
        title: "node is outside the shared storage",
        why: "Verification wrote a file on each node and read it back on every other: a node outside \
              the shared group does not see what the others write. On a Runner, tasks miss the Host's \
              tarballs (\"Tarball not found\") and their logs never reach the Host; on a Host, the \
              tarballs it builds never reach the Runners.",
        fix: "Compare this node's mount source with a node of the shared group and mount the same \
              export at {dir}, persistently, then restart the KohakuRiver service (kohakuriver-host or \
              kohakuriver-runner) so it works on the share.",
        debug: &[
            "findmnt -no SOURCE,FSTYPE -T {dir}",
            "grep -F {dir} /etc/fstab",
            "ls -la {dir}",
        ],
        fix_commands: &["sudo mount {dir}"],
    },
];
