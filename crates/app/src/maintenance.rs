//! Looking after the database: an online backup, and SQLite's integrity checks.

use std::path::Path;

use crate::AppError;
use crate::desk::Desk;

/// Copies the whole database to `file` (SQLite's online backup: safe while the app runs).
pub fn backup(desk: &Desk, file: &Path) -> Result<(), AppError> {
    desk.store().backup_to(file)?;
    desk.store().audit(
        &desk.actor(),
        "database.backup",
        &format!("backed up to {}", file.display()),
    )?;
    Ok(())
}

/// What SQLite's integrity and foreign-key checks found; empty when the database is sound.
pub fn integrity_problems(desk: &Desk) -> Result<Vec<String>, AppError> {
    Ok(desk.store().integrity_check()?)
}
