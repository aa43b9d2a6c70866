//! Memory of the whole app: its process and every process below it (WebKit's web and network
//! processes), read from Linux's `/proc`. The WebDriver processes above it are not counted.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// Resident and proportional set sizes summed over a process tree, in KiB.
#[derive(Debug, Clone)]
pub struct TreeMemory {
    pub processes: Vec<(u32, String, u64, u64)>,
    pub rss_kib: u64,
    pub pss_kib: u64,
}

impl fmt::Display for TreeMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PSS {:.1} MiB, RSS {:.1} MiB over {} processes (",
            self.pss_kib as f64 / 1024.0,
            self.rss_kib as f64 / 1024.0,
            self.processes.len()
        )?;
        for (i, (_, name, rss, pss)) in self.processes.iter().enumerate() {
            if i > 0 {
                write!(f, "; ")?;
            }
            write!(
                f,
                "{name}: PSS {:.1} / RSS {:.1} MiB",
                *pss as f64 / 1024.0,
                *rss as f64 / 1024.0
            )?;
        }
        write!(f, ")")
    }
}

/// `(pid, parent pid, command name)` of every process.
fn processes() -> Result<Vec<(u32, u32, String)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let entry = entry?;
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue; // ended meanwhile
        };
        // `pid (comm) state ppid ...`: comm may hold spaces and parentheses; split at the last ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_owned();
        let ppid = stat[close + 1..]
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(0);
        out.push((pid, ppid, name));
    }
    Ok(out)
}

fn status_kib(pid: u32, file: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// The app started below `ancestor` (the binary at `app`), and everything below it.
pub fn app_tree_memory(ancestor: u32, app: &Path) -> Result<TreeMemory> {
    let all = processes()?;
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (pid, ppid, _) in &all {
        children.entry(*ppid).or_default().push(*pid);
    }
    let names: HashMap<u32, String> = all.iter().map(|(p, _, n)| (*p, n.clone())).collect();
    let app = app.canonicalize().context("the app binary")?;
    let below = |root: u32| -> Vec<u32> {
        let mut found = vec![root];
        let mut i = 0;
        while i < found.len() {
            if let Some(kids) = children.get(&found[i]) {
                found.extend(kids);
            }
            i += 1;
        }
        found
    };
    let Some(root) = below(ancestor)
        .into_iter()
        .find(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == app))
    else {
        bail!("no process of {} below pid {ancestor}", app.display());
    };
    let mut memory = TreeMemory {
        processes: Vec::new(),
        rss_kib: 0,
        pss_kib: 0,
    };
    for pid in below(root) {
        let rss = status_kib(pid, "status", "VmRSS:");
        let pss = status_kib(pid, "smaps_rollup", "Pss:");
        memory.rss_kib += rss;
        memory.pss_kib += pss;
        let name = names.get(&pid).cloned().unwrap_or_default();
        memory.processes.push((pid, name, rss, pss));
    }
    Ok(memory)
}
