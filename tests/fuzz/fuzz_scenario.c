/* The scenario parser on any text, matrices and all. */
#include "scenario.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char err[512];
    wsf_scenario **cases = NULL;
    int n = wsf_scenario_parse_cases("fuzz.wsf", text, &cases, err, sizeof err);
    for (int i = 0; i < n; i++)
        wsf_scenario_free(cases[i]);
    free(cases);
    free(text);
    return 0;
}
