/* @netgroup patterns without NIS: musl has no innetgr(3), so gatebox reads /etc/netgroup
 * (netgroup(5): "name (host,user,domain) ... othername", '#' comments, '\' continuation)
 * and answers innetgr(group, host, NULL, NULL) as glibc's files backend does: a triple
 * matches when its host field is empty or equal (case-insensitively) to the name. Group
 * names are case-sensitive. With no /etc/netgroup, no netgroup matches. */
#include "common.h"
#include "rules.h"

#include <ctype.h>
#include <strings.h>

#define NETGROUP_FILE "/etc/netgroup"
#define NETGROUP_DEPTH 8

/* The members of group, as one string, read into buf (continuations joined). */
static int find_group(FILE *fp, const char *group, char *buf, size_t size)
{
	char line[RULES_LINE_MAX];
	size_t have = 0;

	rewind(fp);
	buf[0] = '\0';
	while (fgets(line, sizeof(line), fp)) {
		size_t len = strlen(line);
		bool more;

		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		more = len && line[len - 1] == '\\';
		if (more)
			line[--len] = ' ';
		if (have + len + 1 >= size)
			return -1;
		memcpy(buf + have, line, len + 1);
		have += len;
		if (more)
			continue;
		/* a whole logical line */
		{
			char *p = buf + strspn(buf, " \t");
			size_t nl = strcspn(p, " \t");

			if (*p != '#' && nl == strlen(group) && strncmp(p, group, nl) == 0) {
				memmove(buf, p + nl, strlen(p + nl) + 1);
				return 0;
			}
		}
		have = 0;
		buf[0] = '\0';
	}
	return -1;
}

static int group_has_host(FILE *fp, const char *group, const char *host, int depth)
{
	char members[RULES_LINE_MAX * 4];
	char *p;

	if (depth > NETGROUP_DEPTH || find_group(fp, group, members, sizeof(members)) < 0)
		return 0;
	p = members;
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0' || *p == '#')
			return 0;
		if (*p == '(') {
			char *end = strchr(p, ')');
			char *comma;
			size_t hl;

			if (!end)
				return 0;
			comma = memchr(p + 1, ',', (size_t)(end - p - 1));
			hl = comma ? (size_t)(comma - p - 1) : (size_t)(end - p - 1);
			/* trim blanks around the host field */
			while (hl && isspace((unsigned char)p[1]))
				p++, hl--;
			while (hl && isspace((unsigned char)p[hl]))
				hl--;
			if (hl == 0 || (strlen(host) == hl && strncasecmp(p + 1, host, hl) == 0))
				return 1;
			p = end + 1;
		} else {
			char sub[RULES_STRING_MAX];
			size_t n = strcspn(p, " \t");
			char next = p[n];

			if (n >= sizeof(sub))
				return 0;
			memcpy(sub, p, n);
			sub[n] = '\0';
			{
				long pos = ftell(fp);
				int found = group_has_host(fp, sub, host, depth + 1);

				fseek(fp, pos, SEEK_SET);
				if (found)
					return 1;
			}
			p += n;
			if (next == '\0')
				return 0;
		}
	}
}

int rules_netgroup_match(const char *group, const char *host);
int rules_netgroup_match(const char *group, const char *host)
{
	FILE *fp = fopen(NETGROUP_FILE, "re");
	int r;

	if (!fp)
		return 0;
	r = group_has_host(fp, group, host, 0);
	fclose(fp);
	return r;
}
