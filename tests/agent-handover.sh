#!/bin/sh
# docker logs -f served from the agent's copy when that copy stops being
# whole mid-follow: the agent's connection is cut (ss -K) while the
# process writes more than the agent's replay buffer holds, so the copy
# has a hole, and the follow goes on from the backend's own logs from
# the last line it sent.  The example backend stamps the agent's output
# after the agent did, so around the seam a line may show twice, never
# go missing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
command -v ss >/dev/null 2>&1 || { echo "Bail out! no ss (iproute2; run scripts/deps.sh)"; exit 1; }
start_registry
EX="$top_builddir/plugin-api/example/.libs"
tap_plan 7

# The agent with a replay buffer of 256 bytes: an outage of a few
# hundred milliseconds loses output from it.
AGENT=$tmp/agent-small
printf '#!/bin/sh\nexec "%s" --replay-bytes 256 "$@"\n' \
	"$top_builddir/agent/sockerless-agent" >"$AGENT"
chmod +x "$AGENT"

start_daemon rev --backend=example --plugin-dir "$EX" -o agent="$AGENT" \
	-o agent-mode=reverse --agent-listen 127.0.0.1:0 ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
url=$(sed -n 's/.*agents dial \(http[^)]*\)).*/\1/p' "$tmp/rev/log")
port=${url##*:}

# 400 rounds of 10 numbered lines, 20 ms apart: 4000 lines, 8 s or more.
id=$(docker run -d --name h1 busybox sh -c \
	'i=0; while [ $i -lt 400 ]; do j=0; while [ $j -lt 10 ]; do
		echo "line $((i * 10 + j))"; j=$((j + 1)); done
		i=$((i + 1)); sleep 0.02; done')
called_back() { grep -q "agent ${id%"${id#????????????}"}: called back" "$tmp/rev/log"; }
wait_for 10 called_back
check "the agent called back" called_back

docker logs -f h1 >"$tmp/follow.out" 2>&1 &
fpid=$!
wait_for 20 grep -q '^line 300$' "$tmp/follow.out"
# The agent's connection, from both ends (not the listener).
ss -K state established "( dport = :$port or sport = :$port )" >/dev/null 2>&1
check "the agent's connection was cut" test $? -eq 0
handed() { grep -q "logs ${id%"${id#????????????}"}: the agent's copy is no longer whole" "$tmp/rev/log"; }
wait_for 20 handed
check "the follow went over to the backend's logs" handed

# It ends with the container, as dockerd's.
wait_for 60 sh -c "! kill -0 $fpid"
check "docker logs -f ended with the container" sh -c "! kill -0 $fpid"
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null

# Every line, in order; a repeat allowed only at the seam (the lines
# between the agent's stamp and the backend's: 10 per 20 ms, so up to 200
# for a 400 ms gap on a loaded machine).
"$SDK_PYTHON" - "$tmp/follow.out" >"$tmp/verdict" <<'PY'
import sys
nums = []
for l in open(sys.argv[1]):
    if not l.startswith("line "):
        print("stray line %r" % l)
        sys.exit(1)
    nums.append(int(l[5:]))
missing = sorted(set(range(4000)) - set(nums))
back = sum(1 for a, b in zip(nums, nums[1:]) if b <= a)
dups = len(nums) - len(set(nums))
print("lines %d missing %d (first %s) repeats %d steps back %d"
      % (len(nums), len(missing), missing[:5], dups, back))
sys.exit(0 if not missing and back <= 1 and dups <= 200 else 1)
PY
rc=$?
check "every line came, in order, a few repeated at the seam ($(cat "$tmp/verdict"))" test $rc -eq 0
check "the last line is the last one written" test "$(tail -n 1 "$tmp/follow.out")" = "line 3999"
docker rm -f h1 >/dev/null 2>&1
if stop_daemon; then ok "the daemon exits 0"; else
	not_ok "the daemon exits 0" "$(tail -20 "$tmp/rev/log")"; fi
tap_done
