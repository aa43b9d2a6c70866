//! `#[tauri::command]`s: a few lines each, calling `esimdesk-app`. Arguments arrive in camelCase
//! (Tauri's default); every error crosses as an `ErrorPayload`. The list of commands and events,
//! with their argument and payload types, is declared once in [`crate::ipc`].

pub mod accounts;
pub mod app;
pub mod catalogue;
pub mod codes;
pub mod esims;
pub mod sales;
pub mod settings;
