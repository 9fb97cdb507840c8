#!/bin/sh
# Image pulls through the core's registry client: Debian's docker-registry
# on loopback with the simulator's test images (registry-up.sh builds them
# from busybox-static with umoci and pushes them with skopeo), reached as
# Docker Hub through --registry-mirror.  `docker pull` output is checked
# line by line as the CLI prints it; errors keep dockerd's wording; records
# survive a restart; the daemon keeps serving when the registry is down.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tap_plan 38
reg="$tmp/registry"
trap 'sh "$top_srcdir/tests/azure-sim/testenv/registry-down.sh" "$reg" >/dev/null 2>&1; cleanup' \
	EXIT INT TERM
if sh "$top_srcdir/tests/azure-sim/testenv/registry-up.sh" "$reg" >"$tmp/registry-up.log" 2>&1; then
	. "$reg/env"
	ok "test registry started on $REGISTRY_HOST"
else
	not_ok "test registry" "$(cat "$tmp/registry-up.log")"
	echo "Bail out! no test registry"
	exit 1
fi
start_daemon img --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" \
	--registry-mirror "http://$REGISTRY_HOST" ||
	{ echo "Bail out! daemon did not start"; exit 1; }

py() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
# manifest NAME: the registry's digest and first layer of NAME:latest.
manifest() {
	curl -s -D "$tmp/h" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		-H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		"http://$REGISTRY_HOST/v2/library/$1/manifests/latest" >"$tmp/m"
	digest=$(sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *\([^ \r]*\).*/\1/p' "$tmp/h")
	layer=$(py "d['layers'][0]['digest'][7:19]" <"$tmp/m")
	config=$(py "d['config']['digest']" <"$tmp/m")
}
manifest busybox

out=$(docker pull busybox 2>&1)
want="Using default tag: latest
latest: Pulling from library/busybox
$layer: Pulling fs layer
Layers are not downloaded: the backend's cloud pulls them from the registry
$layer: Pull complete
Digest: $digest
Status: Downloaded newer image for busybox:latest
docker.io/library/busybox:latest"
[ "$out" = "$want" ] && ok "docker pull busybox: dockerd's lines, layers left to the cloud" ||
	not_ok "docker pull busybox" "want:" "$want" "got:" "$out"

out=$(docker pull busybox 2>&1)
want="Using default tag: latest
latest: Pulling from library/busybox
$layer: Already exists
Digest: $digest
Status: Image is up to date for busybox:latest
docker.io/library/busybox:latest"
[ "$out" = "$want" ] && ok "second pull: Already exists, Image is up to date" ||
	not_ok "second pull" "want:" "$want" "got:" "$out"

got=$(docker image inspect busybox | py "(d[0]['Id'], d[0]['RepoTags'], d[0]['RepoDigests'], d[0]['Config']['Cmd'], d[0]['Os'], d[0]['Architecture'])")
[ "$got" = "('$config', ['busybox:latest'], ['busybox@$digest'], ['sh'], 'linux', 'amd64')" ] &&
	ok "inspect: ID = config digest, tags, digests, config, platform" || not_ok "inspect" "$got"
for n in docker.io/library/busybox:latest "${config#sha256:}" "$(echo "${config#sha256:}" | cut -c1-12)" \
	"busybox@$digest"; do
	id=$(docker image inspect -f '{{.Id}}' "$n" 2>&1)
	[ "$id" = "$config" ] || break
done
[ "$id" = "$config" ] && ok "inspect by full name, ID, short ID and digest" || not_ok "inspect by $n" "$id"

# The image config is kept whole: the echoer image's settings.
docker pull -q echoer >/dev/null 2>&1
got=$(docker image inspect echoer | py "(d[0]['Config']['Entrypoint'], d[0]['Config']['Cmd'], d[0]['Config']['WorkingDir'], sorted(d[0]['Config']['Env']))")
[ "$got" = "(['/bin/echo', 'entry'], ['default', 'cmd'], '/work', ['BAR=image-bar', 'FOO=from-image', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'])" ] &&
	ok "image config: Entrypoint, Cmd, WorkingDir, Env" || not_ok "echoer config" "$got"

# An OCI index resolves to the requested platform.
docker pull -q multi >/dev/null 2>&1
env=$(docker image inspect -f '{{.Config.Env}}' multi 2>&1)
contains "index: linux/amd64 by default" "$env" "ARCHMARK=amd64"
out=$(docker pull -q --platform linux/arm64 multi 2>&1)
got=$(docker image inspect -f '{{.Architecture}} {{join .Config.Env ","}}' multi 2>&1)
case $got in
"arm64 "*ARCHMARK=arm64*) ok "index: --platform linux/arm64 picks the arm64 manifest" ;;
*) not_ok "index: --platform linux/arm64" "$got" ;;
esac
out=$(docker pull --platform linux/s390x multi 2>&1)
contains "index: a platform it lacks" "$out" \
	"no matching manifest for linux/s390x in the manifest list entries"

out=$(docker pull busybox:nope 2>&1)
[ "$out" = "Error response from daemon: manifest for busybox:nope not found: manifest unknown: manifest unknown" ] &&
	ok "missing tag: dockerd's message" || not_ok "missing tag" "$out"
out=$(docker pull "$REGISTRY_HOST/nosuch/repo" 2>&1)
contains "unknown repository: not found, from the registry" "$out" "not found: "
out=$(docker pull 'Bad:name' 2>&1)
contains "malformed reference: 400" "$out" "invalid reference format"

# Events: one pull event per pull, named as dockerd names them.
ev=$(docker events --since 0 --until "$(($(date +%s) + 1))" --filter type=image --format '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}' 2>&1)
contains "pull events" "$ev" "pull busybox:latest busybox"

# X-Registry-Auth: a readable header is accepted, junk is a 400.
auth=$(printf '{"username":"u","password":"p","serveraddress":"%s"}' "$REGISTRY_HOST" | base64 -w0 | tr '+/' '-_')
r=$(api POST "/v1.47/images/create?fromImage=busybox&tag=latest" -H "X-Registry-Auth: $auth")
contains "X-Registry-Auth honoured (anonymous registry)" "$r" "Image is up to date for busybox:latest"
r=$(api POST "/v1.47/images/create?fromImage=busybox&tag=latest" -H "X-Registry-Auth: @@@")
contains "X-Registry-Auth junk: 400" "$r" "400 "

# create takes a pulled image's ID and config, merged as dockerd merges it
# (the example backend runs host processes: -w / as /work is the image's).
out=$(docker run --rm -w / echoer 2>&1)
[ "$out" = "entry default cmd" ] && ok "run: the image's Entrypoint and Cmd" || not_ok "run echoer" "$out"
out=$(docker run --rm -w / --entrypoint sh -e FOO=mine echoer -c 'echo $FOO $BAR' 2>&1)
[ "$out" = "mine image-bar" ] && ok "run: Env merged by key, --entrypoint drops the image's Cmd" ||
	not_ok "run echoer env" "$out"
docker create --name merged echoer >/dev/null 2>&1
got=$(docker inspect -f '{{.Image}} {{.Config.Image}} {{.Config.WorkingDir}} {{.Config.Cmd}}' merged 2>&1)
[ "$got" = "$(docker image inspect -f '{{.Id}}' echoer) echoer /work [default cmd]" ] &&
	ok "inspect: the image ID and the merged Config" || not_ok "inspect merged" "$got"

# The list, with dockerd's filters; the amd64 multi lost its tag to arm64.
got=$(docker images --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' ')
[ "$got" = "<none>:<none> busybox:latest echoer:latest multi:latest " ] && ok "docker images" ||
	not_ok "docker images" "$got"
got=$(docker images -q -f dangling=true | wc -l)
[ "$got" = 1 ] && ok "dangling=true: the image whose tag moved" || not_ok "dangling" "$got"
docker tag busybox mine:v1
got=$(docker images -f reference='mine*' --format '{{.Repository}}:{{.Tag}} {{.ID}}')
[ "$got" = "mine:v1 $(echo "${config#sha256:}" | cut -c1-12)" ] &&
	ok "tag, and the reference filter shows the matching tag only" || not_ok "tag + reference" "$got"
got=$(docker history -q busybox | head -1)
[ "$got" = "$(echo "${config#sha256:}" | cut -c1-12)" ] && ok "history from the config, newest first" ||
	not_ok "history" "$got"
out=$(docker rmi mine:v1 2>&1)
id=$(docker image inspect -f '{{.RepoTags}}' busybox 2>&1)
[ "$out" = "Untagged: mine:v1" ] && [ "$id" = "[busybox:latest]" ] &&
	ok "rmi of one of two tags only untags" || not_ok "rmi untag" "$out" "$id"
# An image a container uses is kept unless forced.
docker create --name user echoer true >/dev/null 2>&1
out=$(docker rmi echoer 2>&1)
contains "rmi of an image in use: 409" "$out" "(must force) - container "
out=$(docker rmi -f echoer 2>&1)
case $out in
*"Untagged: echoer:latest"*"Deleted: sha256:"*) ok "rmi -f deletes it" ;;
*) not_ok "rmi -f" "$out" ;;
esac
out=$(docker image prune -f 2>&1)
got=$(docker images -q -f dangling=true | wc -l)
case $out in
*"deleted: sha256:"*) [ "$got" = 0 ] && ok "prune removes the dangling image" || not_ok "prune left" "$got" ;;
*) not_ok "prune" "$out" ;;
esac
r=$(api GET '/v1.47/images/json?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D')
contains "unknown filter: 400" "$r" "400 "
ev=$(docker events --since 0 --until "$(($(date +%s) + 1))" --filter type=image --format '{{.Action}}' 2>&1 | sort -u | tr '\n' ' ')
[ "$ev" = "delete pull tag untag " ] && ok "tag, untag and delete events" || not_ok "events" "$ev"

# create of an image not in the store: dockerd's 404, which makes the CLI
# pull and retry (`docker run` on a fresh store).
r=$(api POST /v1.47/containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"layered","Cmd":["true"]}')
contains "create of an image not pulled: 404 No such image" "$r" '404 {"message":"No such image: layered:latest"}'
r=$(api POST /v1.47/containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"docker.io/library/layered@sha256:0000000000000000000000000000000000000000000000000000000000000000","Cmd":["true"]}')
contains "  a digest reference in its familiar form" "$r" 'No such image: layered@sha256:0000'
out=$(docker run --rm busybox-v2s2 echo hi 2>"$tmp/run.err")
err=$(cat "$tmp/run.err")
case $err in
*"Unable to find image 'busybox-v2s2:latest' locally"*"Status: Downloaded newer image for busybox-v2s2:latest"*)
	[ "$out" = hi ] && ok "docker run of an image not pulled: the CLI pulls, then runs" ||
		not_ok "docker run pulls" "$out" "$err" ;;
*) not_ok "docker run pulls" "$out" "$err" ;;
esac

# An image with EXPOSE and VOLUME (busybox's config with both, pushed as
# busybox:ports): its ports are unioned with the create's, its volumes
# become anonymous volumes unless a mount covers the path.
curl -s "http://$REGISTRY_HOST/v2/library/busybox/blobs/$(py "d['config']['digest']" <"$tmp/m")" |
	py "json.dumps(dict(d, config=dict(d['config'], ExposedPorts={'8080/tcp': {}}, Volumes={'/data': {}})), separators=(',', ':'))" |
	tr -d '\n' >"$tmp/pcfg"
pcfg="sha256:$(sha256sum "$tmp/pcfg" | cut -d' ' -f1)"
loc=$(curl -s -D - -o /dev/null -X POST "http://$REGISTRY_HOST/v2/library/busybox/blobs/uploads/" |
	sed -n 's/^[Ll]ocation: *\([^\r]*\).*/\1/p')
case $loc in http*) ;; *) loc="http://$REGISTRY_HOST$loc" ;; esac
case $loc in *\?*) sep='&' ;; *) sep='?' ;; esac
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' \
	--data-binary "@$tmp/pcfg" "$loc${sep}digest=$pcfg"
py "json.dumps(dict(d, config=dict(d['config'], digest='$pcfg', size=$(wc -c <"$tmp/pcfg"))))" <"$tmp/m" >"$tmp/pm"
curl -sf -o /dev/null -X PUT -H "Content-Type: $(py "d.get('mediaType', 'application/vnd.oci.image.manifest.v1+json')" <"$tmp/m")" \
	--data-binary "@$tmp/pm" "http://$REGISTRY_HOST/v2/library/busybox/manifests/ports"
docker pull -q busybox:ports >/dev/null 2>&1
docker create --name ported --expose 9000 busybox:ports true >/dev/null 2>&1
got=$(docker inspect -f '{{json .Config.ExposedPorts}} {{json .Config.Volumes}} {{range .Mounts}}{{.Type}} {{.Destination}} {{len .Name}}{{end}}' ported 2>&1)
[ "$got" = '{"8080/tcp":{},"9000/tcp":{}} {"/data":{}} volume /data 64' ] &&
	ok "image ExposedPorts unioned, image Volumes an anonymous volume" || not_ok "image ports and volumes" "$got"
docker create --name covered -v named:/data busybox:ports true >/dev/null 2>&1
got=$(docker inspect -f '{{range .Mounts}}{{.Name}} {{.Destination}};{{end}}' covered 2>&1)
[ "$got" = "named /data;" ] && ok "  a mount at the image's volume path replaces the anonymous one" ||
	not_ok "covered volume" "$got"
docker rm -v ported covered >/dev/null 2>&1

# A config whose bytes do not match its digest (the registry's copy is
# corrupted on disk): refused, nothing stored.
manifest nobody
blob="$reg/storage/docker/registry/v2/blobs/sha256/$(echo "${config#sha256:}" | cut -c1-2)/${config#sha256:}/data"
if [ -f "$blob" ]; then
	sed -i 's/"os"/"Os"/' "$blob"
	out=$(docker pull nobody 2>&1)
	case $out in
	*"$config"*) ok "config digest mismatch refused" ;;
	*) not_ok "config digest mismatch" "$out" ;;
	esac
	r=$(api GET "/v1.47/images/nobody/json")
	contains "nothing stored after the mismatch" "$r" "404 "
else
	not_ok "config digest mismatch" "no blob at $blob"
	not_ok "nothing stored after the mismatch"
fi

# Records survive a restart.
stop_daemon
start_daemon img --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" \
	--registry-mirror "http://$REGISTRY_HOST" || { echo "Bail out! no restart"; exit 1; }
id=$(docker image inspect -f '{{.Id}} {{.RepoTags}}' busybox 2>&1)
contains "records survive a restart" "$id" "[busybox:latest busybox-v2s2:latest]"

# The registry goes away: a clear error, and the daemon keeps serving.
sh "$top_srcdir/tests/azure-sim/testenv/registry-down.sh" "$reg"
out=$(docker pull echoer 2>&1)
contains "registry down: a clear error" "$out" "failed to do request"
check "daemon still serving" docker version

tap_done
