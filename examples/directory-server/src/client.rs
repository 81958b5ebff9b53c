//! A tiny HTTP/1.1 client for loopback (keep-alive, `Content-Length` and
//! chunked answers), used by the end-to-end test and the throughput bench.
//! It is not a general HTTP client: no TLS, no redirects, bounded sizes.

use std::io;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The largest answer body read.
pub const MAX_RESPONSE_LEN: usize = 64 * 1024 * 1024;
/// The most header lines read.
const MAX_HEADERS: usize = 64;

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The `error` code of a JSON error body, if it is one.
    pub fn error_code(&self) -> Option<String> {
        let v: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        v.get("error")?.as_str().map(str::to_owned)
    }
}

/// One keep-alive connection to the server.
#[derive(Debug)]
pub struct Client {
    addr: std::net::SocketAddr,
    conn: Option<BufReader<TcpStream>>,
}

fn bad(m: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, m.to_owned())
}

impl Client {
    /// A client for `addr` (connects on first use, reconnects after a close).
    pub fn new(addr: std::net::SocketAddr) -> Self {
        Self { addr, conn: None }
    }

    /// Sends one request and reads the answer. `auth` goes in
    /// `Authorization: Bearer ...`.
    pub async fn request(&mut self, method: &str, path: &str, auth: Option<&str>, body: &[u8]) -> io::Result<Response> {
        let reused = self.conn.is_some();
        match self.try_request(method, path, auth, body).await {
            // A kept-alive connection the server had closed: nothing was
            // answered, so send once more on a new connection.
            Err(e)
                if reused
                    && matches!(
                        e.kind(),
                        io::ErrorKind::UnexpectedEof | io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                    ) =>
            {
                self.try_request(method, path, auth, body).await
            }
            r => r,
        }
    }

    async fn try_request(&mut self, method: &str, path: &str, auth: Option<&str>, body: &[u8]) -> io::Result<Response> {
        if self.conn.is_none() {
            let s = TcpStream::connect(self.addr).await?;
            s.set_nodelay(true)?;
            self.conn = Some(BufReader::new(s));
        }
        let result = self.exchange(method, path, auth, body).await;
        if result.is_err() {
            self.conn = None;
        }
        result
    }

    async fn exchange(&mut self, method: &str, path: &str, auth: Option<&str>, body: &[u8]) -> io::Result<Response> {
        let conn = self.conn.as_mut().ok_or_else(|| bad("not connected"))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some(a) = auth {
            head.push_str(&format!("Authorization: Bearer {a}\r\n"));
        }
        head.push_str("\r\n");
        let mut req = head.into_bytes();
        req.extend_from_slice(body);
        conn.get_mut().write_all(&req).await?;

        let mut line = String::new();
        if conn.read_line(&mut line).await? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
        }
        let status: u16 =
            line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| bad("bad status line"))?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        for _ in 0..=MAX_HEADERS {
            line.clear();
            conn.read_line(&mut line).await?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (name, value) = l.split_once(':').ok_or_else(|| bad("bad header"))?;
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_ascii_lowercase());
            match name.as_str() {
                "content-length" => length = Some(value.parse::<usize>().map_err(|_| bad("bad length"))?),
                "transfer-encoding" => chunked = value.contains("chunked"),
                "connection" => close = value == "close",
                _ => {}
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                conn.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| bad("bad chunk size"))?;
                if body.len().saturating_add(size) > MAX_RESPONSE_LEN {
                    return Err(bad("answer too large"));
                }
                let start = body.len();
                body.resize(start + size, 0);
                conn.read_exact(body.get_mut(start..).ok_or_else(|| bad("chunk"))?).await?;
                line.clear();
                conn.read_line(&mut line).await?;
                if size == 0 {
                    break;
                }
            }
        } else {
            let n = length.unwrap_or(0);
            if n > MAX_RESPONSE_LEN {
                return Err(bad("answer too large"));
            }
            body.resize(n, 0);
            conn.read_exact(&mut body).await?;
        }
        if close {
            self.conn = None;
        }
        Ok(Response { status, body })
    }
}
