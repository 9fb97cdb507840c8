/* oci_fs.h - filesystem helpers for unpacking images and preparing
 * container root filesystems. Paths "in root" are resolved with
 * openat2(RESOLVE_IN_ROOT), so symlinks and ".." inside an image can never
 * lead outside its root directory. */
#ifndef SL_OCI_FS_H
#define SL_OCI_FS_H

#include <sys/types.h>

/* Open rel (relative or absolute, interpreted inside the tree at rootfd)
 * with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS). O_CLOEXEC is
 * added. Returns an fd or -errno. Async-signal-safe. */
int oci_fs_open_in_root(int rootfd, const char *rel, int flags, mode_t mode);

/* mkdir -p of rel inside the tree at rootfd (components resolved in root,
 * existing symlinks followed in root; a symlink to what does not exist yet
 * has its target created, in root, as Docker's FollowSymlinkInScope). Returns an O_PATH|O_DIRECTORY fd of
 * the final directory or -errno (-ENOTDIR if a component is not a
 * directory). No heap use: async-signal-safe, usable in a cloned child. */
int oci_fs_mkdir_in_root(int rootfd, const char *rel, mode_t mode);

/* 1 if openat2(RESOLVE_IN_ROOT) works on this kernel, else 0. */
int oci_fs_have_openat2(void);

/* Remove name (file, symlink or directory tree) relative to dirfd,
 * without following symlinks and without crossing into other mounts.
 * Missing name is not an error. Returns 0 or -errno. */
int oci_fs_rm_rf_at(int dirfd, const char *name);

/* Same for a path. */
int oci_fs_rm_rf(const char *path);

/* Remove every entry of the directory dirfd for which keep(ud, name)
 * returns 0 (keep may be NULL: remove all). Returns 0 or -errno. */
int oci_fs_rm_children_at(int dirfd, int (*keep)(void *ud, const char *name),
			  void *ud);

/* mkdir -p on the host (no in-root resolution). Returns 0 or -errno. */
int oci_fs_mkdir_p(const char *path, mode_t mode);

/* Copy the tree src to the new directory dst preserving type, mode,
 * ownership, times, symlinks, device nodes and hard links within the
 * tree. Returns 0 or -errno. */
int oci_fs_copy_tree(const char *src, const char *dst);

#endif
