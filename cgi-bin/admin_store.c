/*
 * admin_store.c: helpers the store's handlers (admin_staff.c,
 * admin_settings.c, admin_keys.c) share: columns read by name, the
 * control-character check for names, and lists passed to SQL as JSON.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "admin_store.h"
#include "arena.h"
#include "buf.h"
#include "db.h"
#include "jw.h"
#include "log.h"

/* Column name of a row, or NULL when SQL NULL. */
const char *
admin_store_val(const struct pg_result *res, int row, const char *name)
{
	int	 c = db_col(res, name);

	return db_isnull(res, row, c) ? NULL : db_val(res, row, c);
}

/* Is column name of a row true (false when SQL NULL)? */
bool
admin_store_bool(const struct pg_result *res, int row, const char *name)
{
	const char	*v = admin_store_val(res, row, name);

	return v != NULL && strcmp(v, "t") == 0;
}

/* Does s hold an ASCII control character (a line break in a name)? */
bool
admin_store_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * v[0..n) as a JSON array of strings: how a list reaches SQL as one
 * parameter (jsonb_array_elements_text), never spliced into the text.
 * Result lives in the arena.
 */
const char *
admin_store_json_list(struct arena *a, const char *const *v, size_t n)
{
	struct buf	 b;
	struct jw	 w;
	const char	*s;
	size_t		 i;

	/* 20 items of 255 characters, each escaped to at most 6 bytes a byte. */
	buf_init(&b, 256 * 1024);
	jw_init(&w, &b);
	jw_arr_open(&w, NULL);
	for (i = 0; i < n; i++)
		jw_str(&w, NULL, v[i]);
	jw_arr_close(&w);
	if (b.err)
		fatalx("list of %zu items too long", n);
	s = arena_strdup(a, b.data);
	buf_clear(&b);
	return s;
}
