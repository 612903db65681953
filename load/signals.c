#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "exits.h"
#include "log.h"
#include "signals.h"

static volatile sig_atomic_t caught;
static int devnull = -1;

/* Note the signal; make a blocked read of standard input end. */
static void
handler(int sig)
{
	int saved = errno;

	caught = sig;
	if (devnull >= 0)
		(void)dup2(devnull, STDIN_FILENO);
	errno = saved;
}

void
ld_signals_init(void)
{
	struct sigaction sa;

	if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		ds_die(DS_EX_TEMP, "/dev/null");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

int
ld_signals_caught(void)
{
	return caught;
}
