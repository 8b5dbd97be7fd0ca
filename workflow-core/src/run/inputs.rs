//! A Map state's iteration inputs.

use crate::value::Val;
use std::sync::Arc;

/// The inputs of a Map's iterations: made one by one (an ItemSelector's, an ItemBatcher's
/// batches, an ItemReader's items), or the items of the array the Map selected, shared with
/// it and copied (a reference count each) as each iteration starts. Sharing saves a copy of
/// every item into an array of their own before the first iteration (map-task-10k: 10,000
/// values written, 5% of its time per `perf`).
#[derive(Debug)]
pub(crate) enum Inputs {
    /// Inputs of their own.
    Made(Vec<Val>),
    /// The selected array's items, each an iteration's input as it is.
    Items(Arc<Vec<Val>>),
}

impl Inputs {
    /// How many iterations there are.
    pub(crate) fn len(&self) -> usize {
        match self {
            Inputs::Made(inputs) => inputs.len(),
            Inputs::Items(items) => items.len(),
        }
    }

    /// The inputs as values of their own (a ResultWriter reports each iteration's input).
    pub(crate) fn to_vec(&self) -> Vec<Val> {
        match self {
            Inputs::Made(inputs) => inputs.clone(),
            Inputs::Items(items) => items.to_vec(),
        }
    }
}

impl IntoIterator for Inputs {
    type Item = Val;
    type IntoIter = IntoInputs;

    /// The inputs in order: moved out when they are the Map's own (or the array is held by
    /// nothing else), else copied one at a time.
    fn into_iter(self) -> IntoInputs {
        match self {
            Inputs::Made(inputs) => IntoInputs::Moved(inputs.into_iter()),
            Inputs::Items(items) => match Arc::try_unwrap(items) {
                Ok(items) => IntoInputs::Moved(items.into_iter()),
                Err(items) => IntoInputs::Shared { items, next: 0 },
            },
        }
    }
}

/// The iterator of [`Inputs`].
pub(crate) enum IntoInputs {
    Moved(std::vec::IntoIter<Val>),
    Shared { items: Arc<Vec<Val>>, next: usize },
}

/// An iteration's input: its own, or lent by the array the Map selected.
pub(crate) enum Input<'a> {
    /// Made for the iteration, or moved out of an array nothing else held.
    Own(Val),
    /// An item of the array the Map selected, which the array keeps.
    Lent(&'a Val),
}

impl Input<'_> {
    /// The input, to read.
    #[inline(always)]
    pub(crate) fn get(&self) -> &Val {
        match self {
            Input::Own(v) => v,
            Input::Lent(v) => v,
        }
    }

    /// The input as a value of its own (a lent one copied: a reference count).
    #[inline(always)]
    pub(crate) fn into_owned(self) -> Val {
        match self {
            Input::Own(v) => v,
            Input::Lent(v) => v.clone(),
        }
    }
}

impl IntoInputs {
    /// The next input, lent when it is the shared array's: an iteration that only reads its
    /// input (a lone Task with a synchronous handler) then copies nothing.
    #[inline(always)]
    pub(crate) fn next_input(&mut self) -> Option<Input<'_>> {
        match self {
            IntoInputs::Moved(inputs) => inputs.next().map(Input::Own),
            IntoInputs::Shared { items, next } => {
                let item = items.get(*next)?;
                *next += 1;
                Some(Input::Lent(item))
            }
        }
    }
}

impl Iterator for IntoInputs {
    type Item = Val;

    #[inline]
    fn next(&mut self) -> Option<Val> {
        self.next_input().map(Input::into_owned)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = match self {
            IntoInputs::Moved(inputs) => inputs.len(),
            IntoInputs::Shared { items, next } => items.len() - *next,
        };
        (left, Some(left))
    }
}

impl ExactSizeIterator for IntoInputs {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::val;

    #[test]
    fn shared_items_are_given_in_order_and_the_array_is_left_as_it_was() {
        let array = Arc::new(vec![val!("a"), val!({"b": 1}), val!([2])]);
        let inputs = Inputs::Items(Arc::clone(&array));
        assert_eq!(inputs.len(), 3);
        assert_eq!(inputs.to_vec(), *array);
        let mut it = inputs.into_iter();
        assert_eq!(it.len(), 3);
        assert_eq!(it.next(), Some(val!("a")));
        assert_eq!(it.len(), 2);
        assert_eq!(it.collect::<Vec<_>>(), vec![val!({"b": 1}), val!([2])]);
        assert_eq!(array.len(), 3);
    }

    #[test]
    fn items_held_by_nothing_else_are_moved_out() {
        let inputs = Inputs::Items(Arc::new(vec![val!(1), val!(2)]));
        assert!(matches!(inputs.into_iter(), IntoInputs::Moved(_)));
        let made = Inputs::Made(vec![val!(3)]);
        assert_eq!(made.into_iter().collect::<Vec<_>>(), vec![val!(3)]);
    }
}
