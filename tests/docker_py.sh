#!/bin/sh
# The docker SDK for Python against sockerlessd on the example backend:
# tests/docker_py.py prints the TAP.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

if ! "$SDK_PYTHON" -c 'import docker' 2>"$tmp/pyerr"; then
	tap_plan 1
	not_ok "the docker SDK for Python is installed (scripts/deps.sh)" "$(cat "$tmp/pyerr")"
	exit 1
fi
start_daemon py --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
TAP_EXTRA=1 "$SDK_PYTHON" "$top_srcdir/tests/docker_py.py"
prc=$?
TAP_N=12
stop_daemon
rc=$?
# Under the sanitizers a leak or an error makes this non-zero.
[ $rc -eq 0 ] && ok "SIGTERM exits 0" || not_ok "SIGTERM exit status" "$rc" "$(cat "$tmp/py/log")"
[ $prc -eq 0 ] && tap_done
