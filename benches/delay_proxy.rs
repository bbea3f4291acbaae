//! A TCP delay proxy for the latency benchmark (`tc netem` does not exist on these machines):
//! every byte is forwarded DELAY ms after it arrived, in each direction, order kept, so a
//! round trip through it costs 2×DELAY more. Bandwidth is not limited.
//!
//!   delay_proxy --delay-ms 50 LISTEN_ADDR:PORT=TARGET_ADDR:PORT ...
//!
//! Runs until killed. Prints `delay_proxy: ready` once every listener is bound.
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

/// One direction: a reader stamps each chunk (and the EOF, `None`) with its delivery time,
/// a writer delivers it then.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Option<Vec<u8>>)>();
    let writer = tokio::spawn(async move {
        while let Some((at, chunk)) = rx.recv().await {
            sleep_until(at).await;
            match chunk {
                Some(c) if to.write_all(&c).await.is_ok() => {}
                _ => break,
            }
        }
        let _ = to.shutdown().await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let chunk = match from.read(&mut buf).await {
            Ok(0) | Err(_) => None,
            Ok(n) => Some(buf[..n].to_vec()),
        };
        let eof = chunk.is_none();
        if tx.send((Instant::now() + delay, chunk)).is_err() || eof {
            break;
        }
    }
    let _ = writer.await;
}

async fn serve(listener: TcpListener, target: String, delay: Duration) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let target = target.clone();
        tokio::spawn(async move {
            // The connect itself is delayed too: SYN one way, SYN-ACK back.
            tokio::time::sleep(delay * 2).await;
            let Ok(server) = TcpStream::connect(&target).await else {
                return;
            };
            let _ = (client.set_nodelay(true), server.set_nodelay(true));
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::join!(pipe(cr, sw, delay), pipe(sr, cw, delay));
        });
    }
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let mut delay = Duration::from_millis(50);
    let mut maps = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--delay-ms" => {
                let v = args.next().ok_or("--delay-ms needs a value")?;
                delay =
                    Duration::from_millis(v.parse().map_err(|e| format!("--delay-ms {v}: {e}"))?);
            }
            "--bench" => {} // added by `cargo bench`
            _ => {
                let (l, t) = a
                    .split_once('=')
                    .ok_or(format!("{a}: want LISTEN=TARGET"))?;
                maps.push((l.to_string(), t.to_string()));
            }
        }
    }
    if maps.is_empty() {
        return Err("usage: delay_proxy --delay-ms MS LISTEN=TARGET ...".into());
    }
    let mut tasks = Vec::new();
    for (l, t) in maps {
        let listener = TcpListener::bind(&l)
            .await
            .map_err(|e| format!("bind {l}: {e}"))?;
        tasks.push(tokio::spawn(serve(listener, t, delay)));
    }
    println!("delay_proxy: ready");
    for t in tasks {
        let _ = t.await;
    }
    Ok(())
}
