#!/bin/bash
# sim-faults.sh - fault injection: 429 with Retry-After, 5xx sequences,
# dropped connections, latency, rates; rules from the command line and
# through /_sim/faults; stats count faulted calls.
. "$(dirname "$0")/lib.sh"

sim_start $SIM_FAST --no-workloads --lro-delay-ms 0 \
	--fault '{"id":"boot","op":"Jobs_ListBySubscription","status":503,"times":1}' ||
	{ ok 1 "simulator starts"; done_testing; }
arm_auth
req PUT "$JOBS/fj?api-version=$API" "$(job_body x/y:1 '["true"]')"
is "$STATUS" 201 "job created"

req GET "/subscriptions/$SUB/providers/Microsoft.App/jobs?api-version=$API"
is "$STATUS" 503 "rule given with --fault applies"
is "$(hdr Retry-After)" 1 "503 carries Retry-After"
req GET "/subscriptions/$SUB/providers/Microsoft.App/jobs?api-version=$API"
is "$STATUS" 200 "--fault rule with times=1 fires once"

save=$AUTH
AUTH=
req POST /_sim/faults '{"id":"throttle","op":"Jobs_Get","status":429,"retryAfter":3,"times":2}'
is "$STATUS" 201 "add a 429 rule"
req POST /_sim/faults '{"op":"Jobs_Get"}'
is "$STATUS" 400 "a rule without an effect is refused"
AUTH=$save
req GET "$JOBS/fj?api-version=$API"
is "$STATUS $(jv "d['error']['code']")" "429 TooManyRequests" "first GET throttled"
is "$(hdr Retry-After)" 3 "429 carries Retry-After: 3"
check "429 keeps ARM headers" test -n "$(hdr x-ms-request-id)"
req GET "$JOBS/fj?api-version=$API"
is "$STATUS" 429 "second GET throttled"
req GET "$JOBS/fj?api-version=$API"
is "$STATUS" 200 "third GET passes (times=2)"

AUTH=
req POST /_sim/faults '{"id":"seq","op":"Jobs_ListByResourceGroup","sequence":[500,"ok",503]}'
AUTH=$save
got=
for i in 1 2 3 4; do
	req GET "$JOBS?api-version=$API"
	got="$got $STATUS"
done
is "$got" " 500 200 503 200" "sequence 500, ok, 503, then exhausted"

AUTH=
req POST /_sim/faults '{"id":"drop","path":"/subscriptions/**/jobs/*/executions","method":"GET","drop":true,"times":1}'
AUTH=$save
curl -s -o /dev/null -H "Authorization: $AUTH" "$SIM_URL$JOBS/fj/executions?api-version=$API"
is "$?" 52 "dropped connection: curl sees an empty reply"
req GET "$JOBS/fj/executions?api-version=$API"
is "$STATUS" 200 "next call passes"

AUTH=
req POST /_sim/faults '{"id":"slow","op":"Jobs_Get","latencyMs":700,"times":1}'
AUTH=$save
t0=$(date +%s%N)
req GET "$JOBS/fj?api-version=$API"
t1=$(date +%s%N)
is "$STATUS" 200 "latency-only rule still answers"
check "latency of at least 700 ms added" test $(((t1 - t0) / 1000000)) -ge 700

AUTH=
req POST /_sim/faults '[{"id":"half","op":"Jobs_ListSecrets","status":500,"rate":0.5},{"id":"never","op":"Jobs_ListSecrets","status":502,"rate":0}]'
is "$STATUS $(jv "len(d['ids'])")" "201 2" "add two rules at once"
AUTH=$save
n500=0
for i in $(seq 30); do
	req POST "$JOBS/fj/listSecrets?api-version=$API"
	[ "$STATUS" = 500 ] && n500=$((n500 + 1))
done
check "rate 0.5 injects some but not all of 30 calls ($n500)" test $n500 -ge 5 -a $n500 -le 25

AUTH=
req GET /_sim/faults
check "rules are listed with counters" test "$(jv "[r['injected'] for r in d['value'] if r['id']=='throttle'][0]")" = 2
req DELETE /_sim/faults/half
is "$STATUS" 204 "delete one rule"
req DELETE /_sim/faults/half
is "$STATUS" 404 "deleting it again -> 404"
req DELETE /_sim/faults
is "$STATUS" 204 "clear all rules"
req GET /_sim/faults
is "$(jv "len(d['value'])")" 0 "no rules left"
req GET /_sim/stats
is "$(jv "d['statuses']['Jobs_Get']['429']")" 2 "stats count the throttled calls"
done_testing
