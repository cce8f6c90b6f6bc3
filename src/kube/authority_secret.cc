#include "kube/authority_secret.h"

#include <optional>

#include "kube/kept_secret.h"
#include "util/base64.h"
#include "util/json_text.h"

namespace mdbop {
namespace {

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
  // One left by an earlier object of the same name (another uid) is not this one's: it would
  // be collected with its owner.
  const auto usable = [&](const json& secret) {
    if (!held_in(secret)) return false;
    if (!owner_reference.is_object()) return true;
    for (const json& owner :
         secret.value("metadata", json::object()).value("ownerReferences", json::array())) {
      if (owner.is_object() && text_at(owner, "uid") == text_at(owner_reference, "uid")) {
        return true;
      }
    }
    return false;
  };
  auto kept = ensure_kept_secret(client, namespace_, name, usable, [&]() -> Result<json> {
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
    return secret;
  });
  if (!kept) return tl::unexpected(kept.error());
  return *held_in(*kept);
}

}  // namespace mdbop
