/* kql_arena.c - bump allocator for one query: the tree, computed strings
 * and result rows are released together. */
#include "config.h"

#include "kql_priv.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used;
	size_t cap;
	_Alignas(16) unsigned char data[];
};

struct kql_arena {
	struct chunk *head;
};

struct kql_arena *kql_arena_new(void)
{
	return calloc(1, sizeof(struct kql_arena));
}

void kql_arena_free(struct kql_arena *a)
{
	if (!a)
		return;
	for (struct chunk *c = a->head, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	free(a);
}

void *kql_arena_alloc(struct kql_arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t need = (n + 15) & ~(size_t)15;

	if (need < n)
		return NULL;
	if (!c || c->cap - c->used < need) {
		size_t cap = need > ARENA_CHUNK ? need : ARENA_CHUNK;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		/* a big one-off block goes behind the current chunk so the
		 * current chunk's free space is not wasted */
		if (a->head && need > ARENA_CHUNK) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	void *p = c->data + c->used;
	c->used += need;
	memset(p, 0, n);
	return p;
}

char *kql_arena_strndup(struct kql_arena *a, const char *s, size_t n)
{
	char *p = kql_arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
