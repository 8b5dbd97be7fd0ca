//! The bundled example workflows.
