//! Installation instructions per language (itt.md §9) and the compatible devices list (§10).
//! The texts are the simulator's own; what matters to a client is their shape and that the
//! language it asked for is honoured, with English for any language not offered.

use serde_json::{Value, json};

/// Languages with their own steps; anything else gets the first, English.
pub const LANGUAGES: [&str; 2] = ["en", "es"];

/// The language to answer in for `preferred_language` (`es`, `es-ES`, `ES_es` → `es`).
pub fn language(preferred: Option<&str>) -> &'static str {
    let primary = preferred
        .and_then(|p| p.split(['-', '_']).next())
        .map(str::to_ascii_lowercase);
    LANGUAGES
        .iter()
        .copied()
        .find(|l| primary.as_deref() == Some(*l))
        .unwrap_or("en")
}

fn steps(texts: &[&str]) -> Value {
    Value::from(
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| json!({"step": i + 1, "text": text}))
            .collect::<Vec<_>>(),
    )
}

/// `(ios, android)` steps in `language` (one of [`LANGUAGES`]).
pub fn steps_for(language: &str) -> (Value, Value) {
    match language {
        "es" => (
            steps(&[
                "Abre Ajustes y toca Datos móviles.",
                "Toca Añadir eSIM y elige Usar código QR.",
                "Escanea el código QR o introduce los datos manualmente.",
                "Ponle un nombre al plan y elígelo para los datos móviles.",
                "Al llegar a destino, activa la itinerancia de datos en esta línea.",
            ]),
            steps(&[
                "Abre Ajustes y toca Redes e Internet.",
                "Toca SIM y luego Añadir eSIM o Descargar una SIM.",
                "Escanea el código QR o introduce el código de activación.",
                "Activa la nueva eSIM y elígela para los datos móviles.",
                "Al llegar a destino, activa la itinerancia de datos en esta eSIM.",
            ]),
        ),
        _ => (
            steps(&[
                "Open Settings and tap Mobile Data (Cellular).",
                "Tap Add eSIM and choose Use QR Code.",
                "Scan the QR code, or enter the details manually.",
                "Label the plan and choose it for mobile data.",
                "On arrival, turn on Data Roaming for this line.",
            ]),
            steps(&[
                "Open Settings and tap Network & internet.",
                "Tap SIMs, then Add eSIM or Download a SIM instead.",
                "Scan the QR code, or enter the activation code.",
                "Turn the new eSIM on and choose it for mobile data.",
                "On arrival, turn on roaming for this eSIM.",
            ]),
        ),
    }
}

/// Devices known to take eSIMs: `(brand, model, os)`.
const DEVICES: &[(&str, &str, &str)] = &[
    ("Apple", "iPhone XS", "ios"),
    ("Apple", "iPhone 11", "ios"),
    ("Apple", "iPhone 12", "ios"),
    ("Apple", "iPhone 13", "ios"),
    ("Apple", "iPhone 14", "ios"),
    ("Apple", "iPhone 15", "ios"),
    ("Apple", "iPhone 16", "ios"),
    ("Apple", "iPad Pro (3rd generation)", "ios"),
    ("Samsung", "Galaxy S21", "android"),
    ("Samsung", "Galaxy S23", "android"),
    ("Samsung", "Galaxy Z Flip5", "android"),
    ("Google", "Pixel 6", "android"),
    ("Google", "Pixel 8", "android"),
    ("Motorola", "Razr 40", "android"),
    ("Xiaomi", "13T Pro", "android"),
];

/// The `data` of compatible-devices.
pub fn devices() -> Value {
    Value::from(
        DEVICES
            .iter()
            .map(|(brand, model, os)| json!({"brand": brand, "model": model, "os": os}))
            .collect::<Vec<_>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_fall_back_to_english() {
        assert_eq!(language(Some("es")), "es");
        assert_eq!(language(Some("es-ES")), "es");
        assert_eq!(language(Some("ES_es")), "es");
        assert_eq!(language(Some("bn")), "en");
        assert_eq!(language(None), "en");
        for l in LANGUAGES {
            let (ios, android) = steps_for(l);
            assert!(ios.as_array().is_some_and(|s| s.len() >= 3));
            assert!(android.as_array().is_some_and(|s| s.len() >= 3));
        }
    }
}
