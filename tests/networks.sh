#!/bin/sh
# Networks as records (core/network.c, api_networks.c) through the real
# docker CLI and the docker SDK for Python, against the example backend.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

tap_plan 46
start_daemon net --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }

eq() { [ "$2" = "$3" ] && ok "$1" || not_ok "$1" "want: $3" "got:  $2"; }
fails_with() {
	desc=$1 msg=$2
	shift 2
	if out=$("$@" 2>&1); then not_ok "$desc" "succeeded: $out"; else contains "$desc" "$out" "$msg"; fi
}
is_hex64() { case $1 in *[!0-9a-f]*) return 1 ;; esac; [ ${#1} -eq 64 ]; }
# create_api NAME BODY: POST /containers/create; prints "STATUS BODY".
create_api() { api POST "/v1.47/containers/create?name=$1" -H 'Content-Type: application/json' -d "$2"; }
t0=$(date +%s)

# --- the predefined networks ----------------------------------------------------
eq "ls: bridge, host, none" "$(docker network ls --format '{{.Name}} {{.Driver}} {{.Scope}}' | tr '\n' ,)" \
	"bridge bridge local,host host local,none null local,"
bid=$(docker network inspect -f '{{.Id}}' bridge)
is_hex64 "$bid" && ok "bridge has a 64-hex id" || not_ok "bridge id" "$bid"
r=$(api GET /v1.47/networks/bridge)
out=$(printf '%s' "${r#* }" | python3 -c '
import json, sys
d = json.load(sys.stdin)
keys = ["Name", "Id", "Created", "Scope", "Driver", "EnableIPv6", "IPAM", "Internal",
        "Attachable", "Ingress", "ConfigFrom", "ConfigOnly", "Containers", "Options", "Labels"]
print([k for k in keys if k not in d], d["IPAM"]["Driver"], d["Options"]["com.docker.network.bridge.default_bridge"])')
eq "inspect has the members clients read" "$out" "[] default true"

# --- create, inspect, list ------------------------------------------------------
nid=$(docker network create --label team=a n1 2>&1)
is_hex64 "$nid" && ok "create prints a 64-hex id" || not_ok "create" "$nid"
fails_with "a duplicate name: dockerd's 409" "network with name n1 already exists" docker network create n1
r=$(api POST /v1.47/networks/create -H 'Content-Type: application/json' -d '{"Name":"n1"}')
eq "... with 409" "${r%% *}" 409
eq "inspect by name" "$(docker network inspect -f '{{.Id}} {{.Driver}} {{.Labels.team}}' n1)" "$nid bridge a"
eq "inspect by id" "$(docker network inspect -f '{{.Name}}' "$nid")" n1
eq "inspect by id prefix" "$(docker network inspect -f '{{.Name}}' "$(echo "$nid" | cut -c1-12)")" n1
fails_with "inspect of a missing network" "network nosuch not found" docker network inspect nosuch
docker network create --internal --attachable n2 >/dev/null
eq "Internal and Attachable kept" "$(docker network inspect -f '{{.Internal}} {{.Attachable}}' n2)" "true true"
eq "ls --filter label=team=a" "$(docker network ls -q --no-trunc --filter label=team=a)" "$nid"
eq "ls --filter type=custom" "$(docker network ls --format '{{.Name}}' --filter type=custom | tr '\n' ,)" "n1,n2,"
eq "ls --filter name=n" "$(docker network ls --format '{{.Name}}' --filter name=n | tr '\n' ,)" "n1,n2,none,"
r=$(api GET '/v1.47/networks?filters=%7B%22bogus%22%3A%7B%22x%22%3Atrue%7D%7D')
eq "an unknown filter: 400" "$r" "400 {\"message\":\"invalid filter 'bogus'\"}"
fails_with "a host network cannot be created" 'only one instance of "host" network is allowed' \
	docker network create -d host h2

# --- containers on networks ---------------------------------------------------------
id=$(docker run -d --name w1 --network n1 --network-alias web busybox sleep 60 2>&1)
[ ${#id} -eq 64 ] && ok "run --network n1 --network-alias web" || not_ok "run --network" "$id"
eq "container inspect: NetworkMode" "$(docker inspect -f '{{.HostConfig.NetworkMode}}' w1)" n1
eq "container inspect: the network, its id and the alias" \
	"$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{$v.NetworkID}} {{$v.Aliases}}{{end}}' w1)" \
	"n1 $nid [web]"
eq "network inspect: Containers" "$(docker network inspect -f '{{range $k, $v := .Containers}}{{$k}} {{$v.Name}}{{end}}' n1)" "$id w1"
check "connect with an alias" docker network connect --alias db n2 w1
eq "connect shows in container inspect" \
	"$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.Aliases}} {{end}}' w1)" "n1=[web] n2=[db] "
fails_with "connecting twice is refused" "endpoint with name w1 already exists in network n2" \
	docker network connect n2 w1
fails_with "connect of a missing container" "No such container: nobody" docker network connect n2 nobody
fails_with "no alias on the default bridge" \
	"network-scoped alias is supported only for containers in user defined networks" \
	docker network connect --alias x bridge w1
docker rename w1 w1r
eq "network inspect shows the name of now" \
	"$(docker network inspect -f '{{range .Containers}}{{.Name}}{{end}}' n2)" w1r
docker rename w1r w1
check "disconnect" docker network disconnect n2 w1
eq "disconnect shows in container inspect" \
	"$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' w1)" "n1 "
fails_with "disconnect when not connected" "is not connected to network n2" docker network disconnect n2 w1
fails_with "rm while a container is attached: dockerd's message" \
	"error while removing network: network n1 has active endpoints (name:\"w1\" id:" docker network rm n1
fails_with "predefined networks cannot be removed" "bridge is a pre-defined network and cannot be removed" \
	docker network rm bridge
r=$(api DELETE /v1.47/networks/host)
eq "... with 403" "${r%% *}" 403

# NetworkMode default is the bridge; a missing network is dockerd's 404.
r=$(create_api nx1 '{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"default"}}')
eq "NetworkMode default: created" "${r%% *}" 201
eq "... shown as bridge" "$(docker inspect -f '{{.HostConfig.NetworkMode}} {{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' nx1)" "bridge bridge"
r=$(create_api nx2 '{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"nosuch"}}')
eq "create on a missing network: 404" "$r" '404 {"message":"network nosuch not found"}'
r=$(create_api nx3 '{"Image":"busybox","Cmd":["true"],"NetworkingConfig":{"EndpointsConfig":{"ghost":{}}}}')
eq "... also through EndpointsConfig" "$r" '404 {"message":"network ghost not found"}'
r=$(create_api nx4 '{"Image":"busybox","Cmd":["true"],"NetworkingConfig":{"EndpointsConfig":{"bridge":{"Aliases":["a"]}}}}')
eq "... nor at create" "${r%% *}" 400
fails_with "... and no record is left" "No such container: nx2" docker container inspect nx2

# --- restart --------------------------------------------------------------------------
stop_daemon
start_daemon net --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not restart"; exit 1; }
eq "networks and their ids survive a restart" \
	"$(docker network inspect -f '{{.Name}} {{.Id}}' bridge n1 | tr '\n' ,)" "bridge $bid,n1 $nid,"
eq "attachments and aliases survive a restart" \
	"$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.Aliases}}{{end}}' w1)" "n1=[web]"

# --- removal ------------------------------------------------------------------------------
docker rm -f w1 nx1 >/dev/null
eq "rm of the container detaches it" "$(docker network inspect -f '{{len .Containers}}' n1)" 0
out=$(docker network prune -f 2>&1)
contains "prune removes the unused networks" "$out" "n2"
eq "... keeps the predefined ones" "$(docker network ls --format '{{.Name}}' | tr '\n' ,)" "bridge,host,none,"
ev=,$(docker events --since "$t0" --until "$(($(date +%s) + 1))" --filter type=network \
	--format '{{.Action}} {{.Actor.Attributes.name}}' | sort -u | tr '\n' ',')
contains "network events" "$ev" ",destroy n1,destroy n2,"
contains "info says networks are records" "$(docker info --format '{{json .Warnings}}')" "networks are records only"

# --- docker SDK for Python ---------------------------------------------------------------
out=$("$SDK_PYTHON" - "$SL_SOCK" <<'PY' 2>&1
import sys, docker
c = docker.DockerClient(base_url="unix://" + sys.argv[1])
n = c.networks.create("pynet", labels={"k": "v"})
ctr = c.containers.create("busybox", ["true"], name="pyc")
n.connect(ctr, aliases=["pa"])
n.reload()
attached = list(n.attrs["Containers"]) == [ctr.id]
ctr.reload()
aliases = ctr.attrs["NetworkSettings"]["Networks"]["pynet"]["Aliases"]
names = [x.name for x in c.networks.list(filters={"label": "k=v"})]
n.disconnect(ctr)
ctr.remove()
n.remove()
print(attached, aliases, names, [x.name for x in c.networks.list(names=["pynet"])])
PY
)
eq "docker SDK: create, connect, list, disconnect, remove" "$out" "True ['pa'] ['pynet'] []"

tap_done
