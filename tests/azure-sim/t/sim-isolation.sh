#!/bin/bash
# sim-isolation.sh - what a replica is isolated from (root): each replica
# gets its own address on the simulator's bridge, listed by /_sim/replicas,
# which the host can dial (Azure gives a replica its own address in the
# environment's network; the in-container agent will be dialled there);
# two replicas get different addresses, released when they end; inside, the
# capabilities are Docker's defaults less CAP_MKNOD (choice, README) with
# no_new_privs, and /proc/sys is read-only (runc's readonlyPaths); the
# bridge goes away with the simulator; --help says what is not isolated.
. "$(dirname "$0")/lib.sh"
need_root

"$SIM_BIN" --help >"$TMP/help" 2>&1
check "--help states what is not isolated" grep -q "NOT isolated: no user namespace" "$TMP/help"
check "--help lists --replica-subnet" grep -q -- "--replica-subnet CIDR" "$TMP/help"

registry_start || { ok 1 "registry starts"; done_testing; }
# A pool of its own so this test's addresses are predictable.
sim_start $SIM_FAST --registry-map "docker.io=$REGISTRY_HOST" --stop-grace 1 \
	--replica-subnet 10.215.0.0/16 ||
	{ ok 1 "simulator starts with workloads"; done_testing; }
ok 0 "simulator and registry started"
arm_auth
LA_TOKEN=$(la_token)
BB=docker.io/library/busybox:latest

req GET /_sim/replicas
is "$STATUS" 200 "GET /_sim/replicas -> 200"
BRIDGE=$(jv "d['network']['bridge']")
GW=$(jv "d['network']['gateway']")
check "the bridge is slsimN" sh -c "echo '$BRIDGE' | grep -Eq '^slsim[0-9]+$'"
check "the bridge exists on the host" test -e "/sys/class/net/$BRIDGE"
BRIDGE_IDX=$(cat "/sys/class/net/$BRIDGE/ifindex" 2>/dev/null)
check "its subnet is a /24 of --replica-subnet" sh -c "echo '$GW' | grep -Eq '^10\.215\.[0-9]+\.1$'"
is "$(jv "d['value']")" "[]" "no replica, no address"

# A web server in the replica prints who it is and what it may do.
cmd='["/bin/sh","-c","mkdir -p /www; { hostname; grep -E \"^(CapEff|NoNewPrivs)\" /proc/self/status | tr -d \"\\t\"; awk \"\\$2==\\\"/proc/sys\\\"{print \\\"procsys=\\\" substr(\\$4,1,2)}\" /proc/mounts; } > /www/index.html; exec httpd -f -p 8080 -h /www"]'
req PUT "$JOBS/web?api-version=$API" "$(job_body $BB "$cmd")"
is "$STATUS" 201 "PUT job -> 201"
wait_until 10 "job provisioned" sh -c "curl -s -H 'Authorization: $AUTH' '$SIM_URL$JOBS/web?api-version=$API' | grep -q '\"provisioningState\":\"Succeeded\"'"
req POST "$JOBS/web/start?api-version=$API"
EX1=$(jv "d['name']")
req POST "$JOBS/web/start?api-version=$API"
EX2=$(jv "d['name']")

n_addrs() { req GET /_sim/replicas; [ "$(jv "len(d['value'])")" = "$1" ]; }
wait_until 30 "both replicas have an address" n_addrs 2
req GET /_sim/replicas
IP1=$(jv "[r['ipAddress'] for r in d['value'] if r['name'].startswith('$EX1-')][0]")
IP2=$(jv "[r['ipAddress'] for r in d['value'] if r['name'].startswith('$EX2-')][0]")
R1=$(jv "[r['name'] for r in d['value'] if r['name'].startswith('$EX1-')][0]")
check "addresses are in the bridge's subnet" sh -c "echo '$IP1 $IP2' | grep -Eq '^${GW%.1}\.[0-9]+ ${GW%.1}\.[0-9]+$'"
check "two replicas, two addresses" test "$IP1" != "$IP2"
is "$(jv "d['network']['addressesInUse']")" 2 "two addresses in use"

wait_until 20 "the host reaches a listener in the replica at its address" \
	curl -sf -o "$TMP/page" "http://$IP1:8080/index.html"
is "$(head -1 "$TMP/page")" "$R1" "it is that replica answering"
# Docker's 0xa80425fb less CAP_MKNOD (bit 27), choice (README).
check "CapEff is Docker's default set less CAP_MKNOD" grep -qx "CapEff:00000000a00425fb" "$TMP/page"
check "NoNewPrivs: 1" grep -qx "NoNewPrivs:1" "$TMP/page"
check "/proc/sys is read-only" grep -qx "procsys=ro" "$TMP/page"
check "the replica's address is not the host's" sh -c "! ip -4 -o addr | grep -q ' $IP1/'"

req POST "$JOBS/web/executions/$EX1/stop?api-version=$API"
req POST "$JOBS/web/executions/$EX2/stop?api-version=$API"
wait_until 30 "stopped replicas release their addresses" n_addrs 0
req GET /_sim/replicas
is "$(jv "d['network']['addressesInUse']")" 0 "no address in use"
check "a stopped replica's address no longer answers" sh -c "! curl -s -m 2 -o /dev/null http://$IP1:8080/"

sim_stop
is "$?" 0 "simulator exits 0"
# By index: a simulator of a test running beside this one may take the
# freed name at once.
check "the bridge is removed at exit" test "$(cat "/sys/class/net/$BRIDGE/ifindex" 2>/dev/null)" != "$BRIDGE_IDX"
done_testing
