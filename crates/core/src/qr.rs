//! QR codes for activation codes and install links: SVG for screen and print (crisp at any size),
//! PNG for export. Encoding is the `qrcode` crate's; this module only chooses the options and
//! draws the module matrix.

use std::fmt::Write as _;
use std::io::Cursor;

use image::{ImageFormat, Luma};
use qrcode::render::Renderer;
use qrcode::{Color, EcLevel, QrCode};

use crate::activation_code::ActivationCode;

/// Quiet zones wider than this are refused: they only waste space and could overflow sizes.
pub const MAX_QUIET_ZONE_MODULES: u32 = 40;
/// Largest PNG side accepted, so a mistaken size cannot allocate gigabytes.
pub const MAX_PNG_SIZE_PX: u32 = 8192;

/// Error correction level: how much of the symbol may be damaged and still read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QrErrorCorrection {
    /// About 7 %.
    L,
    /// About 15 %: readable on a screen and on paper.
    #[default]
    M,
    /// About 25 %.
    Q,
    /// About 30 %.
    H,
}

impl From<QrErrorCorrection> for EcLevel {
    fn from(level: QrErrorCorrection) -> Self {
        match level {
            QrErrorCorrection::L => EcLevel::L,
            QrErrorCorrection::M => EcLevel::M,
            QrErrorCorrection::Q => EcLevel::Q,
            QrErrorCorrection::H => EcLevel::H,
        }
    }
}

/// How to draw a QR code. The default (level M, four-module quiet zone) suits activation codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QrOptions {
    pub error_correction: QrErrorCorrection,
    /// Light border around the symbol, in modules; scanners need about four.
    pub quiet_zone_modules: u32,
}

impl Default for QrOptions {
    fn default() -> Self {
        Self {
            error_correction: QrErrorCorrection::M,
            quiet_zone_modules: 4,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    #[error("text too long for a QR code: {bytes} bytes at error correction level {level:?}")]
    DataTooLong {
        bytes: usize,
        level: QrErrorCorrection,
    },
    #[error("could not encode the QR code: {0}")]
    Encode(qrcode::types::QrError),
    #[error("quiet zone of {0} modules is too wide (at most {MAX_QUIET_ZONE_MODULES})")]
    QuietZoneTooWide(u32),
    #[error("image of {0} pixels is too large (at most {MAX_PNG_SIZE_PX})")]
    ImageTooLarge(u32),
    #[error("could not write the PNG: {0}")]
    Png(#[source] image::ImageError),
}

/// The module matrix for `text`, after checking the options.
fn encode(text: &str, opts: QrOptions) -> Result<QrCode, QrError> {
    if opts.quiet_zone_modules > MAX_QUIET_ZONE_MODULES {
        return Err(QrError::QuietZoneTooWide(opts.quiet_zone_modules));
    }
    QrCode::with_error_correction_level(text, opts.error_correction.into()).map_err(|e| match e {
        qrcode::types::QrError::DataTooLong => QrError::DataTooLong {
            bytes: text.len(),
            level: opts.error_correction,
        },
        other => QrError::Encode(other),
    })
}

/// An SVG of `text` in dark modules on white, one unit per module.
///
/// It has a `viewBox` and no width or height, so it fills whatever box CSS gives it (at least 240
/// CSS pixels on screen); `shape-rendering="crispEdges"` keeps module edges sharp. Dark modules are
/// one `<path>` of `M{x} {y}h{n}v1h-{n}z` runs, one per horizontal run of dark modules.
pub fn render_svg(text: &str, opts: QrOptions) -> Result<String, QrError> {
    let code = encode(text, opts)?;
    let width = code.width();
    let qz = opts.quiet_zone_modules as usize;
    let side = width + 2 * qz;
    let colors = code.to_colors();
    let mut d = String::new();
    for (y, row) in colors.chunks(width).enumerate() {
        let mut x = 0;
        while x < width {
            if row[x] == Color::Dark {
                let run = row[x..].iter().take_while(|c| **c == Color::Dark).count();
                // Writing to a String cannot fail.
                let _ = write!(d, "M{} {}h{run}v1h-{run}z", x + qz, y + qz);
                x += run;
            } else {
                x += 1;
            }
        }
    }
    Ok(format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {s} {s}" "#,
            r#"shape-rendering="crispEdges" role="img">"#,
            r##"<rect width="{s}" height="{s}" fill="#fff"/>"##,
            r##"<path fill="#000" d="{d}"/></svg>"##
        ),
        s = side,
        d = d
    ))
}

/// A greyscale PNG of `text`, encoded in memory, at least `min_size_px` wide (modules are whole
/// pixels, so the image is rounded up to a multiple of the module count).
pub fn render_png(text: &str, opts: QrOptions, min_size_px: u32) -> Result<Vec<u8>, QrError> {
    if min_size_px > MAX_PNG_SIZE_PX {
        return Err(QrError::ImageTooLarge(min_size_px));
    }
    let code = encode(text, opts)?;
    let colors = code.to_colors();
    let image = Renderer::<Luma<u8>>::new(&colors, code.width(), opts.quiet_zone_modules)
        .min_dimensions(min_size_px, min_size_px)
        .build();
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(QrError::Png)?;
    Ok(png)
}

/// The SVG of the canonical `LPA:` string, nothing else.
pub fn activation_code_svg(code: &ActivationCode, opts: QrOptions) -> Result<String, QrError> {
    render_svg(&code.to_string(), opts)
}

/// The PNG of the canonical `LPA:` string, nothing else.
pub fn activation_code_png(
    code: &ActivationCode,
    opts: QrOptions,
    min_size_px: u32,
) -> Result<Vec<u8>, QrError> {
    render_png(&code.to_string(), opts, min_size_px)
}

// ---------------------------------------------------------------------------------------------
// Decoding: a QR code in a picture (a screenshot, a photo of a voucher, a provider's PNG).

/// Image files larger than this are refused before decoding.
pub const MAX_DECODE_BYTES: usize = 20 * 1024 * 1024;
/// Images with more pixels than this (40 megapixels) are refused before decoding.
pub const MAX_DECODE_PIXELS: u64 = 40_000_000;

/// Why no text came out of a picture. The messages are for the person who chose the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrDecodeError {
    #[error("the file is not an image eSIM Desk can read (PNG, JPEG or WebP){}", detail_suffix(.0))]
    NotAnImage(Option<String>),
    #[error("the file is too large ({bytes} bytes; at most {MAX_DECODE_BYTES})")]
    FileTooLarge { bytes: usize },
    #[error(
        "the image is too large ({width} × {height} pixels; at most {} megapixels)",
        MAX_DECODE_PIXELS / 1_000_000
    )]
    TooManyPixels { width: u32, height: u32 },
    #[error("no QR code was found in the image")]
    NoQrCode,
    #[error(
        "a QR code was found but could not be read: try a sharper, straighter picture with the whole code in it"
    )]
    Unreadable,
}

fn detail_suffix(detail: &Option<String>) -> String {
    detail
        .as_ref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default()
}

/// The texts of every QR code found in an encoded image (PNG, JPEG or WebP), in the order the
/// decoder found them. Pure: the bytes are already in memory. Files over [`MAX_DECODE_BYTES`] and
/// images over [`MAX_DECODE_PIXELS`] are refused before any pixel is decoded. A light-on-dark
/// (inverted) code is read too.
pub fn decode_image(bytes: &[u8]) -> Result<Vec<String>, QrDecodeError> {
    if bytes.len() > MAX_DECODE_BYTES {
        return Err(QrDecodeError::FileTooLarge { bytes: bytes.len() });
    }
    let reader = || {
        image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| QrDecodeError::NotAnImage(Some(e.to_string())))
    };
    let probe = reader()?;
    if probe.format().is_none() {
        return Err(QrDecodeError::NotAnImage(None));
    }
    let (width, height) = probe
        .into_dimensions()
        .map_err(|e| QrDecodeError::NotAnImage(Some(e.to_string())))?;
    if u64::from(width) * u64::from(height) > MAX_DECODE_PIXELS {
        return Err(QrDecodeError::TooManyPixels { width, height });
    }
    let mut decoder = reader()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    decoder.limits(limits);
    let mut luma = decoder
        .decode()
        .map_err(|e| QrDecodeError::NotAnImage(Some(e.to_string())))?
        .into_luma8();
    match read_grids(luma.clone()) {
        Err(QrDecodeError::NoQrCode) => {
            image::imageops::invert(&mut luma);
            read_grids(luma)
        }
        other => other,
    }
}

fn read_grids(luma: image::GrayImage) -> Result<Vec<String>, QrDecodeError> {
    let mut prepared = rqrr::PreparedImage::prepare(luma);
    let grids = prepared.detect_grids();
    if grids.is_empty() {
        return Err(QrDecodeError::NoQrCode);
    }
    let texts: Vec<String> = grids
        .iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect();
    if texts.is_empty() {
        return Err(QrDecodeError::Unreadable);
    }
    Ok(texts)
}
