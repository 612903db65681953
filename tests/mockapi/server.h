/*
 * server.h - HTTP plumbing: libmicrohttpd, one thread per connection.
 */
#ifndef MOCK_SERVER_H
#define MOCK_SERVER_H

struct MHD_Daemon;

/* Serve on the listening socket fd; returns NULL when the daemon fails to start. */
struct MHD_Daemon *server_start(int fd);
/* Stop serving: wake sleeping slow answers and join every thread. */
void	server_stop(struct MHD_Daemon *d);

#endif
