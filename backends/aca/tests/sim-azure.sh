#!/bin/bash
# backends/aca/tests/sim-azure.sh - the ACA backend's HTTP layer (ARM
# client, credentials, Log Analytics, the stream reader) against the
# Azure simulator, without the docker CLI.  Starts one simulator and runs
# the TAP program sim_azure with its URL.
#
# The simulator runs without workloads (executions fail at once, which
# still writes the system log row the Log Analytics check reads), with
# ingestion at once, LROs that stay InProgress for 1 s (so they are really
# polled and a second write meets 409 OperationInProgress), throttling on
# as in Azure, and one registered client so that a wrong secret is
# refused.

: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/azure-sim/t/lib.sh"

PROG=$top_builddir/backends/aca/tests/sim_azure
[ -x "$SIM_BIN" ] || skip_all "no simulator at $SIM_BIN"
[ -x "$PROG" ] || skip_all "no test program at $PROG"

sim_start --no-workloads \
	--ingestion-delay-ms 0 \
	--schedule-delay-ms 0 \
	--stop-grace 1 \
	--lro-delay-ms 1000 \
	--client test-client:test-secret \
	--client cert-client:unused-secret \
	--client wi-client:unused-secret || {
	echo "Bail out! the simulator did not start"
	exit 1
}

TMPDIR=$TMP "$PROG" "$SIM_URL"
rc=$?
if [ $rc -ne 0 ]; then
	echo "# simulator log (last lines):"
	tail -n 20 "$TMP/sim.log" | sed 's/^/#   /'
fi
exit $rc
