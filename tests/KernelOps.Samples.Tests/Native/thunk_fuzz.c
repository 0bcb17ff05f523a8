/*
 * C that calls every implemented slot of a KernelOps file_operations table with invalid pointers
 * in every pointer argument and in every struct file field the thunks read (issue 16.1): NULL,
 * a small address (0x10: garbage, or a NULL struct plus a field offset) and a misaligned pointer
 * (a live object's address plus one). The table is declared as include/linux/fs.h declares it
 * (Linux 6.18, x86_64); struct file and struct inode are the kernel model's own layouts
 * (KernelOps.Abi.NativeFile/NativeInode). Each call's answer is recorded by name; a thunk that let
 * a fault or an exception through would kill the process instead.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

typedef long long loff_t;
typedef unsigned int __poll_t;
typedef void *fl_owner_t;

/* KernelOps.Abi.NativeFile */
struct file {
	void *f_op;
	struct inode *f_inode;
	unsigned int f_flags;
	unsigned int f_mode;
	loff_t f_pos;
	intptr_t private_data;
	intptr_t f_model;
	intptr_t f_device;
};

/* KernelOps.Abi.NativeInode */
struct inode {
	unsigned int i_mode;
	unsigned int i_rdev;
	unsigned long i_ino;
	loff_t i_size;
	intptr_t i_private;
};

/* KernelOps.Abi.NativePollTable */
struct poll_table_struct {
	intptr_t _qproc;
	unsigned int _key;
};

typedef void *slot;
struct file_operations {
	void *owner;
	unsigned int fop_flags;
	loff_t (*llseek)(struct file *, loff_t, int);
	ssize_t (*read)(struct file *, char *, size_t, loff_t *);
	ssize_t (*write)(struct file *, const char *, size_t, loff_t *);
	slot read_iter, write_iter, iopoll, iterate_shared;
	__poll_t (*poll)(struct file *, struct poll_table_struct *);
	long (*unlocked_ioctl)(struct file *, unsigned int, unsigned long);
	long (*compat_ioctl)(struct file *, unsigned int, unsigned long);
	slot mmap;
	int (*open)(struct inode *, struct file *);
	int (*flush)(struct file *, fl_owner_t);
	int (*release)(struct inode *, struct file *);
	int (*fsync)(struct file *, loff_t, loff_t, int);
	slot fasync, lock, get_unmapped_area, check_flags, flock, splice_write, splice_read, splice_eof,
	     setlease, fallocate, show_fdinfo, copy_file_range, remap_file_range, fadvise, uring_cmd,
	     uring_cmd_iopoll, mmap_prepare;
};

_Static_assert(sizeof(struct file_operations) == 272, "struct file_operations is 272 bytes on x86_64");
_Static_assert(offsetof(struct file_operations, poll) == 72, "poll at 72");
_Static_assert(offsetof(struct file_operations, fsync) == 128, "fsync at 128");
_Static_assert(sizeof(struct file) == 56, "the model's struct file");
_Static_assert(sizeof(struct inode) == 32, "the model's struct inode");

struct fuzz_row {
	const char *name;
	long long rc;
};

struct fuzz {
	struct fuzz_row *rows;
	int count, max;
};

static void row(struct fuzz *f, const char *name, long long rc)
{
	if (f->count < f->max) {
		f->rows[f->count].name = name;
		f->rows[f->count].rc = rc;
		f->count++;
	}
}

#define SMALL ((void *)0x10)
#define MISALIGNED(p) ((void *)((char *)(p) + 1))

/*
 * The bad values of a pointer argument, each with its name suffix: the three the issue names, and
 * two well-aligned ones no process can map (the top of the address space, a poison pattern).
 */
#define NBADS 5
struct bad { const char *suffix; int kind; };
static const struct bad bads[NBADS] = {
	{ "NULL", 0 }, { "0x10", 1 }, { "misaligned", 2 }, { "-8", 3 }, { "poison", 4 },
};
static void *bad_pointer(int kind, void *good)
{
	switch (kind) {
	case 0: return NULL;
	case 1: return SMALL;
	case 2: return MISALIGNED(good);
	case 3: return (void *)(intptr_t)-8;
	default: return (void *)0xdead000000000100ULL; /* LIST_POISON1 */
	}
}

/* The bad values of a handle word (private_data, f_model, f_device, i_private, _qproc). */
static intptr_t bad_word(int kind, intptr_t good)
{
	return (intptr_t)bad_pointer(kind, (void *)good);
}

static char names[4096][64];
static int used;
static const char *name_of(const char *slot, const char *what, const char *suffix)
{
	char *n = names[used++ % 4096];
	size_t i = 0;
	for (const char *p = slot; *p && i < 60; p++) n[i++] = *p;
	n[i++] = ' ';
	for (const char *p = what; *p && i < 60; p++) n[i++] = *p;
	n[i++] = '=';
	for (const char *p = suffix; *p && i < 63; p++) n[i++] = *p;
	n[i] = 0;
	return n;
}

/* Every implemented slot with a bad file pointer; the rest of the arguments valid. */
static void bad_files(const struct file_operations *ops, struct fuzz *f, struct inode *inode, char *ubuf)
{
	struct file any;
	memset(&any, 0, sizeof any);
	for (int b = 0; b < NBADS; b++) {
		struct file *file = bad_pointer(bads[b].kind, &any);
		const char *s = bads[b].suffix;
		loff_t pos = 0;
		struct poll_table_struct pt = { 0, ~0u };
		if (ops->open) row(f, name_of("open", "file", s), ops->open(inode, file));
		if (ops->read) row(f, name_of("read", "file", s), ops->read(file, ubuf, 4, &pos));
		if (ops->write) row(f, name_of("write", "file", s), ops->write(file, ubuf, 4, &pos));
		if (ops->llseek) row(f, name_of("llseek", "file", s), ops->llseek(file, 0, 0));
		if (ops->poll) row(f, name_of("poll", "file", s), ops->poll(file, &pt));
		if (ops->unlocked_ioctl) row(f, name_of("unlocked_ioctl", "file", s), ops->unlocked_ioctl(file, 1, (unsigned long)ubuf));
		if (ops->compat_ioctl) row(f, name_of("compat_ioctl", "file", s), ops->compat_ioctl(file, 1, (unsigned long)ubuf));
		if (ops->flush) row(f, name_of("flush", "file", s), ops->flush(file, SMALL));
		if (ops->release) row(f, name_of("release", "file", s), ops->release(inode, file));
		if (ops->fsync) row(f, name_of("fsync", "file", s), ops->fsync(file, 0, 10, 0));
	}
}

/* The other pointer arguments: inode (open, release), position (read, write), poll_table, buffers. */
static void bad_arguments(const struct file_operations *ops, struct fuzz *f, struct file *good, struct inode *inode, char *ubuf)
{
	for (int b = 0; b < NBADS; b++) {
		const char *s = bads[b].suffix;
		struct file copy = *good;
		copy.private_data = 0; /* open fills it; release takes it back (stateful) */
		loff_t pos = 0;
		if (ops->open) row(f, name_of("open", "inode", s), ops->open(bad_pointer(bads[b].kind, inode), &copy));
		if (ops->release) row(f, name_of("release", "inode", s), ops->release(bad_pointer(bads[b].kind, inode), &copy));
		if (ops->read) {
			pos = 0;
			row(f, name_of("read", "position", s), ops->read(good, ubuf, 4, bad_pointer(bads[b].kind, &pos)));
			row(f, name_of("read", "buffer", s), ops->read(good, bad_pointer(bads[b].kind, ubuf), 4, &pos));
		}
		if (ops->write) {
			pos = 0;
			row(f, name_of("write", "position", s), ops->write(good, ubuf, 4, bad_pointer(bads[b].kind, &pos)));
			row(f, name_of("write", "buffer", s), ops->write(good, bad_pointer(bads[b].kind, ubuf), 4, &pos));
		}
		if (ops->poll) {
			struct poll_table_struct pt = { 0, ~0u };
			row(f, name_of("poll", "table", s), ops->poll(good, bad_pointer(bads[b].kind, &pt)));
		}
		if (ops->unlocked_ioctl)
			row(f, name_of("unlocked_ioctl", "argument", s), ops->unlocked_ioctl(good, 1, (unsigned long)bad_pointer(bads[b].kind, ubuf)));
		if (ops->compat_ioctl)
			row(f, name_of("compat_ioctl", "argument", s), ops->compat_ioctl(good, 1, (unsigned long)bad_pointer(bads[b].kind, ubuf)));
		if (ops->flush) row(f, name_of("flush", "owner", s), ops->flush(good, bad_pointer(bads[b].kind, ubuf)));
	}
}

/* The struct file and struct inode fields the thunks (or the views they build) read. */
static void bad_fields(const struct file_operations *ops, struct fuzz *f, struct file *good, struct inode *inode, char *ubuf)
{
	for (int b = 0; b < NBADS; b++) {
		const char *s = bads[b].suffix;
		struct file copy;
		struct inode icopy;
		loff_t pos = 0;
		struct poll_table_struct pt = { 0, ~0u };

		/* private_data: the per-open state's handle word in a stateful table */
		copy = *good;
		copy.private_data = bad_word(bads[b].kind, good->private_data);
		pos = 0;
		if (ops->read) row(f, name_of("read", "private_data", s), ops->read(&copy, ubuf, 4, &pos));
		if (ops->write) row(f, name_of("write", "private_data", s), ops->write(&copy, ubuf, 4, &pos));
		if (ops->llseek) row(f, name_of("llseek", "private_data", s), ops->llseek(&copy, 0, 0));
		if (ops->poll) row(f, name_of("poll", "private_data", s), ops->poll(&copy, &pt));
		if (ops->unlocked_ioctl) row(f, name_of("unlocked_ioctl", "private_data", s), ops->unlocked_ioctl(&copy, 1, (unsigned long)ubuf));
		if (ops->compat_ioctl) row(f, name_of("compat_ioctl", "private_data", s), ops->compat_ioctl(&copy, 1, (unsigned long)ubuf));
		if (ops->flush) row(f, name_of("flush", "private_data", s), ops->flush(&copy, NULL));
		if (ops->fsync) row(f, name_of("fsync", "private_data", s), ops->fsync(&copy, 0, 10, 0));
		if (ops->release) row(f, name_of("release", "private_data", s), ops->release(inode, &copy));

		/* f_model: the model's record, read when a stateful open or release counts its handle */
		copy = *good;
		copy.private_data = 0;
		copy.f_model = bad_word(bads[b].kind, (intptr_t)&copy);
		if (ops->open) row(f, name_of("open", "f_model", s), ops->open(inode, &copy));
		if (ops->release) row(f, name_of("release", "f_model", s), ops->release(inode, &copy));

		/* f_device (FileRef.DeviceData) and f_inode (FileRef.Inode), read by the handlers' views */
		copy = *good;
		copy.f_device = bad_word(bads[b].kind, (intptr_t)&copy);
		pos = 0;
		if (ops->read) row(f, name_of("read", "f_device", s), ops->read(&copy, ubuf, 4, &pos));
		copy = *good;
		copy.f_inode = bad_pointer(bads[b].kind, inode);
		if (ops->flush) row(f, name_of("flush", "f_inode", s), ops->flush(&copy, NULL));

		/* i_private (Inode.Data) */
		icopy = *inode;
		icopy.i_private = bad_word(bads[b].kind, (intptr_t)&icopy);
		copy = *good;
		copy.f_inode = &icopy;
		if (ops->llseek) row(f, name_of("llseek", "i_private", s), ops->llseek(&copy, 0, 0));

		/* poll_table's _qproc word */
		pt._qproc = bad_word(bads[b].kind, (intptr_t)&pt);
		if (ops->poll) row(f, name_of("poll", "_qproc", s), ops->poll(good, &pt));
	}
}

/*
 * Opens `good` (a stateful table stores its state in private_data), fuzzes every slot, then
 * releases it. Returns the number of rows written.
 */
int fuzz_table(const struct file_operations *ops, struct file *good, struct inode *inode, char *ubuf,
	       struct fuzz_row *rows, int max)
{
	struct fuzz f = { rows, 0, max };
	if (ops->open)
		row(&f, "open good", ops->open(inode, good));
	bad_files(ops, &f, inode, ubuf);
	bad_arguments(ops, &f, good, inode, ubuf);
	bad_fields(ops, &f, good, inode, ubuf);
	if (ops->release)
		row(&f, "release good", ops->release(inode, good));
	return f.count;
}
