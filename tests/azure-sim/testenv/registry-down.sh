#!/bin/sh
# registry-down.sh DIR - stop the registry started by registry-up.sh DIR.
# Leaves DIR (storage, logs) for the caller to remove.
set -u
dir=${1:?usage: registry-down.sh DIR}
pidfile="$dir/registry.pid"
[ -f "$pidfile" ] || exit 0
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
	kill -TERM "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
fi
rm -f "$pidfile"
exit 0
