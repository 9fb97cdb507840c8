#!/bin/sh
# The whole test suite, from a fresh Debian 12 machine: dependencies, a
# -Werror build with `make check`, an ASan/UBSan build with `make check`,
# `make distcheck`, and an in-tree ./configure of the tarball that must
# leave no conftest*/confdefs* behind.
#
# Every skipped test is listed with its reason.  The run ends with one
# line, "N passed, N failed, N skipped".  Under CI=true a skip fails the
# run unless tests/expected-skips lists it: a green line must not hide a
# suite that ran nothing.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/scripts/deps.sh" || exit 1
autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; exit 1; }

pass=0
fail=0
skipped=0
status=0
skips=$(mktemp "${TMPDIR:-/tmp}/sl-skips.XXXXXX")
failures=$(mktemp "${TMPDIR:-/tmp}/sl-failures.XXXXXX")
trap 'rm -f "$skips" "$failures"' EXIT

# skips_in FILE...: every "SKIP:" line the TAP driver printed, as
# "TEST[: CHECK]<TAB>REASON".  A skipped check reads
# "SKIP: tests/api.sh 71 - docker version # SKIP no docker CLI", a skipped
# test program (a "1..0 # SKIP" plan) "SKIP: tests/abi/layout - reason".
skips_in() {
	awk '/^SKIP: / {
		sub(/^SKIP: /, "")
		test = $1
		sub(/^[^ ]+ ?/, "")
		sub(/^[0-9]+ ?/, "")
		sub(/^- /, "")
		s = " " $0
		i = index(s, " # SKIP")
		if (i) {
			check = substr(s, 2, i - 2)
			reason = substr(s, i + 7)
		} else {
			check = ""
			reason = $0
		}
		sub(/^[: ]+/, "", reason)
		name = check == "" ? test : test ": " check
		print name "\t" (reason == "" ? "no reason given" : reason)
	}' "$@"
}

# note_skips FILE...: show and remember the skips in FILEs; sets $ns.
note_skips() {
	skips_in "$@" >"$skips.new"
	ns=$(wc -l <"$skips.new")
	awk -F '\t' '{ print "skip: " $1 " -- " $2 }' "$skips.new"
	cat "$skips.new" >>"$skips"
	rm -f "$skips.new"
}

# note_failures DIR LABEL: show the log of every test under DIR that
# failed, in full, and remember a short account of it (its "not ok" lines
# and the first diagnostic after each) for the end of the run, where CI's
# excerpt of the output can see it.
note_failures() {
	for trs in $(find "$1" -name '*.trs' | sort); do
		grep -qE '^:global-test-result: (FAIL|ERROR|XPASS)' "$trs" || continue
		log=${trs%.trs}.log
		echo "=== $log"
		cat "$log"
		{
			echo "$2: ${log#"$1"/}"
			awk '/^not ok/ { print "  " $0; n = 1; next }
				n == 1 && /^#/ { print "    " $0; n = 0; next }
				{ n = 0 }
				/^Bail out!/ { print "  " $0 }' "$log" | head -8
			grep '^ERROR:' "$log" | cut -c1-200 | head -3 | sed 's/^/  /'
		} >>"$failures"
	done
}

# Tests spend most of their time waiting for daemons, simulated clouds and
# clients, not on the CPU: four at a time on two cores finish the suite in
# half the time of two, with the CPU still not saturated (measured: 117%).
check_jobs=$(( $(nproc 2>/dev/null || echo 2) * 2 ))

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
	(cd "$dir" && make -j$check_jobs check >check.out 2>&1) || check_rc=1
	note_failures "$dir" "$(basename "$dir")"
	if [ -f "$dir/test-suite.log" ]; then
		sed -n '1,12p' "$dir/test-suite.log"
	fi
	results=$(cat $(find "$dir" -name '*.trs') 2>/dev/null | sed -n 's/^:test-result: //p')
	p=$(printf '%s\n' "$results" | grep -c '^\(PASS\|XFAIL\)')
	f=$(printf '%s\n' "$results" | grep -c '^\(FAIL\|ERROR\|XPASS\)')
	s=$(printf '%s\n' "$results" | grep -c '^SKIP')
	if [ $check_rc -ne 0 ]; then
		status=1
		# make check failed without a failing test: the build of a test
		# broke.  Count it, and show why.
		if [ "$f" -eq 0 ]; then
			grep -E 'error|Error' "$dir/check.out" | head -20
			f=1
		fi
	fi
	note_skips "$dir/check.out"
	echo "suite $dir: $p passed, $f failed, $s skipped"
	pass=$((pass + p))
	fail=$((fail + f))
	skipped=$((skipped + s))
}

run_suite "$top/build-check" --enable-werror
run_suite "$top/build-asan" --enable-werror --enable-sanitizers

# distcheck: the tarball builds, tests and installs on its own.  It counts
# as one test; the skips inside its make check are listed and counted.
rm -rf "$top/build-dist"
mkdir -p "$top/build-dist"
if (cd "$top/build-dist" && "$top/configure" >/dev/null 2>&1 &&
    make -j$check_jobs distcheck >distcheck.out 2>&1); then
	echo "distcheck: ok"
	pass=$((pass + 1))
else
	tail -60 "$top/build-dist/distcheck.out"
	note_failures "$top/build-dist" distcheck
	echo "distcheck: FAILED"
	fail=$((fail + 1))
	status=1
fi
ns=0
[ -f "$top/build-dist/distcheck.out" ] && note_skips "$top/build-dist/distcheck.out"
skipped=$((skipped + ns))

# An in-tree ./configure of the tarball leaves no conftest*/confdefs*
# (autoconf's own clean-up stops at "rm -f core" when core/ is a directory;
# configure.ac cleans up after AC_OUTPUT).
tarball=$(ls "$top"/build-dist/*.tar.gz 2>/dev/null | head -1)
intree=$(mktemp -d "${TMPDIR:-/tmp}/sl-intree.XXXXXX")
if [ -n "$tarball" ] && tar -xzf "$tarball" -C "$intree" &&
    src=$(ls -d "$intree"/*/) && (cd "$src" && ./configure >configure.out 2>&1); then
	left=$(cd "$src" && ls -d conftest* confdefs* 2>/dev/null)
	if [ -z "$left" ]; then
		echo "in-tree configure: clean"
		pass=$((pass + 1))
	else
		echo "in-tree configure: left behind: $left"
		fail=$((fail + 1))
		status=1
	fi
else
	echo "in-tree configure: FAILED (tarball ${tarball:-missing})"
	fail=$((fail + 1))
	status=1
fi
rm -rf "$intree"

# Under CI every skip must be expected: tests/expected-skips lists them as
# "TEST[: CHECK] -- why", comments (#) and blank lines aside.
expected=$top/tests/expected-skips
if [ "${CI:-}" = true ] && [ -s "$skips" ]; then
	[ -f "$expected" ] || { echo "CI=true: no $expected"; expected=/dev/null; }
	unexpected=$(awk -F '\t' '
		FILENAME == ARGV[1] {
			if ($0 ~ /^[ \t]*(#|$)/) next
			i = index($0, " -- ")
			ok[i ? substr($0, 1, i - 1) : $0] = 1
			next
		}
		!($1 in ok) { print "  " $1 " -- " $2 }' "$expected" "$skips")
	if [ -n "$unexpected" ]; then
		echo "CI=true: skips not listed in tests/expected-skips:"
		printf '%s\n' "$unexpected"
		status=1
	fi
fi

if [ -s "$failures" ]; then
	echo "failed tests:"
	cat "$failures"
fi
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ] && [ "$status" -eq 0 ]
