#!/bin/sh
# docker cp: the archive endpoints, driven by the real docker CLI and curl
# against the archive test backend (tests/plugins/archplug.c), whose
# containers share one directory as their filesystem; then the 501 of a
# backend without archive hooks.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_registry

P="$top_builddir/tests/plugins/.libs"
tap_plan 59

root="$tmp/root"    # the containers' filesystem
work="$tmp/work"    # the client's side
mkdir -p "$root/dir/sub" "$root/etc" "$work"
printf 'hello\n' >"$root/dir/a.txt"
printf 'nested\n' >"$root/dir/sub/deep.txt"
ln -s /dir "$root/lnk"
ln -s a.txt "$root/dir/rel-link"
printf 'not for you\n' >"$tmp/outside.txt"

# tarfile.py OUT ENTRY...: writes a tar with python's tarfile, for the
# uploads curl sends (NAME=TEXT for a file, NAME->TARGET for a symlink).
mktar() {
	/usr/bin/python3 - "$@" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    for spec in sys.argv[2:]:
        if "->" in spec:
            name, target = spec.split("->", 1)
            ti = tarfile.TarInfo(name)
            ti.type, ti.linkname = tarfile.SYMTYPE, target
            t.addfile(ti)
        else:
            name, text = spec.split("=", 1)
            data = text.encode()
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
EOF
}

# statof PATH: the decoded X-Docker-Container-Path-Stat of a HEAD.
statof() {
	curl -s -I --unix-socket "$SL_SOCK" "http://d/containers/c1/archive?path=$1" |
		tr -d '\r' | sed -n 's/^X-Docker-Container-Path-Stat: //p' | base64 -d
}

# nothing_staged: no staging directory is left anywhere under the root.
nothing_staged() {
	[ -z "$(find "$root" -name '.sl-cp-*')" ]
}

t0=$(date +%s)
start_daemon cp --backend="$P/archive.so" --backend-opt "root=$root" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
docker create --name c1 busybox true >/dev/null 2>&1
check "a container to copy with" docker inspect c1

# --- stat (HEAD) -------------------------------------------------------------
out=$(statof /dir/a.txt)
case $out in
'{"name":"a.txt","size":6,"mode":420,"mtime":"'*'Z","linkTarget":""}') ok "HEAD stat of a file: $out" ;;
*) not_ok "HEAD stat of a file" "$out" ;;
esac
# 0755 | ModeDir (1<<31): the CLI decodes Go's os.FileMode.
contains "a directory's mode carries Go's ModeDir bit" "$(statof /dir)" '"mode":2147484141'
out=$(statof /lnk)
contains "a symlink carries ModeSymlink (1<<27) | 0777" "$out" '"mode":134218239'
contains "  and its target, resolved in the container" "$out" '"linkTarget":"/dir"'
out=$(curl -s -o /dev/null -w '%{http_code}' -I --unix-socket "$SL_SOCK" "http://d/containers/c1/archive?path=/nope")
[ "$out" = 404 ] && ok "HEAD of a missing path is 404" || not_ok "HEAD missing path" "$out"
out=$(curl -s -o /dev/null -w '%{http_code}' -I --unix-socket "$SL_SOCK" "http://d/containers/nosuch/archive?path=/dir")
[ "$out" = 404 ] && ok "HEAD on a missing container is 404" || not_ok "HEAD missing container" "$out"

# --- out of the container -----------------------------------------------------
check "docker cp c1:/dir/a.txt copies a file out" docker cp c1:/dir/a.txt "$work/a.txt"
[ "$(cat "$work/a.txt")" = hello ] && ok "  with its content" || not_ok "content" "$(cat "$work/a.txt")"
check "docker cp c1:/dir copies a directory out" docker cp c1:/dir "$work/dirout"
[ "$(cat "$work/dirout/sub/deep.txt" 2>&1)" = nested ] && ok "  with nested files" ||
	not_ok "nested" "$(ls -R "$work/dirout" 2>&1)"
[ "$(readlink "$work/dirout/rel-link")" = a.txt ] && ok "  and symlinks kept as symlinks" ||
	not_ok "symlink in dir" "$(ls -l "$work/dirout" 2>&1)"
check "docker cp of a symlink copies the link" docker cp c1:/lnk "$work/lnk"
[ "$(readlink "$work/lnk")" = /dir ] && ok "  which points where it did" || not_ok "link" "$(ls -l "$work" 2>&1)"
check "docker cp -L follows it" docker cp -L c1:/dir/rel-link "$work/followed"
[ "$(cat "$work/followed" 2>&1)" = hello ] && ok "  to the file's content" || not_ok "followed" "$(ls -l "$work" 2>&1)"
check "docker cp c1:/dir/. copies a directory's content" docker cp c1:/dir/. "$work/content"
[ -f "$work/content/a.txt" ] && [ -d "$work/content/sub" ] && ok "  into the target itself" ||
	not_ok "dir/." "$(ls -R "$work/content" 2>&1)"

# --- into the container -------------------------------------------------------
head -c 3000000 /dev/urandom >"$work/big.bin"
check "docker cp of a 3 MB file into the container" docker cp "$work/big.bin" c1:/dir/
cmp -s "$work/big.bin" "$root/dir/big.bin" && ok "  arrives intact" || not_ok "big file differs"
check "  and comes back out" docker cp c1:/dir/big.bin "$work/big.back"
cmp -s "$work/big.bin" "$work/big.back" && ok "  intact again" || not_ok "big file out differs"
uname="h é ü 日本 name with spaces.txt"
long=$(printf 'L%.0s' $(seq 1 120))
mkdir -p "$work/tree/in dir"
printf 'unicode\n' >"$work/tree/$uname"
printf 'long\n' >"$work/tree/in dir/$long"
chmod 750 "$work/tree/in dir"
check "docker cp of a tree with spaces, unicode and a 120-byte name" docker cp "$work/tree" c1:/dir/
[ "$(cat "$root/dir/tree/$uname" 2>&1)" = unicode ] && ok "  the unicode name arrives" ||
	not_ok "unicode in" "$(ls -R "$root/dir/tree" 2>&1)"
[ "$(cat "$root/dir/tree/in dir/$long" 2>&1)" = long ] && ok "  the long name arrives (PAX)" ||
	not_ok "long in" "$(ls -R "$root/dir/tree" 2>&1)"
[ "$(stat -c %a "$root/dir/tree/in dir")" = 750 ] && ok "  modes are kept" ||
	not_ok "mode" "$(stat -c %a "$root/dir/tree/in dir")"
check "  and the tree copies back out" docker cp c1:/dir/tree "$work/tree.back"
[ "$(cat "$work/tree.back/$uname" 2>&1)" = unicode ] && [ "$(cat "$work/tree.back/in dir/$long" 2>&1)" = long ] &&
	ok "  with the same names" || not_ok "names out" "$(ls -R "$work/tree.back" 2>&1)"
check "docker cp to a new name in the container" docker cp "$work/a.txt" c1:/dir/renamed.txt
[ "$(cat "$root/dir/renamed.txt" 2>&1)" = hello ] && ok "  lands under that name" || not_ok "renamed" "$(ls "$root/dir")"
nothing_staged && ok "no staging directory is left behind" || not_ok "staging left" "$(find "$root" -name '.sl-cp-*')"

# --- what docker cp prints on errors ------------------------------------------
out=$(docker cp c1:/nope "$work/x" 2>&1)
contains "a missing path: dockerd's message" "$out" "Could not find the file /nope in container c1"
out=$(docker cp nosuch:/dir "$work/x" 2>&1)
contains "a missing container (from)" "$out" "No such container: nosuch"
out=$(docker cp "$work/a.txt" nosuch:/dir/x 2>&1)
contains "a missing container (to), after the body was read" "$out" "No such container: nosuch"
out=$(docker cp "$work/a.txt" c1:/nodir/x 2>&1)
contains "a missing destination directory" "$out" "Could not find the file /"

# --- the API: validation before any backend sees the request -----------------
out=$(api GET /containers/c1/archive)
[ "$out" = '400 {"message":"bad parameter: path cannot be empty"}' ] && ok "no path: 400" || not_ok "no path" "$out"
out=$(api GET '/containers/c1/archive?path=/dir/../../outside.txt')
contains "a path climbing out of the root: 400" "$out" '400 {"message":"bad parameter: path climbs above'
out=$(api GET '/containers/c1/archive?path=/dir/a.txt%00.png')
contains "a NUL byte in the path: 400" "$out" '400 {"message":"bad parameter: path holds a NUL byte"}'
mktar "$tmp/one.tar" "planted.txt=x"
out=$(api PUT '/containers/c1/archive?path=/../..' --data-binary "@$tmp/one.tar")
contains "an upload to a path climbing out: 400" "$out" "400 "
[ ! -e "$tmp/planted.txt" ] && [ ! -e "$root/planted.txt" ] && ok "  and nothing was written" || not_ok "planted"

# --- uploads the backend refuses whole -----------------------------------------
mktar "$tmp/escape.tar" "ok.txt=fine" "../escaped.txt=bad"
out=$(api PUT '/containers/c1/archive?path=/dir' --data-binary "@$tmp/escape.tar")
contains "a tar entry with .. is refused" "$out" "climbs out of the destination"
[ ! -e "$root/escaped.txt" ] && [ ! -e "$root/dir/ok.txt" ] && ok "  and nothing of it was written" ||
	not_ok "escape wrote" "$(ls "$root" "$root/dir")"
mktar "$tmp/via-link.tar" "door->/" "door/tmp/through.txt=bad"
out=$(api PUT '/containers/c1/archive?path=/dir' --data-binary "@$tmp/via-link.tar")
contains "a tar entry through a symlink it made is refused" "$out" "goes through a symlink"
mkdir -p "$work/up/cut"
head -c 2000000 /dev/urandom >"$work/up/cut/blob"
tar -C "$work/up" -cf "$tmp/full.tar" cut
head -c 1000000 "$tmp/full.tar" >"$tmp/cut.tar"
out=$(api PUT '/containers/c1/archive?path=/dir' --data-binary "@$tmp/cut.tar")
contains "a truncated upload gets a clear error" "$out" '400 {"message":"unexpected EOF: the archive is truncated; nothing was written"}'
[ ! -e "$root/dir/cut" ] && nothing_staged && ok "  and leaves nothing half-written" ||
	not_ok "cut upload left" "$(ls -la "$root/dir")"
out=$(api PUT '/containers/c1/archive?path=/dir' --data-binary "@$tmp/full.tar")
[ "$out" = "200 " ] && cmp -s "$work/up/cut/blob" "$root/dir/cut/blob" && ok "the whole tar then goes in" ||
	not_ok "full upload" "$out"
# The body streams to the hook: the first entry is extracted (into the
# staging directory) while the client is still sending the rest.
mkdir -p "$work/up/stream"
printf 'first\n' >"$work/up/stream/first.txt"
head -c 1500000 /dev/urandom >"$work/up/stream/then-blob"
tar -C "$work/up" -cf "$tmp/stream.tar" stream/first.txt stream/then-blob
curl -s -o "$tmp/stream.out" -w '%{http_code}' -X PUT --limit-rate 500k --unix-socket "$SL_SOCK" \
	--data-binary "@$tmp/stream.tar" 'http://d/containers/c1/archive?path=/dir' >"$tmp/stream.code" &
cpid=$!
seen=no
i=0
while [ $i -lt 200 ] && kill -0 $cpid 2>/dev/null; do
	if ls "$root"/dir/.sl-cp-*/stream/first.txt >/dev/null 2>&1; then
		# ... with most of the blob behind it still to come.
		got=$(cat "$root"/dir/.sl-cp-*/stream/then-blob 2>/dev/null | wc -c)
		[ "$got" -lt 1000000 ] && seen=yes
		break
	fi
	sleep 0.05
	i=$((i + 1))
done
wait $cpid
[ $seen = yes ] && ok "an upload reaches the backend while it is still being sent" ||
	not_ok "no streaming seen" "code $(cat "$tmp/stream.code"), blob staged: ${got:-none}"
[ "$(cat "$tmp/stream.code")" = 200 ] && cmp -s "$work/up/stream/then-blob" "$root/dir/stream/then-blob" &&
	ok "  and lands whole" || not_ok "streamed upload" "$(cat "$tmp/stream.code" "$tmp/stream.out")"
# A client that gives up mid-upload: the hook is cancelled, not handed a
# short body as if it were whole.
mv "$work/up/cut" "$work/up/slow"
tar -C "$work/up" -cf "$tmp/slow.tar" slow
curl -s -o /dev/null -X PUT --limit-rate 300k --max-time 2 --unix-socket "$SL_SOCK" \
	--data-binary "@$tmp/slow.tar" 'http://d/containers/c1/archive?path=/dir'
rc=$?
[ $rc -eq 28 ] && ok "a client leaving mid-upload (curl timed out)" || not_ok "slow upload" "curl exited $rc"
i=0
until nothing_staged || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
[ ! -e "$root/dir/slow" ] && nothing_staged && ok "  leaves nothing behind" ||
	not_ok "aborted upload left" "$(ls -la "$root/dir")"
mktar "$tmp/clash.tar" "new.txt=n" "sub=a file where a directory is"
out=$(api PUT '/containers/c1/archive?path=/dir&noOverwriteDirNonDir=true' --data-binary "@$tmp/clash.tar")
contains "noOverwriteDirNonDir: dockerd's message" "$out" 'cannot overwrite directory \"/dir/sub\" with non-directory \"/dir\"'
[ -d "$root/dir/sub" ] && [ ! -e "$root/dir/new.txt" ] && ok "  and nothing of that upload was written" ||
	not_ok "clash wrote" "$(ls -la "$root/dir")"
out=$(docker events --since "$t0" --until "$(($(date +%s) + 1))" --filter container=c1 \
	--filter event=archive-path --filter event=extract-to-dir --format '{{.Action}}' | sort | uniq -c |
	awk '{printf "%s:%s ", $2, $1}')
case $out in
"archive-path:"*" extract-to-dir:"*) ok "archive-path and extract-to-dir events, as dockerd sends: $out" ;;
*) not_ok "archive events" "$out" ;;
esac
out=$(api GET /_ping)
[ "$out" = "200 OK" ] && ok "the daemon keeps serving" || not_ok "ping" "$out"
if stop_daemon; then ok "the daemon exits 0"; else not_ok "the daemon exits 0" "$(tail -20 "$tmp/cp/log")"; fi

# --- a backend without archive hooks ------------------------------------------
start_daemon ex --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }
pull_image busybox || { echo "Bail out! could not pull busybox"; exit 1; }
docker create --name e1 busybox true >/dev/null 2>&1
out=$(docker cp e1:/etc/hosts "$work/h" 2>&1)
contains "docker cp from it: 501 naming the operation and the backend" "$out" \
	"container archive get (docker cp) is not supported by the example backend"
out=$(docker cp "$work/a.txt" e1:/tmp/a.txt 2>&1)
contains "docker cp into it: likewise" "$out" \
	"container archive put (docker cp) is not supported by the example backend"
out=$(curl -s -o /dev/null -w '%{http_code}' -I --unix-socket "$SL_SOCK" "http://d/containers/e1/archive?path=/x")
[ "$out" = 501 ] && ok "HEAD: 501" || not_ok "HEAD 501" "$out"
if stop_daemon; then ok "the example daemon exits 0"; else not_ok "the example daemon exits 0" "$(tail -20 "$tmp/ex/log")"; fi

tap_done
