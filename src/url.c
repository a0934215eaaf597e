/*
 * url.c: web origins and absolute URLs from outside: an allowed origin
 * normalised to the form browsers send in Origin, and the origin of a URL
 * a buyer's browser will be sent to (checkout's success and cancel pages),
 * so it can be checked against a store's allowed origins (no open
 * redirects).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "str.h"
#include "url.h"

#define HOST_MAX	253	/* characters of a host name */

/*
 * Normalise one allowed origin to the form browsers send in Origin, which
 * CORS compares byte for byte: scheme://host[:port] with scheme and host
 * in lower case and the scheme's default port (80, 443) left out. A path
 * (even "/"), query, fragment, user information, a non-ASCII host (use
 * its xn-- form) or a port outside 1..65535 is refused. Returns the
 * origin (in the arena), or NULL with *why.
 */
const char *
url_origin(struct arena *a, const char *in, const char **why)
{
	const char	*p, *host, *hend, *port = NULL, *e;
	char		*h;
	size_t		 i, hlen, label = 0;
	int64_t		 pn = 0;
	bool		 https;

	if (strncasecmp(in, "https://", 8) == 0) {
		https = true;
		p = in + 8;
	} else if (strncasecmp(in, "http://", 7) == 0) {
		https = false;
		p = in + 7;
	} else {
		*why = "must start with http:// or https://";
		return NULL;
	}
	if (strpbrk(p, "/?#") != NULL) {
		*why = "must be scheme://host[:port] with no path, query or "
		    "fragment (not even a trailing /)";
		return NULL;
	}
	if (strchr(p, '@') != NULL) {
		*why = "must not carry user information (@)";
		return NULL;
	}
	host = p;
	if (*p == '[') {
		/* An IPv6 literal: hex digits, colons, and dots for IPv4. */
		for (hend = p + 1; *hend != ']'; hend++)
			if (!((*hend >= '0' && *hend <= '9') ||
			    (*hend >= 'a' && *hend <= 'f') ||
			    (*hend >= 'A' && *hend <= 'F') ||
			    *hend == ':' || *hend == '.')) {
				*why = "has an invalid IPv6 address";
				return NULL;
			}
		if (hend == p + 1) {
			*why = "has an invalid IPv6 address";
			return NULL;
		}
		hend++;
	} else
		hend = p + strcspn(p, ":");
	hlen = (size_t)(hend - host);
	if (hlen == 0) {
		*why = "must name a host";
		return NULL;
	}
	if (*hend == ':') {
		port = hend + 1;
		for (i = 0; port[i] != '\0'; i++)
			if (port[i] < '0' || port[i] > '9')
				break;
		pn = str_to_i64(port, 1, 65535, &e);
		if (port[i] != '\0' || i == 0 || i > 5 || e != NULL) {
			*why = "must have a port from 1 to 65535";
			return NULL;
		}
		if (pn == (https ? 443 : 80))
			port = NULL;
	} else if (*hend != '\0') {
		*why = "must be scheme://host[:port]";
		return NULL;
	}
	if (*host != '[') {
		if (hlen > HOST_MAX) {
			*why = "has a host name that is too long";
			return NULL;
		}
		for (i = 0; i <= hlen; i++) {
			if (i == hlen || host[i] == '.') {
				if (label == 0 || host[i - 1] == '-') {
					*why = "has an invalid host name";
					return NULL;
				}
				label = 0;
				continue;
			}
			if ((unsigned char)host[i] >= 0x80) {
				*why = "must give an international host name in "
				    "its ASCII (xn--) form";
				return NULL;
			}
			if (!((host[i] >= 'a' && host[i] <= 'z') ||
			    (host[i] >= 'A' && host[i] <= 'Z') ||
			    (host[i] >= '0' && host[i] <= '9') ||
			    host[i] == '-') || ++label > 63 ||
			    (label == 1 && host[i] == '-')) {
				*why = "has an invalid host name";
				return NULL;
			}
		}
	}
	h = arena_strndup(a, host, hlen);
	for (i = 0; i < hlen; i++)
		if (h[i] >= 'A' && h[i] <= 'Z')
			h[i] = (char)(h[i] - 'A' + 'a');
	if (port != NULL)
		return arena_printf(a, "%s://%s:%lld", https ? "https" : "http",
		    h, (long long)pn);
	return arena_printf(a, "%s://%s", https ? "https" : "http", h);
}

/*
 * The origin of an absolute http(s) URL, normalised as url_origin() does,
 * when the URL is one a browser can be sent to safely: at most
 * URL_MAX bytes of printable ASCII without spaces, quotes, angle brackets
 * or backslashes, scheme://host[:port] followed by nothing or by a path,
 * query or fragment. Returns the origin (in the arena), or NULL with *why.
 */
const char *
url_origin_of(struct arena *a, const char *url, const char **why)
{
	const char	*p;
	size_t		 n, i;

	n = strlen(url);
	if (n > URL_MAX) {
		*why = "is too long";
		return NULL;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)url[i] <= ' ' || (unsigned char)url[i] >= 0x7f ||
		    strchr("\"<>\\^`{|}", url[i]) != NULL) {
			/* {CHECKOUT_SESSION_ID} is Stripe's placeholder. */
			if (url[i] == '{' && strncmp(url + i,
			    "{CHECKOUT_SESSION_ID}", 21) == 0) {
				i += 20;
				continue;
			}
			*why = "must be a URL without spaces or special characters";
			return NULL;
		}
	if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else {
		*why = "must start with http:// or https://";
		return NULL;
	}
	p += strcspn(p, "/?#");
	return url_origin(a, arena_strndup(a, url, (size_t)(p - url)), why);
}
