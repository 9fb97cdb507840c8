#!/bin/sh
# The conformance kit against aca.so and the simulator with the agent off
# (agent=off): what a user gets without the agent.  See conformance-aca.sh.
KIT_AGENT=off
. "$(dirname "$0")/conformance-aca.sh"
