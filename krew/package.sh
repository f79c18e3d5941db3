#!/usr/bin/env bash
# Builds the release archive of kubectl-mig for one platform and writes its krew manifest.
#
# Usage:
#   krew/package.sh [--target TRIPLE] [--no-build] [--out DIR]
#       Builds `cargo build --release --locked` (for TRIPLE, else the host), packs
#       DIR/kubectl-mig_<tag>_<os>_<arch>.tar.gz (binary, LICENSE, README.md,
#       kubectl_complete-mig, completions/, man/) and writes DIR/mig.yaml: the manifest
#       rendered from krew/.krew.yaml with only this platform, its release URL and sha256.
#       DIR defaults to dist/. Set CARGO=cross (or cargo-zigbuild's wrapper) to cross-build.
#   krew/package.sh manifest [--out DIR] ARCHIVE...
#       Writes DIR/mig.yaml for every platform of krew/.krew.yaml from the given archives
#       (all five are needed): the manifest to attach to a release or submit to krew-index.
#
# The tag is v<version of Cargo.toml>. Try an archive locally with krew:
#   kubectl krew install --manifest=dist/mig.yaml --archive=dist/kubectl-mig_<tag>_<os>_<arch>.tar.gz
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
template="$root/krew/.krew.yaml"
cargo=${CARGO:-cargo}

die() {
    echo "package.sh: $*" >&2
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "$1 is needed; install it (Debian: apt-get install $2)"
}

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | cut -d' ' -f1
    else
        die "sha256sum (or shasum) is needed; install coreutils"
    fi
}

version=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$root/Cargo.toml" | head -n1)
[ -n "$version" ] || die "cannot read the version from Cargo.toml"
tag="v$version"

# krew's os/arch for a Rust target triple.
platform_of() {
    case "$1" in
    x86_64-unknown-linux-*) echo "linux amd64" ;;
    aarch64-unknown-linux-*) echo "linux arm64" ;;
    x86_64-apple-darwin) echo "darwin amd64" ;;
    aarch64-apple-darwin) echo "darwin arm64" ;;
    x86_64-pc-windows-*) echo "windows amd64" ;;
    *) die "no krew platform for target $1" ;;
    esac
}

# Renders the template for $tag into $2 from the archives in $1, keeping only the platforms
# whose archive is there: all of them when $3 is "all", else at least one.
render() {
    local dir=$1 out=$2 want=$3 sums
    sums=$(mktemp)
    for archive in "$dir"/kubectl-mig_"$tag"_*.tar.gz; do
        [ -e "$archive" ] && printf '%s %s\n' "$(basename "$archive")" "$(sha256 "$archive")" >>"$sums"
    done
    awk -v tag="$tag" -v sums="$sums" -v want="$want" '
        BEGIN {
            while ((getline line < sums) > 0) { split(line, f, " "); sha[f[1]] = f[2] }
        }
        # Literal replacement: the template spells the tag exactly so, and BSD awk reads braces
        # in a regex differently.
        function subst(s, from, to,    out, i) {
            out = ""
            while ((i = index(s, from)) > 0) {
                out = out substr(s, 1, i - 1) to
                s = substr(s, i + length(from))
            }
            return out s
        }
        function flush() {
            if (block != "" && keep) { printf "%s", block; kept++ }
            block = ""; keep = 1
        }
        { $0 = subst($0, "{{ .TagName }}", tag) }
        /^  - selector:/ { flush(); inplat = 1 }
        inplat && /addURIAndSha/ {
            match($0, /"[^"]*"/)
            uri = substr($0, RSTART + 1, RLENGTH - 2)
            n = split(uri, parts, "/"); file = parts[n]
            indent = $0; sub(/[^ ].*$/, "", indent)
            if (file in sha) {
                block = block indent "uri: " uri "\n" indent "sha256: \"" sha[file] "\"\n"
            } else {
                keep = 0; missing = missing " " file
            }
            next
        }
        inplat { block = block $0 "\n"; next }
        { print }
        END {
            flush()
            if (want == "all" && missing != "") { print "missing archives:" missing > "/dev/stderr"; exit 1 }
            if (kept == 0) { print "no archive for any platform" > "/dev/stderr"; exit 1 }
        }
    ' "$template" >"$out" || { rm -f "$sums" "$out"; die "cannot write $out"; }
    rm -f "$sums"
}

out="$root/dist"
if [ "${1:-}" = manifest ]; then
    shift
    if [ "${1:-}" = --out ]; then
        out=$2
        shift 2
    fi
    [ $# -gt 0 ] || die "usage: krew/package.sh manifest [--out DIR] ARCHIVE..."
    mkdir -p "$out"
    staging=$(mktemp -d)
    trap 'rm -rf "$staging"' EXIT
    for archive in "$@"; do ln -s "$(cd "$(dirname "$archive")" && pwd)/$(basename "$archive")" "$staging/"; done
    render "$staging" "$out/mig.yaml" all
    echo "$out/mig.yaml"
    exit 0
fi

target="" build=1
while [ $# -gt 0 ]; do
    case "$1" in
    --target) target=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see krew/package.sh --help)" ;;
    esac
done

need tar tar
need awk gawk
for f in LICENSE README.md kubectl_complete-mig; do
    [ -f "$root/$f" ] || die "$f is missing from $root"
done

host=$(rustc -vV | sed -n 's/^host: //p')
[ -n "$target" ] || target=$host
read -r os arch <<<"$(platform_of "$target")"
exe=""
[ "$os" = windows ] && exe=.exe

target_dir=${CARGO_TARGET_DIR:-$root/target}
if [ "$target" = "$host" ] && [ -z "${CARGO_BUILD_TARGET:-}" ]; then
    [ "$build" = 0 ] || (cd "$root" && "$cargo" build --release --locked)
    bin="$target_dir/release/kubectl-mig$exe"
else
    [ "$build" = 0 ] || (cd "$root" && "$cargo" build --release --locked --target "$target")
    bin="$target_dir/$target/release/kubectl-mig$exe"
fi
[ -x "$bin" ] || die "no binary at $bin; build it first (or drop --no-build)"

mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage="$tmp/stage"
mkdir "$stage"
cp "$bin" "$stage/kubectl-mig$exe"
cp "$root/LICENSE" "$root/README.md" "$root/kubectl_complete-mig" "$stage/"
chmod 755 "$stage/kubectl-mig$exe" "$stage/kubectl_complete-mig"
# Windows runs the completion helper as a batch file (PATHEXT), not as a sh script.
helpers=(kubectl_complete-mig)
if [ "$os" = windows ]; then
    cp "$root/kubectl_complete-mig.cmd" "$stage/"
    helpers+=(kubectl_complete-mig.cmd)
fi
cp -R "$root/completions" "$stage/completions"
# Man pages come from the binary; a cross-built one cannot run here, so a host build writes them.
if [ "$target" = "$host" ]; then
    "$bin" __man "$stage/man"
else
    (cd "$root" && "${CARGO_HOST:-cargo}" run --quiet --locked -- __man "$stage/man")
fi

archive="$out/kubectl-mig_${tag}_${os}_${arch}.tar.gz"
files=(kubectl-mig$exe LICENSE README.md "${helpers[@]}" completions man)
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
    # Same inputs, same bytes: sorted names, no owners, the commit's time.
    mtime=$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" \
        -C "$stage" -cf - "${files[@]}" | gzip -n >"$archive"
else
    tar -C "$stage" -czf "$archive" "${files[@]}"
fi

# Only this platform: other archives in $out are not this run's.
mkdir "$tmp/this"
ln -s "$archive" "$tmp/this/"
render "$tmp/this" "$out/mig.yaml" one
echo "$archive"
echo "$out/mig.yaml"
