#include "kube/webhook_certificate.h"

#include "kube/kept_secret.h"
#include "util/base64.h"
#include "util/json_text.h"

namespace mdbop {

namespace {

const ApiResource kWebhookConfigurations{"admissionregistration.k8s.io/v1",
                                         "validatingwebhookconfigurations"};

// The certificate a Secret holds, when it is complete and valid now.
std::optional<WebhookCertificate> held_in(const json& secret) {
  const json data = secret.value("data", json::object());
  WebhookCertificate held;
  auto ca = base64_decode(text_at(data, "ca.crt"));
  auto certificate = base64_decode(text_at(data, "tls.crt"));
  auto key = base64_decode(text_at(data, "tls.key"));
  if (!ca || !certificate || !key || key->empty()) return std::nullopt;
  if (!certificate_signed_by(*certificate, *ca)) return std::nullopt;
  return WebhookCertificate{*ca, {*certificate, *key}};
}

}  // namespace

Result<WebhookCertificate> ensure_webhook_certificate(
    const KubeClient& client, const std::string& namespace_, const std::string& secret_name,
    const std::string& dns_name, const std::vector<std::string>& ip_addresses) {
  auto kept = ensure_kept_secret(
      client, namespace_, secret_name,
      [](const json& secret) { return held_in(secret).has_value(); },
      [&]() -> Result<json> {
        auto ca = make_certificate_authority("mdbop admission webhook CA", std::chrono::days(3650));
        if (!ca) return tl::unexpected(ca.error());
        auto serving = issue_certificate(*ca, dns_name, ip_addresses, std::chrono::days(825),
                                         CertificateUse::kServer);
        if (!serving) return tl::unexpected(serving.error());
        return json{{"apiVersion", "v1"},
                    {"kind", "Secret"},
                    {"metadata", {{"name", secret_name}, {"namespace", namespace_}}},
                    {"type", "kubernetes.io/tls"},
                    {"data",
                     {{"ca.crt", base64_encode(ca->certificate)},
                      {"tls.crt", base64_encode(serving->certificate)},
                      {"tls.key", base64_encode(serving->private_key)}}}};
      });
  if (!kept) return tl::unexpected(kept.error());
  return *held_in(*kept);
}

Result<void> install_ca_bundle(const KubeClient& client, const std::string& configuration,
                               const std::string& ca_pem) {
  const std::string path = api_path(kWebhookConfigurations, "", configuration);
  auto stored = client.get(path);
  if (!stored) {
    if (is_not_found(stored.error())) {
      return fail(ErrorCode::kNotFound, "the ValidatingWebhookConfiguration " + configuration +
                                            " does not exist: install it with kubectl apply -k "
                                            "deploy/");
    }
    return tl::unexpected(stored.error());
  }
  json updated = *stored;
  json& webhooks = updated["webhooks"];
  if (!webhooks.is_array()) return {};
  const std::string bundle = base64_encode(ca_pem);
  for (json& webhook : webhooks) {
    if (!webhook.is_object()) continue;
    json& client_config = webhook["clientConfig"];
    if (client_config.is_null()) client_config = json::object();
    if (client_config.is_object()) client_config["caBundle"] = bundle;
  }
  if (updated == *stored) return {};
  auto written = client.replace(path, updated);
  if (!written) return tl::unexpected(written.error());
  return {};
}

}  // namespace mdbop
