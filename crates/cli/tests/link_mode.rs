//! The binaries are linked position-dependent on Linux (`crates/cli/build.rs`),
//! which docs/performance.md measures as a third of a short command's run
//! time. This checks the ELF type of the built executables, so that a change
//! to the build script or to the toolchain's defaults cannot quietly undo it.

#![cfg(all(
    target_os = "linux",
    target_endian = "little",
    any(target_env = "gnu", target_env = "musl")
))]

use std::fs;
use std::path::Path;

/// `e_type` of an ELF file: 2 is `ET_EXEC` (position-dependent), 3 is
/// `ET_DYN` (a PIE or a shared object).
fn elf_type(path: &Path) -> u16 {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(
        bytes.len() > 18 && bytes.starts_with(b"\x7fELF"),
        "{} is not an ELF file",
        path.display()
    );
    // e_ident[EI_DATA] == 1: little-endian, the only byte order of the
    // targets this test runs on.
    assert_eq!(bytes[5], 1, "{} is not little-endian", path.display());
    u16::from_le_bytes([bytes[16], bytes[17]])
}

#[test]
fn binaries_are_position_dependent_unless_a_pie_was_asked_for() {
    let pie_asked = option_env!("CFSSL_PIE") == Some("1");
    let crt_static = cfg!(target_feature = "crt-static");
    for exe in [env!("CARGO_BIN_EXE_cfssl"), env!("CARGO_BIN_EXE_cfssljson")] {
        let ty = elf_type(Path::new(exe));
        if pie_asked || crt_static {
            // build.rs leaves these builds alone: either type is right.
            assert!(ty == 2 || ty == 3, "{exe}: unexpected ELF type {ty}");
        } else {
            assert_eq!(
                ty, 2,
                "{exe}: ELF type {ty}, expected 2 (ET_EXEC, linked with -no-pie by crates/cli/build.rs)"
            );
        }
    }
}
