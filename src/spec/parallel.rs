//! Running a function over a slice on every core, keeping the order of the
//! results: a large spec is a thousand independent `[[domain]]` tables.

use std::thread;

/// `items.iter().enumerate().map(f)`, in parallel, in contiguous chunks, one
/// per core; the results come back in the order of `items`.
pub fn map<'a, T: Sync, R: Send>(items: &'a [T], f: impl Fn(usize, &'a T) -> R + Sync) -> Vec<R> {
    let workers = thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(items.len());
    if workers <= 1 {
        return items
            .iter()
            .enumerate()
            .map(|(i, item)| f(i, item))
            .collect();
    }
    let per_worker = items.len().div_ceil(workers);
    let f = &f;
    thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per_worker)
            .enumerate()
            .map(|(chunk, group)| {
                scope.spawn(move || {
                    group
                        .iter()
                        .enumerate()
                        .map(|(j, item)| f(chunk * per_worker + j, item))
                        .collect::<Vec<R>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread panicked"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order_and_indices() {
        let items: Vec<u32> = (0..1001).collect();
        let out = super::map(&items, |i, x| (i, x * 2));
        assert_eq!(out.len(), 1001);
        assert!(
            out.iter()
                .enumerate()
                .all(|(i, &(j, y))| i == j && y == 2 * u32::try_from(i).unwrap())
        );
        assert!(super::map(&[] as &[u32], |_, x| *x).is_empty());
    }
}
