//! The scheduler: where a runnable task goes, and where a loop finds its
//! next one.

pub(crate) mod bell;
pub(crate) mod builder;
pub(crate) mod idle;
pub(crate) mod park;
pub(crate) mod parker;
pub(crate) mod pop;
pub(crate) mod push;
pub(crate) mod queue;
pub(crate) mod spawn;
