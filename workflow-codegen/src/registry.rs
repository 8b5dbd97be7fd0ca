//! The workflows of a program, found through registration: `#[workflow]` registers each
//! workflow where it is declared, so `emit-asl` needs no list kept by hand.
//!
//! ```no_run
//! // src/bin/emit-asl.rs of a crate whose workflows are written with `#[workflow]`
//! use my_crate as _; // link the crate that declares the workflows
//! # mod my_crate {}
//! fn main() -> std::process::ExitCode {
//!     workflow_codegen::emit::main(env!("CARGO_MANIFEST_DIR"), workflow_codegen::registry::all())
//! }
//! ```
//!
//! Anything else `emit-asl` can write (a [`Workflow`] built by hand, a hand-written ASL
//! definition as [`emit::Fixed`](crate::emit::Fixed)) is registered with
//! [`register!`](crate::register):
//!
//! ```
//! use workflow_codegen::emit::Fixed;
//!
//! workflow_codegen::register!(Fixed {
//!     name: "hello".to_owned(),
//!     definition: workflow_core::asl::StateMachine::from_json(
//!         r#"{"StartAt": "Hi", "States": {"Hi": {"Type": "Pass", "End": true}}}"#,
//!     )
//!     .expect("the definition is valid ASL"),
//! });
//!
//! let names: Vec<String> = workflow_codegen::registry::all()
//!     .iter()
//!     .map(|w| w.name().to_owned())
//!     .collect();
//! assert!(names.contains(&"hello".to_owned()));
//! ```
//!
//! Registration runs before `main` ([`inventory`]), and covers every crate linked into the
//! program: a crate whose items the binary never names is not linked, hence `use my_crate as _;`.
//! The lists are sorted by name, so the order does not depend on the linker; two entries with
//! one name are refused by `emit-asl`.

use crate::emit::Emit;
use crate::Workflow;

/// One registered workflow: where it was declared and how to build it. Made by `#[workflow]`
/// and [`register!`](crate::register); read through [`all`] and [`workflows`].
pub struct Registration {
    module: &'static str,
    make: Make,
}

enum Make {
    Workflow(fn() -> Workflow),
    Other(fn() -> Box<dyn Emit>),
}

impl Registration {
    /// A workflow declared in Rust (what `#[workflow]` registers: its `definition` fn).
    pub const fn workflow(module: &'static str, make: fn() -> Workflow) -> Self {
        Registration {
            module,
            make: Make::Workflow(make),
        }
    }

    /// Anything `emit-asl` can write (what [`register!`](crate::register) registers).
    pub const fn emit(module: &'static str, make: fn() -> Box<dyn Emit>) -> Self {
        Registration {
            module,
            make: Make::Other(make),
        }
    }

    /// The module path of the declaration (`my_crate::flows::checkout`).
    pub fn module(&self) -> &'static str {
        self.module
    }

    /// Builds the registered workflow.
    pub fn make(&self) -> Box<dyn Emit> {
        match self.make {
            Make::Workflow(f) => Box::new(f()),
            Make::Other(f) => f(),
        }
    }

    /// Builds it when it is a [`Workflow`] (registered by `#[workflow]`).
    pub fn make_workflow(&self) -> Option<Workflow> {
        match self.make {
            Make::Workflow(f) => Some(f()),
            Make::Other(_) => None,
        }
    }
}

inventory::collect!(Registration);

/// Every registration of the program, in no particular order.
pub fn registrations() -> impl Iterator<Item = &'static Registration> {
    inventory::iter::<Registration>.into_iter()
}

/// Everything registered in the program (`#[workflow]`s and [`register!`](crate::register)
/// entries), sorted by name: what `emit-asl` writes.
pub fn all() -> Vec<Box<dyn Emit>> {
    by_name(registrations().map(Registration::make).collect(), |w| {
        w.name().to_owned()
    })
}

/// The registered [`Workflow`]s (every `#[workflow]` of the program), sorted by name.
pub fn workflows() -> Vec<Workflow> {
    by_name(
        registrations()
            .filter_map(Registration::make_workflow)
            .collect(),
        |w| w.name.clone(),
    )
}

/// Sorts by name; the order of equal names is kept (`emit-asl` refuses them anyway).
fn by_name<T>(mut items: Vec<T>, name: impl Fn(&T) -> String) -> Vec<T> {
    items.sort_by_cached_key(name);
    items
}

/// Registers anything `emit-asl` can write ([`Emit`]): a [`Workflow`] built by hand, or a
/// hand-written definition as [`emit::Fixed`](crate::emit::Fixed). `#[workflow]` registers its
/// workflows itself. Use at module level; the expression is evaluated each time the registry
/// is read.
#[macro_export]
macro_rules! register {
    ($make:expr $(,)?) => {
        $crate::__private::inventory::submit! {
            $crate::registry::Registration::emit(::core::module_path!(), {
                fn make() -> ::std::boxed::Box<dyn $crate::emit::Emit> {
                    ::std::boxed::Box::new($make)
                }
                make
            })
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::Fixed;
    use crate::{Block, Workflow};
    use workflow_core::asl::StateMachine;

    fn pass_machine() -> StateMachine {
        StateMachine::from_json(
            r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#,
        )
        .unwrap()
    }

    // Registered out of name order, from two paths: a hand-written definition and a workflow
    // built with the builder (as `#[workflow]` does).
    crate::register!(Fixed {
        name: "registry_test_zeta".to_owned(),
        definition: pass_machine(),
    });
    fn alpha() -> Workflow {
        Workflow::new("registry_test_alpha", "input").body(Block::new())
    }
    inventory::submit!(Registration::workflow(module_path!(), alpha));

    #[test]
    fn all_holds_both_kinds_of_registration_sorted_by_name() {
        let names: Vec<String> = all().iter().map(|w| w.name().to_owned()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        let a = names.iter().position(|n| n == "registry_test_alpha");
        let z = names.iter().position(|n| n == "registry_test_zeta");
        assert!(a.is_some() && z.is_some() && a < z, "{names:?}");
    }

    #[test]
    fn workflows_lists_only_rust_workflows() {
        let names: Vec<String> = workflows().into_iter().map(|w| w.name).collect();
        assert!(
            names.contains(&"registry_test_alpha".to_owned()),
            "{names:?}"
        );
        assert!(
            !names.contains(&"registry_test_zeta".to_owned()),
            "{names:?}"
        );
    }

    #[test]
    fn a_registration_knows_its_module_and_builds_its_workflow() {
        let r = registrations()
            .find(|r| r.make().name() == "registry_test_zeta")
            .unwrap();
        assert_eq!(r.module(), module_path!());
        assert!(r.make_workflow().is_none());
        assert_eq!(r.make().definition().unwrap(), pass_machine());
    }

    #[test]
    fn by_name_sorts_and_keeps_the_order_of_equal_names() {
        let items = vec![("b", 1), ("a", 2), ("b", 0)];
        assert_eq!(
            by_name(items, |i| i.0.to_owned()),
            vec![("a", 2), ("b", 1), ("b", 0)]
        );
    }
}
