//! The process's allocator: mimalloc, kept from handing freed memory back too soon.
//!
//! mimalloc instead of the system allocator: executions allocate and free many small JSON
//! values, where glibc's malloc spent a third of the time of `workflow bench` (see
//! docs/performance.md). Its 2.x line without transparent huge pages (the workspace's `v2`
//! and `no_thp` features): as fast as 3.x here, with a third less peak memory.

use std::ffi::c_long;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 2.x's `mi_option_e` (libmimalloc-sys names the options
/// around it, but not this one).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory stays with the process before mimalloc gives it back to the OS, in
/// milliseconds (mimalloc's default: 10).
const PURGE_DELAY_MS: c_long = 1000;

/// Keeps freed memory for [`PURGE_DELAY_MS`] rather than 10 ms: an execution that frees a large
/// history or payload is often followed by another (`workflow bench` runs six), and memory
/// given back to the OS has to be faulted in again, page by page. On map-100k that was a fifth
/// of each later run. Peak memory is unchanged: the memory kept is what the next run reuses.
pub fn keep_freed_memory_a_while() {
    // SAFETY: mi_option_set only stores an option's value; it may be called from any thread at
    // any time, and the option is one mimalloc 2.x defines.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purge_delay() -> c_long {
        // SAFETY: mi_option_get only reads an option's value.
        unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }
    }

    #[test]
    fn the_purge_delay_is_mimallocs_option_and_is_set_to_a_second() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // The option at that place has mimalloc's default for the purge delay.
            assert_eq!(purge_delay(), 10);
        }
        keep_freed_memory_a_while();
        assert_eq!(purge_delay(), PURGE_DELAY_MS);
    }
}
