// The validating admission webhook's HTTPS endpoint, POST /validate: the API server sends an
// AdmissionReview, api/admission.h decides. Served on a thread of its own from the moment it
// is made until it is destroyed.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "util/result.h"

namespace httplib {
class SSLServer;
}  // namespace httplib

namespace mdbop {

class AdmissionServer {
 public:
  // Listens on `host`:`port` with the certificate and key in these PEM files.
  static Result<std::unique_ptr<AdmissionServer>> start(const std::string& certificate_file,
                                                        const std::string& key_file,
                                                        const std::string& host, int port);
  ~AdmissionServer();
  AdmissionServer(const AdmissionServer&) = delete;
  AdmissionServer& operator=(const AdmissionServer&) = delete;

 private:
  explicit AdmissionServer(std::unique_ptr<httplib::SSLServer> server);

  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
};

}  // namespace mdbop
