//! The Tauri shell: window, state and thin commands over `esimdesk-app`. No business logic here;
//! each command is a call into the app crate and a mapping of its error to `ErrorPayload`.

mod commands;

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::inspect_code,
            commands::check_iccid,
            commands::check_eid,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        tracing::error!(%error, "eSIM Desk could not start");
        eprintln!("eSIM Desk could not start: {error}");
        std::process::exit(1);
    }
}
