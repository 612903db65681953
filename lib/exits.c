/*
 * exits.c - the classes of the exit statuses of lib/exits.h.
 */
#include "exits.h"

/* The class of exit status st: see exits.h. */
enum ds_exit_class
ds_exit_class(int st)
{
	if (st == DS_EX_OK)
		return DS_CLASS_OK;
	if (st == DS_EX_EXPIRED)
		return DS_CLASS_EXPIRED;
	if (st == DS_EX_REJECTS)
		return DS_CLASS_REJECTS;
	if (st == DS_EX_USAGE || (st >= DS_EX_PERM && st <= 109) ||
	    st == DS_EX_NOEXEC || st == DS_EX_NOTFOUND)
		return DS_CLASS_PERMANENT;
	return DS_CLASS_TEMPORARY;
}

/* The name of class c, as ds-status(1) prints it; a static string. */
const char *
ds_exit_class_name(enum ds_exit_class c)
{
	switch (c) {
	case DS_CLASS_OK:
		return "ok";
	case DS_CLASS_EXPIRED:
		return "expired";
	case DS_CLASS_REJECTS:
		return "rejects";
	case DS_CLASS_PERMANENT:
		return "permanent";
	case DS_CLASS_TEMPORARY:
		break;
	}
	return "temporary";
}
