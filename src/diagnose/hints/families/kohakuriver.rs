//! Catalogue entries: kohakuriver (what a node's own KohakuRiver unit and config say).

use super::super::Entry;
use crate::diagnose::Code;

pub(in crate::diagnose::hints) const ENTRIES: &[Entry] = &[
    Entry {
        code: Code::ConfigUnreadable,
        title: "the node's KohakuRiver config cannot be read",
        why: "KohakuRiver's config is a Python file. rivershare reads its plain string assignments \
              (SHARED_DIR, CONTAINER_DIR, CONTAINER_TAR_DIR) and never executes it. A value that is an \
              expression (an f-string, a name, a call) cannot be known without running the file, and a \
              file Python cannot parse stops the KohakuRiver service itself from starting. rivershare \
              then checks the SHARED_DIR from its own config, or KohakuRiver's default \
              /mnt/cluster-share, which may not be the folder KohakuRiver really uses.",
        fix: "Open {config} at the line named in the evidence. Write the value as a plain string literal, \
              for example SHARED_DIR: str = \"/mnt/cluster-share\", and fix any syntax error (Python must \
              be able to load the file), then restart {unit}. Or set shared_dir for {node} in rivershare's \
              config.",
        debug: &[
            // Not `cat`: a KohakuRiver config may hold tokens; the _DIR lines are what matter.
            "grep -n _DIR {config}",
            "systemctl cat {unit}",
        ],
        fix_commands: &["sudoedit {config}", "sudo systemctl restart {unit}"],
    },
    Entry {
        code: Code::SharedDirDiffers,
        title: "nodes use different SHARED_DIR paths",
        why: "Tarballs and /shared work with different paths, but task logs do not. The Host builds a \
              task's absolute log path from its own SHARED_DIR (SHARED_DIR/logs/<task_id>/stdout.log). The \
              Runner rewrites that path by replacing its own SHARED_DIR/logs prefix, so when the strings \
              differ the replace does nothing: the Runner writes to a path that does not exist on it, and \
              the Host shows no logs for the task.",
        fix: "Use one path everywhere, the Host's {dir}. On {node}, make the share also appear at {dir} \
              (a bind mount, kept in /etc/fstab, or a symlink when {dir} does not exist yet), set \
              SHARED_DIR: str = \"{dir}\" in its KohakuRiver config, restart {unit}, and set shared_dir \
              for {node} in rivershare's config to {dir}.",
        // Rendered with each node's own values: its path, its own config.
        debug: &["ls -la {dir}", "grep -n SHARED_DIR {config}"],
        fix_commands: &[
            "sudo mkdir -p {dir} && sudo mount --bind {target} {dir}   # on {node}",
            "printf '%s %s none bind 0 0\\n' {target} {dir} | sudo tee -a /etc/fstab   # on {node}: keep the bind mount",
            "sudoedit {config}   # on {node}: SHARED_DIR: str = \"{dir}\"",
            "sudo systemctl restart {unit}   # on {node}",
        ],
    },
    Entry {
        code: Code::UnitNotOrdered,
        title: "the KohakuRiver unit does not wait for the share",
        why: "KohakuRiver's generated units only wait for the network. When the share mounts late (or \
              not at all) after a boot, the service starts anyway: the Runner finds an empty local folder \
              at SHARED_DIR, its only check (\"is it a directory\") passes, and it quietly works on the local \
              disk; the Host creates the folder and builds a fresh base tarball there.",
        fix: "Make {unit} require the mount of its SHARED_DIR. Run sudo systemctl edit {unit} and add:\n\
              [Unit]\nRequiresMountsFor={dir}\nthen save (systemctl edit reloads systemd). The second \
              command does the same without an editor.",
        debug: &[
            "systemctl cat {unit}",
            "systemctl show -p RequiresMountsFor,After {unit}",
            "findmnt -T {dir}",
        ],
        fix_commands: &[
            "sudo systemctl edit {unit}",
            "sudo mkdir -p /etc/systemd/system/{unit}.service.d && printf '[Unit]\\nRequiresMountsFor=%s\\n' {dir} | sudo tee /etc/systemd/system/{unit}.service.d/rivershare-mount.conf && sudo systemctl daemon-reload",
        ],
    },
];
