/*
 * signals.h - SIGTERM/SIGINT: stop reading, commit through the last
 * checkpoint, exit 128+N.
 */
#ifndef DS_LOAD_SIGNALS_H
#define DS_LOAD_SIGNALS_H

/*
 * Catch SIGTERM and SIGINT. The handler notes the signal and puts
 * /dev/null on standard input, so a read blocked on an idle upstream
 * ends at once (the reader then sees end of input).
 */
void	ld_signals_init(void);

/* The signal caught, or 0. */
int	ld_signals_caught(void);

#endif
