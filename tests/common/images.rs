//! Pictures for the stores to download: real PNG files, served over loopback HTTP by a small
//! server that counts what it served.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A valid PNG of `width` × 1 pixels whose colour is `shade`: distinct shades are distinct
/// files, as a store's image check sees them.
pub fn png(width: u32, shade: u8) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&1u32.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB
    chunk(&mut out, b"IHDR", &header);
    // One scanline, filter 0, stored (uncompressed) in a zlib stream.
    let mut raw = vec![0u8];
    for _ in 0..width {
        raw.extend_from_slice(&[shade, 255 - shade, 128]);
    }
    let mut zlib = vec![0x78, 0x01, 1];
    zlib.extend_from_slice(&(raw.len() as u16).to_le_bytes());
    zlib.extend_from_slice(&(!(raw.len() as u16)).to_le_bytes());
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
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

/// Serves `GET /<name>` from the files it was given; anything else is 404.
pub struct ImageServer {
    pub base_url: String,
    files: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
    served: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl ImageServer {
    pub fn start() -> ImageServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let files: Arc<Mutex<BTreeMap<String, Vec<u8>>>> = Arc::default();
        let served: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
        let (f, s) = (files.clone(), served.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (f, s) = (f.clone(), s.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(&stream);
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        return;
                    }
                    // Skip the headers.
                    let mut header = String::new();
                    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                        header.clear();
                    }
                    let path = line.split(' ').nth(1).unwrap_or("/");
                    let name = path.trim_start_matches('/').to_string();
                    *s.lock().unwrap().entry(name.clone()).or_default() += 1;
                    let body = f.lock().unwrap().get(&name).cloned();
                    let mut stream = &stream;
                    let _ = match body {
                        Some(body) => {
                            let head = format!(
                                "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                                body.len()
                            );
                            stream
                                .write_all(head.as_bytes())
                                .and_then(|_| stream.write_all(&body))
                        }
                        None => stream.write_all(
                            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        ),
                    };
                });
            }
        });
        ImageServer {
            base_url,
            files,
            served,
        }
    }

    /// Serves `bytes` as `/<name>`, and returns its address.
    pub fn put(&self, name: &str, bytes: Vec<u8>) -> String {
        self.files.lock().unwrap().insert(name.to_string(), bytes);
        format!("{}/{name}", self.base_url)
    }

    /// How many times each name was asked for.
    pub fn served(&self) -> BTreeMap<String, u64> {
        self.served.lock().unwrap().clone()
    }

    pub fn total_served(&self) -> u64 {
        self.served().values().sum()
    }
}
