/*
 * image.h - the image records: what a pull learnt about an image (its
 * config, manifest digest and layer sizes; never its layers, which the
 * backend's cloud pulls itself), kept under <data_root>/images/ so they
 * survive restarts like containers do.
 *
 * A record is a JSON object:
 *   {"Id":"sha256:<config hex>", "RepoTags":["docker.io/library/busybox:latest"],
 *    "RepoDigests":["docker.io/library/busybox@sha256:..."], "Created":"...",
 *    "Architecture":"amd64", "Os":"linux", "Variant":"", "Size":N,
 *    "Config":{...}, "RootFS":{"Type":"layers","Layers":[...]},
 *    "History":[...], "Author":"", "Comment":"", "DockerVersion":"",
 *    "LastTagTime":"..."}
 * with references stored in their canonical form (core/imageref.c); the API
 * shows them familiar ("busybox:latest") as dockerd does. The store id is
 * the config digest's hex.
 *
 * Thread safety: every function may be called from any thread; one mutex
 * guards the table, records handed out are deep copies.
 */
#ifndef SL_IMAGE_H
#define SL_IMAGE_H

#include <stddef.h>

struct json_object;
struct sl_store;

/* Loads the records of the data root. Returns 0 or a negative errno. */
int sl_image_init(struct sl_store *st);

/* Finds an image as dockerd's GetImage does: a full or "sha256:" ID, a
 * unique ID prefix, or a name reference (tag or digest; "busybox" means
 * busybox:latest). Returns a deep copy the caller puts, or NULL. */
struct json_object *sl_image_find(const char *name);

/*
 * Stores a pulled image (takes rec), tagging it with the canonical refs
 * tag_ref and digest_ref (each may be NULL); a tag or digest ref another
 * image had moves to this one, as with dockerd. Records whose tags and digests all moved
 * away are kept (dangling) like dockerd's. *was_current (may be NULL) is
 * set when this image already existed with tag_ref (or digest_ref) on it:
 * "Image is up to date". Returns 0 or a negative errno (nothing changed).
 */
int sl_image_add(struct json_object *rec, const char *tag_ref, const char *digest_ref,
		 int *was_current);

/* Deep copies of every record, as a JSON array the caller puts (NULL on
 * allocation failure). */
struct json_object *sl_image_all(void);

/* Puts the canonical tag ref on image id ("sha256:..."), moving it from any
 * other image. Returns 0, -ENOENT (no such image) or a negative errno. */
int sl_image_tag(const char *id, const char *ref);

/* Takes the canonical ref (a tag or a digest ref) off image id. Returns 0,
 * -ENOENT when the image or the ref is not there, or a negative errno. */
int sl_image_untag(const char *id, const char *ref);

/* Drops the record of image id. Returns 0, -ENOENT or a negative errno. */
int sl_image_delete(const char *id);

/* Number of records (for /info). */
int sl_image_count(void);

/* "docker.io/library/busybox:latest" -> "busybox:latest" (reference.
 * FamiliarString). malloc'd; NULL on allocation failure. */
char *sl_image_familiar(const char *canon);

/*
 * Merges into a container create body (a JSON object) what dockerd takes
 * from the image config icfg at create besides Env, Cmd and the rest
 * (those are sl_ctr_from_create's): ExposedPorts and Volumes, each the
 * union of the body's and the image's. The image's Volumes then become
 * anonymous volumes unless a mount covers the path (sl_vol_ctr_prepare).
 * icfg may be NULL. Returns 0 or -ENOMEM (body may hold part of it).
 */
int sl_image_merge_create(struct json_object *body, struct json_object *icfg);

#endif
