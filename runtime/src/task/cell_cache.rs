//! A loop thread's cache of freed task cells, so that spawning reuses
//! memory instead of asking the allocator each time.
//!
//! Why: on the pinned path the system allocator was a third of the work.
//! Under callgrind (`icount run hive pinned_ping_pong`), glibc's `malloc`
//! and `free` cost about 210 and 160 instructions per task cell, because a
//! burst of tasks (a fan-out, a wave of accepted connections) outruns its
//! per-size cache of seven chunks and falls through to the slow bins. A
//! hit here costs a thread-local access and a `Vec` pop. This is the Go
//! runtime's per-P list of dead goroutines, scaled down.
//!
//! Only loop threads cache (`set_enabled`, from `current::set_on_loop_thread`);
//! elsewhere every call goes straight to the global allocator. A cell freed
//! on a loop thread joins that thread's cache whichever thread allocated it:
//! memory from the global allocator may be freed, or reused, on any thread.
//! Cells are kept by exact layout (size and alignment), so a reused block is
//! always one that was allocated with the layout it is used with.
//!
//! The cache is bounded twice: [`MAX_CACHED_BYTES`] per thread and
//! [`LAYOUTS`] distinct layouts (a server has a handful of task types; a
//! layout that finds every slot taken by others is not cached). Everything
//! cached is given back when the loop stops (`set_enabled(false)`) or its
//! thread exits.

use crate::loom::const_thread_local;
use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::cell::UnsafeCell;
use std::ptr::NonNull;

/// At most this many bytes of freed cells wait per loop thread: room for a
/// burst of a few thousand typical cells (200–500 bytes), while a one-off
/// burst of millions gives nearly all of its memory back.
pub(crate) const MAX_CACHED_BYTES: usize = 1 << 20;

/// At most this many distinct cell layouts are cached per loop thread. A
/// lookup scans them, so the number stays small.
pub(crate) const LAYOUTS: usize = 8;

const_thread_local! {
    // Not a `RefCell`: its borrow flag cost 13 instructions per spawned
    // task (callgrind, `icount run hive pinned_spawn`), a tenth of a hit.
    static CACHE: UnsafeCell<CellCache> = UnsafeCell::new(CellCache::EMPTY);
}

/// Runs `f` on this thread's cache; `None` once the thread is exiting and
/// the cache is gone.
#[inline(always)]
fn with_cache<R>(f: impl FnOnce(&mut CellCache) -> R) -> Option<R> {
    CACHE
        .try_with(|cache| {
            // SAFETY: only this thread reaches its cache, and no call made
            // while the reference lives can come back here: the cache's
            // methods call only the global allocator (`Vec` growth,
            // `dealloc`), never a task cell's destructor.
            f(unsafe { &mut *cache.get() })
        })
        .ok()
}

/// Freed cells of one layout.
struct Bin {
    layout: Layout,
    free: Vec<NonNull<u8>>,
}

struct CellCache {
    enabled: bool,
    bins: Vec<Bin>,
    cached_bytes: usize,
}

impl CellCache {
    const EMPTY: CellCache = CellCache {
        enabled: false,
        bins: Vec::new(),
        cached_bytes: 0,
    };

    #[inline]
    fn take(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        let bin = self.bins.iter_mut().find(|bin| bin.layout == layout)?;
        let block = bin.free.pop()?;
        self.cached_bytes -= layout.size();
        Some(block)
    }

    /// Keeps `block` unless the cache is off or full; gives it back if not.
    #[inline]
    fn keep(&mut self, block: NonNull<u8>, layout: Layout) -> Result<(), NonNull<u8>> {
        if !self.enabled || self.cached_bytes + layout.size() > MAX_CACHED_BYTES {
            return Err(block);
        }
        let index = match self.bins.iter().position(|bin| bin.layout == layout) {
            Some(index) => index,
            None => self.open_bin(layout).ok_or(block)?,
        };
        self.bins[index].free.push(block);
        self.cached_bytes += layout.size();
        Ok(())
    }

    /// A bin for a layout that has none: one left empty by another layout
    /// changes hands, or a new one opens while there is room.
    #[cold]
    fn open_bin(&mut self, layout: Layout) -> Option<usize> {
        if let Some(index) = self.bins.iter().position(|bin| bin.free.is_empty()) {
            self.bins[index].layout = layout;
            Some(index)
        } else if self.bins.len() < LAYOUTS {
            self.bins.push(Bin {
                layout,
                free: Vec::new(),
            });
            Some(self.bins.len() - 1)
        } else {
            None
        }
    }

    /// Gives every cached cell back to the global allocator.
    fn flush(&mut self) {
        for bin in self.bins.drain(..) {
            for block in bin.free {
                // SAFETY: every cached block came from `allocate` with this
                // bin's layout (bins are keyed by the exact layout) and was
                // handed to `release`, so nothing else uses it.
                unsafe { dealloc(block.as_ptr(), bin.layout) };
            }
        }
        self.cached_bytes = 0;
    }
}

impl Drop for CellCache {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Turns this thread's cache on (a loop starts on it) or off (the loop
/// stopped: the cached cells go back to the global allocator).
pub(crate) fn set_enabled(on: bool) {
    with_cache(|cache| {
        cache.enabled = on;
        if !on {
            cache.flush();
        }
    });
}

/// A block for a cell of `layout` (whose size is not zero): a cached one if
/// this thread has one, else from the global allocator.
///
/// Inline, with the allocator's path out of line: called once per spawn,
/// the call's own register saves and restores were a third of a hit's
/// cost (callgrind, `icount run hive pinned_ping_pong`).
#[inline]
pub(crate) fn allocate(layout: Layout) -> NonNull<u8> {
    debug_assert!(layout.size() != 0, "task cells are never zero-sized");
    match with_cache(|cache| cache.take(layout)) {
        Some(Some(block)) => block,
        _ => allocate_fresh(layout),
    }
}

/// [`allocate`]'s miss: a block from the global allocator.
#[inline(never)]
fn allocate_fresh(layout: Layout) -> NonNull<u8> {
    // SAFETY: `layout` has a non-zero size (a cell holds its header).
    let block = unsafe { alloc(layout) };
    NonNull::new(block).unwrap_or_else(|| handle_alloc_error(layout))
}

/// Frees `block`, or keeps it for the next cell of the same layout.
///
/// # Safety
/// `block` came from [`allocate`] with this same `layout`, whatever it held
/// has been dropped, and nothing uses it any more.
#[inline]
pub(crate) unsafe fn release(block: NonNull<u8>, layout: Layout) {
    let kept = with_cache(|cache| cache.keep(block, layout));
    if !matches!(kept, Some(Ok(()))) {
        // SAFETY: the caller's contract.
        unsafe { release_fresh(block, layout) };
    }
}

/// [`release`]'s miss: the block goes back to the global allocator.
///
/// # Safety
/// As [`release`].
#[inline(never)]
unsafe fn release_fresh(block: NonNull<u8>, layout: Layout) {
    // SAFETY: the caller's contract: `block` is unused and came from
    // `allocate` with `layout`, i.e. from the global allocator with it.
    unsafe { dealloc(block.as_ptr(), layout) };
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn on_a_loop_thread<R: Send>(f: impl FnOnce() -> R + Send) -> R {
        std::thread::scope(|s| {
            s.spawn(|| {
                set_enabled(true);
                let out = f();
                set_enabled(false);
                out
            })
            .join()
            .unwrap()
        })
    }

    #[test]
    fn a_released_cell_is_reused_for_the_same_layout_only() {
        on_a_loop_thread(|| {
            let a = Layout::from_size_align(96, 8).unwrap();
            let b = Layout::from_size_align(96, 16).unwrap();
            let first = allocate(a);
            // SAFETY: `first` came from `allocate(a)` and holds nothing.
            unsafe { release(first, a) };
            let other = allocate(b);
            assert_ne!(other, first, "a different alignment is another bin");
            assert_eq!(allocate(a), first);
            // SAFETY: both came from `allocate` with these layouts.
            unsafe {
                release(other, b);
                release(first, a);
            }
        });
    }

    #[test]
    fn off_a_loop_thread_nothing_is_cached() {
        let a = Layout::from_size_align(64, 8).unwrap();
        let block = allocate(a);
        // SAFETY: `block` came from `allocate(a)`.
        unsafe { release(block, a) };
        assert_eq!(with_cache(|cache| cache.cached_bytes), Some(0));
    }

    #[test]
    fn the_cache_stays_under_its_byte_bound_and_flushes_when_disabled() {
        on_a_loop_thread(|| {
            let layout = Layout::from_size_align(4096, 8).unwrap();
            let blocks: Vec<_> = (0..(MAX_CACHED_BYTES / 4096) + 10)
                .map(|_| allocate(layout))
                .collect();
            for block in blocks {
                // SAFETY: each came from `allocate(layout)`.
                unsafe { release(block, layout) };
            }
            assert_eq!(
                with_cache(|cache| cache.cached_bytes),
                Some(MAX_CACHED_BYTES)
            );
            set_enabled(false);
            assert_eq!(with_cache(|cache| cache.cached_bytes), Some(0));
        });
    }

    #[test]
    fn at_most_layouts_bins_are_kept() {
        on_a_loop_thread(|| {
            let layouts: Vec<_> = (1..=LAYOUTS + 2)
                .map(|i| Layout::from_size_align(i * 16, 8).unwrap())
                .collect();
            let blocks: Vec<_> = layouts.iter().map(|&l| (allocate(l), l)).collect();
            for (block, layout) in blocks {
                // SAFETY: each came from `allocate` with its layout.
                unsafe { release(block, layout) };
            }
            assert_eq!(with_cache(|cache| cache.bins.len()), Some(LAYOUTS));
        });
    }
}
