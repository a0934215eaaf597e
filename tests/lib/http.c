/*
 * http.c: libcurl wrapper for the integration tests. Requests go only to
 * $COLMENA_TEST_URL (a loopback lighttpd the harness started).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"

struct sink {
	char	*data;
	size_t	 len;
};

static size_t
http_sink(char *p, size_t size, size_t n, void *arg)
{
	struct sink	*s = arg;
	size_t		 add = size * n;
	char		*nd;

	if ((nd = realloc(s->data, s->len + add + 1)) == NULL)
		return 0;
	s->data = nd;
	memcpy(s->data + s->len, p, add);
	s->len += add;
	s->data[s->len] = '\0';
	return add;
}

/*
 * The server under test, from $COLMENA_TEST_URL.
 */
const char *
http_base(void)
{
	const char	*u = getenv("COLMENA_TEST_URL");

	if (u == NULL) {
		fprintf(stderr, "COLMENA_TEST_URL is not set\n");
		exit(2);
	}
	return u;
}

/*
 * Send one request (path is appended to the base URL as is, so it may
 * carry raw percent-escapes). Fills res; returns 0 or -1 on transport error.
 */
int
http_do(const char *method, const char *path, const char *const *headers,
    const char *body, struct http_res *res)
{
	CURL			*c;
	struct curl_slist	*hl = NULL;
	struct sink		 h = { NULL, 0 }, b = { NULL, 0 };
	char			*url;
	size_t			 i;
	CURLcode		 rc;

	memset(res, 0, sizeof(*res));
	if ((url = malloc(strlen(http_base()) + strlen(path) + 1)) == NULL)
		return -1;
	memcpy(url, http_base(), strlen(http_base()));
	memcpy(url + strlen(http_base()), path, strlen(path) + 1);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body == NULL && (strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0))
		body = "";	/* send Content-Length: 0, as browsers do */
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	for (i = 0; headers != NULL && headers[i] != NULL; i++)
		hl = curl_slist_append(hl, headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_sink);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
	else
		fprintf(stderr, "%s %s: %s\n", method, url, curl_easy_strerror(rc));
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	free(url);
	res->headers = h.data != NULL ? h.data : strdup("");
	res->body = b.data != NULL ? b.data : strdup("");
	res->body_len = b.len;
	if (res->body_len > 0)
		res->json = json_tokener_parse(res->body);
	return rc == CURLE_OK ? 0 : -1;
}

int
http_get(const char *path, struct http_res *res)
{
	return http_do("GET", path, NULL, NULL, res);
}

/*
 * The value of response header name (case-insensitive), malloc'ed, or NULL.
 */
char *
http_header(const struct http_res *res, const char *name)
{
	const char	*p, *eol;
	size_t		 n = strlen(name);

	for (p = res->headers; *p != '\0'; p = *eol ? eol + 1 : eol) {
		eol = p + strcspn(p, "\n");
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			size_t len;

			while (*v == ' ')
				v++;
			len = (size_t)(eol - v);
			while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == ' '))
				len--;
			return strndup(v, len);
		}
	}
	return NULL;
}

void
http_free(struct http_res *res)
{
	free(res->headers);
	free(res->body);
	if (res->json != NULL)
		json_object_put(res->json);
	memset(res, 0, sizeof(*res));
}

/*
 * Walk a dotted path ("error.code", "data.0.name") through objects and
 * arrays; NULL if any step is missing.
 */
struct json_object *
http_path(struct json_object *o, const char *path)
{
	char	 key[128];
	const char *p = path, *dot;
	size_t	 n;

	while (o != NULL && *p != '\0') {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		if (json_object_is_type(o, json_type_array)) {
			char *end;
			long idx = strtol(key, &end, 10);

			if (*end != '\0' || idx < 0 ||
			    (size_t)idx >= json_object_array_length(o))
				return NULL;
			o = json_object_array_get_idx(o, (size_t)idx);
		} else if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		p = dot != NULL ? dot + 1 : p + n;
	}
	return o;
}

/*
 * The string at path, or NULL.
 */
const char *
http_str(struct json_object *o, const char *path)
{
	struct json_object	*v = http_path(o, path);

	return v != NULL && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}
