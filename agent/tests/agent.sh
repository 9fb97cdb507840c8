#!/bin/sh
# sockerless-agent in forward and reverse mode: agent/tests/agent_test.py
# (Python 3 stdlib, with agent/tests/agentclient.py) prints the TAP.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3; else py=python3; fi
exec "$py" "$top_srcdir/agent/tests/agent_test.py"
