/* SPDX-License-Identifier: MIT */
#ifndef MICA_STORED_LIST_H
#define MICA_STORED_LIST_H

/*
 * Circular doubly-linked lists threaded through the objects they hold.  An
 * empty list (and a node on no list) points at itself.
 */

#include <stdbool.h>
#include <stddef.h>

struct list {
	struct list *next, *prev;
};

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr)-offsetof(type, member)))

#define list_entry(ptr, type, member) container_of(ptr, type, member)

#define list_for_each(pos, head) \
	for (pos = (head)->next; pos != (head); pos = pos->next)

/* Safe against removal of @pos inside the loop body. */
#define list_for_each_safe(pos, tmp, head)                       \
	for (pos = (head)->next, tmp = pos->next; pos != (head); \
	     pos = tmp, tmp = pos->next)

static inline void list_init(struct list *head)
{
	head->next = head->prev = head;
}

static inline bool list_empty(const struct list *head)
{
	return head->next == head;
}

static inline void list_add_tail(struct list *entry, struct list *head)
{
	entry->prev = head->prev;
	entry->next = head;
	head->prev->next = entry;
	head->prev = entry;
}

/* Unlinks @entry and leaves it pointing at itself. */
static inline void list_del(struct list *entry)
{
	entry->prev->next = entry->next;
	entry->next->prev = entry->prev;
	list_init(entry);
}

#endif
