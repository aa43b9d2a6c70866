//! Every QR rendering is decoded by an independent decoder (rqrr) and must give back exactly the
//! canonical `LPA:` string, at every length a valid code can have.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use esimdesk_core::ActivationCode;
use esimdesk_core::install_link::apple_install_url;
use esimdesk_core::qr::{
    QrError, QrErrorCorrection, QrOptions, activation_code_png, activation_code_svg, render_png,
    render_svg,
};
use proptest::prelude::*;
use qrcode::{Color, QrCode};

const EXAMPLE: &str = "LPA:1$rsp.truphone.com$6C-DA326D-K86D";

fn assert_roundtrip(text: &str, opts: QrOptions) {
    let svg = render_svg(text, opts).unwrap();
    assert_eq!(
        common::decode_svg(&svg, 3),
        vec![text.to_owned()],
        "SVG of {text:?}"
    );
    let png = render_png(text, opts, 240).unwrap();
    assert_eq!(
        common::decode_png(&png),
        vec![text.to_owned()],
        "PNG of {text:?}"
    );
}

#[test]
fn svg_is_scalable_crisp_and_matches_the_matrix() {
    let svg = render_svg(EXAMPLE, QrOptions::default()).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
    assert!(svg.contains("shape-rendering=\"crispEdges\""));
    let open_tag = svg.split('>').next().unwrap();
    assert!(
        !open_tag.contains("width") && !open_tag.contains("height"),
        "no fixed size: {open_tag}"
    );
    assert!(!svg.ends_with('\n'));

    let code = QrCode::with_error_correction_level(EXAMPLE, qrcode::EcLevel::M).unwrap();
    let (side, dark) = common::svg_modules(&svg);
    let w = code.width();
    assert_eq!(side, w + 8, "four-module quiet zone on each side");
    for y in 0..side {
        for x in 0..side {
            let inside = (4..w + 4).contains(&x) && (4..w + 4).contains(&y);
            let want = inside && code[(x - 4, y - 4)] == Color::Dark;
            assert_eq!(dark[y * side + x], want, "module {x},{y}");
        }
    }
}

#[test]
fn every_level_and_quiet_zone_decodes() {
    for level in [
        QrErrorCorrection::L,
        QrErrorCorrection::M,
        QrErrorCorrection::Q,
        QrErrorCorrection::H,
    ] {
        for quiet_zone_modules in [2, 4, 8] {
            assert_roundtrip(
                EXAMPLE,
                QrOptions {
                    error_correction: level,
                    quiet_zone_modules,
                },
            );
        }
    }
}

#[test]
fn png_is_at_least_the_requested_size() {
    let png = render_png(EXAMPLE, QrOptions::default(), 240).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let img = image::load_from_memory(&png).unwrap();
    assert!(img.width() >= 240 && img.height() == img.width());
}

#[test]
fn activation_code_helpers_carry_the_canonical_string() {
    let code =
        ActivationCode::parse("  lpa:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$$1 ").unwrap();
    let canonical = "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$$1";
    let svg = activation_code_svg(&code, QrOptions::default()).unwrap();
    assert_eq!(common::decode_svg(&svg, 3), vec![canonical.to_owned()]);
    let png = activation_code_png(&code, QrOptions::default(), 300).unwrap();
    assert_eq!(common::decode_png(&png), vec![canonical.to_owned()]);
}

#[test]
fn install_link_qr_decodes() {
    let code = ActivationCode::parse(EXAMPLE).unwrap();
    assert_roundtrip(&apple_install_url(&code), QrOptions::default());
}

#[test]
fn longest_code_decodes() {
    let fixed = "LPA:1$rsp.truphone.com$".len();
    let text = format!(
        "LPA:1$rsp.truphone.com${}",
        "Z9-".repeat(100)[..255 - fixed].to_owned()
    );
    assert_eq!(text.len(), 255);
    let code = ActivationCode::parse(&text).unwrap();
    for level in [QrErrorCorrection::M, QrErrorCorrection::H] {
        let opts = QrOptions {
            error_correction: level,
            ..QrOptions::default()
        };
        assert_eq!(
            common::decode_svg(&activation_code_svg(&code, opts).unwrap(), 3),
            vec![text.clone()]
        );
        assert_eq!(
            common::decode_png(&activation_code_png(&code, opts, 240).unwrap()),
            vec![text.clone()]
        );
    }
}

#[test]
fn refusals() {
    let long = "x".repeat(3000);
    assert!(matches!(
        render_svg(&long, QrOptions::default()),
        Err(QrError::DataTooLong { bytes: 3000, .. })
    ));
    let wide = QrOptions {
        quiet_zone_modules: 1000,
        ..QrOptions::default()
    };
    assert!(matches!(
        render_svg(EXAMPLE, wide),
        Err(QrError::QuietZoneTooWide(1000))
    ));
    assert!(matches!(
        render_png(EXAMPLE, QrOptions::default(), u32::MAX),
        Err(QrError::ImageTooLarge(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Generated codes span canonical lengths up to 255; both renderings decode to the canonical
    /// string exactly.
    #[test]
    fn generated_codes_decode_exactly(generated in common::valid_code()) {
        let code = ActivationCode::parse(&generated.input).unwrap();
        let canonical = code.to_string();
        prop_assert_eq!(&canonical, &generated.canonical);
        let svg = activation_code_svg(&code, QrOptions::default()).unwrap();
        prop_assert_eq!(common::decode_svg(&svg, 2), vec![canonical.clone()]);
        let png = activation_code_png(&code, QrOptions::default(), 0).unwrap();
        prop_assert_eq!(common::decode_png(&png), vec![canonical]);
    }
}

/// Deterministic sweep over canonical lengths from the shortest useful code to 255, so every QR
/// version a valid code can need is decoded at least once.
#[test]
fn every_length_up_to_the_limit_decodes() {
    let fixed = "LPA:1$smdp.example.com$".len();
    for len in (fixed..=255).step_by(8).chain([255]) {
        let id: String = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-"
            .chars()
            .cycle()
            .take(len - fixed)
            .collect();
        let code = ActivationCode::new("smdp.example.com", &id, None, false).unwrap();
        let canonical = code.to_string();
        assert_eq!(canonical.len(), len);
        let svg = activation_code_svg(&code, QrOptions::default()).unwrap();
        assert_eq!(
            common::decode_svg(&svg, 2),
            vec![canonical.clone()],
            "SVG, length {len}"
        );
        let png = activation_code_png(&code, QrOptions::default(), 0).unwrap();
        assert_eq!(
            common::decode_png(&png),
            vec![canonical],
            "PNG, length {len}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// decode_image

mod decode {
    use std::io::Cursor;

    use esimdesk_core::qr::{MAX_DECODE_BYTES, QrDecodeError, QrOptions, decode_image, render_png};
    use image::{GrayImage, ImageFormat, Luma};

    const CODE: &str = "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815";

    fn encode(img: &GrayImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), format).unwrap();
        out
    }

    fn code_image() -> GrayImage {
        let png = render_png(CODE, QrOptions::default(), 300).unwrap();
        image::load_from_memory(&png).unwrap().into_luma8()
    }

    #[test]
    fn reads_png_and_jpeg() {
        let png = render_png(CODE, QrOptions::default(), 300).unwrap();
        assert_eq!(decode_image(&png).unwrap(), vec![CODE.to_owned()]);
        let jpeg = encode(&code_image(), ImageFormat::Jpeg);
        assert_eq!(decode_image(&jpeg).unwrap(), vec![CODE.to_owned()]);
    }

    #[test]
    fn reads_a_code_inside_a_larger_picture_and_an_inverted_one() {
        let code = code_image();
        let mut page = GrayImage::from_pixel(900, 700, Luma([235]));
        image::imageops::overlay(&mut page, &code, 400, 250);
        assert_eq!(
            decode_image(&encode(&page, ImageFormat::Png)).unwrap(),
            vec![CODE.to_owned()]
        );
        let mut inverted = code;
        image::imageops::invert(&mut inverted);
        assert_eq!(
            decode_image(&encode(&inverted, ImageFormat::Png)).unwrap(),
            vec![CODE.to_owned()]
        );
    }

    #[test]
    fn typed_errors() {
        assert!(matches!(
            decode_image(b"LPA:1$not.an.image$X"),
            Err(QrDecodeError::NotAnImage(_))
        ));
        // A PNG signature with nothing after it.
        assert!(matches!(
            decode_image(b"\x89PNG\r\n\x1a\n"),
            Err(QrDecodeError::NotAnImage(_))
        ));
        let blank = GrayImage::from_pixel(200, 200, Luma([255]));
        assert_eq!(
            decode_image(&encode(&blank, ImageFormat::Png)),
            Err(QrDecodeError::NoQrCode)
        );
        assert!(matches!(
            decode_image(&vec![0u8; MAX_DECODE_BYTES + 1]),
            Err(QrDecodeError::FileTooLarge { .. })
        ));
        let e = decode_image(b"hello").unwrap_err().to_string();
        assert!(e.contains("not an image"), "{e}");
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for b in bytes {
            crc ^= u32::from(*b);
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

    /// A PNG whose header claims 10 000 × 5 000 pixels: refused from the header alone, before
    /// any pixel memory is allocated.
    #[test]
    fn refuses_huge_images_from_the_header() {
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend(10_000u32.to_be_bytes());
        ihdr.extend(5_000u32.to_be_bytes());
        ihdr.extend([8, 0, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(13u32.to_be_bytes());
        png.extend(&ihdr);
        png.extend(crc32(&ihdr).to_be_bytes());
        for chunk in [&b"IDAT"[..], &b"IEND"[..]] {
            png.extend(0u32.to_be_bytes());
            png.extend(chunk);
            png.extend(crc32(chunk).to_be_bytes());
        }
        assert_eq!(
            decode_image(&png),
            Err(QrDecodeError::TooManyPixels {
                width: 10_000,
                height: 5_000
            })
        );
    }
}
