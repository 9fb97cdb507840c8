#!/bin/sh
# Installs what building and testing Sockerless needs on Debian 12, and
# nothing when it is all there already.  Run as root (or with sudo).
set -eu

PKGS="build-essential autoconf automake libtool pkg-config
libmicrohttpd-dev libjson-c-dev libcurl4-openssl-dev libssl-dev zlib1g-dev
libgnutls28-dev libcmocka-dev abigail-tools
docker-registry umoci skopeo busybox-static
python3 nodejs curl ca-certificates openssl iproute2 util-linux procps valgrind"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
if ! command -v docker >/dev/null 2>&1; then
	echo "deps: note: no docker CLI on PATH; the end-to-end tests that drive it will be skipped" >&2
fi
