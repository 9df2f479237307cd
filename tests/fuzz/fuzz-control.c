// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness for what comes in over sharedvipd's sockets: a control request line, a
 * status reply (as sharedvipctl and sharedvip-status read it), and an HTTP request head.
 * A parsed status, written and read back, must say the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"
#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_status st, again;
	static char text[CTL_REPLY_MAX + 1], out[CTL_REPLY_MAX], out2[CTL_REPLY_MAX];
	size_t n = size < CTL_REPLY_MAX ? size : CTL_REPLY_MAX;

	memcpy(text, data, n);
	text[n] = '\0';
	int cmd = ctl_command_parse(text);
	if (cmd >= CTL_N_COMMANDS)
		abort();
	http_route((const char *)data, size);
	if (ctl_status_parse(text, &st) == 0) {
		/* what it says, written and read back, says the same */
		if (ctl_status_format(&st, out, sizeof(out)) || ctl_status_parse(out, &again) ||
		    ctl_status_format(&again, out2, sizeof(out2)) || strcmp(out, out2))
			abort();
	}
	return 0;
}
