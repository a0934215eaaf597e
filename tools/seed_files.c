/*
 * seed_files.c: the files seed-demo gives its products, made from their
 * text alone so the same product always gets the same bytes, and the
 * word lists and pseudo-random sequence the demo catalog is drawn from.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "seed_files.h"

#define SEED_IMAGE_SIDE	128	/* pixels */
#define SEED_WIDTH	72	/* bytes in a line of a generated text */
/* Every ZIP entry's date: 2025-01-01 12:00, in MS-DOS form. */
#define SEED_DOS_DATE	((2025 - 1980) << 9 | 1 << 5 | 1)
#define SEED_DOS_TIME	(12 << 11)

/* The demo data's vocabulary: product names and track titles. */
const char *const adjectives[] = {
	"Amber", "Silent", "Golden", "Wild", "Urban", "Midnight", "Honeyed",
	"Northern", "Electric", "Gentle", "Hidden", "Radiant", "Curious",
	"Modern", "Ancient", "Quiet", "Bold", "Velvet", "Crystal", "Rustic",
};
const char *const nouns[] = {
	"Hive", "Garden", "Meadow", "Harbor", "Forest", "River", "Orchard",
	"Canyon", "Lantern", "Compass", "Atlas", "Workshop", "Studio",
	"Kitchen", "Observatory", "Library", "Market", "Island", "Valley",
	"Summit",
};

static const char *const lessons[] = {
	"Getting started", "Tools and materials", "Your first project",
	"Common mistakes and how to avoid them", "Going further",
};

/*
 * The next number of the pseudo-random sequence whose state is *s: the
 * same seed gives the same sequence, so every run makes the same data.
 */
uint64_t
seed_rand(uint64_t *s)
{
	/* xorshift64*: small, fast and the same on every machine. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/*
 * Generated files. Each generator appends one whole, valid file to a buf
 * (whose sticky error the caller checks) from the product's text alone,
 * so the same product always gets the same bytes.
 */

/* FNV-1a: a product's colour and track list come from its slug. */
static uint32_t
seed_hash(const char *s)
{
	uint32_t	 h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* CRC-32 (IEEE 802.3, as ZIP and PNG use it) of p[0..n), continuing crc. */
static uint32_t
seed_crc32(uint32_t crc, const void *p, size_t n)
{
	static uint32_t		 table[256];
	const unsigned char	*b = p;
	uint32_t		 c;
	size_t			 i;
	int			 k;

	if (table[1] == 0)
		for (i = 0; i < 256; i++) {
			for (c = (uint32_t)i, k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ c >> 1 : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	for (i = 0; i < n; i++)
		crc = table[(crc ^ b[i]) & 0xff] ^ crc >> 8;
	return ~crc;
}

static void
seed_le16(struct buf *b, uint32_t v)
{
	const unsigned char	 x[2] = { v & 0xff, v >> 8 & 0xff };

	buf_add(b, x, sizeof(x));
}

static void
seed_le32(struct buf *b, uint32_t v)
{
	const unsigned char	 x[4] = { v & 0xff, v >> 8 & 0xff,
	    v >> 16 & 0xff, v >> 24 & 0xff };

	buf_add(b, x, sizeof(x));
}

static void
seed_be32(struct buf *b, uint32_t v)
{
	const unsigned char	 x[4] = { v >> 24 & 0xff, v >> 16 & 0xff,
	    v >> 8 & 0xff, v & 0xff };

	buf_add(b, x, sizeof(x));
}

/*
 * The next line of at most width bytes of the text at *p, broken at a
 * space (a longer word is cut); advances *p past it. False at the end.
 */
static bool
seed_line(const char **p, size_t width, const char **line, size_t *len)
{
	const char	*s = *p;
	size_t		 i, n;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return false;
	for (i = 0; s[i] != '\0' && i < width; i++)
		;
	n = i;
	if (s[i] != '\0' && s[i] != ' ') {
		while (n > 0 && s[n] != ' ')
			n--;
		if (n == 0)
			n = i;
	}
	*line = s;
	*len = n;
	*p = s + n;
	return true;
}

/* Append text wrapped at SEED_WIDTH, each line ended by a newline. */
static void
seed_wrap(struct buf *b, const char *text)
{
	const char	*line;
	size_t		 n;

	while (seed_line(&text, SEED_WIDTH, &line, &n)) {
		buf_add(b, line, n);
		buf_putc(b, '\n');
	}
}

/* The common head of the README and the course notes (UTF-8). */
static void
seed_text_head(struct buf *b, const struct seed_item *it)
{
	size_t	 i, n = strlen(it->name);

	buf_printf(b, "%s\n", it->name);
	for (i = 0; i < n; i++)
		buf_putc(b, '=');
	buf_printf(b, "\n\n%s \xe2\x80\x94 demo download\n\n", it->store);
	seed_wrap(b, it->description);
}

static void
seed_text_foot(struct buf *b)
{
	buf_putc(b, '\n');
	seed_wrap(b, "This file was made by \xe2\x80\x9c" "colmena seed-demo\xe2\x80\x9d"
	    " so that the demo store has something real to sell and deliver."
	    " Upload the product\xe2\x80\x99s own file in the admin to replace it:"
	    " buyers who paid already keep the version they bought.");
}

/* Course notes: a UTF-8 text file. */
static void
seed_text(struct buf *b, const struct seed_item *it)
{
	size_t	 i;

	seed_text_head(b, it);
	buf_puts(b, "\nLessons\n");
	for (i = 0; i < nitems(lessons); i++)
		buf_printf(b, "  %zu. %s\n", i + 1, lessons[i]);
	seed_text_foot(b);
}

/* n bytes of s as a PDF literal string: ( ) \ escaped, only ASCII. */
static void
seed_pdf_string(struct buf *b, const char *s, size_t n)
{
	size_t	 i;

	buf_putc(b, '(');
	for (i = 0; i < n; i++) {
		if (s[i] == '(' || s[i] == ')' || s[i] == '\\')
			buf_putc(b, '\\');
		buf_putc(b, (unsigned char)s[i] < 0x20 ||
		    (unsigned char)s[i] > 0x7e ? '?' : s[i]);
	}
	buf_putc(b, ')');
}

/* Lines of wrapped text in a PDF text object (leading already set). */
static void
seed_pdf_lines(struct buf *b, const char *text, size_t width)
{
	const char	*line;
	size_t		 n;

	while (seed_line(&text, width, &line, &n)) {
		seed_pdf_string(b, line, n);
		buf_puts(b, " Tj T*\n");
	}
}

/*
 * A PDF 1.4 of one US Letter page: the product's name, its store and its
 * description in Helvetica. The cross-reference table holds each object's
 * byte offset, measured as the file is written.
 */
static void
seed_pdf(struct buf *b, const struct seed_item *it)
{
	struct buf	 c;
	size_t		 off[8], xref, i;

	buf_init(&c, SEED_FILE_MAX);
	buf_puts(&c, "BT\n/F2 20 Tf\n72 700 Td\n");
	seed_pdf_string(&c, it->name, strlen(it->name));
	buf_puts(&c, " Tj\n/F1 12 Tf\n0 -26 Td\n");
	seed_pdf_string(&c, it->store, strlen(it->store));
	buf_puts(&c, " Tj\n/F1 11 Tf\n15 TL\n0 -36 Td\n");
	seed_pdf_lines(&c, it->description, 80);
	buf_puts(&c, "/F1 9 Tf\n12 TL\nT* T*\n");
	seed_pdf_lines(&c, "This file was made by colmena seed-demo so that the"
	    " demo store has something real to sell and deliver. Upload the"
	    " product's own file in the admin to replace it: buyers who paid"
	    " already keep the version they bought.", 95);
	buf_puts(&c, "ET\n");

	buf_puts(b, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
	off[1] = b->len;
	buf_puts(b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	off[2] = b->len;
	buf_puts(b, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\n"
	    "endobj\n");
	off[3] = b->len;
	buf_puts(b, "3 0 obj\n<< /Type /Page /Parent 2 0 R"
	    " /MediaBox [0 0 612 792]"
	    " /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >>"
	    " /Contents 6 0 R >>\nendobj\n");
	off[4] = b->len;
	buf_puts(b, "4 0 obj\n<< /Type /Font /Subtype /Type1"
	    " /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>\nendobj\n");
	off[5] = b->len;
	buf_puts(b, "5 0 obj\n<< /Type /Font /Subtype /Type1"
	    " /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>\n"
	    "endobj\n");
	off[6] = b->len;
	buf_printf(b, "6 0 obj\n<< /Length %zu >>\nstream\n", c.len);
	buf_add(b, c.data, c.len);
	buf_puts(b, "\nendstream\nendobj\n");
	off[7] = b->len;
	buf_puts(b, "7 0 obj\n<< /Title ");
	seed_pdf_string(b, it->name, strlen(it->name));
	buf_puts(b, " /Producer (ColmenaCommerce colmena seed-demo) >>\n"
	    "endobj\n");
	xref = b->len;
	buf_puts(b, "xref\n0 8\n0000000000 65535 f \n");
	for (i = 1; i < nitems(off); i++)
		buf_printf(b, "%010zu 00000 n \n", off[i]);
	buf_printf(b, "trailer\n<< /Size 8 /Root 1 0 R /Info 7 0 R >>\n"
	    "startxref\n%zu\n%%%%EOF\n", xref);
	if (c.err)
		b->err = true;
	buf_clear(&c);
}

/* One member of a generated ZIP archive. */
struct seed_member {
	const char	*name;
	struct buf	 data;
	uint32_t	 crc;
	size_t		 offset;	/* of its local header */
};

/*
 * A ZIP archive of the n members, stored (no compression): a local
 * header and the bytes of each, then the central directory and its end
 * record. Sizes and offsets are far below the ZIP64 limits.
 */
static void
seed_zip(struct buf *b, struct seed_member *m, size_t n)
{
	size_t	 i, cd, cdlen;

	for (i = 0; i < n; i++) {
		m[i].crc = seed_crc32(0, m[i].data.data, m[i].data.len);
		m[i].offset = b->len;
		seed_le32(b, 0x04034b50);
		seed_le16(b, 10);			/* version needed: 1.0 */
		seed_le16(b, 0);			/* flags */
		seed_le16(b, 0);			/* stored */
		seed_le16(b, SEED_DOS_TIME);
		seed_le16(b, SEED_DOS_DATE);
		seed_le32(b, m[i].crc);
		seed_le32(b, (uint32_t)m[i].data.len);	/* compressed */
		seed_le32(b, (uint32_t)m[i].data.len);
		seed_le16(b, (uint32_t)strlen(m[i].name));
		seed_le16(b, 0);			/* extra field */
		buf_puts(b, m[i].name);
		buf_add(b, m[i].data.data, m[i].data.len);
	}
	cd = b->len;
	for (i = 0; i < n; i++) {
		seed_le32(b, 0x02014b50);
		seed_le16(b, 3 << 8 | 20);		/* made by: Unix, 2.0 */
		seed_le16(b, 10);
		seed_le16(b, 0);
		seed_le16(b, 0);
		seed_le16(b, SEED_DOS_TIME);
		seed_le16(b, SEED_DOS_DATE);
		seed_le32(b, m[i].crc);
		seed_le32(b, (uint32_t)m[i].data.len);
		seed_le32(b, (uint32_t)m[i].data.len);
		seed_le16(b, (uint32_t)strlen(m[i].name));
		seed_le16(b, 0);			/* extra field */
		seed_le16(b, 0);			/* comment */
		seed_le16(b, 0);			/* disk */
		seed_le16(b, 1);			/* internal: text */
		seed_le32(b, 0100644u << 16);		/* external: -rw-r--r-- */
		seed_le32(b, (uint32_t)m[i].offset);
		buf_puts(b, m[i].name);
	}
	cdlen = b->len - cd;
	seed_le32(b, 0x06054b50);
	seed_le16(b, 0);
	seed_le16(b, 0);
	seed_le16(b, (uint32_t)n);
	seed_le16(b, (uint32_t)n);
	seed_le32(b, (uint32_t)cdlen);
	seed_le32(b, (uint32_t)cd);
	seed_le16(b, 0);			/* comment */
}

/* A ZIP with README.txt and, by kind, TRACKLIST.txt or LICENSE.txt. */
static void
seed_zip_product(struct buf *b, const struct seed_item *it)
{
	struct seed_member	 m[2];
	uint64_t		 rnd;
	size_t			 i;
	int			 t, ntracks;

	memset(m, 0, sizeof(m));
	m[0].name = "README.txt";
	buf_init(&m[0].data, SEED_FILE_MAX);
	buf_init(&m[1].data, SEED_FILE_MAX);
	seed_text_head(&m[0].data, it);
	if (it->file == SEED_FILE_MUSIC) {
		m[1].name = "TRACKLIST.txt";
		rnd = (uint64_t)seed_hash(it->slug) << 32 | 0x5eed;
		ntracks = 6 + (int)(seed_rand(&rnd) % 7);
		for (t = 1; t <= ntracks; t++)
			buf_printf(&m[1].data, "%02d  %s %s  (%d:%02d)\n", t,
			    adjectives[seed_rand(&rnd) % nitems(adjectives)],
			    nouns[seed_rand(&rnd) % nitems(nouns)],
			    2 + (int)(seed_rand(&rnd) % 5),
			    (int)(seed_rand(&rnd) % 60));
	} else {
		m[1].name = "LICENSE.txt";
		buf_printf(&m[1].data, "%s\n\n", it->name);
		seed_wrap(&m[1].data, "A demo licence: this archive was made"
		    " for the ColmenaCommerce demo store and holds no software."
		    " Use it to try uploads, checkout and downloads.");
	}
	buf_puts(&m[0].data, "\nIn this archive\n  README.txt\n");
	buf_printf(&m[0].data, "  %s\n", m[1].name);
	seed_text_foot(&m[0].data);
	seed_zip(b, m, nitems(m));
	for (i = 0; i < nitems(m); i++) {
		if (m[i].data.err)
			b->err = true;
		buf_clear(&m[i].data);
	}
}

/* A PNG chunk: length, type, data, CRC-32 of type and data. */
static void
seed_png_chunk(struct buf *b, const char *type, const void *data, size_t n)
{
	seed_be32(b, (uint32_t)n);
	buf_add(b, type, 4);
	buf_add(b, data, n);
	seed_be32(b, seed_crc32(seed_crc32(0, type, 4), data, n));
}

/* The RGB of hue h (0 to 359 degrees), saturation s and value v (0..255). */
static void
seed_hsv(unsigned int h, unsigned int s, unsigned int v, unsigned char rgb[3])
{
	const unsigned int	 f = h % 60 * 255 / 60;
	const unsigned int	 p = v * (255 - s) / 255;
	const unsigned int	 q = v * (255 - s * f / 255) / 255;
	const unsigned int	 t = v * (255 - s * (255 - f) / 255) / 255;
	/* The six sectors of the colour wheel. */
	const unsigned int	 sector[6][3] = {
		{ v, t, p }, { q, v, p }, { p, v, t },
		{ p, q, v }, { t, p, v }, { v, p, q },
	};
	int			 k;

	for (k = 0; k < 3; k++)
		rgb[k] = (unsigned char)sector[h % 360 / 60][k];
}

/*
 * A SEED_IMAGE_SIDE square PNG (8-bit RGB): a light hexagon on a
 * gradient of the product's own hue. The image data is a zlib stream of
 * stored (uncompressed) deflate blocks, with its Adler-32.
 */
void
seed_png(struct buf *b, const struct seed_item *it)
{
	const int	 side = SEED_IMAGE_SIDE, r = SEED_IMAGE_SIDE * 3 / 10;
	const size_t	 stride = 1 + (size_t)SEED_IMAGE_SIDE * 3;
	unsigned char	 ihdr[13], base[3], *raw, *px;
	struct buf	 z;
	uint32_t	 h = seed_hash(it->slug), a = 1, s2 = 0;
	size_t		 i, n, blk;
	int		 x, y, dx, dy, shade, k;

	raw = xmalloc(stride * (size_t)side);
	seed_hsv(h % 360, 150 + h / 360 % 80, 200 + h / 28800 % 50, base);
	for (y = 0; y < side; y++) {
		raw[(size_t)y * stride] = 0;		/* filter: none */
		for (x = 0; x < side; x++) {
			px = raw + (size_t)y * stride + 1 + (size_t)x * 3;
			dx = x - side / 2;
			dy = y - side / 2;
			if (dx < 0)
				dx = -dx;
			if (dy < 0)
				dy = -dy;
			shade = 100 - 40 * y / side;
			for (k = 0; k < 3; k++)
				px[k] = (unsigned char)(base[k] * shade / 100);
			/* Inside a flat-topped hexagon of radius r. */
			if (1000 * dy <= 866 * r && 1732 * dx + 1000 * dy <=
			    1732 * r)
				for (k = 0; k < 3; k++)
					px[k] = (unsigned char)((base[k] +
					    3 * 255) / 4);
		}
	}
	n = stride * (size_t)side;
	for (i = 0; i < n; i++) {
		a = (a + raw[i]) % 65521;
		s2 = (s2 + a) % 65521;
	}
	buf_init(&z, SEED_FILE_MAX);
	buf_add(&z, "\x78\x01", 2);		/* deflate, 32K window */
	for (i = 0; i < n; i += blk) {
		blk = n - i > 65535 ? 65535 : n - i;
		buf_putc(&z, i + blk == n ? 1 : 0);	/* BFINAL, stored */
		seed_le16(&z, (uint32_t)blk);
		seed_le16(&z, (uint32_t)~blk & 0xffff);
		buf_add(&z, raw + i, blk);
	}
	seed_be32(&z, s2 << 16 | a);
	free(raw);

	ihdr[0] = ihdr[1] = 0;
	ihdr[2] = side >> 8 & 0xff;
	ihdr[3] = side & 0xff;
	ihdr[4] = ihdr[5] = 0;
	ihdr[6] = side >> 8 & 0xff;
	ihdr[7] = side & 0xff;
	ihdr[8] = 8;		/* bit depth */
	ihdr[9] = 2;		/* truecolour */
	ihdr[10] = ihdr[11] = ihdr[12] = 0;
	buf_add(b, "\x89PNG\r\n\x1a\n", 8);
	seed_png_chunk(b, "IHDR", ihdr, sizeof(ihdr));
	seed_png_chunk(b, "IDAT", z.data, z.len);
	seed_png_chunk(b, "IEND", "", 0);
	if (z.err)
		b->err = true;
	buf_clear(&z);
}

/* Write the file product it delivers into b. */
void
seed_file_make(struct buf *b, const struct seed_item *it)
{
	switch (it->file) {
	case SEED_FILE_PDF:
		seed_pdf(b, it);
		break;
	case SEED_FILE_MUSIC:
	case SEED_FILE_SOFTWARE:
		seed_zip_product(b, it);
		break;
	default:
		seed_text(b, it);
		break;
	}
}
