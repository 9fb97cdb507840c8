#!/bin/sh
# The docker SDK for Python's broad suite (tests/docker_py/, pytest) against
# sockerlessd on the example backend.  One registry and one daemon serve the
# whole session; tests/docker_py/conftest.py writes a TAP line per test to
# $SL_TAP_FILE, and pytest's own report goes to the log quoted on failure.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

for mod in docker pytest; do
	if ! "$SDK_PYTHON" -c "import $mod" 2>"$tmp/pyerr"; then
		tap_plan 1
		not_ok "python3 module $mod is installed (scripts/deps.sh)" "$(cat "$tmp/pyerr")"
		exit 1
	fi
done
start_registry
start_daemon pyfull --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }

SL_TAP_FILE="$tmp/pytest.tap"
: >"$SL_TAP_FILE"
# Nothing is written into the source tree (distcheck's is read-only): no
# cache directory, no bytecode.
SL_TAP_FILE=$SL_TAP_FILE SL_REGISTRY_HOST=$REGISTRY_HOST PYTHONDONTWRITEBYTECODE=1 \
	"$SDK_PYTHON" -m pytest -p no:cacheprovider -q -rA --tb=short --durations=10 \
	--rootdir "$top_srcdir/tests/docker_py" \
	"$top_srcdir/tests/docker_py" >"$tmp/pytest.log" 2>&1
prc=$?
cat "$SL_TAP_FILE"
TAP_N=$(grep -c '^\(not \)\{0,1\}ok ' "$SL_TAP_FILE")
TAP_FAILED=$(grep -c '^not ok ' "$SL_TAP_FILE")
if [ $prc -ne 0 ]; then
	# A failure the plugin could not pin on a test (a usage error, an
	# internal error): the whole report.
	[ "$TAP_FAILED" -gt 0 ] || not_ok "pytest exits 0" "exit status $prc" "$(cat "$tmp/pytest.log")"
fi
[ "$TAP_N" -gt 0 ] || not_ok "pytest ran tests" "$(cat "$tmp/pytest.log")"

stop_daemon
rc=$?
# Under the sanitizers a leak or an error makes this non-zero.
[ $rc -eq 0 ] && ok "SIGTERM exits 0" || not_ok "SIGTERM exit status" "$rc" "$(cat "$tmp/pyfull/log")"
tap_plan "$TAP_N"
tap_done
