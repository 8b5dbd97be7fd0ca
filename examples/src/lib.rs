//! The bundled example workflows.

pub mod mapreduce;
