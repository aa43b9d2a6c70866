//! Reading a provider's bundle download: a ZIP of QR code PNGs plus a CSV of ICCIDs and codes.
//!
//! The archive is treated as hostile: its size, entry count and every entry's *actual*
//! uncompressed size are bounded (declared sizes are not trusted), entries must have plain
//! relative names (no `..`, no absolute paths, no drive letters), encrypted entries are refused,
//! and nothing is written to disk. The CSV is mapped by header name, case-insensitively, ignoring
//! unknown columns (eSIM Go's documented header is `"ICCID","Matching ID","RSP URL","Bundle"`).
//! Rows are returned as text: mapping them to core types (and refusing bad ones) is the caller's.

use std::io::{Cursor, Read};

use bytes::Bytes;

use crate::QrImage;

/// Bounds for one bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleLimits {
    /// The ZIP file itself.
    pub max_archive_bytes: usize,
    pub max_entries: usize,
    /// One PNG, uncompressed.
    pub max_png_bytes: usize,
    /// The CSV, uncompressed.
    pub max_csv_bytes: usize,
    /// Everything, uncompressed.
    pub max_total_bytes: usize,
}

impl Default for BundleLimits {
    fn default() -> Self {
        BundleLimits {
            max_archive_bytes: 32 * 1024 * 1024,
            max_entries: 2_000,
            max_png_bytes: 1024 * 1024,
            max_csv_bytes: 4 * 1024 * 1024,
            max_total_bytes: 128 * 1024 * 1024,
        }
    }
}

/// Why a bundle was refused. Nothing of a refused bundle is used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    #[error("the file is not a readable ZIP archive: {0}")]
    NotZip(String),
    #[error("the archive is larger than {limit} bytes")]
    ArchiveTooLarge { limit: usize },
    #[error("the archive has more than {limit} files")]
    TooManyEntries { limit: usize },
    #[error("the archive entry '{name}' has an unsafe name (absolute path or '..')")]
    UnsafePath { name: String },
    #[error("the archive entry '{name}' is encrypted")]
    Encrypted { name: String },
    #[error("the archive entry '{name}' unpacks to more than {limit} bytes")]
    EntryTooLarge { name: String, limit: usize },
    #[error("the archive unpacks to more than {limit} bytes in total")]
    TotalTooLarge { limit: usize },
    #[error("the archive holds no CSV file")]
    NoCsv,
    #[error("the archive holds several CSV files ({0}); expected one")]
    SeveralCsv(String),
    #[error("the CSV has no '{column}' column")]
    MissingColumn { column: &'static str },
    #[error("the CSV cannot be read at line {line}: {message}")]
    Csv { line: u64, message: String },
    #[error("the archive entry '{name}' cannot be read: {message}")]
    Entry { name: String, message: String },
}

/// One CSV row, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleRow {
    /// 1-based data row (the first row after the header is 1).
    pub row: usize,
    pub iccid: String,
    pub matching_id: String,
    /// The SM-DP+ address ("RSP URL").
    pub smdp_address: String,
    pub bundle: Option<String>,
}

/// What a bundle holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrBundle {
    pub rows: Vec<BundleRow>,
    pub images: Vec<QrImage>,
    /// The CSV's file name inside the archive.
    pub csv_name: String,
    /// Entries neither PNG nor CSV (ignored).
    pub ignored: Vec<String>,
}

/// Reads a bundle ZIP within `limits`.
pub fn read_qr_bundle(archive: &[u8], limits: &BundleLimits) -> Result<QrBundle, BundleError> {
    if archive.len() > limits.max_archive_bytes {
        return Err(BundleError::ArchiveTooLarge {
            limit: limits.max_archive_bytes,
        });
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(archive))
        .map_err(|e| BundleError::NotZip(e.to_string()))?;
    if zip.len() > limits.max_entries {
        return Err(BundleError::TooManyEntries {
            limit: limits.max_entries,
        });
    }
    let mut total = 0_usize;
    let mut images = Vec::new();
    let mut csvs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut ignored = Vec::new();
    for index in 0..zip.len() {
        let mut entry = match zip.by_index(index) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::UnsupportedArchive(why))
                if why == zip::result::ZipError::PASSWORD_REQUIRED =>
            {
                return Err(BundleError::Encrypted {
                    name: format!("entry {}", index + 1),
                });
            }
            Err(e) => return Err(BundleError::NotZip(e.to_string())),
        };
        let raw_name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if entry.is_dir() {
            continue;
        }
        let name = safe_name(&raw_name)?;
        if entry.encrypted() {
            return Err(BundleError::Encrypted { name });
        }
        let lower = name.to_ascii_lowercase();
        let limit = if lower.ends_with(".png") {
            limits.max_png_bytes
        } else if lower.ends_with(".csv") {
            limits.max_csv_bytes
        } else {
            ignored.push(name);
            continue;
        };
        let data = read_bounded(&mut entry, &name, limit)?;
        total = total.saturating_add(data.len());
        if total > limits.max_total_bytes {
            return Err(BundleError::TotalTooLarge {
                limit: limits.max_total_bytes,
            });
        }
        if lower.ends_with(".png") {
            images.push(QrImage {
                file_name: name,
                png: Bytes::from(data),
            });
        } else {
            csvs.push((name, data));
        }
    }
    let (csv_name, csv) = match csvs.len() {
        0 => return Err(BundleError::NoCsv),
        1 => csvs.remove(0),
        _ => {
            let names: Vec<String> = csvs.into_iter().map(|(n, _)| n).collect();
            return Err(BundleError::SeveralCsv(names.join(", ")));
        }
    };
    let rows = read_rows(&csv)?;
    Ok(QrBundle {
        rows,
        images,
        csv_name,
        ignored,
    })
}

/// Reads at most `limit` bytes, refusing an entry that has more (whatever its header claims).
fn read_bounded(reader: &mut impl Read, name: &str, limit: usize) -> Result<Vec<u8>, BundleError> {
    let mut data = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(cap)
        .read_to_end(&mut data)
        .map_err(|e| BundleError::Entry {
            name: name.to_owned(),
            message: e.to_string(),
        })?;
    if data.len() > limit {
        return Err(BundleError::EntryTooLarge {
            name: name.to_owned(),
            limit,
        });
    }
    Ok(data)
}

/// A relative name made of normal components; folders are allowed, traversal is not.
fn safe_name(raw: &str) -> Result<String, BundleError> {
    let unsafe_path = || BundleError::UnsafePath {
        name: crate::error::clip(raw),
    };
    let normalised = raw.replace('\\', "/");
    if normalised.is_empty()
        || normalised.starts_with('/')
        || normalised.contains('\0')
        || normalised
            .split('/')
            .next()
            .is_some_and(|first| first.ends_with(':'))
    {
        return Err(unsafe_path());
    }
    if normalised.split('/').any(|part| part == "..") {
        return Err(unsafe_path());
    }
    Ok(normalised)
}

/// Maps the CSV by header name; requires ICCID, Matching ID and RSP URL.
pub fn read_rows(csv_bytes: &[u8]) -> Result<Vec<BundleRow>, BundleError> {
    let text = csv_bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(csv_bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text);
    let headers = reader.headers().map_err(|e| csv_error(&e))?.clone();
    let find = |wanted: &[&str]| {
        headers.iter().position(|h| {
            let key: String = h
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            wanted.contains(&key.as_str())
        })
    };
    let iccid = find(&["iccid"]).ok_or(BundleError::MissingColumn { column: "ICCID" })?;
    let matching = find(&["matchingid"]).ok_or(BundleError::MissingColumn {
        column: "Matching ID",
    })?;
    let smdp = find(&["rspurl", "smdpaddress", "smdp"])
        .ok_or(BundleError::MissingColumn { column: "RSP URL" })?;
    let bundle = find(&["bundle", "bundlename"]);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(&e))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let row = rows.len() + 1;
        let cell = |i: usize| record.get(i).unwrap_or("").to_owned();
        rows.push(BundleRow {
            row,
            iccid: cell(iccid),
            matching_id: cell(matching),
            smdp_address: cell(smdp),
            bundle: bundle.map(cell).filter(|b| !b.is_empty()),
        });
    }
    Ok(rows)
}

fn csv_error(e: &csv::Error) -> BundleError {
    BundleError::Csv {
        line: e.position().map_or(0, csv::Position::line),
        message: match e.kind() {
            csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_owned(),
            _ => e.to_string(),
        },
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::io::Write;

    use super::*;

    pub(crate) const CSV: &str = "\"ICCID\",\"Matching ID\",\"RSP URL\",\"Bundle\"\r\n\
        \"8944000100000000025\",\"K2-7QW3ER-5TY8UI\",\"smdp.example\",\"esim_1GB_7D_NL_V2\"\r\n\
        \"89440001000000000506\",\"K2-2AS4DF-6GH8JK\",\"smdp.example\",\"esim_1GB_7D_NL_V2\"\r\n";

    pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut out);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for (name, data) in entries {
                w.start_file(*name, opts).unwrap();
                w.write_all(data).unwrap();
            }
            w.finish().unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn reads_the_documented_layout() {
        let zip = zip_of(&[
            ("8944000100000000025.png", b"\x89PNG one"),
            ("89440001000000000506.png", b"\x89PNG two"),
            ("e268b769.csv", CSV.as_bytes()),
            ("readme.txt", b"hello"),
        ]);
        let bundle = read_qr_bundle(&zip, &BundleLimits::default()).unwrap();
        assert_eq!(bundle.rows.len(), 2);
        assert_eq!(bundle.rows[0].iccid, "8944000100000000025");
        assert_eq!(bundle.rows[0].matching_id, "K2-7QW3ER-5TY8UI");
        assert_eq!(bundle.rows[0].smdp_address, "smdp.example");
        assert_eq!(bundle.rows[0].bundle.as_deref(), Some("esim_1GB_7D_NL_V2"));
        assert_eq!(bundle.rows[1].row, 2);
        assert_eq!(bundle.images.len(), 2);
        assert_eq!(bundle.csv_name, "e268b769.csv");
        assert_eq!(bundle.ignored, vec!["readme.txt".to_owned()]);
    }

    #[test]
    fn maps_columns_by_name_in_any_order_and_case() {
        let csv = "\u{feff}bundle,rsp url,EXTRA,matching id,iccid\nb1,smdp.example,x,K2-1,8944000100000000025\n\n";
        let rows = read_rows(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].iccid, "8944000100000000025");
        assert_eq!(rows[0].matching_id, "K2-1");
        assert_eq!(rows[0].bundle.as_deref(), Some("b1"));
        assert_eq!(
            read_rows(b"ICCID,Bundle\n1,2\n"),
            Err(BundleError::MissingColumn {
                column: "Matching ID"
            })
        );
    }

    #[test]
    fn refuses_traversal_and_absolute_names() {
        for name in [
            "../evil.csv",
            "a/../../evil.png",
            "/etc/evil.csv",
            "C:/evil.csv",
            "..\\evil.png",
        ] {
            let zip = zip_of(&[(name, CSV.as_bytes())]);
            let err = read_qr_bundle(&zip, &BundleLimits::default()).unwrap_err();
            assert!(
                matches!(err, BundleError::UnsafePath { .. }),
                "{name}: {err}"
            );
        }
        // A folder inside the archive is fine.
        let zip = zip_of(&[("codes/list.csv", CSV.as_bytes())]);
        assert!(read_qr_bundle(&zip, &BundleLimits::default()).is_ok());
    }

    #[test]
    fn refuses_bombs_and_oversize() {
        let big = vec![0_u8; 200_000];
        let zip = zip_of(&[("a.png", &big), ("a.csv", CSV.as_bytes())]);
        assert!(zip.len() < 10_000, "deflate should squash zeros");
        let limits = BundleLimits {
            max_png_bytes: 100_000,
            ..BundleLimits::default()
        };
        assert!(matches!(
            read_qr_bundle(&zip, &limits),
            Err(BundleError::EntryTooLarge { .. })
        ));
        let limits = BundleLimits {
            max_archive_bytes: 10,
            ..BundleLimits::default()
        };
        assert!(matches!(
            read_qr_bundle(&zip, &limits),
            Err(BundleError::ArchiveTooLarge { .. })
        ));
        let limits = BundleLimits {
            max_total_bytes: 150_000,
            ..BundleLimits::default()
        };
        assert!(matches!(
            read_qr_bundle(&zip, &limits),
            Err(BundleError::TotalTooLarge { .. })
        ));
        let entries: Vec<(String, Vec<u8>)> =
            (0..5).map(|i| (format!("{i}.png"), vec![1_u8])).collect();
        let refs: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        let limits = BundleLimits {
            max_entries: 4,
            ..BundleLimits::default()
        };
        assert!(matches!(
            read_qr_bundle(&zip_of(&refs), &limits),
            Err(BundleError::TooManyEntries { limit: 4 })
        ));
    }

    #[test]
    fn refuses_garbage_and_missing_or_extra_csv() {
        assert!(matches!(
            read_qr_bundle(b"not a zip", &BundleLimits::default()),
            Err(BundleError::NotZip(_))
        ));
        assert!(matches!(
            read_qr_bundle(b"", &BundleLimits::default()),
            Err(BundleError::NotZip(_))
        ));
        let zip = zip_of(&[("a.png", b"x")]);
        assert_eq!(
            read_qr_bundle(&zip, &BundleLimits::default()),
            Err(BundleError::NoCsv)
        );
        let zip = zip_of(&[("a.csv", CSV.as_bytes()), ("b.csv", CSV.as_bytes())]);
        assert!(matches!(
            read_qr_bundle(&zip, &BundleLimits::default()),
            Err(BundleError::SeveralCsv(_))
        ));
        let zip = zip_of(&[("a.csv", b"ICCID,Matching ID,RSP URL\n\xff\xfe,x,y\n")]);
        assert!(matches!(
            read_qr_bundle(&zip, &BundleLimits::default()),
            Err(BundleError::Csv { .. })
        ));
    }
}
