//! Coordination between the workers of a run: one request per URL however many workers want
//! it at once (single flight), and at most N requests at a time to one host.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::error::FetchError;
use super::Body;

/// What a fetch gives.
pub(super) type Outcome = Result<Body, FetchError>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking worker leaves the data consistent (every critical section is one update).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Fetches under way, by key.
pub(super) struct Flights<K> {
    map: Mutex<HashMap<K, Arc<Flight>>>,
}

struct Flight {
    done: Mutex<Option<Outcome>>,
    cv: Condvar,
}

impl<K: Eq + Hash + Clone> Flights<K> {
    pub fn new() -> Self {
        Flights {
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `f` for `key`, unless another thread is already running it: then waits for that
    /// result and shares it. The second value says whether this call joined another's flight.
    pub fn run(&self, key: K, url: &str, f: impl FnOnce() -> Outcome) -> (Outcome, bool) {
        let (flight, leader) = {
            let mut map = lock(&self.map);
            match map.get(&key) {
                Some(f) => (f.clone(), false),
                None => {
                    let f = Arc::new(Flight {
                        done: Mutex::new(None),
                        cv: Condvar::new(),
                    });
                    map.insert(key.clone(), f.clone());
                    (f, true)
                }
            }
        };
        if !leader {
            let mut done = lock(&flight.done);
            while done.is_none() {
                done = flight.cv.wait(done).unwrap_or_else(|p| p.into_inner());
            }
            return (done.clone().expect("set before notified"), true);
        }
        let mut landing = Landing {
            flights: self,
            key,
            url,
            flight,
            outcome: None,
        };
        let outcome = f();
        landing.outcome = Some(outcome.clone());
        (outcome, false)
    }
}

/// Publishes the leader's outcome when dropped — also when `f` panicked, so that no follower
/// waits for ever.
struct Landing<'a, K: Eq + Hash> {
    flights: &'a Flights<K>,
    key: K,
    url: &'a str,
    flight: Arc<Flight>,
    outcome: Option<Outcome>,
}

impl<K: Eq + Hash> Drop for Landing<'_, K> {
    fn drop(&mut self) {
        let outcome = self.outcome.take().unwrap_or_else(|| {
            Err(FetchError::Io {
                url: self.url.to_owned(),
                message: "the fetching thread panicked".into(),
            })
        });
        lock(&self.flights.map).remove(&self.key);
        *lock(&self.flight.done) = Some(outcome);
        self.flight.cv.notify_all();
    }
}

/// A counting semaphore per host.
pub(super) struct HostLimits {
    per_host: usize,
    map: Mutex<HashMap<String, Arc<Slot>>>,
}

struct Slot {
    busy: Mutex<usize>,
    cv: Condvar,
}

/// A request's place at its host; released when dropped.
pub(super) struct Permit<'a> {
    limits: &'a HostLimits,
    host: String,
    slot: Arc<Slot>,
}

impl HostLimits {
    pub fn new(per_host: usize) -> Self {
        HostLimits {
            per_host,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until fewer than `per_host` requests to `host` are under way, and takes a place.
    pub fn acquire(&self, host: &str) -> Permit<'_> {
        let slot = lock(&self.map)
            .entry(host.to_owned())
            .or_insert_with(|| {
                Arc::new(Slot {
                    busy: Mutex::new(0),
                    cv: Condvar::new(),
                })
            })
            .clone();
        {
            let mut busy = lock(&slot.busy);
            while *busy >= self.per_host {
                busy = slot.cv.wait(busy).unwrap_or_else(|p| p.into_inner());
            }
            *busy += 1;
        }
        Permit {
            limits: self,
            host: host.to_owned(),
            slot,
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        {
            let mut busy = lock(&self.slot.busy);
            *busy -= 1;
            self.slot.cv.notify_one();
        }
        // The host's entry goes when nobody holds or waits for it (only the map and this
        // permit hold the Arc; others clone it under the map's lock), so that the map does not
        // grow with every host a run ever met.
        let mut map = lock(&self.limits.map);
        if Arc::strong_count(&self.slot) == 2 {
            map.remove(&self.host);
        }
    }
}
