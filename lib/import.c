// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Import side: connect, disconnect, get, put, scatter-gather, map.
 *
 * An import handle owns one file of /dev/rsm, made an import segment with
 * RSM_IOC_IMPORT_CONNECT; disconnect closes it. get and put never map the
 * segment: each call is one RSM_IOC_IMPORT_GET or PUT for the whole
 * transfer (the 8- to 64-bit variants move rep_cnt elements in one go,
 * without byte swapping, as Solaris), and getv/putv one GETV or PUTV. The
 * data path allocates nothing.
 *
 * Barrier mode. Solaris' implicit mode opened and closed a barrier around
 * every get and put. The kernel's GET, PUT, GETV and PUTV return only once
 * the access has completed and report a failed access themselves, so that
 * pair would cost two system calls and tell nothing new: in implicit mode
 * the call's own error is the answer (ECONNABORTED: RSMERR_CONN_ABORTED,
 * EIO: RSMERR_BARRIER_FAILURE). Explicit mode returns the same codes; the
 * kernel reports the failure again at the application's close_barrier.
 *
 * The argument checks follow RSMAPI's order. A handle this library did not
 * make, or has disconnected, is RSMERR_BAD_SEG_HNDL where RSMAPI checks the
 * handle's state (the first use of its contents). Unlike illumos, a
 * read-only import can get, and every transfer is bounds checked.
 *
 * Map and unmap are mmap() and munmap() of the import's file; get and put
 * never go through a mapping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "librsm.h"

int rsm_memseg_import_connect(rsmapi_controller_handle_t controller,
			      rsm_node_id_t node_id,
			      rsm_memseg_id_t segment_id,
			      rsm_permission_t perm,
			      rsm_memseg_import_handle_t *im_memseg)
{
	struct rsm_import_connect c = { 0 };
	struct __rsm_memseg_import_handle *im;
	struct rsm_ctrl_attr attr;
	int fd, ret;

	if (!controller)
		return RSMERR_BAD_CTLR_HNDL;
	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	*im_memseg = NULL;
	if (perm & ~RSM_PERM_RDWR)
		return RSMERR_PERM_DENIED;
	ret = __rsm_ctrl_valid(controller, &attr);
	if (ret)
		return ret;
	im = calloc(1, sizeof(*im));
	if (!im)
		return RSMERR_INSUFFICIENT_MEM;
	ret = __rsm_seg_open(&fd);
	if (ret)
		goto err_free;

	memcpy(c.ctrl, attr.name, sizeof(c.ctrl));
	c.ctrl_id = attr.id;
	c.node = node_id;
	c.segid = segment_id;
	c.perm = perm;
	if (ioctl(fd, RSM_IOC_IMPORT_CONNECT, &c)) {
		ret = __rsm_errno_to_rsmerr(errno);
		goto err_close;
	}
	im->node = node_id;
	im->segid = segment_id;
	im->perm = c.perm;
	im->mode = RSM_BARRIER_MODE_IMPLICIT;
	im->seg.state = RSM_IMPORT_CONNECT;
	__rsm_seg_add(&im->seg, RSM_OBJ_IMPORT, fd, controller, c.size);
	*im_memseg = im;
	return RSM_SUCCESS;

err_close:
	close(fd);
err_free:
	free(im);
	return ret;
}

/*
 * Works after the exporter forced the import off, too. Closing the file
 * (once no other thread is inside a call on this handle) disconnects.
 */
int rsm_memseg_import_disconnect(rsm_memseg_import_handle_t im_memseg)
{
	struct __rsm_memseg_import_handle *im;
	int ret;

	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	im = __rsm_import_get(im_memseg);
	if (!im)
		return RSMERR_BAD_SEG_HNDL;
	pthread_mutex_lock(&im->seg.lock);
	if (im->seg.state == RSM_IMPORT_MAP)
		ret = RSMERR_SEG_STILL_MAPPED;
	else
		ret = __rsm_obj_del(&im->seg.obj);
	if (!ret)
		im->seg.state = RSM_IMPORT_DISCONNECT;
	pthread_mutex_unlock(&im->seg.lock);
	__rsm_import_put(im);
	return ret;
}

/*
 * RSMAPI's checks that need the handle, in its order: state, permission,
 * bounds, barrier. There is no implicit map step: get and put never map.
 * @len is rep_cnt * @das, unless that overflowed (@len_ok false).
 */
static int access_check(struct __rsm_memseg_import_handle *im, off_t offset,
			size_t len, bool len_ok, rsm_permission_t need)
{
	int ret = RSM_SUCCESS;

	pthread_mutex_lock(&im->seg.lock);
	if (im->seg.state != RSM_IMPORT_CONNECT &&
	    im->seg.state != RSM_IMPORT_MAP)
		ret = RSMERR_BAD_SEG_HNDL;
	else if (!(im->perm & need))
		ret = RSMERR_PERM_DENIED;
	else if (offset < 0)
		ret = RSMERR_BAD_OFFSET;
	else if (!len_ok || len > im->seg.size ||
		 (uint64_t)offset > im->seg.size - len)
		ret = RSMERR_BAD_LENGTH;
	else if (im->mode == RSM_BARRIER_MODE_IMPLICIT && !im->barrier)
		ret = RSMERR_BARRIER_UNINITIALIZED;
	pthread_mutex_unlock(&im->seg.lock);
	return ret;
}

/*
 * Every get and put: @count elements of @das bytes between @datap and
 * @offset in the segment, in one ioctl.
 */
static int xfer(rsm_memseg_import_handle_t im_memseg, off_t offset,
		void *datap, size_t das, size_t count, bool put)
{
	struct __rsm_memseg_import_handle *im;
	struct rsm_iov iov;
	size_t len;
	bool len_ok;
	int ret;

	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (!datap)
		return RSMERR_BAD_ADDR;
	if ((uintptr_t)datap & (das - 1))
		return RSMERR_BAD_MEM_ALIGNMENT;
	if ((uint64_t)offset & (das - 1))
		return RSMERR_BAD_MEM_ALIGNMENT;
	im = __rsm_import_get(im_memseg);
	if (!im)
		return RSMERR_BAD_SEG_HNDL;
	len_ok = !__builtin_mul_overflow(count, das, &len);
	ret = access_check(im, offset, len, len_ok,
			   put ? RSM_PERM_WRITE : RSM_PERM_READ);
	if (!ret) {
		iov.offset = offset;
		iov.len = len;
		iov.buf = (uintptr_t)datap;
		if (ioctl(im->seg.fd, put ? RSM_IOC_IMPORT_PUT :
			  RSM_IOC_IMPORT_GET, &iov))
			ret = __rsm_errno_to_rsmerr(errno);
	}
	__rsm_import_put(im);
	return ret;
}

int rsm_memseg_import_get8(rsm_memseg_import_handle_t im_memseg,
			   off_t offset, uint8_t *datap, ulong_t rep_cnt)
{
	return xfer(im_memseg, offset, datap, sizeof(*datap), rep_cnt, false);
}

int rsm_memseg_import_get16(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint16_t *datap, ulong_t rep_cnt)
{
	return xfer(im_memseg, offset, datap, sizeof(*datap), rep_cnt, false);
}

int rsm_memseg_import_get32(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint32_t *datap, ulong_t rep_cnt)
{
	return xfer(im_memseg, offset, datap, sizeof(*datap), rep_cnt, false);
}

int rsm_memseg_import_get64(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint64_t *datap, ulong_t rep_cnt)
{
	return xfer(im_memseg, offset, datap, sizeof(*datap), rep_cnt, false);
}

int rsm_memseg_import_get(rsm_memseg_import_handle_t im_memseg,
			  off_t offset, void *dst_addr, size_t length)
{
	return xfer(im_memseg, offset, dst_addr, 1, length, false);
}

int rsm_memseg_import_put8(rsm_memseg_import_handle_t im_memseg,
			   off_t offset, uint8_t *datap, ulong_t rep_cnt)
{
	return xfer(im_memseg, offset, datap, sizeof(*datap), rep_cnt, true);
}

int rsm_memseg_import_put16(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint16_t *datap, ulong_t rep_cnt)
{
	return xfer(im_memseg, offset, datap, sizeof(*datap), rep_cnt, true);
}

int rsm_memseg_import_put32(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint32_t *datap, ulong_t rep_cnt)
{
	return xfer(im_memseg, offset, datap, sizeof(*datap), rep_cnt, true);
}

int rsm_memseg_import_put64(rsm_memseg_import_handle_t im_memseg,
			    off_t offset, uint64_t *datap, ulong_t rep_cnt)
{
	return xfer(im_memseg, offset, datap, sizeof(*datap), rep_cnt, true);
}

int rsm_memseg_import_put(rsm_memseg_import_handle_t im_memseg,
			  off_t offset, void *src_addr, size_t length)
{
	return xfer(im_memseg, offset, src_addr, 1, length, true);
}

/* State and permission of the segment a vector goes to. */
static int sgio_check(struct __rsm_memseg_import_handle *im,
		      rsm_permission_t need)
{
	int ret = RSM_SUCCESS;

	pthread_mutex_lock(&im->seg.lock);
	if (im->seg.state != RSM_IMPORT_CONNECT &&
	    im->seg.state != RSM_IMPORT_MAP)
		ret = RSMERR_BAD_SEG_HNDL;
	else if (!(im->perm & need))
		ret = RSMERR_PERM_DENIED;
	pthread_mutex_unlock(&im->seg.lock);
	return ret;
}

/*
 * One rsm_iovec_t as the kernel's struct rsm_iov: the local side is an
 * address, or a local memory handle's address plus local_offset (within
 * the handle's length); the remote range must lie in the segment.
 */
static int sgio_entry(const rsm_iovec_t *v, size_t size, struct rsm_iov *out)
{
	uint64_t buf;
	int ret;

	switch (v->io_type) {
	case RSM_VA_TYPE:
		if (!v->local.vaddr)
			return RSMERR_BAD_ADDR;
		buf = (uintptr_t)v->local.vaddr + v->local_offset;
		break;
	case RSM_HANDLE_TYPE:
		ret = __rsm_localmem_addr(v->local.handle, v->local_offset,
					  v->transfer_length, &buf);
		if (ret)
			return ret;
		break;
	default:
		return RSMERR_BAD_SGIO;
	}
	if (v->transfer_length > size ||
	    v->remote_offset > size - v->transfer_length)
		return RSMERR_BAD_LENGTH;
	out->offset = v->remote_offset;
	out->len = v->transfer_length;
	out->buf = buf;
	return RSM_SUCCESS;
}

/*
 * getv and putv. The entries are checked in order; those before the first
 * bad one are done, as the kernel stops at the first entry that fails, so
 * io_residual_count counts the entry that failed and those after it.
 */
static int sgio(rsm_scat_gath_t *sg_io, bool put)
{
	struct rsm_iov iov[RSM_IOV_MAX];
	struct rsm_import_vec vec = { .iov = (uintptr_t)iov };
	struct __rsm_memseg_import_handle *im;
	int ret, bad = RSM_SUCCESS;
	ulong_t i, n;

	if (!sg_io)
		return RSMERR_BAD_SGIO;
	if (!sg_io->remote_handle)
		return RSMERR_BAD_SEG_HNDL;
	n = sg_io->io_request_count;
	if (!n || n > RSM_MAX_SGIOREQS || !sg_io->iovec)
		return RSMERR_BAD_SGIO;
	im = __rsm_import_get(sg_io->remote_handle);
	if (!im)
		return RSMERR_BAD_SEG_HNDL;
	sg_io->io_residual_count = n;
	ret = sgio_check(im, put ? RSM_PERM_WRITE : RSM_PERM_READ);
	if (ret)
		goto out;
	for (i = 0; i < n && !bad; i++)
		bad = sgio_entry(&sg_io->iovec[i], im->seg.size, &iov[i]);
	vec.count = bad ? i - 1 : i;
	if (vec.count && ioctl(im->seg.fd, put ? RSM_IOC_IMPORT_PUTV :
			       RSM_IOC_IMPORT_GETV, &vec))
		ret = __rsm_errno_to_rsmerr(errno);
	else
		vec.done = vec.count;
	sg_io->io_residual_count = n - vec.done;
	if (!ret)
		ret = bad;
	if (!ret && sg_io->flags & RSM_IMPLICIT_SIGPOST)
		ret = rsm_intr_signal_post(im, sg_io->flags &
					   RSM_SIGPOST_NO_ACCUMULATE);
out:
	__rsm_import_put(im);
	return ret;
}

int rsm_memseg_import_getv(rsm_scat_gath_t *sg_io)
{
	return sgio(sg_io, false);
}

int rsm_memseg_import_putv(rsm_scat_gath_t *sg_io)
{
	return sgio(sg_io, true);
}

/*
 * mmap()'s errno as illumos maps it, but for ENOMEM: the range was
 * checked against the segment before, so it means no memory (or no
 * mapping left) here, where illumos said RSMERR_BAD_LENGTH.
 */
static int map_err(int err)
{
	switch (err) {
	case ENOMEM:
		return RSMERR_INSUFFICIENT_MEM;
	case ENXIO:
	case EOVERFLOW:
		return RSMERR_BAD_LENGTH;
	case ENODEV:
		return RSMERR_CONN_ABORTED;
	case EAGAIN:
		return RSMERR_INSUFFICIENT_RESOURCES;
	case EACCES:
		return RSMERR_BAD_PERMS;
	default:
		return RSMERR_MAP_FAILED;
	}
}

/*
 * One mapping per handle, as in Solaris. A segment of this node maps its
 * exporter's memory; a remote one maps copies that barriers keep in step
 * (release consistency: see rsm_memseg_import_map(3RSM)).
 */
int rsm_memseg_import_map(rsm_memseg_import_handle_t im_memseg,
			  void **address, rsm_attribute_t attr,
			  rsm_permission_t perm, off_t offset, size_t length)
{
	uintptr_t pg = sysconf(_SC_PAGESIZE);
	struct __rsm_memseg_import_handle *im;
	int prot = PROT_NONE, flags = MAP_SHARED, ret = RSM_SUCCESS;
	void *addr;

	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	if (!address)
		return RSMERR_BAD_ADDR;
	im = __rsm_import_get(im_memseg);
	if (!im)
		return RSMERR_BAD_SEG_HNDL;
	pthread_mutex_lock(&im->seg.lock);
	if (im->seg.state == RSM_IMPORT_MAP)
		ret = RSMERR_SEG_ALREADY_MAPPED;
	else if (im->seg.state != RSM_IMPORT_CONNECT)
		ret = RSMERR_BAD_SEG_HNDL;
	else if (perm & ~RSM_PERM_RDWR)
		ret = RSMERR_BAD_PERMS;
	else if (!length || offset < 0 || (size_t)offset > im->seg.size ||
		 length > im->seg.size - offset)
		ret = RSMERR_BAD_LENGTH;
	else if ((uintptr_t)offset % pg ||
		 ((attr & RSM_MAP_FIXED) && (uintptr_t)*address % pg))
		ret = RSMERR_BAD_MEM_ALIGNMENT;
	if (ret)
		goto out;

	if (perm & RSM_PERM_READ)
		prot |= PROT_READ;
	if (perm & RSM_PERM_WRITE)
		prot |= PROT_WRITE;
	if (attr & RSM_MAP_FIXED)
		flags |= MAP_FIXED;
	addr = mmap(attr & RSM_MAP_FIXED ? *address : NULL, length, prot,
		    flags, im->seg.fd, offset);
	if (addr == MAP_FAILED) {
		ret = map_err(errno);
		goto out;
	}
	im->map_addr = addr;
	im->map_len = length;
	im->seg.state = RSM_IMPORT_MAP;
	*address = addr;
out:
	pthread_mutex_unlock(&im->seg.lock);
	__rsm_import_put(im);
	return ret;
}

/* Writes through the mapping reach the exporter before it goes. */
int rsm_memseg_import_unmap(rsm_memseg_import_handle_t im_memseg)
{
	struct __rsm_memseg_import_handle *im;
	int ret = RSM_SUCCESS;

	if (!im_memseg)
		return RSMERR_BAD_SEG_HNDL;
	im = __rsm_import_get(im_memseg);
	if (!im)
		return RSMERR_BAD_SEG_HNDL;
	pthread_mutex_lock(&im->seg.lock);
	if (im->seg.state != RSM_IMPORT_MAP) {
		ret = RSMERR_SEG_NOT_MAPPED;
	} else {
		msync(im->map_addr, im->map_len, MS_SYNC);
		/* munmap() can fail (ENOMEM): then it stays mapped. */
		if (munmap(im->map_addr, im->map_len)) {
			ret = __rsm_errno_to_rsmerr(errno);
		} else {
			im->map_addr = NULL;
			im->seg.state = RSM_IMPORT_CONNECT;
		}
	}
	pthread_mutex_unlock(&im->seg.lock);
	__rsm_import_put(im);
	return ret;
}
