#include "kube/authority_secret.h"

#include <optional>

#include "util/base64.h"
#include "util/json_text.h"

namespace mdbop {
namespace {

const ApiResource kSecrets{"v1", "secrets"};

std::optional<PemCertificate> held_in(const json& secret) {
  const json data = secret.value("data", json::object());
  auto certificate = base64_decode(text_at(data, "ca.crt"));
  auto key = base64_decode(text_at(data, "ca.key"));
  if (!certificate || !key || key->empty()) return std::nullopt;
  // Self-signed and valid now.
  if (!certificate_signed_by(*certificate, *certificate)) return std::nullopt;
  return PemCertificate{*certificate, *key};
}

}  // namespace

Result<PemCertificate> ensure_authority_secret(const KubeClient& client,
                                               const std::string& namespace_,
                                               const std::string& name,
                                               const std::string& common_name,
                                               const json& owner_reference) {
  const std::string path = api_path(kSecrets, namespace_, name);
  auto stored = client.get(path);
  if (stored) {
    if (auto held = held_in(*stored)) return *held;
  } else if (!is_not_found(stored.error())) {
    return tl::unexpected(stored.error());
  }
  auto ca = make_certificate_authority(common_name, std::chrono::days(3650));
  if (!ca) return tl::unexpected(ca.error());
  json secret = {
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata",
       {{"name", name},
        {"namespace", namespace_},
        {"labels", {{"app.kubernetes.io/managed-by", "mdbop"}}}}},
      {"type", "Opaque"},
      {"data",
       {{"ca.crt", base64_encode(ca->certificate)}, {"ca.key", base64_encode(ca->private_key)}}}};
  if (owner_reference.is_object()) {
    secret["metadata"]["ownerReferences"] = json::array({owner_reference});
  }
  Result<json> written = fail("not written");
  if (stored) {
    secret["metadata"]["resourceVersion"] = text_at((*stored)["metadata"], "resourceVersion");
    written = client.replace(path, secret);
  } else {
    written = client.create(api_path(kSecrets, namespace_), secret);
  }
  if (written) return *ca;
  // Another maker wrote one meanwhile: theirs is the one.
  if (written.error().code != ErrorCode::kConflict) return tl::unexpected(written.error());
  auto theirs = client.get(path);
  if (!theirs) return tl::unexpected(theirs.error());
  if (auto held = held_in(*theirs)) return *held;
  return fail(ErrorCode::kConflict,
              "the Secret " + namespace_ + "/" + name + " changed while mdbop wrote it");
}

}  // namespace mdbop
