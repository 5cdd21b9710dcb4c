//! The command line in one test binary: `commands` (each command of the built binary),
//! `hostile` (hostile and broken input through the binary, one module per kind, and
//! fuzz-style properties of every parser) and `kube_writer_mock` (the kube writer's reading
//! of 403, 409 and 422 against a mock API, `tower-test`).

#[path = "../support/mod.rs"]
mod support;

mod commands;
mod hostile;
mod kube_writer_mock;
mod memory;
