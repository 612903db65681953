/*
 * settings.h - ds-load's settings of a stream definition file (or preset):
 * column, column-index, geometry, srid, schema-contract, mode and
 * snapshot-delete, taken where the command line gave none.
 */
#ifndef LD_SETTINGS_H
#define LD_SETTINGS_H

#include <stddef.h>

/* --schema-contract's values, in the order of DS_CONTRACT_*; --mode's, in the order of DS_WM_*. */
extern const char *const ld_contracts[];
extern const char *const ld_modes[];

/*
 * ds-load's settings of a stream definition, where the command line gave
 * none (mode: -1 when it did not); what is kept is malloc'd and lives as
 * long as the program.
 */
struct load_def {
	int		*contract;
	int		 contract_given;
	int		*mode;
	int		*snapdel;
	int		 mode_given;
	const char	*geometry;
	long long	 srid;
	int		 geometry_given, srid_given;
	char		**colidx;	/* --column-index names, then the definition's */
	size_t		 ncolidx;
};

/*
 * A definition line (a ds_def_cb for ds_def_read_layers, arg a struct
 * load_def): ds-load's settings are taken, ds-fetch's and ds-transform's
 * skipped, any other exits 64 naming the file and line.
 */
int	ld_def_setting(void *arg, const char *name, const char *value, const char *where);

#endif
