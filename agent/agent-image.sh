#!/bin/sh
# agent-image.sh BINARY REF - build the agent image and push it to REF.
#
# The image holds one file, /sockerless-agent (the static agent binary),
# and runs `sockerless-agent install /sockerless` by default: the ACA
# backend's init container copies the agent into the EmptyDir volume the
# main container then starts it from.  Built as an OCI image with umoci and
# pushed with skopeo, so no Docker engine is needed.  A loopback registry
# (127.0.0.1, localhost, [::1]) is spoken to over plain HTTP; any other
# needs TLS and, for a private registry, `skopeo login` first (or use
# agent/Dockerfile with your usual tools).
#
# Run as root: umoci keeps the file's owner (root) only then.
set -eu

bin=${1:?usage: agent-image.sh BINARY REF}
ref=${2:?usage: agent-image.sh BINARY REF}

for tool in umoci skopeo; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "agent-image.sh: $tool not found (apt-get install umoci skopeo)" >&2
		exit 1
	}
done
[ -x "$bin" ] || { echo "agent-image.sh: $bin is not an executable" >&2; exit 1; }
# An image that must run in any base image cannot hold a dynamic binary.
if LC_ALL=C readelf -l "$bin" 2>/dev/null | grep -q 'Requesting program interpreter'; then
	echo "agent-image.sh: $bin is dynamically linked; the agent image needs the static build" >&2
	exit 1
fi

tls=true
case $ref in
127.0.0.1:* | localhost:* | "[::1]":*) tls=false ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/sl-agent-image.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/rootfs"
cp "$bin" "$work/rootfs/sockerless-agent"
chmod 0755 "$work/rootfs/sockerless-agent"

oci="$work/oci"
umoci init --layout "$oci"
umoci new --image "$oci:agent"
umoci insert --image "$oci:agent" "$work/rootfs" /
umoci config --image "$oci:agent" --architecture amd64 --os linux \
	--config.entrypoint /sockerless-agent \
	--config.cmd install --config.cmd /sockerless \
	--config.label org.opencontainers.image.title=sockerless-agent
skopeo copy --quiet --dest-tls-verify="$tls" "oci:$oci:agent" "docker://$ref"
echo "agent-image.sh: pushed $ref"
