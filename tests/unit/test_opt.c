/* libcommon opt: option values are whole numbers in range, or an error with errno. */
#include "common.h"
#include "harness.h"

int main(void)
{
	unsigned long v = 0;

	UNIT_MODULE("opt");
	CHECK("decimal in range", opt_ulong("42", 10, 0, 100, &v) == 0 && v == 42);
	CHECK("zero at min", opt_ulong("0", 10, 0, 100, &v) == 0 && v == 0);
	CHECK("max is inclusive", opt_ulong("100", 10, 0, 100, &v) == 0 && v == 100);
	errno = 0;
	CHECK("above max fails", opt_ulong("101", 10, 0, 100, &v) == -1 && errno == ERANGE);
	CHECK("below min fails", opt_ulong("1", 10, 2, 100, &v) == -1 && errno == ERANGE);
	CHECK("trailing junk fails", opt_ulong("12x", 10, 0, 100, &v) == -1 && errno == EINVAL);
	CHECK("empty fails", opt_ulong("", 10, 0, 100, &v) == -1 && errno == EINVAL);
	CHECK("minus sign fails", opt_ulong("-1", 10, 0, ~0UL, &v) == -1 && errno == EINVAL);
	CHECK("leading blank fails", opt_ulong(" 1", 10, 0, 100, &v) == -1 && errno == EINVAL);
	CHECK("octal base 8", opt_ulong("0777", 8, 0, 0777, &v) == 0 && v == 0777);
	CHECK("8 is not octal", opt_ulong("8", 8, 0, 0777, &v) == -1);
	CHECK("overflow is ERANGE",
	      opt_ulong("99999999999999999999999", 10, 0, ~0UL, &v) == -1 && errno == ERANGE);
	CHECK("NULL fails", opt_ulong(NULL, 10, 0, 1, &v) == -1 && errno == EINVAL);
	CHECK("atof: integer", opt_atof("2") == 2.0);
	CHECK("atof: decimal", opt_atof("1.5") == 1.5);
	CHECK("atof: leading point and blanks", opt_atof(" \t.25") == 0.25);
	CHECK("atof: sign", opt_atof("-0.5") == -0.5 && opt_atof("+3") == 3.0);
	CHECK("atof: exponent", opt_atof("15e-1") == 1.5 && opt_atof("1E3") == 1000.0);
	CHECK("atof: junk after the number is ignored", opt_atof("0.75load") == 0.75);
	CHECK("atof: an 'e' without digits ends the number", opt_atof("4e") == 4.0);
	CHECK("atof: not a number is 0", opt_atof("x1") == 0.0 && opt_atof("") == 0.0);

	{
		char w1[][4] = {"p", "-fd", "-l", "2", "-b5", "--", "-x"};
		char w2[][4] = {"p", "now", "-m", "+", "1", "-"};
		char w3[][4] = {"p", "-z", "-l"};
		char *a1[] = {w1[0], w1[1], w1[2], w1[3], w1[4], w1[5], w1[6], NULL};
		char *a2[] = {w2[0], w2[1], w2[2], w2[3], w2[4], w2[5], NULL};
		char *a3[] = {w3[0], w3[1], w3[2], NULL};
		int c1, c2, c3, c4;

		opt_reset();
		c1 = opt_getopt(7, a1, "fdnl:b:");
		c2 = opt_getopt(7, a1, "fdnl:b:");
		CHECK("getopt: a group of flags", c1 == 'f' && c2 == 'd');
		c1 = opt_getopt(7, a1, "fdnl:b:");
		CHECK("getopt: an argument in the next word",
		      c1 == 'l' && strcmp(opt_arg, "2") == 0);
		c1 = opt_getopt(7, a1, "fdnl:b:");
		CHECK("getopt: an argument in the same word",
		      c1 == 'b' && strcmp(opt_arg, "5") == 0);
		c1 = opt_getopt(7, a1, "fdnl:b:");
		CHECK("getopt: -- ends the options and is skipped", c1 == -1 && opt_ind == 6);

		opt_reset();
		c1 = opt_getopt(6, a2, "fdn");
		CHECK("getopt: parsing stops at the first operand", c1 == -1 && opt_ind == 1);
		opt_reset();
		c1 = opt_getopt(6, a2, "-m");
		c2 = opt_getopt(6, a2, "-m");
		c3 = opt_getopt(6, a2, "-m");
		CHECK("getopt: '-' optstring returns operands as 1, in order",
		      c1 == 1 && c2 == 'm' && c3 == 1 && strcmp(opt_arg, "+") == 0);
		c4 = opt_getopt(6, a2, "-m");
		CHECK("getopt: and the next operand", c4 == 1 && strcmp(opt_arg, "1") == 0);
		c1 = opt_getopt(6, a2, "-m");
		CHECK("getopt: a lone '-' ends the parse", c1 == -1 && opt_ind == 5);

		opt_reset();
		c1 = opt_getopt(3, a3, "l:");
		c2 = opt_getopt(3, a3, "l:");
		CHECK("getopt: unknown option and missing argument are '?'",
		      c1 == '?' && c2 == '?');
		CHECK("getopt: then the end", opt_getopt(3, a3, "l:") == -1);
	}
	return unit_done();
}
