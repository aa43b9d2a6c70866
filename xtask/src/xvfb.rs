//! A private virtual display for the end-to-end tests, stopped when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::Duration;

use anyhow::{Context, Result, bail};

#[derive(Debug)]
pub struct Xvfb {
    child: Child,
    pub display: String,
}

impl Xvfb {
    /// Starts Xvfb on the first free display from :99 up, 1280×800 at 24 bits.
    pub fn start() -> Result<Xvfb> {
        for number in 99..140 {
            if Path::new(&format!("/tmp/.X11-unix/X{number}")).exists()
                || Path::new(&format!("/tmp/.X{number}-lock")).exists()
            {
                continue;
            }
            let display = format!(":{number}");
            let mut child = Command::new("Xvfb")
                .args([
                    display.as_str(),
                    "-screen",
                    "0",
                    "1280x800x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("could not start Xvfb (is the xvfb package installed?)")?;
            // Wait (bounded) for the server's socket; this is start-up, not a test timing.
            for _ in 0..100 {
                if Path::new(&format!("/tmp/.X11-unix/X{number}")).exists() {
                    return Ok(Xvfb { child, display });
                }
                if let Ok(Some(exit)) = child.try_wait() {
                    bail!("Xvfb {display} exited at start ({exit})");
                }
                sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            bail!("Xvfb {display} did not come up");
        }
        bail!("no free X display between :99 and :139")
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
