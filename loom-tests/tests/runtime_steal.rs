//! (b) A steal racing the owner's pop of the last task: exactly one wins.
#![cfg(loom)]

use hive_runtime::__loom::Local;
use loom::thread;

#[test]
fn the_last_task_is_taken_exactly_once() {
    loom::model(|| {
        let (owner, stealer) = Local::<u32>::new();
        owner.push(1);
        let thief = thread::spawn(move || {
            let (dest, _dest_stealer) = Local::<u32>::new();
            stealer
                .steal_half_into(&dest)
                .into_iter()
                .chain(std::iter::from_fn(|| dest.pop()))
                .count()
        });
        let mine = owner.pop().into_iter().count();
        let theirs = thief.join().unwrap();
        assert_eq!(mine + theirs, 1);
    });
}

#[test]
fn a_steal_moves_tasks_without_losing_or_duplicating_any() {
    loom::model(|| {
        let (owner, stealer) = Local::<u32>::new();
        for i in 0..3 {
            owner.push(i);
        }
        let thief = thread::spawn(move || {
            let (dest, _s) = Local::<u32>::new();
            let mut got: Vec<u32> = stealer.steal_half_into(&dest).into_iter().collect();
            got.extend(std::iter::from_fn(|| dest.pop()));
            got
        });
        let mut all: Vec<u32> = std::iter::from_fn(|| owner.pop()).collect();
        all.extend(thief.join().unwrap());
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2]);
    });
}
