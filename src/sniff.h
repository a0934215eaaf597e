/*
 * sniff.h: what a stored file is, decided from its bytes alone: never from
 * its name or the client's Content-Type. Plus the allow-lists for store
 * images and product files, with a message that says why a file is refused.
 */
#ifndef COLMENA_SNIFF_H
#define COLMENA_SNIFF_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

enum sniff_type {
	SNIFF_UNKNOWN,
	SNIFF_EMPTY,
	SNIFF_JPEG,
	SNIFF_PNG,
	SNIFF_WEBP,
	SNIFF_PDF,
	SNIFF_ZIP,
	SNIFF_EPUB,
	SNIFF_MP3,
	SNIFF_MP4,
	SNIFF_TEXT,
	SNIFF__MAX
};

enum sniff_kind {
	SNIFF_KIND_IMAGE,	/* store and product images */
	SNIFF_KIND_PRODUCT,	/* files buyers download */
	SNIFF_KIND__MAX
};

struct sniff {
	enum sniff_type	 type;
	const char	*name;	/* "pdf", "text", ...; "unknown", "empty" */
	const char	*mime;	/* "application/pdf"; unknown: octet-stream */
};

/* Bytes read from the front of a file: enough for any EPUB's first entry. */
#define SNIFF_HEAD	(30 + 8 + 65535 + 20)

int		 sniff_fd(int fd, struct sniff *);
int		 sniff_file(const char *path, struct sniff *);
void		 sniff_buf(const void *, size_t, struct sniff *);
int		 sniff_extras_parse(const char *, unsigned int *mask,
		    const char **errstr);
bool		 sniff_allowed(enum sniff_kind, const struct sniff *,
		    unsigned int extras);
char		*sniff_refusal(struct arena *, enum sniff_kind,
		    const struct sniff *, unsigned int extras);
const char	*sniff_type_name(enum sniff_type);

#endif
