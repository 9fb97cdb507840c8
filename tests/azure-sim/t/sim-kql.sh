#!/bin/bash
# sim-kql.sh - the Log Analytics query API over HTTP without workloads:
# POST and GET forms, Azure's errors for syntax, unknown tables (SEM0100,
# also a table that has no rows yet), operators outside the subset,
# unknown workspaces and bad bodies. Queries over real rows are in
# sim-lifecycle.sh.
. "$(dirname "$0")/lib.sh"

sim_start $SIM_FAST --no-workloads || { ok 1 "simulator starts"; done_testing; }
LA_TOKEN=$(la_token)
AUTH="Bearer $LA_TOKEN"

req POST "/v1/workspaces/$WS/query" '{"query":"My Not So Valid Query"}'
is "$STATUS $(jv "d['error']['code']")" "400 BadArgumentError" "syntax error -> 400 BadArgumentError"
is "$(jv "d['error']['innererror']['code']")" SyntaxError "innererror SyntaxError"
is "$(jv "d['error']['innererror']['innererror']['code']")" SYN0002 "innermost SYN0002"
check "x-ms-request-id on Log Analytics answers" test -n "$(hdr x-ms-request-id)"

req POST "/v1/workspaces/$WS/query" '{"query":"NoSuchTable | take 1"}'
is "$STATUS $(jv "d['error']['innererror']['innererror']['code']")" "400 SEM0100" "unknown table -> SEM0100"
req POST "/v1/workspaces/$WS/query" '{"query":"ContainerAppConsoleLogs_CL | take 1"}'
is "$STATUS $(jv "d['error']['innererror']['code']")" "400 SemanticError" "a table without rows yet does not exist (as in Azure)"

q=$("$PY" -c 'import urllib.parse; print(urllib.parse.quote("NoSuchTable | take 1"))')
req GET "/v1/workspaces/$WS/query?query=$q&timespan=PT1H"
is "$STATUS $(jv "d['error']['code']")" "400 BadArgumentError" "GET form answers the same way"

req POST "/v1/workspaces/$WS/query" '{"query":"ContainerAppConsoleLogs_CL | summarize count() by Stream_s"}'
is "$STATUS" 400 "summarize (outside the subset) -> 400, never ignored"
req POST "/v1/workspaces/$WS/query" '{"timespan":"PT1H"}'
is "$STATUS" 400 "body without query -> 400"
req POST "/v1/workspaces/$WS/query" 'not json'
is "$STATUS" 400 "body that is not JSON -> 400"
req POST "/v1/workspaces/11111111-2222-3333-4444-555555555555/query" '{"query":"ContainerAppConsoleLogs_CL"}'
is "$STATUS" 404 "unknown workspace -> 404"
req POST "/v1/workspaces/not-a-guid/query" '{"query":"ContainerAppConsoleLogs_CL"}'
is "$STATUS" 404 "workspace that is not a GUID -> 404"
req GET /_sim/stats
is "$(jv "d['operations']['LogAnalytics_Query']")" 9 "stats count Log Analytics queries"
done_testing
