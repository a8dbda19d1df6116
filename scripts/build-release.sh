#!/usr/bin/env bash
# Builds the release `cfssl` and `cfssljson` the way they are meant to be
# shipped, and prints the folder that holds them (the only line on stdout).
#
# On Linux with glibc (the common case) the two executables are linked
# statically and position-dependent, like a Go binary:
#
#   RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" \
#       cargo build --release --locked -p cfssl-cli --target <host triple>
#
# A short-lived command such as `cfssl gencert -initca` spends most of its
# time starting up; without the dynamic loader, the C library's shared
# objects and the start-up relocations it starts about 0.3 ms sooner and uses
# about 1 MiB less memory (docs/performance.md). `--target` keeps these flags
# away from build scripts and procedural macros, which must stay dynamic; the
# output therefore lands in target/<host triple>/release.
#
# The static x86_64 build is also linked in the order of
# crates/cli/link-order.txt (crates/cli/build.rs; scripts/link-order.sh
# writes it): the functions everyday commands run come first, together, so a
# short command maps less of the binary (about 1.5 MiB less peak memory).
#
# Elsewhere (another OS or C library), or when the static C library is
# missing (Debian: libc6-dev), it says so on stderr and makes the default
# build, `cargo build --release --locked -p cfssl-cli` (target/release).
#
# The static binaries look names up (only `certinfo -domain` does) through
# the C library's resolver, which loads the system's NSS modules at run time:
# run them on a machine with the same glibc as the one that built them.
#
# Options:
#   --default   make the default (dynamic) build whatever the platform
#   --static    insist on the static build: fail instead of falling back
#
# Works from any current directory; extra RUSTFLAGS from the environment are
# kept.

set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd -- "$script_dir/.." && pwd -P)

note() { printf 'build-release: %s\n' "$*" >&2; }
die() {
    note "$*"
    exit 1
}

mode=static
strict=0
case ${1:-} in
"") ;;
--default) mode=default ;;
--static) strict=1 ;;
-h | --help)
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
    exit 0
    ;;
*) die "unknown argument: $1 (see --help)" ;;
esac

command -v cargo >/dev/null 2>&1 || die "cargo not found on PATH"
host=$(rustc -vV | sed -n 's/^host: //p')
[[ -n $host ]] || die "could not read the host triple from 'rustc -vV'"

target_dir=$(cargo metadata --format-version 1 --no-deps --locked --manifest-path "$repo/Cargo.toml" |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
target_dir=${target_dir:-$repo/target}

if [[ $mode == static ]]; then
    if [[ $host != *-linux-gnu ]]; then
        ((strict == 0)) || die "--static: host $host is not Linux with glibc"
        note "host $host is not Linux with glibc: making the default build"
        mode=default
    else
        # Can this machine link a static C program at all?
        probe=$(mktemp -d -t cfssl-static-probe.XXXXXX)
        printf 'int main(void) { return 0; }\n' >"$probe/p.c"
        if ! "${CC:-cc}" -static -o "$probe/p" "$probe/p.c" >/dev/null 2>&1; then
            rm -rf -- "$probe"
            ((strict == 0)) || die "--static: no static C library here (Debian: apt-get install libc6-dev)"
            note "no static C library here (Debian: apt-get install libc6-dev): making the default build"
            mode=default
        fi
        rm -rf -- "$probe"
    fi
fi

cd -- "$repo"
if [[ $mode == static ]]; then
    flags="-C target-feature=+crt-static -C relocation-model=static"
    note "RUSTFLAGS=\"$flags\" cargo build --release --locked -p cfssl-cli --target $host"
    RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }$flags" \
        cargo build --release --locked -p cfssl-cli --target "$host" >&2
    out=$target_dir/$host/release
    # A static executable names no program interpreter (dynamic loader).
    if command -v readelf >/dev/null 2>&1; then
        headers=$(readelf -l "$out/cfssl") || die "readelf could not read $out/cfssl"
        if [[ $headers == *'program interpreter'* ]]; then
            die "$out/cfssl was meant to be static but names a dynamic loader"
        fi
    elif ((strict == 1)); then
        die "--static: readelf (Debian: binutils) is needed to check the result"
    fi
else
    note "cargo build --release --locked -p cfssl-cli"
    cargo build --release --locked -p cfssl-cli >&2
    out=$target_dir/release
fi

for tool in cfssl cfssljson; do
    [[ -x $out/$tool ]] || die "the build left no executable $tool in $out"
done
echo "$out"
