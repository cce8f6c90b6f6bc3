// The admission webhook's certificate, managed by mdbop: a CA and a serving certificate kept in
// a Secret (so every operator replica serves the same one, and a restart keeps it), and that CA
// put into the ValidatingWebhookConfiguration's caBundle so that the API server trusts it.
#pragma once

#include <string>
#include <vector>

#include "kube/kube_client.h"
#include "util/x509.h"

namespace mdbop {

struct WebhookCertificate {
  std::string ca_pem;
  PemCertificate serving;
};

// The Secret `namespace_/secret_name` when it holds a serving certificate valid now for
// `dns_name`'s CA; else a new CA and certificate (for dns_name and `ip_addresses`), stored there.
Result<WebhookCertificate> ensure_webhook_certificate(const KubeClient& client,
                                                      const std::string& namespace_,
                                                      const std::string& secret_name,
                                                      const std::string& dns_name,
                                                      const std::vector<std::string>& ip_addresses);

// Sets clientConfig.caBundle of every webhook of the ValidatingWebhookConfiguration
// `configuration` to `ca_pem` (written only when it differs).
Result<void> install_ca_bundle(const KubeClient& client, const std::string& configuration,
                               const std::string& ca_pem);

}  // namespace mdbop
