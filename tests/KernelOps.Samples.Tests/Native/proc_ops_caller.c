/*
 * C that calls a KernelOps table the way fs/proc/inode.c does: through `const struct proc_ops *`
 * declared exactly as include/linux/proc_fs.h declares it (Linux 6.18, x86_64). If the C# struct's
 * layout or a slot's calling convention differed, these calls would land in the wrong slot.
 */
#include <stddef.h>
#include <sys/types.h>

typedef long long loff_t;
typedef unsigned int __poll_t;
struct inode;
struct file;
struct kiocb;
struct iov_iter;
struct poll_table_struct;
struct vm_area_struct;

struct proc_ops {
	unsigned int proc_flags;
	int	(*proc_open)(struct inode *, struct file *);
	ssize_t	(*proc_read)(struct file *, char *, size_t, loff_t *);
	ssize_t (*proc_read_iter)(struct kiocb *, struct iov_iter *);
	ssize_t	(*proc_write)(struct file *, const char *, size_t, loff_t *);
	loff_t	(*proc_lseek)(struct file *, loff_t, int);
	int	(*proc_release)(struct inode *, struct file *);
	__poll_t (*proc_poll)(struct file *, struct poll_table_struct *);
	long	(*proc_ioctl)(struct file *, unsigned int, unsigned long);
	long	(*proc_compat_ioctl)(struct file *, unsigned int, unsigned long);
	int	(*proc_mmap)(struct file *, struct vm_area_struct *);
	unsigned long (*proc_get_unmapped_area)(struct file *, unsigned long, unsigned long, unsigned long, unsigned long);
};

_Static_assert(sizeof(struct proc_ops) == 96, "struct proc_ops is 96 bytes on x86_64");
_Static_assert(offsetof(struct proc_ops, proc_lseek) == 40, "proc_lseek at 40");

/* What the C side observed, field by field, so the test can check each. */
struct session_result {
	int open_rc;
	long long write_rc;
	long long lseek_rc;
	long long read_rc;
	long long pos_after_read;
	char data[16];
	int null_slots;      /* bit i set when the i-th unimplemented slot is NULL */
	long long bad_whence_rc;
};

int proc_ops_session(const struct proc_ops *ops, struct inode *inode, struct file *file,
		     char *user_buf, const char *text, size_t len, struct session_result *out)
{
	loff_t pos = 0;
	size_t i;

	out->open_rc = ops->proc_open ? ops->proc_open(inode, file) : -1000;
	if (out->open_rc)
		return 1;
	for (i = 0; i < len && i < sizeof(out->data); i++)
		user_buf[i] = text[i];
	out->write_rc = ops->proc_write(file, user_buf, len, &pos);
	out->lseek_rc = ops->proc_lseek(file, 1, 0 /* SEEK_SET */);
	pos = out->lseek_rc;
	for (i = 0; i < len; i++)
		user_buf[i] = 0;
	out->read_rc = ops->proc_read(file, user_buf, len, &pos);
	out->pos_after_read = pos;
	for (i = 0; i < sizeof(out->data) && i < len; i++)
		out->data[i] = user_buf[i];
	out->null_slots = (ops->proc_read_iter == NULL) << 0 | (ops->proc_release == NULL) << 1 |
			  (ops->proc_poll == NULL) << 2 | (ops->proc_ioctl == NULL) << 3 |
			  (ops->proc_compat_ioctl == NULL) << 4 | (ops->proc_mmap == NULL) << 5 |
			  (ops->proc_get_unmapped_area == NULL) << 6;
	out->bad_whence_rc = ops->proc_lseek(file, 0, 42);
	return 0;
}
