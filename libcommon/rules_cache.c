/* The compiled, indexed hosts tables (see rules_cache.h). A rule whose client list is only
 * literal numeric addresses and IPv4 net/mask patterns (no EXCEPT, no names, no users) is
 * entered in an index keyed by what it can match; every other rule stays in line order in
 * the generic list. A decision takes the first index candidate whose daemon list matches,
 * then scans only the generic rules above that line: the first match in file order, as the
 * linear scan finds it, at the cost of a few binary searches. */
#include "common.h"
#include "rules_cache.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdint.h>
#include <strings.h>
#include <sys/inotify.h>
#include <unistd.h>

struct rules_cache_rule {
	int line;
	char **daemons, **clients;
	size_t ndaemons, nclients;
	char *options; /* NULL: no options field */
	char *text; /* the line, tokenised in place */
};

struct rules_cache_key {
	const char *key; /* an exact numeric client token */
	size_t rule;
};

struct mask_entry {
	uint32_t net;
	size_t rule;
};

struct rules_cache_mask {
	uint32_t mask;
	struct mask_entry *entries;
	size_t n, cap;
};

static void table_clear(struct rules_cache_table *t)
{
	for (size_t i = 0; i < t->nrules; i++) {
		free(t->rules[i].text);
		free(t->rules[i].daemons);
	}
	for (size_t i = 0; i < t->nmasks; i++)
		free(t->masks[i].entries);
	free(t->rules);
	free(t->keys);
	free(t->masks);
	free(t->generic);
	t->rules = NULL;
	t->keys = NULL;
	t->masks = NULL;
	t->generic = NULL;
	t->nrules = t->nkeys = t->nmasks = t->ngeneric = 0;
	t->broken = false;
	t->open_errno = 0;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
	void *q;
	size_t ncap;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	q = realloc(*p, ncap * elem);
	if (!q)
		return false;
	*p = q;
	*cap = ncap;
	return true;
}

static bool is_exact_numeric(const char *tok)
{
	size_t len = strlen(tok);

	return len > 0 && tok[strspn(tok, "0123456789.")] == '\0' && tok[0] != '.' &&
		tok[len - 1] != '.';
}

/* What an IPv4 net/mask client token can match: 1 with (net, mask), 0 if it never matches,
 * -1 if it is not such a token. Mirrors host_match's order: '@' and '/' first are netgroups
 * and files, user@host needs the user, '[' makes it IPv6. */
static int mask_token(char *tok, uint32_t *net, uint32_t *mask)
{
	char *slash, *m;
	unsigned int n, k;
	long bits;

	if (tok[0] == '@' || tok[0] == '/' || strchr(tok + 1, '@') || strchr(tok, '[') ||
	    strchr(tok, ']') || !(slash = strchr(tok, '/')))
		return -1;
	m = slash + 1;
	*slash = '\0';
	if (rules_dot_quad(tok, &n) < 0) {
		*slash = '/';
		return 0;
	}
	*slash = '/';
	if (rules_dot_quad(m, &k) < 0) {
		bits = (int)strtoll(m, NULL, 10); /* as rules_match reads it */
		if (bits < 1 || bits > 32)
			return 0;
		k = htonl(0xffffffffU << (32 - bits));
	}
	if ((n & k) != n)
		return 0; /* host bits set: (addr & mask) == net can never hold */
	*net = n;
	*mask = k;
	return 1;
}

static bool indexable(const struct rules_cache_rule *r)
{
	for (size_t i = 0; i < r->nclients; i++) {
		uint32_t n, m;
		char *tok = r->clients[i];

		if (str_ieq(tok, "EXCEPT"))
			return false;
		if (!is_exact_numeric(tok) && mask_token(tok, &n, &m) < 0)
			return false;
	}
	return true;
}

static int add_key(struct rules_cache_table *t, size_t *cap, const char *key, size_t rule)
{
	if (!grow((void **)&t->keys, cap, t->nkeys + 1, sizeof(*t->keys)))
		return -1;
	t->keys[t->nkeys].key = key;
	t->keys[t->nkeys++].rule = rule;
	return 0;
}

static int add_mask(struct rules_cache_table *t, size_t *cap, uint32_t net, uint32_t mask,
		    size_t rule)
{
	struct rules_cache_mask *m = NULL;

	for (size_t i = 0; i < t->nmasks; i++)
		if (t->masks[i].mask == mask)
			m = &t->masks[i];
	if (!m) {
		if (!grow((void **)&t->masks, cap, t->nmasks + 1, sizeof(*t->masks)))
			return -1;
		m = &t->masks[t->nmasks++];
		memset(m, 0, sizeof(*m));
		m->mask = mask;
	}
	if (!grow((void **)&m->entries, &m->cap, m->n + 1, sizeof(*m->entries)))
		return -1;
	m->entries[m->n].net = net;
	m->entries[m->n++].rule = rule;
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	const struct rules_cache_key *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->rule > y->rule) - (x->rule < y->rule);
}

static int cmp_net(const void *a, const void *b)
{
	const struct mask_entry *x = a, *y = b;

	if (x->net != y->net)
		return x->net < y->net ? -1 : 1;
	return (x->rule > y->rule) - (x->rule < y->rule);
}

static int build_index(struct rules_cache_table *t)
{
	size_t kcap = 0, mcap = 0, gcap = 0;

	for (size_t i = 0; i < t->nrules; i++) {
		struct rules_cache_rule *r = &t->rules[i];

		if (!indexable(r)) {
			if (!grow((void **)&t->generic, &gcap, t->ngeneric + 1,
				  sizeof(*t->generic)))
				return -1;
			t->generic[t->ngeneric++] = i;
			continue;
		}
		for (size_t j = 0; j < r->nclients; j++) {
			uint32_t n, m;

			if (is_exact_numeric(r->clients[j])) {
				if (add_key(t, &kcap, r->clients[j], i) < 0)
					return -1;
			} else if (mask_token(r->clients[j], &n, &m) == 1 &&
				   add_mask(t, &mcap, n, m, i) < 0) {
				return -1;
			}
		}
	}
	if (t->nkeys) /* qsort's array must not be NULL, even when empty */
		qsort(t->keys, t->nkeys, sizeof(*t->keys), cmp_key);
	for (size_t i = 0; i < t->nmasks; i++)
		qsort(t->masks[i].entries, t->masks[i].n, sizeof(*t->masks[i].entries), cmp_net);
	return 0;
}

static int add_rule(struct rules_cache_table *t, size_t *cap, int line, const char *daemons,
		    const char *clients, const char *options)
{
	size_t dl = strlen(daemons) + 1, cl = strlen(clients) + 1,
	       ol = options ? strlen(options) + 1 : 0;
	char *text = malloc(dl + cl + ol);
	char **tok = malloc(sizeof(char *) * (dl + cl));
	struct rules_cache_rule *r;

	if (!text || !tok || !grow((void **)&t->rules, cap, t->nrules + 1, sizeof(*t->rules))) {
		free(text);
		free(tok);
		return -1;
	}
	r = &t->rules[t->nrules++];
	memcpy(text, daemons, dl);
	memcpy(text + dl, clients, cl);
	if (options)
		memcpy(text + dl + cl, options, ol);
	r->text = text;
	r->line = line;
	r->options = options ? text + dl + cl : NULL;
	r->daemons = tok;
	r->ndaemons = rules_list_split(text, tok, dl);
	r->clients = tok + r->ndaemons;
	r->nclients = rules_list_split(text + dl, r->clients, cl);
	return 0;
}

/* out of memory halfway: never a table with fewer rules than the file (a hosts.deny that
 * denies nothing). The table is in error, which denies as libwrap's unreadable table does,
 * until a refresh loads it whole */
static int load_failed(struct rules_cache_table *t, struct rules_request *rq)
{
	t->open_errno = ENOMEM;
	rules_warn(rq, "cannot load %s: %s", t->path, strerror(ENOMEM));
	return -1;
}

static int load_table(struct rules_cache_table *t, struct rules_request *rq)
{
	char line[RULES_LINE_MAX];
	struct stat st;
	size_t cap = 0;
	struct rules_file f;
	int len;

	table_clear(t);
	t->exists = false;
	rq->file = NULL;
	rq->line = 0;
	if (rules_file_open(&f, t->path, &st) < 0) {
		if (errno != ENOENT) {
			t->open_errno = errno;
			rules_warn(rq, "cannot open %s: %s", t->path, strerror(errno));
			t->exists = stat(t->path, &st) == 0;
		}
		return 0;
	}
	t->exists = true;
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	t->size = st.st_size;
	t->mtime = st.st_mtim;
	rq->file = t->path;
	while ((len = rules_file_line(&f, line, sizeof(line))) >= 0) {
		rq->line = f.line;
		char *cl, *opts;

		if (len == 0 || line[len - 1] != '\n') {
			rules_warn(rq, "missing newline or line too long");
			rules_warn(rq, "all the subsequent rules will be ignored");
			t->broken = true;
			t->broken_line = rq->line;
			break;
		}
		if (line[0] == '#' || rules_blank(line))
			continue;
		if ((cl = rules_split_at(line, ':')) == NULL) {
			rules_warn(rq, "missing \":\" separator");
			continue;
		}
		opts = rules_split_at(cl, ':');
		if (add_rule(t, &cap, rq->line, line, cl, opts) < 0) {
			rules_file_close(&f);
			return load_failed(t, rq);
		}
	}
	rules_file_close(&f);
	rq->file = NULL;
	return build_index(t) < 0 ? load_failed(t, rq) : 0;
}

static int table_init(struct rules_cache_table *t, const char *path, struct rules_request *rq)
{
	memset(t, 0, sizeof(*t));
	t->path = strdup(path);
	if (!t->path)
		return -1;
	return load_table(t, rq);
}

int rules_cache_init(struct rules_cache *c, const char *allow, const char *deny,
		     struct rules_request *rq)
{
	memset(c, 0, sizeof(*c));
	c->watch_fd = -1;
	if (table_init(&c->allow, allow, rq) < 0 || table_init(&c->deny, deny, rq) < 0) {
		rules_cache_free(c);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static bool changed(const struct rules_cache_table *t)
{
	struct stat st;

	if (stat(t->path, &st) < 0)
		return t->exists || t->open_errno != 0;
	return !t->exists || st.st_dev != t->dev || st.st_ino != t->ino || st.st_size != t->size ||
		st.st_mtim.tv_sec != t->mtime.tv_sec || st.st_mtim.tv_nsec != t->mtime.tv_nsec ||
		t->open_errno != 0;
}

/* the file (its inode, whatever path or link leads to it) and its directory (a new file
 * renamed over it, created or removed); re-added after every event, as a rename leaves
 * the new inode unwatched */
static int watch_table(int fd, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash)
		str_copy(dir, sizeof(dir), ".");
	else if (slash == path)
		str_copy(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		str_copy(dir, (size_t)(slash - path) + 1, path);
	else
		return -1;
	if (inotify_add_watch(fd, dir,
			      IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY |
				      IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF) <
	    0)
		return -1;
	if (inotify_add_watch(fd, path,
			      IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_DELETE_SELF |
				      IN_MOVE_SELF) < 0 &&
	    errno != ENOENT)
		return -1;
	return 0;
}

int rules_cache_watch(struct rules_cache *c)
{
	if (c->watch_fd < 0 && (c->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return -1;
	if (watch_table(c->watch_fd, c->allow.path) < 0 ||
	    watch_table(c->watch_fd, c->deny.path) < 0) {
		close(c->watch_fd);
		c->watch_fd = -1;
		return -1;
	}
	/* anything that changed before the watches existed: seen by the next refresh */
	c->watch_rearm = true;
	return 0;
}

/* an event that may concern a table: on a watched file or directory itself (no name), or
 * on one of the two names in a directory; other files of a busy /etc cost no stat */
static bool relevant(const struct rules_cache *c, const struct inotify_event *ev)
{
	if (ev->len == 0 || (ev->mask & IN_Q_OVERFLOW))
		return true;
	return strcmp(ev->name, str_basename(c->allow.path)) == 0 ||
		strcmp(ev->name, str_basename(c->deny.path)) == 0;
}

/* false when the watches say nothing happened to the tables since the last look */
static bool maybe_changed(struct rules_cache *c)
{
	char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool seen = c->watch_rearm;
	ssize_t n;

	if (c->watch_fd < 0)
		return true;
	/* one read: a directory written to without pause never holds the caller here */
	n = read(c->watch_fd, events, sizeof(events));
	/* the kernel hands out whole events only, so a read that stops less than one
	 * largest event short of the end may have left more queued: the tables' among
	 * them, perhaps (a busy /etc). Then look at the tables */
	if (n > (ssize_t)(sizeof(events) - sizeof(struct inotify_event) - NAME_MAX - 1))
		seen = true;
	for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n && !seen;) {
		const struct inotify_event *ev = (const void *)(events + off);

		seen = relevant(c, ev);
		off += (ssize_t)sizeof(*ev) + ev->len;
	}
	if (!seen)
		return false;
	if (rules_cache_watch(c) < 0) /* the same inodes keep their watches */
		return true;
	c->watch_rearm = false;
	return true;
}

int rules_cache_refresh(struct rules_cache *c, struct rules_request *rq)
{
	int reloaded = 0;

	if (!maybe_changed(c))
		return 0;

	/* a table that failed to load (in error: it denies) is tried again at the next
	 * refresh, events or not */
	if (changed(&c->allow)) {
		if (load_table(&c->allow, rq) < 0)
			reloaded = -1;
		else if (reloaded == 0)
			reloaded = 1;
	}
	if (changed(&c->deny)) {
		if (load_table(&c->deny, rq) < 0)
			reloaded = -1;
		else if (reloaded == 0)
			reloaded = 1;
	}
	if (reloaded < 0)
		c->watch_rearm = true;
	return reloaded;
}

void rules_cache_free(struct rules_cache *c)
{
	table_clear(&c->allow);
	table_clear(&c->deny);
	free(c->allow.path);
	free(c->deny.path);
	if (c->watch_fd >= 0)
		close(c->watch_fd);
	memset(c, 0, sizeof(*c));
	c->watch_fd = -1;
}

static bool daemons_match(struct rules_cache_rule *r, struct rules_request *rq)
{
	return rules_list_match_tokens(r->daemons, r->ndaemons, rq, rules_server_match);
}

static bool rule_match(struct rules_cache_rule *r, struct rules_request *rq)
{
	return daemons_match(r, rq) &&
		rules_list_match_tokens(r->clients, r->nclients, rq, rules_client_match);
}

/* First key entry for key (lower bound), or n. */
static size_t first_key(const struct rules_cache_table *t, const char *key)
{
	size_t lo = 0, hi = t->nkeys;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(t->keys[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t first_net(const struct rules_cache_mask *m, uint32_t net)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->entries[mid].net < net)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int rules_cache_match(struct rules_cache_table *t, struct rules_request *rq, int *line,
		      const char **opts)
{
	size_t best = SIZE_MAX;
	const char *addr;
	unsigned int a4;

	*opts = NULL;
	*line = 0;
	if (t->open_errno)
		return RULES_ERR;
	addr = rules_host_addr(&rq->client);
	if (strncasecmp(addr, "::ffff:", 7) == 0 && rules_dot_quad(addr + 7, &a4) == 0)
		addr += 7; /* compared as IPv4, as string_match and masked_match do */
	if (t->nkeys) {
		for (size_t i = first_key(t, addr);
		     i < t->nkeys && strcmp(t->keys[i].key, addr) == 0; i++) {
			if (t->keys[i].rule >= best)
				break;
			if (daemons_match(&t->rules[t->keys[i].rule], rq)) {
				best = t->keys[i].rule;
				break;
			}
		}
	}
	if (t->nmasks && rules_dot_quad(addr, &a4) == 0) {
		for (size_t m = 0; m < t->nmasks; m++) {
			const struct rules_cache_mask *mk = &t->masks[m];
			uint32_t net = a4 & mk->mask;

			for (size_t i = first_net(mk, net); i < mk->n && mk->entries[i].net == net;
			     i++) {
				if (mk->entries[i].rule >= best)
					break;
				if (daemons_match(&t->rules[mk->entries[i].rule], rq)) {
					best = mk->entries[i].rule;
					break;
				}
			}
		}
	}
	for (size_t g = 0; g < t->ngeneric && t->generic[g] < best; g++) {
		if (rule_match(&t->rules[t->generic[g]], rq)) {
			best = t->generic[g];
			break;
		}
	}
	if (best != SIZE_MAX) {
		*line = t->rules[best].line;
		*opts = t->rules[best].options;
		return RULES_YES;
	}
	return t->broken ? RULES_ERR : RULES_NO;
}

static int scan_cache(void *src, struct rules_request *rq, int which, char *buf, size_t size,
		      char **opts, int *line)
{
	struct rules_cache *c = src;
	struct rules_cache_table *t = which ? &c->deny : &c->allow;
	const char *o;
	int r = rules_cache_match(t, rq, line, &o);

	*opts = NULL;
	rq->file = t->path;
	rq->line = *line;
	if (r == RULES_YES && o) {
		str_copy(buf, size, o); /* options are run destructively */
		*opts = buf;
	}
	return r;
}

void rules_cache_access(struct rules_cache *c, struct rules_request *rq, struct rules_result *res)
{
	rules_decide(rq, scan_cache, c, c->allow.path, c->deny.path, res);
}
