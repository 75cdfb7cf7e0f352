/*
 * file_read: a whole small file into memory, for officed's commands and its
 * TLS files: a content bundle, a holiday list, a certificate and its key.
 */
#ifndef OFFICE_FILE_READ_H
#define OFFICE_FILE_READ_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Reads path (a regular file of at most max bytes) and returns its bytes
 * with a NUL after them (free() them), their count in *len if len is not
 * NULL. secret: a private key, refused if group or others may read it.
 * NULL on any failure, with a message naming the file in err.
 */
char *office_read_file(const char *path, size_t max, bool secret, size_t *len, char *err,
		       size_t errlen);

#endif
