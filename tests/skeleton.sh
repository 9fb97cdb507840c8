#!/bin/sh
# plugin-api/skeleton/ as a backend author uses it: install Sockerless into
# a temporary DESTDIR, copy the skeleton elsewhere, build it with its own
# autotools against that install alone, install it, load it into the
# installed daemon and drive it with the real docker CLI.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

install_to_dest
pc=$(find "$dest" -name sockerless-plugin.pc | head -1)
daemon=$(find "$dest" -path '*/bin/sockerlessd' | head -1)
prefix=${daemon#"$dest"}
prefix=${prefix%/bin/sockerlessd}
libdir=$(dirname "$(dirname "${pc#"$dest"}")")
kit="$dest$prefix/bin/sockerless-conformance"
tap_plan 16
export PKG_CONFIG_PATH="$(dirname "$pc")"
export PKG_CONFIG_SYSROOT_DIR="$dest"

# The author's copy: nothing of the source tree but these files.
src="$tmp/skel"
cp -r "$top_srcdir/plugin-api/skeleton" "$src"
chmod -R u+w "$src"
if (cd "$src" && autoreconf -fi && ./configure --prefix="$prefix" --libdir="$libdir" &&
    make && make install DESTDIR="$dest") >"$tmp/skel.log" 2>&1; then
	ok "the skeleton builds with autoreconf, configure and make against the install"
else
	not_ok "skeleton build" "$(tail -30 "$tmp/skel.log")"
	echo "Bail out! the skeleton does not build"
	exit 1
fi
warn=$(grep -E '\.[ch]:[0-9]+:([0-9]+:)? warning:' "$tmp/skel.log" || true)
[ -z "$warn" ] && ok "and compiles without warnings" || not_ok "compiler warnings" "$warn"

bdir=$(pkg-config --variable=backenddir sockerless-plugin)
case $bdir in "$dest"*) ;; *) bdir="$dest$bdir" ;; esac
so="$bdir/skeleton.so"
syms=$(nm -D --defined-only "$so" 2>&1 | awk '{print $3}')
[ -f "$so" ] && [ "$syms" = sockerless_backend_entry_v1 ] &&
	ok "make install puts skeleton.so in backenddir, exporting only the entry" ||
	not_ok "installed module" "so=$so" "exports: $syms"

SOCKERLESSD="$daemon"
start_daemon d --backend=skeleton --plugin-dir "$bdir" ||
	{ echo "Bail out! the installed daemon did not load skeleton.so"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }

out=$(docker run --rm busybox sh -c 'echo hi; exit 3' 2>&1)
rc=$?
[ "$out" = hi ] && [ $rc -eq 3 ] &&
	ok "docker run --rm prints the output and exits with the command's code" ||
	not_ok "docker run --rm" "rc=$rc (want 3)" "output: $out"

docker run -d --name lg busybox sh -c 'echo out; echo err >&2; printf tail' >/dev/null 2>&1
code=$(docker wait lg 2>&1)
o=$(docker logs lg 2>/dev/null)
e=$(docker logs lg 2>&1 >/dev/null)
[ "$code" = 0 ] && [ "$o" = "out
tail" ] && [ "$e" = err ] &&
	ok "docker logs keeps stdout and stderr apart (served from the log store)" ||
	not_ok "logs" "wait: $code" "stdout: $o" "stderr: $e"
t=$(docker logs lg 2>/dev/null | tail -c 5 | od -An -tx1 | tr -d ' \n')
[ "$t" = 0a7461696c ] && ok "... and its last line without a newline as written (SL_LINE_PARTIAL)" ||
	not_ok "partial last line" "last bytes: $t"
docker run -d --name lg2 busybox sh -c 'echo early; sleep 30' >/dev/null 2>&1
n=0
until [ "$(docker logs lg2 2>&1)" = early ] || [ $n -ge 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
[ $n -lt 50 ] && ok "docker logs of a running container shows its lines so far" ||
	not_ok "logs while running" "$(docker logs lg2 2>&1)"

# stop: SIGTERM ends `sleep` (143); one that ignores it is killed (137).
docker run -d --name st busybox sleep 30 >/dev/null 2>&1
docker stop -t 5 st >/dev/null 2>&1
code=$(docker inspect -f '{{.State.ExitCode}} {{.State.Status}}' st 2>&1)
[ "$code" = "143 exited" ] && ok "docker stop ends it with SIGTERM (exit 143)" ||
	not_ok "stop" "$code"
# Stopped only once the trap is set (a SIGTERM before it gives 143).
docker run -d --name deaf busybox sh -c 'trap "" TERM; echo ready; sleep 30' >/dev/null 2>&1
wait_for 20 sh -c 'docker logs deaf 2>/dev/null | grep -q ready'
t0=$(date +%s)
docker stop -t 1 deaf >/dev/null 2>&1
t1=$(date +%s)
code=$(docker inspect -f '{{.State.ExitCode}}' deaf 2>&1)
[ "$code" = 137 ] && [ $((t1 - t0)) -lt 15 ] &&
	ok "docker stop -t 1 escalates to SIGKILL (exit 137)" ||
	not_ok "stop escalation" "exit code $code after $((t1 - t0)) s"

docker kill -s INT lg2 >/dev/null 2>&1
code=$(docker wait lg2 2>&1)
[ "$code" = 130 ] && ok "docker kill -s INT (exit 130)" || not_ok "kill" "$code"

out=$(docker rm st deaf lg lg2 2>&1)
left=$(docker ps -aq 2>&1)
[ -z "$left" ] && ok "docker rm removes them" || not_ok "rm" "$out" "left: $left"

docker run -d --name busy busybox sleep 30 >/dev/null 2>&1
out=$(api POST /containers/busy/pause)
contains "a NULL hook answers 501 naming the operation" "$out" "501 {\"message\":\"container pause is not supported"
docker rm -f busy >/dev/null 2>&1
out=$(docker create -t busybox true 2>&1)
rc=$?
[ $rc -ne 0 ] && contains "create refuses what the backend cannot do (a TTY)" "$out" \
	"a TTY (docker run -t) is not supported by the skeleton backend" ||
	not_ok "create -t" "rc=$rc: $out"
left=$(docker ps -aq 2>&1)
out=$(docker run --rm busybox no-such-command-here 2>&1)
rc=$?
[ -z "$left" ] && [ $rc -eq 127 ] &&
	ok "docker rm -f of a running one; a missing command exits 127" ||
	not_ok "rm -f / missing command" "left: $left" "rc=$rc: $out"

# The installed conformance kit, with the scenarios installed beside it
# (under DESTDIR), against the skeleton.
if [ -x "$kit" ]; then
	SOCKERLESS_CONFORMANCE_DIR=$(find "$dest" -type d -path '*/share/*/conformance' | head -1) \
	"$kit" --backend="$so" --only lifecycle --sockerlessd "$daemon" \
		--registry-mirror "$SL_MIRROR" >"$tmp/kit.log" 2>&1
	krc=$?
	sum=$(grep -E '^(# )?[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$tmp/kit.log")
	[ $krc -eq 0 ] && [ -n "$sum" ] && ok "the conformance kit's lifecycle group passes: $sum" ||
		not_ok "conformance kit (exit $krc)" "$(grep -v '^ok' "$tmp/kit.log" | tail -30)"
else
	not_ok "the conformance kit is installed" "no $kit"
fi

stop_daemon
rc=$?
[ $rc -eq 0 ] && ok "the daemon with skeleton.so exits 0 on SIGTERM" ||
	not_ok "daemon exit status $rc" "$(tail -20 "$tmp/d/log")"
tap_done
