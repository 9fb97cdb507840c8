#!/bin/sh
# The HTTP API basics against a minimal backend: ping, version, info,
# errors, version prefixes, body limits, listeners, shutdown.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

P="$top_builddir/tests/plugins/.libs"
tap_plan 34

start_daemon api --backend="$P/minimal.so" || { echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }

mode=$(stat -c %a "$SL_SOCK")
[ "$mode" = 660 ] && ok "unix socket is created 0660" || not_ok "unix socket mode" "$mode"

h=$(curl -sI --unix-socket "$SL_SOCK" http://d/_ping | tr -d '\r')
contains "HEAD /_ping has Api-Version" "$h" "Api-Version: 1.47"
contains "HEAD /_ping has Ostype" "$h" "Ostype: linux"
contains "HEAD /_ping has Cache-Control" "$h" "Cache-Control: no-cache, no-store, must-revalidate"
contains "HEAD /_ping has Pragma" "$h" "Pragma: no-cache"
contains "HEAD /_ping has Docker-Experimental" "$h" "Docker-Experimental: false"

r=$(api GET /_ping)
[ "$r" = "200 OK" ] && ok "GET /_ping answers OK" || not_ok "GET /_ping" "$r"

r=$(api GET /v1.47/version)
contains "/version has ApiVersion" "$r" '"ApiVersion":"1.47"'
contains "/version has MinAPIVersion" "$r" '"MinAPIVersion":"1.24"'

r=$(api GET /v1.24/info)
contains "old /v1.24 prefix accepted" "$r" "200 "
contains "/info reports the backend's figures" "$r" '"NCPU":3'
contains "/info counts containers" "$r" '"Containers":0'

r=$(api GET /v1.99/info)
contains "too-new version refused" "$r" '400 {"message":"client version 1.99 is too new. Maximum supported API version is 1.47"}'
r=$(api GET /v1.12/info)
contains "too-old version refused" "$r" "client version 1.12 is too old"

ct=$(curl -s -o /dev/null -w '%{content_type}' --unix-socket "$SL_SOCK" http://d/nope)
[ "$ct" = application/json ] && ok "errors are exactly application/json" || not_ok "content type" "$ct"
r=$(api GET /v1.47/no/such/route)
[ "$r" = '404 {"message":"page not found"}' ] && ok "unknown route is 404 JSON" || not_ok "unknown route" "$r"

r=$(api GET /v1.47/swarm)
contains "swarm is 501 naming the operation" "$r" '501 {"message":"swarm inspect is not supported by Sockerless'

# Image names with slashes and registries route as dockerd's {name:.*} does.
r=$(api GET /v1.47/images/quay.io/libpod/alpine:latest/json)
contains "an image name with a registry and slashes routes to image inspect" "$r" '404 {"message":"No such image: quay.io/libpod/alpine:latest"}'
r=$(api GET /v1.47/images/localhost:5000/a/b/c@sha256:0123/json/)
contains "a digest reference with a trailing slash routes too" "$r" 'No such image: localhost:5000/a/b/c@sha256:0123"'
r=$(api POST /v1.47/images/quay.io/libpod/alpine/push)
contains "image push says why it is not supported" "$r" '501 {"message":"image push is not supported by Sockerless: it keeps no image layers'
r=$(api POST /v1.47/build)
contains "image build says why it is not supported" "$r" '501 {"message":"image build is not supported by Sockerless: it keeps no image layers'
r=$(api GET '/v1.47/images/get?names=busybox')
contains "image save says why it is not supported" "$r" '501 {"message":"image save is not supported by Sockerless: it keeps no image layers'
# A loopback registry on a closed port: the name reaches the handler whole.
r=$(api GET /v1.47/distribution/127.0.0.1:1/o/r:1/json)
contains "distribution inspect routes names with slashes" "$r" '500 {"message":"failed to resolve reference \"127.0.0.1:1/o/r:1\"'

head -c 17000000 /dev/zero > "$tmp/big"
r=$(api POST /v1.47/containers/create -H 'Content-Type: application/json' --data-binary @"$tmp/big")
contains "oversized body refused with JSON" "$r" '413 {"message":"request body too large'

r=$(api POST /v1.47/containers/create -H 'Content-Type: application/json' -d '{"Image": "busybox", ')
contains "malformed JSON is a 400 JSON error" "$r" '400 {"message":"invalid JSON:'
r=$(api POST /v1.47/containers/create -H 'Content-Type: application/json' -d '["not", "an", "object"]')
contains "a JSON array body is refused" "$r" '400 {"message":"invalid JSON: the body must be a JSON object"}'
r=$(api POST /v1.47/containers/create -H 'Content-Type: application/json' -d '{"Image":"busybox","Cmd":["true"]}')
id=$(echo "$r" | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
r=$(api POST "/v1.47/containers/$id/start")
contains "a hook the backend lacks is 501 naming the operation" "$r" '501 {"message":"container start is not supported by the testplug backend"}'
r=$(api GET '/v1.47/events?since=0&until=1')
contains "events with until ends" "$r" "200"
r=$(api GET '/v1.47/events?filters=%7Bbad')
contains "malformed events filters are 400 JSON" "$r" '400 {"message":'
# Filters that are not JSON: dockerd's words, on every endpoint taking them.
bad=""
for ep in "GET containers/json" "GET images/json" "GET volumes" "GET networks" "GET events" \
	"POST containers/prune" "POST images/prune" "POST volumes/prune" "POST networks/prune"; do
	r=$(api ${ep% *} "/v1.47/${ep#* }?filters=%7Bbad")
	[ "$r" = '400 {"message":"invalid filter"}' ] || bad="$bad
$ep: $r"
done
[ -z "$bad" ] && ok "filters that are not JSON: 400 invalid filter everywhere" ||
	not_ok "filters that are not JSON" "$bad"

r=$(api GET /v1.47/version)
contains "daemon keeps serving after bad requests" "$r" "200 "

if command -v docker >/dev/null 2>&1; then
	v=$(docker version --format '{{.Server.APIVersion}}' 2>&1)
	[ "$v" = 1.47 ] && ok "docker version shows the server API version" || not_ok "docker version" "$v"
	i=$(docker info --format '{{.Driver}} {{.OSType}}' 2>&1)
	[ "$i" = "testplug linux" ] && ok "docker info shows driver and OS type" || not_ok "docker info" "$i"
else
	skip "docker version" "no docker CLI"
	skip "docker info" "no docker CLI"
fi

stop_daemon
rc=$?
[ $rc -eq 0 ] && ok "SIGTERM exits 0" || not_ok "SIGTERM exit status" "$rc"
tap_done
