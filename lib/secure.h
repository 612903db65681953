/*
 * secure.h - what every stage that holds a secret, or writes files where
 * others might plant links, does the same way.
 */
#ifndef DS_SECURE_H
#define DS_SECURE_H

#include <stddef.h>
#include <sys/types.h>

struct ds_buf;

/*
 * Keep the secrets this process holds (an API key, a database password)
 * out of core files and away from other processes of the same user: no
 * core file, not dumpable (so not ptrace-able, and /proc/PID owned by
 * root). Exits DS_EX_PERM when the kernel refuses.
 */
void	ds_no_core(void);

/*
 * Replace the file path with the n bytes at p (mode for a new file): write
 * them to a new path.tmp.PID opened with O_EXCL|O_NOFOLLOW, then rename it
 * over path, so a symbolic link planted at either name is replaced, never
 * followed. -1 with errno set on failure (the temporary file is removed).
 */
int	ds_replace_file(const char *path, const void *p, size_t n, mode_t mode);

/*
 * Whether the open directory dirfd (named name, for the message) may hold
 * our files: owned by us (or root) and not writable by group or others, as
 * ssh demands of its own. 0 when so, else -1 with the reason in why.
 */
int	ds_dir_trusted(int dirfd, const char *name, struct ds_buf *why);

#endif
