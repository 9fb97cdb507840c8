#!/bin/sh
# The conformance kit against aca.so and the Azure simulator (its delays
# lowered), with the agent as users get it (agent=auto; KIT_AGENT=off from
# conformance-aca-off.sh): the results must equal conformance-aca.expected
# (conformance-aca-off.expected) beside this file, so a regression, or a
# hook that turns up unsupported, fails here.
# The settings go as the kit's --backend-opt; the endpoint and the
# credentials through the environment, as for the other ACA tests.
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
. "$top_srcdir/tests/conformance-check.sh"
need_docker
: "${KIT_AGENT:=auto}"
want=$top_srcdir/backends/aca/tests/conformance-aca.expected
[ "$KIT_AGENT" = off ] && want=$top_srcdir/backends/aca/tests/conformance-aca-off.expected
tap_plan $(($(grep -vc '^#' "$want") + 7))
start_registry
# Azure's stop grace cannot be set per stop (30 s in Azure; the kit's
# "stop -t 10" is not honoured).  The fast flags' 1 s is too short for a
# TERM trap under a loaded CI (137 instead of the trap's code); 5 s keeps
# the kit quick and still lets the scenarios tell 137 from a clean exit.
sim_up $ACA_SIM_FAST --stop-grace 5
[ "$KIT_AGENT" = off ] || push_agent_image
export ACA_AGENT=$KIT_AGENT
aca_env
unset SOCKERLESS_ACA_SUBSCRIPTION_ID SOCKERLESS_ACA_RESOURCE_GROUP SOCKERLESS_ACA_ENVIRONMENT

# The poller's backoff (1 s, up to 10 s) spares Azure's rate limits; the
# simulator has none, and at 250 ms to 1 s the kit takes 107 s, not 148.
kit_run "$tmp/kit.tap" 600 --backend="$top_builddir/backends/aca/.libs/aca.so" \
	--registry-mirror "$SL_MIRROR" --backend-opt subscription-id=$ACA_SUB \
	--backend-opt resource-group=$ACA_RG --backend-opt environment=sockerless \
	--backend-opt storage-account=sockerlessstore \
	--backend-opt poll-interval-ms=250 --backend-opt poll-max-ms=1000
kit_compare "$tmp/kit.tap" "$want"
kit_summary "$tmp/kit.tap"
[ "$KIT_SECS" -lt 600 ] && ok "the kit finished in $KIT_SECS s" || not_ok "the kit ran into its 600 s bound"
kit_clean
[ "$TAP_FAILED" -eq 0 ] || sed 's/^/# kit: /' "$tmp/kit.tap"
tap_done
