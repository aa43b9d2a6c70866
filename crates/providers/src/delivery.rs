//! Delivery results: the activation codes of an order and the QR images they came in.

use std::fmt;

use bytes::Bytes;

use crate::orders::IssuedEsim;

/// How an order's codes were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliverySource {
    /// A ZIP of QR code PNGs with a CSV.
    QrBundle,
    /// A JSON list of install details.
    Json,
    /// The order itself carried them.
    Order,
}

/// A QR code image from a provider's bundle download; the app decodes it and checks it against
/// the codes (file names are not trusted).
#[derive(Clone, PartialEq, Eq)]
pub struct QrImage {
    pub file_name: String,
    pub png: Bytes,
}

impl fmt::Debug for QrImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QrImage({}, {} bytes)", self.file_name, self.png.len())
    }
}

/// The activation codes of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDelivery {
    pub esims: Vec<IssuedEsim>,
    pub qr_images: Vec<QrImage>,
    pub source: DeliverySource,
    /// Rows or items that could not be used, with the reason (no full codes).
    pub notes: Vec<String>,
}
