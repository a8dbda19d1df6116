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

use std::env;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CFSSL_PIE");
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
}
