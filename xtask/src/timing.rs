//! Where the time of `cargo xtask test` goes: each phase is timed and the
//! table is printed at the end, whether the run passed or not.

use std::time::{Duration, Instant};

/// The phases of one run, in the order they ran.
#[derive(Debug, Default)]
pub struct Timings {
    phases: Vec<(String, Duration)>,
    started: Option<Instant>,
}

impl Timings {
    /// A new table; the total counts from now.
    pub fn new() -> Self {
        Timings {
            phases: Vec::new(),
            started: Some(Instant::now()),
        }
    }

    /// Runs `f` as the phase `name` and records how long it took (also when
    /// it fails).
    pub fn phase<T>(&mut self, name: &str, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let r = f();
        self.record(name, t.elapsed());
        r
    }

    /// Records a phase timed elsewhere.
    pub fn record(&mut self, name: &str, d: Duration) {
        self.phases.push((name.to_string(), d));
    }

    /// The recorded phases.
    pub fn phases(&self) -> &[(String, Duration)] {
        &self.phases
    }

    /// The table: one line a phase, then the wall-clock total (which is less
    /// than the sum where phases overlapped).
    pub fn table(&self) -> String {
        let width = self
            .phases
            .iter()
            .map(|(n, _)| n.len())
            .max()
            .unwrap_or(0)
            .max(5);
        let mut s = String::from("xtask: time breakdown\n");
        for (name, d) in &self.phases {
            s.push_str(&format!(
                "xtask:   {name:<width$}  {:>7.1} s\n",
                d.as_secs_f64()
            ));
        }
        if let Some(t) = self.started {
            s.push_str(&format!(
                "xtask:   {:<width$}  {:>7.1} s\n",
                "total (wall clock)",
                t.elapsed().as_secs_f64()
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_recorded_in_order_even_when_they_fail() {
        let mut t = Timings::new();
        let r: Result<(), &str> = t.phase("first", || Err("boom"));
        assert!(r.is_err());
        t.phase("second", || ());
        t.record("third", Duration::from_millis(1500));
        let names: Vec<&str> = t.phases().iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["first", "second", "third"]);
        let table = t.table();
        assert!(table.contains("third"), "{table}");
        assert!(table.contains("1.5 s"), "{table}");
        assert!(table.contains("total (wall clock)"), "{table}");
    }
}
