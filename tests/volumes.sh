#!/bin/sh
# Volumes (core/volume.c, volume_ctr.c, api_volumes.c) through the real
# docker CLI and the docker SDK for Python, against the example backend,
# which keeps a volume as a directory under its state dir.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

tap_plan 55
start_daemon vol --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
VOLDIR="$tmp/vol/data/backends/example/volumes"

# eq DESCRIPTION GOT WANT
eq() { [ "$2" = "$3" ] && ok "$1" || not_ok "$1" "want: $3" "got:  $2"; }
# fails_with DESCRIPTION MESSAGE COMMAND...: the command fails and says MESSAGE.
fails_with() {
	desc=$1 msg=$2
	shift 2
	if out=$("$@" 2>&1); then not_ok "$desc" "succeeded: $out"; else contains "$desc" "$out" "$msg"; fi
}
# wait_gone NAME: polls (5 s) until the volume is gone; 0 when it is.
wait_gone() {
	i=0
	while [ $i -lt 100 ]; do
		docker volume inspect "$1" >/dev/null 2>&1 || return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
t0=$(date +%s)

# --- create, inspect, list --------------------------------------------------
eq "volume create prints the name" "$(docker volume create v1 2>&1)" v1
eq "inspect: Name Driver Scope" "$(docker volume inspect -f '{{.Name}} {{.Driver}} {{.Scope}}' v1)" "v1 local local"
eq "inspect: Mountpoint under the backend's state dir" \
	"$(docker volume inspect -f '{{.Mountpoint}}' v1)" "$VOLDIR/v1"
[ -d "$VOLDIR/v1" ] && ok "the example backend made the directory" || not_ok "volume directory" "$(ls -la "$VOLDIR" 2>&1)"
created=$(docker volume inspect -f '{{.CreatedAt}}' v1)
case $created in
????-??-??T??:??:??Z) ok "CreatedAt is RFC 3339" ;;
*) not_ok "CreatedAt" "$created" ;;
esac
docker volume create --label team=a --label tier=db --opt size=1g v2 >/dev/null
eq "labels and options kept" \
	"$(docker volume inspect -f '{{.Labels.team}} {{.Labels.tier}} {{.Options.size}}' v2)" "a db 1g"
eq "creating an existing name answers it" "$(docker volume create v1 2>&1)" v1
eq "... unchanged" "$(docker volume inspect -f '{{.CreatedAt}}' v1)" "$created"
anon=$(docker volume create)
case $anon in
????????????????????????????????????????????????????????????????) ok "no name: a 64-hex name" ;;
*) not_ok "generated name" "$anon" ;;
esac
docker volume rm "$anon" >/dev/null

eq "ls lists them" "$(docker volume ls -q | sort | tr '\n' ' ')" "v1 v2 "
eq "ls --filter label=team=a" "$(docker volume ls -q --filter label=team=a)" v2
eq "ls --filter label=team" "$(docker volume ls -q --filter label=team)" v2
eq "ls --filter name=1" "$(docker volume ls -q --filter name=1)" v1
eq "ls --filter driver=local" "$(docker volume ls -q --filter driver=local | wc -l)" 2
r=$(api GET '/v1.47/volumes?filters=%7B%22nope%22%3A%7B%22x%22%3Atrue%7D%7D')
eq "unknown filter: 400" "$r" "400 {\"message\":\"invalid filter 'nope'\"}"
r=$(api GET '/v1.47/volumes?filters=%7B%22dangling%22%3A%7B%22maybe%22%3Atrue%7D%7D')
eq "bad dangling value: 400" "${r%% *}" 400
r=$(api GET /v1.47/volumes)
case $r in
"200 {\"Volumes\":["*"],\"Warnings\":null}") ok "list shape is dockerd's" ;;
*) not_ok "list shape" "$r" ;;
esac

fails_with "inspect of a missing volume" "get nope: no such volume" docker volume inspect nope
fails_with "a name with / is refused" \
	'create foo/bar: "foo/bar" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path' \
	docker volume create foo/bar
r=$(api POST /v1.47/volumes/create -H 'Content-Type: application/json' -d '{"Name":"a/b"}')
eq "... with 400" "${r%% *}" 400
fails_with "a one-character name is refused" "volume name is too short" docker volume create x
fails_with "an unknown driver is refused" 'plugin "nfs" not found' docker volume create -d nfs v9

# --- containers ---------------------------------------------------------------
fails_with "-v with an invalid name: dockerd's message" \
	'create foo/bar: "foo/bar" includes invalid characters for a local volume name' \
	docker run -d -v ok1:/a -v foo/bar:/x busybox true
fails_with "--mount with an invalid name too" 'create a/b: "a/b" includes invalid characters' \
	docker run -d --mount type=volume,src=a/b,dst=/x busybox true
fails_with "the backend refuses a bind mount" "cannot mount /tmp:/b" \
	docker run -d -v made:/a -v /anon2 -v /tmp:/b busybox true
eq "... and a refused create leaves no container and no volume" \
	"$(docker ps -aq | wc -l) $(docker volume ls -q | tr '\n' ' ')" "0 v1 v2 "
id=$(docker run -d --name c1 -v v1:/data -v named2:/n2:ro -v /anon \
	--mount type=volume,src=m3,dst=/m3,readonly busybox sleep 60 2>&1)
[ ${#id} -eq 64 ] && ok "run with -v and --mount" || not_ok "run with volumes" "$id"
m=$(docker inspect -f '{{range .Mounts}}{{.Type}},{{.Destination}},{{.Mode}},{{.RW}}{{println}}{{end}}' c1 | sort | tr '\n' ';')
eq "Mounts: type, destination, mode, RW" "$m" \
	";volume,/anon,,true;volume,/data,z,true;volume,/m3,ro,false;volume,/n2,ro,false;"
eq "-v name:/path creates the missing volume" "$(docker volume inspect -f '{{.Name}}' named2 2>&1)" named2
eq "--mount type=volume creates the missing volume" "$(docker volume inspect -f '{{.Name}}' m3 2>&1)" m3
av=$(docker inspect -f '{{range .Mounts}}{{if eq .Destination "/anon"}}{{.Name}}{{end}}{{end}}' c1)
eq "-v /path makes an anonymous volume" \
	"$(docker volume inspect -f '{{index .Labels "com.docker.volume.anonymous"}}|{{.Name}}' "$av" 2>&1)" "|$av"
src=$(docker inspect -f '{{range .Mounts}}{{if eq .Name "v1"}}{{.Source}}{{end}}{{end}}' c1)
eq "Mounts Source is the Mountpoint" "$src" "$VOLDIR/v1"
fails_with "rm of a volume in use: dockerd's 409" "remove v1: volume is in use - [$id]" docker volume rm v1
eq "dangling=false lists the used ones" \
	"$(docker volume ls -q --filter dangling=false | sort | tr '\n' ' ')" "$(printf '%s\n' "$av" m3 named2 v1 | sort | tr '\n' ' ')"
eq "dangling=true the others" "$(docker volume ls -q --filter dangling=true)" v2

# --- restart --------------------------------------------------------------------
created2=$(docker volume inspect -f '{{.CreatedAt}}' v2)
mounts_before=$(docker inspect -f '{{range .Mounts}}{{.Name}} {{end}}' c1)
stop_daemon
start_daemon vol --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not restart"; exit 1; }
eq "volumes survive a restart" "$(docker volume inspect -f '{{.Name}} {{.Labels.team}} {{.CreatedAt}}' v2 v1 2>&1 | tr '\n' ' ')" \
	"v2 a $created2 v1 <no value> $created "
eq "a container's Mounts survive a restart" \
	"$(docker inspect -f '{{range .Mounts}}{{.Name}} {{end}}' c1)" "$mounts_before"

# --- removal with the container ------------------------------------------------
docker rm -f -v c1 >/dev/null
docker volume inspect "$av" >/dev/null 2>&1 && not_ok "rm -v drops the anonymous volume" "$av still there" ||
	ok "rm -v drops the anonymous volume"
eq "... and keeps the named ones" "$(docker volume ls -q | sort | tr '\n' ' ')" "m3 named2 v1 v2 "
docker run --rm -d --name c2 -v /scratch busybox true >/dev/null 2>&1
av2=$(docker events --since "$t0" --until "$(($(date +%s) + 1))" --filter type=volume --filter event=create \
	--format '{{.Actor.ID}}' | tail -1)
wait_gone "$av2" && ok "--rm drops the anonymous volume" || not_ok "--rm anonymous volume" "$av2 still there"
docker volume create keep >/dev/null
docker run -d --name c3 -v /a2 busybox true >/dev/null
docker rm -f c3 >/dev/null
n=$(docker volume ls -q --filter label=com.docker.volume.anonymous | wc -l)
eq "rm without -v keeps the anonymous volume" "$n" 1
docker run -d --name c4 -v keep:/k busybox sleep 60 >/dev/null
out=$(docker volume prune -f 2>&1)
contains "prune removes the unused anonymous volume" "$out" "Deleted Volumes:"
eq "... only that one" "$(docker volume ls -q --filter label=com.docker.volume.anonymous | wc -l)" 0
eq "... the named ones stay" "$(docker volume ls -q | sort | tr '\n' ' ')" "keep m3 named2 v1 v2 "
docker volume prune -af >/dev/null
eq "prune -a removes the unused named ones, not the one in use" "$(docker volume ls -q)" keep
[ ! -e "$VOLDIR/v1" ] && ok "the backend removed the directory" || not_ok "volume dir" "$(ls "$VOLDIR")"
check "rm -f of a missing volume succeeds" docker volume rm -f nope
docker rm -f c4 >/dev/null

# --- events ---------------------------------------------------------------------
ev=,$(docker events --since "$t0" --until "$(($(date +%s) + 1))" --filter type=volume \
	--format '{{.Action}} {{.Actor.ID}}' | sort -u | tr '\n' ',')
contains "create event" "$ev" ",create keep,"
contains "destroy event" "$ev" ",destroy v1,"
contains "mount event" "$ev" ",mount keep,"
contains "unmount event" "$ev" ",unmount keep,"

# --- docker SDK for Python --------------------------------------------------------
out=$("$SDK_PYTHON" - "$SL_SOCK" <<'PY' 2>&1
import sys, docker
c = docker.DockerClient(base_url="unix://" + sys.argv[1])
v = c.volumes.create("pyvol", labels={"k": "v"})
got = c.volumes.get("pyvol")
names = [x.name for x in c.volumes.list(filters={"label": "k=v"})]
v.remove()
try:
    c.volumes.get("pyvol")
    gone = False
except docker.errors.NotFound:
    gone = True
print(got.attrs["Labels"]["k"], names, gone)
PY
)
eq "docker SDK: create, get, list, remove" "$out" "v ['pyvol'] True"

# --- a backend without volume hooks ------------------------------------------------
stop_daemon
start_daemon novol --backend="$top_builddir/tests/plugins/.libs/minimal.so" ||
	{ echo "Bail out! minimal daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
fails_with "no volume hooks: volume create is 501" \
	"volume create is not supported by the testplug backend" docker volume create nv
r=$(api POST '/v1.47/containers/create?name=img' -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"],"Volumes":{"/data":{}}}')
eq "... an image's VOLUME is left alone" "${r%% *} $(docker inspect -f '{{len .Mounts}}' img 2>&1)" "201 0"
r=$(api POST '/v1.47/containers/create?name=named' -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Binds":["nv:/x"]}}')
eq "... a named volume is 501" "$r" \
	'501 {"message":"volume create is not supported by the testplug backend"}'

tap_done
