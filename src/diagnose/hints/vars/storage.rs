//! What a mount source says about its storage: server, export and port.

/// The server and export of a mount source: `srv:/export` (NFS, GlusterFS,
/// sshfs `user@srv:/path`), `//srv/share` (SMB), `[v6]:/export`, and CephFS's
/// `mon1,mon2:/path` (first monitor). `None` when the source names no server.
pub fn split_source(fstype: &str, source: &str) -> Option<(String, String)> {
    if let Some(unc) = source.strip_prefix("//") {
        let (server, share) = unc.split_once('/')?;
        return Some((server.to_owned(), format!("/{share}")));
    }
    let (server, export) = match source.strip_prefix('[') {
        Some(rest) => rest.split_once("]:")?,
        None => {
            let (server, _) = source.split_once(":/")?;
            (server, &source[server.len() + 1..])
        }
    };
    let server = server.rsplit('@').next().unwrap_or(server);
    let server = if fstype.starts_with("ceph") {
        server
            .split(',')
            .next()
            .unwrap_or(server)
            .split(':')
            .next()
            .unwrap_or(server)
    } else {
        server
    };
    (!server.is_empty()).then(|| (server.to_owned(), export.to_owned()))
}

/// The TCP port a client of this kind of storage must reach on its server:
/// 2049 for NFS (EFS, Filestore, Azure Files over NFS), 445 for SMB/CIFS (Azure
/// Files over SMB), 24007 for GlusterFS's glusterd, 22 for sshfs and 6789 for
/// a Ceph monitor. `None` for kinds without one well-known port.
pub fn storage_port(fstype: &str) -> Option<&'static str> {
    let fstype = fstype.trim().to_ascii_lowercase();
    let fstype = fstype.as_str();
    Some(match fstype {
        t if t.starts_with("nfs") => "2049",
        "cifs" | "smb" | "smb3" | "smbfs" => "445",
        "glusterfs" | "fuse.glusterfs" => "24007",
        "sshfs" | "fuse.sshfs" => "22",
        "ceph" | "fuse.ceph" | "fuse.ceph-fuse" => "6789",
        _ => return None,
    })
}

/// Plain NFS has rpcbind (port 111) and mountd, which `showmount` and `rpcinfo`
/// ask; EFS, FSx and Azure Files serve NFS without them.
pub fn has_rpcbind(fstype: &str, provider: &str) -> bool {
    fstype.trim().to_ascii_lowercase().starts_with("nfs") && provider == "nfs"
}

/// A server name that stays a host name on a command line: not empty, no
/// leading `-` (it would read as an option), no blanks or control characters.
pub fn plain_server(server: &str) -> bool {
    !server.is_empty()
        && !server.starts_with('-')
        && !server.chars().any(|c| c.is_whitespace() || c.is_control())
}
