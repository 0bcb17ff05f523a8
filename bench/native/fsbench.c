/*
 * fsbench: the two workloads of issue 14's performance goals, run by a real process on a
 * directory (a FUSE mount of the model, or of ramfs_ll for reference). docs/PERFORMANCE.md
 * runs it through bench/fuse/lowlevel.sh.
 *
 *   fsbench DIR io MIB         write MIB MiB to DIR/fsbench.data in 4 KiB write(2)s, close,
 *                              then read it back in 4 KiB read(2)s; prints MiB/s of each
 *   fsbench DIR meta COUNT     create COUNT empty files in DIR (open O_CREAT|O_EXCL, close),
 *                              stat each, unlink each; prints operations per second of each
 *                              phase and of the whole
 *
 * Each line: "<phase> <seconds> <rate>". Exit status 1 with a message on any failed call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "fsbench: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static int io(const char *dir, long mib)
{
	char path[4096];
	static char block[4096];
	long blocks = mib * 256;
	snprintf(path, sizeof path, "%s/fsbench.data", dir);
	memset(block, 'k', sizeof block);

	double t0 = now();
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) die("open", path);
	for (long i = 0; i < blocks; i++)
		if (write(fd, block, sizeof block) != (ssize_t)sizeof block) die("write", path);
	if (close(fd) != 0) die("close", path);
	double t1 = now();

	fd = open(path, O_RDONLY);
	if (fd < 0) die("open", path);
	long got = 0;
	ssize_t n;
	while ((n = read(fd, block, sizeof block)) > 0) got += n;
	if (n < 0) die("read", path);
	close(fd);
	double t2 = now();
	if (got != blocks * 4096) {
		fprintf(stderr, "fsbench: read %ld bytes of %ld\n", got, blocks * 4096);
		return 1;
	}
	if (unlink(path) != 0) die("unlink", path);
	printf("write %.3f %.1f\n", t1 - t0, mib / (t1 - t0));
	printf("read %.3f %.1f\n", t2 - t1, mib / (t2 - t1));
	return 0;
}

static int meta(const char *dir, long count)
{
	char path[4096];
	struct stat st;
	double t0 = now();
	for (long i = 0; i < count; i++) {
		snprintf(path, sizeof path, "%s/f%07ld", dir, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0) die("create", path);
		close(fd);
	}
	double t1 = now();
	for (long i = 0; i < count; i++) {
		snprintf(path, sizeof path, "%s/f%07ld", dir, i);
		if (stat(path, &st) != 0) die("stat", path);
	}
	double t2 = now();
	for (long i = 0; i < count; i++) {
		snprintf(path, sizeof path, "%s/f%07ld", dir, i);
		if (unlink(path) != 0) die("unlink", path);
	}
	double t3 = now();
	printf("create %.3f %.0f\n", t1 - t0, count / (t1 - t0));
	printf("stat %.3f %.0f\n", t2 - t1, count / (t2 - t1));
	printf("unlink %.3f %.0f\n", t3 - t2, count / (t3 - t2));
	printf("total %.3f %.0f\n", t3 - t0, 3 * count / (t3 - t0));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[2], "io") != 0 && strcmp(argv[2], "meta") != 0) || atol(argv[3]) <= 0) {
		fprintf(stderr, "usage: fsbench DIR io MIB | fsbench DIR meta COUNT\n");
		return 2;
	}
	return strcmp(argv[2], "io") == 0 ? io(argv[1], atol(argv[3])) : meta(argv[1], atol(argv[3]));
}
