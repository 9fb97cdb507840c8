#!/bin/sh
# The container table: the state after a hook, records that cannot be
# written, rename, automatic names.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

P="$top_builddir/tests/plugins/.libs"
tap_plan 29

# field ID GO-TEMPLATE: one inspect field through the docker CLI.
field() {
	docker inspect --format "$2" "$1" 2>&1
}

# stopped NAME: stops the daemon started as NAME; a clean exit also means
# no sanitizer report in the sanitizer build.
stopped() {
	if stop_daemon; then ok "the $1 daemon exits 0"; else not_ok "the $1 daemon exits 0" "$(tail -20 "$tmp/$1/log")"; fi
}

# --- start must not override what the backend reported ------------------
# The quickexit backend reports RUNNING and EXITED inside its start hook.
start_daemon qx --backend="$P/quickexit.so" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
out=$(api POST /containers/create -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"]}')
id=$(echo "${out#* }" | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
[ ${#id} -eq 64 ] && ok "create on the quickexit backend" || not_ok "create" "$out"
for n in 1 2; do
	out=$(api POST "/containers/$id/start")
	[ "$out" = "204 " ] && ok "start #$n answers 204" || not_ok "start #$n" "$out"
	st=$(field "$id" '{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}')
	[ "$st" = "exited false 3" ] && ok "after start #$n the container shows exited (3)" ||
		not_ok "state after start #$n" "$st"
done
# wait returns at once for an exited container; a bounded curl catches a hang.
out=$(curl -s --max-time 20 -X POST --unix-socket "$SL_SOCK" "http://d/containers/$id/wait")
contains "wait returns the exit code at once" "$out" '"StatusCode":3'
stopped qx

# --- a create that cannot be recorded leaves nothing behind --------------
start_daemon ex --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
data="$tmp/ex/data"
# A file where the containers directory goes: no write can succeed, even
# for root.
rm -rf "$data/containers"
: >"$data/containers"
out=$(docker create --name phantom busybox true 2>&1)
rc=$?
[ $rc -ne 0 ] && ok "create fails when the record cannot be written" || not_ok "create succeeded" "$out"
contains "the message says why" "$out" "cannot record the container in $data: Not a directory"
out=$(api POST '/containers/create?name=phantom2' -H 'Content-Type: application/json' \
	-d '{"Image":"busybox","Cmd":["true"]}')
contains "the API answers 500" "$out" "500 {\"message\":\"cannot record the container"
out=$(docker ps -a --format '{{.Names}}' 2>&1)
[ -z "$out" ] && ok "docker ps -a shows no phantom" || not_ok "phantom listed" "$out"
rm -f "$data/containers"
out=$(docker create --name phantom busybox true 2>&1)
[ ${#out} -eq 64 ] && ok "the name is free once the store works again" || not_ok "name reuse" "$out"
docker rm phantom >/dev/null 2>&1

# --- rename --------------------------------------------------------------
t0=$(date +%s)
id1=$(docker create --name r1 busybox true 2>&1)
id2=$(docker create --name r2 busybox true 2>&1)
check "docker rename r1 r3" docker rename r1 r3
st=$(field "$id1" '{{.Name}}')
[ "$st" = /r3 ] && ok "inspect shows the new name" || not_ok "new name" "$st"
out=$(docker inspect r1 2>&1)
contains "the old name is gone" "$out" "No such"
out=$(docker rename r3 r2 2>&1)
contains "a taken name is refused as dockerd does" "$out" \
	"Error when allocating new name: Conflict. The container name \"/r2\" is already in use by container \"$id2\". You have to remove (or rename) that container to be able to reuse that name."
out=$(api POST '/containers/r3/rename?name=r2')
contains "  with 409" "$out" "409 "
out=$(api POST '/containers/r3/rename?name=/r3')
[ "$out" = '400 {"message":"Renaming a container with the same name as its current name"}' ] &&
	ok "renaming to the current name is 400" || not_ok "same name" "$out"
out=$(api POST '/containers/r3/rename?name=bad%20name')
[ "$out" = '400 {"message":"Error when allocating new name: Invalid container name (/bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"}' ] &&
	ok "an invalid name is 400" || not_ok "invalid name" "$out"
out=$(api POST '/containers/r3/rename?name=')
[ "$out" = '400 {"message":"Neither old nor new names may be empty"}' ] &&
	ok "an empty name is 400" || not_ok "empty name" "$out"
out=$(api POST '/containers/nosuch/rename?name=x1')
contains "an unknown container is 404" "$out" "404 "
out=$(docker create --name r1 busybox true 2>&1)
[ ${#out} -eq 64 ] && ok "the old name can be used again" || not_ok "old name reuse" "$out"
out=$(curl -s --max-time 20 --unix-socket "$SL_SOCK" \
	"http://d/events?since=$t0&until=$(($(date +%s) + 1))&filters=%7B%22event%22%3A%5B%22rename%22%5D%7D")
n=$(printf '%s\n' "$out" | grep -c '"Action":"rename"')
[ "$n" -eq 1 ] && ok "one rename event" || not_ok "rename events" "$out"
contains "  naming the old name" "$out" '"oldName":"/r1"'
contains "  and the new one" "$out" '"name":"r3"'
stopped ex
start_daemon ex --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
st=$(field "$id1" '{{.Name}}')
[ "$st" = /r3 ] && ok "the new name survives a restart" || not_ok "persisted name" "$st"
docker rm r1 r2 r3 >/dev/null 2>&1

# --- automatic names ------------------------------------------------------
# 300 creates without a name from 4 clients at once: with dockerd's pool
# two of them usually draw the same pair, which must cost a retry, not a
# failed create.
out=$("$SDK_PYTHON" - "$SL_SOCK" <<'PY' 2>&1
import sys, threading, docker
sock = sys.argv[1]
errors = []
def run():
    cli = docker.APIClient(base_url="unix://" + sock)
    for _ in range(75):
        try:
            cli.create_container("busybox", "true")
        except Exception as e:
            errors.append(str(e))
ts = [threading.Thread(target=run) for _ in range(4)]
for t in ts: t.start()
for t in ts: t.join()
names = [c["Names"][0] for c in docker.APIClient(base_url="unix://" + sock).containers(all=True)]
print(len(errors), len(names), len(set(names)))
for e in errors[:3]: print(e)
PY
)
[ "$(echo "$out" | head -1)" = "0 300 300" ] && ok "300 unnamed creates succeed with distinct names" ||
	not_ok "unnamed creates (errors, listed, distinct)" "$out"
stopped ex

tap_done
