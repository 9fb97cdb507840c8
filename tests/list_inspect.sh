#!/bin/sh
# The container list and inspect are rendered from a per-container cache
# (core/ctrcache.c): each answer must show a change as soon as the request
# that made it has returned, long lists stream whole, and limits and
# filters still apply.  Example backend: containers are local processes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

tap_plan 25
start_daemon li --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }

# py EXPR: evaluates EXPR with d = the JSON document on stdin.
py() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

create() {
	curl -s --unix-socket "$SL_SOCK" -X POST -H 'Content-Type: application/json' \
		-d "$2" "http://d/v1.47/containers/create?name=$1" |
		sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p'
}
get() { curl -s --unix-socket "$SL_SOCK" "http://d/v1.47$1"; }
post() { curl -s -o /dev/null -w '%{http_code}' -X POST --unix-socket "$SL_SOCK" "http://d/v1.47$1"; }
# The list entry of the container named $2 in list document $1.
entry() { printf '%s' "$1" | py "[(e['State'], e['Status']) for e in d if e['Names'] == ['/$2']]"; }

id=$(create one '{"Image":"busybox","Cmd":["sleep","300"],"Labels":{"k":"v"}}')
[ ${#id} -eq 64 ] && ok "created" || not_ok "create" "$id"

# Render (and cache) the entries before each change.
e=$(entry "$(get '/containers/json?all=1')" one)
[ "$e" = "[('created', 'Created')]" ] && ok "list: created" || not_ok "list before start" "$e"
s=$(get "/containers/$id/json" | py "d['State']['Status']")
[ "$s" = created ] && ok "inspect: created" || not_ok "inspect before start" "$s"

code=$(post "/containers/$id/start")
[ "$code" = 204 ] && ok "started" || not_ok "start" "$code"
e=$(entry "$(get '/containers/json?all=1')" one)
case $e in
"[('running', 'Up "*) ok "list shows running right after start" ;;
*) not_ok "list after start" "$e" ;;
esac
s=$(get "/containers/$id/json" | py "(d['State']['Status'], d['State']['Running'], d['State']['Pid'] > 0)")
[ "$s" = "('running', True, True)" ] && ok "inspect shows running right after start" ||
	not_ok "inspect after start" "$s"
n=$(get '/containers/json' | py "len(d)")
[ "$n" = 1 ] && ok "list without all shows the running one" || not_ok "list running" "$n"

code=$(post "/containers/$id/kill")
[ "$code" = 204 ] && ok "killed" || not_ok "kill" "$code"
w=$(curl -s -X POST --unix-socket "$SL_SOCK" "http://d/v1.47/containers/$id/wait" | py "d['StatusCode']")
[ "$w" = 137 ] && ok "wait returns 137" || not_ok "wait" "$w"
e=$(entry "$(get '/containers/json?all=1')" one)
case $e in
"[('exited', 'Exited (137) "*) ok "list shows the exit right after wait returned" ;;
*) not_ok "list after exit" "$e" ;;
esac
s=$(get "/containers/$id/json" | py "(d['State']['Status'], d['State']['ExitCode'], d['State']['Pid'])")
[ "$s" = "('exited', 137, 0)" ] && ok "inspect shows the exit right after wait returned" ||
	not_ok "inspect after exit" "$s"
n=$(get '/containers/json' | py "len(d)")
[ "$n" = 0 ] && ok "list without all drops it" || not_ok "list running after exit" "$n"

s=$(get '/containers/json?all=1&filters=%7B%22status%22%3A%5B%22exited%22%5D%7D' | py "[e['Names'][0] for e in d]")
[ "$s" = "['/one']" ] && ok "a status filter picks from cached entries" || not_ok "filter" "$s"

# publish, expose, is-task and isolation, through docker ps.  Ports exist
# while a container runs (dockerd's list matches no port of a stopped one).
docker run -d --name p1 -p 8080:80 -p 5353:53/udp --expose 9000 busybox sleep 300 >/dev/null
docker run -d --name p2 --label com.docker.swarm.task.id=t1 --isolation default busybox sleep 300 >/dev/null
docker create --name p3 -p 7070:70 busybox true >/dev/null
# names ARGS...: the names docker ps -a lists, sorted, on one line.
names() { docker ps -a --format '{{.Names}}' "$@" 2>&1 | sort | tr '\n' ' ' | sed 's/ $//'; }
s="$(names --filter publish=8080),$(names --filter publish=8080/udp),$(names --filter publish=5350-5360/udp),$(names --filter publish=80)"
[ "$s" = "p1,,p1," ] && ok "publish matches the host port, its protocol and ranges" || not_ok "publish" "$s"
s="$(names --filter expose=80/tcp),$(names --filter expose=9000),$(names --filter expose=53/UDP),$(names --filter expose=81-89),$(names --filter expose=70)"
[ "$s" = "p1,p1,p1,," ] && ok "expose matches a running container's ports" || not_ok "expose" "$s"
s="$(names --filter expose=9000 --filter publish=1)"
[ "$s" = p1 ] && ok "a port matching either filter keeps the container" || not_ok "publish or expose" "$s"
s="$(names --filter is-task=true),$(names --filter is-task=0 --filter name=^p)"
[ "$s" = "p2,p1 p3" ] && ok "is-task true and false" || not_ok "is-task" "$s"
s="$(names --filter isolation=default --filter name=^p),$(names --filter isolation=hyperv)"
[ "$s" = "p1 p2 p3," ] && ok "isolation: every container here is default" || not_ok "isolation" "$s"
contains "publish with a ':' is 400" "$(api GET '/v1.47/containers/json?filters=%7B%22publish%22%3A%5B%228080%3A80%22%5D%7D')" \
	'400 {"message":"filter for '"'publish'"' should not contain '"':'"': 8080:80"}'
contains "expose with a reversed range is 400" "$(names --filter expose=90-80)" \
	'error while looking up for expose 90-80: invalid port range: 90-80'
contains "is-task that is no boolean is 400" "$(names --filter is-task=maybe)" \
	"invalid filter 'is-task=[maybe]'"
docker rm -f p1 p2 p3 >/dev/null

# Many entries: the answer streams in blocks and must still be one whole,
# valid array, the same from a cold and a warm cache.  Only created
# containers are listed: an exited one's "Exited (137) 2 seconds ago" may
# rightly change between the two lists.
curl -s -o /dev/null -X DELETE --unix-socket "$SL_SOCK" "http://d/v1.47/containers/$id"
"$top_builddir/tests/bench/loadgen" -u "$SL_SOCK" -n 400 -c 2 -X POST \
	-b '{"Image":"busybox","Cmd":["true"],"Labels":{"com.example.padding":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}' \
	-l create '/containers/create?name=many{n}' >"$tmp/lg" 2>&1
get '/containers/json?all=1' >"$tmp/l1"
get '/containers/json?all=1' >"$tmp/l2"
s=$(py "(len(d), len(set(e['Id'] for e in d)))" <"$tmp/l1")
sz=$(wc -c <"$tmp/l1")
[ "$s" = "(400, 400)" ] && [ "$sz" -gt 131072 ] && ok "a list of 400 ($sz bytes) arrives whole" ||
	not_ok "long list" "$s, $sz bytes" "$(cat "$tmp/lg")"
cmp -s "$tmp/l1" "$tmp/l2" && ok "cold and warm renders are identical" || not_ok "cold/warm" "differ"

s=$(get '/containers/json?all=1&limit=2' | py "[e['Id'] for e in d]")
want=$(py "[e['Id'] for e in d[:2]]" <"$tmp/l1")
[ "$s" = "$want" ] && ok "limit keeps the newest" || not_ok "limit" "$s" "want $want"

# A large registry credential header still fits the connection's memory.
auth=$(head -c 24000 /dev/zero | tr '\0' A)
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SL_SOCK" \
	-H "X-Registry-Auth: $auth" http://d/_ping)
[ "$code" = 200 ] && ok "a 24 KB X-Registry-Auth header is accepted" || not_ok "big header" "$code"

stop_daemon
tap_done
