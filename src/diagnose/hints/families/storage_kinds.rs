//! Catalogue entries: storage kinds (the mount-option audit, SMB credentials,
//! folder modes). The evidence of each finding lists what is off, per kind.

use super::super::Entry;
use crate::diagnose::Code;

pub(in crate::diagnose::hints) const ENTRIES: &[Entry] = &[
    Entry {
        code: Code::MountOptions,
        title: "mount options risky or slow for this kind of storage",
        why: "Runners load multi-GB container tarballs straight from the share, and the Host writes \
              them there in one pass, straight to their final name. Small rsize/wsize make that slow; \
              `soft` turns a server hiccup into EIO in the middle of a tarball, which Runners then fail \
              to load; atime updates add a server write to every read; and each kind of storage has its \
              own (EFS's recommended set, GlusterFS's backup volfile servers, sshfs's reconnect). This \
              is the Shared Storage Guide's \"Slow performance\" row.",
        fix: "Change the {target} line in /etc/fstab to:\n\n    {fstab_line}\n\nOnly the audited \
              options change (the evidence lists each one and why). Then unmount and mount it again: \
              `mount -o remount` does not change rsize, wsize or the NFS version. Stop the KohakuRiver \
              service on the node first if the share is busy.",
        debug: &[
            "findmnt -T {dir} -o TARGET,SOURCE,FSTYPE,OPTIONS",
            "systemctl status --no-pager {target}",
        ],
        fix_commands: &[
            "sudo cp -p /etc/fstab /etc/fstab.rivershare.bak",
            "sudoedit /etc/fstab",
            "sudo umount {target} && sudo mount {target}",
        ],
    },
    Entry {
        code: Code::CredentialsInFstab,
        title: "SMB password written in /etc/fstab",
        why: "/etc/fstab is readable by every user on the node (mode 644), so the SMB password is too. \
              That account can usually write the share, and with it the container tarballs every \
              Runner loads as root.",
        fix: "Move the user name and password into a credentials file that only root can read \
              (mode 600), and point the fstab line at it:\n\n    {fstab_line}\n\nThe file holds two \
              lines, `username=...` and `password=...`. rivershare never reads or prints the password: \
              the probe replaces it by *** on the node.",
        debug: &[
            "ls -l /etc/fstab",
            "grep -c -i -E 'pass[a-z0-9_]*=' /etc/fstab",
        ],
        fix_commands: &[
            "sudo install -d -m 755 /etc/samba",
            "sudo install -m 600 -o root -g root /dev/null /etc/samba/{server}.cred",
            "sudoedit /etc/samba/{server}.cred",
            "sudoedit /etc/fstab",
            "sudo umount {target} && sudo mount {target}",
        ],
    },
    Entry {
        code: Code::LayoutMode,
        title: "a KohakuRiver folder has the wrong mode or owner",
        why: "kohakuriver-containers/ holds the tarballs every Runner loads as a container image: \
              whoever can write there runs code as root on every Runner, so the security guide gives \
              755, owned by root. shared_data/ is /shared in every task, written by tasks of any user: \
              1777 (the sticky bit stops them deleting each other's files). logs/ is written by the \
              Runners (as root, or as nobody when the export squashes root) and served by the Host.",
        fix: "Set the modes the security guide gives for the folders the evidence names. When the \
              owners show nobody, the export squashes root: export it with no_root_squash as the \
              Shared Storage Guide does, or logs/ must be writable by nobody.",
        debug: &[
            "stat -c '%A %a %U:%G %n' {dir}/kohakuriver-containers {dir}/shared_data {dir}/logs",
            "ls -la {dir}",
        ],
        fix_commands: &[
            "sudo chown root:root {dir}/kohakuriver-containers && sudo chmod 755 {dir}/kohakuriver-containers",
            "sudo chmod 1777 {dir}/shared_data",
            "sudo chmod 1777 {dir}/logs",
        ],
    },
];
