//! The commented example config `rivershare init` writes when no Host URL is given:
//! every key documented (settings at their defaults are commented out, so the file
//! changes nothing until edited), one Host and two Runners.

/// The example config text. It loads with the real loader as it is.
pub const EXAMPLE_CONFIG: &str = r#"# rivershare config, written by `rivershare init` as an example: edit the three
# [[nodes]] tables below to match your cluster, then run `rivershare check`.
#
# Faster: `rivershare init --force --host http://HOST:8000` (or
# `rivershare discover --host http://HOST:8000`) asks your KohakuRiver Host for its
# Runners and writes the [[nodes]] tables for you.
#
# rivershare reads, in this order: --config PATH, $RIVERSHARE_CONFIG,
# $XDG_CONFIG_HOME/rivershare/config.toml (default ~/.config/rivershare/config.toml).
# Unknown keys are errors, so a typo never silently falls back to a default.
# Paths may start with "~/". Commented-out settings show their default value.

# OpenSSH client config to honour (Host aliases, HostName, User, Port, IdentityFile,
# ProxyJump, UserKnownHostsFile). Default: none, so ssh's own files are read
# (~/.ssh/config, then /etc/ssh/ssh_config); a file named here is read alone, as
# with ssh -F.
# ssh_config = "~/.ssh/ssh_config.rivershare"

# known_hosts file used to verify every node's host key. Default: ~/.ssh/known_hosts
# known_hosts = "~/.ssh/known_hosts"

# An unknown host key: "strict" refuses it (finding host_key_unknown), "accept-new"
# records it and connects. A changed key is always refused. Default "strict".
# host_key_policy = "strict"

# Seconds for the TCP connection plus the SSH handshake (1-3600). Default 5.
# connect_timeout_secs = 5

# Seconds for the probe script on each node (1-86400). Default 10.
# command_timeout_secs = 10

# How many nodes are probed at the same time (at least 1). Default 64.
# concurrency = 64

# Below this much free space in SHARED_DIR (GiB, fractions allowed) a node gets
# low_space. KohakuRiver's Shared Storage Guide asks for 20 GB or more. Default 20.
# min_free_gib = 20

# true forbids every action that changes a node (prune is refused, check skips its
# write test). Default false.
# read_only = false

# Cross-node verification: seconds a node keeps re-reading another node's token
# before calling it missing (NFS and sshfs caches can delay a new file). Default 5.
# verify_deadline_secs = 5

# `check --io-bench`: below this speed (MB/s, write or read) a node gets
# slow_storage. Default 50.
# slow_io_mbps = 50

# Container tarballs: the newest tarball of a name younger than this (seconds, by
# mtime) is being written and is never pruned. Default 600.
# in_progress_secs = 600

# Disk usage (`check --du`, the console's `u`): each top-level entry of
# SHARED_DIR gets this many seconds of `du`; a slower one is reported partial.
# Default 60.
# du_timeout_secs = 60

# The console: seconds between automatic re-sweeps (at least 1). Default 30.
# refresh_secs = 30

# The console's colours: "dark", "light" or "high-contrast". Default "dark".
# theme = "dark"

# Values every node uses unless it sets its own.
[defaults]
# SSH user. KohakuRiver runs as root, so this user must be able to read and write
# SHARED_DIR. Default: ~/.ssh/config, else your local user name.
# user = "root"
# SSH port. Default: ~/.ssh/config, else 22.
# port = 22
# Keys to try after the ssh-agent. Default: ~/.ssh/config, else OpenSSH's ~/.ssh/id_*.
# identity_files = ["~/.ssh/id_ed25519"]
# KohakuRiver's SHARED_DIR (an absolute path). Leave it unset and rivershare reads
# SHARED_DIR from each node's own KohakuRiver config (the --config of its
# kohakuriver-host or kohakuriver-runner unit, else ~/.kohakuriver/host_config.py
# or runner_config.py), else uses KohakuRiver's default /mnt/cluster-share.
# shared_dir = "/mnt/cluster-share"

# One [[nodes]] table per machine; at least one.
[[nodes]]
# Required. Unique; letters, digits, '.', '_' and '-', starting with a letter or digit.
name = "host"
# Required. "host" (the KohakuRiver Host) or "runner".
role = "host"
# Required unless transport = "local": an IP, a DNS name or a Host alias from
# ~/.ssh/config.
address = "10.0.0.1"
# "ssh" (default) or "local": "local" probes the machine rivershare runs on, through
# sh, without SSH (its address defaults to "localhost").
# transport = "ssh"

[[nodes]]
name = "runner-1"
role = "runner"
address = "10.0.0.11"

[[nodes]]
name = "runner-2"
role = "runner"
address = "gpu-box-2"
# Any [defaults] key can be set per node. A SHARED_DIR that differs between nodes
# works for tarballs and /shared but breaks KohakuRiver's task logs, so rivershare
# warns about it.
# user = "admin"
# port = 2222
# identity_files = ["~/.ssh/gpu_ed25519"]
# shared_dir = "/data/cluster-share"
"#;
