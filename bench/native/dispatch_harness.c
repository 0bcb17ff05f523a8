/*
 * The native dispatch harness of issue 7 (docs/PERFORMANCE.md): C that calls a `struct proc_ops`
 * the way fs/proc/inode.c does and times its read/write/lseek slots with clock_gettime, plus the
 * same RAM file written in C (the ceiling the generated C# table is compared with).
 *
 * Built by bench/native/build.sh (gcc -O2 -shared -fPIC); loaded by bench/KernelOps.Benchmarks,
 * which hands it three tables in one process: RamFile.Table (generated), a bare hand-written
 * [UnmanagedCallersOnly] thunk (the managed floor) and c_ramfile_table() below.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

/* loff_t comes from <sys/types.h> under _GNU_SOURCE (a 64-bit long on x86_64). */
struct kiocb;
struct iov_iter;
struct poll_table_struct;
struct vm_area_struct;
struct inode;
struct file;

/* include/linux/proc_fs.h, Linux 6.18 x86_64 (as tests/KernelOps.Samples.Tests/Native/proc_ops_caller.c). */
struct proc_ops {
	unsigned int proc_flags;
	int	(*proc_open)(struct inode *, struct file *);
	ssize_t	(*proc_read)(struct file *, char *, size_t, loff_t *);
	ssize_t (*proc_read_iter)(struct kiocb *, struct iov_iter *);
	ssize_t	(*proc_write)(struct file *, const char *, size_t, loff_t *);
	loff_t	(*proc_lseek)(struct file *, loff_t, int);
	int	(*proc_release)(struct inode *, struct file *);
	unsigned int (*proc_poll)(struct file *, struct poll_table_struct *);
	long	(*proc_ioctl)(struct file *, unsigned int, unsigned long);
	long	(*proc_compat_ioctl)(struct file *, unsigned int, unsigned long);
	int	(*proc_mmap)(struct file *, struct vm_area_struct *);
	unsigned long (*proc_get_unmapped_area)(struct file *, unsigned long, unsigned long, unsigned long, unsigned long);
};
_Static_assert(sizeof(struct proc_ops) == 96, "struct proc_ops is 96 bytes on x86_64");

/* The kernel model's struct file / struct inode (src/Runtime/Abi/NativeFile.cs), which the C RAM
 * file reads as a real proc handler reads pde_data(file_inode(file)). */
struct model_inode {
	unsigned int i_mode;
	unsigned int i_rdev;
	unsigned long long i_ino;
	long long i_size;
	void *i_private;
};
struct model_file {
	const void *f_op;
	struct model_inode *f_inode;
	unsigned int f_flags;
	unsigned int f_mode;
	long long f_pos;
	intptr_t private_data;
	intptr_t f_model;
	intptr_t f_device;
};
_Static_assert(offsetof(struct model_inode, i_private) == 24, "NativeInode.i_private at 24");
_Static_assert(offsetof(struct model_file, f_inode) == 8, "NativeFile.f_inode at 8");
_Static_assert(sizeof(struct model_file) == 56, "NativeFile is 56 bytes");

/* ---- the harness ---------------------------------------------------------------------------- */

enum { OP_READ = 0, OP_WRITE = 1, OP_LSEEK = 2 };

/*
 * Calls one slot `iterations` times at position 0 (read/write) or seeks to 0 (lseek) and returns
 * the elapsed nanoseconds (CLOCK_MONOTONIC), or -1 when a call fails or moves a short count.
 * `checksum` receives the sum of the returns so no call can be optimised away.
 */
long long kob_time_slot(const struct proc_ops *ops, struct file *file, char *buffer, size_t size,
			int op, long iterations, long long *checksum)
{
	struct timespec t0, t1;
	long long sum = 0;
	loff_t pos;
	long i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	switch (op) {
	case OP_READ:
		for (i = 0; i < iterations; i++) {
			pos = 0;
			sum += ops->proc_read(file, buffer, size, &pos);
		}
		break;
	case OP_WRITE:
		for (i = 0; i < iterations; i++) {
			pos = 0;
			sum += ops->proc_write(file, buffer, size, &pos);
		}
		break;
	case OP_LSEEK:
		for (i = 0; i < iterations; i++)
			sum += ops->proc_lseek(file, 0, 0 /* SEEK_SET */);
		break;
	default:
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*checksum = sum;
	if (op != OP_LSEEK && sum != (long long)size * iterations)
		return -1;
	return (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
}

/* ---- the same RAM file in C --------------------------------------------------------------------
 * samples/ProcRamFile/RamFileData.cs with the kernel's tools: a mutex around contents and length,
 * simple_read_from_buffer for reads, generic_write_checks-style limits for writes, and
 * copy_to_user/copy_from_user as access_ok plus memcpy (user memory is plain memory here). */

struct c_ramfile {
	pthread_mutex_t lock;
	char *bytes;
	size_t capacity;
	loff_t length;
	loff_t max_bytes;
};

#define MAX_RW_COUNT 0x7FFFF000UL
#define TASK_SIZE_MAX 0x7FFFFFFFF000UL

static int access_ok(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;
	return p != NULL && a + n >= a && a + n <= TASK_SIZE_MAX;
}

static struct c_ramfile *c_data(struct file *file)
{
	return (struct c_ramfile *)((struct model_file *)file)->f_inode->i_private;
}

static ssize_t c_read(struct file *file, char *buf, size_t count, loff_t *ppos)
{
	struct c_ramfile *f;
	loff_t pos;
	size_t n;

	if (!file || !ppos)
		return -EINVAL;
	f = c_data(file);
	pos = *ppos;
	if (pos < 0)
		return -EINVAL;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	pthread_mutex_lock(&f->lock);
	if (pos >= f->length || count == 0) {
		pthread_mutex_unlock(&f->lock);
		return 0;
	}
	n = (size_t)(f->length - pos) < count ? (size_t)(f->length - pos) : count;
	if (!access_ok(buf, n)) {
		pthread_mutex_unlock(&f->lock);
		return -EFAULT;
	}
	memcpy(buf, f->bytes + pos, n);
	*ppos = pos + n;
	pthread_mutex_unlock(&f->lock);
	return (ssize_t)n;
}

static ssize_t c_write(struct file *file, const char *buf, size_t count, loff_t *ppos)
{
	struct c_ramfile *f;
	loff_t pos, end;
	size_t n;

	if (!file || !ppos)
		return -EINVAL;
	f = c_data(file);
	pos = *ppos;
	if (pos < 0)
		return -EINVAL;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	if (count == 0)
		return 0;
	pthread_mutex_lock(&f->lock);
	if (pos >= f->max_bytes) {
		pthread_mutex_unlock(&f->lock);
		return -EFBIG;
	}
	n = (size_t)(f->max_bytes - pos) < count ? (size_t)(f->max_bytes - pos) : count;
	end = pos + (loff_t)n;
	if ((size_t)end > f->capacity) {
		size_t grown = f->capacity * 2 > (size_t)end ? f->capacity * 2 : (size_t)end;
		char *p;
		if (grown < 4096)
			grown = 4096;
		if (grown > (size_t)f->max_bytes)
			grown = (size_t)f->max_bytes;
		/* 64-byte aligned like the managed variants' storage (and kernel buffers): malloc's
		 * 16-byte alignment lets copies from page-aligned buffers hit 4K aliasing by chance. */
		if (posix_memalign((void **)&p, 64, grown)) {
			pthread_mutex_unlock(&f->lock);
			return -ENOMEM;
		}
		if (f->length)
			memcpy(p, f->bytes, (size_t)f->length);
		free(f->bytes);
		f->bytes = p;
		f->capacity = grown;
	}
	if (pos > f->length)
		memset(f->bytes + f->length, 0, (size_t)(pos - f->length));
	if (!access_ok(buf, n)) {
		pthread_mutex_unlock(&f->lock);
		return -EFAULT;
	}
	memcpy(f->bytes + pos, buf, n);
	*ppos = end;
	if (end > f->length)
		f->length = end;
	((struct model_file *)file)->f_inode->i_size = f->length;
	pthread_mutex_unlock(&f->lock);
	return (ssize_t)n;
}

static loff_t c_lseek(struct file *file, loff_t offset, int whence)
{
	/* generic_file_llseek_size for SEEK_SET/SEEK_CUR/SEEK_END; the harness only times SEEK_SET. */
	struct model_file *mf = (struct model_file *)file;
	struct c_ramfile *f;
	loff_t eof;

	if (!file)
		return -EBADF;
	f = c_data(file);
	pthread_mutex_lock(&f->lock);
	eof = f->length;
	pthread_mutex_unlock(&f->lock);
	switch (whence) {
	case 0: break;
	case 1: offset += mf->f_pos; break;
	case 2: offset += eof; break;
	default: return -EINVAL;
	}
	if (offset < 0 || offset > f->max_bytes)
		return -EINVAL;
	mf->f_pos = offset;
	return offset;
}

static const struct proc_ops c_ramfile_ops = {
	.proc_read = c_read,
	.proc_write = c_write,
	.proc_lseek = c_lseek,
};

const struct proc_ops *c_ramfile_table(void)
{
	return &c_ramfile_ops;
}

struct c_ramfile *c_ramfile_new(long long max_bytes)
{
	struct c_ramfile *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	pthread_mutex_init(&f->lock, NULL);
	f->max_bytes = max_bytes;
	return f;
}

void c_ramfile_free(struct c_ramfile *f)
{
	if (!f)
		return;
	pthread_mutex_destroy(&f->lock);
	free(f->bytes);
	free(f);
}
