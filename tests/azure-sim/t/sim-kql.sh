#!/bin/bash
# sim-kql.sh - the Log Analytics query API over HTTP without workloads:
# POST and GET forms, Azure's errors for syntax, unknown tables (SEM0100,
# also a table that has no rows yet), valid KQL the simulator does not run
# (its own SimulatorNotSupported answer), the nesting limits, unknown
# workspaces and bad bodies; then summarize, distinct, let, union,
# hasprefix and todatetime over the system-log rows that executions leave
# when workloads are off. Queries over console rows are in sim-lifecycle.sh.
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

# Valid KQL outside the simulator's subset: 400 BadArgumentError with its
# own innererror code, never SYN0002 (a choice: README "Known choices").
req POST "/v1/workspaces/$WS/query" '{"query":"ContainerAppConsoleLogs_CL | join (T) on x"}'
is "$STATUS $(jv "d['error']['code']")" "400 BadArgumentError" "join -> 400 BadArgumentError"
is "$(jv "d['error']['innererror']['code']")" SimulatorNotSupported "join -> innererror SimulatorNotSupported"
check "the message says valid KQL, not supported by this simulator" sh -c \
	"echo '$(jv "d['error']['innererror']['message']")' | grep -q 'is valid KQL but not supported by this simulator'"
is "$(jv "d['error']['innererror']['token']") $(jv "d['error']['innererror']['pos']")" "join 29" "with the token and its place"
req POST "/v1/workspaces/$WS/query" '{"query":"print 1"}'
is "$STATUS $(jv "d['error']['innererror']['code']")" "400 SimulatorNotSupported" "print -> SimulatorNotSupported"
req POST "/v1/workspaces/$WS/query" '{"query":"T | summarize sum(x) by y"}'
is "$STATUS $(jv "d['error']['innererror']['code']")" "400 SimulatorNotSupported" "an unsupported aggregate -> SimulatorNotSupported"
req POST "/v1/workspaces/$WS/query" '{"query":"T | summarize count() by"}'
is "$(jv "d['error']['innererror']['innererror']['code']")" SYN0002 "a real syntax error in summarize is still SYN0002"

# Nesting limits (a choice): deep input is refused, the process lives on.
"$PY" -c 'import json; print(json.dumps({"query": "T | where " + "(" * 200000 + "1"}))' >"$TMP/deep.json"
req POST "/v1/workspaces/$WS/query" "@$TMP/deep.json"
is "$STATUS $(jv "d['error']['innererror']['code']")" "400 SimulatorNotSupported" "200000 parentheses -> refused, not a crash"
"$PY" -c 'import json; print(json.dumps({"query": "T | where x == " + "-" * 200000 + "1"}))' >"$TMP/minus.json"
req POST "/v1/workspaces/$WS/query" "@$TMP/minus.json"
is "$STATUS $(jv "d['error']['innererror']['innererror']['code']")" "400 SEM0100" "200000 minus signs fold (then: no table T)"
req GET /_sim/health
is "$STATUS" 200 "the simulator is still up"
req POST "/v1/workspaces/$WS/query" '{"timespan":"PT1H"}'
is "$STATUS" 400 "body without query -> 400"
req POST "/v1/workspaces/$WS/query" 'not json'
is "$STATUS" 400 "body that is not JSON -> 400"
req POST "/v1/workspaces/11111111-2222-3333-4444-555555555555/query" '{"query":"ContainerAppConsoleLogs_CL"}'
is "$STATUS" 404 "unknown workspace -> 404"
req POST "/v1/workspaces/not-a-guid/query" '{"query":"ContainerAppConsoleLogs_CL"}'
is "$STATUS" 404 "workspace that is not a GUID -> 404"
req GET /_sim/stats
is "$(jv "d['operations']['LogAnalytics_Query']")" 14 "stats count Log Analytics queries"

# ---- the new operators over rows: each execution that cannot run leaves
# a ContainerCreateFailure system-log row ----
arm_auth
req PUT "$JOBS/kq?api-version=2024-03-01" "$(job_body busybox '["true"]')"
is "$STATUS" 201 "PUT job"
for i in 1 2 3; do
	req POST "$JOBS/kq/start?api-version=2024-03-01"
	eval "EX$i=\$(jv \"d['name']\")"
done
has_rows() { la_query "ContainerAppSystemLogs_CL | where JobName_s startswith 'kq-' | count"; [ "$(jv "d['tables'][0]['rows'][0][0]")" = 3 ]; }
wait_until 30 "three system-log rows are visible" has_rows

# summarize count() by: columns by-then-aggregate, Kusto's count_ name
la_query "ContainerAppSystemLogs_CL | where JobName_s startswith 'kq-' | summarize count() by Reason_s"
is "$STATUS $(jv "[c['name'] for c in d['tables'][0]['columns']]")" '200 ["Reason_s", "count_"]' "summarize count() by -> Reason_s, count_"
is "$(jv "d['tables'][0]['rows']")" '[["ContainerCreateFailure", 3]]' "one group of three"
la_query "ContainerAppSystemLogs_CL | where JobName_s startswith 'kq-' | summarize n = count(), first = min(TimeGenerated), last = max(TimeGenerated)"
is "$(jv "[d['tables'][0]['rows'][0][0], d['tables'][0]['rows'][0][1] <= d['tables'][0]['rows'][0][2]]")" '[3, true]' "count, min, max"
la_query "ContainerAppSystemLogs_CL | where JobName_s startswith 'kq-' | summarize arg_max(TimeGenerated, *) by Reason_s | project Reason_s, JobName_s, Log_s"
is "$(jv "d['tables'][0]['rows'][0][1]")" "$EX3" "arg_max(TimeGenerated, *) keeps the latest row's columns"
la_query "ContainerAppSystemLogs_CL | where JobName_s startswith 'kq-' | distinct JobName_s | count"
is "$(jv "d['tables'][0]['rows'][0][0]")" 3 "distinct"
la_query "let j = 'kq-'; let since = ago(1h); ContainerAppSystemLogs_CL | where JobName_s startswith j and TimeGenerated > since | count"
is "$(jv "d['tables'][0]['rows'][0][0]")" 3 "let for scalars (string, ago())"
la_query "ContainerAppSystemLogs_CL | where Log_s hasprefix 'workl' and Log_s !hasprefix 'orkload' | where JobName_s startswith 'kq-' | count"
is "$(jv "d['tables'][0]['rows'][0][0]")" 3 "hasprefix matches a term's start only"
la_query "ContainerAppSystemLogs_CL | where JobName_s startswith 'kq-' | where todatetime(tostring(TimeGenerated)) == TimeGenerated | count"
is "$(jv "d['tables'][0]['rows'][0][0]")" 3 "todatetime() reads back a printed datetime"
# union: fuzzy over both families, whichever the environment writes
la_query "union withsource=Src isfuzzy=true ContainerAppSystemLogs_CL, ContainerAppSystemLogs | where Reason_s == 'ContainerCreateFailure' | summarize count() by Src | where Src == 'ContainerAppSystemLogs_CL'"
is "$STATUS $(jv "d['tables'][0]['rows']")" '200 [["ContainerAppSystemLogs_CL", 3]]' "union withsource isfuzzy of the two system-log tables"
la_query "ContainerAppSystemLogs_CL | summarize count() by bin(TimeGenerated, 1h)"
is "$STATUS $(jv "d['error']['innererror']['code']")" "400 SimulatorNotSupported" "a function Kusto has (bin) -> SimulatorNotSupported"
la_query "union ContainerAppSystemLogs_CL, NoSuchTable | count"
is "$STATUS $(jv "d['error']['innererror']['innererror']['code']")" "400 SEM0100" "union with a table that does not exist -> SEM0100"
done_testing
