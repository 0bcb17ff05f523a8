/*
 * The FUSE baseline of issue 7 (docs/PERFORMANCE.md, bench/fuse/run.sh): the RAM file of
 * samples/ProcRamFile written directly on libfuse3's high-level API in C, with the semantics and
 * the mount options of the KernelOps FUSE host (src/Runtime/Fuse): one file, "rust-proc-file",
 * mode 0666, in a root directory; direct_io on every open, no page cache kept; reads and writes at
 * the request's offset under one mutex; O_TRUNC empties it; a 16 MiB size limit (EFBIG at it);
 * the multithreaded loop (fuse_main without -s).
 *
 *   ramfile_fuse MOUNTPOINT [-f] [-o ...]
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <errno.h>
#include <fuse.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define FILE_NAME "/rust-proc-file"
#define MAX_BYTES (16LL << 20)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *bytes;
static size_t capacity;
static off_t length;
static time_t mount_time;

static int rf_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	st->st_atime = st->st_mtime = st->st_ctime = mount_time;
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		return 0;
	}
	if (strcmp(path, FILE_NAME) != 0)
		return -ENOENT;
	st->st_mode = S_IFREG | 0666;
	st->st_nlink = 1;
	pthread_mutex_lock(&lock);
	st->st_size = length;
	pthread_mutex_unlock(&lock);
	st->st_blksize = 4096;
	st->st_blocks = (st->st_size + 511) / 512;
	return 0;
}

static int rf_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off; (void)fi; (void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	filler(buf, FILE_NAME + 1, NULL, 0, 0);
	return 0;
}

static int rf_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, FILE_NAME) != 0)
		return -ENOENT;
	if (fi->flags & O_TRUNC) {
		pthread_mutex_lock(&lock);
		length = 0;
		pthread_mutex_unlock(&lock);
	}
	fi->direct_io = 1;
	fi->keep_cache = 0;
	return 0;
}

static int rf_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)fi;
	if (strcmp(path, FILE_NAME) != 0)
		return -ENOENT;
	if (size != 0)
		return -EINVAL; /* the model's RAM file only truncates to zero (O_TRUNC) */
	pthread_mutex_lock(&lock);
	length = 0;
	pthread_mutex_unlock(&lock);
	return 0;
}

static int rf_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	size_t n;
	(void)path; (void)fi;
	if (off < 0)
		return -EINVAL;
	pthread_mutex_lock(&lock);
	if (off >= length) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	n = (size_t)(length - off) < size ? (size_t)(length - off) : size;
	memcpy(buf, bytes + off, n);
	pthread_mutex_unlock(&lock);
	return (int)n;
}

static int rf_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	size_t n;
	off_t end;
	(void)path;
	pthread_mutex_lock(&lock);
	if (fi->flags & O_APPEND)
		off = length;
	if (off >= MAX_BYTES) {
		pthread_mutex_unlock(&lock);
		return -EFBIG;
	}
	n = (size_t)(MAX_BYTES - off) < size ? (size_t)(MAX_BYTES - off) : size;
	end = off + (off_t)n;
	if ((size_t)end > capacity) {
		size_t grown = capacity * 2 > (size_t)end ? capacity * 2 : (size_t)end;
		char *p;
		if (grown < 4096)
			grown = 4096;
		if (grown > (size_t)MAX_BYTES)
			grown = (size_t)MAX_BYTES;
		p = realloc(bytes, grown);
		if (!p) {
			pthread_mutex_unlock(&lock);
			return -ENOMEM;
		}
		bytes = p;
		capacity = grown;
	}
	if (off > length)
		memset(bytes + length, 0, (size_t)(off - length));
	memcpy(bytes + off, buf, n);
	if (end > length)
		length = end;
	pthread_mutex_unlock(&lock);
	return (int)n;
}

static void *rf_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	return NULL;
}

static const struct fuse_operations ops = {
	.init = rf_init,
	.getattr = rf_getattr,
	.readdir = rf_readdir,
	.open = rf_open,
	.truncate = rf_truncate,
	.read = rf_read,
	.write = rf_write,
};

int main(int argc, char *argv[])
{
	mount_time = time(NULL);
	return fuse_main(argc, argv, &ops, NULL);
}
