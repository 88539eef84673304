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
	return unit_done();
}
