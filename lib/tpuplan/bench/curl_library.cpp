#include <tpuplan/bench/curl_library.hpp>
#include <tpuplan/error.hpp>

#include <dlfcn.h>
#include <fmt/format.h>

namespace tpuplan::bench {

namespace {

/// Resolves `name` into `fn`; throws when the symbol is missing (a libcurl too old or not libcurl).
template <typename Fn>
void resolve(void* handle, const std::string& soname, const char* name, Fn& fn) {
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) {
    throw Error(ErrorKind::runtime, fmt::format("'{}' has no symbol '{}'", soname, name),
                "tpuplan bench needs libcurl 7.66 or later");
  }
  // POSIX guarantees that a data pointer from dlsym converts to a function pointer.
  fn = reinterpret_cast<Fn>(symbol);
}

} // namespace

CurlLibrary::CurlLibrary(const std::string& soname) {
  // RTLD_NODELETE: libcurl's TLS backends (OpenSSL, GnuTLS) keep thread-local storage and
  // atexit handlers, which must outlive the last CurlLibrary; the library stays mapped.
  m_handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (m_handle == nullptr) {
    const char* why = dlerror();
    throw Error(ErrorKind::runtime,
                fmt::format("cannot load libcurl ('{}'): {}", soname, why != nullptr ? why : "unknown reason"),
                "install libcurl (Debian/Ubuntu: apt-get install libcurl4; Fedora: dnf install libcurl), "
                "or name the library with TPUPLAN_LIBCURL=/path/to/libcurl.so.4");
  }
  try {
    resolve(m_handle, soname, "curl_global_init", m_api.global_init);
    resolve(m_handle, soname, "curl_global_cleanup", m_api.global_cleanup);
    resolve(m_handle, soname, "curl_version_info", m_api.version_info);
    resolve(m_handle, soname, "curl_easy_init", m_api.easy_init);
    resolve(m_handle, soname, "curl_easy_cleanup", m_api.easy_cleanup);
    resolve(m_handle, soname, "curl_easy_setopt", m_api.easy_setopt);
    resolve(m_handle, soname, "curl_easy_getinfo", m_api.easy_getinfo);
    resolve(m_handle, soname, "curl_easy_perform", m_api.easy_perform);
    resolve(m_handle, soname, "curl_easy_strerror", m_api.easy_strerror);
    resolve(m_handle, soname, "curl_multi_init", m_api.multi_init);
    resolve(m_handle, soname, "curl_multi_cleanup", m_api.multi_cleanup);
    resolve(m_handle, soname, "curl_multi_setopt", m_api.multi_setopt);
    resolve(m_handle, soname, "curl_multi_add_handle", m_api.multi_add_handle);
    resolve(m_handle, soname, "curl_multi_remove_handle", m_api.multi_remove_handle);
    resolve(m_handle, soname, "curl_multi_socket_action", m_api.multi_socket_action);
    resolve(m_handle, soname, "curl_multi_info_read", m_api.multi_info_read);
    resolve(m_handle, soname, "curl_multi_strerror", m_api.multi_strerror);
    resolve(m_handle, soname, "curl_slist_append", m_api.slist_append);
    resolve(m_handle, soname, "curl_slist_free_all", m_api.slist_free_all);
    // curl_multi_poll marks 7.66, the oldest release whose multi interface we rely on.
    void* marker = dlsym(m_handle, "curl_multi_poll");
    const curl_version_info_data* info = m_api.version_info(CURLVERSION_NOW);
    m_version_num = info != nullptr ? info->version_num : 0;
    if (marker == nullptr || m_version_num < 0x074200) {
      throw Error(ErrorKind::runtime, fmt::format("'{}' is libcurl {}, too old", soname, version()),
                  "tpuplan bench needs libcurl 7.66 or later");
    }
    if (const CURLcode rc = m_api.global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
      throw Error(ErrorKind::runtime, fmt::format("libcurl initialisation failed: {}", m_api.easy_strerror(rc)));
    }
  } catch (...) {
    dlclose(m_handle);
    throw;
  }
}

CurlLibrary::~CurlLibrary() {
  m_api.global_cleanup();
  dlclose(m_handle);
}

std::string CurlLibrary::version() const {
  return fmt::format("{}.{}.{}", (m_version_num >> 16) & 0xff, (m_version_num >> 8) & 0xff, m_version_num & 0xff);
}

} // namespace tpuplan::bench
