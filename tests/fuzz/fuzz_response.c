/* The HTTP response parser on any bytes, as a server's answer to the
 * opening handshake, and the offer check that reads what it parsed. */
#include "handshake.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wsf_response r;
    if (wsf_response_parse(data, size, &r) != WSF_RESP_OK) return 0;
    if (r.head_len == 0 || r.head_len > size) abort();
    free(wsf_response_check_offer(&r, NULL, 0));
    wsf_response_free(&r);
    return 0;
}
