//! Catalogue entries: connection (the node could not be probed at all).
//!
//! Their debug commands name `{addr}`: they reach the node from outside, from
//! where rivershare runs.

use super::super::Entry;
use crate::diagnose::Code;

pub(in crate::diagnose::hints) const ENTRIES: &[Entry] = &[
    Entry {
        code: Code::Unreachable,
        title: "node unreachable over SSH",
        why: "Until the node answers nothing is known about its storage. A Runner that is still up \
              keeps taking tasks: whether it writes task logs and shared_data/ to the share or to its \
              own disk cannot be checked.",
        fix: "rivershare could not open an SSH connection to {node} ({addr}) within the connect \
              timeout. The node may be down, sshd may not be running, or a firewall drops port 22: \
              check from here with ping and a TCP check, then on the node's console.",
        debug: &[
            "ping -c 3 {addr}",
            "nc -zv -w 3 {addr} 22",
            "ssh -v {addr} true",
        ],
        fix_commands: &["sudo systemctl start ssh   # on the console of {node}"],
    },
    Entry {
        code: Code::AuthFailed,
        title: "SSH authentication failed",
        why: "rivershare reached {node} but cannot log in, so it cannot tell whether this node's \
              SHARED_DIR is the shared storage.",
        fix: "The node refused every key rivershare offered (the agent first, then identity_files). \
              Check the user, and that the public key is in the node's authorized_keys.",
        debug: &["ssh -v {addr} true"],
        fix_commands: &["ssh-copy-id {addr}"],
    },
    Entry {
        code: Code::HostKeyUnknown,
        title: "host key not in known_hosts",
        why: "host_key_policy is strict, so rivershare does not talk to a host whose key it has never \
              seen: this node's storage stays unchecked.",
        fix: "Verify the fingerprint out of band, then record it, or set host_key_policy = \
              \"accept-new\" in the rivershare config.",
        debug: &["ssh-keyscan {addr} | ssh-keygen -lf -"],
        fix_commands: &["ssh -o StrictHostKeyChecking=accept-new {addr} true"],
    },
    Entry {
        code: Code::HostKeyChanged,
        title: "HOST KEY CHANGED",
        why: "The key this host presented differs from the one recorded in known_hosts. That is what \
              a man-in-the-middle looks like; it is also what a reinstalled node looks like. \
              rivershare refuses to connect under every policy.",
        fix: "Confirm the new key with whoever rebuilt {node}, then remove the old entry and connect \
              once to record the new one.",
        debug: &[
            "ssh-keyscan {addr} | ssh-keygen -lf -",
            "ssh-keygen -F {addr}",
        ],
        fix_commands: &["ssh-keygen -R {addr}"],
    },
    Entry {
        code: Code::ProbeFailed,
        title: "probe failed",
        why: "rivershare reached {node} but could not run or read its probe, so nothing is known \
              about this node's SHARED_DIR.",
        fix: "The evidence says why; the log file has the full exchange. A login shell that prints \
              text, a missing /bin/sh or a forced command on the key are the usual causes.",
        debug: &["ssh -v {addr} true"],
        fix_commands: &[],
    },
];
