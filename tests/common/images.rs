//! Images for the stores to download: small valid PNGs made here, and a loopback HTTP server
//! that serves them, the way an ERP's image host would.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// CRC-32 (IEEE), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for byte in bytes {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A `size`×`size` PNG of one colour (8-bit RGB), its pixels in a zlib stream of one stored
/// deflate block.
pub fn png(size: u32, rgb: [u8; 3]) -> Vec<u8> {
    // Each row: filter byte 0 (none), then the pixels.
    let row: Vec<u8> = std::iter::once(0)
        .chain((0..size).flat_map(|_| rgb))
        .collect();
    let raw: Vec<u8> = (0..size).flat_map(|_| row.iter().copied()).collect();
    let mut zlib = vec![0x78, 0x01, 0x01];
    let len = raw.len() as u16;
    zlib.extend_from_slice(&len.to_le_bytes());
    zlib.extend_from_slice(&(!len).to_le_bytes());
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut header = Vec::new();
    header.extend_from_slice(&size.to_be_bytes());
    header.extend_from_slice(&size.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Serves, on 127.0.0.1, the files given to `put` by name, and for any other path a 2×2 PNG of
/// a colour of its own, except: a path with `missing` in it is a 404, one with `notimage` is
/// text. It counts what it served, and runs until the test process ends.
pub struct ImageServer {
    pub base: String,
    files: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
    served: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl ImageServer {
    pub fn start() -> ImageServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let files: Arc<Mutex<BTreeMap<String, Vec<u8>>>> = Arc::default();
        let served: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
        let (f, s) = (files.clone(), served.clone());
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (f, s) = (f.clone(), s.clone());
                thread::spawn(move || answer(stream, &f, &s));
            }
        });
        ImageServer {
            base,
            files,
            served,
        }
    }

    /// `base` + `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Serves `bytes` at `/<name>` (as it appears in the request line, percent-encoded), and
    /// answers its address.
    pub fn put(&self, name: &str, bytes: Vec<u8>) -> String {
        self.files.lock().unwrap().insert(name.to_string(), bytes);
        self.url(&format!("/{name}"))
    }

    /// How many times each name was asked for.
    pub fn served(&self) -> BTreeMap<String, u64> {
        self.served.lock().unwrap().clone()
    }

    pub fn total_served(&self) -> u64 {
        self.served().values().sum()
    }
}

fn answer(
    mut stream: TcpStream,
    files: &Mutex<BTreeMap<String, Vec<u8>>>,
    served: &Mutex<BTreeMap<String, u64>>,
) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let line = String::from_utf8_lossy(&request);
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let name = path.trim_start_matches('/').to_string();
    *served.lock().unwrap().entry(name.clone()).or_default() += 1;
    let given = files.lock().unwrap().get(&name).cloned();
    let (status, kind, body) = if let Some(bytes) = given {
        ("200 OK", "image/png", bytes)
    } else if path.contains("missing") {
        ("404 Not Found", "text/html", b"<h1>Not Found</h1>".to_vec())
    } else if path.contains("notimage") {
        ("200 OK", "image/png", b"hello, not an image\n".to_vec())
    } else {
        // A colour of its own per path, so two images differ.
        let seed = path
            .bytes()
            .fold(7u8, |a, b| a.wrapping_mul(31).wrapping_add(b));
        ("200 OK", "image/png", png(2, [seed, 255 - seed, 128]))
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// A PNG told apart by `shade`, `width` pixels wide: distinct shades or widths are distinct
/// pictures.
pub fn shaded(width: u32, shade: u8) -> Vec<u8> {
    png(width, [shade, 255 - shade, 128])
}
