/* SPDX-License-Identifier: MIT */
/* The grant-entry status protocol; see mica/grant_entry.h. */
#include <mica/errno.h>
#include <mica/grant_entry.h>

/* The first 8 bytes of an entry, as one value. */
union entry_head {
	uint64_t raw;
	struct {
		uint16_t flags;
		uint16_t domid;
		uint16_t sub_offset;
		uint16_t sub_length;
	};
};
_Static_assert(sizeof(union entry_head) == 8, "entry_head");
_Static_assert(__builtin_offsetof(struct mica_grant_entry, frame) == 8,
	       "entry head is the first 8 bytes");

static uint64_t *head_of(struct mica_grant_entry *e)
{
	return (uint64_t *)e;
}

static union entry_head head_load(struct mica_grant_entry *e)
{
	union entry_head h;

	h.raw = __atomic_load_n(head_of(e), __ATOMIC_ACQUIRE);
	return h;
}

/* Replaces the head by 'want' if it still is 'seen'. */
static bool head_cas(struct mica_grant_entry *e, union entry_head seen,
		     union entry_head want)
{
	return __atomic_compare_exchange_n(head_of(e), &seen.raw, want.raw,
					   false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

static int check_use(union entry_head h, const struct grant_use *use)
{
	if ((h.flags & MICA_GTF_TYPE_MASK) != MICA_GTF_permit_access ||
	    h.domid != use->grantee)
		return -EACCES;
	if (use->write && (h.flags & MICA_GTF_READONLY))
		return -EACCES;
	if (h.flags & MICA_GTF_SUB_PAGE) {
		if (!use->sub_page_ok)
			return -EACCES;
		if ((uint32_t)h.sub_offset + h.sub_length > MICA_PAGE_SIZE)
			return -EACCES; /* a range no copy can fit */
	}
	return 0;
}

/* Sets READING (and WRITING) on a checked entry; *out is what was seen. */
static int set_in_use(struct mica_grant_entry *e, const struct grant_use *use,
		      union entry_head *out)
{
	for (unsigned int i = 0; i < GRANT_CAS_RETRIES; i++) {
		union entry_head h = head_load(e), want;
		int rc = check_use(h, use);

		if (rc)
			return rc;
		want = h;
		want.flags |= MICA_GTF_READING;
		if (use->write)
			want.flags |= MICA_GTF_WRITING;
		if (h.raw == want.raw || head_cas(e, h, want)) {
			*out = h;
			return 0;
		}
	}
	return -EAGAIN;
}

int grant_active_pin(struct grant_active *act, struct mica_grant_entry *e,
		     const struct grant_use *use)
{
	union entry_head h;
	int rc;

	if (act->readers + act->writers == 0) {
		rc = set_in_use(e, use, &h);
		if (rc)
			return rc;
		/* E1: the frame was written before the flags we just read. */
		act->frame = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
		act->domid = h.domid;
		act->flags = h.flags & (MICA_GTF_READONLY | MICA_GTF_SUB_PAGE);
		act->sub_offset = h.sub_offset;
		act->sub_length = h.sub_length;
	} else {
		/* In use: what the first use read stands (E2). */
		if (act->domid != use->grantee)
			return -EACCES;
		if (use->write && (act->flags & MICA_GTF_READONLY))
			return -EACCES;
		if ((act->flags & MICA_GTF_SUB_PAGE) && !use->sub_page_ok)
			return -EACCES;
		if (use->write && act->writers == 0) {
			rc = set_in_use(e, use, &h);
			if (rc)
				return rc;
		}
	}
	if (use->write)
		act->writers++;
	else
		act->readers++;
	return 0;
}

void grant_active_unpin(struct grant_active *act, struct mica_grant_entry *e,
			bool write, bool entry_gone)
{
	uint16_t clear = 0;

	if (write) {
		if (!act->writers)
			return; /* a caller bug; never underflow */
		if (--act->writers == 0)
			clear |= MICA_GTF_WRITING;
	} else {
		if (!act->readers)
			return;
		act->readers--;
	}
	if (act->readers + act->writers == 0)
		clear |= MICA_GTF_READING;
	if (clear && !entry_gone)
		__atomic_fetch_and(&e->flags, (uint16_t)~clear,
				   __ATOMIC_SEQ_CST);
}

int grant_transfer_commit(struct mica_grant_entry *e, uint16_t sender)
{
	for (unsigned int i = 0; i < GRANT_CAS_RETRIES; i++) {
		union entry_head h = head_load(e), want;

		if ((h.flags & MICA_GTF_TYPE_MASK) !=
			    MICA_GTF_accept_transfer ||
		    h.domid != sender ||
		    (h.flags & (MICA_GTF_TRANSFER_COMMITTED |
				MICA_GTF_TRANSFER_COMPLETED)))
			return -EACCES;
		want = h;
		want.flags |= MICA_GTF_TRANSFER_COMMITTED;
		if (head_cas(e, h, want))
			return 0;
	}
	return -EAGAIN;
}

void grant_transfer_abort(struct mica_grant_entry *e)
{
	__atomic_fetch_and(&e->flags, (uint16_t)~MICA_GTF_TRANSFER_COMMITTED,
			   __ATOMIC_SEQ_CST);
}

void grant_transfer_complete(struct mica_grant_entry *e, uint64_t frame)
{
	__atomic_store_n(&e->frame, frame, __ATOMIC_RELEASE);
	/* E5: the frame is visible before COMPLETED (release above, and a
	 * locked RMW is a full barrier on x86). */
	__atomic_fetch_or(&e->flags, (uint16_t)MICA_GTF_TRANSFER_COMPLETED,
			  __ATOMIC_SEQ_CST);
}
