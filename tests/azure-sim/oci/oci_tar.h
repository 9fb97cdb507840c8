/* oci_tar.h - apply one image layer (tar, plain or gzip- or
 * zstd-compressed) to a root filesystem directory, with OCI whiteouts:
 *   ".wh.<name>"   removes <name> from lower layers,
 *   ".wh..wh..opq" hides every lower-layer entry of its directory;
 * entries created by the same layer are never removed by its whiteouts.
 * Entry names are cleaned lexically ("..", "." and leading '/' can not go
 * above the root) and every parent directory is resolved inside the root
 * (openat2 RESOLVE_IN_ROOT), so neither "../" names nor symlinks planted
 * by earlier entries can write outside it. Hard link targets are resolved
 * the same way. Block and character device nodes are not created (a note
 * goes to stderr); FIFOs are. The tar formats (ustar, GNU, PAX) and the
 * decompression are libarchive's; the writes are ours. */
#ifndef SL_OCI_TAR_H
#define SL_OCI_TAR_H

#include "oci_image.h"

/* Unpack the layer read from blob_fd into the directory rootfd. The
 * compression is detected from the data (gzip, zstd or none).
 * If diff_id is not NULL, the sha256 of the uncompressed tar must equal
 * it. Returns 0 or a negative enum oci_status with err filled. */
int oci_layer_unpack(int rootfd, int blob_fd, const char *diff_id,
		     struct oci_err *err);

/* Clean a tar entry name into a root-relative path without ".", ".." or
 * empty components ("" means the root itself). out must hold
 * strlen(name) + 1 bytes. Exposed for tests. */
void oci_tar_clean_path(const char *name, char *out);

#endif
