/*
 * output.h - buffered stdout with write-error checking.
 *
 * ds_out_init() ignores SIGPIPE and gives stdout a large buffer. Writes go
 * through stdio (a block of 64 KiB or more straight to the descriptor,
 * after what stdio holds); ds_out_write(), ds_out_flush() and ds_out_close() turn a
 * failed write into an exit: EPIPE (the next stage went away) exits
 * DS_EX_PIPE quietly, any other error (a full disk) exits DS_EX_TEMP with a
 * message.
 */
#ifndef DS_OUTPUT_H
#define DS_OUTPUT_H

#include <stddef.h>

void	ds_out_init(void);
/* Write n bytes to stdout; exits as above on error. */
void	ds_out_write(const void *p, size_t n);
/* ds_out_write() returning 0, or the errno of a failed write, instead of exiting. */
int	ds_out_put(const void *p, size_t n);
/* Flush stdout; exits as above on error. */
void	ds_out_flush(void);
/* Exit as a write to stdout that failed with errnum does (above). */
void	ds_out_fail(int errnum) __attribute__((noreturn));
/* Flush and close stdout at the end of main(); exits as above on error. */
void	ds_out_close(void);

#endif
