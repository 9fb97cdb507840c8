/*
 * imageref.h - image references as dockerd parses them.
 *
 * The grammar is distribution/reference's (the one dockerd vendors):
 * lowercase path components joined by "/", separated inside by ".",
 * "_", "__" or dashes; an optional registry domain (a host name, an IPv4
 * or a bracketed IPv6 address, with an optional port); an optional tag
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; an optional digest "algo:hex".
 */
#ifndef SL_IMAGEREF_H
#define SL_IMAGEREF_H

#include <stddef.h>

enum sl_imageref_kind {
	SL_IMAGEREF_NAME = 0,   /* a repository name, maybe tagged/digested */
	SL_IMAGEREF_ID = 1      /* an image ID: 64 hex digits or "sha256:..." */
};

/*
 * Parses a reference as dockerd's container create does
 * (reference.ParseAnyReference).  For a name, *out is the canonical form
 * the record keeps: "alpine" -> "docker.io/library/alpine:latest",
 * "localhost:5000/app@sha256:..." unchanged.  For an ID, *out is the
 * input.  Returns the kind, with *out malloc'd (the caller frees it), or
 * -1 with dockerd's message in err (e.g. "invalid reference format") and
 * *out NULL.
 */
int sl_imageref_parse(const char *in, char **out, char *err, size_t errlen);

/*
 * reference.FamiliarName(ParseNormalizedNamed(in)), the name dockerd's
 * filters compare: "docker.io/library/alpine:3.19" -> "alpine",
 * "reg.example:5000/app@sha256:..." -> "reg.example:5000/app".  NULL when
 * in is not a name.  The caller frees the result.
 */
char *sl_imageref_familiar_name(const char *in);

#endif
