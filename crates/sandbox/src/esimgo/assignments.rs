//! `GET /esims/assignments`: install details of the eSIMs of order or apply references as JSON,
//! CSV (the default) or a ZIP of QR code PNGs plus the CSV (esimgo.md §9).

use std::io::{Cursor, Write};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use esimdesk_core::ActivationCode;
use esimdesk_core::qr::{QrOptions, render_png};

use super::Ctx;
use super::esims::install_links;
use super::model::ProfileStatus;
use super::wire::InstallDetails;
use super::{ApiError, Params};
use crate::clock::rfc3339;

/// Smallest side of the QR code PNGs in the ZIP, in pixels.
pub const QR_MIN_PX: u32 = 360;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Zip,
}

/// Picks the format from `Accept`: the first supported media range wins; CSV otherwise.
pub fn negotiate(accept: Option<&str>) -> Format {
    for range in accept.unwrap_or("").split(',') {
        let media = range
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "application/zip" | "application/x-zip-compressed" => return Format::Zip,
            "application/json" => return Format::Json,
            "text/csv" | "text/*" | "*/*" => return Format::Csv,
            _ => {}
        }
    }
    Format::Csv
}

/// One eSIM of the export.
#[derive(Debug, Clone)]
pub struct Row {
    pub details: InstallDetails,
    pub bundle: String,
}

/// The documented CSV: every field quoted, CRLF line ends, no BOM.
pub fn csv_bytes(rows: &[Row]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::internal(format!("writing CSV: {e}"));
    w.write_record(["ICCID", "Matching ID", "RSP URL", "Bundle"])
        .map_err(fail)?;
    for r in rows {
        w.write_record([
            r.details.iccid.as_str(),
            r.details.matching_id.as_str(),
            r.details.smdp_address.as_str(),
            r.bundle.as_str(),
        ])
        .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::internal(format!("writing CSV: {e}")))
}

/// A flat ZIP: `<ICCID>.png` per eSIM (the QR of its `LPA:` code) and `<csv_name>`.
pub fn zip_bytes(rows: &[Row], csv_name: &str) -> Result<Vec<u8>, ApiError> {
    let fail = |e: zip::result::ZipError| ApiError::internal(format!("writing ZIP: {e}"));
    let io_fail = |e: std::io::Error| ApiError::internal(format!("writing ZIP: {e}"));
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for r in rows {
        let code =
            ActivationCode::new(&r.details.smdp_address, &r.details.matching_id, None, false)
                .map_err(|e| ApiError::internal(format!("activation code: {e}")))?;
        let png = render_png(&code.to_string(), QrOptions::default(), QR_MIN_PX)
            .map_err(|e| ApiError::internal(format!("QR code: {e}")))?;
        zip.start_file(format!("{}.png", r.details.iccid), stored)
            .map_err(fail)?;
        zip.write_all(&png).map_err(io_fail)?;
    }
    zip.start_file(csv_name, deflated).map_err(fail)?;
    zip.write_all(&csv_bytes(rows)?).map_err(io_fail)?;
    Ok(zip.finish().map_err(fail)?.into_inner())
}

pub async fn export(
    State(app): State<Ctx>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    let references: Vec<String> = params
        .all("reference")
        .into_iter()
        .flat_map(|r| r.split(','))
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    if references.is_empty() {
        return Err(ApiError::bad_request("reference is required"));
    }
    let format = negotiate(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let additional = params.get("additionalFields").map(str::to_owned);
    let now = app.clock.now();
    let rows = {
        let mut st = app.sim.lock();
        let mut wanted: Vec<(usize, String)> = Vec::new();
        for reference in &references {
            let order = st.order(reference)?;
            for line in &order.lines {
                for &e in &line.esims {
                    if wanted.iter().any(|(x, _)| *x == e) {
                        continue;
                    }
                    let bundle = st
                        .esims
                        .get(e)
                        .into_iter()
                        .flat_map(|x| x.assignments.iter())
                        .filter_map(|&a| st.assignments.get(a))
                        .find(|a| a.reference.starts_with(order.reference.as_str()))
                        .map_or_else(|| line.item.clone(), |a| a.bundle.clone());
                    wanted.push((e, bundle));
                }
            }
        }
        let mut rows = Vec::with_capacity(wanted.len());
        for (e, bundle) in wanted {
            st.sync_esim(e, now);
            let esim = st.esim(e)?;
            if esim.profile_status == ProfileStatus::Deactivated {
                return Err(ApiError::new(StatusCode::GONE, "eSIM is deactivated"));
            }
            let (apple, android) = install_links(esim, additional.as_deref());
            rows.push(Row {
                details: InstallDetails {
                    iccid: esim.iccid.clone(),
                    matching_id: esim.matching_id.clone(),
                    smdp_address: esim.smdp_address.clone(),
                    profile_status: esim.profile_status.wire().to_owned(),
                    pin: esim.pin.clone(),
                    puk: esim.puk.clone(),
                    first_installed_date_time: esim.first_installed.map(rfc3339),
                    apple_install_url: apple,
                    android_install_url: android,
                },
                bundle,
            });
        }
        rows
    };
    match format {
        Format::Json => {
            let details: Vec<InstallDetails> = rows.into_iter().map(|r| r.details).collect();
            Ok(Json(details).into_response())
        }
        Format::Csv => {
            let body = csv_bytes(&rows)?;
            Ok(([(header::CONTENT_TYPE, "text/csv")], body).into_response())
        }
        Format::Zip => {
            let base = match references.as_slice() {
                [one] => one.clone(),
                _ => "assignments".to_owned(),
            };
            let csv_name = format!("{base}.csv");
            let body = tokio::task::spawn_blocking(move || zip_bytes(&rows, &csv_name))
                .await
                .map_err(|e| ApiError::internal(format!("ZIP task: {e}")))??;
            let mut response = ([(header::CONTENT_TYPE, "application/zip")], body).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{base}.zip\"")) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, v);
            }
            Ok(response)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation() {
        assert_eq!(negotiate(None), Format::Csv);
        assert_eq!(negotiate(Some("application/json")), Format::Json);
        assert_eq!(negotiate(Some("application/zip")), Format::Zip);
        assert_eq!(
            negotiate(Some("text/html, application/json;q=0.9")),
            Format::Json
        );
        assert_eq!(negotiate(Some("*/*")), Format::Csv);
        assert_eq!(negotiate(Some("image/png")), Format::Csv);
    }
}
