# conformance/archive.sh - docker cp through the archive hooks.

ar_roundtrip() {
	dk_ok run -d --name kit-cp "$SL_IMAGE" sleep 300 || return 1
	printf 'kit-archive\001\n' >"$W/cp-in"
	dk_ok cp "$W/cp-in" kit-cp:/tmp/kit-file || return 1
	rm -f "$W/cp-out"
	dk_ok cp kit-cp:/tmp/kit-file "$W/cp-out" || return 1
	want "docker cp in, then out" "$(cksum <"$W/cp-out" 2>&1)" "$(cksum <"$W/cp-in")"
}

ar_missing() {
	dk_ok create --name kit-cp-missing "$SL_IMAGE" true || return 1
	dk cp kit-cp-missing:/no/such/path "$W/nothing" || return 1
	[ "$RC" != 0 ] || { fail "docker cp of a missing path succeeded"; return 1; }
	case $ERR in *"Could not find the file"* | *"No such"*) ;;
	*) fail "docker cp of a missing path: $ERR" ;; esac
}

group_archive() {
	scenario archive/cp-in-out archive ar_roundtrip
	scenario archive/missing-path archive ar_missing
}
