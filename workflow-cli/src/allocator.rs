//! The process's allocator: mimalloc, kept from handing freed memory back too soon.
//!
//! mimalloc instead of the system allocator: executions allocate and free many small JSON
//! values, where glibc's malloc spent a third of the time of `workflow bench` (see
//! docs/performance.md). Its 2.x line without transparent huge pages (`libmimalloc-sys`'s `v2`
//! and `no_thp` features): as fast as 3.x here, with a third less peak memory. Reached through
//! `libmimalloc-sys` directly, not the `mimalloc` crate, whose allocator asks for alignment on
//! every request ([`Mimalloc`]).

use libmimalloc_sys as mi;
use std::alloc::{GlobalAlloc, Layout};
use std::ffi::{c_long, c_void};

#[global_allocator]
static ALLOCATOR: Mimalloc = Mimalloc;

/// mimalloc as the global allocator, asked for alignment only when a type needs more than every
/// block has. The `mimalloc` crate's `MiMalloc` calls `mi_malloc_aligned` for every allocation,
/// whose checks (a power of two, the free block's address) were about 4% of map-task-10k's
/// samples.
struct Mimalloc;

/// The alignment of every block mimalloc hands out: its size classes are whole words (and
/// requests under a word take a word), in pages aligned to more than a word.
const WORD: usize = std::mem::size_of::<usize>();

/// Whether plain `mi_malloc` meets `layout`'s alignment (the rule the standard library's
/// `System` allocator applies to `malloc`, with mimalloc's guarantee).
fn word_aligned(layout: &Layout) -> bool {
    layout.align() <= WORD
}

/// A block for `layout` from `plain` when a word's alignment is enough, else from `aligned`.
///
/// # Safety
///
/// `layout`'s size is not zero (`GlobalAlloc::alloc`'s contract), and the two functions are
/// mimalloc's allocations of a size, and of a size at an alignment.
#[inline(always)]
unsafe fn allocate(
    layout: Layout,
    plain: unsafe extern "C" fn(usize) -> *mut c_void,
    aligned: unsafe extern "C" fn(usize, usize) -> *mut c_void,
) -> *mut u8 {
    // SAFETY: the caller's.
    unsafe {
        match word_aligned(&layout) {
            true => plain(layout.size()),
            false => aligned(layout.size(), layout.align()),
        }
        .cast()
    }
}

// SAFETY: every method hands the request to mimalloc, whose blocks are word-aligned (so plain
// calls serve alignments up to a word, and the aligned calls the rest) and which frees and
// reallocates any block it handed out, aligned or not, with `mi_free` and `mi_realloc`.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe { allocate(layout, mi::mi_malloc, mi::mi_malloc_aligned) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe { allocate(layout, mi::mi_zalloc, mi::mi_zalloc_aligned) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (GlobalAlloc's contract).
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let ptr = ptr.cast::<c_void>();
        // SAFETY: `ptr` came from this allocator with `layout` (GlobalAlloc's contract).
        unsafe {
            match word_aligned(&layout) {
                true => mi::mi_realloc(ptr, new_size),
                false => mi::mi_realloc_aligned(ptr, new_size, layout.align()),
            }
            .cast()
        }
    }
}

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
    fn every_allocation_has_its_layouts_alignment_through_realloc_and_zeroing() {
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 3, 8, 24, 40, 100, 1000, 70_000] {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: a non-zero size; each block is freed once, with its layout.
                unsafe {
                    let zeroed = ALLOCATOR.alloc_zeroed(layout);
                    assert_eq!(zeroed as usize % align, 0, "{size} bytes at {align}");
                    assert!(std::slice::from_raw_parts(zeroed, size)
                        .iter()
                        .all(|&b| b == 0));
                    ALLOCATOR.dealloc(zeroed, layout);
                    let p = ALLOCATOR.alloc(layout);
                    assert_eq!(p as usize % align, 0, "{size} bytes at {align}");
                    p.write_bytes(7, size);
                    let grown = ALLOCATOR.realloc(p, layout, size * 3);
                    assert_eq!(grown as usize % align, 0, "{size} grown at {align}");
                    assert!(std::slice::from_raw_parts(grown, size)
                        .iter()
                        .all(|&b| b == 7));
                    ALLOCATOR.dealloc(grown, Layout::from_size_align(size * 3, align).unwrap());
                }
            }
        }
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
