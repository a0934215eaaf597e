/*
 * fname.c: sanitising client file names (last path component, valid UTF-8,
 * no control or bidi characters, no Windows-reserved names, at most 255
 * bytes) and writing them into Content-Disposition values.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "fname.h"

#define FNAME_EXT_MAX	16	/* an extension kept when a name is cut */
#define FNAME_DEFAULT	"download"

static const char *const reserved[] = {
	"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
	"COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7",
	"COM8", "COM9", "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5",
	"LPT6", "LPT7", "LPT8", "LPT9"
};

static size_t	 fname_decode(const unsigned char *, size_t, uint32_t *);
static int	 fname_dropped(uint32_t);
static size_t	 fname_put(char *, uint32_t);
static int	 fname_reserved(const char *, size_t);
static size_t	 fname_trim_end(const char *, size_t);
static size_t	 fname_cut(const char *, size_t, size_t);
static int	 fname_attr_char(unsigned char);

/* One UTF-8 sequence at p: its length with the code point, or 0 if invalid. */
static size_t
fname_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t	 c, min;
	size_t		 need, i;

	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		min = 0x80;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		min = 0x800;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		min = 0x10000;
		c &= 0x07;
	} else
		return 0;
	if (n < need + 1)
		return 0;
	for (i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return need + 1;
}

/*
 * Characters removed: C0, DEL, C1, and the invisible ones that reorder or
 * hide text (bidi controls, as in "invoice\u202Efdp.exe"; zero-width
 * characters; line separators; the BOM).
 */
static int
fname_dropped(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c ||
	    (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	    (c >= 0x2060 && c <= 0x2069) || c == 0xfeff;
}

/* Encode c as UTF-8 at out; returns its length. */
static size_t
fname_put(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* True if s[0..n) is a DOS device name, with or without an extension. */
static int
fname_reserved(const char *s, size_t n)
{
	size_t	 stem, i, k;
	char	 c;

	stem = 0;
	while (stem < n && s[stem] != '.')
		stem++;
	while (stem > 0 && s[stem - 1] == ' ')
		stem--;
	for (k = 0; k < sizeof(reserved) / sizeof(reserved[0]); k++) {
		if (strlen(reserved[k]) != stem)
			continue;
		for (i = 0; i < stem; i++) {
			c = s[i];
			if (c >= 'a' && c <= 'z')
				c -= 'a' - 'A';
			if (c != reserved[k][i])
				break;
		}
		if (i == stem)
			return 1;
	}
	return 0;
}

/* Length of s[0..n) without trailing spaces and dots (Windows drops them). */
static size_t
fname_trim_end(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '.'))
		n--;
	return n;
}

/* The longest prefix of valid UTF-8 s[0..n) of at most max bytes. */
static size_t
fname_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/*
 * A name safe to show and to store, from the raw bytes a client sent:
 * only the last path component ('/' or '\'), invalid UTF-8 bytes replaced
 * by U+FFFD, control and invisible formatting characters dropped, the
 * Windows-forbidden < > : " | ? * replaced by '_', leading dots and spaces
 * and trailing dots and spaces trimmed, DOS device names ("CON.txt")
 * prefixed with '_', and at most FNAME_MAX bytes, cut on a character
 * boundary and keeping a short extension. Never empty: "download" when
 * nothing is left. Applying it twice changes nothing. Lives in the arena.
 */
char *
fname_sanitise(struct arena *a, const char *raw, size_t len)
{
	const unsigned char	*p, *e;
	char			*out, *res;
	uint32_t		 c;
	size_t			 i, k, o, b, n, ext, stem;

	if (raw == NULL || len == 0)
		return arena_strdup(a, FNAME_DEFAULT);
	for (i = len; i > 0; i--)
		if (raw[i - 1] == '/' || raw[i - 1] == '\\')
			break;
	p = (const unsigned char *)raw + i;
	e = (const unsigned char *)raw + len;

	out = arena_alloc(a, 3 * (size_t)(e - p) + 2);
	for (o = 0; p < e; p += k) {
		if ((k = fname_decode(p, (size_t)(e - p), &c)) == 0) {
			k = 1;
			c = 0xfffd;
		}
		if (fname_dropped(c))
			continue;
		if (c < 0x80 && strchr("<>:\"|?*", (int)c) != NULL)
			c = '_';
		o += fname_put(out + o, c);
	}
	for (b = 0; b < o && (out[b] == ' ' || out[b] == '.'); b++)
		continue;
	n = fname_trim_end(out + b, o - b);
	if (n == 0)
		return arena_strdup(a, FNAME_DEFAULT);

	res = arena_alloc(a, n + 2);
	o = 0;
	if (fname_reserved(out + b, n))
		res[o++] = '_';
	memcpy(res + o, out + b, n);
	n += o;
	res[n] = '\0';
	if (n <= FNAME_MAX)
		return res;

	/* Too long: keep the extension when it is short, cut the stem. */
	ext = 0;
	for (i = n; i > 1; i--)
		if (res[i - 1] == '.') {
			if (n - (i - 1) <= FNAME_EXT_MAX)
				ext = n - (i - 1);
			break;
		}
	stem = fname_cut(res, n - ext, FNAME_MAX - ext);
	stem = fname_trim_end(res, stem);
	memmove(res + stem, res + n - ext, ext);
	res[stem + ext] = '\0';
	return res;
}

/* RFC 5987 attr-char: sent as it is in filename*. */
static int
fname_attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$&+-.^_`|~",
	    c) != NULL);
}

/*
 * A Content-Disposition value (RFC 6266) for name, which is sanitised
 * again here so any string is safe: type ("attachment" or "inline"; a
 * non-token becomes "attachment"), then filename="..." as an ASCII
 * fallback (each non-ASCII character, '"', '\' and '%' become '_'), then,
 * when the fallback differs from the name, filename*=UTF-8''... holding
 * the name percent-encoded (RFC 5987). Lives in the arena.
 */
char *
fname_disposition(struct arena *a, const char *name, const char *type)
{
	const unsigned char	*p, *e;
	const char		*s;
	char			*fb, *ext, *out;
	uint32_t		 c;
	size_t			 n, i, k, o;
	static const char	 hex[] = "0123456789ABCDEF";

	for (i = 0; type[i] != '\0'; i++)
		if (!fname_attr_char((unsigned char)type[i]) &&
		    strchr("%'*", type[i]) == NULL)
			break;
	if (i == 0 || type[i] != '\0')
		type = "attachment";

	s = fname_sanitise(a, name, strlen(name));
	n = strlen(s);
	p = (const unsigned char *)s;
	e = p + n;
	fb = arena_alloc(a, n + 1);
	for (o = 0; p < e; p += k) {
		if ((k = fname_decode(p, (size_t)(e - p), &c)) == 0) {
			k = 1;	/* not after fname_sanitise() */
			c = 0xfffd;
		}
		fb[o++] = k == 1 && c >= 0x20 && c < 0x7f && c != '"' &&
		    c != '\\' && c != '%' ? (char)c : '_';
	}
	fb[o] = '\0';
	if (o == n && memcmp(fb, s, n) == 0)
		return arena_printf(a, "%s; filename=\"%s\"", type, fb);

	ext = arena_alloc(a, 3 * n + 1);
	for (i = o = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (fname_attr_char((unsigned char)c))
			ext[o++] = (char)c;
		else {
			ext[o++] = '%';
			ext[o++] = hex[c >> 4];
			ext[o++] = hex[c & 15];
		}
	}
	ext[o] = '\0';
	out = arena_printf(a, "%s; filename=\"%s\"; filename*=UTF-8''%s",
	    type, fb, ext);
	return out;
}
