//! The floor: a bare russh fan-out, the least any SSH sweep on this library can cost.
//! For every node, all at once: TCP connect, key exchange (russh's defaults), public-key
//! auth, one exec of the probe text, read to EOF. Nothing is parsed. Prints the wall time.
//!
//!   floor --key <statedir>/id_ed25519 [--user root] [--probe TEXT] ADDR[:PORT]...
//!   floor --rivershare-probe SHARED_DIR --print   (the command it would exec, to edit)
//!   floor --key ... --rivershare-probe SHARED_DIR ADDR...   (rivershare's own probe script,
//!         as `check` builds it with command_timeout 8 s for a Runner whose SHARED_DIR is
//!         configured, KohakuRiver discovery included, sent as `check` sends it, an
//!         argument of `sh -c` that the wrapper never parses (without the node's `timeout`):
//!         the script's cost on the nodes, without rivershare's client)
//!
//! The host key is accepted unchecked (no known_hosts lookup): the floor measures the
//! network and the handshake, and rivershare's own check is one file read per node.
//! benches/sweep.sh runs it with the bench cluster's addresses and the same probe as pdsh.
use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::client::{self, Handler};
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyOrCertificate, load_secret_key};
use russh::{ChannelMsg, Disconnect};

struct AcceptAny;

impl Handler for AcceptAny {
    type Error = russh::Error;
    async fn check_server_key(&mut self, _: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// One node: connect, authenticate, exec, drain. Returns what it printed.
async fn one(
    config: Arc<client::Config>,
    key: Arc<russh::keys::PrivateKey>,
    user: String,
    addr: String,
    probe: Arc<String>,
) -> Result<Vec<u8>, String> {
    let target = if addr.contains(':') {
        addr.clone()
    } else {
        format!("{addr}:22")
    };
    let mut h = client::connect(config, target, AcceptAny)
        .await
        .map_err(|e| format!("{addr}: connect: {e}"))?;
    let auth = h
        .authenticate_publickey(user, PrivateKeyWithHashAlg::new(key, None))
        .await
        .map_err(|e| format!("{addr}: auth: {e}"))?;
    if !auth.success() {
        return Err(format!("{addr}: auth refused"));
    }
    let mut ch = h
        .channel_open_session()
        .await
        .map_err(|e| format!("{addr}: channel: {e}"))?;
    ch.exec(true, probe.as_bytes())
        .await
        .map_err(|e| format!("{addr}: exec: {e}"))?;
    let mut out = Vec::new();
    while let Some(msg) = ch.wait().await {
        match msg {
            ChannelMsg::Data { data } | ChannelMsg::ExtendedData { data, .. } => {
                out.extend_from_slice(&data)
            }
            ChannelMsg::Close => break,
            _ => {}
        }
    }
    let _ = h.disconnect(Disconnect::ByApplication, "", "en").await;
    Ok(out)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let (mut key, mut user, mut probe, mut addrs) = (None, "root".to_string(), None, Vec::new());
    let mut print = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--key" => key = args.next(),
            "--user" => user = args.next().ok_or("--user needs a value")?,
            "--probe" => probe = args.next(),
            "--rivershare-probe" => {
                let dir = args.next().ok_or("--rivershare-probe needs SHARED_DIR")?;
                // Fleet::step_timeout: command_timeout / 3, as `check` uses it.
                let step = Duration::from_secs(8) / 3;
                let script = rivershare::sweep::probe_script_with_discovery(
                    &dir,
                    step,
                    true,
                    rivershare::facts::Role::Runner,
                );
                // Exactly as rivershare sends it with `check`'s limit (8 s), the
                // share group cut by the node's `timeout`.
                probe = Some(rivershare::transport::ssh::node_command(
                    &script,
                    Duration::from_secs(8),
                ));
            }
            // Print the command the floor would exec on every node, and stop: a
            // variant of it, edited, goes back in with --probe.
            "--print" => print = true,
            "--bench" => {} // added by `cargo bench`
            _ => addrs.push(a),
        }
    }
    if print {
        println!("{}", probe.as_deref().unwrap_or(""));
        return Ok(());
    }
    let key = key.ok_or("usage: floor --key FILE [--user U] [--probe TEXT] ADDR...")?;
    let probe = probe.unwrap_or_else(|| {
        "D=/mnt/cluster-share; findmnt -J -T \"$D\"; df -P \"$D\"; \
         f=\"$D/.floor.$$\"; echo x >\"$f\" && cat \"$f\" && rm -f \"$f\""
            .to_string()
    });
    let key = Arc::new(load_secret_key(&key, None).map_err(|e| format!("key {key}: {e}"))?);
    let config = Arc::new(client::Config {
        inactivity_timeout: Some(Duration::from_secs(30)),
        ..Default::default()
    });
    let probe = Arc::new(probe);
    let t0 = Instant::now();
    let tasks: Vec<_> = addrs
        .iter()
        .map(|a| {
            let f = one(
                config.clone(),
                key.clone(),
                user.clone(),
                a.clone(),
                probe.clone(),
            );
            tokio::spawn(f)
        })
        .collect();
    let mut outs = Vec::new();
    for t in tasks {
        match t.await {
            Ok(Ok(out)) => outs.push(out),
            Ok(Err(e)) => eprintln!("floor: {e}"),
            Err(e) => eprintln!("floor: task: {e}"),
        }
    }
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    // After the clock stopped: how many nodes' output shows the sshfs mount (sweep.sh's
    // check that the probe really ran), nothing else is looked at.
    let ok = outs.len();
    let bytes: usize = outs.iter().map(Vec::len).sum();
    let mounts = outs
        .iter()
        .filter(|o| o.windows(10).any(|w| w == b"fuse.sshfs"))
        .count();
    println!(
        "floor: {ok}/{} nodes, {bytes} bytes, {mounts} show fuse.sshfs, wall {ms:.1} ms",
        addrs.len()
    );
    if ok == addrs.len() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} nodes failed",
            addrs.len() - ok,
            addrs.len()
        ))
    }
}
