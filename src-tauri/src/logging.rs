//! Logs: a daily file in the app's log directory (the last 7 kept) and stderr. Nothing secret is
//! logged anywhere below (keys never, activation codes only masked); "Copy diagnostics" redacts
//! the file again on the way out.

use std::path::Path;

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};

/// Log files kept, one per day.
const KEEP_FILES: usize = 7;
pub const FILE_PREFIX: &str = "esim-desk";

/// Starts logging to `log_dir` and stderr, at `RUST_LOG` or `info`. Without a usable directory,
/// to stderr only (said once, on stderr).
pub fn init(log_dir: &Path) {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let file = std::fs::create_dir_all(log_dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            RollingFileAppender::builder()
                .rotation(Rotation::DAILY)
                .filename_prefix(FILE_PREFIX)
                .filename_suffix("log")
                .max_log_files(KEEP_FILES)
                .build(log_dir)
                .map_err(|e| e.to_string())
        });
    let stderr = fmt::layer().with_writer(std::io::stderr);
    let result = match file {
        Ok(appender) => tracing_subscriber::registry()
            .with(filter())
            .with(stderr)
            .with(fmt::layer().with_ansi(false).with_writer(appender))
            .try_init(),
        Err(e) => {
            eprintln!("eSIM Desk: no log file in {}: {e}", log_dir.display());
            tracing_subscriber::registry()
                .with(filter())
                .with(stderr)
                .try_init()
        }
    };
    if result.is_err() {
        // Already initialised (a second start in the same process): keep the first.
        tracing::debug!("logging was already set up");
    }
}
