#!/bin/sh
# Installs what building and testing Sockerless needs on Debian 12, and
# nothing when it is all there already.  Run as root (or with sudo).
set -eu

PKGS="build-essential autoconf automake libtool pkg-config
libmicrohttpd-dev libjson-c-dev libcurl4-openssl-dev libssl-dev
libgnutls28-dev libmbedtls-dev libarchive-dev libcmocka-dev abigail-tools
docker-registry umoci skopeo busybox-static apache2-utils
python3 python3-pytest docker-compose nodejs curl ca-certificates openssl iproute2 util-linux procps valgrind"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
POLICY=/usr/sbin/policy-rc.d
updated=""

# apt_install PKG...: install without starting any service.  Some of these
# packages ship daemons (docker.io's dockerd, containerd, docker-registry)
# whose postinst starts them, through invoke-rc.d without systemd or
# deb-systemd-invoke with it; both ask policy-rc.d first, and the tests
# start what they need themselves.  An existing policy-rc.d is put back.
apt_install() {
	echo "deps: installing $*"
	if [ -z "$updated" ]; then
		$SUDO apt-get update -qq
		updated=1
	fi
	saved=""
	if [ -e "$POLICY" ]; then
		saved=$POLICY.sockerless-saved
		$SUDO mv "$POLICY" "$saved"
	fi
	trap restore_policy EXIT
	trap 'exit 130' INT TERM
	printf '#!/bin/sh\n# written by sockerless scripts/deps.sh while it installs\nexit 101\n' |
		$SUDO tee "$POLICY" >/dev/null
	$SUDO chmod 755 "$POLICY"
	rc=0
	$SUDO env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "$@" || rc=$?
	restore_policy
	trap - EXIT INT TERM
	return "$rc"
}

restore_policy() {
	$SUDO rm -f "$POLICY"
	[ -z "$saved" ] || $SUDO mv "$saved" "$POLICY"
	saved=""
}

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] || apt_install $missing

# The end-to-end tests drive sockerlessd with the real docker CLI.  Any
# docker on PATH will do; else Debian's docker.io provides /usr/bin/docker.
# It is the whole engine, but sockerlessd is the engine here: dockerd is
# never started, and on a systemd host its units stay disabled.
if ! command -v docker >/dev/null 2>&1; then
	apt_install docker.io
	if [ -d /run/systemd/system ]; then
		$SUDO systemctl disable --quiet docker.service docker.socket || true
	fi
fi

# The docker SDK for Python (docker-py), a client the tests drive the
# daemon with; they run /usr/bin/python3 when it exists (tests/lib.sh).
if ! /usr/bin/python3 -c 'import docker' >/dev/null 2>&1; then
	apt_install python3-docker
fi
