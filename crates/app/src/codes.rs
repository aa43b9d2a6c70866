//! "Check a code": everything a desk needs from one activation code — its fields, canonical
//! form, install links and QR code.

use esimdesk_core::ActivationCode;
use esimdesk_core::install_link::{android_install_url, apple_install_url, windows_lpa_link};
use esimdesk_core::qr::{self, QrOptions};
use serde::Serialize;
use ts_rs::TS;

use crate::AppError;

/// An activation code taken apart, with what a customer needs to install it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct CodeReport {
    pub canonical: String,
    pub smdp_address: String,
    pub matching_id: String,
    pub oid: Option<String>,
    pub confirmation_code_required: bool,
    pub apple_install_url: String,
    pub android_install_url: String,
    /// The `LPA:` link that Windows 11 opens in its own eSIM settings.
    pub windows_install_link: String,
    /// Things that are accepted but worth a second look (e.g. a lower-case matching ID).
    pub warnings: Vec<String>,
}

impl CodeReport {
    pub fn of(code: &ActivationCode) -> CodeReport {
        CodeReport {
            canonical: code.to_string(),
            smdp_address: code.smdp_address().to_owned(),
            matching_id: code.matching_id().to_owned(),
            oid: code.oid().map(str::to_owned),
            confirmation_code_required: code.confirmation_code_required(),
            apple_install_url: apple_install_url(code),
            android_install_url: android_install_url(code),
            windows_install_link: windows_lpa_link(code),
            warnings: code.warnings().iter().map(ToString::to_string).collect(),
        }
    }
}

/// The report plus QR codes as SVG, for the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct CodeView {
    pub report: CodeReport,
    /// QR of the canonical `LPA:` string.
    pub qr_svg: String,
    pub apple_qr_svg: String,
    pub android_qr_svg: String,
}

pub fn inspect(input: &str) -> Result<CodeReport, AppError> {
    let code = ActivationCode::parse(input)?;
    tracing::debug!(code = %code.masked(), "activation code inspected");
    Ok(CodeReport::of(&code))
}

pub fn view(input: &str) -> Result<CodeView, AppError> {
    let report = inspect(input)?;
    let opts = QrOptions::default();
    Ok(CodeView {
        qr_svg: qr::render_svg(&report.canonical, opts)?,
        apple_qr_svg: qr::render_svg(&report.apple_install_url, opts)?,
        android_qr_svg: qr::render_svg(&report.android_install_url, opts)?,
        report,
    })
}

/// The longest part of a non-code QR's text quoted back in an error.
const MAX_QUOTED_CHARS: usize = 80;

/// "Check a code" from a picture: the first QR code in the image whose text is an activation
/// code, with its report and QR codes. A QR code holding something else (a web address, a
/// voucher number) is named in the error, so the person knows what they scanned.
pub fn view_from_image(bytes: &[u8]) -> Result<CodeView, AppError> {
    let texts = qr::decode_image(bytes)?;
    let mut first_error = None;
    for text in &texts {
        match ActivationCode::parse(text) {
            Ok(code) => {
                tracing::debug!(code = %code.masked(), qr_codes = texts.len(), "activation code read from an image");
                return view(&code.to_string());
            }
            Err(e) => {
                first_error.get_or_insert((text, e));
            }
        }
    }
    match first_error {
        // It says "LPA:1$..." but is malformed: the field-level reason helps more.
        Some((text, e)) if text.trim_start().to_ascii_uppercase().starts_with("LPA:") => {
            Err(e.into())
        }
        Some((text, _)) => Err(AppError::NotAnActivationCode {
            content: quote(text),
        }),
        None => Err(qr::QrDecodeError::NoQrCode.into()),
    }
}

fn quote(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let clean = clean.trim();
    if clean.chars().count() > MAX_QUOTED_CHARS {
        let cut: String = clean.chars().take(MAX_QUOTED_CHARS).collect();
        format!("{cut}…")
    } else {
        clean.to_owned()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrFormat {
    Svg,
    /// PNG at least this many pixels wide.
    Png {
        min_size_px: u32,
    },
}

/// The QR of a code's canonical `LPA:` string, as file contents.
pub fn qr_bytes(input: &str, format: QrFormat) -> Result<Vec<u8>, AppError> {
    let code = ActivationCode::parse(input)?;
    let text = code.to_string();
    let opts = QrOptions::default();
    Ok(match format {
        QrFormat::Svg => qr::render_svg(&text, opts)?.into_bytes(),
        QrFormat::Png { min_size_px } => qr::render_png(&text, opts, min_size_px)?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn inspects_a_code_without_prefix() {
        let r = inspect("1$rsp.truphone.com$6C-DA326D-K86D").unwrap();
        assert_eq!(r.canonical, "LPA:1$rsp.truphone.com$6C-DA326D-K86D");
        assert_eq!(r.smdp_address, "rsp.truphone.com");
        assert_eq!(r.matching_id, "6C-DA326D-K86D");
        assert_eq!(r.oid, None);
        assert!(!r.confirmation_code_required);
        assert!(
            r.apple_install_url
                .starts_with("https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=")
        );
    }

    #[test]
    fn bad_input_names_the_field() {
        let err = inspect("LPA:1$rsp.truphone.com$6C_DA326D").unwrap_err();
        assert!(err.is_bad_input());
        assert_eq!(err.code(), "invalid_activation_code");
        assert_eq!(err.field().as_deref(), Some("matching ID"));
        assert!(err.to_string().contains("matching ID"), "{err}");
    }

    #[test]
    fn reads_a_code_from_a_picture() {
        let png = qr_bytes(
            "lpa:1$smdp.example.com$04386-AGYFT-A74Y8-3F815",
            QrFormat::Png { min_size_px: 300 },
        )
        .unwrap();
        let v = view_from_image(&png).unwrap();
        assert_eq!(
            v.report.canonical,
            "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815"
        );
        assert!(v.qr_svg.starts_with("<svg"));
    }

    #[test]
    fn a_picture_of_something_else_says_what_it_holds() {
        let png = qr::render_png("https://example.com/menu", QrOptions::default(), 300).unwrap();
        let e = view_from_image(&png).unwrap_err();
        assert_eq!(e.code(), "not_an_activation_code");
        assert!(e.to_string().contains("https://example.com/menu"), "{e}");
        assert_eq!(e.field().as_deref(), Some("image"));

        let bad =
            qr::render_png("LPA:1$smdp.example.com$bad_id", QrOptions::default(), 300).unwrap();
        assert_eq!(
            view_from_image(&bad).unwrap_err().code(),
            "invalid_activation_code"
        );
        let e = view_from_image(b"not an image").unwrap_err();
        assert_eq!(e.code(), "not_an_image");
        assert!(e.is_bad_input());
    }

    #[test]
    fn png_decodes_to_the_canonical_code() {
        let png = qr_bytes(
            "lpa:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$$1",
            QrFormat::Png { min_size_px: 300 },
        )
        .unwrap();
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$$1");
    }
}
