//! The validation floor: the least any validator of a `bench/gen_spec.py`
//! spec must do once the TOML is parsed, timed on its own.
//!
//! Per domain, a hash set of its local parts (mailboxes and aliases: the
//! duplicate check); then every alias target looked up in its domain's set
//! (the "target exists" check). Keys are borrowed from the spec text, nothing
//! is allocated per value, both halves of the domains run on their own core,
//! and nothing else is checked: no character rules, no case folding, no spans
//! for messages, no model built. Whatever a real validator adds comes on top.
//!
//! The spec is read with a line scanner that knows only gen_spec.py's layout
//! (that is not what is measured). Prints the median of `ROUNDS` rounds.
//!
//! Usage: validation-floor SPEC [ROUNDS]

use std::time::{Duration, Instant};

use rustc_hash::{FxHashMap, FxHashSet};

struct Domain<'a> {
    name: &'a str,
    locals: Vec<&'a str>,
    targets: Vec<&'a str>,
}

fn quoted(list: &str) -> impl Iterator<Item = &str> {
    list.trim_end_matches(']')
        .split(", ")
        .map(|s| s.trim_matches('"'))
}

fn read(text: &str) -> Vec<Domain<'_>> {
    let mut domains: Vec<Domain> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("name = \"") {
            domains.push(Domain {
                name: name.trim_end_matches('"'),
                locals: Vec::new(),
                targets: Vec::new(),
            });
        } else if let Some(domain) = domains.last_mut() {
            if let Some(list) = line.strip_prefix("mailboxes = [") {
                domain.locals.extend(quoted(list));
            } else if let Some((local, list)) = line.split_once(" = [") {
                domain.locals.push(local);
                domain.targets.extend(quoted(list));
            }
        }
    }
    domains
}

/// One set of local parts per domain.
fn sets<'a>(domains: &[Domain<'a>]) -> Vec<FxHashSet<&'a str>> {
    domains
        .iter()
        .map(|d| {
            let mut set = FxHashSet::with_capacity_and_hasher(d.locals.len(), Default::default());
            for local in &d.locals {
                assert!(set.insert(*local), "duplicate {local}@{}", d.name);
            }
            set
        })
        .collect()
}

/// How many targets of `domains[first..][..count]` are not in their domain's set.
fn missing(
    domains: &[Domain],
    first: usize,
    count: usize,
    index: &FxHashMap<&str, usize>,
    sets: &[FxHashSet<&str>],
) -> usize {
    let mut missing = 0;
    for (i, domain) in domains.iter().enumerate().skip(first).take(count) {
        for target in &domain.targets {
            let (local, name) = target
                .rsplit_once('@')
                .expect("gen_spec.py writes full addresses");
            let home = if name == domain.name { i } else { index[name] };
            missing += usize::from(!sets[home].contains(local));
        }
    }
    missing
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: validation-floor SPEC [ROUNDS]");
    let rounds: usize = args
        .next()
        .map_or(7, |r| r.parse().expect("ROUNDS is a number"));
    let text = std::fs::read_to_string(&path).expect("readable spec");
    let domains = read(&text);
    let half = domains.len() / 2;
    let mut times = Vec::new();
    for _ in 0..rounds {
        let start = Instant::now();
        let index: FxHashMap<&str, usize> = domains
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name, i))
            .collect();
        let sets = std::thread::scope(|scope| {
            let first = scope.spawn(|| sets(&domains[..half]));
            let mut second = sets(&domains[half..]);
            let mut all = first.join().expect("no panic");
            all.append(&mut second);
            all
        });
        let missing = std::thread::scope(|scope| {
            let first = scope.spawn(|| missing(&domains, 0, half, &index, &sets));
            missing(&domains, half, domains.len() - half, &index, &sets)
                + first.join().expect("no panic")
        });
        times.push(start.elapsed());
        assert_eq!(missing, 0, "gen_spec.py targets only mailboxes");
    }
    times.sort();
    let median: Duration = times[times.len() / 2];
    let locals: usize = domains.iter().map(|d| d.locals.len()).sum();
    let targets: usize = domains.iter().map(|d| d.targets.len()).sum();
    println!(
        "{:.1} ms median of {rounds}: {locals} local parts in {} domain sets, {targets} targets looked up",
        median.as_secs_f64() * 1e3,
        domains.len()
    );
}
