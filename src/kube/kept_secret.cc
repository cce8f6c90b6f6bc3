#include "kube/kept_secret.h"

#include "util/json_text.h"

namespace mdbop {

Result<json> ensure_kept_secret(const KubeClient& client, const std::string& namespace_,
                                const std::string& name,
                                const std::function<bool(const json&)>& usable,
                                const std::function<Result<json>()>& make) {
  const ApiResource secrets{"v1", "secrets"};
  const std::string path = api_path(secrets, namespace_, name);
  auto stored = client.get(path);
  if (stored) {
    if (usable(*stored)) return *stored;
  } else if (!is_not_found(stored.error())) {
    return tl::unexpected(stored.error());
  }
  auto secret = make();
  if (!secret) return secret;
  Result<json> written = fail("not written");
  if (stored) {
    (*secret)["metadata"]["resourceVersion"] = text_at((*stored)["metadata"], "resourceVersion");
    written = client.replace(path, *secret);
  } else {
    written = client.create(api_path(secrets, namespace_), *secret);
  }
  if (written) return *secret;
  // Another maker wrote one meanwhile: theirs is the one.
  if (written.error().code != ErrorCode::kConflict) return tl::unexpected(written.error());
  auto theirs = client.get(path);
  if (!theirs) return tl::unexpected(theirs.error());
  if (usable(*theirs)) return *theirs;
  return fail(ErrorCode::kConflict, "the Secret " + namespace_ + "/" + name +
                                        " changed while mdbop wrote it; it will try again");
}

}  // namespace mdbop
