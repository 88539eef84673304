/* libcommon unit: systemd syntax as systemd 252 reads it. */
#include "common.h"
#include "unit.h"
#include "harness.h"

#include <unistd.h>

static char diags[4096];

static void collect(void *ctx, const char *file, int line, bool error, const char *msg)
{
	char one[600];

	(void)ctx;
	snprintf(one, sizeof(one), "%s:%d:%s:%s\n", str_basename(file), line, error ? "E" : "W",
		 msg);
	str_append(diags, sizeof(diags), one);
}

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "/tmp/gb-unit-%ld-%s", (long)getpid(), name);
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	return path;
}

int main(void)
{
	struct unit_file u;
	const struct unit_entry *e, *list[8];
	char out[256], buf[256];
	char *argv[8];
	size_t argc;
	const char *path, *suffix;
	char prefix[64], inst[64];

	UNIT_MODULE("unit");
	path = write_file("echo@.service",
			  "# comment\n"
			  "; also a comment\n"
			  "[Unit]\n"
			  "Description = Echo  service  \n"
			  "\n"
			  "[Service]\n"
			  "ExecStart=/bin/echo one \\\n"
			  "# dropped inside a continuation\n"
			  "  two\n"
			  "Environment=A=1\n"
			  "Environment=B=2\n"
			  "Environment=\n"
			  "Environment=C=3\n"
			  "Environment=D=4\n"
			  "NoEquals\n"
			  "[Broken\n"
			  "Key=in broken section\n");
	diags[0] = '\0';
	CHECK("a unit file loads", unit_load(&u, path, NULL, collect, NULL) == 0);
	CHECK_STR("name is the file's base name", u.name, str_basename(path));
	e = unit_get(&u, "Unit", "Description");
	CHECK_STR("blanks around '=' and at the end are trimmed", e ? e->value : NULL,
		  "Echo  service");
	CHECK("entries remember their line", e && e->line == 4);
	e = unit_get(&u, "Service", "ExecStart");
	CHECK_STR("a continued line joins with a blank, comments inside are dropped",
		  e ? e->value : NULL, "/bin/echo one  two");
	CHECK("a continued entry has its first line", e && e->line == 7);
	CHECK("an empty assignment resets a list",
	      unit_get_all(&u, "Service", "Environment", list, 8) == 2);
	CHECK_STR("list after reset, first", list[0]->value, "C=3");
	CHECK_STR("list after reset, second", list[1]->value, "D=4");
	CHECK("an assignment in a broken section is not kept",
	      unit_get(&u, "Broken", "Key") == NULL);
	CHECK("the broken header is an error", u.errors == 1);
	CHECK("diagnostics name file and line",
	      strstr(diags, "echo@.service:15:W:Missing '=', ignoring line: NoEquals") &&
		      strstr(diags, "echo@.service:16:E:Invalid section header '[Broken'"));
	unit_free(&u);
	CHECK("a missing file is an error with errno",
	      unit_load(&u, "/nonexistent/x.service", NULL, collect, NULL) == -1 &&
		      errno == ENOENT);

	CHECK("valid names: plain, template, instances (an instance may hold '@')",
	      unit_name_valid("a.service") && unit_name_valid("getty@.service") &&
		      unit_name_valid("getty@tty1.service") &&
		      unit_name_valid("foo@bar@baz.service") &&
		      unit_name_valid("sshd@1-10.0.0.1:22-10.0.0.2:40000.service"));
	CHECK("invalid names: no prefix, paths, blanks, no suffix, an upper-case suffix",
	      !unit_name_valid("@foo.service") && !unit_name_valid("../x.service") &&
		      !unit_name_valid("a/b.service") && !unit_name_valid("a b.service") &&
		      !unit_name_valid("x") && !unit_name_valid(".service") &&
		      !unit_name_valid("x.") && !unit_name_valid("a.Service") &&
		      !unit_name_valid(""));
	CHECK("name parse of an instance holding '@'",
	      unit_name_parse("foo@bar@baz.service", prefix, sizeof(prefix), inst, sizeof(inst),
			      &suffix));
	CHECK_STR("... its prefix", prefix, "foo");
	CHECK_STR("... its instance", inst, "bar@baz");
	CHECK("name parse of an instance",
	      unit_name_parse("sshd@1-10.0.0.1:22.service", prefix, sizeof(prefix), inst,
			      sizeof(inst), &suffix));
	CHECK_STR("prefix", prefix, "sshd");
	CHECK_STR("instance", inst, "1-10.0.0.1:22");
	CHECK_STR("suffix", suffix, "service");
	CHECK("specifiers",
	      unit_expand("getty@tty-1.service", "%n|%N|%p|%i|%I|%j|%%", out, sizeof(out)) == 0);
	CHECK_STR("specifier values", out,
		  "getty@tty-1.service|getty@tty-1|getty|tty-1|tty/1|getty|%");
	CHECK("unknown specifier is an error",
	      unit_expand("a.service", "%z", out, sizeof(out)) == -1 && errno == EINVAL);
	CHECK("no room is an error",
	      unit_expand("a.service", "%n%n%n", out, 8) == -1 && errno == ENOBUFS);

	CHECK("words",
	      unit_split_words("/bin/sh -c 'echo \"a b\"' x\\ y \"q\"\"r\"", argv, 8, &argc, buf,
			       sizeof(buf)) == 0);
	CHECK("word count", argc == 5);
	CHECK_STR("adjacent quotes join", argv[4], "qr");
	CHECK_STR("word 0", argv[0], "/bin/sh");
	CHECK_STR("single quotes keep double quotes", argv[2], "echo \"a b\"");
	CHECK_STR("backslash escapes a blank", argv[3], "x y");
	CHECK("an unbalanced quote is an error",
	      unit_split_words("a 'b", argv, 8, &argc, buf, sizeof(buf)) == -1 && errno == EINVAL);
	CHECK("too many words is an error",
	      unit_split_words("a b c", argv, 2, &argc, buf, sizeof(buf)) == -1 && errno == E2BIG);

	CHECK("bool yes", unit_bool("yes") == 1 && unit_bool("On") == 1 && unit_bool("1") == 1);
	CHECK("bool no", unit_bool("no") == 0 && unit_bool("false") == 0 && unit_bool("off") == 0);
	CHECK("bool junk", unit_bool("maybe") == -1);
	CHECK("timespan bare seconds", unit_timespan_us("5") == 5000000);
	CHECK("timespan compound", unit_timespan_us("1min 30s") == 90000000);
	CHECK("timespan ms", unit_timespan_us("100ms") == 100000);
	CHECK("timespan fraction", unit_timespan_us("0.5s") == 500000);
	CHECK("timespan infinity", unit_timespan_us("infinity") > 1000000000000LL);
	CHECK("timespan junk",
	      unit_timespan_us("soon") == -1 && unit_timespan_us("5 parsecs") == -1);
	unlink(path);
	return unit_done();
}
