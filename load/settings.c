/*
 * settings.c - ds-load's settings of a stream definition file (settings.h).
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "buf.h"
#include "deffile.h"
#include "exits.h"
#include "log.h"
#include "columns.h"
#include "settings.h"

const char *const ld_contracts[] = { "evolve", "freeze", "discard", NULL };

const char *const ld_modes[] = { "append", "upsert", "history", "snapshot", NULL };


/*
 * A definition's declared-column settings: column and column-index add to
 * the command line's; geometry and srid apply unless given there. Returns
 * 1 when name is one of them.
 */
static int
def_column(struct load_def *d, const char *name, const char *value, const char *where)
{
	struct ds_buf err = { 0 };

	if (strcmp(name, "column") == 0) {
		if (ld_columns_declare(value, &err) != 0)
			ds_diex(DS_EX_USAGE, "%s: column %s: %s", where, value, err.p);
	} else if (strcmp(name, "column-index") == 0) {
		d->colidx = ds_xrealloc(d->colidx, (d->ncolidx + 1) * sizeof(*d->colidx));
		d->colidx[d->ncolidx++] = ds_xstrdup(value);
	} else if (strcmp(name, "geometry") == 0) {
		if (!d->geometry_given)
			d->geometry = ds_xstrdup(value);
	} else if (strcmp(name, "srid") == 0) {
		if (!d->srid_given && ds_parse_count(value, 0, 999999, &d->srid, &err) != 0)
			ds_diex(DS_EX_USAGE, "%s: setting srid: %s", where, err.p);
	} else
		return 0;
	ds_buf_free(&err);
	return 1;
}

/*
 * A definition line: ds-load's settings are taken (unless the command line
 * gave them), ds-fetch's and ds-transform's skipped, any other exits 64.
 */
int
ld_def_setting(void *arg, const char *name, const char *value, const char *where)
{
	struct load_def *d = arg;
	size_t i;

	if (ds_def_stage(name) == 'f' || ds_def_stage(name) == 't' ||
	    def_column(d, name, value, where))
		return 0;
	if (strcmp(name, "mode") == 0) {
		for (i = 0; ld_modes[i] != NULL; i++)
			if (strcmp(value, ld_modes[i]) == 0) {
				if (!d->mode_given)
					*d->mode = (int)i;
				return 0;
			}
		ds_diex(DS_EX_USAGE, "%s: setting mode: want append, upsert, history or"
		    " snapshot", where);
	}
	if (strcmp(name, "snapshot-delete") == 0) {
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			ds_diex(DS_EX_USAGE, "%s: setting snapshot-delete: want yes or no", where);
		/* a mode given on the command line overrides the file's */
		if (!d->mode_given)
			*d->snapdel = strcmp(value, "yes") == 0;
		return 0;
	}
	if (strcmp(name, "schema-contract") != 0)
		ds_diex(DS_EX_USAGE, "%s: unknown setting %s", where, name);
	for (i = 0; ld_contracts[i] != NULL; i++)
		if (strcmp(value, ld_contracts[i]) == 0) {
			if (!d->contract_given)
				*d->contract = (int)i;
			return 0;
		}
	ds_diex(DS_EX_USAGE, "%s: setting schema-contract: want evolve, freeze or discard",
	    where);
}
