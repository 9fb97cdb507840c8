#!/bin/sh
# Registry credentials end to end: a second docker-registry in front of the
# test registry's storage asks for htpasswd (Basic) auth.  docker login
# (Login Succeeded; a wrong password gets dockerd's 401 text), docker pull
# of a private image with and without credentials, X-Registry-Auth, and
# what reaches the credential store, read by the credplug test backend
# (tests/plugins/credplug.c) through host->registry_credentials at start.
# The backend's images hooks: credentials (used, not stored) and resolve.
# The password never appears in the daemon's debug log.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tap_plan 17
reg="$tmp/registry"
trap 'sh "$top_srcdir/tests/azure-sim/testenv/registry-down.sh" "$reg" >/dev/null 2>&1
	[ -f "$tmp/auth.pid" ] && kill "$(cat "$tmp/auth.pid")" 2>/dev/null; cleanup' EXIT INT TERM
if sh "$top_srcdir/tests/azure-sim/testenv/registry-up.sh" "$reg" >"$tmp/registry-up.log" 2>&1; then
	. "$reg/env"
else
	echo "Bail out! no test registry: $(cat "$tmp/registry-up.log")"
	exit 1
fi

user=alice
pass='s3cret-Pa55-5ockerless'
if command -v htpasswd >/dev/null 2>&1; then
	htpasswd -Bbn "$user" "$pass" >"$tmp/htpasswd"
else
	python3 -W ignore -c 'import crypt, sys
print("%s:%s" % (sys.argv[1], crypt.crypt(sys.argv[2], crypt.mksalt(crypt.METHOD_BLOWFISH))))' \
		"$user" "$pass" >"$tmp/htpasswd"
fi

# The auth registry: same storage (so the test images are there), htpasswd.
auth_port=
for try in 1 2 3 4 5 6 7 8 9 10; do
	port=$(( ( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000 ) + 30000 ))
	ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && continue
	cat >"$tmp/auth.yml" <<YML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $reg/storage
http:
  addr: 127.0.0.1:$port
auth:
  htpasswd:
    realm: sockerless-test
    path: $tmp/htpasswd
YML
	setsid docker-registry serve "$tmp/auth.yml" >"$tmp/auth.log" 2>&1 </dev/null &
	echo $! >"$tmp/auth.pid"
	i=0
	while [ $i -lt 100 ] && kill -0 "$(cat "$tmp/auth.pid")" 2>/dev/null; do
		code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/")
		[ "$code" = 401 ] && { auth_port=$port; break; }
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$auth_port" ] && break
	kill "$(cat "$tmp/auth.pid")" 2>/dev/null
done
[ -n "$auth_port" ] || { echo "Bail out! auth registry did not start: $(cat "$tmp/auth.log")"; exit 1; }
AUTH=127.0.0.1:$auth_port
ok "htpasswd registry on $AUTH answers 401 without credentials"

P="$top_builddir/tests/plugins/.libs"
export DOCKER_CONFIG="$tmp/dockercfg"   # the CLI's own store, not the user's
export CREDPLUG_REGISTRY="$AUTH" CREDPLUG_PASS="$pass"
start_daemon a --backend="$P/credplug.so" --log-level debug ||
	{ echo "Bail out! daemon did not start"; exit 1; }

out=$(docker pull "$AUTH/library/busybox" 2>&1)
contains "pull without credentials: pull access denied" "$out" \
	"pull access denied for $AUTH/library/busybox, repository does not exist or may require 'docker login'"

# X-Registry-Auth as the SDKs send it: base64url JSON.
hdr=$(printf '{"username":"%s","password":"%s","serveraddress":"%s"}' "$user" "$pass" "$AUTH" |
	base64 -w0 | tr '+/' '-_')
out=$(curl -s --unix-socket "$SL_SOCK" -X POST -H "X-Registry-Auth: $hdr" \
	"http://d/images/create?fromImage=$AUTH/library/busybox&tag=latest")
contains "pull with X-Registry-Auth succeeds" "$out" "Downloaded newer image for $AUTH/library/busybox:latest"
docker create --name c1 "$AUTH/library/busybox" true >/dev/null 2>&1
out=$(docker start c1 2>&1)
contains "the pull's credentials reached the credential store" "$out" \
	"credstore: $AUTH has user $user, password matches"

# A fresh daemon: nothing in the store (credentials live in memory only).
stop_daemon
start_daemon a --backend="$P/credplug.so" --log-level debug ||
	{ echo "Bail out! daemon did not restart"; exit 1; }
out=$(docker start c1 2>&1)
contains "after a restart the store is empty" "$out" "credstore: nothing for $AUTH"

out=$(echo wrong | docker login -u "$user" --password-stdin "$AUTH" 2>&1)
rc=$?
[ $rc -ne 0 ] && ok "docker login with a wrong password fails" || not_ok "wrong password" "$out"
contains "dockerd's 401 text" "$out" "login attempt to http://$AUTH/v2/ failed with status: 401 Unauthorized"
got=$(api POST /auth -H 'Content-Type: application/json' \
	-d "{\"username\":\"$user\",\"password\":\"nope\",\"serveraddress\":\"http://$AUTH/\"}")
case $got in 401\ *) ok "POST /auth with a wrong password: 401" ;; *) not_ok "POST /auth 401" "$got" ;; esac
out=$(docker start c1 2>&1)
contains "a failed login stores nothing" "$out" "credstore: nothing for $AUTH"

out=$(echo "$pass" | docker login -u "$user" --password-stdin "$AUTH" 2>&1)
contains "docker login: Login Succeeded" "$out" "Login Succeeded"
got=$(api POST /auth -H 'Content-Type: application/json' \
	-d "{\"username\":\"$user\",\"password\":\"$pass\",\"serveraddress\":\"$AUTH\"}")
[ "$got" = '200 {"Status":"Login Succeeded","IdentityToken":""}' ] &&
	ok "POST /auth answers dockerd's body" || not_ok "POST /auth body" "$got"
out=$(docker start c1 2>&1)
contains "the login's credentials reached the credential store" "$out" \
	"credstore: $AUTH has user $user, password matches"
out=$(docker pull "$AUTH/library/echoer" 2>&1)
contains "docker pull of a private image after login" "$out" \
	"Status: Downloaded newer image for $AUTH/library/echoer:latest"

if grep -qF "$pass" "$tmp/a/log"; then
	not_ok "the password is not in the debug log" "$(grep -F "$pass" "$tmp/a/log")"
else
	ok "the password is not in the debug log"
fi

# The images hooks: credentials (used for the pull, never stored) and
# resolve (alias pulled from the open registry, recorded as alias).
stop_daemon
export CREDPLUG_HOOK_USER="$user" CREDPLUG_RESOLVE_TO="$REGISTRY_HOST/library/busybox:latest"
start_daemon b --backend="$P/credplug.so" ||
	{ echo "Bail out! daemon did not restart"; exit 1; }
out=$(DOCKER_CONFIG="$tmp/empty" docker pull "$AUTH/library/busybox" 2>&1)
contains "the backend's credentials hook lets an anonymous client pull" "$out" \
	"Downloaded newer image for $AUTH/library/busybox:latest"
docker create --name c2 "$AUTH/library/busybox" true >/dev/null 2>&1
out=$(docker start c2 2>&1)
contains "the hook's credentials are not stored" "$out" "credstore: nothing for $AUTH"
out=$(docker pull alias 2>&1)
want=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	-H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
	"http://$REGISTRY_HOST/v2/library/busybox/manifests/latest" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["config"]["digest"])')
id=$(docker image inspect -f '{{.Id}}' alias 2>&1)
[ "$id" = "$want" ] && ok "resolve: alias pulled as busybox from $REGISTRY_HOST, kept as alias" ||
	not_ok "resolve hook" "pull: $out" "inspect: $id" "want: $want"

tap_done
