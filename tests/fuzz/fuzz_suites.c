/* libFuzzer target: the words of the TLS keys of a socket unit (libcommon/suites.c). Any
 * value a unit file can hold is parsed without crashing; a list that parses has between one
 * and SUITES_MAX known, distinct, named ids and is 0-terminated, and the first unknown word
 * reported is a word of the input. */
#include "common.h"
#include "suites.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(int n, const uint16_t *ids, const char *(*name)(uint16_t))
{
	if (n < 0)
		return;
	if (n == 0 || n >= SUITES_MAX || ids[n] != 0)
		abort();
	for (int i = 0; i < n; i++) {
		if (!name(ids[i]))
			abort();
		for (int j = 0; j < i; j++)
			if (ids[i] == ids[j])
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[2048], bad[64];
	uint16_t ids[SUITES_MAX];
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	int v;

	memcpy(text, data, n);
	text[n] = '\0';
	check_list(suites_parse_ciphers(text, ids, SUITES_MAX, bad, sizeof(bad)), ids,
		   suites_cipher_name);
	if (bad[0] && !strstr(text, bad) && strlen(bad) < sizeof(bad) - 1)
		abort();
	check_list(suites_parse_groups(text, ids, SUITES_MAX, bad, sizeof(bad)), ids,
		   suites_group_name);
	v = suites_parse_version(text);
	if (v != -1 && v != 12 && v != 13)
		abort();
	return 0;
}
