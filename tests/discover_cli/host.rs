//! A stand-in for a KohakuRiver Host's HTTP API on 127.0.0.1: answers every
//! request with what the test asks for, and records each request head.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server answers: status line, content type, body; built from the
/// request head so a test can echo a header back.
type Answer = dyn Fn(&str) -> (&'static str, &'static str, String) + Send + Sync;

pub struct Host {
    pub addr: SocketAddr,
    /// Every request head received, in order.
    requests: Arc<Mutex<Vec<String>>>,
}

impl Host {
    pub fn start(
        answer: impl Fn(&str) -> (&'static str, &'static str, String) + Send + Sync + 'static,
    ) -> Host {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let answer: Arc<Answer> = Arc::new(answer);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let head = read_head(&mut stream);
                seen.lock().expect("lock").push(head.clone());
                let (status, content_type, body) = answer(&head);
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes());
            }
        });
        Host { addr, requests }
    }

    pub fn nodes() -> Host {
        Host::start(|_| ("200 OK", "application/json", super::NODES.to_string()))
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }
}

fn read_head(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("read timeout");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}
