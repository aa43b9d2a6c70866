//! eSIM Go
