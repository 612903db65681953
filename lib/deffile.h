/*
 * deffile.h - stream definition files: "name = value" lines, read as data.
 *
 * A definition file (and a connector preset, which is one shipped with ds)
 * holds settings by the long option names of the stage that uses them.
 * Blank lines and lines starting with '#' are skipped; white space around
 * the name and the value is dropped, and one pair of double quotes around
 * the value is removed. Nothing is expanded or evaluated.
 */
#ifndef DS_DEFFILE_H
#define DS_DEFFILE_H

/*
 * Called for each setting; where is "FILE:LINE". Returns 0, or exits with
 * its own message.
 */
typedef int	ds_def_cb(void *arg, const char *name, const char *value,
		    const char *where);

/*
 * Read path and call cb for each setting, in order. A line that is not
 * "name = value" exits DS_EX_USAGE naming the file and line; a file that
 * cannot be read exits DS_EX_USAGE too.
 */
void	ds_def_read(const char *path, ds_def_cb *cb, void *arg);

/*
 * Read the preset connector (when not NULL), then the file definition
 * (when not NULL), calling cb for each setting as ds_def_read() does.
 */
void	ds_def_read_both(const char *connector, const char *definition, ds_def_cb *cb,
	    void *arg);

/*
 * The file of connector preset name: $DS_CONNECTORS/name.conf, else
 * connectors/name.conf beside the program's bin directory (the source
 * tree), else DS_CONNECTORS_DIR/name.conf (the installed data directory).
 * Exits DS_EX_USAGE when the name is not [a-z0-9_-]+ or there is no such
 * preset, naming the directories searched. The caller frees the result.
 */
char	*ds_def_connector(const char *name);

/*
 * The stage a setting belongs to: 'f' for ds-fetch, 't' for ds-transform,
 * 'l' for ds-load, 0 for no stage (an unknown setting). One table for all
 * stages, so a definition file is read whole by each and each takes its own.
 */
int	ds_def_stage(const char *name);

#endif
