//! Task cells' references to their runtime, counted in blocks
//! (`scheduler::cell_refs`): a loop takes a block from the shared counter,
//! cells are freed on the loop (back to its stock) or elsewhere (straight
//! to the counter), and the counter's trips through zero add and drop the
//! cells' one strong reference. loom checks that the shared state is freed
//! exactly once, after every holder let go (a leaked `Arc` fails the model,
//! and so does a free while a reference is still counted).
#![cfg(loom)]

use hive_runtime::__loom::{acquire, release, CountsCells, LocalCellRefs};
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use std::ptr::NonNull;

/// Stands in for the runtime's shared state.
struct Runtime {
    cell_refs: AtomicUsize,
    /// Each written by one holder before it lets go; read by the
    /// destructor, which must see both writes (the release/acquire chain
    /// through the counter and the strong count).
    uses: [loom::cell::UnsafeCell<usize>; 2],
}

impl CountsCells for Runtime {
    fn cell_refs(&self) -> &AtomicUsize {
        &self.cell_refs
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        assert_eq!(
            self.cell_refs.load(SeqCst),
            0,
            "freed while references are counted"
        );
        for uses in &self.uses {
            // SAFETY: the destructor runs alone.
            uses.with(|u| unsafe { assert!(*u <= 1) });
        }
    }
}

fn runtime() -> Arc<Runtime> {
    Arc::new(Runtime {
        cell_refs: AtomicUsize::new(0),
        uses: [
            loom::cell::UnsafeCell::new(0),
            loom::cell::UnsafeCell::new(0),
        ],
    })
}

/// A raw pointer that may cross threads (a cell's reference).
#[derive(Clone, Copy)]
struct Ptr(NonNull<Runtime>);
// SAFETY: `Runtime` is Sync; the model only reads through it while it
// holds a counted reference.
unsafe impl Send for Ptr {}

fn ptr(rt: &Arc<Runtime>) -> Ptr {
    Ptr(NonNull::new(Arc::as_ptr(rt).cast_mut()).unwrap())
}

#[test]
fn a_cell_freed_off_the_loop_while_the_loop_stops() {
    // The loop spawns two cells from its stock; one is freed on another
    // thread, the other on the loop (back to the stock); the loop then
    // stops (returns its stock) and the runtime handle goes. Every order.
    loom::model(|| {
        let rt = runtime();
        let p = ptr(&rt);
        let loop_thread = {
            let rt = rt.clone();
            thread::spawn(move || {
                let stock = LocalCellRefs::default();
                stock.take(&rt);
                stock.take(&rt);
                // SAFETY: one reference taken above, for this "cell".
                unsafe { stock.give_back(ptr(&rt).0) };
                // SAFETY: the stock counts references to `rt`.
                unsafe { stock.return_all(ptr(&rt).0) };
            })
        };
        // The loop's second cell, freed here (may run before the loop
        // took it: then the counter is what the loop's block made it).
        loop_thread.join().unwrap();
        let freer = thread::spawn(move || {
            // SAFETY: the cell's one counted reference.
            unsafe { release(p.0, 1) };
        });
        drop(rt);
        freer.join().unwrap();
    });
}

#[test]
fn the_counter_leaves_zero_again_while_its_last_reference_goes() {
    // A spawner off the loops takes a reference while another thread frees
    // the last one: the cells' strong reference is dropped and added back
    // in either order, and the runtime is freed once, after both.
    loom::model(|| {
        let rt = runtime();
        acquire(&rt, 1);
        let p = ptr(&rt);
        let freer = thread::spawn(move || {
            // SAFETY: the reference taken above; `uses` is written while
            // it is still counted.
            unsafe {
                p.0.as_ref().uses[0].with_mut(|u| *u += 1);
                release(p.0, 1);
            }
        });
        let spawner = {
            let rt = rt.clone();
            thread::spawn(move || {
                acquire(&rt, 1);
                let p = ptr(&rt);
                drop(rt);
                // SAFETY: the reference just taken.
                unsafe {
                    p.0.as_ref().uses[1].with_mut(|u| *u += 1);
                    release(p.0, 1);
                }
            })
        };
        drop(rt);
        freer.join().unwrap();
        spawner.join().unwrap();
    });
}
