//! The ERP's picture files: each is size-checked and its SHA-256 recorded in the product, so a
//! store gets a picture again only when its bytes changed. A file whose size and modification
//! time are those of its last reading is not read again (the `picture_file` table).

use std::fs::File;
use std::io::Read;
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::catalog::{Image, Product, MAX_IMAGE_BYTES};
use crate::store::{categories, Db};

/// A file read now, to be remembered with the products that name it.
#[derive(Debug)]
pub(crate) struct FileRead {
    path: String,
    size: u64,
    modified_ns: i64,
    digest: String,
}

/// Sets the digest of every file picture of `products`, reading only the files that moved.
/// An error names the product and the picture.
pub(crate) fn fill_digests(db: &mut Db, products: &mut [Product]) -> Result<Vec<FileRead>> {
    let mut reads: Vec<FileRead> = Vec::new();
    for (index, product) in products.iter_mut().enumerate() {
        let label = format!("products[{index}] (erp_id {:?})", product.erp_id);
        let mut pictures: Vec<(String, &mut Image)> = Vec::new();
        for (i, image) in product.images.iter_mut().enumerate() {
            pictures.push((format!("{label}.images[{i}].file"), image));
        }
        for (v, variant) in product.variants.iter_mut().enumerate() {
            for (i, image) in variant.images.iter_mut().enumerate() {
                pictures.push((format!("{label}.variants[{v}].images[{i}].file"), image));
            }
        }
        for (at, image) in pictures {
            let Some(path) = image.file.clone() else {
                continue;
            };
            let (size, modified_ns) = stat(&at, &path)?;
            let known = match reads.iter().find(|r| r.path == path) {
                Some(read) => Some(read.digest.clone()),
                None => db.read(|tx| categories::known_picture(tx, &path, size, modified_ns))?,
            };
            let digest = match known {
                Some(digest) => digest,
                None => {
                    let digest = sha256_of(&at, &path)?;
                    reads.push(FileRead {
                        path,
                        size,
                        modified_ns,
                        digest: digest.clone(),
                    });
                    digest
                }
            };
            image.digest = Some(digest);
        }
    }
    Ok(reads)
}

/// Records the files read, in the transaction that stores the products naming them.
pub(crate) fn remember(tx: &rusqlite::Transaction<'_>, reads: &[FileRead]) -> Result<()> {
    for read in reads {
        categories::remember_picture(tx, &read.path, read.size, read.modified_ns, &read.digest)?;
    }
    Ok(())
}

fn unreadable(at: &str, path: &str, err: std::io::Error) -> Error {
    Error::invalid_data(at, format!("picture {path:?} cannot be read: {err}"))
}

fn stat(at: &str, path: &str) -> Result<(u64, i64)> {
    let meta = std::fs::metadata(path).map_err(|e| unreadable(at, path, e))?;
    if !meta.is_file() {
        return Err(Error::invalid_data(
            at,
            format!("picture {path:?} is not a file"),
        ));
    }
    if meta.len() > MAX_IMAGE_BYTES {
        return Err(Error::invalid_data(
            at,
            format!(
                "picture {path:?} has {} bytes, over the limit of {MAX_IMAGE_BYTES}",
                meta.len()
            ),
        ));
    }
    if meta.len() == 0 {
        return Err(Error::invalid_data(
            at,
            format!("picture {path:?} is empty"),
        ));
    }
    let modified_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos().min(i64::MAX as u128) as i64)
        .unwrap_or(0);
    Ok((meta.len(), modified_ns))
}

fn sha256_of(at: &str, path: &str) -> Result<String> {
    let file = File::open(path).map_err(|e| unreadable(at, path, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    // Read no more than the limit, in case the file grew since it was measured.
    let mut limited = file.take(MAX_IMAGE_BYTES + 1);
    let mut total = 0u64;
    loop {
        let n = limited
            .read(&mut buffer)
            .map_err(|e| unreadable(at, path, e))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buffer[..n]);
    }
    if total > MAX_IMAGE_BYTES {
        return Err(Error::invalid_data(
            at,
            format!("picture {path:?} is over the limit of {MAX_IMAGE_BYTES} bytes"),
        ));
    }
    let digest = hasher.finalize();
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}
