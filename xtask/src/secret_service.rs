//! A private, real and unlocked Secret Service for the tests that use the OS keychain.
//!
//! `xtask/keyring-session.sh` does the work: its own D-Bus session bus (`dbus-run-session`), a
//! GNOME Keyring daemon whose keyrings live in a throwaway folder, unlocked with a throwaway
//! password, then the command with `ESIMDESK_KEYCHAIN_TESTS=1`. Nothing of the user's own
//! session or keyrings is touched. Debian packages: dbus-daemon, dbus-bin, gnome-keyring (and
//! libdbus-1-dev, pkg-config to build the keyring crate's client).

use std::process::Command;

use crate::root;

/// The same command, run inside a keyring session: same program, arguments, working folder and
/// environment changes.
pub fn wrap(command: &Command) -> Command {
    let mut wrapped = Command::new("sh");
    wrapped
        .arg(root().join("xtask").join("keyring-session.sh"))
        .arg(command.get_program())
        .args(command.get_args());
    wrapped.current_dir(command.get_current_dir().unwrap_or(&root()));
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => wrapped.env(key, value),
            None => wrapped.env_remove(key),
        };
    }
    wrapped
}
