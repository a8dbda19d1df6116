//! Link the `cfssl` and `cfssljson` executables as position-dependent
//! (non-PIE) programs on Linux.
//!
//! A position-independent executable must have every pointer in its
//! read-only data (vtables, string tables, panic locations: about 17,000 of
//! them in `cfssl`) rewritten by the dynamic loader at each start, which
//! copies those pages and makes them private to the process. On the
//! benchmark machine that was about 0.25 ms (15%) of the run time of
//! `cfssl gencert -initca` with an ECDSA key, and 0.8 MiB of its peak
//! memory (docs/performance.md). Debian's cfssl is a non-PIE executable too; the
//! trade-off (the executable's own image is not address-randomised;
//! libraries, heap and stack still are) is written down in docs/security.md.
//!
//! Only the binaries are affected (`rustc-link-arg-bins`): the library, the
//! tests and build-time code keep the compiler's defaults. A build that links
//! the C library statically (`-C target-feature=+crt-static`, as
//! `scripts/build-release.sh` does) chooses its own relocation model and is
//! left alone, and so is a build with `CFSSL_PIE=1` in its environment, for
//! those who prefer a PIE to a quicker start.
//!
//! The static build for x86_64 Linux (`scripts/build-release.sh`), linked by
//! the toolchain's LLD, also gets a link order: `link-order.txt` (written by
//! `scripts/link-order.sh`) lists the functions the everyday commands run,
//! and LLD places them together at the start of the code, so that a short
//! command maps less of an executable that also holds `serve` and its HTTP
//! and TLS stack (docs/performance.md). Symbols the build no longer has are
//! skipped; `CFSSL_LINK_ORDER=none` turns the ordering off, and a build whose
//! `RUSTFLAGS` choose another linker does without it.

use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CFSSL_PIE");
    println!("cargo:rerun-if-env-changed=CFSSL_LINK_ORDER");
    println!("cargo:rerun-if-changed=link-order.txt");
    let pie = env::var("CFSSL_PIE").unwrap_or_default();
    let want_pie = pie == "1";
    if !pie.is_empty() && !want_pie {
        println!("cargo:warning=CFSSL_PIE={pie:?} is not \"1\": building non-PIE binaries");
    }
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let crt_static = features.split(',').any(|f| f == "crt-static");
    if os == "linux" && (target_env == "gnu" || target_env == "musl") && !crt_static && !want_pie {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    let target = env::var("TARGET").unwrap_or_default();
    let ordered = env::var("CFSSL_LINK_ORDER").unwrap_or_default() != "none";
    // A build told to use another linker (GNU ld has no
    // --symbol-ordering-file) is left unordered.
    let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let other_linker = flags.contains("fuse-ld") || flags.contains("linker");
    if target == "x86_64-unknown-linux-gnu" && crt_static && ordered && !other_linker {
        let manifest = env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
        let order = Path::new(&manifest).join("link-order.txt");
        if order.is_file() {
            println!(
                "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
                order.display()
            );
            println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
        }
    }
}
