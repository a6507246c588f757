#!/usr/bin/env bash
# bench/run.sh: start-up and syscall overhead of sandbox, side by side with
# the bare command, upstream's Rust codex-linux-sandbox and two floors, in
# one run. Prints one table of means and ratios to the bare command.
#
#   bash bench/run.sh            # RUNS=300 by default; RUNS=1000 for tighter figures
#   BASELINE=c0ec095 bash bench/run.sh   # also times sandbox built at that commit
#   SECTIONS="true ns" bash bench/run.sh   # only these tables (of: true dd find ns proxy);
#                                        # dd and find take most of a run
#
# Floors: a static C program that only execs (what any exec wrapper costs),
# a Go program that only calls syscall.Exec (what the Go runtime costs), the
# same with x/net/bpf and x/sys linked in (what any Go binary of this
# project's shape costs), and a static C program that installs a
# one-instruction seccomp filter and execs (what any seccomp filter costs a
# syscall-bound command). Then the kernel's cost of installing our filter
# next to a one-instruction one (BenchmarkSeccompInstall), and where the
# binary's own code goes, by file; and a request through --allow-host's
# proxy beside a direct one. Needs hyperfine (installed with apt-get
# when missing and root), gcc, go, npm.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-300}
export SANDBOX_CI_CACHE="${SANDBOX_CI_CACHE:-$HOME/.cache/sandbox-ci}"

if ! command -v hyperfine >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && apt-get install -y -qq hyperfine) >/dev/null
  else
    echo "bench: hyperfine is missing (apt-get install hyperfine)" >&2; exit 1
  fi
fi

# Upstream's helper ships inside the Codex npm package (same cache as CI).
bash .ci/provision-codex.sh >/dev/null
case "$(uname -m)" in
  x86_64) rust_name=codex-linux-sandbox-x64 ;;
  aarch64) rust_name=codex-linux-sandbox-arm64 ;;
esac
rust="$(ls -d "$SANDBOX_CI_CACHE"/codex-e2e/codex-*/bin/"$rust_name" | head -n 1)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$work/sandbox" .
# A baseline build, for before/after figures from one run.
if [ -n "${BASELINE:-}" ]; then
  mkdir "$work/baseline-src"
  git archive "$BASELINE" | tar -x -C "$work/baseline-src"
  (cd "$work/baseline-src" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$work/baseline" .)
fi

cat > "$work/exec.c" <<'C'
#include <unistd.h>
int main(int argc, char **argv) { (void)argc; execv(argv[1], argv + 1); return 127; }
C
cat > "$work/seccomp1.c" <<'C'
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
  struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  struct sock_fprog prog = { .len = 1, .filter = &allow };
  (void)argc;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
    return 125;
  execv(argv[1], argv + 1);
  return 127;
}
C
gcc -O2 -static -o "$work/exec-c" "$work/exec.c"
gcc -O2 -static -o "$work/seccomp1-c" "$work/seccomp1.c"
mkdir "$work/execgo"
cat > "$work/execgo/main.go" <<'GO'
package main

import (
	"os"
	"syscall"
)

func main() { syscall.Exec(os.Args[1], os.Args[1:], os.Environ()) }
GO
(cd "$work/execgo" && printf 'module execgo\n\ngo 1.22\n' > go.mod && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$work/exec-go" .)

# The floor for any binary of this project's shape: golang.org/x/net/bpf
# and x/sys linked in (x/net/bpf brings fmt and reflect), exec.
mkdir "$work/execgo-deps"
cat > "$work/execgo-deps/main.go" <<'GO'
package main

import (
	"os"
	"syscall"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) > 99 { // never: only links the dependencies in
		ins, _ := bpf.JumpIf{Cond: bpf.JumpEqual, Val: 1, SkipTrue: 1}.Assemble()
		unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, uintptr(ins.K), 0, 0, 0)
	}
	syscall.Exec(os.Args[1], os.Args[1:], os.Environ())
}
GO
sed -n '/^require/,$p' go.mod > "$work/requires"
(cd "$work/execgo-deps" && { printf 'module execgodeps\n\ngo 1.26\n\n'; cat "$work/requires"; } > go.mod &&
  cp "$OLDPWD/go.sum" . && CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags='-s -w' -o "$work/exec-go-deps" .)

# Every binary timed runs as installed, copied into place the way a
# package manager writes it (npm, apt, cp): the Go linker writes its
# output through a shared mapping, and a binary run straight from it
# started about 0.1 ms slower in our runs on these hosts (same bytes, same
# page faults; interleaved runs of three builds each beside its copy,
# 2026-12-04; an audit did not see a stable gap), which would count
# against the Go builds only.
for b in sandbox baseline exec-go exec-go-deps exec-c seccomp1-c; do
  if [ -e "$work/$b" ]; then cp "$work/$b" "$work/$b.installed" && mv "$work/$b.installed" "$work/$b" || exit 1; fi
done

true_bin=/bin/true
base=()
if [ -n "${BASELINE:-}" ]; then base=("$work/baseline --exec-only -- $true_bin" "$work/baseline -- $true_bin"); fi
dd_cmd="dd if=/dev/zero of=/dev/null bs=1 count=1000000 status=none"
find_cmd="find /usr -name no-such-file-anywhere"

# Each benchmark runs in $rounds rounds of runs/rounds runs of every
# command in turn, so that a slow minute of this shared machine lands on
# all commands alike instead of on whichever hyperfine was timing then.
rounds=10
bench() { # name runs command...
  local name=$1 n=$2 r; shift 2
  case " ${SECTIONS:-true dd find ns proxy} " in *" $name "*) ;; *) return 0 ;; esac
  for r in $(seq "$rounds"); do
    hyperfine -N --style none --warmup "${WARMUP:-10}" --runs "$(( (n + rounds - 1) / rounds ))" \
      --export-json "$work/$name.$r.json" "$@" >/dev/null 2>&1
  done
}
bench true "$runs" "$true_bin" "$work/exec-c $true_bin" "$work/exec-go $true_bin" \
  "$work/exec-go-deps $true_bin" "$rust -- $true_bin" "$work/sandbox --exec-only -- $true_bin" ${base[@]+"${base[@]}"} \
  "$work/sandbox -- $true_bin"
# dd and find take a second each: one warm-up run per round is enough.
WARMUP=1 bench dd $((runs / 10 + 5)) "$dd_cmd" "$work/seccomp1-c /bin/$dd_cmd" "$rust -- $dd_cmd" "$work/sandbox --exec-only -- $dd_cmd" "$work/sandbox -- $dd_cmd"
WARMUP=1 bench find $((runs / 20 + 5)) "$find_cmd" "$rust -- $find_cmd" "$work/sandbox --exec-only -- $find_cmd" "$work/sandbox -- $find_cmd"

# The namespace engine against the exec-only one, plain bubblewrap with the
# same namespaces and mounts, and upstream's current helper (Codex 0.171,
# which runs bubblewrap itself) on the profile Codex sends for
# workspace-write: a git workspace, /tmp writable, .git, .agents, .codex
# and .aws read-only (the last three missing, so they get placeholders).
# bubblewrap is installed for the benchmark only; it is no dependency.
if ! command -v bwrap >/dev/null && [ "$(id -u)" = 0 ]; then
  (apt-get install -y -qq bubblewrap) >/dev/null 2>&1 || true
fi
bash .ci/provision-upstream.sh >/dev/null
upstream="$SANDBOX_CI_CACHE/upstream/codex-linux-sandbox"
ws="$work/ws"
mkdir -p "$ws" && git -C "$ws" init -q
ln -s sandbox "$work/codex-linux-sandbox"
profile='{"type":"managed","file_system":{"type":"restricted","entries":[{"path":{"type":"special","value":{"kind":"root"}},"access":"read"},{"path":{"type":"path","path":"'$ws'"},"access":"write"},{"path":{"type":"special","value":{"kind":"slash_tmp"}},"access":"write"},{"path":{"type":"path","path":"'$ws'/.git"},"access":"read","missing_path_behavior":"skip"},{"path":{"type":"path","path":"'$ws'/.agents"},"access":"read","missing_path_behavior":"skip"},{"path":{"type":"path","path":"'$ws'/.codex"},"access":"read","missing_path_behavior":"skip"},{"path":{"type":"path","path":"'$ws'/.aws"},"access":"read","missing_path_behavior":"skip"}]},"network":"restricted"}'
printf '%s' "$profile" > "$work/profile.json"
codex_args="--sandbox-policy-cwd $ws --command-cwd $ws --permission-profile $profile"
ns_cmds=("$work/sandbox --exec-only -w $ws -w /tmp -- $true_bin"
  "$work/sandbox --require-namespaces -w $ws -w /tmp -r $ws/.git -r $ws/.agents -r $ws/.codex -r $ws/.aws -- $true_bin")
if command -v bwrap >/dev/null; then
  ns_cmds+=("bwrap --die-with-parent --ro-bind / / --dev /dev --bind $ws $ws --bind /tmp /tmp --ro-bind $ws/.git $ws/.git --perms 555 --tmpfs $ws/.agents --remount-ro $ws/.agents --perms 555 --tmpfs $ws/.codex --remount-ro $ws/.codex --perms 555 --tmpfs $ws/.aws --remount-ro $ws/.aws --unshare-user --unshare-pid --unshare-ipc --unshare-net --proc /proc -- $true_bin")
fi
# hyperfine -N splits on spaces: the JSON profile goes through a file.
cat > "$work/codex-ours" <<SH
#!/bin/sh
exec "$work/codex-linux-sandbox" --sandbox-policy-cwd "$ws" --command-cwd "$ws" --permission-profile "\$(cat "$work/profile.json")" -- "\$@"
SH
cat > "$work/codex-upstream" <<SH
#!/bin/sh
exec "$upstream" --sandbox-policy-cwd "$ws" --command-cwd "$ws" --permission-profile "\$(cat "$work/profile.json")" -- "\$@"
SH
# The wrapper alone, to take off both: /bin/sh and the cat that reads the
# profile are about a third of ours.
cat > "$work/codex-none" <<SH
#!/bin/sh
: "\$(cat "$work/profile.json")"
exec "\$@"
SH
chmod +x "$work/codex-ours" "$work/codex-upstream" "$work/codex-none"
ns_cmds+=("$work/codex-ours $true_bin" "$work/codex-upstream $true_bin" "$work/codex-none $true_bin")
bench ns $((runs / 3 + 5)) "$true_bin" "${ns_cmds[@]}"

# A proxied request beside a direct one: curl fetches a small file from a
# server on the host's loopback, bare, through a sandbox with the network
# (--network: no network namespace) and through --allow-host (the
# supervisor's proxy); once, and 10 times in one sandbox, which shows the
# cost per request apart from the start-up.
mkdir -p "$work/www" && echo hello > "$work/www/f"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/www" > "$work/www.log" 2>&1 &
www_pid=$!
trap 'kill $www_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do
  www_port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/www.log" | head -n 1)
  [ -n "$www_port" ] && break
  sleep 0.1
done
url="http://127.0.0.1:$www_port/f"
curl1="curl -sf -o /dev/null $url"
curl10="sh -c 'for i in \$(seq 10); do $curl1 || exit 1; done'"
WARMUP=2 bench proxy $((runs / 10 + 5)) "$curl1" "$work/sandbox --network -- $curl1" "$work/sandbox --allow-host 127.0.0.1:$www_port -- $curl1" \
  "$curl10" "$work/sandbox --network -- $curl10" "$work/sandbox --allow-host 127.0.0.1:$www_port -- $curl10"

rss() { # the smallest peak RSS of 5 runs, in KiB
  for _ in 1 2 3 4 5; do /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; done | sort -n | head -n 1
}

python3 - "$work" "$rust" <<PY
import json, os, sys
work, rust = sys.argv[1], sys.argv[2]
labels = {"$true_bin": "bare", "$work/exec-c $true_bin": "floor: C exec-only",
          "$work/exec-go $true_bin": "floor: Go exec-only",
          "$work/exec-go-deps $true_bin": "floor: Go exec-only + deps",
          "$rust -- $true_bin": "upstream Rust helper",
          "$work/sandbox --exec-only -- $true_bin": "ours, exec-only",
          "$work/sandbox -- $true_bin": "ours, default (namespace)",
          "$work/baseline --exec-only -- $true_bin": "exec-only at ${BASELINE:-}",
          "$work/baseline -- $true_bin": "default at ${BASELINE:-}",
          "$dd_cmd": "bare", "$work/seccomp1-c /bin/$dd_cmd": "floor: 1-insn seccomp filter",
          "$rust -- $dd_cmd": "upstream Rust helper", "$work/sandbox --exec-only -- $dd_cmd": "ours, exec-only",
          "$work/sandbox -- $dd_cmd": "ours, default (namespace)",
          "$find_cmd": "bare", "$rust -- $find_cmd": "upstream Rust helper", "$work/sandbox --exec-only -- $find_cmd": "ours, exec-only",
          "$work/sandbox -- $find_cmd": "ours, default (namespace)"}
labels.update({"$work/sandbox --exec-only -w $ws -w /tmp -- $true_bin": "ours, exec-only engine",
          "$work/sandbox --require-namespaces -w $ws -w /tmp -r $ws/.git -r $ws/.agents -r $ws/.codex -r $ws/.aws -- $true_bin": "ours, namespace engine",
          "$work/codex-ours $true_bin": "ours as codex-linux-sandbox (*)",
          "$work/codex-upstream $true_bin": "upstream helper 0.171 (*)",
          "$work/codex-none $true_bin": "(*) the wrapper alone (sh, cat)"})
labels.update({"$curl1": "curl, bare", "$work/sandbox --network -- $curl1": "curl, sandbox --network",
          "$work/sandbox --allow-host 127.0.0.1:$www_port -- $curl1": "curl, sandbox --allow-host",
          "$curl10": "10 curls, bare", "$work/sandbox --network -- $curl10": "10 curls, --network",
          "$work/sandbox --allow-host 127.0.0.1:$www_port -- $curl10": "10 curls, --allow-host"})

print("kernel:", os.uname().release, " cpu:", next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), os.uname().machine),
      " cores:", os.cpu_count(), " date:", os.popen("date -u +%FT%TZ").read().strip())
print()
import statistics
print(f"{'benchmark':<10} {'run':<30} {'mean':>10} {'stddev':>9} {'median':>10} {'ratio':>7} {'(median)':>8}")
for name in ("true", "dd", "find", "ns", "proxy"):
    if not os.path.exists(os.path.join(work, f"{name}.1.json")):
        continue  # not in SECTIONS
    times = {}
    for r in range(1, $rounds + 1):
        for res in json.load(open(os.path.join(work, f"{name}.{r}.json")))["results"]:
            times.setdefault(res["command"], []).extend(res["times"])
    base = None
    goexec = times.get("$work/exec-go $true_bin")
    for cmd, t in times.items():
        mean, med = statistics.fmean(t), statistics.median(t)
        if base is None:
            base = (mean, med)
        vsgo = f"  {mean/statistics.fmean(goexec):5.3f}x Go exec-only" if goexec else ""
        label = "plain bubblewrap, same mounts" if cmd.startswith("bwrap ") else labels.get(cmd, cmd)
        print(f"{name:<10} {label:<30} {mean*1e3:8.3f}ms {statistics.stdev(t)*1e3:7.3f}ms {med*1e3:8.3f}ms {mean/base[0]:6.2f}x {med/base[1]:7.2f}x{vsgo}")
    if name == "ns":
        med = {c: statistics.median(t) for c, t in times.items()}
        w, o, u = (med.get("$work/codex-" + k + " $true_bin") for k in ("none", "ours", "upstream"))
        bw = next((m for c, m in med.items() if c.startswith("bwrap ")), None)
        ns = med.get("$work/sandbox --require-namespaces -w $ws -w /tmp -r $ws/.git -r $ws/.agents -r $ws/.codex -r $ws/.aws -- $true_bin")
        if None not in (w, o, u):
            print(f"{'ns':<10} as codex-linux-sandbox, wrapper taken off: ours {(o-w)*1e3:.2f}ms, upstream {(u-w)*1e3:.2f}ms, {(o-w)/(u-w):.3f}x (medians)")
        if bw and ns:
            print(f"{'ns':<10} namespace engine / plain bubblewrap: {ns/bw:.3f}x (medians)")
PY
echo
echo "peak RSS of '-- true' (KiB): bare $(rss "$true_bin"), Go exec-only $(rss "$work/exec-go" "$true_bin"), Go + deps $(rss "$work/exec-go-deps" "$true_bin"), upstream $(rss "$rust" -- "$true_bin"), ours exec-only $(rss "$work/sandbox" --exec-only -- "$true_bin"), ours namespace (supervisor) $(rss "$work/sandbox" -- "$true_bin")"
echo "binary size (bytes, stripped static): ours $(stat -c %s "$work/sandbox"), Go exec-only $(stat -c %s "$work/exec-go"), Go + deps $(stat -c %s "$work/exec-go-deps"), upstream $(stat -c %s "$rust")"

echo
echo "seccomp(2) install, each in a fresh process (go test -bench SeccompInstall):"
go test -run '^$' -bench SeccompInstall -benchtime "$((runs / 3 + 10))x" . | grep '^BenchmarkSeccompInstall'

echo
echo "the main package's code (text bytes) by file; the rest of the binary is the runtime and libraries:"
CGO_ENABLED=0 go build -trimpath -o "$work/sandbox-syms" .
go tool nm -size "$work/sandbox-syms" | awk '$3 == "T" || $3 == "t" { print $4, $2 }' > "$work/sizes"
go tool objdump "$work/sandbox-syms" | awk '/^TEXT main\./ { sub(/\(SB\)/, "", $2); n = split($3, p, "/"); print $2, p[n] }' > "$work/files"
awk 'NR == FNR { size[$1] = $2; next } { total[$2] += size[$1]; all += size[$1] }
  END { for (f in total) printf "  %8d %s\n", total[f], f; printf "  %8d total\n", all }' "$work/sizes" "$work/files" | sort -rn

# connect(2) in the namespace engine goes through the supervisor (seccomp
# user notification, unixnotify_linux.go): the cost of one supervised
# connect beside a bare one, by kind, and 10,000 AF_UNIX connects in a
# loop (the whole run, start-up included) as a ratio to bare. The
# exec-only engine refuses connect, so it has no row.
gcc -O2 -static -o "$work/unixconnect" bench/unixconnect.c
mkdir -p "$work/uxws"
echo
echo "connect(2), mean of 10,000 each (connect + accept + 2 closes), ns: pathname abstract tcp-loopback"
for _ in 1 2 3; do
  echo "  bare:                $("$work/unixconnect" "$work/uxws" 10000)"
  echo "  namespace (supervised): $("$work/sandbox" -w "$work/uxws" -- "$work/unixconnect" "$work/uxws" 10000)"
done
hyperfine -N --style none --warmup 1 --runs 10 --export-json "$work/uxloop.json" \
  "$work/unixconnect $work/uxws 10000 pathname" "$work/sandbox -w $work/uxws -- $work/unixconnect $work/uxws 10000 pathname" >/dev/null 2>&1
python3 - "$work/uxloop.json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
bare, ns = (statistics.fmean(x["times"]) for x in r)
print(f"10,000 AF_UNIX pathname connects in one run, start-up included: bare {bare*1e3:.0f} ms, namespace engine {ns*1e3:.0f} ms, {ns/bare:.2f}x bare")
PY
