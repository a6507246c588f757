#!/usr/bin/env bash
# ./release.sh builds static, reproducible binaries for linux and darwin (amd64, arm64) into dist/ with SHA256SUMS; ./release.sh --check-reproducible builds twice and fails unless the results are byte-identical and the linux binaries are static.
#
# VERSION and COMMIT come from git (overridable from the environment); they
# are the only inputs besides the source tree and the Go toolchain, so two
# builds of one commit with one toolchain give identical bytes.
set -euo pipefail

cd "$(dirname "$0")"

VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo 0.0.0-dev)}
COMMIT=${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}

targets=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64)

die() {
	echo "release.sh: $*" >&2
	exit 1
}

sha256() {
	if command -v sha256sum >/dev/null; then
		sha256sum "$@"
	else
		shasum -a 256 "$@"
	fi
}

# build_into DIR: every target, the codex-linux-sandbox aliases the Codex npm
# package ships under, and SHA256SUMS sorted by file name.
build_into() {
	local out=$1 target goos goarch
	mkdir -p "$out"
	for target in "${targets[@]}"; do
		goos=${target%/*}
		goarch=${target#*/}
		CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch go build \
			-trimpath -buildvcs=false \
			-ldflags "-s -w -buildid= -X main.version=$VERSION -X main.commit=$COMMIT" \
			-o "$out/sandbox-$goos-$goarch" .
	done
	cp "$out/sandbox-linux-amd64" "$out/codex-linux-sandbox-x64"
	cp "$out/sandbox-linux-arm64" "$out/codex-linux-sandbox-arm64"
	# The AppArmor profile that lets the namespace engine run on Ubuntu
	# 23.10+ (README: "Hosts and engines").
	cp apparmor/sandbox "$out/apparmor-sandbox"
	(
		cd "$out"
		rm -f SHA256SUMS
		# Hash into a variable first: a redirection would create
		# SHA256SUMS before the glob is expanded.
		local sums
		# shellcheck disable=SC2035 # every name here is ours, none starts with "-"
		sums=$(sha256 * | LC_ALL=C sort -k2)
		printf '%s\n' "$sums" >SHA256SUMS
	)
}

# elf_linking FILE prints "dynamic" when the ELF file asks for a program
# interpreter (a PT_INTERP program header, the dynamic loader) and "static"
# otherwise; it fails on anything that is not ELF.
elf_linking() {
	if command -v readelf >/dev/null; then
		readelf -h "$1" >/dev/null 2>&1 || die "not an ELF file: $1"
		if readelf -lW "$1" | grep -q '^ *INTERP '; then
			echo dynamic
		else
			echo static
		fi
		return
	fi
	command -v python3 >/dev/null || die "need readelf or python3 to inspect $1"
	python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
if data[:4] != b"\x7fELF":
    sys.exit("release.sh: not an ELF file: " + sys.argv[1])
end = "<" if data[5] == 1 else ">"
if data[4] == 2:  # ELFCLASS64
    phoff, = struct.unpack_from(end + "Q", data, 0x20)
    phentsize, phnum = struct.unpack_from(end + "HH", data, 0x36)
else:
    phoff, = struct.unpack_from(end + "I", data, 0x1C)
    phentsize, phnum = struct.unpack_from(end + "HH", data, 0x2A)
PT_INTERP = 3
types = [struct.unpack_from(end + "I", data, phoff + i * phentsize)[0] for i in range(phnum)]
print("dynamic" if PT_INTERP in types else "static")
PY
}

check_reproducible() {
	local a b cache f
	a=$(mktemp -d)
	b=$(mktemp -d)
	cache=$(mktemp -d)
	# shellcheck disable=SC2064 # expand the paths now
	trap "chmod -R u+w '$cache' 2>/dev/null; rm -rf '$a' '$b' '$cache'" EXIT

	build_into "$a"
	# The second build starts from an empty build cache, so it really
	# compiles again instead of copying the first build's results.
	GOCACHE=$cache build_into "$b"

	for f in "$a"/*; do
		cmp -s "$f" "$b/${f##*/}" || die "not reproducible: ${f##*/} differs between two builds"
	done
	[ "$(ls "$a")" = "$(ls "$b")" ] || die "not reproducible: the two builds produced different files"

	local linking
	for f in "$a"/sandbox-linux-* "$a"/codex-linux-sandbox-*; do
		linking=$(elf_linking "$f") || exit 1
		[ "$linking" = static ] || die "${f##*/} is dynamically linked (has PT_INTERP); build with CGO_ENABLED=0"
	done
	echo "release.sh: reproducible and static ($VERSION, $COMMIT):"
	cat "$a/SHA256SUMS"
}

case ${1:-} in
"")
	rm -rf dist
	build_into dist
	cat dist/SHA256SUMS
	;;
--check-reproducible)
	check_reproducible
	;;
*)
	die "unknown argument $1 (usage: ./release.sh [--check-reproducible])"
	;;
esac
