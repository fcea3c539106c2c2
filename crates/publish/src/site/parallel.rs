//! Work the site does once per item (an entry read into a record, a page rendered) spread over
//! the machine's cores, its results taken in the items' order: the output is the one a single
//! core makes, byte for byte, whatever the number of cores.

use std::sync::mpsc;

/// Most items a worker does at a time: enough that handing them over costs little, few enough
/// that the work stays even between workers.
const CHUNK: usize = 32;

/// Chunks each worker gets at the least, when there are few items (a few large files: a chunk
/// of one each).
const CHUNKS_PER_WORKER: usize = 4;

/// Results a worker may have made ahead of the one taking them, in chunks: what is held at once
/// stays a few chunks however many items there are.
const AHEAD: usize = 2;

/// At most this many workers, whatever the machine has.
const MOST_WORKERS: usize = 8;

/// The workers the machine's cores allow.
pub(crate) fn workers() -> usize {
    // Asked once: on Linux the answer reads the process's control-group files.
    static WORKERS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *WORKERS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(MOST_WORKERS))
}

/// Calls `take` with `work` of each item, in the items' order, the work done on every core at
/// once. Chunk `k` goes to worker `k % workers`, and results are taken from the workers in turn:
/// no reordering, and a worker that runs ahead waits. When `take` fails, the workers stop at
/// their next chunk and the error is returned.
pub(crate) fn map_in_order<T, O, E>(
    items: &[T],
    work: &(dyn Fn(&T) -> O + Sync),
    take: &mut dyn FnMut(O) -> Result<(), E>,
) -> Result<(), E>
where
    T: Sync,
    O: Send,
{
    let workers = workers();
    if workers < 2 || items.len() < 2 {
        return items.iter().try_for_each(|item| take(work(item)));
    }
    let chunk = (items.len() / (workers * CHUNKS_PER_WORKER)).clamp(1, CHUNK);
    std::thread::scope(|scope| {
        let mut made = Vec::with_capacity(workers);
        for w in 0..workers {
            let (send, receive) = mpsc::sync_channel::<Vec<O>>(AHEAD);
            made.push(receive);
            scope.spawn(move || {
                for part in items.chunks(chunk).skip(w).step_by(workers) {
                    // The taker stopped (an error): nothing more is wanted.
                    if send.send(part.iter().map(work).collect()).is_err() {
                        return;
                    }
                }
            });
        }
        for k in 0..items.len().div_ceil(chunk) {
            // A worker that stops early panicked; the scope passes its panic on when it ends.
            let Ok(results) = made[k % workers].recv() else { break };
            for result in results {
                take(result)?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_the_items_order_and_each_once() {
        let items: Vec<u64> = (0..10_007).collect();
        let mut seen = Vec::new();
        map_in_order(&items, &|i| i * 3, &mut |o| {
            seen.push(o);
            Ok::<(), ()>(())
        })
        .expect("no error is taken");
        assert_eq!(seen, items.iter().map(|i| i * 3).collect::<Vec<_>>());
    }

    #[test]
    fn an_error_taking_a_result_stops_the_work_and_is_returned() {
        let items: Vec<u64> = (0..5_000).collect();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let mut taken = 0;
        let result = map_in_order(
            &items,
            &|i| {
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                *i
            },
            &mut |o| {
                taken += 1;
                if o == 100 { Err(o) } else { Ok(()) }
            },
        );
        assert_eq!(result, Err(100));
        assert_eq!(taken, 101);
        // Workers stop within a few chunks of the error, not at the end of the items.
        assert!(done.load(std::sync::atomic::Ordering::Relaxed) < 100 + (AHEAD + 2) * CHUNK * MOST_WORKERS);
    }

    #[test]
    fn a_few_items_come_in_order_too() {
        for n in 2..70u64 {
            let items: Vec<u64> = (0..n).collect();
            let mut seen = Vec::new();
            map_in_order(&items, &|i| i + 1, &mut |o| {
                seen.push(o);
                Ok::<(), ()>(())
            })
            .expect("no error is taken");
            assert_eq!(seen, (1..=n).collect::<Vec<_>>(), "{n} items");
        }
    }

    #[test]
    fn one_item_and_none_are_done_in_place() {
        let mut seen = Vec::new();
        map_in_order(&[1], &|i| i + 1, &mut |o| {
            seen.push(o);
            Ok::<(), ()>(())
        })
        .expect("no error is taken");
        assert_eq!(seen, [2]);
        map_in_order(&[] as &[u8], &|i| *i, &mut |_| Err(())).expect("nothing is taken");
    }
}
