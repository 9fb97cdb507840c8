#!/bin/sh
# The real docker CLI against sockerlessd --backend=aca and the Azure
# simulator: named volumes as Azure Files shares.  What one run writes to
# a volume a later run reads; volume rm deletes the share and the
# environment storage; without storage-account volume create says what
# to set.
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/backends/aca/tests/lib.sh"
export SOCKERLESS_ACA_STORAGE_ACCOUNT=sockerlessstore
aca_begin 10 --daemon $ACA_SIM_FAST

# arm_get PATH: GET an ARM path of the simulator; prints the body.
arm_get() {
	tok=$(curl -sf -X POST "$SIM_URL/$ACA_TENANT/oauth2/v2.0/token" \
		-d grant_type=client_credentials -d client_id=t -d client_secret=t \
		--data-urlencode scope=https://management.azure.com/.default |
		"$SDK_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
	curl -s -o "$tmp/arm.out" -w '%{http_code}' -H "Authorization: Bearer $tok" "$SIM_URL$1"
}
RG=/subscriptions/$ACA_SUB/resourceGroups/$ACA_RG/providers
SHARE=$RG/Microsoft.Storage/storageAccounts/sockerlessstore/fileServices/default/shares/aca-vol-1?api-version=2023-05-01
STORAGE=$RG/Microsoft.App/managedEnvironments/sockerless/storages/aca-vol-1?api-version=2025-07-01

docker volume create aca-vol-1 >"$tmp/out" 2>&1 && ok "docker volume create" ||
	not_ok "volume create" "$(cat "$tmp/out")"
[ "$(arm_get "$SHARE")" = 200 ] && [ "$(arm_get "$STORAGE")" = 200 ] &&
	ok "the share and the environment storage exist in Azure" ||
	not_ok "share/storage" "$(cat "$tmp/arm.out")"
! grep -q accountKey "$tmp/arm.out" && ok "the storage does not show its key" ||
	not_ok "key shown" "$(cat "$tmp/arm.out")"

docker run --rm -v aca-vol-1:/data busybox sh -c 'echo kept > /data/f' >"$tmp/out" 2>&1 &&
	ok "docker run -v aca-vol-1:/data writes" || not_ok "run writes" "$(cat "$tmp/out")"
out=$(docker run --rm -v aca-vol-1:/data busybox cat /data/f 2>"$tmp/err")
[ "$out" = kept ] && ok "a second run reads what the first wrote" ||
	not_ok "second run" "out=$out" "$(cat "$tmp/err")"

docker run --rm -v aca-vol-1:/data:ro busybox true >"$tmp/out" 2>&1
[ $? -ne 0 ] && grep -q "read-only volume mounts" "$tmp/out" &&
	ok "a read-only mount is refused, saying why" || not_ok "ro" "$(cat "$tmp/out")"

# -v /path is an anonymous volume (as an image's VOLUME): the run works,
# nothing is mounted (the image's own /tmp is used), no share is made.
shares_before=$(sim_stat FileShares_Create)
docker run --rm -v /tmp busybox sh -c 'echo x > /tmp/f' >"$tmp/out" 2>&1 &&
	[ "$shares_before" -ge 1 ] && [ "$(sim_stat FileShares_Create)" = "$shares_before" ] &&
	ok "an anonymous volume runs without a share" ||
	not_ok "anonymous" "$(cat "$tmp/out")" "$(sim_get /_sim/stats)"

docker volume ls -q | grep -qx aca-vol-1 && ok "docker volume ls lists it" ||
	not_ok "volume ls" "$(docker volume ls)"
docker volume rm aca-vol-1 >"$tmp/out" 2>&1 && [ "$(arm_get "$SHARE")" = 404 ] &&
	[ "$(arm_get "$STORAGE")" = 404 ] &&
	ok "docker volume rm deletes the storage and the share" ||
	not_ok "volume rm" "$(cat "$tmp/out")" "$(cat "$tmp/arm.out")"

# Without storage-account: a second daemon says what to set.
unset SOCKERLESS_ACA_STORAGE_ACCOUNT
aca_daemon plain || { echo "Bail out! the second daemon did not start"; exit 1; }
docker volume create aca-vol-2 >"$tmp/out" 2>&1
[ $? -ne 0 ] && grep -q SOCKERLESS_ACA_STORAGE_ACCOUNT "$tmp/out" &&
	ok "without storage-account volume create names the variable" ||
	not_ok "no storage account" "$(cat "$tmp/out")"
