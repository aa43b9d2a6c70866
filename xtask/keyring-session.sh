#!/bin/sh
# Runs a command with a real, private and unlocked Secret Service: its own D-Bus session bus and a
# GNOME Keyring daemon whose keyrings live in a throwaway folder. Nothing of the user's own
# session, keyrings or keys is seen or touched, and everything is gone when the command ends.
#
#   sh xtask/keyring-session.sh cargo test -p esimdesk-store --test keychain -- --include-ignored
#
# The command gets ESIMDESK_KEYCHAIN_TESTS=1 (the keychain tests refuse to run without it, so they
# never write to a developer's real keychain) and its own exit status is returned.
#
# Needs (Debian): dbus-daemon (dbus-run-session), dbus-bin (dbus-send), gnome-keyring; building the keyring crate's
# Secret Service client needs libdbus-1-dev and pkg-config.
set -eu

if [ "$#" -eq 0 ]; then
    echo "usage: sh xtask/keyring-session.sh COMMAND [ARGUMENT...]" >&2
    exit 2
fi

# Step 1: a private session bus (test-session-bus.conf: nothing is started on demand on it).
# dbus-run-session runs this same script again inside it and ends the bus when the script returns.
if [ -z "${ESIMDESK_PRIVATE_BUS_INNER:-}" ]; then
    for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "keyring-session.sh: $tool not found (Debian packages: dbus-daemon dbus-bin gnome-keyring)" >&2
            exit 127
        fi
    done
    here=$(dirname "$0")
    exec env ESIMDESK_PRIVATE_BUS_INNER=1 \
        dbus-run-session --config-file="$here/test-session-bus.conf" -- sh "$0" "$@"
fi
unset ESIMDESK_PRIVATE_BUS_INNER

# Step 2: a fresh keyring daemon on that bus. Its keyrings and control socket go to a new temporary
# folder (a login keyring left from elsewhere, locked with another password, would make every
# call fail); the login keyring is created and unlocked with a throwaway password read from stdin.
# Only the daemon sees these XDG folders: the command keeps the caller's environment.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/esimdesk-keyring.XXXXXX")
daemon=""
# The daemon detaches from this script; it is ended here rather than trusted to notice the bus go.
trap 'if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; fi; rm -rf "$scratch"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -m 700 "$scratch/data" "$scratch/runtime"
if ! printf '%s' "throwaway-$$" |
    XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/runtime" \
        gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>"$scratch/daemon.log"; then
    cat "$scratch/daemon.log" >&2
    echo "keyring-session.sh: gnome-keyring-daemon did not start" >&2
    exit 1
fi
# The daemon forks before it owns its bus name. Wait (bounded) until it does: nothing else on this
# bus can answer for the Secret Service, so a call made earlier would fail.
tries=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
    grep -q 'boolean true'; do
    tries=$((tries + 1))
    if [ "$tries" -ge 200 ]; then
        echo "keyring-session.sh: the keyring daemon never took the Secret Service bus name" >&2
        exit 1
    fi
    sleep 0.05
done
daemon=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null |
    awk '/uint32/ { print $2 }')

# Step 3: the command itself (not exec'd, so the trap removes the scratch folder afterwards).
status=0
ESIMDESK_KEYCHAIN_TESTS=1 "$@" || status=$?
exit "$status"
