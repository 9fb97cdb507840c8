#!/bin/sh
# Registries that misbehave, served by a tiny python3 HTTP server run here:
# one answering 500, one sending a manifest over the 4 MiB limit, one that
# accepts and never answers.  Each pull fails with a clear error naming
# the registry; the hung one within the stall timeout, and the daemon keeps
# serving other requests meanwhile.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tap_plan 7
cat >"$tmp/srv.py" <<'PY'
import http.server, json, socketserver, sys, threading, time

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path == "/v2/":
            body = b"{}"
            self.send_response(200)
        elif self.path.startswith("/v2/err/"):
            body = json.dumps({"errors": [{"code": "UNKNOWN", "message": "backend exploded"}]}).encode()
            self.send_response(500)
        elif self.path.startswith("/v2/big/"):
            body = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","pad":"' + \
                b"x" * (5 * 1024 * 1024) + b'"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
        elif self.path.startswith("/v2/hang/"):
            open(sys.argv[1] + ".hung", "w").close()
            time.sleep(3600)
            return
        else:
            body = b"{}"
            self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

s = S(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
python3 "$tmp/srv.py" "$tmp/port" &
SL_PIDS="$SL_PIDS $!"
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
R=127.0.0.1:$(cat "$tmp/port")
start_daemon bad --backend=example --plugin-dir "$top_builddir/plugin-api/example/.libs" ||
	{ echo "Bail out! daemon did not start"; exit 1; }

out=$(docker pull "$R/err/img" 2>&1)
contains "a registry answering 500: the error names it and the status" "$out" \
	"\"$R/err/img:latest\""
contains "... with the status and the registry's own words" "$out" "500"
contains "... backend exploded" "$out" "backend exploded"

out=$(docker pull "$R/big/img" 2>&1)
contains "a manifest over the size limit is refused" "$out" "response too large"

start=$(date +%s)
docker pull "$R/hang/img" >"$tmp/hang.out" 2>&1 &
pull=$!
# The pull is in the daemon's hands once the registry holds its request.
# curl, not the CLI: under load the CLI's own start-up could outlast the
# 15 s stall, and the check would measure the machine, not the daemon.
wait_for 30 test -e "$tmp/port.hung"
seen=$?
v=$(curl -s --max-time 10 --unix-socket "$SL_SOCK" http://d/version)
if [ $seen -eq 0 ] && kill -0 $pull 2>/dev/null && case $v in *"\"ApiVersion\""*) true ;; *) false ;; esac; then
	ok "the daemon answers other requests while a pull hangs"
else
	not_ok "serving during a hung pull" "the registry got the request: $([ $seen -eq 0 ] && echo yes || echo no)" \
		"version: $v" "pull running: $(kill -0 $pull 2>/dev/null && echo yes || echo no)"
fi
# The stall timeout is 15 s; give it 60 before calling it unbounded.
i=0
while kill -0 $pull 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 $pull 2>/dev/null; then
	kill $pull
	not_ok "a hung registry fails the pull in bounded time" "still waiting after $(( $(date +%s) - start )) s"
else
	ok "a hung registry fails the pull in bounded time ($(( $(date +%s) - start )) s)"
fi
contains "... with an error naming the registry" "$(cat "$tmp/hang.out")" "$R/hang/img"

tap_done
