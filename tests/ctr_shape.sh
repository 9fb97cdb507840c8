#!/bin/sh
# Container create validation and the shapes of inspect and list: what
# dockerd refuses at create (names, image references, restart policies,
# log drivers) and the defaults clients read (issue 6), plus the wording
# of the two kinds of 501.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

P="$top_builddir/tests/plugins/.libs"
tap_plan 55

create() { # create QUERY BODY -> "STATUS BODY"
	api POST "/v1.47/containers/create$1" -H 'Content-Type: application/json' -d "$2"
}
is() { # is DESCRIPTION GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want: $3" "got:  $2"; fi
}
# poll FORMAT WANT CONTAINER: until docker inspect -f FORMAT gives WANT (20 s).
poll() {
	i=0
	while [ $i -lt 200 ]; do
		[ "$(docker inspect -f "$1" "$3" 2>&1)" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# --- 501: the core's own refusals name no backend; a missing hook does.
start_daemon min --backend="$P/minimal.so" || { echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
r=$(api GET /v1.47/swarm)
is "a route the core does not serve is 501 without a backend name" "$r" \
	'501 {"message":"swarm inspect is not supported by Sockerless"}'
r=$(api GET '/v1.47/images/search?term=x')
is "image search: the same wording" "$r" '501 {"message":"image search is not supported by Sockerless"}'
r=$(create "" '{"Image":"busybox","Cmd":["true"]}')
id=$(echo "$r" | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
r=$(api POST "/v1.47/containers/$id/start")
is "a hook the backend lacks is 501 naming the backend" "$r" \
	'501 {"message":"container start is not supported by the testplug backend"}'
stop_daemon

start_daemon ex --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }

# --- Restart policies and AutoRemove (api/types/container ValidateRestartPolicy).
r=$(create "" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"RestartPolicy":{"Name":"sometimes"}}}')
is "unknown restart policy is 400" "$r" \
	"400 {\"message\":\"invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'\"}"
r=$(create "" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"RestartPolicy":{"Name":"always","MaximumRetryCount":3}}}')
is "a retry count with always is 400" "$r" \
	"400 {\"message\":\"invalid restart policy: maximum retry count can only be used with 'on-failure'\"}"
r=$(create "" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"RestartPolicy":{"Name":"","MaximumRetryCount":-2}}}')
is "a negative count with no policy is 400" "$r" \
	"400 {\"message\":\"invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot be negative\"}"
r=$(create "" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":-1}}}')
is "a negative on-failure count is 400" "$r" \
	'400 {"message":"invalid restart policy: maximum retry count cannot be negative"}'
r=$(create "" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"AutoRemove":true,"RestartPolicy":{"Name":"unless-stopped"}}}')
is "AutoRemove with a restart policy is 400" "$r" \
	"400 {\"message\":\"can't create 'AutoRemove' container with restart policy\"}"
r=$(create "?name=onfail" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"AutoRemove":true,"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":0}}}')
is "AutoRemove with on-failure is refused too" "${r%% *}" 400
r=$(create "?name=onfail" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3}}}')
is "on-failure with a count is accepted" "${r%% *}" 201
is "the policy is kept" "$(docker inspect -f '{{json .HostConfig.RestartPolicy}}' onfail 2>&1)" \
	'{"Name":"on-failure","MaximumRetryCount":3}'

# --- Log drivers (logger.ValidateLogOpts, the json-file and local drivers).
r=$(create "" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"LogConfig":{"Type":"syslog","Config":{}}}}')
is "a log driver Sockerless does not ship to is 400" "$r" \
	'400 {"message":"error looking up logging plugin syslog: plugin \"syslog\" not found"}'
out=$(docker create --log-driver nosuch busybox true 2>&1)
contains "docker create --log-driver nosuch fails with dockerd's message" "$out" \
	'error looking up logging plugin nosuch: plugin "nosuch" not found'
r=$(create "" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-sizes":"1m"}}}}')
is "an unknown json-file option is 400" "$r" \
	"400 {\"message\":\"unknown log opt 'max-sizes' for json-file log driver\"}"
r=$(create "" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"LogConfig":{"Type":"local","Config":{"tag":"x"}}}}')
is "an unknown local option is 400" "$r" "400 {\"message\":\"unknown log opt 'tag' for log driver local\"}"
r=$(create "" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"LogConfig":{"Type":"json-file","Config":{"mode":"lossy"}}}}')
is "an unknown log mode is 400" "$r" '400 {"message":"logger: logging mode not supported: lossy"}'
r=$(create "?name=loglocal" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"LogConfig":{"Type":"local","Config":{"max-size":"1m","mode":"non-blocking","max-buffer-size":"4m"}}}}')
is "local with its options is accepted" "${r%% *}" 201
is "the log config is kept" "$(docker inspect -f '{{json .HostConfig.LogConfig}}' loglocal 2>&1)" \
	'{"Type":"local","Config":{"max-buffer-size":"4m","max-size":"1m","mode":"non-blocking"}}'
r=$(create "?name=lognone" '{"Image":"busybox","Cmd":["true"],"HostConfig":{"LogConfig":{"Type":"none","Config":null}}}')
is "none is accepted" "${r%% *}" 201
is "none with no Config shows {}" "$(docker inspect -f '{{json .HostConfig.LogConfig}}' lognone 2>&1)" \
	'{"Type":"none","Config":{}}'
is "logs of a container logging to none is 501, as dockerd" \
	"$(api GET '/v1.47/containers/lognone/logs?stdout=1')" \
	'501 {"message":"configured logging driver does not support reading"}'

# --- Names: refused whole, never cut.
long=$(printf 'n%.0s' $(seq 1 256))
r=$(create "?name=$long" '{"Image":"busybox","Cmd":["true"]}')
is "a 256-character name is 400" "$r" \
	"400 {\"message\":\"Invalid container name ($long), at most 255 characters are allowed\"}"
r=$(create "?name=${long#n}" '{"Image":"busybox","Cmd":["true"]}')
is "a 255-character name is accepted" "${r%% *}" 201
is "and kept whole" "$(docker inspect -f '{{.Name}}' "${long#n}" 2>&1)" "/${long#n}"
r=$(create "?name=a" '{"Image":"busybox","Cmd":["true"]}')
is "a one-character name is 400" "$r" \
	'400 {"message":"Invalid container name (a), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"}'
r=$(create "?name=_ab" '{"Image":"busybox","Cmd":["true"]}')
is "a name starting with _ is 400" "${r%% *}" 400

# --- Image references (distribution/reference).
r=$(create "" '{"Image":"upper/Case","Cmd":["true"]}')
is "an uppercase repository is 400" "$r" \
	'400 {"message":"invalid reference format: repository name (upper/Case) must be lowercase"}'
r=$(create "" '{"Image":"BUSYBOX","Cmd":["true"]}')
is "an uppercase official name is 400" "$r" \
	'400 {"message":"invalid reference format: repository name (library/BUSYBOX) must be lowercase"}'
r=$(create "" '{"Image":"busybox:","Cmd":["true"]}')
is "an empty tag is 400" "$r" '400 {"message":"invalid reference format"}'
r=$(create "" '{"Image":"busybox@sha256:0123","Cmd":["true"]}')
is "a short digest is 400" "$r" '400 {"message":"invalid reference format"}'
h64=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
r=$(create "" "{\"Image\":\"$h64\",\"Cmd\":[\"true\"]}")
is "an image ID is 404 (no image store)" "$r" "404 {\"message\":\"No such image: $h64\"}"
r=$(create "?name=refreg" '{"Image":"localhost:5000/team/app:v1","Cmd":["true"]}')
is "a registry reference not pulled is 404" "$r" \
	'404 {"message":"No such image: localhost:5000/team/app:v1"}'
if pull_image "$REGISTRY_HOST/library/busybox"; then ok "pull from the registry by its address"
else not_ok "pull from the registry by its address"; fi
r=$(create "?name=refreg" "{\"Image\":\"$REGISTRY_HOST/library/busybox:latest\",\"Cmd\":[\"true\"]}")
is "a pulled registry reference is accepted, kept as given" \
	"${r%% *} $(docker inspect -f '{{.Config.Image}}' refreg 2>&1)" "201 $REGISTRY_HOST/library/busybox:latest"
r=$(create "?name=refhub" '{"Image":"busybox","Cmd":["true"]}')
is "a familiar name is normalised: the image docker.io/library/busybox:latest" \
	"$(docker inspect -f '{{.Image}}' refhub 2>&1)" \
	"$(docker image inspect -f '{{.Id}}' docker.io/library/busybox:latest 2>&1)"
r=$(create "?name=refdom" '{"Image":"UPPER/case","Cmd":["true"]}')
is "an uppercase first component is a registry, as for dockerd" \
	"$r" '404 {"message":"No such image: UPPER/case:latest"}'
n=$(docker ps -aq | wc -l)
is "refused creates left nothing behind (6 accepted)" "$n" 6

# --- Inspect defaults (docker inspect -f, as users script them).
docker create --name plain busybox true >/dev/null 2>&1
is "LogConfig defaults to json-file" "$(docker inspect -f '{{json .HostConfig.LogConfig}}' plain 2>&1)" \
	'{"Type":"json-file","Config":{}}'
is "RestartPolicy defaults to no" "$(docker inspect -f '{{json .HostConfig.RestartPolicy}}' plain 2>&1)" \
	'{"Name":"no","MaximumRetryCount":0}'
is "NetworkMode default is bridge, Runtime as /info says" \
	"$(docker inspect -f '{{.HostConfig.NetworkMode}} {{.HostConfig.Runtime}}' plain 2>&1)" \
	"bridge $(docker info -f '{{.DefaultRuntime}}')"
is "the bridge endpoint claims no address" \
	"$(docker inspect -f '{{with .NetworkSettings.Networks.bridge}}[{{.IPAddress}}][{{.MacAddress}}][{{.NetworkID}}]{{end}}' plain 2>&1)" \
	"[][][$(docker network inspect -f '{{.Id}}' bridge)]"
is "no Health without a healthcheck" "$(docker inspect -f '{{json .State.Health}}' plain 2>&1)" null
is "Ports is {} while not running" "$(docker inspect -f '{{json .NetworkSettings.Ports}}' plain 2>&1)" '{}'

docker run -d --name web -p 8080:80 --expose 9000/udp --health-cmd true busybox sleep 60 >/dev/null 2>&1
poll '{{.State.Status}}' running web && ok "web runs" || not_ok "web runs" "$(docker inspect web 2>&1)"
is "a healthcheck gives State.Health starting" "$(docker inspect -f '{{json .State.Health}}' web 2>&1)" \
	'{"Status":"starting","FailingStreak":0,"Log":[]}'
is "exposed ports show unbound (null), never a binding Sockerless did not make" \
	"$(docker inspect -f '{{json .NetworkSettings.Ports}}' web 2>&1)" '{"80/tcp":null,"9000/udp":null}'
is "the requested binding stays in HostConfig" \
	"$(docker inspect -f '{{json .HostConfig.PortBindings}}' web 2>&1)" '{"80/tcp":[{"HostIp":"","HostPort":"8080"}]}'
is "docker ps shows the ports unpublished and the health" \
	"$(docker ps --filter name=web --format '{{.Ports}}|{{.Status}}' 2>&1 | sed 's/Up [^(]*//')" \
	'80/tcp, 9000/udp|(health: starting)'

# --- List entries.
l=$(api GET '/v1.47/containers/json?all=1&size=1')
contains "list entries carry the network" "$l" '"NetworkSettings":{"Networks":{"bridge":{"IPAMConfig":null'
contains "list HostConfig.NetworkMode is bridge" "$l" '"HostConfig":{"NetworkMode":"bridge"}'
contains "list size=1 gives SizeRw" "$l" '"SizeRw":0,"SizeRootFs":0'
contains "a running container lists its ports, unpublished" "$l" \
	'"Ports":[{"PrivatePort":80,"Type":"tcp"},{"PrivatePort":9000,"Type":"udp"}]'
case $l in
*PublicPort*) not_ok "no port is listed as published" "$l" ;;
*) ok "no port is listed as published" ;;
esac
is "a container not running lists no ports" \
	"$(docker ps -a --filter name=plain --format '[{{.Ports}}]' 2>&1)" '[]'
docker rm -f web >/dev/null 2>&1

stop_daemon
rc=$?
is "SIGTERM exits 0" "$rc" 0
tap_done
