# conformance/logs.sh - the logs hook: stdout/stderr split, follow,
# since/until/tail, timestamps, large and binary output, a last line
# without a newline.

# lg_run NAME COMMAND: runs COMMAND in a container to its end.
lg_run() {
	dk_ok run --name "$1" "$SL_IMAGE" sh -c "$2" || return 1
}

lg_split() {
	lg_run kit-split 'echo to-out; echo to-err >&2' || return 1
	dk_ok logs kit-split || return 1
	want "docker logs: stdout" "$OUT" to-out || return 1
	want "docker logs: stderr" "$ERR" to-err
}

lg_follow() {
	dk_ok run -d --name kit-follow "$SL_IMAGE" sh -c 'echo one; sleep 0.5; echo two' || return 1
	dk_ok logs -f kit-follow || return 1
	want "logs -f until the container ends" "$(echo $OUT)" "one two"
}

lg_tail() {
	lg_run kit-tail 'for i in 1 2 3 4 5; do echo l$i; done' || return 1
	dk_ok logs --tail 2 kit-tail || return 1
	want "logs --tail 2" "$(echo $OUT)" "l4 l5" || return 1
	dk_ok logs --tail 0 kit-tail || return 1
	want "logs --tail 0" "$OUT" ""
}

lg_timestamps() {
	lg_run kit-ts 'echo a; echo b' || return 1
	dk_ok logs -t kit-ts || return 1
	n=$(printf '%s\n' "$OUT" | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z [ab]$')
	want "lines of logs -t with an RFC 3339 timestamp" "$n" 2
}

# A second and a half between two lines (a reader starved for half a
# second on a loaded machine still stamps them apart); a cut halfway must
# separate them.
lg_since_until() {
	lg_run kit-since 'echo early; sleep 1.5; echo late' || return 1
	dk_ok logs -t kit-since || return 1
	ta=$(printf '%s\n' "$OUT" | sed -n 's/ early$//p')
	tb=$(printf '%s\n' "$OUT" | sed -n 's/ late$//p')
	[ -n "$ta" ] && [ -n "$tb" ] || { fail "logs -t: $OUT"; return 1; }
	mid=$(awk -v a="$(date -d "$ta" +%s.%N)" -v b="$(date -d "$tb" +%s.%N)" \
		'BEGIN { printf "%.3f", (a + b) / 2 }')
	dk_ok logs --since "$mid" kit-since || return 1
	want "logs --since (between the lines)" "$OUT" late || return 1
	dk_ok logs --until "$mid" kit-since || return 1
	want "logs --until (between the lines)" "$OUT" early
}

lg_large() {
	lg_run kit-large 'seq 1 20000' || return 1
	timeout -k 2 "$SL_T" docker logs kit-large >"$W/large" 2>&1
	want "20000 lines through docker logs" "$(wc -l <"$W/large" | tr -d ' ')" 20000 || return 1
	want "their content" "$(cksum <"$W/large")" "$(seq 1 20000 | cksum)"
}

# Bytes that are not text, and a last line without a newline: Docker
# hands back exactly what the process wrote.
lg_binary() {
	lg_run kit-bin "printf 'a\\001\\002\\177\\200\\376\\377b\\n'" || return 1
	timeout -k 2 "$SL_T" docker logs kit-bin >"$W/bin" 2>&1
	want "non-text bytes through docker logs" "$(od -An -tx1 <"$W/bin" | tr -s ' \n' ' ')" \
		"$(printf 'a\001\002\177\200\376\377b\n' | od -An -tx1 | tr -s ' \n' ' ')"
}

lg_no_newline() {
	lg_run kit-nonl "echo first; printf 'no-newline'" || return 1
	timeout -k 2 "$SL_T" docker logs kit-nonl >"$W/nonl" 2>&1
	want "a last line without a newline" "$(od -An -c <"$W/nonl" | tr -s ' \n' ' ')" \
		"$(printf 'first\nno-newline' | od -An -c | tr -s ' \n' ' ')"
}

group_logs() {
	scenario logs/stdout-stderr-split logs lg_split
	scenario logs/follow logs lg_follow
	scenario logs/tail logs lg_tail
	scenario logs/timestamps logs lg_timestamps
	scenario logs/since-until logs lg_since_until
	scenario logs/large-output logs lg_large
	scenario logs/binary-safe logs lg_binary
	scenario logs/line-without-newline logs lg_no_newline
}
