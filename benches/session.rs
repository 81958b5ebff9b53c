//! (placeholder: written on the bench branch)
fn main() {}
