//! Which commands are read-only: the allow-list every debug template must pass.
//!
//! Debug commands are run by the console's `x`; fix commands are only shown. A
//! debug template is one program from the list below (optionally under
//! `timeout N`), or one piped into `grep`/`head`/`tail`/`sort`/`wc`/`ssh-keygen -l`,
//! with no `;`, `&&`, `||`, redirection, backquote or `$(`. Values are filled in
//! after the check and are always quoted as one word, so they cannot add any.
//!
//! `exportfs -v` is read-only too, but it runs on the storage server, which
//! rivershare does not reach: the catalogue lists it among the fix commands,
//! next to the `/etc/exports` change it checks, marked `# on <SERVER>`.

/// True when `template` (a debug command template) passes the allow-list.
pub fn is_read_only(template: &str) -> bool {
    const FORBIDDEN: [&str; 8] = [";", "&&", "||", ">", "<", "`", "$(", "\n"];
    if FORBIDDEN.iter().any(|f| template.contains(f)) {
        return false;
    }
    let parts: Vec<Vec<&str>> = template
        .split('|')
        .map(|p| p.split_whitespace().collect())
        .collect();
    let Some((first, rest)) = parts.split_first() else {
        return false;
    };
    let piped = !rest.is_empty();
    first_ok(first, piped) && rest.iter().all(|p| filter_ok(p))
}

/// A debug template that reaches the node from outside (it names `{addr}`:
/// `ping`, `ssh -v`, `ssh-keyscan`) runs where rivershare runs; the rest run on
/// the node itself.
pub fn runs_on_node(template: &str) -> bool {
    !template.contains("{addr}")
}

fn first_ok(words: &[&str], piped: bool) -> bool {
    let words = match words {
        ["timeout", secs, rest @ ..] if secs.parse::<u32>().is_ok() => rest,
        _ => words,
    };
    let Some((program, args)) = words.split_first() else {
        return false;
    };
    let has = |w: &str| args.contains(&w);
    match *program {
        "findmnt" | "grep" | "cat" | "ls" | "df" | "du" | "stat" | "getent" | "id"
        | "showmount" | "rpcinfo" | "nfsstat" | "journalctl" | "ps" | "ssh-keyscan" => true,
        // `mount` with arguments mounts; bare, it prints the table (for grep).
        "mount" => args.is_empty() && piped,
        "nc" => args.iter().any(|a| a.starts_with("-z")),
        "ping" => has("-c"),
        "systemctl" => matches!(
            args.first(),
            Some(&("cat" | "status" | "show" | "list-units" | "is-active" | "is-enabled"))
        ),
        "ssh" => has("-v") && args.last() == Some(&"true"),
        "ssh-keygen" => keygen_lookup(args),
        "ip" => !args.iter().any(|a| {
            matches!(
                *a,
                "set" | "add" | "del" | "delete" | "flush" | "change" | "replace"
            )
        }),
        _ => false,
    }
}

fn filter_ok(words: &[&str]) -> bool {
    match words.split_first() {
        Some((&("grep" | "head" | "tail" | "sort" | "wc"), _)) => true,
        Some((&"ssh-keygen", args)) => keygen_lookup(args),
        _ => false,
    }
}

/// `ssh-keygen -l` (fingerprint) or `-F` (look up known_hosts): never `-R`.
fn keygen_lookup(args: &[&str]) -> bool {
    args.first()
        .is_some_and(|a| a.starts_with("-l") || *a == "-F")
        && !args.iter().any(|a| a.starts_with("-R"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_programs_pass_and_changes_do_not() {
        for ok in [
            "findmnt -T {dir}",
            "mount | grep -F -- {dir}",
            "showmount -e {nfs_server}",
            "nc -zv -w 3 {server} {port}",
            "ping -c 3 {addr}",
            "systemctl cat {unit}",
            "ssh -v {addr} true",
            "ssh-keyscan {addr} | ssh-keygen -lf -",
            "timeout 10 stat {dir}",
            "ip -s link",
        ] {
            assert!(is_read_only(ok), "{ok}");
        }
        for bad in [
            "mount {dir}",
            "mount",
            "umount -l {dir}",
            "sudo mount {dir}",
            "ls {dir} && rm -rf {dir}",
            "ls {dir}; reboot",
            "cat {dir} > /etc/fstab",
            "nc -l 2049",
            "ping {addr}",
            "systemctl restart {unit}",
            "ssh -v {addr} reboot",
            "ssh-keygen -R {addr}",
            "exportfs -v",
            "ls $(reboot)",
            "ip link set eth0 down",
            "findmnt -T {dir} | sh",
        ] {
            assert!(!is_read_only(bad), "{bad}");
        }
    }
}
