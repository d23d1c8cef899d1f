#ifndef PUSHBRIDGE_CCURL_SHIM_H
#define PUSHBRIDGE_CCURL_SHIM_H

#include <curl/curl.h>

// Swift cannot call C variadic functions: curl_easy_setopt and curl_easy_getinfo get typed wrappers here.

#endif
