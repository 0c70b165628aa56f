//! One registry shard's tasks: a slab whose occupied slots hold a
//! reference and whose `free` list names the empty ones for reuse. The
//! task's header remembers its slot, so insert and remove are O(1) with
//! no hashing.

use crate::loom::sync::atomic::Ordering::Relaxed;
use crate::task::raw::TaskRef;
use crate::task::TaskId;

#[derive(Default)]
pub(crate) struct Slab {
    slots: Vec<Option<TaskRef>>,
    free: Vec<usize>,
}

impl Slab {
    /// Stores `task` and records its slot in its header. Relaxed: the word
    /// is written and read only by whoever holds this shard's lock (a
    /// journal's tagged slots are its loop's alone: `journal::LOCAL`).
    pub(crate) fn insert(&mut self, task: TaskRef) {
        let slot = self.free.pop().unwrap_or(self.slots.len());
        task.header().registry_slot.store(slot, Relaxed);
        if slot == self.slots.len() {
            self.slots.push(Some(task));
        } else {
            self.slots[slot] = Some(task);
        }
    }

    /// Takes the reference in `slot` if it is task `id`'s.
    pub(crate) fn remove(&mut self, slot: usize, id: TaskId) -> Option<TaskRef> {
        let entry = self.slots.get_mut(slot)?;
        if entry.as_ref()?.header().id != id {
            return None;
        }
        let task = entry.take();
        self.free.push(slot);
        task
    }

    /// Occupied slots.
    pub(crate) fn live(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.live() == 0
    }

    pub(crate) fn tasks(&self) -> impl Iterator<Item = &TaskRef> {
        self.slots.iter().flatten()
    }

    /// Empties the slab, handing out every reference it held.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = TaskRef> + '_ {
        self.free.clear();
        self.slots.drain(..).flatten()
    }
}
