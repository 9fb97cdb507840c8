# tests/conformance-check.sh - runs sockerless-conformance and compares its
# results with an expected list; sourced by the conformance-*.sh tests
# after tests/lib.sh.
#
# An expected list holds one "pass|skip|fail GROUP/NAME" line per
# scenario (# comments).  "skip" means the backend leaves the hook NULL
# and the daemon answered 501, as the kit checked.  The wrapper's own TAP
# has one line per scenario and never a SKIP.

KIT=$top_builddir/conformance/sockerless-conformance

# kit_run OUTFILE SECONDS ARGS...: runs the kit (bounded), output to OUTFILE;
# sets KIT_RC and KIT_SECS.
kit_run() {
	kr_out=$1 kr_t=$2
	shift 2
	kr_t0=$(date +%s)
	mkdir -p "$tmp/kittmp"
	TMPDIR=$tmp/kittmp timeout -k 5 "$kr_t" "$KIT" --sockerlessd "$SOCKERLESSD" "$@" >"$kr_out" 2>&1
	KIT_RC=$?
	KIT_SECS=$(($(date +%s) - kr_t0))
}

# kit_results TAPFILE: "pass|skip|fail NAME" for each scenario line.
kit_results() {
	sed -n -e 's/^ok [0-9]* - \([^ ]*\) \[.*\] # SKIP not supported:.*/skip \1/p' \
		-e '/# SKIP/!s/^ok [0-9]* - \([^ ]*\) \[.*/pass \1/p' \
		-e 's/^not ok [0-9]* - \([^ ]*\) \[.*/fail \1/p' "$1"
}

# kit_diag TAPFILE NAME: the kit's lines about scenario NAME.
kit_diag() {
	awk -v n="$2" '/^(not )?ok / { on = index($0, " - " n " [") > 0 } on' "$1"
}

# kit_compare TAPFILE EXPECTED: one TAP line per expected scenario, and
# one for anything the kit reported that the list lacks.
kit_compare() {
	kit_results "$1" >"$tmp/kit.got"
	grep -v '^#' "$2" | grep . >"$tmp/kit.want"
	while read -r verdict name; do
		got=$(awk -v n="$name" '$2 == n { print $1 }' "$tmp/kit.got")
		case $verdict in
		pass) what="passes" ;; skip) what="is not supported (501 checked)" ;; *) what="fails (a known gap)" ;;
		esac
		if [ "$got" = "$verdict" ]; then
			ok "$name $what"
		else
			not_ok "$name $what" "the kit said: ${got:-nothing}" "$(kit_diag "$1" "$name")"
		fi
	done <"$tmp/kit.want"
	extra=$(awk 'NR == FNR { w[$2] = 1; next } !($2 in w)' "$tmp/kit.want" "$tmp/kit.got")
	[ -z "$extra" ] && ok "the kit ran no scenario the list lacks" ||
		not_ok "scenarios missing from $(basename "$2")" "$extra"
}

# kit_summary TAPFILE: the closing line and the plan match the scenario
# lines, and the exit status matches the failures.
kit_summary() {
	p=$(grep -c '^pass ' "$tmp/kit.got") s=$(grep -c '^skip ' "$tmp/kit.got")
	f=$(grep -c '^fail ' "$tmp/kit.got")
	contains "closing line counts the results" "$(tail -1 "$1")" "# $p passed, $f failed, $s skipped"
	contains "the plan counts them" "$(cat "$1")" "
1..$((p + s + f))"
	if [ "$f" -eq 0 ]; then want_rc=0; else want_rc=1; fi
	[ "$KIT_RC" = "$want_rc" ] && ok "exit status $want_rc" || not_ok "exit status" "got $KIT_RC, want $want_rc"
}

# kit_clean: the kit removed its scratch directory and its daemon exited.
kit_clean() {
	left=$(ls -A "$tmp/kittmp")
	[ -z "$left" ] && ok "the kit removed its scratch directory" || not_ok "the kit left files" "$left"
	procs=$(pgrep -f "$tmp/kittmp" 2>/dev/null)
	[ -z "$procs" ] && ok "no process of the kit is left" || not_ok "processes left" "$(ps -o pid,args -p "$procs" 2>&1)"
}
