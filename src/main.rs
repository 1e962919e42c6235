//! Thin entry point: everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    kona_conformance::cli::main()
}
