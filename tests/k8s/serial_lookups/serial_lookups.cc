// Preloaded before Debian's libnss_wrapper (1.1.12) into the processes the Kubernetes tests
// start: it runs one name lookup at a time. nss_wrapper reloads its hosts file when the file
// changed (the kubelet double adds every new pod's names), and two threads of one process
// reloading it at once close the same FILE twice (AddressSanitizer: double-free in fclose under
// getaddrinfo), which aborted the operator now and then. glibc's own resolver needs none of this.
#include <dlfcn.h>
#include <netdb.h>
#include <sys/socket.h>

#include <mutex>

namespace {

std::recursive_mutex& lookups() {
  static std::recursive_mutex mutex;
  return mutex;
}

template <class Function>
Function* next(const char* name) {
  return reinterpret_cast<Function*>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

int getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** res) {
  static auto* real = next<decltype(getaddrinfo)>("getaddrinfo");
  std::lock_guard lock(lookups());
  return real(node, service, hints, res);
}

int getnameinfo(const sockaddr* address, socklen_t length, char* host, socklen_t host_length,
                char* service, socklen_t service_length, int flags) {
  static auto* real = next<decltype(getnameinfo)>("getnameinfo");
  std::lock_guard lock(lookups());
  return real(address, length, host, host_length, service, service_length, flags);
}

int gethostbyname_r(const char* name, hostent* result, char* buffer, size_t length, hostent** found,
                    int* error) {
  static auto* real = next<decltype(gethostbyname_r)>("gethostbyname_r");
  std::lock_guard lock(lookups());
  return real(name, result, buffer, length, found, error);
}

int gethostbyname2_r(const char* name, int family, hostent* result, char* buffer, size_t length,
                     hostent** found, int* error) {
  static auto* real = next<decltype(gethostbyname2_r)>("gethostbyname2_r");
  std::lock_guard lock(lookups());
  return real(name, family, result, buffer, length, found, error);
}

}  // extern "C"
