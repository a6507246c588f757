#!/usr/bin/env bash
# Provisions upstream's current Linux helper for bench/run.sh: the Codex
# 0.171.0 native package from npm, unpacked into the cache, and a symlink
# named codex-linux-sandbox to its codex binary (the name selects the
# helper, as Codex's own arg0 symlink does). Idempotent; about 170 MB.
#
#   $SANDBOX_CI_CACHE/upstream/codex-linux-sandbox
set -euo pipefail
version=0.171.0
case "$(uname -m)" in
  x86_64 | amd64) suffix=linux-x64 triple=x86_64-unknown-linux-musl ;;
  aarch64 | arm64) suffix=linux-arm64 triple=aarch64-unknown-linux-musl ;;
  *) echo "provision-upstream: no Codex package for machine $(uname -m)" >&2; exit 1 ;;
esac
dir="${SANDBOX_CI_CACHE:-$HOME/.cache/sandbox-ci}/upstream"
mkdir -p "$dir"
if [ ! -x "$dir/pkg/vendor/$triple/bin/codex" ]; then
  tmp=$(mktemp -d "$dir/.unpack.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  tarball=$(cd "$tmp" && npm pack --silent --no-audit --no-fund "@openai/codex@$version-$suffix" | tail -n 1)
  mkdir "$tmp/pkg"
  tar -xzf "$tmp/$tarball" -C "$tmp/pkg" --strip-components=1 --no-same-owner
  rm -rf "$dir/pkg"
  mv "$tmp/pkg" "$dir/pkg"
fi
ln -sfn "pkg/vendor/$triple/bin/codex" "$dir/codex-linux-sandbox"
echo "upstream helper: $dir/codex-linux-sandbox (Codex $version)"
