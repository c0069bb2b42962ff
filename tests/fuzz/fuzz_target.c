/* The target-file parser on any text. */
#include "target.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char err[512];
    wsf_target *t = wsf_target_parse("fuzz.target", text, err, sizeof err);
    if (t) wsf_target_free(t);
    free(text);
    return 0;
}
