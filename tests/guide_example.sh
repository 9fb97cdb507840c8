#!/bin/sh
# The guide's minimal backend is true: take hello.c, its Makefile and the
# commands shown after it out of plugin-api/README.md (the blocks after the
# "<!-- guide-example: NAME -->" markers), build hello.so with that Makefile
# against an installed Sockerless, load it into the installed daemon and
# run each "$ " command of the guide, comparing the output line for line.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

guide="$top_srcdir/plugin-api/README.md"
# block NAME: prints the fenced block after the marker for NAME.
block() {
	awk -v m="<!-- guide-example: $1 -->" '
		$0 == m { want = 1; next }
		want && /^```/ { if (inside) exit; inside = 1; next }
		inside { print }' "$guide"
}

tap_plan 5
install_to_dest
pc=$(find "$dest" -name sockerless-plugin.pc | head -1)
daemon=$(find "$dest" -path '*/bin/sockerlessd' | head -1)
export PKG_CONFIG_PATH="$(dirname "$pc")"
export PKG_CONFIG_SYSROOT_DIR="$dest"

mkdir -p "$tmp/hello"
block hello.c >"$tmp/hello/hello.c"
block Makefile >"$tmp/hello/Makefile"
block run >"$tmp/run.txt"
grep -q sockerless_backend_entry_v1 "$tmp/hello/hello.c" &&
	grep -q '^hello.so:' "$tmp/hello/Makefile" && grep -q '^\$ docker' "$tmp/run.txt" &&
	ok "the guide has hello.c, its Makefile and the commands to run" ||
	not_ok "markers in $guide" "$(wc -l "$tmp/hello/hello.c" "$tmp/hello/Makefile" "$tmp/run.txt")"

# -Werror: the guide's code is warning-free with the flags it shows.
if make -C "$tmp/hello" CFLAGS="-O2 -g -Werror" hello.so >"$tmp/cc.log" 2>&1; then
	ok "hello.c builds with the guide's Makefile against the installed header"
else
	not_ok "hello.so build" "$(cat "$tmp/cc.log")"
	echo "Bail out! hello.c does not build"
	exit 1
fi

SOCKERLESSD="$daemon"
start_daemon d --backend="$tmp/hello/hello.so" ||
	{ echo "Bail out! the installed daemon did not load hello.so"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }

# Each "$ command" runs; the lines up to the next one are its output.
awk '/^\$ / { n++; print substr($0, 3) > (dir "/cmd." n); next }
	{ print > (dir "/want." n) }' dir="$tmp" "$tmp/run.txt"
i=1
bad=""
while [ -f "$tmp/cmd.$i" ]; do
	cmd=$(cat "$tmp/cmd.$i")
	got=$(sh -c "$cmd" 2>&1)
	want=$(cat "$tmp/want.$i" 2>/dev/null)
	[ "$got" = "$want" ] || bad="$bad
\$ $cmd
want: $want
got:  $got"
	i=$((i + 1))
done
[ $i -gt 1 ] && [ -z "$bad" ] &&
	ok "every command the guide shows prints what the guide says ($((i - 1)) commands)" ||
	not_ok "the guide's commands" "$bad"

out=$(docker exec "$(docker create busybox)" true 2>&1)
contains "a hook hello leaves NULL answers 501 naming the operation" "$out" \
	"is not supported by the hello backend"

stop_daemon
rc=$?
[ $rc -eq 0 ] && ok "the daemon with hello.so exits 0 on SIGTERM" ||
	not_ok "daemon exit status $rc" "$(tail -20 "$tmp/d/log")"
tap_done
