#!/bin/sh
# GET /distribution/{name}/json against the test registry (Docker Hub
# names through --registry-mirror): the descriptor of what the registry
# serves (manifest or index) and its platforms, through curl and docker-py's
# images.get_registry_data; an unknown tag is a 404.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tap_plan 5
reg="$tmp/registry"
trap 'sh "$top_srcdir/tests/azure-sim/testenv/registry-down.sh" "$reg" >/dev/null 2>&1; cleanup' \
	EXIT INT TERM
if sh "$top_srcdir/tests/azure-sim/testenv/registry-up.sh" "$reg" >"$tmp/registry-up.log" 2>&1; then
	. "$reg/env"
else
	echo "Bail out! no test registry: $(cat "$tmp/registry-up.log")"
	exit 1
fi
start_daemon dist --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" \
	--registry-mirror "http://$REGISTRY_HOST" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
py() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

# served NAME: "mediatype digest size" of NAME:latest as the registry serves it.
served() {
	curl -s -D "$tmp/h" -o "$tmp/m" -w '%{size_download}' \
		-H 'Accept: application/vnd.oci.image.index.v1+json' \
		-H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		-H 'Accept: application/vnd.docker.distribution.manifest.list.v2+json' \
		-H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		"http://$REGISTRY_HOST/v2/library/$1/manifests/latest" >"$tmp/size"
	printf '%s %s %s' \
		"$(sed -n 's/^[Cc]ontent-[Tt]ype: *\([^ ;\r]*\).*/\1/p' "$tmp/h")" \
		"$(sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *\([^ \r]*\).*/\1/p' "$tmp/h")" \
		"$(cat "$tmp/size")"
}

want="$(served busybox) [{'architecture': 'amd64', 'os': 'linux'}]"
got=$(api GET /distribution/busybox/json)
case $got in
200\ *) got=$(py "'%s %s %s %s' % (d['Descriptor']['mediaType'], d['Descriptor']['digest'], d['Descriptor']['size'], d['Platforms'])" <"$tmp/body") ;;
esac
[ "$got" = "$want" ] && ok "a manifest: its descriptor and the config's platform" ||
	not_ok "distribution busybox" "want: $want" "got: $got"

want="$(served multi) [{'architecture': 'arm64', 'os': 'linux', 'variant': 'v8'}, {'architecture': 'amd64', 'os': 'linux'}]"
got=$(api GET /distribution/docker.io/library/multi:latest/json)
case $got in
200\ *) got=$(py "'%s %s %s %s' % (d['Descriptor']['mediaType'], d['Descriptor']['digest'], d['Descriptor']['size'], d['Platforms'])" <"$tmp/body") ;;
esac
[ "$got" = "$want" ] && ok "an index: its descriptor and every entry's platform" ||
	not_ok "distribution multi" "want: $want" "got: $got"

got=$(api GET /distribution/busybox:nosuchtag/json)
case $got in
404\ *) ok "an unknown tag: 404" ;;
*) not_ok "unknown tag" "$got" ;;
esac
got=$(api GET '/distribution/Bad%20Name/json')
case $got in
400\ *invalid\ reference\ format*) ok "a malformed reference: 400 invalid reference format" ;;
*) not_ok "malformed reference" "$got" ;;
esac

digest=$(served busybox | cut -d' ' -f2)
out=$("$SDK_PYTHON" -c '
import docker, sys
c = docker.DockerClient(base_url=sys.argv[1])
d = c.images.get_registry_data("busybox")
print(d.id, d.has_platform("linux/amd64"), d.has_platform("linux/arm64"))
' "unix://$SL_SOCK" 2>&1)
[ "$out" = "$digest True False" ] && ok "docker-py get_registry_data: digest and platforms" ||
	not_ok "docker-py get_registry_data" "want: $digest True False" "got: $out"

tap_done
