/*
 * imgpull.h - pulling an image's record from its registry: the manifest
 * (through a manifest list / OCI index to the requested platform) and the
 * config, checked against its digest. Layers are not downloaded: the
 * backend's cloud pulls them from the registry itself.
 *
 * Registry selection is dockerd's: Docker Hub names go to the first
 * --registry-mirror when one is set (else registry-1.docker.io); loopback
 * registries and --insecure-registry hosts are contacted over plain HTTP.
 *
 * Thread safety: sl_imgpull_configure runs once before any request;
 * sl_imgpull may run on several threads at once.
 */
#ifndef SL_IMGPULL_H
#define SL_IMGPULL_H

#include <stddef.h>

struct json_object;
struct oci_credentials;

/* A registry silent this long (seconds) in the middle of an answer fails
 * the request: a hung registry must not hold a pull for ever. */
#define SL_IMGPULL_STALL_S 15

/* Borrows the strings (main's argv): they must outlive the daemon. A mirror
 * is a URL ("http://127.0.0.1:5000" or "https://mirror.example"); an
 * insecure registry is "host[:port]". Returns 0 or -1 with a message. */
int sl_imgpull_configure(const char *const *mirrors, size_t n_mirrors,
			 const char *const *insecure, size_t n_insecure,
			 char *err, size_t errlen);

/* Where `registry` (normalised: "docker.io" for Docker Hub) is contacted:
 * *host ("host[:port]", heap, caller frees) and *plain (1: plain HTTP).
 * Returns 0 or -1 (out of memory). */
int sl_imgpull_endpoint(const char *registry, char **host, int *plain);

struct oci_reg_opts;
struct oci_credentials;

/* Fills *ro for talking to host about repository the way every pull does
 * (timeouts, stall limit, user agent).  Borrows every string. */
void sl_imgpull_reg_opts(struct oci_reg_opts *ro, const char *host, int plain,
			 const char *repository, const char *display_ref,
			 const struct oci_credentials *creds);

/* Receives each progress message (a JSON object, borrowed for the call) in
 * the order dockerd sends them. */
typedef void (*sl_imgpull_out_fn)(void *ud, struct json_object *msg);

/*
 * Pulls `ref` (any reference text; "busybox" means busybox:latest) for
 * `platform` ("os/arch[/variant]"; NULL or "" for linux/amd64) with creds
 * (NULL: anonymous), storing the record (core/image.h) and publishing the
 * pull event.  The backend's images hooks take part: resolve may rewrite
 * the reference pulled (records keep the client's name), credentials
 * supplies them when creds is NULL.  The client's creds, once a pull
 * succeeded with them, go to the credential store (core/credstore.h). Returns 0, or -1 with dockerd's message in err and the HTTP
 * status dockerd would answer in *status (400 bad reference or platform,
 * 404 not found or access denied, 500 otherwise).
 */
int sl_imgpull(const char *ref, const char *platform, const struct oci_credentials *creds,
	       sl_imgpull_out_fn out, void *ud, char *err, size_t errlen,
	       unsigned int *status);

/*
 * GET /distribution/{name}/json (core/imgdist.c): *out (caller puts) is
 * {"Descriptor": {mediaType, digest, size} of the manifest or index the
 * registry serves for ref, "Platforms": [{architecture, os, variant?}]}.
 * Returns 0, or -1 with a message and the HTTP status (400 bad reference,
 * 401 denied, 404 unknown, 500 otherwise).
 */
int sl_imgpull_distribution(const char *ref, const struct oci_credentials *creds,
			    struct json_object **out, char *err, size_t errlen,
			    unsigned int *status);

#endif
