/*
 * files.h - ds-mockapi --files DIR: GET /files/NAME serves DIR/NAME as an
 * open-data "download" link does: ETag and Last-Modified, 304 for a
 * matching If-None-Match or If-Modified-Since, 206 for Range: bytes=N-.
 */
#ifndef MOCK_FILES_H
#define MOCK_FILES_H

#include <microhttpd.h>

/*
 * Answer the request when its path is under /files/ (1, with *ret the
 * result to return to libmicrohttpd), else 0. *status gets the status
 * sent, for the log.
 */
int	files_answer(struct MHD_Connection *con, const char *uri, const char *method,
	    enum MHD_Result *ret, int *status);

#endif
