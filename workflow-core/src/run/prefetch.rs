//! A hint to the CPU to bring a cache line in before it is written.
//!
//! The history writes each record into a block it has not touched yet (and a Map each result
//! into its results), so each new line is fetched from memory at the first store to it. A store waits in the store buffer meanwhile,
//! which is free until an atomic operation (a reference count, a task's counters) waits for
//! every store before it: on Intel that wait was the largest cost of a Map item
//! (docs/performance.md). Asking for the line a few records ahead overlaps the fetch with the
//! work before it: map-100k +13%, map-task-10k +7.5%, choice-loop-10k +6% there.
//!
//! This is the crate's one `unsafe` block. `_mm_prefetch` takes a raw pointer, but a prefetch
//! neither reads nor writes memory as the program sees it and never faults, whatever the
//! address: it is a hint, which the CPU may ignore.

/// Asks for the cache line at `p` (any address) to be in the first-level cache.
#[inline(always)]
pub(crate) fn ahead<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    // SAFETY: a prefetch reads and writes nothing and does not fault (see the module's doc);
    // SSE, which it needs, is part of every x86-64 CPU.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
