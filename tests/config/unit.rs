//! `systemctl cat` output: the --config path and RequiresMountsFor=.

use std::path::PathBuf;

use rivershare::kohakuriver::{config_path_from_unit, requires_mounts_for};

/// What `kohakuriver init service` writes, as `systemctl cat` prints it.
const RUNNER_UNIT: &str = "\
# /etc/systemd/system/kohakuriver-runner.service
[Unit]
Description=KohakuRiver Runner Service
After=network.target

[Service]
Type=simple
ExecStart=/usr/bin/python3 -m kohakuriver.cli.runner --config /root/.kohakuriver/runner_config.py
WorkingDirectory=/root
Restart=always
RestartSec=5
Environment=\"PATH=/usr/local/bin:/usr/bin:/bin\"

[Install]
WantedBy=multi-user.target
";

#[test]
fn config_path_from_the_generated_unit() {
    assert_eq!(
        config_path_from_unit(RUNNER_UNIT),
        Some(PathBuf::from("/root/.kohakuriver/runner_config.py"))
    );
    assert!(requires_mounts_for(RUNNER_UNIT).is_empty());
}

#[test]
fn drop_in_overrides_exec_start() {
    let text = format!(
        "{RUNNER_UNIT}\n# /etc/systemd/system/kohakuriver-runner.service.d/override.conf\n[Service]\nExecStart=\nExecStart=-/opt/venv/bin/python -m kohakuriver.cli.runner \\\n    --config \"/etc/kohaku river/runner.py\"\n\n[Unit]\nRequiresMountsFor=/mnt/cluster-share /var/lib/x\n"
    );
    assert_eq!(
        config_path_from_unit(&text),
        Some(PathBuf::from("/etc/kohaku river/runner.py"))
    );
    assert_eq!(
        requires_mounts_for(&text),
        ["/mnt/cluster-share", "/var/lib/x"]
    );
}

#[test]
fn equals_form_and_relative_or_missing_paths() {
    assert_eq!(
        config_path_from_unit(
            "[Service]\nExecStart = /usr/bin/kohakuriver-host --config=/etc/kr/host.py\n"
        ),
        Some(PathBuf::from("/etc/kr/host.py"))
    );
    assert_eq!(
        config_path_from_unit("[Service]\nExecStart=/usr/bin/python3 -m kohakuriver.cli.host\n"),
        None
    );
    assert_eq!(
        config_path_from_unit("[Service]\nExecStart=/usr/bin/kr --config host.py\n"),
        None
    );
    assert_eq!(
        config_path_from_unit("[Service]\nExecStart=/usr/bin/kr --config\n"),
        None
    );
    // Not in [Service], or commented out: ignored.
    assert_eq!(
        config_path_from_unit("[Unit]\nExecStart=/x --config /a.py\n"),
        None
    );
    assert_eq!(
        config_path_from_unit("[Service]\n#ExecStart=/x --config /a.py\n"),
        None
    );
    assert_eq!(config_path_from_unit(""), None);
}
