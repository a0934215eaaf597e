/*
 * sniff.c: content types from magic numbers (and, for ZIP, the first local
 * file header, which is how an EPUB announces itself). Plain text is NUL-free
 * valid UTF-8 over the whole file: binary files fail in their first bytes,
 * so only real text pays for the full read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "log.h"
#include "sniff.h"

#define SNIFF_CHUNK	(64 * 1024)	/* text check reads after the head */
#define EPUB_MIME	"application/epub+zip"

struct sniff_info {
	const char	*name;	/* short name, also the config spelling */
	const char	*mime;
	const char	*what;	/* "the file is ..." */
	const char	*label;	/* in a list of allowed types */
};

static const struct sniff_info infos[SNIFF__MAX] = {
	{ "unknown", "application/octet-stream",
	    "the file's type is not recognised", NULL },	/* SNIFF_UNKNOWN */
	{ "empty", "application/octet-stream",
	    "the file is empty", NULL },			/* SNIFF_EMPTY */
	{ "jpeg", "image/jpeg", "the file is a JPEG image", "JPEG" },
								/* SNIFF_JPEG */
	{ "png", "image/png", "the file is a PNG image", "PNG" },
								/* SNIFF_PNG */
	{ "webp", "image/webp", "the file is a WebP image", "WebP" },
								/* SNIFF_WEBP */
	{ "pdf", "application/pdf", "the file is a PDF document", "PDF" },
								/* SNIFF_PDF */
	{ "zip", "application/zip", "the file is a ZIP archive", "ZIP" },
								/* SNIFF_ZIP */
	{ "epub", EPUB_MIME, "the file is an EPUB book", "EPUB" },
								/* SNIFF_EPUB */
	{ "mp3", "audio/mpeg", "the file is MP3 audio", "MP3" },
								/* SNIFF_MP3 */
	{ "mp4", "video/mp4", "the file is an MP4 video", "MP4" },
								/* SNIFF_MP4 */
	{ "text", "text/plain; charset=utf-8", "the file is plain text",
	    "plain text" },					/* SNIFF_TEXT */
};

/* The order types are listed in refusal messages. */
static const enum sniff_type list_order[] = {
	SNIFF_PDF, SNIFF_ZIP, SNIFF_TEXT, SNIFF_EPUB, SNIFF_MP3, SNIFF_MP4,
	SNIFF_JPEG, SNIFF_PNG, SNIFF_WEBP
};

#define MASK(t)		(1u << (t))
#define IMAGE_TYPES	(MASK(SNIFF_JPEG) | MASK(SNIFF_PNG) | MASK(SNIFF_WEBP))
#define PRODUCT_TYPES	(MASK(SNIFF_PDF) | MASK(SNIFF_ZIP) | MASK(SNIFF_TEXT))

/* Incremental UTF-8 check, so a sequence may straddle two reads. */
struct utf8 {
	unsigned int	 need;	/* continuation bytes still expected */
	uint32_t	 cp;
	uint32_t	 min;	/* smallest code point for this length */
	int		 bad;
};

static uint32_t		 le16(const unsigned char *);
static uint32_t		 le32(const unsigned char *);
static uint32_t		 be32(const unsigned char *);
static void		 utf8_feed(struct utf8 *, const unsigned char *, size_t);
static size_t		 sniff_mp3_frame(const unsigned char *);
static int		 sniff_mp3(const unsigned char *, size_t);
static enum sniff_type	 sniff_zip(const unsigned char *, size_t);
static enum sniff_type	 sniff_magic(const unsigned char *, size_t,
			    const char **);
static void		 sniff_set(struct sniff *, enum sniff_type,
			    const char *);
static unsigned int	 sniff_mask(enum sniff_kind, unsigned int);

static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Same rules as str_utf8_valid(): no NUL, overlong, surrogate or > U+10FFFF. */
static void
utf8_feed(struct utf8 *u, const unsigned char *p, size_t n)
{
	const unsigned char	*e = p + n;
	unsigned int		 c;

	while (p < e && !u->bad) {
		c = *p++;
		if (u->need > 0) {
			if ((c & 0xc0) != 0x80) {
				u->bad = 1;
				break;
			}
			u->cp = u->cp << 6 | (c & 0x3f);
			if (--u->need == 0 && (u->cp < u->min ||
			    u->cp > 0x10ffff ||
			    (u->cp >= 0xd800 && u->cp <= 0xdfff)))
				u->bad = 1;
			continue;
		}
		if (c == 0)
			u->bad = 1;
		else if (c < 0x80)
			continue;
		else if (c >= 0xc2 && c <= 0xdf) {
			u->need = 1;
			u->min = 0x80;
			u->cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			u->need = 2;
			u->min = 0x800;
			u->cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			u->need = 3;
			u->min = 0x10000;
			u->cp = c & 0x07;
		} else
			u->bad = 1;
	}
}

/*
 * Length of the MPEG audio layer III frame whose header is h, or 0 when h
 * is not one: sync, then no reserved version, bitrate (free format is
 * refused too: too rare to be worth the false positives), sample rate or
 * emphasis. Layer I and II are refused: FF FE, the UTF-16 byte order mark,
 * would pass as a layer I header.
 */
static size_t
sniff_mp3_frame(const unsigned char *h)
{
	static const unsigned int v1[16] = { 0, 32, 40, 48, 56, 64, 80, 96,
	    112, 128, 160, 192, 224, 256, 320, 0 };
	static const unsigned int v2[16] = { 0, 8, 16, 24, 32, 40, 48, 56,
	    64, 80, 96, 112, 128, 144, 160, 0 };
	static const unsigned int rates[3] = { 44100, 48000, 32000 };
	unsigned int	 version, br, sr;

	if (h[0] != 0xff || (h[1] & 0xe0) != 0xe0)
		return 0;
	version = h[1] >> 3 & 3;	/* 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5 */
	if (version == 1 || (h[1] >> 1 & 3) != 1)
		return 0;
	if ((h[2] >> 4) == 0 || (h[2] >> 4) == 15 || (h[2] >> 2 & 3) == 3 ||
	    (h[3] & 3) == 2)
		return 0;
	sr = rates[h[2] >> 2 & 3] >> (version == 3 ? 0 : version == 2 ? 1 : 2);
	if (version == 3) {
		br = v1[h[2] >> 4];
		return 144000 * br / sr + (h[2] >> 1 & 1);
	}
	br = v2[h[2] >> 4];
	return 72000 * br / sr + (h[2] >> 1 & 1);
}

/*
 * MP3 by frame sync: a valid first frame header and, when the bytes are
 * there, a second one right after the first frame.
 */
static int
sniff_mp3(const unsigned char *h, size_t n)
{
	size_t	 len;

	if ((len = sniff_mp3_frame(h)) == 0)
		return 0;
	if (n >= len + 4)
		return sniff_mp3_frame(h + len) != 0;
	return 1;
}

/*
 * A ZIP local file header (30 bytes) or an empty archive's end record (22).
 * OCF: an EPUB's first entry is "mimetype", stored, holding exactly
 * "application/epub+zip". Returns SNIFF_UNKNOWN for a truncated header.
 */
static enum sniff_type
sniff_zip(const unsigned char *h, size_t n)
{
	size_t	 nlen, xlen, data;

	if (memcmp(h, "PK\x05\x06", 4) == 0)
		return n >= 22 ? SNIFF_ZIP : SNIFF_UNKNOWN;
	if (n < 30)
		return SNIFF_UNKNOWN;
	nlen = le16(h + 26);
	xlen = le16(h + 28);
	data = 30 + nlen + xlen;
	if ((le16(h + 6) & 1) == 0 && le16(h + 8) == 0 && nlen == 8 &&
	    memcmp(h + 30, "mimetype", 8) == 0 &&
	    le32(h + 18) == sizeof(EPUB_MIME) - 1 &&
	    le32(h + 22) == sizeof(EPUB_MIME) - 1 &&
	    n >= data + sizeof(EPUB_MIME) - 1 &&
	    memcmp(h + data, EPUB_MIME, sizeof(EPUB_MIME) - 1) == 0)
		return SNIFF_EPUB;
	return SNIFF_ZIP;
}

/*
 * The type announced by the first n bytes, or SNIFF_UNKNOWN (text is the
 * caller's business). *mime is set when a subtype refines the default.
 * A little stricter than the bare magic numbers: PNG needs its IHDR chunk,
 * WebP a VP8/VP8L/VP8X chunk, PDF a version digit, ZIP a whole header,
 * MP4 a plausible ftyp box that is not a HEIF/AVIF image.
 */
static enum sniff_type
sniff_magic(const unsigned char *h, size_t n, const char **mime)
{
	*mime = NULL;
	if (n >= 3 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff)
		return SNIFF_JPEG;
	if (n >= 16 && memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0 &&
	    memcmp(h + 12, "IHDR", 4) == 0)
		return SNIFF_PNG;
	if (n >= 16 && memcmp(h, "RIFF", 4) == 0 &&
	    memcmp(h + 8, "WEBPVP8", 7) == 0 &&
	    (h[15] == ' ' || h[15] == 'L' || h[15] == 'X'))
		return SNIFF_WEBP;
	if (n >= 6 && memcmp(h, "%PDF-", 5) == 0 && h[5] >= '0' && h[5] <= '9')
		return SNIFF_PDF;
	if (n >= 4 && (memcmp(h, "PK\x03\x04", 4) == 0 ||
	    memcmp(h, "PK\x05\x06", 4) == 0))
		return sniff_zip(h, n);
	if (n >= 12 && memcmp(h + 4, "ftyp", 4) == 0 && be32(h) >= 16) {
		/* HEIF and AVIF images and camera raw share the box. */
		if (memcmp(h + 8, "heic", 4) == 0 ||
		    memcmp(h + 8, "heix", 4) == 0 ||
		    memcmp(h + 8, "hevc", 4) == 0 ||
		    memcmp(h + 8, "mif1", 4) == 0 ||
		    memcmp(h + 8, "msf1", 4) == 0 ||
		    memcmp(h + 8, "avif", 4) == 0 ||
		    memcmp(h + 8, "avis", 4) == 0 ||
		    memcmp(h + 8, "crx ", 4) == 0)
			return SNIFF_UNKNOWN;
		if (memcmp(h + 8, "M4A ", 4) == 0 ||
		    memcmp(h + 8, "M4B ", 4) == 0)
			*mime = "audio/mp4";
		return SNIFF_MP4;
	}
	if (n >= 10 && memcmp(h, "ID3", 3) == 0 && h[3] >= 2 && h[3] <= 4 &&
	    h[4] != 0xff && ((h[6] | h[7] | h[8] | h[9]) & 0x80) == 0)
		return SNIFF_MP3;
	if (n >= 4 && sniff_mp3(h, n))
		return SNIFF_MP3;
	return SNIFF_UNKNOWN;
}

static void
sniff_set(struct sniff *r, enum sniff_type t, const char *mime)
{
	r->type = t;
	r->name = infos[t].name;
	r->mime = mime != NULL ? mime : infos[t].mime;
}

/*
 * Classify n bytes held in memory, taken as the whole content. Fills r
 * with static strings.
 */
void
sniff_buf(const void *p, size_t n, struct sniff *r)
{
	struct utf8	 u;
	const char	*mime;
	enum sniff_type	 t;

	if (n == 0) {
		sniff_set(r, SNIFF_EMPTY, NULL);
		return;
	}
	if ((t = sniff_magic(p, n, &mime)) != SNIFF_UNKNOWN) {
		sniff_set(r, t, mime);
		return;
	}
	memset(&u, 0, sizeof(u));
	utf8_feed(&u, p, n);
	sniff_set(r, !u.bad && u.need == 0 ? SNIFF_TEXT : SNIFF_UNKNOWN, NULL);
}

/*
 * Classify the file open on fd from its content, read with pread() so the
 * file offset is left alone (fd must be a regular file). Text is checked
 * to the end of the file. Returns 0 with r filled (perhaps SNIFF_UNKNOWN),
 * or -1 with errno set and r set to SNIFF_UNKNOWN when reading fails.
 */
int
sniff_fd(int fd, struct sniff *r)
{
	struct utf8	 u;
	unsigned char	*h;
	const char	*mime;
	enum sniff_type	 t;
	size_t		 n = 0;
	off_t		 off;
	ssize_t		 k;
	int		 rc = -1, eof = 0;

	sniff_set(r, SNIFF_UNKNOWN, NULL);
	h = xmalloc(SNIFF_HEAD > SNIFF_CHUNK ? SNIFF_HEAD : SNIFF_CHUNK);
	while (n < SNIFF_HEAD) {
		if ((k = pread(fd, h + n, SNIFF_HEAD - n, (off_t)n)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (k == 0) {
			eof = 1;
			break;
		}
		n += (size_t)k;
	}
	if (eof) {
		sniff_buf(h, n, r);
		rc = 0;
		goto fail;
	}
	if ((t = sniff_magic(h, n, &mime)) != SNIFF_UNKNOWN) {
		sniff_set(r, t, mime);
		rc = 0;
		goto fail;
	}
	memset(&u, 0, sizeof(u));
	utf8_feed(&u, h, n);
	for (off = (off_t)n; !u.bad; off += k) {
		if ((k = pread(fd, h, SNIFF_CHUNK, off)) == -1) {
			if (errno == EINTR) {
				k = 0;
				continue;
			}
			goto fail;
		}
		if (k == 0)
			break;
		utf8_feed(&u, h, (size_t)k);
	}
	if (!u.bad && u.need == 0)
		sniff_set(r, SNIFF_TEXT, NULL);
	rc = 0;
fail:
	free(h);
	return rc;
}

/*
 * Classify the file at path; see sniff_fd(). Returns 0, or -1 with errno
 * set when it cannot be opened or read.
 */
int
sniff_file(const char *path, struct sniff *r)
{
	int	 fd, rc, saved;

	sniff_set(r, SNIFF_UNKNOWN, NULL);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	rc = sniff_fd(fd, r);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/*
 * Parse the extra product file types allowed by configuration, a comma
 * separated list of short names ("epub,mp3,mp4"; case and blanks around
 * names ignored; empty means none). Returns 0 with the set in *mask, or
 * -1 with a static message in *errstr.
 */
int
sniff_extras_parse(const char *s, unsigned int *mask, const char **errstr)
{
	const char	*p, *e, *q;
	size_t		 n, i;
	int		 t;
	char		 c;

	*mask = 0;
	*errstr = NULL;
	if (s == NULL)
		return 0;
	for (p = s; *p == ' ' || *p == '\t'; p++)
		continue;
	if (*p == '\0')
		return 0;
	for (p = s;; p = e + 1) {
		e = p + strcspn(p, ",");
		for (q = p; q < e && (*q == ' ' || *q == '\t'); q++)
			continue;
		for (n = (size_t)(e - q); n > 0 &&
		    (q[n - 1] == ' ' || q[n - 1] == '\t'); n--)
			continue;
		if (n == 0) {
			*errstr = "an empty name in the list of file types";
			return -1;
		}
		for (t = SNIFF_JPEG; t < SNIFF__MAX; t++) {
			if (strlen(infos[t].name) != n)
				continue;
			for (i = 0; i < n; i++) {
				c = q[i];
				if (c >= 'A' && c <= 'Z')
					c += 'a' - 'A';
				if (c != infos[t].name[i])
					break;
			}
			if (i == n)
				break;
		}
		if (t == SNIFF__MAX) {
			*errstr = "an unknown file type (known: pdf, zip, text, "
			    "epub, mp3, mp4, jpeg, png, webp)";
			return -1;
		}
		*mask |= MASK(t);
		if (*e == '\0')
			return 0;
	}
}

static unsigned int
sniff_mask(enum sniff_kind kind, unsigned int extras)
{
	if (kind == SNIFF_KIND_IMAGE)
		return IMAGE_TYPES;
	return PRODUCT_TYPES | (extras & ~(MASK(SNIFF_UNKNOWN) |
	    MASK(SNIFF_EMPTY)));
}

/*
 * True if a file classified as r may be used as kind: images are JPEG,
 * PNG or WebP; product files PDF, ZIP or plain text plus the extras from
 * sniff_extras_parse() (an EPUB is a ZIP inside, but is only allowed when
 * "epub" is an extra). Unknown and empty files are never allowed.
 */
bool
sniff_allowed(enum sniff_kind kind, const struct sniff *r,
    unsigned int extras)
{
	if (r->type == SNIFF_UNKNOWN || r->type == SNIFF_EMPTY)
		return false;
	return (sniff_mask(kind, extras) & MASK(r->type)) != 0;
}

/*
 * Why r is refused as kind, for the user: "the file is a PNG image;
 * product files may be PDF, ZIP, plain text, EPUB". Lives in the arena.
 */
char *
sniff_refusal(struct arena *a, enum sniff_kind kind, const struct sniff *r,
    unsigned int extras)
{
	struct buf	 b;
	unsigned int	 mask;
	size_t		 i;
	int		 first = 1;
	char		*s;

	mask = sniff_mask(kind, extras);
	buf_init(&b, 512);
	buf_puts(&b, infos[r->type].what);
	buf_puts(&b, kind == SNIFF_KIND_IMAGE ? "; images may be " :
	    "; product files may be ");
	for (i = 0; i < nitems(list_order); i++) {
		if ((mask & MASK(list_order[i])) == 0)
			continue;
		if (!first)
			buf_puts(&b, ", ");
		buf_puts(&b, infos[list_order[i]].label);
		first = 0;
	}
	s = arena_strdup(a, b.data);
	buf_clear(&b);
	return s;
}

/*
 * The short name of t ("pdf"), as used in configuration.
 */
const char *
sniff_type_name(enum sniff_type t)
{
	return t < SNIFF__MAX ? infos[t].name : infos[SNIFF_UNKNOWN].name;
}
