//! One-tap install links: a customer reading them on the phone that will hold the eSIM installs it
//! without scanning. Each carries the canonical `LPA:` string as a percent-encoded query value.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::activation_code::ActivationCode;

/// Apple's universal link (iOS 17.4 and later).
pub const APPLE_BASE: &str = "https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=";
/// Android's equivalent, for devices whose eSIM manager supports it.
pub const ANDROID_BASE: &str = "https://esimsetup.android.com/esim_qrcode_provisioning?carddata=";

/// Everything but RFC 3986 unreserved characters is encoded, so `$`, `:`, `&`, `+` and `#` can
/// never be read as query syntax by the phone or anything in between.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=LPA%3A1%24...`
pub fn apple_install_url(code: &ActivationCode) -> String {
    with_carddata(APPLE_BASE, code)
}

/// `https://esimsetup.android.com/esim_qrcode_provisioning?carddata=LPA%3A1%24...`
pub fn android_install_url(code: &ActivationCode) -> String {
    with_carddata(ANDROID_BASE, code)
}

/// The canonical code itself. `LPA:1$...` is already a URI of scheme `lpa`, which Windows 11 and
/// some Android builds hand to their eSIM manager when it is opened as a link; no wrapper exists.
pub fn windows_lpa_link(code: &ActivationCode) -> String {
    code.to_string()
}

fn with_carddata(base: &str, code: &ActivationCode) -> String {
    let canonical = code.to_string();
    format!("{base}{}", utf8_percent_encode(&canonical, QUERY_VALUE))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use percent_encoding::percent_decode_str;

    const CODES: &[&str] = &[
        "LPA:1$rsp.truphone.com$6C-DA326D-K86D",
        "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746",
        "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$$1",
        "LPA:1$smdp.example.com$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746$1",
        "LPA:1$sm-dp.example.net$k2-1a2b3c-4d5e6f",
    ];

    fn carddata<'a>(url: &'a str, base: &str) -> &'a str {
        let value = url.strip_prefix(base).unwrap();
        assert!(
            value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
            "unencoded character in {value}"
        );
        value
    }

    #[test]
    fn carddata_decodes_to_the_canonical_code() {
        for text in CODES {
            let code = ActivationCode::parse(text).unwrap();
            for (url, base) in [
                (apple_install_url(&code), APPLE_BASE),
                (android_install_url(&code), ANDROID_BASE),
            ] {
                let decoded = percent_decode_str(carddata(&url, base))
                    .decode_utf8()
                    .unwrap();
                assert_eq!(decoded, code.to_string());
                assert_eq!(ActivationCode::parse(&decoded).unwrap(), code);
            }
        }
    }

    #[test]
    fn exact_apple_link() {
        let code = ActivationCode::parse("LPA:1$rsp.truphone.com$6C-DA326D-K86D").unwrap();
        assert_eq!(
            apple_install_url(&code),
            "https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=\
             LPA%3A1%24rsp.truphone.com%246C-DA326D-K86D"
        );
        assert_eq!(
            windows_lpa_link(&code),
            "LPA:1$rsp.truphone.com$6C-DA326D-K86D"
        );
    }
}
