#!/bin/bash
# sim-auth.sh - bearer checks on ARM and Log Analytics (missing, expired,
# wrong audience, tampered), the token endpoints (Entra ID, IMDS,
# IDENTITY_ENDPOINT), and the log stream's data-plane token.
. "$(dirname "$0")/lib.sh"

sim_start $SIM_FAST --no-workloads --lro-delay-ms 0 || { ok 1 "simulator starts"; done_testing; }
P="$JOBS?api-version=$API"

AUTH=
req GET "$P"
is "$STATUS $(jv "d['error']['code']")" "401 AuthenticationFailed" "ARM without a token -> 401"
check "WWW-Authenticate on 401" test -n "$(hdr WWW-Authenticate)"
check "ARM headers on 401 too" test -n "$(hdr x-ms-request-id)"

AUTH="Basic Zm9vOmJhcg=="
req GET "$P"
is "$STATUS $(jv "d['error']['code']")" "401 AuthenticationFailed" "ARM with a non-Bearer scheme -> 401"

la=$(la_token)
AUTH="Bearer $la"
req GET "$P"
is "$STATUS $(jv "d['error']['code']")" "401 InvalidAuthenticationTokenAudience" "ARM with a Log Analytics token -> 401 wrong audience"

arm=$(token https://management.azure.com/.default)
check "Entra token endpoint issues an ARM token" test -n "$arm"
AUTH="Bearer $arm"
req GET "$P"
is "$STATUS" 200 "ARM with an ARM token -> 200"

# Tamper with the payload: flip one character of the signature segment.
tampered=$("$PY" -c 'import sys
t=sys.argv[1]; h,p,s=t.split(".")
s=("A" if s[0]!="A" else "B")+s[1:]
print(h+"."+p+"."+s)' "$arm")
AUTH="Bearer $tampered"
req GET "$P"
is "$STATUS $(jv "d['error']['code']")" "401 InvalidAuthenticationToken" "ARM with a tampered signature -> 401"
AUTH="Bearer not.a.jwt"
req GET "$P"
is "$STATUS" 401 "ARM with garbage -> 401"

# Expiry: issue a 1-second token at runtime, wait, use it.
AUTH=
req PUT /_sim/settings '{"tokenLifetimeSeconds":1}'
is "$STATUS" 200 "token lifetime set at runtime"
short=$(token https://management.azure.com/.default)
lashort=$(la_token)
req PUT /_sim/settings '{"tokenLifetimeSeconds":3599}'
AUTH="Bearer $short"
wait_until 10 "the 1-second token expires" answers "$P" 401
req GET "$P"
is "$STATUS $(jv "d['error']['code']")" "401 ExpiredAuthenticationToken" "ARM with an expired token -> 401 ExpiredAuthenticationToken"
check "expiry message as ARM words it" grep -q "is earlier than current UTC time" "$TMP/body"

# Log Analytics audience.
AUTH="Bearer $arm"
req POST "/v1/workspaces/$WS/query" '{"query":"ContainerAppConsoleLogs_CL | take 1"}'
is "$STATUS $(jv "d['error']['code']")" "403 InvalidTokenError" "Log Analytics with an ARM token -> 403 InvalidTokenError"
AUTH=
req POST "/v1/workspaces/$WS/query" '{"query":"ContainerAppConsoleLogs_CL | take 1"}'
is "$STATUS $(jv "d['error']['code']")" "401 AuthorizationRequiredError" "Log Analytics without a token -> 401"
# Issued after the ARM token, it may outlive it by a moment.
AUTH="Bearer $lashort"
la_answers() {
	req POST "/v1/workspaces/$WS/query" '{"query":"ContainerAppConsoleLogs_CL | take 1"}'
	[ "$STATUS" = "$1" ]
}
wait_until 10 "the 1-second Log Analytics token expires" la_answers 401
req POST "/v1/workspaces/$WS/query" '{"query":"ContainerAppConsoleLogs_CL | take 1"}'
is "$STATUS" 401 "Log Analytics with an expired token -> 401"
AUTH="Bearer $la"
req POST "/v1/workspaces/$WS/query" '{"query":"print 1"}'
check "Log Analytics with its token passes auth" test "$STATUS" != 401

# Managed identity endpoints.
AUTH=
req GET "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F"
is "$STATUS" 400 "IMDS without Metadata: true -> 400"
req GET "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F" "" -H 'Metadata: true'
is "$STATUS" 200 "IMDS with Metadata: true -> 200"
is "$(jv "type(d['expires_in']).__name__")" str "IMDS numerics are strings"
mi=$(jv "d['access_token']")
AUTH="Bearer $mi"
req GET "$P"
is "$STATUS" 200 "an IMDS token works on ARM"
AUTH=
req GET "/msi/token?api-version=2019-08-01&resource=https://management.azure.com/"
check "IDENTITY_ENDPOINT without X-IDENTITY-HEADER is refused" test "$STATUS" -ge 400
req GET "/msi/token?api-version=2019-08-01&resource=https://management.azure.com/" "" -H 'X-IDENTITY-HEADER: sockerless-sim-identity-header'
is "$STATUS" 200 "IDENTITY_ENDPOINT with the header -> 200"

# Data-plane token: only getAuthToken's token opens the log stream.
AUTH="Bearer $arm"
req PUT "$JOBS/ls-job?api-version=$API" "$(job_body x/y:1 '["true"]')"
req POST "$JOBS/ls-job/getAuthToken?api-version=2023-11-02-preview"
dp=$(jv "d['properties']['token']")
ls="/subscriptions/$SUB/resourceGroups/$RG/jobs/ls-job/executions/ls-job-aaaaaaa/replicas/ls-job-aaaaaaa-bbbbb/containers/main/logstream?follow=false&output=json&tailLines=20"
AUTH="Bearer $arm"
req GET "$ls"
is "$STATUS" 401 "log stream with the ARM token -> 401"
AUTH=
req GET "$ls"
is "$STATUS" 401 "log stream without a token -> 401"
AUTH="Bearer $dp"
req GET "$ls"
is "$STATUS" 404 "log stream with the data-plane token passes auth (unknown replica -> 404)"
req PUT "$JOBS/other-job?api-version=$API" "$(job_body x/y:1 '["true"]')" -H "Authorization: Bearer $arm"
AUTH="Bearer $dp"
req GET "${ls//ls-job/other-job}"
is "$STATUS" 401 "a data-plane token is bound to its job"
done_testing
