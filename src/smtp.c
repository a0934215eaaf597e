/*
 * smtp.c: one SMTP transaction per call over libcurl: MAIL FROM, one RCPT
 * TO, DATA from a buffer (curl does the dot-stuffing). The reply code
 * decides retries: 5xx is permanent, everything else (no connection,
 * timeout, 4xx, a refused login) is temporary.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "log.h"
#include "smtp.h"

struct smtp_upload {
	const char	*p;
	size_t		 left;
};

static size_t	smtp_read_cb(char *, size_t, size_t, void *);

static size_t
smtp_read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct smtp_upload	*u = arg;
	size_t			 n = size * nmemb;

	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

/*
 * Send msg (a whole RFC 5322 message, CRLF line ends) from mail_from to
 * rcpt (bare addresses). Returns 0 when the server accepted it, else -1
 * with res filled: the last reply code, whether retrying is pointless and
 * curl's error text.
 */
int
smtp_send(const struct smtp_conf *c, const char *mail_from, const char *rcpt,
    const struct buf *msg, struct smtp_result *res)
{
	static const long	 ssl[SMTP_TLS__MAX] = {
		CURLUSESSL_NONE,	/* SMTP_TLS_NEVER */
		CURLUSESSL_TRY,		/* SMTP_TLS_TRY */
		CURLUSESSL_ALL,		/* SMTP_TLS_REQUIRED */
	};
	CURL			*curl;
	struct curl_slist	*rcpts = NULL;
	struct smtp_upload	 up = { msg->data, msg->len };
	char			 errbuf[CURL_ERROR_SIZE];
	CURLcode		 rc;
	long			 code = 0;

	memset(res, 0, sizeof(*res));
	errbuf[0] = '\0';
	if ((curl = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	if ((rcpts = curl_slist_append(NULL, rcpt)) == NULL)
		fatalx("curl_slist_append failed");
	curl_easy_setopt(curl, CURLOPT_URL, c->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, c->connect_timeout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, c->timeout);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_USE_SSL,
	    ssl[(unsigned)c->tls < SMTP_TLS__MAX ? c->tls : SMTP_TLS_REQUIRED]);
	if (c->user != NULL && *c->user != '\0') {
		curl_easy_setopt(curl, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD,
		    c->password != NULL ? c->password : "");
	}
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, smtp_read_cb);
	curl_easy_setopt(curl, CURLOPT_READDATA, &up);

	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	res->code = code;
	if (rc != CURLE_OK) {
		/* A refused login is the operator's to fix: retry later. */
		res->permanent = code >= 500 && code <= 599 &&
		    rc != CURLE_LOGIN_DENIED;
		snprintf(res->error, sizeof(res->error), "%s (SMTP %ld)",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc), code);
	}
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(curl);
	return rc == CURLE_OK ? 0 : -1;
}
