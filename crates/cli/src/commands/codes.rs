//! Codes, ICCIDs, EIDs and QR files: no database, no network.

use esimdesk_app::codes::{self, QrFormat};
use esimdesk_app::identifiers::{self, IdentifierCheck};

use crate::args::{CodeCommand, EidCommand, IccidCommand, QrArgs};
use crate::{Failure, output};

pub fn code(command: CodeCommand) -> Result<(), Failure> {
    match command {
        CodeCommand::Parse { code } => output::json(&codes::inspect(&code)?),
    }
}

pub fn iccid(command: IccidCommand) -> Result<(), Failure> {
    match command {
        IccidCommand::Check { iccid } => report_check(identifiers::check_iccid(&iccid), "ICCID"),
    }
}

pub fn eid(command: EidCommand) -> Result<(), Failure> {
    match command {
        EidCommand::Check { eid } => report_check(identifiers::check_eid(&eid), "EID"),
    }
}

pub fn qr(args: QrArgs) -> Result<(), Failure> {
    let (path, format) = match (args.output.svg, args.output.png) {
        (Some(path), _) => (path, QrFormat::Svg),
        (None, Some(path)) => (
            path,
            QrFormat::Png {
                min_size_px: args.size,
            },
        ),
        (None, None) => return Err(Failure::Invalid("give --svg FILE or --png FILE".into())),
    };
    let bytes = codes::qr_bytes(&args.code, format)?;
    std::fs::write(&path, bytes)
        .map_err(|e| Failure::Other(format!("cannot write {}: {e}", path.display())))
}

fn report_check(check: IdentifierCheck, what: &str) -> Result<(), Failure> {
    output::json(&check)?;
    if check.valid {
        Ok(())
    } else {
        let reason = check.reason.unwrap_or_default();
        Err(Failure::Invalid(format!("{what}: {reason}")))
    }
}
