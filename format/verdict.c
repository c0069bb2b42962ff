#include "verdict.h"

#include <string.h>

const char *wsf_verdict_name(wsf_verdict v)
{
    switch (v) {
    case WSF_PASS:
        return "pass";
    case WSF_FAIL:
        return "fail";
    case WSF_KNOWN:
        return "known";
    case WSF_NONSTRICT:
        return "non-strict";
    case WSF_SKIP:
        return "skip";
    case WSF_INFO:
        return "info";
    default:
        return "error";
    }
}

int wsf_verdict_parse(const char *name)
{
    for (int v = 0; v < WSF_N_VERDICTS; v++)
        if (!strcmp(name, wsf_verdict_name((wsf_verdict)v))) return v;
    return -1;
}
