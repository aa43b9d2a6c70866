//! An order's activation codes: `GET /esims/assignments?reference=…` (esimgo.md §9).
//!
//! First the ZIP (`Accept: application/zip`): QR code PNGs plus a CSV, read as hostile input by
//! [`crate::qr_bundle`]. A ZIP that cannot be read (or a server that answers the ZIP request
//! with another format it cannot serve) falls back to the JSON install details. A server that
//! ignores `Accept` and answers JSON or CSV is read as what it sent.

use reqwest::StatusCode;

use super::errors::{Op, map_failure};
use super::{DOWNLOAD_TIMEOUT, EsimGo, map, parse, wire};
use crate::error::ProviderError;
use crate::http::{Call, Failure, Reply};
use crate::qr_bundle::{BundleLimits, read_qr_bundle, read_rows};
use crate::{DeliverySource, OrderDelivery};

pub(super) async fn activation_codes(
    go: &EsimGo,
    reference: &str,
) -> Result<OrderDelivery, ProviderError> {
    let limits = BundleLimits::default();
    let mut zip_call = assignments_call(reference).accept("application/zip");
    zip_call.max_body = limits.max_archive_bytes;
    zip_call.timeout = Some(DOWNLOAD_TIMEOUT);
    let fallback_reason = match go.http.send(&zip_call).await {
        Ok(reply) => match read_any(&reply, &limits) {
            Ok(delivery) => return Ok(delivery),
            Err(reason) => reason,
        },
        // The server cannot serve a ZIP: try JSON.
        Err(Failure::Status(reply))
            if matches!(
                reply.status,
                StatusCode::NOT_ACCEPTABLE | StatusCode::UNSUPPORTED_MEDIA_TYPE
            ) =>
        {
            format!("the ZIP was refused (HTTP {})", reply.status.as_u16())
        }
        Err(Failure::Error(e @ ProviderError::MalformedReply { .. })) => e.to_string(),
        Err(other) => return Err(map_failure(other, Op::Other, go.http.redactor())),
    };
    tracing::warn!(provider = "esimgo", reason = %fallback_reason, "QR code ZIP unusable; reading install details as JSON");
    let reply = go.send(&assignments_call(reference), Op::Other).await?;
    let mut delivery = json_delivery(&reply.body)?;
    delivery
        .notes
        .insert(0, format!("QR code download not used: {fallback_reason}"));
    Ok(delivery)
}

fn assignments_call(reference: &str) -> Call {
    Call::get(&["esims", "assignments"]).query("reference", reference)
}

/// Reads whatever came back: a ZIP (by its magic bytes), JSON, or CSV. `Err` with the reason
/// when a ZIP was sent but cannot be used.
fn read_any(reply: &Reply, limits: &BundleLimits) -> Result<OrderDelivery, String> {
    let body = &reply.body;
    if body.starts_with(b"PK") {
        let bundle = read_qr_bundle(body, limits).map_err(|e| e.to_string())?;
        let mut notes = Vec::new();
        let esims = bundle
            .rows
            .iter()
            .filter_map(|row| map::issued_from_row(row, &mut notes))
            .collect::<Vec<_>>();
        if esims.is_empty() {
            return Err("the ZIP's CSV lists no usable eSIM".to_owned());
        }
        return Ok(OrderDelivery {
            esims,
            qr_images: bundle.images,
            source: DeliverySource::QrBundle,
            notes,
        });
    }
    let content_type = reply.content_type().unwrap_or("").to_ascii_lowercase();
    if content_type.contains("json") || matches!(wire::first_byte(body), Some(b'[' | b'{')) {
        return json_delivery(body).map_err(|e| e.to_string());
    }
    if content_type.contains("csv") || content_type.starts_with("text/") {
        let rows = read_rows(body).map_err(|e| e.to_string())?;
        let mut notes = Vec::new();
        let esims = rows
            .iter()
            .filter_map(|row| map::issued_from_row(row, &mut notes))
            .collect();
        return Ok(OrderDelivery {
            esims,
            qr_images: Vec::new(),
            source: DeliverySource::QrBundle,
            notes,
        });
    }
    Err(format!(
        "the reply is not a ZIP (content type '{}')",
        crate::error::clip(&content_type)
    ))
}

/// The JSON install details: an array (simulator) or a single object (schema, guide).
fn json_delivery(body: &[u8]) -> Result<OrderDelivery, ProviderError> {
    let items: Vec<wire::EsimCredentials> = match wire::first_byte(body) {
        Some(b'[') => parse(body, "install details")?,
        _ => vec![parse(body, "install details")?],
    };
    let mut notes = Vec::new();
    let esims = items
        .iter()
        .filter_map(|e| {
            map::issued(
                e.iccid.as_deref(),
                e.matching_id.as_deref(),
                e.smdp_address.as_deref(),
                None,
                &mut notes,
            )
        })
        .collect();
    Ok(OrderDelivery {
        esims,
        qr_images: Vec::new(),
        source: DeliverySource::Json,
        notes,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use bytes::Bytes;
    use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};

    use super::*;
    use crate::qr_bundle::tests::{CSV, zip_of};

    fn reply(content_type: &'static str, body: Vec<u8>) -> Reply {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        Reply {
            status: StatusCode::OK,
            headers,
            body: Bytes::from(body),
        }
    }

    #[test]
    fn reads_the_zip() {
        let zip = zip_of(&[
            ("8944000100000000025.png", b"png1"),
            ("89440001000000000506.png", b"png2"),
            ("e268b769.csv", CSV.as_bytes()),
        ]);
        let d = read_any(&reply("application/zip", zip), &BundleLimits::default()).unwrap();
        assert_eq!(d.source, DeliverySource::QrBundle);
        assert_eq!(d.esims.len(), 2);
        assert_eq!(d.qr_images.len(), 2);
        assert_eq!(
            d.esims[0].activation_code.as_ref().unwrap().to_string(),
            "LPA:1$smdp.example$K2-7QW3ER-5TY8UI"
        );
        assert_eq!(
            d.esims[0].offering_code.as_deref(),
            Some("esim_1GB_7D_NL_V2")
        );
    }

    #[test]
    fn a_bad_zip_is_a_reason_to_fall_back() {
        let mut bad = b"PK\x03\x04".to_vec();
        bad.extend_from_slice(&[0; 64]);
        assert!(read_any(&reply("application/zip", bad), &BundleLimits::default()).is_err());
        let traversal = zip_of(&[("../x.csv", CSV.as_bytes())]);
        let reason = read_any(
            &reply("application/zip", traversal),
            &BundleLimits::default(),
        )
        .unwrap_err();
        assert!(reason.contains("unsafe name"), "{reason}");
        assert!(
            read_any(
                &reply("application/octet-stream", vec![1, 2, 3]),
                &BundleLimits::default()
            )
            .is_err()
        );
    }

    #[test]
    fn json_array_or_object_and_csv() {
        let array = br#"[{"iccid": "8944000100000000025", "matchingId": "K2-7QW3ER-5TY8UI", "smdpAddress": "smdp.example",
              "profileStatus": "Released", "pin": "1234", "puk": "87654321"},
             {"iccid": "89440001000000000506", "matchingId": "K2-2AS4DF-6GH8JK", "smdpAddress": "smdp.example",
              "profileStatus": "Released", "pin": "1234", "puk": "18273645"}]"#;
        let d = json_delivery(array).unwrap();
        assert_eq!(d.esims.len(), 2);
        assert_eq!(d.source, DeliverySource::Json);
        let object = br#"{"iccid": "8944000100000000025", "matchingId": "K2-7QW3ER-5TY8UI", "smdpAddress": "http://smdp.example.com"}"#;
        let d = json_delivery(object).unwrap();
        assert_eq!(
            d.esims[0].activation_code.as_ref().unwrap().smdp_address(),
            "smdp.example.com"
        );
        let d = read_any(
            &reply("text/csv", CSV.as_bytes().to_vec()),
            &BundleLimits::default(),
        )
        .unwrap();
        assert_eq!(d.esims.len(), 2);
        assert!(json_delivery(b"not json").is_err());
    }
}
