#ifndef PUSHBRIDGE_CCURL_SHIM_H
#define PUSHBRIDGE_CCURL_SHIM_H

// The typecheck macros in <curl/typecheck-gcc.h> would wrap curl_easy_setopt in a statement expression; the
// wrappers below are already typed, so keep the plain prototypes.
#define CURL_DISABLE_TYPECHECK 1
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

// Swift cannot call C variadic functions, so curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt get one typed
// wrapper per argument type used by CurlTransport (the technique GRDB uses in Sources/GRDBSQLite/shim.h).

/// The shape of CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION callbacks.
typedef size_t (*ccurl_data_callback)(char *data, size_t size, size_t count, void *userdata);

static inline CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// For options whose string libcurl copies (URL, CUSTOMREQUEST, NOPROXY, ...); not for CURLOPT_POSTFIELDS.
static inline CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/// For options that keep the pointer as is (POSTFIELDS, WRITEDATA, HEADERDATA, PRIVATE, ERRORBUFFER).
static inline CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_data_callback(CURL *handle, CURLoption option, ccurl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ccurl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/// CURLMsg.data is an anonymous-struct union member; reading the result here keeps the Swift side simple.
static inline CURLcode ccurl_msg_result(const CURLMsg *message) {
    return message->data.result;
}

// The outbound policy (`--outbound-deny`): libcurl calls CURLOPT_OPENSOCKETFUNCTION with each address it resolved,
// just before connecting, so a host name that resolves to a denied address is refused there (the only place that
// sees the address actually used; checking the name first would let DNS answer differently at connect time).

/// One denied range: an address of `length` bytes (4 or 16) whose first `prefix` bits must match.
typedef struct {
    unsigned char address[16];
    int length;
    int prefix;
} ccurl_cidr;

/// The ranges a transfer may not connect to; `refused` is set when a connection was refused for that reason.
typedef struct {
    const ccurl_cidr *ranges;
    size_t count;
    int refused;
    char refused_address[64];
} ccurl_deny_list;

static inline int ccurl_cidr_matches(const ccurl_cidr *range, const unsigned char *address, int length) {
    if (range->length != length) return 0;
    int whole = range->prefix / 8, rest = range->prefix % 8;
    if (memcmp(range->address, address, (size_t)whole) != 0) return 0;
    if (rest == 0) return 1;
    unsigned char mask = (unsigned char)(0xFF << (8 - rest));
    return (range->address[whole] & mask) == (address[whole] & mask);
}

static curl_socket_t ccurl_open_checked_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *target) {
    (void)purpose;
    ccurl_deny_list *deny = (ccurl_deny_list *)clientp;
    const unsigned char *bytes = NULL;
    int length = 0;
    if (target->family == AF_INET && target->addrlen >= sizeof(struct sockaddr_in)) {
        bytes = (const unsigned char *)&((const struct sockaddr_in *)&target->addr)->sin_addr;
        length = 4;
    } else if (target->family == AF_INET6 && target->addrlen >= sizeof(struct sockaddr_in6)) {
        bytes = (const unsigned char *)&((const struct sockaddr_in6 *)&target->addr)->sin6_addr;
        length = 16;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
        if (memcmp(bytes, mapped, 12) == 0) { bytes += 12; length = 4; }  // ::ffff:a.b.c.d is a.b.c.d
    }
    if (deny != NULL && bytes != NULL) {
        for (size_t index = 0; index < deny->count; index++) {
            if (ccurl_cidr_matches(&deny->ranges[index], bytes, length)) {
                deny->refused = 1;
                inet_ntop(length == 4 ? AF_INET : AF_INET6, bytes, deny->refused_address, sizeof(deny->refused_address));
                return CURL_SOCKET_BAD;
            }
        }
    }
    return socket(target->family, target->socktype, target->protocol);
}

static inline CURLcode ccurl_easy_set_deny_list(CURL *handle, ccurl_deny_list *list) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, ccurl_open_checked_socket);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, list);
}

#endif
