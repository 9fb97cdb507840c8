#!/bin/sh
# Install into a temporary DESTDIR, build the example backend out of tree
# with nothing but the installed header and `pkg-config sockerless-plugin`,
# and load it into the installed daemon.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

tap_plan 9
install_to_dest
ok "make install into a DESTDIR"

pc=$(find "$dest" -name sockerless-plugin.pc | head -1)
daemon=$(find "$dest" -path '*/bin/sockerlessd' | head -1)
hdr=$(find "$dest" -path '*/include/sockerless/plugin.h' | head -1)
man=$(find "$dest" -name sockerlessd.8 | head -1)
[ -n "$pc" ] && [ -n "$daemon" ] && [ -n "$hdr" ] && [ -n "$man" ] &&
	ok "daemon, header, pkg-config file and man page are installed" ||
	not_ok "installed files" "pc=$pc daemon=$daemon hdr=$hdr man=$man"

export PKG_CONFIG_PATH="$(dirname "$pc")"
export PKG_CONFIG_SYSROOT_DIR="$dest"
cflags=$(pkg-config --cflags sockerless-plugin)
backenddir=$(pkg-config --variable=backenddir sockerless-plugin)
case $cflags in
*"$dest"*) ok "pkg-config gives the installed include dir" ;;
*) not_ok "pkg-config cflags" "$cflags" ;;
esac
# pkgconf prefixes variables with the sysroot itself.
case $backenddir in "$dest"*) ;; *) backenddir="$dest$backenddir" ;; esac
[ -f "$backenddir/example.so" ] && ok "backenddir holds the installed example.so" ||
	not_ok "backenddir" "$backenddir"

# The third-party build: the example's sources alone, in another folder.
mkdir -p "$tmp/ext"
cp "$top_srcdir"/plugin-api/example/*.c "$top_srcdir"/plugin-api/example/*.h "$tmp/ext/"
if ${CC:-cc} -std=c11 -Wall -Wextra -fPIC -shared -fvisibility=hidden $cflags \
	-o "$tmp/ext/myexample.so" "$tmp/ext"/*.c -lpthread >"$tmp/cc.log" 2>&1; then
	ok "the example builds out of tree against the installed header"
else
	not_ok "out-of-tree build" "$(cat "$tmp/cc.log")"
fi

SOCKERLESSD="$daemon"
if start_daemon inst --backend="$tmp/ext/myexample.so"; then
	pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
	info=$(curl -s --unix-socket "$SL_SOCK" http://d/info)
	contains "the installed daemon loads the out-of-tree backend" "$info" '"Driver":"process"'
	out=$(curl -s --unix-socket "$SL_SOCK" -X POST -H 'Content-Type: application/json' \
		-d '{"Image":"busybox","Cmd":["echo","out-of-tree"]}' http://d/v1.47/containers/create)
	contains "and runs containers with it" "$out" '"Id":'
	stop_daemon
else
	not_ok "installed daemon starts"
	not_ok "runs containers"
fi

# The conformance kit, installed beside the daemon (its scenarios under
# pkgdatadir, found through SOCKERLESS_CONFORMANCE_DIR in a DESTDIR).
kit=$(find "$dest" -path '*/bin/sockerless-conformance' | head -1)
kitdir=$(find "$dest" -path '*/conformance/lifecycle.sh' | head -1)
[ -n "$kit" ] && [ -n "$kitdir" ] && [ -n "$(find "$dest" -name sockerless-conformance.1)" ] &&
	ok "sockerless-conformance, its scenarios and man page are installed" ||
	not_ok "installed kit" "kit=$kit scenarios=$kitdir"
out=$(SOCKERLESS_CONFORMANCE_DIR=$(dirname "$kitdir") timeout 120 "$kit" --sockerlessd "$daemon" \
	--backend="$tmp/ext/myexample.so" --registry-mirror "$SL_MIRROR" --only lifecycle/exit-codes 2>&1)
contains "the installed kit runs against the out-of-tree backend" "$out" "# 1 passed, 0 failed, 0 skipped"
tap_done
