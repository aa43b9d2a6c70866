//! Adds up what every test runner reported, for the pipeline's closing line.

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
}

impl Tally {
    pub fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }

    /// Reads one libtest summary line: `test result: ok. 7 passed; 0 failed; 1 ignored; ...`.
    pub fn from_libtest_line(line: &str) -> Option<Tally> {
        let rest = line.trim().strip_prefix("test result: ")?;
        let mut tally = Tally::default();
        for part in rest.split([';', '.']) {
            let mut words = part.split_whitespace();
            let (Some(n), Some(what)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match what {
                "passed" => tally.passed += n,
                "failed" => tally.failed += n,
                "ignored" => tally.skipped += n,
                _ => {}
            }
        }
        Some(tally)
    }

    /// Reads vitest's JSON report (`numPassedTests`, `numFailedTests`, `numPendingTests`).
    pub fn from_vitest_json(json: &serde_json::Value) -> Option<Tally> {
        let count = |key: &str| json.get(key).and_then(serde_json::Value::as_u64);
        Some(Tally {
            passed: count("numPassedTests")?,
            failed: count("numFailedTests")?,
            skipped: count("numPendingTests").unwrap_or(0) + count("numTodoTests").unwrap_or(0),
        })
    }

    pub fn line(&self) -> String {
        if self.skipped > 0 {
            format!(
                "{} passed, {} failed, {} skipped",
                self.passed, self.failed, self.skipped
            )
        } else {
            format!("{} passed, {} failed", self.passed, self.failed)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_libtest_lines() {
        let t = Tally::from_libtest_line(
            "test result: ok. 7 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 2.68s",
        )
        .unwrap();
        assert_eq!(
            t,
            Tally {
                passed: 7,
                failed: 2,
                skipped: 1
            }
        );
        assert!(Tally::from_libtest_line("running 7 tests").is_none());
    }

    #[test]
    fn reads_vitest_json() {
        let json =
            serde_json::json!({"numPassedTests": 3, "numFailedTests": 1, "numPendingTests": 0});
        assert_eq!(
            Tally::from_vitest_json(&json).unwrap(),
            Tally {
                passed: 3,
                failed: 1,
                skipped: 0
            }
        );
        assert_eq!(
            Tally {
                passed: 3,
                failed: 1,
                skipped: 0
            }
            .line(),
            "3 passed, 1 failed"
        );
    }
}
