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
	return unit_done();
}
