#!/bin/sh
# registry-up.sh DIR - start Debian's docker-registry on a free loopback
# port with its storage in DIR, build the test images from busybox-static
# with umoci and push them with skopeo. Writes DIR/env (sourceable):
#   REGISTRY_PORT, REGISTRY_HOST (127.0.0.1:PORT), REGISTRY_PID
# and prints the same lines on stdout. Stop with registry-down.sh DIR.
#
# Images pushed (all linux/amd64, busybox rootfs with /bin/<applet> links):
#   library/busybox:latest   Cmd ["sh"], Env PATH=..., WorkingDir /
#   library/echoer:latest    Entrypoint ["/bin/echo","entry"],
#                            Cmd ["default","cmd"], Env FOO=from-image,
#                            BAR=image-bar, WorkingDir /work
#   library/layered:latest   busybox + layers exercising whiteouts:
#                            /data/keep stays, /data/gone is whited out,
#                            /opq/ is made opaque (only /opq/new remains)
#   library/multi:latest     OCI index listing an arm64 manifest first
#                            (Env ARCHMARK=arm64) and the amd64 one
#                            (Env ARCHMARK=amd64)
#   library/busybox-v2s2:latest  busybox in Docker schema 2 media types
#   library/layered-zstd:latest  layered with tar+zstd layers
#   library/nobody:latest    busybox with User "nobody" (65534:65534)
#
# Needs the Debian packages docker-registry, umoci, skopeo, busybox-static
# and curl; run as root (umoci keeps file ownership).
set -eu

dir=${1:?usage: registry-up.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

for tool in docker-registry umoci skopeo curl; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "registry-up.sh: $tool not found (apt-get install docker-registry umoci skopeo curl)" >&2
		exit 1
	}
done
busybox_bin=/bin/busybox
[ -x "$busybox_bin" ] && "$busybox_bin" --list >/dev/null 2>&1 || {
	echo "registry-up.sh: /bin/busybox missing (apt-get install busybox-static)" >&2
	exit 1
}
if file "$busybox_bin" 2>/dev/null | grep -q 'dynamically linked'; then
	echo "registry-up.sh: /bin/busybox is dynamic; install busybox-static" >&2
	exit 1
fi

if [ -f "$dir/registry.pid" ] && kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null; then
	echo "registry-up.sh: a registry already runs for $dir" >&2
	exit 1
fi

mkdir -p "$dir/storage"

port_in_use() {
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
	return 1
}

start_registry() {
	port=$1
	cat >"$dir/registry.yml" <<YML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  headers:
    X-Sl-Registry: [$port-$$]
YML
	# setsid: own process group, so registry-down can stop it cleanly
	# and a Ctrl-C of the caller's terminal does not race us.
	setsid docker-registry serve "$dir/registry.yml" \
		>"$dir/registry.log" 2>&1 </dev/null &
	echo $! >"$dir/registry.pid"
	i=0
	while [ $i -lt 100 ]; do
		if ! kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null; then
			return 1
		fi
		# Ours, not another test's registry that holds the port (ours
		# then fails to bind): each answers with its own header.
		if curl -fsS -D - -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null |
		    tr -d '\r' | grep -qix "X-Sl-Registry: $port-$$"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	kill "$(cat "$dir/registry.pid")" 2>/dev/null || true
	return 1
}

# Pick a random high port; retry a few times if another process grabs it.
tries=0
port=
while [ $tries -lt 20 ]; do
	cand=$(( ( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000 ) + 30000 ))
	tries=$((tries + 1))
	port_in_use "$cand" && continue
	if start_registry "$cand"; then
		port=$cand
		break
	fi
	rm -f "$dir/registry.pid"
done
if [ -z "$port" ]; then
	echo "registry-up.sh: could not start docker-registry (see $dir/registry.log)" >&2
	exit 1
fi
host=127.0.0.1:$port

cleanup_on_error() {
	if [ -f "$dir/registry.pid" ]; then
		kill "$(cat "$dir/registry.pid")" 2>/dev/null || true
		rm -f "$dir/registry.pid"
	fi
}
trap 'rc=$?; [ $rc -eq 0 ] || cleanup_on_error' EXIT

# ---- build the base rootfs ----
build="$dir/build"
rm -rf "$build"
mkdir -p "$build"
rootfs="$build/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/root" \
	"$rootfs/proc" "$rootfs/dev" "$rootfs/usr/bin" "$rootfs/var"
chmod 1777 "$rootfs/tmp"
cp "$busybox_bin" "$rootfs/bin/busybox"
for applet in $("$busybox_bin" --list); do
	[ "$applet" = busybox ] && continue
	ln -s busybox "$rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"

oci="$build/oci"
umoci init --layout "$oci"

# umoci writes a history entry per step; keeps configs small.
umoci new --image "$oci:busybox"
umoci insert --image "$oci:busybox" "$rootfs" /
umoci config --image "$oci:busybox" \
	--architecture amd64 --os linux \
	--config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	--config.cmd sh --config.workingdir /

# echoer: ENTRYPOINT + CMD for Kubernetes command/args semantics.
umoci config --image "$oci:busybox" --tag echoer \
	--config.entrypoint /bin/echo --config.entrypoint entry \
	--clear config.cmd \
	--config.cmd default --config.cmd cmd \
	--config.env FOO=from-image --config.env BAR=image-bar \
	--config.workingdir /work

# nobody: a non-root image USER, resolved from the image's /etc/passwd.
umoci config --image "$oci:busybox" --tag nobody --config.user nobody

# layered: whiteout and opaque-directory layers on top of busybox.
extra="$build/extra"
mkdir -p "$extra/data" "$extra/opq/sub"
echo keep >"$extra/data/keep"
echo gone >"$extra/data/gone"
echo old >"$extra/opq/old"
echo oldsub >"$extra/opq/sub/f"
umoci config --image "$oci:busybox" --tag layered
umoci insert --image "$oci:layered" "$extra/data" /data
umoci insert --image "$oci:layered" "$extra/opq" /opq
umoci insert --image "$oci:layered" --whiteout /data/gone
newopq="$build/newopq"
mkdir -p "$newopq"
echo new >"$newopq/new"
umoci insert --image "$oci:layered" --opaque "$newopq" /opq

# multi: two platform variants, distinguished by ARCHMARK.
umoci config --image "$oci:busybox" --tag multi-amd64 \
	--config.env ARCHMARK=amd64
umoci config --image "$oci:busybox" --tag multi-arm64 \
	--architecture arm64 --config.env ARCHMARK=arm64

push() {
	skopeo copy --quiet --dest-tls-verify=false "$@"
}
push "oci:$oci:busybox" "docker://$host/library/busybox:latest"
push "oci:$oci:echoer" "docker://$host/library/echoer:latest"
push "oci:$oci:nobody" "docker://$host/library/nobody:latest"
push "oci:$oci:layered" "docker://$host/library/layered:latest"
push --format v2s2 "oci:$oci:busybox" "docker://$host/library/busybox-v2s2:latest"
# Recompressed into a layout of its own: copying within one layout or
# registry reuses the gzip blobs already there.
skopeo copy --quiet --dest-compress-format zstd "oci:$oci:layered" "oci:$build/zstd:layered"
push "oci:$build/zstd:layered" "docker://$host/library/layered-zstd:latest"
push "oci:$oci:multi-amd64" "docker://$host/library/multi:amd64"
push "oci:$oci:multi-arm64" "docker://$host/library/multi:arm64"

# The index is assembled by hand: skopeo pushes single images only.
manifest_desc() {
	# $1 = tag; prints "digest size"
	curl -fsS -o "$build/m.json" -D "$build/m.hdr" \
		-H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$host/v2/library/multi/manifests/$1"
	d=$(tr -d '\r' <"$build/m.hdr" | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
	s=$(wc -c <"$build/m.json" | tr -d ' ')
	echo "$d $s"
}
set -- $(manifest_desc arm64)
arm_d=$1 arm_s=$2
set -- $(manifest_desc amd64)
amd_d=$1 amd_s=$2
cat >"$build/index.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"$arm_d","size":$arm_s,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"$amd_d","size":$amd_s,"platform":{"architecture":"amd64","os":"linux"}}]}
JSON
curl -fsS -o /dev/null -X PUT \
	-H 'Content-Type: application/vnd.oci.image.index.v1+json' \
	--data-binary "@$build/index.json" \
	"http://$host/v2/library/multi/manifests/latest"

rm -rf "$build"

pid=$(cat "$dir/registry.pid")
cat >"$dir/env" <<ENV
REGISTRY_PORT=$port
REGISTRY_HOST=$host
REGISTRY_PID=$pid
export REGISTRY_PORT REGISTRY_HOST REGISTRY_PID
ENV
echo "REGISTRY_PORT=$port"
echo "REGISTRY_HOST=$host"
echo "REGISTRY_PID=$pid"
