//! Catalogue entries: container tarballs (`kohakuriver-containers/`), after
//! the Shared Storage Guide's "Tarball not found" and the facts of how
//! KohakuRiver names, picks and cleans up tarballs.

use super::super::Entry;
use crate::diagnose::Code;

pub(in crate::diagnose::hints) const ENTRIES: &[Entry] = &[
    Entry {
        code: Code::TarballNameCase,
        title: "tarball name has upper-case letters",
        why: "The Host writes NAME-TIMESTAMP.tar with the name as given, but Runners and KohakuRiver's \
              own old-version clean-up look files up by the lower-cased name: Runners never find this \
              environment, and its old versions are never cleaned.",
        fix: "Re-create the environment with a lower-case name, or rename its files to lower case \
              (mv -n refuses to overwrite an existing file).",
        debug: &["ls -la {tarball_dir}"],
        fix_commands: &["mv -n -- {tarball_dir}/{file} {tarball_dir}/{lower_file}"],
    },
    Entry {
        code: Code::TarballNotVisible,
        title: "a Runner cannot see the latest tarball",
        why: "A Runner loads the newest tarball of a name straight from the share when a task starts, \
              with no local copy: when the file the Host wrote is missing (or not whole) at the \
              Runner's own path, tasks fail with \"Tarball not found\" or \"Failed to load image\".",
        fix: "The Shared Storage Guide: check that SHARED_DIR points to the same storage on every \
              node. Compare this node's mount of {dir} with the Host's; a size that differs may be a \
              client cache (sshfs, NFS attribute caching) or a copy still being written.",
        debug: &["ls -la {tarball_dir}", "findmnt -T {dir}"],
        fix_commands: &[],
    },
    Entry {
        code: Code::TarballSuperseded,
        title: "older tarball versions take space",
        why: "KohakuRiver keeps only the newest tarball of a name and deletes the older ones after \
              writing a new one; these are leftovers (a removal that failed is only logged). Each is \
              several GB, and KohakuRiver's API can only delete every version of a name at once.",
        fix: "rivershare prune deletes them after re-checking each file (never the newest of a name); \
              without --yes it only shows what would go.",
        debug: &["ls -la {tarball_dir}"],
        fix_commands: &["rivershare prune --name {name}"],
    },
    Entry {
        code: Code::TarballInProgress,
        title: "a tarball is being written",
        why: "KohakuRiver writes a tarball straight to its final name, with no temporary file: a \
              newest file that is very recent or still changing size may be half-written, and a \
              Runner that loads it now fails.",
        fix: "Wait for it: rivershare never prunes it. If it stays this way, the creation failed \
              part-way: re-create the environment.",
        debug: &["ls -l --time-style=full-iso {tarball_dir}/{file}"],
        fix_commands: &[],
    },
    Entry {
        code: Code::TarballUnrecognized,
        title: "a .tar file matches no KohakuRiver name",
        why: "KohakuRiver only loads tarballs named NAME-UNIX_SECONDS.tar (a legacy NAME.tar at most): \
              these files are never used by it, and never pruned by rivershare.",
        fix: "Move or delete them by hand if nobody needs them.",
        debug: &["ls -la {tarball_dir}"],
        fix_commands: &[],
    },
];
