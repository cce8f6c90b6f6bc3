#include "kube/webhook_certificate.h"

#include "util/base64.h"
#include "util/json_text.h"

namespace mdbop {

namespace {

const ApiResource kSecrets{"v1", "secrets"};
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
  const std::string path = api_path(kSecrets, namespace_, secret_name);
  auto stored = client.get(path);
  if (stored) {
    if (auto held = held_in(*stored)) return *held;
  } else if (!is_not_found(stored.error())) {
    return tl::unexpected(stored.error());
  }
  auto ca = make_certificate_authority("mdbop admission webhook CA", std::chrono::days(3650));
  if (!ca) return tl::unexpected(ca.error());
  auto serving = issue_certificate(*ca, dns_name, ip_addresses, std::chrono::days(825));
  if (!serving) return tl::unexpected(serving.error());
  json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", secret_name}, {"namespace", namespace_}}},
                 {"type", "kubernetes.io/tls"},
                 {"data",
                  {{"ca.crt", base64_encode(ca->certificate)},
                   {"tls.crt", base64_encode(serving->certificate)},
                   {"tls.key", base64_encode(serving->private_key)}}}};
  Result<json> written = fail("not written");
  if (stored) {
    secret["metadata"]["resourceVersion"] = text_at((*stored)["metadata"], "resourceVersion");
    written = client.replace(path, secret);
  } else {
    written = client.create(api_path(kSecrets, namespace_), secret);
  }
  if (!written) {
    // Another replica wrote one meanwhile: theirs is the one.
    if (written.error().code != ErrorCode::kConflict) return tl::unexpected(written.error());
    auto theirs = client.get(path);
    if (!theirs) return tl::unexpected(theirs.error());
    if (auto held = held_in(*theirs)) return *held;
    return fail(ErrorCode::kConflict, "the Secret " + namespace_ + "/" + secret_name +
                                          " changed while mdbop wrote it; it will try again");
  }
  return WebhookCertificate{ca->certificate, *serving};
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
