#!/bin/sh
# GET /system/df: moby's DiskUsage shape, read by `docker system df` and
# `docker system df -v`, with an image pulled from the test registry (as
# Docker Hub, through --registry-mirror), a container using it and a named
# volume, and one unused volume.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tap_plan 7
reg="$tmp/registry"
trap 'sh "$top_srcdir/tests/azure-sim/testenv/registry-down.sh" "$reg" >/dev/null 2>&1; cleanup' \
	EXIT INT TERM
if sh "$top_srcdir/tests/azure-sim/testenv/registry-up.sh" "$reg" >"$tmp/registry-up.log" 2>&1; then
	. "$reg/env"
else
	echo "Bail out! no test registry: $(cat "$tmp/registry-up.log")"
	exit 1
fi
start_daemon df --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" \
	--registry-mirror "http://$REGISTRY_HOST" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
py() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

got=$(api GET /system/df)
[ "$got" = '200 {"LayersSize":0,"Images":[],"Containers":[],"Volumes":[],"BuildCache":[]}' ] &&
	ok "empty store: every list empty, LayersSize 0" || not_ok "empty df" "$got"

docker pull -q busybox >/dev/null 2>&1
docker volume create spare >/dev/null 2>&1
cid=$(docker create -v dfvol:/data busybox true 2>&1)
size=$(docker image inspect -f '{{.Size}}' busybox 2>&1)
id=$(docker image inspect -f '{{.Id}}' busybox 2>&1)

api GET /system/df >/dev/null
got=$(py "(d['LayersSize'], [(i['Id'], i['Containers'], i['RepoTags'], i['Size']) for i in d['Images']], [(c['Id'], c['SizeRw'], c['SizeRootFs']) for c in d['Containers']], sorted((v['Name'], v['UsageData']) for v in d['Volumes']), d['BuildCache'])" <"$tmp/body")
want="($size, [('$id', 1, ['busybox:latest'], $size)], [('$cid', 0, 0)], [('dfvol', {'Size': -1, 'RefCount': 1}), ('spare', {'Size': -1, 'RefCount': 0})], [])"
[ "$got" = "$want" ] && ok "DiskUsage: layers, images with users, containers, volume usage, no build cache" ||
	not_ok "df document" "want: $want" "got: $got"

out=$(docker system df 2>&1)
row() { printf '%s\n' "$out" | grep "^$1" | tr -s ' '; }
contains "docker system df: one image, active" "$(row Images)" "Images 1 1 "
contains "docker system df: one container" "$(row Containers)" "Containers 1 0 "
contains "docker system df: two volumes, one active" "$(row 'Local Volumes')" "Local Volumes 2 1 "
contains "docker system df: no build cache" "$(row 'Build Cache')" "Build Cache 0 0 0B 0B"

out=$(docker system df -v 2>&1)
case $out in
*busybox*latest*"${id#sha256:}"* | *busybox*latest*"$(echo "${id#sha256:}" | cut -c1-12)"*)
	case $out in
	*dfvol*spare* | *spare*dfvol*) ok "docker system df -v lists the image and the volumes" ;;
	*) not_ok "df -v volumes" "$out" ;;
	esac ;;
*) not_ok "df -v image" "$out" ;;
esac

tap_done
