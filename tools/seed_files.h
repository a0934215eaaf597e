/*
 * seed_files.h: the demo files seed.c gives its products (a PDF, ZIP
 * archives, course notes and PNG images) and the word lists and
 * pseudo-random sequence both draw from.
 */
#ifndef COLMENA_SEED_FILES_H
#define COLMENA_SEED_FILES_H

#include <stdbool.h>
#include <stdint.h>

#define SEED_FILE_MAX	(256 * 1024)	/* a generated file's hard maximum */

struct buf;

/* What a demo product's file is. */
enum seed_file {
	SEED_FILE_PDF,		/* a one-page PDF */
	SEED_FILE_MUSIC,	/* a ZIP: README.txt, TRACKLIST.txt */
	SEED_FILE_SOFTWARE,	/* a ZIP: README.txt, LICENSE.txt */
	SEED_FILE_TEXT,		/* UTF-8 course notes */
	SEED_FILE__MAX
};

/* A demo product as the file generators see it. */
struct seed_item {
	const char	*id;
	const char	*name;
	const char	*slug;
	const char	*description;
	const char	*store;		/* the store's name */
	enum seed_file	 file;
	bool		 image;
};

/*
 * The word lists (seed_files.c), sized here so nitems() works in seed.c:
 * keep each size equal to its list's word count.
 */
extern const char *const adjectives[20];
extern const char *const nouns[20];

uint64_t	 seed_rand(uint64_t *);
void	 seed_file_make(struct buf *, const struct seed_item *);
void	 seed_png(struct buf *, const struct seed_item *);

#endif
