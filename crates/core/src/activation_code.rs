//! eSIM activation codes (GSMA SGP.22 §4.1): the `LPA:1$<SM-DP+ address>$<matching ID>...` string
//! that an eSIM QR code carries.
//!
//! Parsing never rewrites what the provider issued (address case, matching-ID case) and every
//! rejection names the field and the reason, so a desk agent can tell what to fix. The code is a
//! bearer credential: [`ActivationCode`]'s `Debug` and [`ActivationCode::masked`] hide most of the
//! matching ID, and errors never quote it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest accepted code, counted on the canonical `LPA:` string (SGP.22 limits it to 255).
pub const MAX_LEN: usize = 255;

const PREFIX: &str = "LPA:";
const OID_EXAMPLE: &str = "1.3.6.1.4.1.31746";

/// A validated activation code. Its `Display` is the canonical form (see [`ActivationCode::parse`]).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ActivationCode {
    smdp_address: String,
    matching_id: String,
    oid: Option<String>,
    confirmation_code_required: bool,
}

/// A part of the activation code, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeField {
    Prefix,
    Format,
    SmdpAddress,
    MatchingId,
    Oid,
    ConfirmationFlag,
    /// The code as a whole (empty, too long, line breaks, number of fields).
    Whole,
}

impl fmt::Display for CodeField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Prefix => "LPA: prefix",
            Self::Format => "format",
            Self::SmdpAddress => "SM-DP+ address",
            Self::MatchingId => "matching ID",
            Self::Oid => "SM-DP+ OID",
            Self::ConfirmationFlag => "confirmation code required flag",
            Self::Whole => "activation code",
        })
    }
}

/// Why a code was refused. Positions are 1-based and count characters within the field named by
/// [`ActivationCodeError::field`] (for [`CodeField::Whole`], within the trimmed input).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodeErrorKind {
    Empty,
    LineBreak { position: usize },
    TooLong { length: usize },
    TooManyFields { count: usize },
    Missing,
    MalformedPrefix,
    UnsupportedFormat { found: String },
    Scheme,
    Path { ch: char, position: usize },
    InvalidChar { ch: char, position: usize },
    NoDot,
    EmptyLabel { position: usize },
    LabelHyphen { position: usize },
    LabelTooLong { position: usize },
    NotDottedDecimal,
    FlagInOidPosition,
    ConfirmationCodeInCode,
    FlagNotOne { found: String },
}

impl fmt::Display for CodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "is empty"),
            Self::LineBreak { position } => write!(
                f,
                "has a line break inside the code (position {position}); it must be on one line"
            ),
            Self::TooLong { length } => {
                write!(f, "is longer than {MAX_LEN} characters ({length})")
            }
            Self::TooManyFields { count } => write!(
                f,
                "has too many fields: {count} found, at most 5 are defined \
                 (1$address$matching ID$OID$flag); a confirmation code must be given separately"
            ),
            Self::Missing => write!(
                f,
                "is missing; the code must look like LPA:1$address$matching ID"
            ),
            Self::MalformedPrefix => {
                write!(f, "is malformed; the code must start with LPA:1$ or 1$")
            }
            Self::UnsupportedFormat { found } => write!(f, "must be 1, found {found}"),
            Self::Scheme => write!(f, "must not include a scheme such as https://"),
            Self::Path { ch, position } => write!(
                f,
                "must not include a path or port ('{ch}' at position {position}); give the host name only"
            ),
            Self::InvalidChar { ch, position } => {
                write!(f, "contains {} at position {position}", describe_char(*ch))
            }
            Self::NoDot => write!(
                f,
                "must be a fully qualified domain name with at least one dot, e.g. rsp.example.com"
            ),
            Self::EmptyLabel { position } => write!(
                f,
                "has an empty label at position {position} (a dot at the start or end, or two dots in a row)"
            ),
            Self::LabelHyphen { position } => write!(
                f,
                "has a label starting or ending with '-' at position {position}"
            ),
            Self::LabelTooLong { position } => {
                write!(
                    f,
                    "has a label longer than 63 characters at position {position}"
                )
            }
            Self::NotDottedDecimal => {
                write!(f, "must be dotted decimal digits such as {OID_EXAMPLE}")
            }
            Self::FlagInOidPosition => write!(
                f,
                "must be dotted decimal such as {OID_EXAMPLE}; to say a confirmation code is \
                 required without an OID, write $$1"
            ),
            Self::ConfirmationCodeInCode => write!(
                f,
                "holds what looks like a confirmation code: the confirmation code must be given \
                 separately, not in the code"
            ),
            Self::FlagNotOne { found } => write!(f, "must be 1 when present, found {found}"),
        }
    }
}

/// A refused activation code: which field, and why. Never quotes the matching ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {kind}")]
pub struct ActivationCodeError {
    field: CodeField,
    kind: CodeErrorKind,
}

impl ActivationCodeError {
    fn new(field: CodeField, kind: CodeErrorKind) -> Self {
        Self { field, kind }
    }
    /// The field at fault.
    pub fn field(&self) -> CodeField {
        self.field
    }
    /// The reason, for callers that react differently to different faults.
    pub fn kind(&self) -> &CodeErrorKind {
        &self.kind
    }
}

/// Something accepted but worth telling the agent about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeWarning {
    /// SGP.22 allows only upper case; some SM-DP+ servers issue lower case, which is kept as is.
    LowercaseMatchingId,
    /// Valid per SGP.22 (the device asks for a default profile), but a provider order needs one.
    EmptyMatchingId,
}

impl fmt::Display for CodeWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LowercaseMatchingId => {
                "the matching ID contains lower-case letters; it is kept exactly as issued"
            }
            Self::EmptyMatchingId => {
                "the matching ID is empty; the phone will ask for a default profile"
            }
        })
    }
}

fn err(field: CodeField, kind: CodeErrorKind) -> ActivationCodeError {
    ActivationCodeError::new(field, kind)
}

impl ActivationCode {
    /// Parses a code as typed, pasted or scanned.
    ///
    /// Accepts the `LPA:` prefix in any case or missing, trims surrounding white space, and splits
    /// on every `$` without collapsing empty fields (`$$1` = no OID, confirmation code required).
    /// An empty trailing OID or flag field (`...$ID$`) is treated as absent.
    pub fn parse(input: &str) -> Result<Self, ActivationCodeError> {
        use CodeErrorKind as K;
        use CodeField as F;
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(err(F::Whole, K::Empty));
        }
        if let Some(i) = trimmed.chars().position(|c| c == '\n' || c == '\r') {
            return Err(err(F::Whole, K::LineBreak { position: i + 1 }));
        }
        let body = strip_prefix_ci(trimmed);
        let length = PREFIX.len() + body.chars().count();
        if length > MAX_LEN {
            return Err(err(F::Whole, K::TooLong { length }));
        }
        let fields: Vec<&str> = body.split('$').collect();
        if fields.len() > 5 {
            return Err(err(
                F::Whole,
                K::TooManyFields {
                    count: fields.len(),
                },
            ));
        }
        check_format(fields.first().copied().unwrap_or(""))?;
        let address = fields
            .get(1)
            .ok_or_else(|| err(F::SmdpAddress, K::Missing))?;
        let matching_id = fields
            .get(2)
            .ok_or_else(|| err(F::MatchingId, K::Missing))?;
        let oid = fields.get(3).copied().unwrap_or("");
        check_fields(address, matching_id, oid)?;
        let flag = parse_flag(fields.get(4).copied().unwrap_or(""))?;
        Ok(Self::from_checked(address, matching_id, oid, flag))
    }

    /// Builds a code from separate fields (as providers send them), validated like [`Self::parse`].
    /// Surrounding white space of each field is trimmed: it comes from JSON/CSV cells and is never
    /// significant. `oid` of `None` or `Some("")` means no OID.
    pub fn new(
        smdp_address: &str,
        matching_id: &str,
        oid: Option<&str>,
        confirmation_code_required: bool,
    ) -> Result<Self, ActivationCodeError> {
        let (address, matching_id, oid) = (
            smdp_address.trim(),
            matching_id.trim(),
            oid.unwrap_or("").trim(),
        );
        check_fields(address, matching_id, oid)?;
        let code = Self::from_checked(address, matching_id, oid, confirmation_code_required);
        let length = code.to_string().chars().count();
        if length > MAX_LEN {
            return Err(err(CodeField::Whole, CodeErrorKind::TooLong { length }));
        }
        Ok(code)
    }

    fn from_checked(address: &str, matching_id: &str, oid: &str, flag: bool) -> Self {
        Self {
            smdp_address: address.to_owned(),
            matching_id: matching_id.to_owned(),
            oid: (!oid.is_empty()).then(|| oid.to_owned()),
            confirmation_code_required: flag,
        }
    }

    /// The SM-DP+ server's host name, exactly as issued.
    pub fn smdp_address(&self) -> &str {
        &self.smdp_address
    }
    /// The activation token. A secret: do not log it (see [`Self::masked`]).
    pub fn matching_id(&self) -> &str {
        &self.matching_id
    }
    pub fn oid(&self) -> Option<&str> {
        self.oid.as_deref()
    }
    /// The customer must also type a confirmation code that the provider sends separately.
    pub fn confirmation_code_required(&self) -> bool {
        self.confirmation_code_required
    }

    /// Things accepted but worth showing to the agent.
    pub fn warnings(&self) -> Vec<CodeWarning> {
        let mut out = Vec::new();
        if self.matching_id.is_empty() {
            out.push(CodeWarning::EmptyMatchingId);
        }
        if self.matching_id.bytes().any(|b| b.is_ascii_lowercase()) {
            out.push(CodeWarning::LowercaseMatchingId);
        }
        out
    }

    /// The canonical form with the matching ID masked, safe for logs:
    /// `LPA:1$rsp.truphone.com$6C-D…K86D`.
    pub fn masked(&self) -> String {
        self.write_with(&mask(&self.matching_id))
    }

    fn write_with(&self, matching_id: &str) -> String {
        let mut s = format!("{PREFIX}1${}${matching_id}", self.smdp_address);
        if self.oid.is_some() || self.confirmation_code_required {
            s.push('$');
            s.push_str(self.oid.as_deref().unwrap_or(""));
        }
        if self.confirmation_code_required {
            s.push_str("$1");
        }
        s
    }
}

/// Keeps the first and last four characters of a long matching ID (enough to tell codes apart on
/// a log line, too few to install one), fewer of a short one.
fn mask(id: &str) -> String {
    let n = id.chars().count();
    let keep = match n {
        0 => return String::new(),
        12.. => 4,
        8..=11 => 2,
        _ => 0,
    };
    let head: String = id.chars().take(keep).collect();
    let tail: String = id.chars().skip(n - keep).collect();
    format!("{head}…{tail}")
}

fn strip_prefix_ci(s: &str) -> &str {
    match s.get(..PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(PREFIX) => &s[PREFIX.len()..],
        _ => s,
    }
}

fn check_format(format: &str) -> Result<(), ActivationCodeError> {
    use CodeErrorKind as K;
    match format {
        "1" => Ok(()),
        "" => Err(err(CodeField::Format, K::Missing)),
        // `LPA1$`, `LPA :1$`, `LPA:LPA:1$`...
        f if f.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("lpa")) && !f.contains('.') => {
            Err(err(CodeField::Prefix, K::MalformedPrefix))
        }
        // People paste `address$matching ID` without `1$`.
        f if f.contains('.') => Err(err(CodeField::Format, K::Missing)),
        f => Err(err(
            CodeField::Format,
            K::UnsupportedFormat { found: short(f) },
        )),
    }
}

fn check_fields(address: &str, matching_id: &str, oid: &str) -> Result<(), ActivationCodeError> {
    check_address(address)?;
    check_matching_id(matching_id)?;
    check_oid(oid)
}

fn parse_flag(flag: &str) -> Result<bool, ActivationCodeError> {
    use CodeErrorKind as K;
    match flag {
        "" => Ok(false),
        "1" => Ok(true),
        f if looks_like_confirmation_code(f) => {
            Err(err(CodeField::ConfirmationFlag, K::ConfirmationCodeInCode))
        }
        f => Err(err(
            CodeField::ConfirmationFlag,
            K::FlagNotOne { found: short(f) },
        )),
    }
}

fn check_address(address: &str) -> Result<(), ActivationCodeError> {
    use CodeErrorKind as K;
    let fail = |kind| Err(err(CodeField::SmdpAddress, kind));
    if address.is_empty() {
        return fail(K::Empty);
    }
    if address.contains("://") {
        return fail(K::Scheme);
    }
    for (i, ch) in address.chars().enumerate() {
        match ch {
            '/' | ':' => {
                return fail(K::Path {
                    ch,
                    position: i + 1,
                });
            }
            c if c.is_ascii_alphanumeric() || c == '-' || c == '.' => {}
            c => {
                return fail(K::InvalidChar {
                    ch: c,
                    position: i + 1,
                });
            }
        }
    }
    if !address.contains('.') {
        return fail(K::NoDot);
    }
    // All ASCII from here, so byte offsets are character positions.
    let mut start = 0;
    for label in address.split('.') {
        let position = start + 1;
        if label.is_empty() {
            return fail(K::EmptyLabel { position });
        }
        if label.starts_with('-') || label.ends_with('-') {
            return fail(K::LabelHyphen { position });
        }
        if label.len() > 63 {
            return fail(K::LabelTooLong { position });
        }
        start += label.len() + 1;
    }
    Ok(())
}

fn check_matching_id(id: &str) -> Result<(), ActivationCodeError> {
    match id
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        Some((i, ch)) => Err(err(
            CodeField::MatchingId,
            CodeErrorKind::InvalidChar {
                ch,
                position: i + 1,
            },
        )),
        None => Ok(()),
    }
}

fn check_oid(oid: &str) -> Result<(), ActivationCodeError> {
    use CodeErrorKind as K;
    let fail = |kind| Err(err(CodeField::Oid, kind));
    if oid.is_empty() {
        return Ok(());
    }
    if oid == "1" {
        return fail(K::FlagInOidPosition);
    }
    if looks_like_confirmation_code(oid) {
        return fail(K::ConfirmationCodeInCode);
    }
    if let Some((i, ch)) = oid
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
    {
        return fail(K::InvalidChar {
            ch,
            position: i + 1,
        });
    }
    let arcs: Vec<&str> = oid.split('.').collect();
    if arcs.len() < 2 || arcs.iter().any(|a| a.is_empty()) {
        return fail(K::NotDottedDecimal);
    }
    Ok(())
}

/// Carriers that append the confirmation code put a short token without dots where the OID or
/// flag goes; an OID always has dots.
fn looks_like_confirmation_code(field: &str) -> bool {
    field.len() >= 4 && field.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Quotes a short non-secret value; longer ones are only described.
fn short(value: &str) -> String {
    let n = value.chars().count();
    if n <= 8 && value.chars().all(|c| c.is_ascii_graphic()) {
        value.to_owned()
    } else {
        format!("a {n}-character value")
    }
}

/// How to name a character in a message, so invisible ones are still identifiable.
pub(crate) fn describe_char(ch: char) -> String {
    match ch {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        '\u{a0}' => "a non-breaking space".to_owned(),
        c if c.is_control() || c.is_whitespace() => {
            format!("an invisible character (U+{:04X})", u32::from(c))
        }
        c => format!("'{c}'"),
    }
}

impl fmt::Display for ActivationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.write_with(&self.matching_id))
    }
}

/// Masks the matching ID, so a stray `{:?}` in a log line does not leak the credential.
impl fmt::Debug for ActivationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ActivationCode")
            .field(&self.masked())
            .finish()
    }
}

impl FromStr for ActivationCode {
    type Err = ActivationCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// As the canonical string (stock records and bundle imports carry it that way).
impl Serialize for ActivationCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ActivationCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}
