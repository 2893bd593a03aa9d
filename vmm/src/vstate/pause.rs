//! Pausing vCPUs at a clean point: outside `KVM_RUN`, on their own thread,
//! with every exit handled. The controller asks, kicks the threads out of
//! `KVM_RUN`, and waits until each has parked.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
struct State {
    paused: bool,
    parked: usize,
    /// Generation of the last job posted to the parked threads.
    job: u64,
    /// Threads that finished it.
    job_done: usize,
}

/// The gate every vCPU thread passes between two `KVM_RUN`s.
#[derive(Debug, Default)]
pub struct PauseGate {
    requested: AtomicBool,
    state: Mutex<State>,
    cv: Condvar,
}

impl PauseGate {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a pause is asked for (cheap; checked before each `KVM_RUN`).
    pub fn requested(&self) -> bool {
        self.requested.load(Ordering::Acquire)
    }

    /// Whether the VM is paused (asked, not necessarily reached yet).
    pub fn is_paused(&self) -> bool {
        self.lock().paused
    }

    /// Asks every vCPU to park.
    pub fn request(&self) {
        self.lock().paused = true;
        self.requested.store(true, Ordering::Release);
    }

    /// Lets every parked vCPU run again.
    pub fn resume(&self) {
        let mut s = self.lock();
        s.paused = false;
        self.requested.store(false, Ordering::Release);
        self.cv.notify_all();
    }

    /// vCPU side: waits here while paused, or until `stop` is set, running
    /// `job` once for each job the controller posts meanwhile
    /// ([`PauseGate::run_job`]).
    pub fn park(&self, stop: &AtomicBool, mut job: impl FnMut()) {
        let mut s = self.lock();
        s.parked += 1;
        let mut seen = s.job;
        self.cv.notify_all();
        while s.paused && !stop.load(Ordering::Acquire) {
            if s.job != seen {
                seen = s.job;
                drop(s);
                job();
                s = self.lock();
                s.job_done += 1;
                self.cv.notify_all();
                continue;
            }
            s = self
                .cv
                .wait_timeout(s, Duration::from_millis(50))
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        s.parked -= 1;
        self.cv.notify_all();
    }

    /// Controller side, with all `n` threads parked: has each run its job
    /// once and waits for them. Returns false on timeout.
    pub fn run_job(&self, n: usize, timeout: Duration) -> bool {
        {
            let mut s = self.lock();
            s.job += 1;
            s.job_done = 0;
            self.cv.notify_all();
        }
        self.wait_until(timeout, |s| s.job_done >= n, || {})
    }

    /// Controller side: waits until `n` vCPUs are parked, calling `kick`
    /// every few milliseconds (a kick can land just before a thread enters
    /// `KVM_RUN`). Returns false on timeout.
    pub fn wait_parked(&self, n: usize, timeout: Duration, kick: impl FnMut()) -> bool {
        self.wait_until(timeout, |s| s.parked >= n, kick)
    }

    /// Waits until `done` holds, calling `between` (without the lock) every
    /// few milliseconds. Returns false on timeout.
    fn wait_until(
        &self,
        timeout: Duration,
        done: impl Fn(&State) -> bool,
        mut between: impl FnMut(),
    ) -> bool {
        let start = Instant::now();
        let mut s = self.lock();
        while !done(&s) {
            if start.elapsed() > timeout {
                return false;
            }
            drop(s);
            between();
            s = self.lock();
            s = self
                .cv
                .wait_timeout(s, Duration::from_millis(5))
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn threads_park_until_resumed() {
        let gate = Arc::new(PauseGate::default());
        let stop = Arc::new(AtomicBool::new(false));
        let runs = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let jobs = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let mut threads = Vec::new();
        for _ in 0..3 {
            let (g, s, r, j) = (gate.clone(), stop.clone(), runs.clone(), jobs.clone());
            threads.push(std::thread::spawn(move || {
                while !s.load(Ordering::Acquire) {
                    if g.requested() {
                        g.park(&s, || {
                            j.fetch_add(1, Ordering::Relaxed);
                        });
                    }
                    r.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(1));
                }
            }));
        }
        gate.request();
        assert!(gate.wait_parked(3, Duration::from_secs(5), || {}));
        let before = runs.load(Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(runs.load(Ordering::Relaxed), before, "a parked thread ran");
        assert!(gate.is_paused());
        // Each parked thread runs each posted job once.
        assert!(gate.run_job(3, Duration::from_secs(5)));
        assert!(gate.run_job(3, Duration::from_secs(5)));
        assert_eq!(jobs.load(Ordering::Relaxed), 6);
        assert_eq!(runs.load(Ordering::Relaxed), before, "a parked thread ran");
        gate.resume();
        std::thread::sleep(Duration::from_millis(50));
        assert!(runs.load(Ordering::Relaxed) > before);
        // Stop releases parked threads too.
        gate.request();
        assert!(gate.wait_parked(3, Duration::from_secs(5), || {}));
        stop.store(true, Ordering::Release);
        for t in threads {
            t.join().unwrap();
        }
        // Nobody to park: times out.
        gate.request();
        assert!(!gate.wait_parked(1, Duration::from_millis(30), || {}));
    }
}
