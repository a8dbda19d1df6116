//! cfssljson's input, through `run_cfssljson`. The first byte picks the
//! mode: `-bare -stdout`, `-stdout` (API envelope), `-bare NAME` or `NAME`
//! writing into a fresh temporary folder. Checks: exit status 0 or 1, and
//! when files are written, all or nothing, key files mode 0600, no
//! temporary file left behind.
#![no_main]

use std::fs;
use std::os::unix::fs::PermissionsExt;

use cfssl_cli::cfssljson::{CfssljsonIo, run_cfssljson};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, input)) = data.split_first() else {
        return;
    };
    let args: &[&str] = match mode % 4 {
        0 => &["-bare", "-stdout"],
        1 => &["-stdout"],
        2 => &["-bare", "out"],
        _ => &["out"],
    };
    let args: Vec<String> = args.iter().map(|s| (*s).to_string()).collect();
    // A fresh folder per input, also with -stdout (which must write nothing).
    let dir = tempfile::tempdir().expect("temporary folder");
    let (mut stdin, mut stdout, mut stderr) = (input, Vec::new(), Vec::new());
    let code = run_cfssljson(
        &args,
        &mut CfssljsonIo {
            stdin: &mut stdin,
            stdout: &mut stdout,
            stderr: &mut stderr,
            cwd: dir.path(),
        },
    );
    assert!(code == 0 || code == 1, "exit status {code}");
    if code == 1 {
        assert!(!stderr.is_empty(), "a failure says why");
    } else {
        assert!(stderr.is_empty(), "success is silent on stderr");
    }
    let entries: Vec<_> = fs::read_dir(dir.path())
        .expect("read folder")
        .map(|e| e.expect("entry"))
        .collect();
    if code != 0 {
        assert!(entries.is_empty(), "a failed run writes nothing");
    }
    for e in entries {
        let name = e.file_name().into_string().expect("utf-8 name");
        assert!(
            !name.starts_with(".cfssljson-"),
            "temporary file left: {name}"
        );
        if name.ends_with("-key.pem") || name.ends_with("-key.enc") {
            let mode = e.metadata().expect("metadata").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name}");
        }
    }
});
