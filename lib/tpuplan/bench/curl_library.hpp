// libcurl, loaded at run time. tpuplan does not link libcurl: a binary that does pays
// ~3.7 ms more at every start (4.3 ms vs 0.6 ms for hello-world, hyperfine, measured on the
// project's build machine), which would break the 5 ms budget of `tpuplan cost`. Only
// `bench` (and later `health`) load it, through this table of the functions they call.
#pragma once

#include <curl/curl.h>

#include <string>

namespace tpuplan::bench {

/// The library name tried when none is given (the Debian/Ubuntu/Fedora SONAME).
inline constexpr const char* k_libcurl_soname = "libcurl.so.4";

/// The libcurl entry points the bench module uses (signatures as in <curl/curl.h>).
struct CurlApi {
  CURLcode (*global_init)(long flags) = nullptr;
  void (*global_cleanup)() = nullptr;
  curl_version_info_data* (*version_info)(CURLversion) = nullptr;
  CURL* (*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  CURLM* (*multi_init)() = nullptr;
  CURLMcode (*multi_cleanup)(CURLM*) = nullptr;
  CURLMcode (*multi_setopt)(CURLM*, CURLMoption, ...) = nullptr;
  CURLMcode (*multi_add_handle)(CURLM*, CURL*) = nullptr;
  CURLMcode (*multi_remove_handle)(CURLM*, CURL*) = nullptr;
  CURLMcode (*multi_socket_action)(CURLM*, curl_socket_t, int, int*) = nullptr;
  CURLMsg* (*multi_info_read)(CURLM*, int*) = nullptr;
  const char* (*multi_strerror)(CURLMcode) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
};

/// A loaded and initialised libcurl. Several may coexist (dlopen and curl_global_init
/// are reference-counted); each is used from one thread.
class CurlLibrary {
public:
  /// Loads `soname` (a name for the dynamic loader or a path) and calls curl_global_init.
  /// Throws Error(runtime) naming the library and what to install when it cannot be loaded.
  explicit CurlLibrary(const std::string& soname = k_libcurl_soname);
  ~CurlLibrary();
  CurlLibrary(const CurlLibrary&) = delete;
  CurlLibrary& operator=(const CurlLibrary&) = delete;

  /// The function table.
  const CurlApi& api() const { return m_api; }
  /// "7.88.1": the version of the library actually loaded.
  std::string version() const;
  /// True when the loaded libcurl knows CURLOPT_PROTOCOLS_STR (7.85 and later).
  bool has_protocols_str() const { return m_version_num >= 0x075500; }

private:
  void* m_handle = nullptr;
  CurlApi m_api;
  unsigned m_version_num = 0;
};

} // namespace tpuplan::bench
