//! Thin entry point: everything lives in the library's `cli` module.

/// See Cargo.toml: the allocator a run of many small exchanges spends least on.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kona_conformance::cli::main()
}
