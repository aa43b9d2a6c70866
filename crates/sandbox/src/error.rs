//! Errors of starting and running a sandbox.

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("invalid sandbox configuration: {0}")]
    Config(String),
    #[error("catalogue: {0}")]
    Catalogue(#[from] crate::catalogue::CatalogueError),
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("sandbox runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("the sandbox thread stopped before it was ready")]
    ThreadGone,
}
