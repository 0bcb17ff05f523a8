/*
 * The C reference of issue 14's FUSE goals (docs/PERFORMANCE.md, bench/fuse/ll-run.sh): a RAM file
 * system written directly on libfuse3's LOW-LEVEL API, serving what the KernelOps low-level host
 * serves for a mounted rust_ramfs, with the same FUSE protocol choices:
 *   - node ids are inode numbers; lookup counts are kept and forget/batch_forget drop them, and an
 *     unlinked inode lives until its last open and its last lookup are gone (as the model's iput);
 *   - regular files use the page cache (no direct_io, keep_cache off: invalidated at open);
 *   - entry and attribute timeouts are --timeout=SECONDS (default 0, the host's);
 *   - the multi-threaded loop (fuse_session_loop_mt), one mutex over the whole tree;
 *   - permission checks done here from fuse_req_ctx (no default_permissions), as the model does.
 * Measured: (a) 4 KiB sequential read/write of a file, (b) create+stat+unlink of 10,000 files in one
 * directory.
 *
 *   ramfs_ll MOUNTPOINT [-f] [-s] [-d] [-o opt,...] [--timeout=SECONDS]
 */
#define FUSE_USE_VERSION 312
#define _GNU_SOURCE
#include <errno.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct node;

/* A directory entry: in its directory's list (readdir order) and in the global name hash. */
struct dentry {
	struct node *dir;
	struct node *inode;
	char *name;
	uint64_t serial; /* readdir cookie: entries are listed in increasing serial */
	struct dentry *prev, *next; /* the directory's list */
	struct dentry *hash_next;
};

struct node {
	fuse_ino_t ino;
	mode_t mode;
	nlink_t nlink;
	uid_t uid;
	gid_t gid;
	dev_t rdev;
	struct timespec atime, mtime, ctime;
	uint64_t lookups; /* the kernel's references (FUSE lookup count) */
	uint64_t opens;
	/* regular files and symlinks */
	char *data;
	size_t size, capacity;
	/* directories */
	struct dentry *first, *last;
	struct node *parent;
	uint64_t next_serial;
	struct node *table_next; /* the inode table's chain */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static double timeout;
static fuse_ino_t next_ino;
static uint64_t live_bytes;

#define INODE_BUCKETS (1u << 16)
#define DENTRY_BUCKETS (1u << 16)
static struct node *inodes[INODE_BUCKETS];
static struct dentry *dentries[DENTRY_BUCKETS];
static struct node *root;

static uint64_t hash_name(fuse_ino_t dir, const char *name)
{
	uint64_t h = 1469598103934665603ULL ^ dir;
	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ULL;
	return h;
}

static struct node *find_inode(fuse_ino_t ino)
{
	struct node *n = inodes[ino & (INODE_BUCKETS - 1)];
	while (n && n->ino != ino)
		n = n->table_next;
	return n;
}

static struct node *new_inode(mode_t mode, const struct fuse_ctx *ctx, struct node *dir)
{
	struct node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->ino = next_ino++;
	n->mode = mode;
	n->uid = ctx->uid;
	/* mirrors fs/inode.c:inode_init_owner: setgid directories hand their group down */
	n->gid = (dir->mode & S_ISGID) ? dir->gid : ctx->gid;
	if (S_ISDIR(mode) && (dir->mode & S_ISGID))
		n->mode |= S_ISGID;
	clock_gettime(CLOCK_REALTIME, &n->mtime);
	n->atime = n->ctime = n->mtime;
	n->next_serial = 3;
	fuse_ino_t b = n->ino & (INODE_BUCKETS - 1);
	n->table_next = inodes[b];
	inodes[b] = n;
	return n;
}

/* iput: the inode goes once nothing names it, the kernel holds no lookup and no file is open */
static void maybe_free(struct node *n)
{
	if (n == root || n->nlink > 0 || n->lookups > 0 || n->opens > 0)
		return;
	struct node **p = &inodes[n->ino & (INODE_BUCKETS - 1)];
	while (*p != n)
		p = &(*p)->table_next;
	*p = n->table_next;
	live_bytes -= n->capacity;
	free(n->data);
	free(n);
}

static struct dentry *find_dentry(struct node *dir, const char *name)
{
	struct dentry *d = dentries[hash_name(dir->ino, name) & (DENTRY_BUCKETS - 1)];
	while (d && (d->dir != dir || strcmp(d->name, name) != 0))
		d = d->hash_next;
	return d;
}

static int add_dentry(struct node *dir, const char *name, struct node *inode)
{
	struct dentry *d = calloc(1, sizeof(*d));
	if (!d || !(d->name = strdup(name))) {
		free(d);
		return -ENOMEM;
	}
	d->dir = dir;
	d->inode = inode;
	d->serial = dir->next_serial++;
	d->prev = dir->last;
	if (dir->last)
		dir->last->next = d;
	else
		dir->first = d;
	dir->last = d;
	uint64_t b = hash_name(dir->ino, name) & (DENTRY_BUCKETS - 1);
	d->hash_next = dentries[b];
	dentries[b] = d;
	inode->nlink++;
	if (S_ISDIR(inode->mode)) {
		inode->parent = dir;
		dir->nlink++;
	}
	return 0;
}

static void remove_dentry(struct dentry *d)
{
	struct node *dir = d->dir, *inode = d->inode;
	if (d->prev)
		d->prev->next = d->next;
	else
		dir->first = d->next;
	if (d->next)
		d->next->prev = d->prev;
	else
		dir->last = d->prev;
	struct dentry **p = &dentries[hash_name(dir->ino, d->name) & (DENTRY_BUCKETS - 1)];
	while (*p != d)
		p = &(*p)->hash_next;
	*p = d->hash_next;
	inode->nlink--;
	if (S_ISDIR(inode->mode)) {
		inode->nlink--; /* its "." */
		dir->nlink--;   /* its ".." */
	}
	clock_gettime(CLOCK_REALTIME, &inode->ctime);
	dir->mtime = dir->ctime = inode->ctime;
	free(d->name);
	free(d);
}

static void fill_stat(const struct node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = n->nlink;
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	st->st_rdev = n->rdev;
	st->st_size = S_ISDIR(n->mode) ? 0 : (off_t)n->size;
	st->st_blksize = 4096;
	st->st_blocks = (off_t)((n->capacity + 511) / 512);
	st->st_atim = n->atime;
	st->st_mtim = n->mtime;
	st->st_ctim = n->ctime;
}

/* mirrors fs/namei.c:generic_permission for the caller's uid/gid (supplementary groups left out) */
static int permission(const struct node *n, const struct fuse_ctx *ctx, int mask)
{
	mode_t m = n->mode;
	if (ctx->uid == 0) {
		if (!(mask & 1) || S_ISDIR(m) || (m & 0111))
			return 0;
		return -EACCES;
	}
	if (ctx->uid == n->uid)
		m >>= 6;
	else if (ctx->gid == n->gid)
		m >>= 3;
	return ((m & mask & 7) == (mask & 7)) ? 0 : -EACCES;
}

static int reply_entry_locked(fuse_req_t req, struct node *n)
{
	struct fuse_entry_param e;
	memset(&e, 0, sizeof(e));
	e.ino = n->ino;
	e.attr_timeout = e.entry_timeout = timeout;
	fill_stat(n, &e.attr);
	n->lookups++;
	pthread_mutex_unlock(&lock);
	return fuse_reply_entry(req, &e);
}

static void ll_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* the host's choices: no writeback cache, readdirplus off */
	conn->want &= ~(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO);
	conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	pthread_mutex_lock(&lock);
	struct node *dir = find_inode(parent);
	if (!dir) { pthread_mutex_unlock(&lock); fuse_reply_err(req, ENOENT); return; }
	int rc = permission(dir, fuse_req_ctx(req), 1);
	if (rc) { pthread_mutex_unlock(&lock); fuse_reply_err(req, -rc); return; }
	struct dentry *d = find_dentry(dir, name);
	if (!d) {
		pthread_mutex_unlock(&lock);
		struct fuse_entry_param e;
		memset(&e, 0, sizeof(e));
		e.entry_timeout = timeout; /* a negative entry, cached as long as a positive one */
		fuse_reply_entry(req, &e);
		return;
	}
	reply_entry_locked(req, d->inode);
}

static void forget_one(fuse_ino_t ino, uint64_t nlookup)
{
	struct node *n = find_inode(ino);
	if (!n)
		return;
	n->lookups = n->lookups > nlookup ? n->lookups - nlookup : 0;
	maybe_free(n);
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	pthread_mutex_lock(&lock);
	forget_one(ino, nlookup);
	pthread_mutex_unlock(&lock);
	fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < count; i++)
		forget_one(forgets[i].ino, forgets[i].nlookup);
	pthread_mutex_unlock(&lock);
	fuse_reply_none(req);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	struct stat st;
	pthread_mutex_lock(&lock);
	struct node *n = find_inode(ino);
	if (n)
		fill_stat(n, &st);
	pthread_mutex_unlock(&lock);
	if (!n)
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_attr(req, &st, timeout);
}

static int resize(struct node *n, size_t size)
{
	if (size > n->capacity) {
		size_t grown = n->capacity ? n->capacity : 4096;
		while (grown < size)
			grown *= 2;
		char *p = realloc(n->data, grown);
		if (!p)
			return -ENOSPC;
		live_bytes += grown - n->capacity;
		n->data = p;
		n->capacity = grown;
	}
	if (size > n->size)
		memset(n->data + n->size, 0, size - n->size);
	n->size = size;
	return 0;
}

static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi)
{
	(void)fi;
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct stat st;
	int rc = 0;
	pthread_mutex_lock(&lock);
	struct node *n = find_inode(ino);
	if (!n) { rc = -ENOENT; goto out; }
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	/* mirrors fs/attr.c:setattr_prepare for the owner checks */
	if ((to_set & FUSE_SET_ATTR_MODE) && ctx->uid != 0 && ctx->uid != n->uid) { rc = -EPERM; goto out; }
	if ((to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) && ctx->uid != 0) { rc = -EPERM; goto out; }
	if (to_set & FUSE_SET_ATTR_SIZE) {
		if (!S_ISREG(n->mode)) { rc = -EINVAL; goto out; }
		if ((rc = resize(n, (size_t)attr->st_size)) != 0)
			goto out;
		n->mtime = now;
	}
	if (to_set & FUSE_SET_ATTR_MODE)
		n->mode = (n->mode & S_IFMT) | (attr->st_mode & 07777);
	if (to_set & FUSE_SET_ATTR_UID)
		n->uid = attr->st_uid;
	if (to_set & FUSE_SET_ATTR_GID)
		n->gid = attr->st_gid;
	if (to_set & FUSE_SET_ATTR_ATIME)
		n->atime = (to_set & FUSE_SET_ATTR_ATIME_NOW) ? now : attr->st_atim;
	if (to_set & FUSE_SET_ATTR_MTIME)
		n->mtime = (to_set & FUSE_SET_ATTR_MTIME_NOW) ? now : attr->st_mtim;
	n->ctime = now;
	fill_stat(n, &st);
out:
	pthread_mutex_unlock(&lock);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, timeout);
}

/* mknod, mkdir, symlink, create: a new inode named NAME in PARENT */
static int make(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, const char *target, struct node **made)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct node *dir = find_inode(parent);
	if (!dir)
		return -ENOENT;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	int rc = permission(dir, ctx, 3);
	if (rc)
		return rc;
	if (find_dentry(dir, name))
		return -EEXIST;
	struct node *n = new_inode(mode, ctx, dir);
	if (!n)
		return -ENOMEM;
	if (target && (rc = resize(n, strlen(target))) == 0)
		memcpy(n->data, target, strlen(target));
	if (rc || (rc = add_dentry(dir, name, n)) != 0) {
		maybe_free(n);
		return rc;
	}
	dir->mtime = dir->ctime = n->ctime;
	*made = n;
	return 0;
}

static void reply_made(fuse_req_t req, int rc, struct node *n)
{
	if (rc) {
		pthread_mutex_unlock(&lock);
		fuse_reply_err(req, -rc);
	} else {
		reply_entry_locked(req, n);
	}
}

static void ll_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	struct node *n = NULL;
	pthread_mutex_lock(&lock);
	int rc = make(req, parent, name, mode & ~fuse_req_ctx(req)->umask, NULL, &n);
	if (!rc)
		n->rdev = rdev;
	reply_made(req, rc, n);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct node *n = NULL;
	pthread_mutex_lock(&lock);
	int rc = make(req, parent, name, S_IFDIR | (mode & 07777 & ~fuse_req_ctx(req)->umask), NULL, &n);
	if (!rc)
		n->nlink++; /* its "." */
	reply_made(req, rc, n);
}

static void ll_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	struct node *n = NULL;
	pthread_mutex_lock(&lock);
	int rc = make(req, parent, name, S_IFLNK | 0777, link, &n);
	reply_made(req, rc, n);
}

static void ll_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[PATH_MAX + 1];
	pthread_mutex_lock(&lock);
	struct node *n = find_inode(ino);
	int rc = !n ? ENOENT : !S_ISLNK(n->mode) ? EINVAL : 0;
	if (!rc) {
		memcpy(buf, n->data, n->size);
		buf[n->size] = 0;
	}
	pthread_mutex_unlock(&lock);
	if (rc)
		fuse_reply_err(req, rc);
	else
		fuse_reply_readlink(req, buf);
}

/* unlink and rmdir: sticky directories, as fs/namei.c:may_delete */
static int may_delete(const struct fuse_ctx *ctx, struct node *dir, struct node *victim)
{
	int rc = permission(dir, ctx, 3);
	if (rc)
		return rc;
	if ((dir->mode & S_ISVTX) && ctx->uid != 0 && ctx->uid != dir->uid && ctx->uid != victim->uid)
		return -EPERM;
	return 0;
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int rc = 0;
	pthread_mutex_lock(&lock);
	struct node *dir = find_inode(parent);
	struct dentry *d = dir ? find_dentry(dir, name) : NULL;
	if (!d)
		rc = -ENOENT;
	else if (S_ISDIR(d->inode->mode))
		rc = -EISDIR;
	else if ((rc = may_delete(fuse_req_ctx(req), dir, d->inode)) == 0) {
		struct node *n = d->inode;
		remove_dentry(d);
		maybe_free(n);
	}
	pthread_mutex_unlock(&lock);
	fuse_reply_err(req, -rc);
}

static void ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int rc = 0;
	pthread_mutex_lock(&lock);
	struct node *dir = find_inode(parent);
	struct dentry *d = dir ? find_dentry(dir, name) : NULL;
	if (!d)
		rc = -ENOENT;
	else if (!S_ISDIR(d->inode->mode))
		rc = -ENOTDIR;
	else if (d->inode->first)
		rc = -ENOTEMPTY;
	else if ((rc = may_delete(fuse_req_ctx(req), dir, d->inode)) == 0) {
		struct node *n = d->inode;
		remove_dentry(d);
		maybe_free(n);
	}
	pthread_mutex_unlock(&lock);
	fuse_reply_err(req, -rc);
}

static void ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	int rc = 0;
	pthread_mutex_lock(&lock);
	struct node *from = find_inode(parent), *to = find_inode(newparent);
	struct dentry *d = from ? find_dentry(from, name) : NULL;
	struct dentry *target = to ? find_dentry(to, newname) : NULL;
	if (!d || !to) { rc = -ENOENT; goto out; }
	if (flags & ~RENAME_NOREPLACE) { rc = -EINVAL; goto out; } /* ramfs has no RENAME_EXCHANGE/WHITEOUT */
	if ((rc = may_delete(ctx, from, d->inode)) != 0 || (rc = permission(to, ctx, 3)) != 0)
		goto out;
	if (target == d)
		goto out;
	if (target && (flags & RENAME_NOREPLACE)) { rc = -EEXIST; goto out; }
	if (S_ISDIR(d->inode->mode)) {
		for (struct node *p = to; p; p = p->parent)
			if (p == d->inode) { rc = -EINVAL; goto out; } /* into its own subtree */
	}
	if (target) {
		if (S_ISDIR(d->inode->mode) && !S_ISDIR(target->inode->mode)) { rc = -ENOTDIR; goto out; }
		if (!S_ISDIR(d->inode->mode) && S_ISDIR(target->inode->mode)) { rc = -EISDIR; goto out; }
		if (S_ISDIR(target->inode->mode) && target->inode->first) { rc = -ENOTEMPTY; goto out; }
		struct node *victim = target->inode;
		remove_dentry(target);
		maybe_free(victim);
	}
	struct node *n = d->inode;
	remove_dentry(d);
	n->nlink++; /* remove_dentry dropped the name we move */
	if (S_ISDIR(n->mode))
		n->nlink++;
	rc = add_dentry(to, newname, n);
	n->nlink--;
	if (S_ISDIR(n->mode))
		n->nlink--;
out:
	pthread_mutex_unlock(&lock);
	fuse_reply_err(req, -rc);
}

static void ll_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	int rc;
	pthread_mutex_lock(&lock);
	struct node *n = find_inode(ino), *dir = find_inode(newparent);
	if (!n || !dir)
		rc = -ENOENT;
	else if (S_ISDIR(n->mode))
		rc = -EPERM;
	else if ((rc = permission(dir, fuse_req_ctx(req), 3)) == 0 && find_dentry(dir, newname))
		rc = -EEXIST;
	else if (rc == 0)
		rc = add_dentry(dir, newname, n);
	if (rc == 0)
		clock_gettime(CLOCK_REALTIME, &n->ctime);
	reply_made(req, rc, n);
}

static int may_open(const struct node *n, const struct fuse_ctx *ctx, int flags)
{
	int acc = flags & O_ACCMODE;
	int mask = (acc == O_RDONLY ? 4 : acc == O_WRONLY ? 2 : 6);
	if (S_ISDIR(n->mode) && acc != O_RDONLY)
		return -EISDIR;
	return permission(n, ctx, mask);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	pthread_mutex_lock(&lock);
	struct node *n = find_inode(ino);
	int rc = !n ? -ENOENT : may_open(n, fuse_req_ctx(req), fi->flags);
	if (!rc && (fi->flags & O_TRUNC) && S_ISREG(n->mode)) {
		resize(n, 0);
		clock_gettime(CLOCK_REALTIME, &n->mtime);
		n->ctime = n->mtime;
	}
	if (!rc)
		n->opens++;
	pthread_mutex_unlock(&lock);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	fi->keep_cache = 0;
	fi->direct_io = 0;
	fuse_reply_open(req, fi);
}

static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi)
{
	struct node *n = NULL;
	pthread_mutex_lock(&lock);
	int rc = make(req, parent, name, S_IFREG | (mode & 07777 & ~fuse_req_ctx(req)->umask), NULL, &n);
	if (rc) {
		pthread_mutex_unlock(&lock);
		fuse_reply_err(req, -rc);
		return;
	}
	struct fuse_entry_param e;
	memset(&e, 0, sizeof(e));
	e.ino = n->ino;
	e.attr_timeout = e.entry_timeout = timeout;
	fill_stat(n, &e.attr);
	n->lookups++;
	n->opens++;
	pthread_mutex_unlock(&lock);
	fi->keep_cache = 0;
	fi->direct_io = 0;
	fuse_reply_create(req, &e, fi);
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	pthread_mutex_lock(&lock);
	struct node *n = find_inode(ino);
	if (!n) { pthread_mutex_unlock(&lock); fuse_reply_err(req, EBADF); return; }
	size_t len = (size_t)off >= n->size ? 0 : n->size - (size_t)off < size ? n->size - (size_t)off : size;
	clock_gettime(CLOCK_REALTIME, &n->atime);
	/* fuse_reply_buf copies into the reply before it returns: safe under the lock */
	fuse_reply_buf(req, len ? n->data + off : NULL, len);
	pthread_mutex_unlock(&lock);
}

static void ll_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	int rc = 0;
	pthread_mutex_lock(&lock);
	struct node *n = find_inode(ino);
	if (!n) { rc = -EBADF; goto out; }
	if (fi->flags & O_APPEND)
		off = (off_t)n->size;
	if ((size_t)off + size > n->size && (rc = resize(n, (size_t)off + size)) != 0)
		goto out;
	memcpy(n->data + off, buf, size);
	clock_gettime(CLOCK_REALTIME, &n->mtime);
	n->ctime = n->mtime;
	n->mode &= ~(S_ISUID | S_ISGID); /* file_remove_privs, loosely */
out:
	pthread_mutex_unlock(&lock);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_write(req, size);
}

static void ll_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	pthread_mutex_lock(&lock);
	struct node *n = find_inode(ino);
	if (n && n->opens) {
		n->opens--;
		maybe_free(n);
	}
	pthread_mutex_unlock(&lock);
	fuse_reply_err(req, 0);
}

static void ll_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino; (void)fi;
	fuse_reply_err(req, 0);
}

static void ll_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	(void)ino; (void)datasync; (void)fi;
	fuse_reply_err(req, 0); /* RAM: nothing to write back (noop_fsync) */
}

static void ll_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	pthread_mutex_lock(&lock);
	struct node *n = find_inode(ino);
	int rc = !n ? -ENOENT : !S_ISDIR(n->mode) ? -ENOTDIR : permission(n, fuse_req_ctx(req), 4);
	if (!rc)
		n->opens++;
	pthread_mutex_unlock(&lock);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_open(req, fi);
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	char *buf = malloc(size);
	size_t used = 0;
	if (!buf) { fuse_reply_err(req, ENOMEM); return; }
	pthread_mutex_lock(&lock);
	struct node *dir = find_inode(ino);
	if (!dir) { pthread_mutex_unlock(&lock); free(buf); fuse_reply_err(req, ENOENT); return; }
	struct stat st;
	memset(&st, 0, sizeof(st));
	/* cookies: 1 after ".", 2 after "..", then each entry's serial (dcache_readdir's order) */
	if (off < 1) {
		st.st_ino = dir->ino; st.st_mode = S_IFDIR;
		size_t n = fuse_add_direntry(req, buf + used, size - used, ".", &st, 1);
		if (n > size - used) goto full;
		used += n;
	}
	if (off < 2) {
		st.st_ino = dir->parent ? dir->parent->ino : dir->ino; st.st_mode = S_IFDIR;
		size_t n = fuse_add_direntry(req, buf + used, size - used, "..", &st, 2);
		if (n > size - used) goto full;
		used += n;
	}
	for (struct dentry *d = dir->first; d; d = d->next) {
		if ((off_t)d->serial <= off)
			continue;
		st.st_ino = d->inode->ino;
		st.st_mode = d->inode->mode;
		size_t n = fuse_add_direntry(req, buf + used, size - used, d->name, &st, (off_t)d->serial);
		if (n > size - used)
			break;
		used += n;
	}
full:
	pthread_mutex_unlock(&lock);
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void ll_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	ll_release(req, ino, fi);
}

static void ll_statfs(fuse_req_t req, fuse_ino_t ino)
{
	(void)ino;
	struct statvfs sv;
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = sv.f_frsize = 4096; /* ramfs' simple_statfs: sizes unknown */
	sv.f_namemax = NAME_MAX;
	fuse_reply_statfs(req, &sv);
}

static void ll_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	pthread_mutex_lock(&lock);
	struct node *n = find_inode(ino);
	int rc = !n ? -ENOENT : permission(n, fuse_req_ctx(req), mask);
	pthread_mutex_unlock(&lock);
	fuse_reply_err(req, -rc);
}

static const struct fuse_lowlevel_ops ops = {
	.init = ll_init,
	.lookup = ll_lookup,
	.forget = ll_forget,
	.forget_multi = ll_forget_multi,
	.getattr = ll_getattr,
	.setattr = ll_setattr,
	.readlink = ll_readlink,
	.mknod = ll_mknod,
	.mkdir = ll_mkdir,
	.unlink = ll_unlink,
	.rmdir = ll_rmdir,
	.symlink = ll_symlink,
	.rename = ll_rename,
	.link = ll_link,
	.open = ll_open,
	.read = ll_read,
	.write = ll_write,
	.flush = ll_flush,
	.release = ll_release,
	.fsync = ll_fsync,
	.opendir = ll_opendir,
	.readdir = ll_readdir,
	.releasedir = ll_releasedir,
	.statfs = ll_statfs,
	.access = ll_access,
	.create = ll_create,
};

struct options {
	double timeout;
};

static const struct fuse_opt option_spec[] = {
	{ "--timeout=%lf", offsetof(struct options, timeout), 1 },
	FUSE_OPT_END
};

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts;
	struct options options = { 0 };
	int ret = 1;

	if (fuse_opt_parse(&args, &options, option_spec, NULL) == -1)
		return 1;
	timeout = options.timeout;
	if (fuse_parse_cmdline(&args, &opts) != 0)
		return 1;
	if (opts.show_help || !opts.mountpoint) {
		printf("usage: %s MOUNTPOINT [-f] [-s] [-d] [-o opt,...] [--timeout=SECONDS]\n", argv[0]);
		fuse_cmdline_help();
		goto out;
	}

	struct fuse_ctx owner = { .uid = 0, .gid = 0, .pid = 0, .umask = 0 };
	struct node fake_parent = { .mode = S_IFDIR | 0755 };
	next_ino = FUSE_ROOT_ID;
	root = new_inode(S_IFDIR | 0755, &owner, &fake_parent);
	root->nlink = 2;
	root->lookups = 1; /* the mount's own reference */

	struct fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!se)
		goto out;
	if (fuse_set_signal_handlers(se) != 0)
		goto destroy;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto handlers;
	fuse_daemonize(opts.foreground);
	if (opts.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		struct fuse_loop_config *config = fuse_loop_cfg_create();
		fuse_loop_cfg_set_clone_fd(config, opts.clone_fd);
		fuse_loop_cfg_set_max_threads(config, opts.max_threads);
		ret = fuse_session_loop_mt(se, config);
		fuse_loop_cfg_destroy(config);
	}
	fuse_session_unmount(se);
handlers:
	fuse_remove_signal_handlers(se);
destroy:
	fuse_session_destroy(se);
out:
	free(opts.mountpoint);
	fuse_opt_free_args(&args);
	return ret ? 1 : 0;
}
