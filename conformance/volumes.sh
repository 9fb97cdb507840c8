# conformance/volumes.sh - the volumes hooks: create and remove, a volume
# in use, data that outlives a container.

vo_create_remove() {
	dk_ok volume create kit-vol1 || return 1
	dk_ok volume inspect -f '{{.Name}}' kit-vol1 || return 1
	want "volume inspect" "$OUT" kit-vol1 || return 1
	dk_ok volume rm kit-vol1 || return 1
	dk volume inspect kit-vol1 || return 1
	[ "$RC" != 0 ] || fail "the volume is still there after rm"
}

vo_in_use() {
	dk_ok volume create kit-vol2 || return 1
	dk_ok create --name kit-vol-user -v kit-vol2:/data "$SL_IMAGE" true || return 1
	dk volume rm kit-vol2 || return 1
	[ "$RC" != 0 ] || { fail "rm of a volume a container uses succeeded"; return 1; }
	case $ERR in *"in use"*) ;; *) fail "rm of a volume in use: $ERR"; return 1 ;; esac
	dk_ok rm kit-vol-user || return 1
	dk_ok volume rm kit-vol2
}

vo_persists() {
	dk_ok volume create kit-vol3 || return 1
	dk_ok run --rm -v kit-vol3:/data "$SL_IMAGE" sh -c 'echo kept > /data/f' || return 1
	dk_ok run --rm -v kit-vol3:/data "$SL_IMAGE" cat /data/f || return 1
	want "data written by one container, read by the next" "$OUT" kept
}

group_volumes() {
	scenario volumes/create-remove volumes vo_create_remove
	scenario volumes/in-use volumes vo_in_use
	scenario volumes/data-persists volumes vo_persists
}
