//! Shared by the integration tests: generators of valid activation codes and QR decoding.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;

/// The longest canonical code accepted.
pub const MAX_LEN: usize = 255;

/// A valid code as someone might type it, and its canonical form.
#[derive(Debug, Clone)]
pub struct GeneratedCode {
    pub input: String,
    pub canonical: String,
}

fn label() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9]([a-zA-Z0-9-]{0,28}[a-zA-Z0-9])?"
}

pub fn address() -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 2..=5).prop_map(|labels| labels.join("."))
}

pub fn oid() -> impl Strategy<Value = String> {
    prop::collection::vec("[0-9]{1,6}", 2..=8).prop_map(|arcs| arcs.join("."))
}

/// `LPA:` in any case, or nothing.
fn prefix() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        prop::collection::vec(any::<bool>(), 3).prop_map(|upper| {
            "lpa"
                .chars()
                .zip(upper)
                .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
                .collect::<String>()
                + ":"
        }),
    ]
}

/// Valid codes whose canonical length spreads over the whole range up to 255: the matching ID
/// is drawn long and cut to what is left of the budget.
pub fn valid_code_with(matching_id: &'static str) -> impl Strategy<Value = GeneratedCode> {
    (
        address(),
        matching_id,
        prop::option::of(oid()),
        any::<bool>(),
        prefix(),
        "[ \t]{0,3}",
        "[ \t]{0,3}",
    )
        .prop_map(|(address, mut id, oid, flag, prefix, lead, trail)| {
            let tail = match (&oid, flag) {
                (None, false) => String::new(),
                (Some(o), false) => format!("${o}"),
                (None, true) => "$$1".to_owned(),
                (Some(o), true) => format!("${o}$1"),
            };
            let fixed = "LPA:1$".len() + address.len() + 1 + tail.len();
            id.truncate(MAX_LEN.saturating_sub(fixed));
            let body = format!("1${address}${id}{tail}");
            GeneratedCode {
                input: format!("{lead}{prefix}{body}{trail}"),
                canonical: format!("LPA:{body}"),
            }
        })
}

pub fn valid_code() -> impl Strategy<Value = GeneratedCode> {
    valid_code_with("[0-9A-Z-]{0,250}")
}

/// Decodes every QR code found in a greyscale bitmap; `dark(x, y)` says whether a pixel is dark.
pub fn decode_bitmap(w: usize, h: usize, dark: impl FnMut(usize, usize) -> bool) -> Vec<String> {
    let mut img = rqrr::PreparedImage::prepare_from_bitmap(w, h, dark);
    img.detect_grids()
        .into_iter()
        .map(|g| g.decode().expect("QR code found but not decodable").1)
        .collect()
}

/// Decodes PNG bytes with rqrr (independent of the encoder).
pub fn decode_png(png: &[u8]) -> Vec<String> {
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .expect("not a PNG")
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared
        .detect_grids()
        .into_iter()
        .map(|g| g.decode().expect("QR code found but not decodable").1)
        .collect()
}

/// Dark modules of an SVG from `render_svg`, read back from its `viewBox` and path.
/// Returns (side in modules, dark flags row by row).
pub fn svg_modules(svg: &str) -> (usize, Vec<bool>) {
    let view_box = svg
        .split("viewBox=\"")
        .nth(1)
        .expect("viewBox")
        .split('"')
        .next()
        .unwrap();
    let nums: Vec<usize> = view_box.split(' ').map(|n| n.parse().unwrap()).collect();
    assert_eq!(&nums[..2], &[0, 0]);
    assert_eq!(nums[2], nums[3], "not square");
    let side = nums[2];
    let mut dark = vec![false; side * side];
    let d = svg
        .split(" d=\"")
        .nth(1)
        .expect("path")
        .split('"')
        .next()
        .unwrap();
    for run in d.split('z').filter(|r| !r.is_empty()) {
        // M{x} {y}h{n}v1h-{n}
        let rest = run.strip_prefix('M').expect("M");
        let (xy, rest) = rest.split_once('h').unwrap();
        let (x, y) = xy.split_once(' ').unwrap();
        let (n, back) = rest.split_once("v1h-").unwrap();
        assert_eq!(n, back, "run not closed: {run}");
        let (x, y, n): (usize, usize, usize) =
            (x.parse().unwrap(), y.parse().unwrap(), n.parse().unwrap());
        for i in x..x + n {
            assert!(!dark[y * side + i], "overlapping runs at {i},{y}");
            dark[y * side + i] = true;
        }
    }
    (side, dark)
}

/// Rasterises an SVG from `render_svg` at `scale` pixels per module and decodes it.
pub fn decode_svg(svg: &str, scale: usize) -> Vec<String> {
    let (side, dark) = svg_modules(svg);
    let px = side * scale;
    decode_bitmap(px, px, |x, y| dark[(y / scale) * side + x / scale])
}
