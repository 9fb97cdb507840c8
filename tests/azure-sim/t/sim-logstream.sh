#!/bin/bash
# sim-logstream.sh - az containerapp job logs show's data plane (root):
# replicas list (containers appear once started, logStreamEndpoint),
# getAuthToken, follow streaming while the container writes, the two
# synthetic records, tailLines, text output with CRI prefixes, errors, and
# the output's retention after the replica ends.
. "$(dirname "$0")/lib.sh"
need_root

registry_start || { ok 1 "registry starts"; done_testing; }
sim_start $SIM_FAST --registry-map "docker.io=$REGISTRY_HOST" --lro-delay-ms 0 \
	--log-retention 15 --replica-cleanup 15 || { ok 1 "simulator starts"; done_testing; }
arm_auth
BB=docker.io/library/busybox:latest

req PUT "$JOBS/streamer?api-version=$API" \
	"$(job_body $BB '["/bin/sh","-c","sleep 3; for i in 1 2 3 4 5; do echo line-$i; sleep 2; done; echo oops >&2"]')"
is "$STATUS" 201 "job created"
req POST "$JOBS/streamer/getAuthToken?api-version=2023-11-02-preview"
dp=$(jv "d['properties']['token']")
check "getAuthToken token" test -n "$dp"
req POST "$JOBS/streamer/start?api-version=$API"
EX=$(jv "d['name']")
rep_path="$JOBS/streamer/executions/$EX/replicas?api-version=2023-11-02-preview"

req GET "$rep_path"
is "$(jv "len(d['value'])")" 1 "one replica listed right after start"
replica=$(jv "d['value'][0]['name']")
check "replica name <exec>-<5 alnum>" sh -c "echo '$replica' | grep -Eq '^$EX-[a-z0-9]{5}$'"
wait_until 20 "container listed once started" sh -c \
	"curl -s -H 'Authorization: $AUTH' '$SIM_URL$rep_path' | grep -q logStreamEndpoint"
req GET "$rep_path"
is "$(jv "d['value'][0]['properties']['runningState']")" Running "replica runningState Running"
is "$(jv "d['value'][0]['properties']['containers'][0]['runningState']")" Running "container runningState Running"
check "runningStateDetails says when it started" sh -c "echo '$(jv "d['value'][0]['properties']['containers'][0]['runningStateDetails']")' | grep -q 'Container started at: '"
endpoint=$(jv "d['value'][0]['properties']['containers'][0]['logStreamEndpoint']")
is "${endpoint#$SIM_URL}" "/subscriptions/$SUB/resourceGroups/$RG/jobs/streamer/executions/$EX/replicas/$replica/containers/main/logstream" "logStreamEndpoint is the documented path on this listener"

# Follow: the stream stays open while lines arrive and ends with the container.
curl -s -N -D "$TMP/f.hdr" -H "Authorization: Bearer $dp" \
	"$endpoint?follow=true&output=json&tailLines=300" >"$TMP/follow.out" &
cpid=$!
i=0
while [ "$(grep -c '"Log":"F line-' "$TMP/follow.out")" -lt 1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
lines_mid=$(grep -c '"Log":"F line-' "$TMP/follow.out")
check "lines arrive while the process runs ($lines_mid of 5 so far)" test "$lines_mid" -ge 1 -a "$lines_mid" -lt 5
check "the follow stream is still open meanwhile" kill -0 $cpid
i=0
while kill -0 $cpid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
check "follow stream ends when the container exits" sh -c "! kill -0 $cpid 2>/dev/null"
wait $cpid 2>/dev/null
check "chunked transfer" grep -qi 'transfer-encoding: chunked' "$TMP/f.hdr"
check "no Content-Type, as the live service" sh -c "! grep -qi '^content-type' '$TMP/f.hdr'"
is "$(sed -n 1p "$TMP/follow.out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["Log"])')" \
	"Connecting to the container 'main'..." "first record: Connecting"
is "$(sed -n 2p "$TMP/follow.out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["Log"])')" \
	"Successfully Connected to container: 'main' [Execution: '$EX', Replica: '$replica']" "second record: Successfully Connected"
check "apostrophes escaped as \\u0027" grep -q 'u0027main' "$TMP/follow.out"
is "$(grep -o '"Log":"F line-[0-9]"' "$TMP/follow.out" | tr -d '\n')" \
	'"Log":"F line-1""Log":"F line-2""Log":"F line-3""Log":"F line-4""Log":"F line-5"' "all five lines, in order, with the CRI F tag"
check "every record is {TimeStamp, Log}" "$PY" -c '
import json,sys
for l in open(sys.argv[1]):
    o=json.loads(l)
    assert set(o)=={"TimeStamp","Log"}, o
' "$TMP/follow.out"

curl -s -H "Authorization: Bearer $dp" "$endpoint?follow=false&output=json&tailLines=2" >"$TMP/tail.out"
is "$(wc -l <"$TMP/tail.out" | tr -d ' ')" 4 "tailLines=2: two synthetic records + 2 lines"
is "$(sed -n 4p "$TMP/tail.out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["Log"])')" "F oops" "the last line is the stderr one"
curl -s -H "Authorization: Bearer $dp" "$endpoint?follow=false&output=json&tailLines=0" >"$TMP/tail0.out"
is "$(wc -l <"$TMP/tail0.out" | tr -d ' ')" 2 "tailLines=0: only the synthetic records"
curl -s -H "Authorization: Bearer $dp" "$endpoint?follow=false&output=text&tailLines=300" >"$TMP/text.out"
check "text output: synthetic line with two spaces" grep -Eq "^[0-9T:.-]+  Connecting to the container 'main'\\.\\.\\.$" "$TMP/text.out"
check "text output: CRI stdout prefix" grep -Eq '^[0-9T:.-]+Z stdout F line-1$' "$TMP/text.out"
check "text output: CRI stderr prefix" grep -Eq '^[0-9T:.-]+Z stderr F oops$' "$TMP/text.out"

AUTH="Bearer $dp"
req GET "${endpoint#$SIM_URL}?follow=false&output=json&tailLines=301"
is "$STATUS" 400 "tailLines=301 -> 400"
req GET "${endpoint#$SIM_URL}?follow=false&output=json&tailLines=5" "" -H "Authorization: Bearer x$dp"
AUTH=
req GET "${endpoint#$SIM_URL}?follow=false&output=json&tailLines=5"
is "$STATUS" 401 "no token -> 401"
AUTH="Bearer $dp"
ep=${endpoint#$SIM_URL}
req GET "${ep%/main/logstream}/other/logstream?follow=false&output=json&tailLines=5"
is "$STATUS" 404 "unknown container -> 404"

# Retention: 15 s here (Azure keeps ~150 s; long enough for the checks
# above on a loaded machine), then the replica and its log go.
arm_auth
wait_until 45 "replicas list empties after the cleanup time" sh -c \
	"curl -s -H 'Authorization: $AUTH' '$SIM_URL$rep_path' | grep -q '\"value\":\\[\\]'"
wait_until 45 "log stream of a cleaned-up replica -> 404" sh -c \
	"test \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $dp' '$endpoint?follow=false&output=json&tailLines=5')\" = 404"
done_testing
