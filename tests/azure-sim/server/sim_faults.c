/* sim_faults.c - fault rules and their matching. */
#include "config.h"

#include "sim_faults.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "sim_json.h"

#include "sim_util.h"

#define MAX_SEQ 64

struct seq_step {
	int ok;
	unsigned int status;
	int drop;
	long latency_ms;
};

struct rule {
	char id[64];
	char *op;
	char *path;
	char *method;
	unsigned int status;
	int drop;
	long latency_ms;
	long retry_after;
	double rate;
	long times;         /* -1 = unlimited */
	long skip;
	struct seq_step seq[MAX_SEQ];
	int nseq;
	int repeat;
	char *exec_glob;     /* execution rules: execution name glob */
	char *job_glob;      /* optional job name glob */
	char exec_status[16]; /* "" for request rules */
	/* counters */
	long matched;
	long injected;
	int seq_pos;
	struct rule *next;
};

struct sim_faults {
	pthread_mutex_t mu;
	struct rule *rules;
	unsigned long next_id;
	unsigned long long rng;
};

struct sim_faults *sim_faults_new(void)
{
	struct sim_faults *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	pthread_mutex_init(&f->mu, NULL);
	f->rng = 0x2545F4914F6CDD1DULL;
	return f;
}

static void rule_free(struct rule *r)
{
	free(r->op);
	free(r->path);
	free(r->method);
	free(r->exec_glob);
	free(r->job_glob);
	free(r);
}

void sim_faults_clear(struct sim_faults *f)
{
	pthread_mutex_lock(&f->mu);
	while (f->rules) {
		struct rule *n = f->rules->next;
		rule_free(f->rules);
		f->rules = n;
	}
	pthread_mutex_unlock(&f->mu);
}

void sim_faults_free(struct sim_faults *f)
{
	if (!f)
		return;
	sim_faults_clear(f);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

static const char *get_str(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static int get_num(struct json_object *o, const char *k, double *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return -1;
	*out = json_object_get_double(v);
	return 1;
}

static int parse_step(struct json_object *v, struct seq_step *s, char **err, int i)
{
	memset(s, 0, sizeof(*s));
	if (json_object_is_type(v, json_type_int)) {
		int st = json_object_get_int(v);
		if (st < 100 || st > 599)
			goto bad;
		s->status = (unsigned int)st;
		return 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *t = json_object_get_string(v);
		if (strcasecmp(t, "ok") == 0) {
			s->ok = 1;
			return 0;
		}
		if (strcasecmp(t, "drop") == 0) {
			s->drop = 1;
			return 0;
		}
		if (isdigit((unsigned char)t[0])) {
			int st = atoi(t);
			if (st < 100 || st > 599)
				goto bad;
			s->status = (unsigned int)st;
			return 0;
		}
		goto bad;
	}
	if (json_object_is_type(v, json_type_object)) {
		double d;
		struct json_object *b;
		if (get_num(v, "status", &d) > 0)
			s->status = (unsigned int)d;
		if (get_num(v, "latencyMs", &d) > 0)
			s->latency_ms = (long)d;
		if (json_object_object_get_ex(v, "drop", &b))
			s->drop = json_object_get_boolean(b);
		if (!s->status && !s->drop)
			s->ok = 1;
		return 0;
	}
bad:
	*err = sim_strdupf("sequence[%d]: expected a status code, \"ok\", \"drop\" or an object", i);
	return -EINVAL;
}

static struct rule *parse_rule(struct sim_faults *f, struct json_object *o, char **err)
{
	struct rule *r;
	const char *s;
	double d;
	struct json_object *v;

	if (!json_object_is_type(o, json_type_object)) {
		*err = strdup("a fault rule must be a JSON object");
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->rate = 1.0;
	r->times = -1;
	r->retry_after = 1;
	if ((s = get_str(o, "id")))
		snprintf(r->id, sizeof(r->id), "%s", s);
	else
		snprintf(r->id, sizeof(r->id), "fault-%lu", ++f->next_id);
	if ((s = get_str(o, "op")))
		r->op = strdup(s);
	if ((s = get_str(o, "path")))
		r->path = strdup(s);
	if ((s = get_str(o, "method")))
		r->method = strdup(s);
	if ((s = get_str(o, "executionStatus"))) {
		if (strcmp(s, "Degraded") != 0 && strcmp(s, "Unknown") != 0) {
			*err = strdup("executionStatus must be \"Degraded\" or \"Unknown\"");
			goto fail;
		}
		snprintf(r->exec_status, sizeof(r->exec_status), "%s", s);
		if (!(s = get_str(o, "execution"))) {
			*err = strdup("an executionStatus rule needs \"execution\" (a name glob)");
			goto fail;
		}
		r->exec_glob = strdup(s);
		if ((s = get_str(o, "job")))
			r->job_glob = strdup(s);
		if (r->op || r->path || json_object_object_get_ex(o, "status", NULL) ||
		    json_object_object_get_ex(o, "drop", NULL) ||
		    json_object_object_get_ex(o, "latencyMs", NULL) ||
		    json_object_object_get_ex(o, "sequence", NULL)) {
			*err = strdup("an executionStatus rule takes no op, path, status, drop, "
				      "latencyMs or sequence");
			goto fail;
		}
	} else if (get_str(o, "execution")) {
		*err = strdup("\"execution\" needs \"executionStatus\"");
		goto fail;
	}
	if (!r->op && !r->path && !r->exec_glob) {
		*err = strdup("a fault rule needs \"op\" or \"path\"");
		goto fail;
	}
	if (get_num(o, "status", &d) < 0 || get_num(o, "latencyMs", &d) < 0 ||
	    get_num(o, "rate", &d) < 0 || get_num(o, "times", &d) < 0 ||
	    get_num(o, "skip", &d) < 0 || get_num(o, "retryAfter", &d) < 0) {
		*err = strdup("status, latencyMs, rate, times, skip and retryAfter must be numbers");
		goto fail;
	}
	if (get_num(o, "status", &d) > 0) {
		if (d < 100 || d > 599) {
			*err = strdup("status must be an HTTP status code");
			goto fail;
		}
		r->status = (unsigned int)d;
	}
	if (get_num(o, "latencyMs", &d) > 0)
		r->latency_ms = (long)d;
	if (get_num(o, "rate", &d) > 0) {
		if (d < 0 || d > 1) {
			*err = strdup("rate must be between 0 and 1");
			goto fail;
		}
		r->rate = d;
	}
	if (get_num(o, "times", &d) > 0)
		r->times = (long)d;
	if (get_num(o, "skip", &d) > 0)
		r->skip = (long)d;
	if (get_num(o, "retryAfter", &d) > 0)
		r->retry_after = (long)d;
	if (json_object_object_get_ex(o, "drop", &v))
		r->drop = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "repeat", &v))
		r->repeat = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "sequence", &v)) {
		size_t n;
		if (!json_object_is_type(v, json_type_array) ||
		    (n = sim_alen(v)) == 0 || n > MAX_SEQ) {
			*err = sim_strdupf("sequence must be an array of 1..%d steps", MAX_SEQ);
			goto fail;
		}
		for (size_t i = 0; i < n; i++)
			if (parse_step(json_object_array_get_idx(v, i), &r->seq[i], err, (int)i))
				goto fail;
		r->nseq = (int)n;
	} else if (!r->status && !r->drop && !r->latency_ms && !r->exec_glob) {
		*err = strdup("a fault rule needs status, drop, latencyMs or sequence");
		goto fail;
	}
	return r;
fail:
	rule_free(r);
	return NULL;
}

int sim_faults_add(struct sim_faults *f, struct json_object *rules,
		   struct json_object **ids, char **err)
{
	struct rule *head = NULL, **tail = &head;
	size_t n = 1;
	int is_arr = json_object_is_type(rules, json_type_array);

	*err = NULL;
	if (ids)
		*ids = NULL;
	pthread_mutex_lock(&f->mu);
	if (is_arr)
		n = sim_alen(rules);
	for (size_t i = 0; i < n; i++) {
		struct rule *r = parse_rule(f, is_arr ? json_object_array_get_idx(rules, i) : rules, err);
		if (!r) {
			while (head) {
				struct rule *nx = head->next;
				rule_free(head);
				head = nx;
			}
			pthread_mutex_unlock(&f->mu);
			if (!*err)
				*err = strdup("out of memory");
			return -EINVAL;
		}
		*tail = r;
		tail = &r->next;
	}
	if (ids) {
		*ids = json_object_new_array();
		for (struct rule *r = head; r; r = r->next)
			json_object_array_add(*ids, json_object_new_string(r->id));
	}
	/* Append after existing rules: earlier rules keep precedence. */
	{
		struct rule **end = &f->rules;
		while (*end)
			end = &(*end)->next;
		*end = head;
	}
	pthread_mutex_unlock(&f->mu);
	return 0;
}

int sim_faults_remove(struct sim_faults *f, const char *id)
{
	int rc = -ENOENT;

	pthread_mutex_lock(&f->mu);
	for (struct rule **p = &f->rules; *p; p = &(*p)->next) {
		if (strcmp((*p)->id, id) == 0) {
			struct rule *r = *p;
			*p = r->next;
			rule_free(r);
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&f->mu);
	return rc;
}

struct json_object *sim_faults_json(struct sim_faults *f)
{
	struct json_object *arr = json_object_new_array();

	pthread_mutex_lock(&f->mu);
	for (struct rule *r = f->rules; r; r = r->next) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(r->id));
		if (r->op)
			json_object_object_add(o, "op", json_object_new_string(r->op));
		if (r->path)
			json_object_object_add(o, "path", json_object_new_string(r->path));
		if (r->method)
			json_object_object_add(o, "method", json_object_new_string(r->method));
		if (r->exec_glob) {
			json_object_object_add(o, "execution", json_object_new_string(r->exec_glob));
			json_object_object_add(o, "executionStatus",
					       json_object_new_string(r->exec_status));
		}
		if (r->job_glob)
			json_object_object_add(o, "job", json_object_new_string(r->job_glob));
		if (r->status)
			json_object_object_add(o, "status", json_object_new_int((int)r->status));
		if (r->drop)
			json_object_object_add(o, "drop", json_object_new_boolean(1));
		if (r->latency_ms)
			json_object_object_add(o, "latencyMs", json_object_new_int64(r->latency_ms));
		json_object_object_add(o, "retryAfter", json_object_new_int64(r->retry_after));
		json_object_object_add(o, "rate", json_object_new_double(r->rate));
		if (r->times >= 0)
			json_object_object_add(o, "times", json_object_new_int64(r->times));
		if (r->nseq)
			json_object_object_add(o, "sequenceLength", json_object_new_int(r->nseq));
		json_object_object_add(o, "matched", json_object_new_int64(r->matched));
		json_object_object_add(o, "injected", json_object_new_int64(r->injected));
		json_object_array_add(arr, o);
	}
	pthread_mutex_unlock(&f->mu);
	return arr;
}

/* Glob over a path: '*' matches within one segment, '**' across them. */
static int glob_match(const char *pat, const char *s)
{
	while (*pat) {
		if (pat[0] == '*' && pat[1] == '*') {
			pat += 2;
			if (!*pat)
				return 1;
			for (; *s; s++)
				if (glob_match(pat, s))
					return 1;
			return glob_match(pat, s);
		}
		if (*pat == '*') {
			pat++;
			for (;; s++) {
				if (glob_match(pat, s))
					return 1;
				if (!*s || *s == '/')
					return 0;
			}
		}
		if (!*s || tolower((unsigned char)*pat) != tolower((unsigned char)*s))
			return 0;
		pat++;
		s++;
	}
	return *s == '\0';
}

static double next_rand(struct sim_faults *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return (double)(f->rng >> 11) / 9007199254740992.0;
}

void sim_faults_match(struct sim_faults *f, const char *method, const char *path,
		      const char *op, struct sim_fault_effect *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&f->mu);
	for (struct rule *r = f->rules; r; r = r->next) {
		if (r->exec_glob)
			continue;
		if (r->method && strcasecmp(r->method, method) != 0)
			continue;
		if (r->op && (!op || strcmp(r->op, op) != 0))
			continue;
		if (r->path && !glob_match(r->path, path))
			continue;
		if (r->times >= 0 && r->injected >= r->times)
			continue;
		if (r->nseq && r->seq_pos >= r->nseq && !r->repeat)
			continue;
		r->matched++;
		if (r->skip > 0) {
			r->skip--;
			break;
		}
		snprintf(out->rule_id, sizeof(out->rule_id), "%s", r->id);
		out->retry_after = r->retry_after;
		if (r->nseq) {
			struct seq_step *s;
			if (r->seq_pos >= r->nseq)
				r->seq_pos = 0;
			s = &r->seq[r->seq_pos++];
			out->latency_ms = s->latency_ms;
			if (!s->ok) {
				out->inject = 1;
				out->status = s->status;
				out->drop = s->drop;
				r->injected++;
			}
			break;
		}
		if (r->rate < 1.0 && next_rand(f) >= r->rate)
			break;
		out->latency_ms = r->latency_ms;
		if (r->status || r->drop) {
			out->inject = 1;
			out->status = r->status;
			out->drop = r->drop;
		}
		r->injected++;
		break;
	}
	pthread_mutex_unlock(&f->mu);
}

int sim_faults_exec_status(struct sim_faults *f, const char *job, const char *exec,
			   char *out, size_t outsz)
{
	int hit = 0;

	pthread_mutex_lock(&f->mu);
	for (struct rule *r = f->rules; r; r = r->next) {
		if (!r->exec_glob || !glob_match(r->exec_glob, exec))
			continue;
		if (r->job_glob && !glob_match(r->job_glob, job))
			continue;
		if (r->times >= 0 && r->injected >= r->times)
			continue;
		r->matched++;
		if (r->skip > 0) {
			r->skip--;
			break;
		}
		if (r->rate < 1.0 && next_rand(f) >= r->rate)
			break;
		r->injected++;
		snprintf(out, outsz, "%s", r->exec_status);
		hit = 1;
		break;
	}
	pthread_mutex_unlock(&f->mu);
	return hit;
}
