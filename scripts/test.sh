#!/bin/sh
# The whole test suite, from a fresh Debian 12 machine: dependencies, a
# -Werror build with `make check`, an ASan/UBSan build with `make check`,
# and `make distcheck`.  Ends with one "N passed, N failed" line.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/scripts/deps.sh" || exit 1
autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; exit 1; }
# The Azure fixtures and docs live in shared/ beside the checkout; an
# absolute path keeps them reachable from make distcheck's copy too.
if [ -z "${SL_SHARED_DIR:-}" ] && [ -d "$top/../shared/fixtures" ]; then
	SL_SHARED_DIR=$(cd "$top/../shared" && pwd)
fi
export SL_SHARED_DIR

pass=0
fail=0
status=0

# run_suite DIR CONFIGURE-ARGS...: build in DIR and run make check there.
run_suite() {
	dir=$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" "$@" >configure.out 2>&1) || {
		cat "$dir/configure.out"; echo "configure failed in $dir"; status=1; return; }
	if ! (cd "$dir" && make -j2 >make.out 2>&1); then
		tail -50 "$dir/make.out"; echo "build failed in $dir"; status=1; return
	fi
	check_rc=0
	(cd "$dir" && make -j2 check >check.out 2>&1) || check_rc=1
	# Show every test's TAP lines, then any failure's log in full.
	for log in $(find "$dir" -name '*.log' ! -name test-suite.log ! -name config.log | sort); do
		if grep -qE '^(FAIL|ERROR)' "${log%.log}.trs" 2>/dev/null; then
			echo "=== $log"; cat "$log"
		fi
	done
	if [ -f "$dir/test-suite.log" ]; then
		sed -n '1,12p' "$dir/test-suite.log"
	fi
	p=$(cat $(find "$dir" -name '*.trs') 2>/dev/null | grep -c '^:test-result: \(PASS\|SKIP\|XFAIL\)')
	f=$(cat $(find "$dir" -name '*.trs') 2>/dev/null | grep -c '^:test-result: \(FAIL\|ERROR\|XPASS\)')
	if [ $check_rc -ne 0 ]; then
		status=1
		# make check failed without a failing test: the build of a test
		# broke.  Count it, and show why.
		if [ "$f" -eq 0 ]; then
			grep -E 'error|Error' "$dir/check.out" | head -20
			f=1
		fi
	fi
	echo "suite $dir: $p passed, $f failed"
	pass=$((pass + p))
	fail=$((fail + f))
}

run_suite "$top/build-check" --enable-werror
run_suite "$top/build-asan" --enable-werror --enable-sanitizers

# distcheck: the tarball builds, tests and installs on its own.
rm -rf "$top/build-dist"
mkdir -p "$top/build-dist"
if (cd "$top/build-dist" && "$top/configure" >/dev/null 2>&1 &&
    make -j2 distcheck >distcheck.out 2>&1); then
	echo "distcheck: ok"
	pass=$((pass + 1))
else
	tail -60 "$top/build-dist/distcheck.out"
	echo "distcheck: FAILED"
	fail=$((fail + 1))
	status=1
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$status" -eq 0 ]
